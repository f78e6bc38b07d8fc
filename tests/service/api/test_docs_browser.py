"""The one page the service has, /docs, rendered by a real headless Chromium against a real
`moderate serve` process: the Swagger UI assets must come from this process (no CDN) and every
public operation must show up on the page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.service.api.test_uvicorn import start, stop, wait_ready

pytestmark = pytest.mark.slow

OPERATIONS = (
    "/v1/comments:score",
    "/v1/articles:score",
    "/v1alpha1/comments:analyze",
    "/v1/feedback",
    "/v1/model",
)


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "headless Chromium is required for the browser test: `make browser` installs it"
    return path


def render(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=15000",
        *extra,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_docs_page_renders_every_operation_offline(tmp_path: Path) -> None:
    proc, base = start(tmp_path)
    try:
        wait_ready(proc, base)
        dom = render(base + "/docs", tmp_path, "--dump-dom")
        shot = render(
            base + "/docs", tmp_path, f"--screenshot={tmp_path / 'docs.png'}", "--window-size=1280,2000"
        )
    finally:
        log = stop(proc)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    # Swagger UI only builds these blocks after its JS ran and fetched /openapi.json.
    assert 'class="swagger-ui' in html
    for path in OPERATIONS:
        assert f'data-path="{path}"' in html, f"{path} not rendered"
    assert "Comment moderation" in html
    assert shot.returncode == 0 and (tmp_path / "docs.png").stat().st_size > 10_000
    # The page's assets were served by this process, not fetched from elsewhere.
    assert '"GET /docs/assets/swagger-ui-bundle.js HTTP/1.1" 200' in log
