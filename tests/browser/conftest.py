"""A real headless Chromium (Debian's, installed by `make browser`) driven by Playwright's Python API.

Playwright never downloads a browser here: it launches /usr/bin/chromium. Screenshots go to
test-artifacts/browser/ (gitignored), to be looked at after a run."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.parse_scrapers import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import REPO

ARTIFACTS = REPO / "test-artifacts" / "browser"


@pytest.fixture(scope="module")  # closed with its module: playwright's sync API runs an event loop
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).is_file(), f"{CHROMIUM} not found: run `make browser`"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    path = ARTIFACTS / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
