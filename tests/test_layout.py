"""The engine stays behind its seam: only ``search/engine/<backend>/`` imports an
engine library or an engine's own modules; everything else speaks
``search.engine.base``. ``corpus/`` knows nothing of engines, the app has no import
cycles, and no module in ``search/`` or ``corpus/`` grows past about 800 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("bench", "config", "corpus", "search")
# Engine libraries -> the only package allowed to import them.
ENGINE_LIBRARIES = {
    "whoosh": "search.engine.whoosh",
    "typesense": "search.engine.typesense",
}
SEAM = "search.engine.base"
MAX_LINES = 800


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Every name imported anywhere in the file (also inside functions), dotted
    in full: ``from a.b import c`` gives ``a.b.c``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _sources() -> list[Path]:
    return [
        path
        for folder in SOURCE_DIRS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _engine_offences(module: str, imports: set[str]) -> list[str]:
    offences = []
    for name in imports:
        for library, owner in ENGINE_LIBRARIES.items():
            # The benchmark's query generator keeps Whoosh's Porter stemmer so the
            # checked-in query mix stays reproducible; it never searches with it.
            frozen = module == "bench.queries" and name == "whoosh.lang.porter.stem"
            if _within(name, library) and not _within(module, owner) and not frozen:
                offences.append(f"{module} imports {name}")
        is_engine = _within(name, "search.engine") and not _within(name, SEAM)
        if is_engine and not _within(module, "search.engine"):
            offences.append(f"{module} imports {name}")
        if _within(module, "corpus") and _within(name, "search.engine"):
            offences.append(f"{module} imports {name}")
    return offences


def test_layout_engines_stay_behind_the_seam() -> None:
    offences = []
    for path in _sources():
        module = _module_name(path)
        offences.extend(_engine_offences(module, _imports(path, module)))
    assert offences == []


@pytest.mark.parametrize(
    ("module", "source", "offends"),
    [
        # a view reaching into Whoosh
        ("search.views", "from whoosh.qparser import QueryParser", True),
        # a page importing the engine's snapshot type
        ("search.pages", "from search.engine.whoosh.reader import Snapshot", True),
        # the same, imported late inside a function
        ("search.api", "def f():\n    import search.engine.whoosh.planner", True),
        # the corpus asking for the seam itself
        ("corpus.tagging", "from search.engine.base import get_backend", True),
        # a view speaking the seam: allowed
        ("search.query", "from search.engine.base import EngineQuery", False),
        # the backend using its own library: allowed
        ("search.engine.whoosh.parse", "from whoosh import qparser", False),
        # one backend's library is not another's
        ("search.engine.whoosh.parse", "import typesense", True),
    ],
)
def test_layout_check_sees_engine_imports(
    tmp_path: Path, module: str, source: str, offends: bool
) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source + "\n")
    assert bool(_engine_offences(module, _imports(path, module))) is offends


def _first_party_graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in _sources()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path, name):
            # The longest first-party module the import names.
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_layout_search_and_corpus_have_no_import_cycles() -> None:
    graph = _first_party_graph()
    inner = {
        name: {t for t in targets if t.startswith(("search", "corpus"))}
        for name, targets in graph.items()
        if name.startswith(("search", "corpus"))
    }
    assert _cycles(inner) == []


def test_layout_cycle_check_sees_a_cycle() -> None:
    # the old engine_reader <-> index pair, imported inside functions
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


@pytest.mark.parametrize("package", ["search", "corpus"])
def test_layout_no_module_is_too_long(package: str) -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
