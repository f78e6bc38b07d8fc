"""Model versions under a real `moderate serve --workers 2`: one activation switches every worker
(the others reload the version ACTIVE names on SIGHUP), and a restart keeps serving it."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.browser.test_moderator_page import new_version_beside_the_shipped_one
from tests.service.api.conftest import TOKEN
from tests.service.api.test_uvicorn import _total, start, stop, wait_ready

pytestmark = pytest.mark.slow


def test_activation_switches_every_worker_and_survives_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    monkeypatch.setenv("MODERATION_VERSIONS_DIR", str(versions))
    version = new_version_beside_the_shipped_one(versions)
    proc, base = start(tmp_path, "--workers", "2")
    try:
        wait_ready(proc, base)
        listed = httpx.get(base + "/v1/models").json()
        assert [v["version"] for v in listed["versions"]][1:] == [version]
        r = httpx.post(
            f"{base}/v1/models/{version}:activate", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
        )
        assert r.status_code == 200, r.text
        assert r.json()["workers_signalled"] == 1
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            metrics = httpx.get(base + "/metrics").text
            if _total(metrics, "moderation_model_reloads_total", outcome="ok") >= 2:
                break
            time.sleep(0.2)
        # fresh connections land on either worker: every one answers with the new version
        seen = {httpx.get(base + "/v1/model", timeout=30).json()["version"] for _ in range(30)}
        assert seen == {version}
    finally:
        output = stop(proc)
    assert "Traceback" not in output, output[-3000:]
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        assert httpx.get(base + "/v1/model").json()["version"] == version
    finally:
        stop(proc)
