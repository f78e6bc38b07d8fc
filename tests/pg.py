"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, pg_ctl listening on a Unix
socket in that folder only, stopped and deleted afterwards.

No TCP port: a port found free (bind to 0, close, start the server on it) could be taken by another
pytest worker's server in between. The folder is this server's own, so its socket's name is too; the
URLs name it with libpq's `host=` parameter.

PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user (created by
Debian's package, or by `make postgres`). No binaries: the fixture fails and names `make postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

SERVER_USER = "postgres"
# Where the cluster's folder is made: in memory when the machine has a tmpfs there. Each test's
# database is ~10 MB of files (a copy of template1); on a shared disk, deleting ~100 of them once the
# kernel had written them back took ~60 s, the whole session's teardown.
TMPFS = Path("/dev/shm")


def database_of(url: str) -> str:
    """The database a URL of this server names (its path; the query names the socket's folder)."""
    return str(conninfo_to_dict(url)["dbname"])


def with_parameter(url: str, name: str, value: str) -> str:
    """The URL with one more query parameter (``value`` already percent-encoded)."""
    return f"{url}{'&' if '?' in url else '?'}{name}={value}"


def find_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]  # the newest major version
    raise AssertionError(f"PostgreSQL's {name} not found: run `make postgres` (installs Debian's postgresql)")


class PostgresServer:
    def __init__(self) -> None:
        in_memory = TMPFS.is_dir() and os.access(TMPFS, os.W_OK)
        self.root = Path(tempfile.mkdtemp(prefix="moderation-pg-", dir=TMPFS if in_memory else None))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError as exc:
                raise AssertionError(
                    f"running as root and there is no '{SERVER_USER}' user to run PostgreSQL: "
                    "run `make postgres`"
                ) from exc
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            find_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync",
        )  # fmt: skip
        self.start()

    def _run(self, *cmd: str) -> None:
        argv = ["runuser", "-u", SERVER_USER, "--", *cmd] if self._as_root else list(cmd)
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise AssertionError(f"{' '.join(cmd)} failed: {result.stdout}{result.stderr}\n{log}")

    def start(self) -> None:
        # fsync off: a throwaway cluster has no power cut to survive, and a process killed with -9
        # (client or server) loses nothing committed either way: the data is in the OS page cache.
        options = (
            f"-c listen_addresses='' -k {self.root} -c max_connections=100 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._run(find_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        self._run(find_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.root}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """An empty database, or a copy of `template` (a database nobody is connected to)."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(statement)
        return self.url(name)

    @contextlib.contextmanager
    def database(self, name: str, template: str | None = None) -> Iterator[str]:
        """A fresh database, empty or a copy of `template`, dropped when the block ends (any session
        still on it is ended): the cluster keeps only the databases in use, not one per test run so far."""
        url = self.create_database(name, template)
        try:
            yield url
        finally:
            with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))

    def close(self) -> None:
        with contextlib.suppress(AssertionError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
