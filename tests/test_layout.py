"""The engine stays behind search/'s own modules: nothing else imports Whoosh, so a
second engine could be added without touching views, the API or the corpus."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE_MODULES = {"index.py", "documents.py"}


def _imports_whoosh(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "whoosh" or name.startswith("whoosh.") for name in names):
            return True
    return False


def _is_engine(path: Path) -> bool:
    relative = path.relative_to(ROOT)
    return relative.parts[0] == "search" and (
        relative.name.startswith("engine_") or relative.name in ENGINE_MODULES
    )


def test_only_the_engine_modules_import_whoosh() -> None:
    sources = [
        path
        for folder in ("config", "corpus", "search")
        for path in (ROOT / folder).rglob("*.py")
    ]
    assert sources
    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if not _is_engine(path) and _imports_whoosh(path)
    ]
    assert offenders == []


def test_the_check_sees_an_import_of_whoosh(tmp_path: Path) -> None:
    module = tmp_path / "views.py"
    module.write_text("import os\nfrom whoosh.qparser import QueryParser\n")
    assert _imports_whoosh(module)
    module.write_text("from search.query import run_search\n")
    assert not _imports_whoosh(module)
