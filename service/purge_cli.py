"""`moderate purge [--older-than DAYS] [--dry-run]`: the retention limit, run by cron.

Deletes the queue items queued (pending ones too), and the feedback rows written, more than DAYS ago
(default MODERATION_RETENTION_DAYS), each item with its flags, its verdict's feedback rows and the
idempotency keys replaying it, and the idempotency keys past their TTL, in transactions of at most
1,000 rows (Store.purge), from the store `moderate serve` uses (MODERATION_DATABASE_URL, else
MODERATION_DB_PATH). Prints one line of counts; `--dry-run` prints what it would delete. Exit 0, 1 when
the store cannot be read or written, 2 for a usage error (no limit given or set).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from service.settings import MAX_RETENTION_DAYS as MAX_DAYS


def _days(text: str) -> int:
    # ASCII digits only: int() also reads "3_0" as 30 and "٣" as 3, too loose for a command that deletes.
    value = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= value <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of days from 1 to {MAX_DAYS}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than",
        type=_days,
        metavar="DAYS",
        help="delete what was stored more than DAYS days ago (default: MODERATION_RETENTION_DAYS)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted and delete nothing"
    )


def run(args: argparse.Namespace) -> int:
    from core.errors import ConfigurationError
    from service.cli import usage_error
    from service.settings import Settings
    from service.storage import open_store, target_for

    settings = Settings()  # strict: a deleting command must not fall back to another store
    days = args.older_than if args.older_than is not None else settings.retention_days
    if days is None:
        return usage_error("purge", "give --older-than DAYS or set MODERATION_RETENTION_DAYS")
    target = target_for(settings)
    if target.path is not None and not target.path.is_file():
        raise ConfigurationError(f"no store at {target.path} (MODERATION_DB_PATH): nothing to purge")
    store = open_store(settings)
    try:
        done = store.purge(timedelta(days=days), dry_run=args.dry_run)
    finally:
        store.close()
    counts = done.erased.summary()
    verb = "would delete" if done.dry_run else f"deleted in {done.transactions} transactions"
    print(
        f"moderate purge: {verb}: {counts} (stored before {done.before.isoformat(timespec='seconds')}, "
        f"{days} days; {store.describe()})"
    )
    sys.stdout.flush()
    return 0
