"""The `moderate` command. Each subcommand lives in the module of its stage; this file only wires them.

Subcommand modules expose ``add_arguments(parser)`` and ``run(args) -> int`` and are imported lazily,
so `moderate parse` never pays for loading FastAPI or the model.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import re
import shlex
import sys
from collections.abc import Sequence
from typing import TextIO, cast

from core.errors import ModerationError
from service.output import LOG_FORMAT, CheckedOutput, OutputError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": (
        "service.parse_cli",
        "split pages into title, body, comments and dropped furniture (one: JSON; several: JSONL)",
    ),
    "eval-parse": (
        "service.parse_eval",
        "parser accuracy on the shared article pages and the Dragnet test split; fails below pinned floors",
    ),
    "report": ("service.report", "parse and score pages and print a readable report"),
    "score": ("service.batch", "score comment JSONL files or whole directories of pages"),
    "train": ("training.cli", "train the model artifact on the corpora"),
    "eval": ("training.evaluate", "evaluate the model on held-out data against pinned floors"),
    "serve": ("service.api.run", "start the REST service under uvicorn"),
    "purge": (
        "service.purge_cli",
        "delete queued comments, verdicts and feedback older than the retention limit (for cron)",
    ),
    "check-moderators": (
        "service.roster_cli",
        "check a moderators' tokens file as serve reads it, before putting it in place",
    ),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Only the selected subcommand's module is imported; the others are listed from COMMANDS."""
    parser = argparse.ArgumentParser(prog="moderate", description="Self-hosted comment moderation.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        # also after the command (`moderate score -v crawl/`); SUPPRESS keeps a -v given before it
        cmd.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log at DEBUG level"
        )
        if name == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(cmd)
            cmd.set_defaults(_module=module)
    return parser


# A URL's password: everything between "://user:" and the last "@" (a password may hold "@" and "/").
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:).*@")
# A password given as a key: in a URL's query (?password=...) or in libpq's key=value form
# (host=db password='two words'), where a value may be quoted and hold escaped quotes.
_KEY_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^&\s]*)", re.IGNORECASE)


def _hide_password(text: str) -> str:
    return _KEY_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


SECRET_SETTINGS = frozenset({"api_token", "moderator_tokens"})  # refused values never shown


def _settings_error(exc: ValueError) -> str | None:
    """One line naming the MODERATION_* variable, when `exc` is the Settings object's validation error
    or pydantic-settings' error for a list/dict setting that is not valid JSON."""
    from pydantic import ValidationError  # imported only on this error path
    from pydantic_settings import SettingsError

    from service.settings import RefusedVariable, error_reason, set_variables, variable_name

    if isinstance(exc, SettingsError):
        # 'error getting value for field "cors_origins" from source "EnvSettingsSource"' (a value that is
        # not JSON is refused by validation, below): the value itself is not shown (it may hold a secret).
        field = re.search(r'field "([^"]+)"', str(exc))
        name = "MODERATION_" + field.group(1).upper() if field else "a MODERATION_* variable"
        return f"invalid setting {name}: {exc.__cause__ or exc}"
    if not isinstance(exc, ValidationError) or exc.title != "Settings":
        return None
    parts = []
    for err in exc.errors(include_url=False):
        if not err["loc"]:  # a check of the whole object: its message names the variable
            parts.append(error_reason(err))
            continue
        # Named as set: MODERATION_TOXICITY__REVIEW=0.95 (a check of toxicity as a whole was shown as
        # MODERATION_TOXICITY={'review': '0.95', 'reject': 0.9}, a variable nobody set).
        given = {name: shlex.quote(value) for name, value in set_variables(err["loc"]).items()}
        given = given or {variable_name(err["loc"]): repr(err.get("input"))}
        if err["loc"][0] in SECRET_SETTINGS or isinstance(err.get("input"), RefusedVariable):
            named = " and ".join(given) + " (value not shown)"
        else:
            named = " and ".join(f"{name}={_hide_password(value)}" for name, value in given.items())
        parts.append(f"{named}: {error_reason(err)}")
    return "invalid setting " + "; ".join(parts)


def _drop_unwritten_output(out: TextIO | None) -> None:
    """Bytes left in the refused stream's buffer would fail again, in a second message, as Python exits."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), cast(TextIO, out).fileno())


def _one_line(message: str) -> str:
    """An error naming a file, as one line: the name's newline, control characters and bytes that are
    not UTF-8 shown escaped."""
    from service.ingest import display_line  # cheap: imports nothing heavy

    return display_line(message)


def usage_error(command: str, message: str) -> int:
    """A subcommand's usage error found after argparse (a PATH that does not exist): one line on
    stderr, exit status 2 as argparse's own."""
    print(f"moderate {command}: usage error: {_one_line(message)}", file=sys.stderr)
    return 2


def _reopen_closed_descriptors() -> None:
    """Standard input and error started closed (`<&-`, `2>&-`) are opened on /dev/null. Left closed, the
    next file opened took the number, and worker processes started with fd 2 closed failed in
    faulthandler.enable() ("sys.stderr is None"): every file of `score --jobs 2` was an error row. A
    closed stdout stays closed: writing the output is then the one clear error it should be."""
    for fd in (0, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)  # (fd 1 when that is closed too: moved, closed)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            os.set_inheritable(fd, True)  # os.open's descriptor is close-on-exec: workers never had it


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _reopen_closed_descriptors()  # before anything starts a worker process
    if sys.stderr is None:  # started with it closed (`2>&-`): print(file=None) would write into stdout
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the process's life)
    selected = next((a for a in argv if not a.startswith("-")), None)
    name = f"moderate {selected}" if selected in COMMANDS else "moderate"
    # Wrapped before argparse writes --help: it swallows an OSError of its own write, so a help text
    # that never reached a full disk exited 0.
    stdout, sys.stdout = sys.stdout, cast(TextIO, CheckedOutput(sys.stdout))
    try:
        try:
            args = build_parser(selected).parse_args(argv)
        except SystemExit:  # --help (or a usage error, on stderr): its text must have been written
            sys.stdout.flush()
            raise
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.WARNING,
            format=LOG_FORMAT,
            stream=sys.stderr,
        )
        from service.settings import warn_unknown_variables  # once per command, not per Settings()

        warn_unknown_variables()
        status = int(args._module.run(args))
        sys.stdout.flush()  # what is still buffered must reach the file before the status says so
        return status
    except OutputError as exc:
        _drop_unwritten_output(stdout)
        print(f"{name}: error: cannot write the output: {exc}", file=sys.stderr)
        return 1
    except ModerationError as exc:
        print(f"{name}: error: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # (a command may say what it had done when it was stopped)
        print(_one_line(str(exc)) or "interrupted", file=sys.stderr)
        return 130
    except ValueError as exc:
        message = _settings_error(exc)
        if message is None:
            raise
        print(f"{name}: error: {_one_line(message)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader is done (`| head -1`): quiet, as for any filter
        _drop_unwritten_output(stdout)
        return 0
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    raise SystemExit(main())
