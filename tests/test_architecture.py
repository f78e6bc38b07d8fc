"""The shape of the code, measured from the code: layers, import cycles, module and function sizes.

Thresholds, and why:
- a module over MAX_MODULE_LINES (1,000) no longer fits in a reader's head: split it by stage;
- a function over MAX_FUNCTION_LINES (150) no longer fits on two screens;
- cyclomatic complexity over MAX_COMPLEXITY (30, radon's "E" grade) means more paths than a test suite
  can reasonably cover.
The size limits hold for tests/ and bench/ too: they are read as often as the code.
Layers point one way: core <- model <- training / service. Imports inside functions count too: hiding an
import in a function hides the cycle, it does not remove it.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import re
from collections import defaultdict
from pathlib import Path

import pytest
from radon.complexity import cc_visit_ast

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "model", "service", "training")
# The tests and the benchmarks are read as often as the code: the same size limits hold for them.
SIZED_ONLY = ("tests", "bench")
MAX_MODULE_LINES = 1_000
MAX_FUNCTION_LINES = 150
MAX_COMPLEXITY = 30
# What each layer may import from this project (beyond itself).
ALLOWED = {
    "core": set(),
    "model": {"core"},
    "training": {"core", "model", "service"},  # training reads pages through the parser
    "service": {"core", "model", "training"},  # `moderate train` / `eval` are CLI subcommands
}


def _modules(packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in sorted((REPO / package).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()
SIZED = {**MODULES, **_modules(SIZED_ONLY)}


@functools.cache
def _tree(path: Path) -> ast.Module:
    """One parse per file for the tests below (none changes a tree, radon's visitor neither)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(name: str, path: Path) -> set[str]:
    """Project modules imported anywhere in the file, functions included."""
    tree = _tree(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    typing_only = {  # `if TYPE_CHECKING:` imports never run: annotations, not a dependency at run time
        id(n) for block in ast.walk(tree) if _is_type_checking(block) for n in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Built by the tests that use it, not at import: every xdist worker collects this module, and
    only the one that runs it needs the graph (~1 s)."""
    return {name: _imports(name, path) for name, path in MODULES.items()}


def test_layers_point_one_way():
    wrong = [
        f"{name} imports {dep}"
        for name, deps in _graph().items()
        for dep in deps
        if (a := name.split(".")[0]) != (b := dep.split(".")[0]) and b not in ALLOWED[a]
    ]
    assert not wrong, "\n".join(wrong)


def test_production_code_reads_nothing_from_the_tests_tree():
    """No string in the code (docstrings and comments aside) names a path under tests/."""
    offenders = []
    for path in MODULES.values():
        tree = _tree(path)
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
        }
        strings = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
        ]
        offenders += [
            f"{path.relative_to(REPO)}: {v[:60]!r}" for v in strings if "tests/" in v or v == "tests"
        ]
    assert not offenders


def test_no_import_cycles():
    """Tarjan's strongly connected components over module imports (package __init__ re-exports count)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]
    graph = _graph()

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            # a package importing its own submodules (re-exports) is not a cycle between stages
            if len(component) > 1 and not _package_reexport(component):
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, cycles


def _package_reexport(component: list[str]) -> bool:
    packages = [m for m in component if MODULES[m].name == "__init__.py"]
    return len(packages) == 1 and all(m.startswith(packages[0] + ".") or m == packages[0] for m in component)


@pytest.mark.parametrize("name", sorted(SIZED))
def test_module_and_function_sizes(name):
    source = SIZED[name].read_text(encoding="utf-8")
    n_lines = source.count("\n") + 1
    assert n_lines <= MAX_MODULE_LINES, f"{name}: {n_lines} lines"
    problems = []
    for block in _functions(cc_visit_ast(_tree(SIZED[name]))):
        length = block.endline - block.lineno + 1
        if length > MAX_FUNCTION_LINES:
            problems.append(f"{block.name}: {length} lines")
        if block.complexity > MAX_COMPLEXITY:
            problems.append(f"{block.name}: complexity {block.complexity}")
    assert not problems, problems


def _functions(blocks):
    """Functions and methods (a class is measured by its methods, not as one block)."""
    for block in blocks:
        if hasattr(block, "methods"):
            yield from _functions(block.methods)
        else:
            yield block
            yield from _functions(getattr(block, "closures", ()))


def test_the_graph_is_not_empty():
    # guards the tests above against a broken walk that finds nothing and passes vacuously
    assert len(MODULES) > 20 and len(SIZED) > len(MODULES) + 100
    assert sum(map(len, _graph().values())) > 40
    assert defaultdict(set, _graph())["service.api.app"]


def _modules_named_in_the_map() -> set[str]:
    """The paths docs/architecture.md's module map names: `service/parse/` then, below it or on its line,
    bare names (`lexicon.py`, `routers/`) in the last directory named; globs (`model/context*.py`) too."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("```\n", 2)[1]
    named: set[str] = set()
    directory = ""
    for token in re.findall(r"[\w*]+(?:/[\w*]+)*(?:\.py|/(?!\w))", block):
        if token.split("/")[0] in (*PACKAGES, "bench"):
            directory = token if token.endswith("/") else token.rpartition("/")[0] + "/"
            named.add(token)
        elif "/" not in token[:-1]:
            named.add(directory + token)
    return named


def _named(path: str, named: set[str]) -> bool:
    """A module is named by its path (or a glob), or by a directory named whole: one the map names none
    of the modules of one by one."""
    if any(fnmatch.fnmatchcase(path, n) for n in named):
        return True
    parent = path.rpartition("/")[0]
    while parent:
        if parent + "/" in named:
            return not any(n.rpartition("/")[0] == parent and n.endswith(".py") for n in named)
        parent = parent.rpartition("/")[0]
    return False


def test_the_architecture_map_names_every_module_and_only_modules_that_exist():
    # docs/architecture.md's map left out the stdin reader, half of service/api (the app factory, its
    # state, scoring, metrics, the batch envelope) and four training tools a newcomer runs by name.
    named = _modules_named_in_the_map()
    assert {"core/records.py", "service/parse/lexicon.py", "bench/"} <= named, sorted(named)
    absent = sorted(n for n in named if not any(REPO.glob(n.rstrip("/"))))
    modules = sorted(
        str(path.relative_to(REPO))
        for top in (*PACKAGES, "bench")
        for path in (REPO / top).rglob("*.py")
        if path.name != "__init__.py"
    )
    unnamed = [m for m in modules if not _named(m, named)]
    assert (absent, unnamed) == ([], []), (absent, unnamed)
