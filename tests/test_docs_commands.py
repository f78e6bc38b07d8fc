"""What README.md, docs/*.md and the Makefile tell a reader to run or install: the `python -m MODULE`
commands, `make help`, and README's table of the dependencies and why each is there."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO


def _outside_make(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without what an outer make passes to its sub-makes: under `make test STAMP=`
    (or PARALLEL=, MODEL_DIR=...) MAKEFLAGS carried the override into the test's own `make` call, whose
    `install` then did nothing and whose commands were the outer run's, not the Makefile's."""
    import os

    source = os.environ if env is None else env
    return {k: v for k, v in source.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}


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


# `moderate SUB ...` or `python -m MODULE ...` as the docs write it (in backticks or a code line), and the
# `--options` given to it up to the end of the command.
_COMMAND = re.compile(
    r"(?:python3? -m ([a-z_][a-z0-9_.]*[a-z0-9_])|moderate ([a-z][a-z-]*[a-z]))((?: +[^ `|;&#)]+)*)"
)


def _documented_options() -> dict[str, set[str]]:
    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md", REPO / "Makefile"]
    found: dict[str, set[str]] = {}
    for page in pages:
        for match in _COMMAND.finditer(page.read_text()):
            command = match.group(1) or f"moderate {match.group(2)}"
            options = re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", match.group(3))
            found.setdefault(command, set()).update(options)
    return found


