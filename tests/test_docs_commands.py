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


def test_make_help_lines_its_descriptions_up():
    # `make help` printed "train-shipped" (13 characters) in a 12-character column, so its description
    # stood out of line with every other target's.
    makefile = (REPO / "Makefile").read_text()
    width = int(re.search(r"printf \"[^\"]*%-(\d+)s", makefile).group(1))
    targets = re.findall(r"^([a-zA-Z_-]+):.*## ", makefile, re.MULTILINE)
    assert "train-shipped" in targets
    assert max(map(len, targets)) < width, (max(targets, key=len), width)


def test_make_help_shows_the_directories_not_make_variables():
    # `make help` printed "into $(MODELS_DIR)/<version>/ (the shipped $(SHIPPED_DIR) is kept)": the
    # Makefile's source, not the directories a newcomer's `make train` would use.
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    out = subprocess.run(
        ["make", "-s", "help"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert "$(" not in out.stdout, out.stdout
    assert "into var/models/<version>/ (the shipped model/default is kept)" in out.stdout, out.stdout


def test_a_server_started_in_the_background_is_waited_for_before_it_is_called():
    # README's first journey ran `make serve &` and then curl at once: pasted as written, the curl
    # found no server ("Failed to connect", the model takes seconds to load) and the page it queued
    # for the moderator's page never arrived.
    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
    started = 0
    for page in pages:
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", page.read_text(), re.DOTALL):
            lines = block.splitlines()
            for i, line in enumerate(lines):
                if re.match(r"(make serve|\S*moderate serve)[^#&]*&\s*(#|$)", line):
                    started += 1
                    calls = [later for later in lines[i + 1 :] if "curl" in later]
                    assert not calls or "/readyz" in calls[0], (page.name, line, calls[0])
    assert started, "README's first journey starts the server in the background"
