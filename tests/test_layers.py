"""The layout, read from the imports (ast, no import executed): libraries never import the stage
wiring (``xner.pipeline``) or the dashboard, the ground (cache, errors, langs) imports nothing above
it, and no xner module is part of an import cycle. Every import counts — module level, inside
functions, under ``TYPE_CHECKING``, absolute and relative (``from . import x``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LIBRARIES = ("translate", "align", "project", "ner", "data", "evaluate")
ABOVE_LIBRARIES = ("xner.pipeline", "xner.dashboard")
GROUND = ("xner.cache", "xner.errors", "xner.langs")


def module_names(root: Path, package: str = "xner") -> dict[str, Path]:
    """Dotted module name → file, for every .py under `root/package`."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _owner(name: str, modules: set[str]) -> str | None:
    """The longest known module that `name` lies in (``xner.data.types.Span`` → ``xner.data.types``)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        if ".".join(parts[:k]) in modules:
            return ".".join(parts[:k])
    return None


def imports_of(source: str, module: str, modules: set[str], *, is_package: bool = False) -> set[str]:
    """The known modules that `source` (the text of `module`) imports anywhere in its body."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # `from pkg import name`: name is a submodule or an attribute of pkg
            targets = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            owner = _owner(t, modules)
            if owner is not None and owner != module:
                found.add(owner)
    return found


def import_graph(root: Path = REPO) -> dict[str, set[str]]:
    mods = module_names(root)
    known = set(mods)
    return {
        name: imports_of(path.read_text(encoding="utf-8"), name, known, is_package=path.name == "__init__.py")
        for name, path in mods.items()
    }


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node, or a node importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(cycles)


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, deps in sorted(graph.items()):
        if mod.split(".")[1:2] and mod.split(".")[1] in LIBRARIES:
            bad += [f"{mod} imports {d}" for d in sorted(deps) if d.startswith(ABOVE_LIBRARIES)]
        if mod in GROUND:
            bad += [f"{mod} (ground) imports {d}" for d in sorted(deps) if d not in (*GROUND, "xner")]
    return bad


# -- the finder itself, on hand-made inputs -------------------------------------------------------------
def test_find_cycles_on_hand_made_graphs():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a", "c"}}) == []
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"a"}, "b": set()}) == [["a"]]
    assert find_cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "e"}, "e": set()}) == [["a", "b"], ["c", "d"]]


def test_imports_of_reads_relative_function_level_and_from_imports():
    known = {"xner", "xner.data", "xner.data.types", "xner.data.tags", "xner.pipeline", "xner.pipeline.stages"}
    src = (
        "import os\n"
        "from . import tags\n"
        "from .types import Span\n"
        "def f():\n"
        "    from ..pipeline import stages\n"
        "if TYPE_CHECKING:\n"
        "    import xner.pipeline\n"
    )
    assert imports_of(src, "xner.data.spans", known) == {
        "xner.data.tags",
        "xner.data.types",
        "xner.pipeline.stages",
        "xner.pipeline",
    }
    # in a package's __init__, `from .x` is relative to the package itself
    assert imports_of("from .types import Span\n", "xner.data", known, is_package=True) == {"xner.data.types"}
    # `from xner.data import Sentence` (an attribute) is an import of the package
    assert imports_of("from xner.data import Sentence\n", "xner.ner.x", known) == {"xner.data"}


def test_layer_violations_are_found_in_a_hand_made_graph():
    graph = {
        "xner.ner.x": {"xner.pipeline.stages", "xner.data.types"},
        "xner.cache": {"xner.errors", "xner.hub"},
        "xner.pipeline.stages": {"xner.ner.x"},
    }
    assert layer_violations(graph) == [
        "xner.cache (ground) imports xner.hub",
        "xner.ner.x imports xner.pipeline.stages",
    ]


# -- the package ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    g = import_graph()
    assert {"xner.cache", "xner.pipeline.stages", "xner.data.spans"} <= set(g)
    return g


def test_libraries_do_not_import_the_pipeline_or_the_dashboard_and_the_ground_nothing_above(graph):
    assert layer_violations(graph) == []


def test_no_import_cycle_among_xner_modules(graph):
    assert find_cycles(graph) == []