def _accepted_options(command: str) -> set[str]:
    import argparse
    import subprocess
    import sys

    if command.startswith("moderate "):
        from service.cli import build_parser

        name = command.removeprefix("moderate ")
        parser = build_parser(name)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if name not in sub.choices:
            return set()
        return {s for action in sub.choices[name]._actions for s in action.option_strings}
    out = subprocess.run(
        [sys.executable, "-m", command, "--help"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", out.stdout))


@pytest.mark.slow
def test_every_documented_option_is_one_the_command_takes():
    # architecture.md gave `moderate report` a `--format` it does not have: a reader's command stopped
    # on a usage error, and nothing noticed the doc had gone stale when the option went.
    documented = _documented_options()
    assert {"--jobs", "--out", "--scheduler"} <= documented["moderate score"], documented
    unknown = {
        (command, option)
        for command, options in documented.items()
        if options
        for option in options - _accepted_options(command)
    }
    assert not unknown, sorted(unknown)


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

    env = _outside_make({k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")})
    out = subprocess.run(
        ["make", "-s", "help"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert "$(" not in out.stdout, out.stdout
    assert "into var/models/<version>/ (the shipped model/default is kept)" in out.stdout, out.stdout


def test_make_help_colours_the_targets_only_on_a_terminal():
    # `make help | less` or `make help > targets.txt` showed "ESC[36mhelp ESC[0m": the colour codes were
    # written whatever the output was. They are written only when it is a terminal.
    import os
    import pty
    import select
    import subprocess

    piped = subprocess.run(["make", "-s", "help"], cwd=REPO, env=_outside_make(), capture_output=True)
    assert b"\x1b[" not in piped.stdout and b"train-shipped" in piped.stdout, piped.stdout
    leader, follower = pty.openpty()
    try:
        subprocess.run(["make", "-s", "help"], cwd=REPO, env=_outside_make(), stdout=follower, check=True)
        shown = b""
        while select.select([leader], [], [], 0)[0]:  # all the finished command wrote, not one read's worth
            shown += os.read(leader, 1 << 16)
    finally:
        os.close(leader)
        os.close(follower)
    assert b"\x1b[36mtrain-shipped" in shown, shown


def _requirement_names(requirements: list[str]) -> set[str]:
    """Distribution names, normalised as pip compares them (PEP 503), without extras or versions."""
    names = (re.match(r"[A-Za-z0-9._-]+", r).group(0) for r in requirements)
    return {re.sub(r"[-_.]+", "-", n).lower() for n in names}


def test_readme_says_why_for_every_dependency_and_no_other():
    # README's "Dependencies and why" is where a newcomer learns what each install is for: a package
    # added to pyproject.toml without a row there, or a row left behind by a removed one, misleads.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = (
        _requirement_names(project["dependencies"]),
        _requirement_names(project["optional-dependencies"]["dev"]),
    )
    readme = (REPO / "README.md").read_text().split("## Dependencies and why", 1)[1]
    runtime: list[str] = []
    dev: list[str] = []
    for cell in re.findall(r"^\| ([^|]+) \|", readme, re.MULTILINE)[1:]:
        if cell.startswith("Debian:"):
            continue
        into = dev if cell.startswith("dev:") else runtime
        # "sqlalchemy 2 (Core), psycopg 3", "dev: ruff, mypy, radon": a name, then what qualifies it
        into += [item.split()[0] for item in cell.removeprefix("dev:").split(",")]
    assert (_requirement_names(runtime), _requirement_names(dev)) == declared


_FAKE_PYTHON = """#!/bin/sh
# A stand-in interpreter: `-VV` names its version, `-m venv [--clear] DIR` is logged and makes DIR.
if [ "$1" = -VV ]; then echo "Python {version}"; exit 0; fi
echo "$*" >> "{log}"
for dir; do :; done
mkdir -p "$dir/bin"
printf '#!/bin/sh\\necho "Python {version}"\\n' > "$dir/bin/python"
printf '#!/bin/sh\\nexit 0\\n' > "$dir/bin/pip"
chmod +x "$dir/bin/python" "$dir/bin/pip"
"""


def _fake_project(root: Path) -> Path:
    """The Makefile beside an empty pyproject.toml in `root`; the log the fake Pythons write to."""
    import shutil

    shutil.copy(REPO / "Makefile", root)
    (root / "pyproject.toml").write_text("")
    return root / "venv.log"


def _fake_python(path: Path, version: str, log: Path) -> Path:
    path.write_text(_FAKE_PYTHON.format(version=version, log=log))
    path.chmod(0o755)
    return path


def _make_install(root: Path, python: Path, log: Path) -> list[str]:
    """`make install PYTHON=python` in `root`: the venv commands it ran (the log's earlier lines dropped)."""
    import subprocess

    log.unlink(missing_ok=True)
    subprocess.run(
        ["make", "-s", "install", f"PYTHON={python}"],
        cwd=root,
        env=_outside_make(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize(("venv_version", "made_again"), [("3.10.13", True), ("3.11.7", False)])
def test_make_install_makes_a_venv_of_another_python_again(tmp_path, venv_version, made_again):
    # `make run` under a python3 that is 3.10 failed ("requires a different Python: 3.10.13"), as it
    # should; but `make run PYTHON=python3.11` then failed the same way, for ever: `python3.11 -m venv
    # .venv` over the existing .venv kept its 3.10 interpreter, and only `make clean` got out of it.
    import subprocess

    log = _fake_project(tmp_path)
    old = _fake_python(tmp_path / "old", venv_version, log)
    subprocess.run([old, "-m", "venv", ".venv"], cwd=tmp_path, check=True)  # a .venv exists
    made = _make_install(tmp_path, _fake_python(tmp_path / "python3.11", "3.11.7", log), log)
    assert made == (["-m venv --clear .venv"] if made_again else []), made
    assert (tmp_path / ".venv" / ".installed").exists()


def test_make_install_makes_a_venv_without_pip_again(tmp_path):
    # On Debian without the python3-venv package, `python3 -m venv .venv` stops at ensurepip ("install
    # the python3-venv package") but leaves .venv/bin/python behind. After the install, `make run` saw
    # a .venv of the right Python, kept it, and failed on ".venv/bin/pip: No such file or directory"
    # until `make clean`. A .venv without pip is now made again.
    import subprocess

    log = _fake_project(tmp_path)
    python = _fake_python(tmp_path / "python3.11", "3.11.7", log)
    subprocess.run([python, "-m", "venv", ".venv"], cwd=tmp_path, check=True)
    (tmp_path / ".venv" / "bin" / "pip").unlink()  # what a failed ensurepip leaves
    assert _make_install(tmp_path, python, log) == ["-m venv --clear .venv"]
    assert (tmp_path / ".venv" / "bin" / "pip").exists()


def test_no_documented_command_names_a_path_of_one_machine():
    # benchmarks.md ran `python -m bench.stream --data-dir /work/shared/data`: the development VM's
    # folder, which a reader's checkout does not have; the corpora are `../shared` beside the checkout.
    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md", REPO / "Makefile"]
    found = [
        (page.name, path)
        for page in pages
        for path in re.findall(r"(?<![\w.~-])/(?:work|home|root|tmp)/[\w./-]+", page.read_text())
    ]
    assert not found, found


def test_every_corpus_folder_training_reads_is_named_in_the_docs():
    # The docs spoke of C3, OLID, OMP, MLMA and GermEval, but no page said which folder of ../shared/data
    # each is or what it trains: docs/attributes.md's table of the corpora now does.
    folders = {
        folder
        for path in sorted((REPO / "training").glob("*.py"))
        for folder in re.findall(r'^[A-Z0-9_]+_DIR = "([a-z0-9-]+)"', path.read_text(), re.MULTILINE)
    }
    assert {"kaggle-insults-2012", "one-million-posts"} <= folders, folders
    table = (REPO / "docs" / "attributes.md").read_text().split("## The corpora", 1)[1].split("\n## ", 1)[0]
    assert not {f for f in folders if f"`{f}`" not in table}


def test_a_server_started_in_the_background_is_waited_for_before_it_is_called():
    # README's first journey ran `make serve &` and, on the next line, its first curl: pasted as one
    # block, the curl ran while the model was still loading and failed with "Failed to connect".
    pages = [*sorted((REPO / "docs").glob("*.md")), REPO / "README.md"]
    unwaited = []
    for page in pages:
        for block in re.findall(r"```(?:bash|sh)\n(.*?)```", page.read_text(), re.DOTALL):
            lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
            started = [i for i, line in enumerate(lines) if re.search(r"\bserve\b.*&$", line)]
            for i in started:
                call = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("curl")), None)
                waits = [
                    line for line in lines[i + 1 : call] if re.match(r"(until|while|for)\b.*readyz", line)
                ]
                if call is not None and not waits:
                    unwaited.append((page.name, lines[i]))
    assert not unwaited, unwaited


def test_make_test_and_test_all_run_a_worker_per_core_keeping_each_module_on_one():
    # `make test` ran the suite in one process: 4 min 36 s on an idle 2-core machine, over its 4-minute
    # budget, while about a minute of it waited on subprocesses and servers with the other core idle.
    import subprocess

    out = subprocess.run(
        ["make", "-n", "test", "test-all", "STAMP=", "BIN=bin"],
        cwd=REPO,
        env=_outside_make(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # (pytest runs under `env -u PYTHONDONTWRITEBYTECODE`: bytecode caches kept, docs/testing.md.)
    runs = [
        line.split()
        for line in out.splitlines()
        if line.startswith("env -u PYTHONDONTWRITEBYTECODE bin/pytest ")
    ]
    assert len(runs) == 2, out
    for argv in runs:
        # A worker per core (pytest-xdist), and a module's tests on one worker: its module fixtures (a
        # trained model, a running server, the browser) built once, not once per worker.
        assert {"-n", "--dist"} <= set(argv), argv
        assert argv[argv.index("-n") + 1] == "auto", argv
        assert argv[argv.index("--dist") + 1] in {"loadscope", "loadfile", "loadgroup"}, argv


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["-m", "bench", "--data-dir", "{missing}", "--articles-dir", "{missing}"], {}),
        (["-m", "bench", "--only", "score", "--data-dir", "{missing}", "--articles-dir", "{present}"], {}),
        (["-m", "bench", "--only", "parse", "--data-dir", "{present}", "--articles-dir", "{missing}"], {}),
        (["-m", "bench.stream", "--data-dir", "{missing}"], {}),
        (["-m", "bench.evasion", "--data-dir", "{missing}"], {}),
        (["-m", "bench.api", "--data-dir", "{missing}"], {}),
        (["-m", "bench.soak"], {"DATA_DIR": "{missing}", "ARTICLES_DIR": "{present}"}),
        (["-m", "bench.soak"], {"DATA_DIR": "{present}", "ARTICLES_DIR": "{missing}"}),
        (["-m", "bench.parse_outputs", "--out", "{present}/out.jsonl", "--data-dir", "{missing}"], {}),
        (["-m", "bench.parse_warnings", "{present}/dump.jsonl", "--data-dir", "{missing}"], {}),
        (["-m", "bench.parse_scrapers", "--data-dir", "{missing}"], {}),
    ],
)
def test_a_benchmark_without_the_shared_corpora_says_so_in_one_line(tmp_path, argv, env):
    # `make bench` on a checkout without ../shared printed "no pages found" for the parser, then the
    # loader's traceback from its second stage; `make soak` started two servers before failing the same
    # way, and bench.parse_outputs wrote a dump without the Dragnet and shared pages, exit 0. A missing
    # folder now stops each at start: one line naming it and what to set, exit status 1.
    import subprocess
    import sys

    missing, present = tmp_path / "no-such-folder", tmp_path

    def filled(text: str) -> str:
        return text.format(missing=missing, present=present)

    proc = subprocess.run(
        [sys.executable, *map(filled, argv)],
        cwd=REPO,
        env=_outside_make() | {k: filled(v) for k, v in env.items()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert (proc.returncode, len(lines)) == (1, 1), (proc.returncode, proc.stdout, proc.stderr)
    assert str(missing) in lines[0] and "not found" in lines[0], lines
    assert re.search(r"DATA_DIR=|ARTICLES_DIR=|--data-dir|--articles-dir", lines[0]), lines  # what to set
    assert not (present / "out.jsonl").exists()


@pytest.mark.parametrize(
    "module",
    [
        "training.parse_lines",
        "training.parse_losses",
        "training.route_cv",
        "training.language_refusals",
        "training.unsubstantial_cv",
    ],
)
def test_a_training_tool_without_the_corpora_says_so_in_one_line(tmp_path, module):
    # `make train-parse` without ../shared/data rewrote service/parse/section_gate.json from no pages,
    # then ended in numpy's "need at least one array to concatenate"; training.parse_losses printed F1
    # 0.000 over no pages and exited 0; the CV tools docs/languages.md and attributes.md run ended in a
    # loader's traceback. Each now stops at start: one line naming the missing folder and what to set,
    # exit status 1, and nothing written.
    import subprocess
    import sys

    missing = tmp_path / "no-such-folder"
    written = [tmp_path / "line_model.json", tmp_path / "section_gate.json"]  # never the shipped files
    outputs = ["--out", str(written[0]), "--gate-out", str(written[1])] if module.endswith("lines") else []
    proc = subprocess.run(
        [sys.executable, "-m", module, "--data-dir", str(missing), *outputs],
        cwd=REPO,
        env=_outside_make(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stderr.strip().splitlines()
    assert (proc.returncode, len(lines), proc.stdout) == (1, 1, ""), (proc.returncode, proc.stderr)
    assert str(missing) in lines[0] and "not found" in lines[0] and "--data-dir" in lines[0], lines
    assert not any(path.exists() for path in written)
