"""GET /readyz with an SQLite store the process cannot write: `database.status` "unavailable" (the code
stays 200, as for any database problem: scoring still works), and "ok" again once it can. Real files
made read-only for real (tests/readonly.py)."""

from __future__ import annotations

import pytest

from tests.readonly import WAYS, read_only, rerun_elsewhere
from tests.service.api.conftest import auth, make_client

VERDICT = {"text": "you moron", "attribute": "insult", "label": 1}


# The folder made read-only before the first write too: the file would be made there.
CASES = [(way, True) for way in WAYS] + [("folder", False), ("mount", False)]


@pytest.mark.parametrize(
    ("way", "first_write"), CASES, ids=[f"{w}-{'made' if f else 'unmade'}" for w, f in CASES]
)
def test_readyz_says_the_sqlite_store_is_unavailable_while_it_cannot_be_written_and_ok_once_it_can(
    request, settings, tmp_path, way, first_write
):
    # /readyz said the database was ok while its file or folder was read-only (a chmod, a read-only
    # remount), and a load balancer kept sending verdicts to a replica that could not store them.
    if rerun_elsewhere(request, tmp_path, way):
        return
    folder = tmp_path / "db"
    folder.mkdir()
    settings = settings.model_copy(update={"db_path": folder / "feedback.sqlite3"})
    with make_client(settings) as c:
        if first_write:
            assert c.post("/v1/feedback", json=VERDICT, headers=auth()).status_code == 201
        assert c.get("/readyz").status_code == 200
        with read_only(folder, settings.db_path, way):
            r = c.get("/readyz", headers=auth())
            assert r.status_code == 200, r.json()
            assert r.json()["status"] == "ok" and r.json()["model_version"] == "fake-1"
            database = r.json()["database"]
            assert (database["status"], database["backend"]) == ("unavailable", "sqlite")
            assert "cannot be written" in database["detail"] and str(folder) in database["detail"]
            # Without the token (a load balancer's probe): the same status, no detail
            r = c.get("/readyz")
            assert (r.status_code, r.json()["database"]) == (
                200,
                {"status": "unavailable", "backend": "sqlite"},
            )

            # Nothing stored, no store: /readyz is as it was
            with make_client(settings.model_copy(update={"do_not_store": True})) as nothing:
                r = nothing.get("/readyz", headers=auth())
                assert (r.status_code, r.json()) == (
                    200,
                    {
                        "status": "ok",
                        "model_version": "fake-1",
                        "database": {"status": "disabled", "backend": None},
                    },
                )
        r = c.get("/readyz", headers=auth())
        assert (r.status_code, r.json()["status"], r.json()["database"]["status"]) == (200, "ok", "ok")
        assert c.post("/v1/feedback", json=VERDICT, headers=auth()).status_code == 201
