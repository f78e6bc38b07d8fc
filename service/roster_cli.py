"""`moderate check-moderators FILE`: reads a moderators' tokens file as `moderate serve` reads
MODERATION_MODERATOR_TOKENS_FILE. Run it on the new file before renaming it into place: the service
refuses a bad file whole, and then no moderator can sign in until it is mended. Prints the names, never a
token. Exit 0 when the service would take the file, 1 when it would not.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the JSON object of names and tokens")


def run(args: argparse.Namespace) -> int:
    from service.roster import parse_tokens_file, read_tokens_file
    from service.settings import command_settings

    api_token = command_settings("check-moderators").api_token
    if api_token:
        tokens = read_tokens_file(args.file, api_token)
        against = "checked against MODERATION_API_TOKEN"
    else:
        tokens = parse_tokens_file(args.file)
        against = "not checked against MODERATION_API_TOKEN, which is not set here"
    count = f"{len(tokens)} moderator{'' if len(tokens) == 1 else 's'}"
    print(
        f"{args.file}: the service would take it: {count} ({', '.join(sorted(tokens)) or 'none'}); {against}"
    )
    return 0
