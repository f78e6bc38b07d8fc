"""The `python -m MODULE` commands README.md, docs/*.md and the Makefile tell a reader to run."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _documented_modules() -> set[str]:
    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md", REPO / "Makefile"]
    return {
        m for page in pages for m in re.findall(r"python3? -m ([a-z_][a-z0-9_.]*[a-z0-9_])", page.read_text())
    }


def test_every_documented_module_runs_something():
    # docs/parser.md timed the parser with `python -m bench.parse`, a module with no main: the command
    # printed nothing and exited 0, so a reader took a silent run for a measurement.
    modules = _documented_modules()
    assert {"bench", "bench.stream", "service.cli"} <= modules, modules
    silent = set()
    for module in modules:
        path = REPO.joinpath(*module.split("."))
        if path.is_dir():
            runs = (path / "__main__.py").is_file()
        else:
            source = path.with_suffix(".py").read_text()
            runs = re.search(r"^if __name__ == .__main__.:", source, re.MULTILINE) is not None
        if not runs:
            silent.add(module)
    assert not silent, silent


def test_help_of_the_soak_and_page_memory_benches_starts_nothing():
    # `python -m bench.soak --help` started two servers and ten minutes of hostile traffic, and
    # `python -m bench.page_memory --help` its measurement: --help is now a usage line and exit 0.
    import subprocess
    import sys

    for module in ("bench.soak", "bench.page_memory"):
        proc = subprocess.run(
            [sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert (proc.returncode, proc.stdout.startswith("usage:")) == (0, True), (module, proc)
