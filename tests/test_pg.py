"""The throwaway PostgreSQL cluster of the tests (tests/pg.py)."""

from __future__ import annotations

import psycopg
import pytest

from tests.pg import TMPFS, PostgresServer


def _databases(server: PostgresServer) -> set[str]:
    with psycopg.connect(server.url("postgres")) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}


def test_a_tests_database_is_dropped_when_it_ends(postgres: PostgresServer) -> None:
    # Every test's database was kept until the session ended (~10 MB of files each): the cluster's
    # folder grew by a database per test, and deleting it took ~60 s of the session's teardown. A
    # test's database is now dropped when the test ends, a session it left open ended.
    with postgres.database("t_dropped") as url:
        left_open = psycopg.connect(url)
        left_open.execute("CREATE TABLE t (x int)")
        assert "t_dropped" in _databases(postgres)
    assert "t_dropped" not in _databases(postgres)
    with pytest.raises(psycopg.OperationalError):
        left_open.execute("SELECT 1")
    left_open.close()


def test_the_cluster_lives_in_memory_where_there_is_a_tmpfs(postgres: PostgresServer) -> None:
    # On disk, the files written back by the kernel made deleting them slow on a shared machine.
    if not TMPFS.is_dir():
        pytest.skip(f"no {TMPFS} on this machine: the cluster is made in the default temp folder")
    assert postgres.root.parent == TMPFS


def test_the_cluster_listens_on_its_own_unix_socket_only(postgres: PostgresServer) -> None:
    # It listened on a loopback port found free by binding port 0 and letting it go: another pytest
    # worker could take that port in between. A socket in the cluster's own folder cannot be taken.
    with psycopg.connect(postgres.url("postgres")) as conn:
        listens = conn.execute("SHOW listen_addresses").fetchone()
        sockets = conn.execute("SHOW unix_socket_directories").fetchone()
    assert (listens, sockets) == (("",), (str(postgres.root),))
    assert f"host={postgres.root}" in postgres.url("postgres")
