"""Who holds a moderator's token: the {name: token} object of MODERATION_MODERATOR_TOKENS, fixed for the
life of the process, or of MODERATION_MODERATOR_TOKENS_FILE, read again while the service runs.

With the file, a desk adds, rotates or revokes a moderator by changing it (a mounted secret, or a file
written then renamed into place): every worker of every replica that reads it follows within RECHECK_S,
with no restart. A file that becomes unreadable or invalid is refused whole: no moderator's token is
taken until it is mended (the API token still is), so a broken edit can never keep a revoked token alive.
"""

from __future__ import annotations

import json
import logging
import math
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from types import MappingProxyType

from core.errors import ConfigurationError
from service.settings import Settings, moderator_tokens_problem, moderators_beside_problem

log = logging.getLogger(__name__)

# A worker reads the file at most this often: a revocation is in force everywhere within a second, for
# one read of a few hundred bytes a second (about 20 us, on the request that finds it due).
RECHECK_S = 1.0
# A desk's names and tokens take a few KB: a bigger file is the wrong one, not read whole.
MAX_FILE_BYTES = 1 << 20
# The read runs in a thread of its own, and the request that asked waits at most this long: a file on
# a filesystem that stops answering (a lost network mount) held that request, on the event loop every
# request of the worker, for as long. Past it the file is refused as an unreadable one is (no
# moderator's token is taken) until the read ends; no second read starts meanwhile.
READ_WAIT_S = 0.5

NO_ONE: Mapping[str, str] = MappingProxyType({})


def read_tokens_file(path: Path, api_token: str | None) -> Mapping[str, str]:
    """The {name: token} object in `path`, checked as MODERATION_MODERATOR_TOKENS is; ConfigurationError
    naming the file and what is wrong, never a token."""
    tokens = parse_tokens_file(path)
    problem = moderators_beside_problem(tokens, api_token)
    if problem:
        raise ConfigurationError(f"MODERATION_MODERATOR_TOKENS_FILE {path}: {problem}")
    return tokens


def parse_tokens_file(path: Path) -> Mapping[str, str]:
    """read_tokens_file without the checks against the API token (`moderate check-moderators` where
    the API token is not set)."""
    what = f"MODERATION_MODERATOR_TOKENS_FILE {path}"
    try:
        # Non-blocking, then only a regular file (through any links: a mounted secret's): opening a FIFO
        # put in its place waited for a writer for ever, and that read never answering kept every
        # moderator out after the file was mended (no second read starts while one is out).
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise ConfigurationError(f"{what} is not a regular file: write the JSON object in a file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"{what} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigurationError(f"{what} is over {MAX_FILE_BYTES} bytes: is it the right file?")
    try:
        tokens = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_no_repeats)
    except _RepeatedName as exc:  # last-wins dropped the first entry's token without a word
        raise ConfigurationError(f"{what} names {exc} twice: give each moderator one entry") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{what} is not UTF-8 text: write a JSON object") from None
    except json.JSONDecodeError as exc:  # its words name a line and column, never the text around them
        raise ConfigurationError(
            f"{what} is not JSON ({exc.msg}: line {exc.lineno} column {exc.colno}); write "
            '{"alice": "<token>", "bob": "<token>"}'
        ) from None
    if not isinstance(tokens, dict):
        raise ConfigurationError(f'{what} holds JSON, but not an object: write {{"alice": "<token>"}}')
    problem = moderator_tokens_problem(tokens)
    if problem:
        raise ConfigurationError(f"{what}: {problem}")
    return MappingProxyType(dict(tokens))


class _RepeatedName(ValueError):
    pass


def _no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for name, value in pairs:
        if name in found:
            raise _RepeatedName(json.dumps(name))
        found[name] = value
    return found


class Roster:
    """The moderators' tokens in force. Built where the app is (a file that cannot be read then stops the
    start, as a refused setting does); `tokens()` is asked on every request that presents a token."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = settings.moderator_tokens_file
        self._api_token = settings.api_token
        self._clock = clock
        self._tokens: Mapping[str, str] = MappingProxyType(dict(settings.moderator_tokens))
        self.problem: str | None = None  # why the file is refused now, when it is
        self._checked_at = -math.inf
        self._reading: Future[Mapping[str, str]] | None = None  # a read that has not answered yet
        self._overdue = False  # it did not answer within READ_WAIT_S: no request waits on it again
        self._lock = threading.Lock()
        if self.path is not None:
            self._tokens = read_tokens_file(self.path, self._api_token)
            self._checked_at = clock()

    @property
    def source(self) -> str:
        return "file" if self.path is not None else "environment"

    def tokens(self) -> Mapping[str, str]:
        """{name: token}, the file read again when RECHECK_S has passed since the last read."""
        if self.path is not None and self._clock() - self._checked_at >= RECHECK_S:
            self._reread(self.path)
        return self._tokens

    def _reread(self, path: Path) -> None:
        with self._lock:
            self._checked_at = self._clock()
            reading = self._reading
            if reading is None:
                reading = self._reading = self._start_read(path)
                self._overdue = False
        try:
            fresh = reading.result(timeout=0 if self._overdue else READ_WAIT_S)
        except FutureTimeout:
            self._overdue = True
            self._refuse(f"MODERATION_MODERATOR_TOKENS_FILE {path} did not answer within {READ_WAIT_S} s")
            return
        except ConfigurationError as exc:
            self._reading = None
            self._refuse(str(exc))
            return
        except Exception as exc:  # whatever failed, the file is refused and read again
            self._reading = None
            self._refuse(f"MODERATION_MODERATOR_TOKENS_FILE {path} could not be read ({type(exc).__name__})")
            return
        self._reading = None
        if self.problem is not None or fresh != self._tokens:
            self._log_change(fresh)
        self._tokens, self.problem = fresh, None

    def _start_read(self, path: Path) -> Future[Mapping[str, str]]:
        """The file read in a daemon thread: one that never returns must not hold the process's exit."""
        reading: Future[Mapping[str, str]] = Future()

        def read() -> None:
            try:
                reading.set_result(read_tokens_file(path, self._api_token))
            except BaseException as exc:  # handed to the request that waits on it
                reading.set_exception(exc)

        threading.Thread(target=read, name="moderators-file", daemon=True).start()
        return reading

    def _refuse(self, problem: str) -> None:
        if self.problem != problem:  # logged once per problem, not once a second
            log.error("no moderator's token is taken until the file is mended: %s", problem)
        self._tokens, self.problem = NO_ONE, problem

    def _log_change(self, fresh: Mapping[str, str]) -> None:
        old = self._tokens
        added = sorted(set(fresh) - set(old))
        removed = sorted(set(old) - set(fresh))
        rotated = sorted(name for name in set(fresh) & set(old) if fresh[name] != old[name])
        log.warning(
            "moderators' tokens read again from %s: %d in force (added %s, removed %s, new token for %s)",
            self.path,
            len(fresh),
            ", ".join(added) or "none",
            ", ".join(removed) or "none",
            ", ".join(rotated) or "none",
        )
