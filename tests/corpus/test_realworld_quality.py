"""Quality floor on real scraped pages: the body F1 of the text path must not drop.

Runs the method of ``../shared/realworld-dev/score.py`` (4-word shingles, mean
precision and recall over pages) in process, on the plain-text copies of the pages.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from corpus.cleaning import shared_furniture
from corpus.extract import parse_document, read_document
from corpus.parsing import ParseError

SET_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "realworld-dev"
# The .txt body F1 reached when this floor was set, less 0.02.
TXT_F1_FLOOR = 0.905 - 0.02


def _scorer():
    spec = importlib.util.spec_from_file_location(
        "realworld_score", SET_DIR / "score.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _body(text: str, *, furniture: frozenset[str]) -> str:
    try:
        parsed = parse_document(
            read_document(text, name="page.txt", furniture=furniture)
        )
    except ParseError:
        return ""
    parts, last = [], ""
    for paragraph in parsed.paragraphs:
        if paragraph.heading and paragraph.heading != last:
            parts.append(paragraph.heading)
            last = paragraph.heading
        parts.append(paragraph.text)
    return "\n".join(parts)


def test_text_path_body_f1_stays_above_its_floor() -> None:
    if not (SET_DIR / "gold.json").is_file():
        pytest.skip(
            f"the real-world dev set is absent ({SET_DIR.name}/ beside the repo)"
        )
    score = _scorer()
    gold = json.loads((SET_DIR / "gold.json").read_text(encoding="utf-8"))
    texts = {
        name: (SET_DIR / "txt" / f"{name}.txt").read_text(encoding="utf-8")
        for name in sorted(gold)
    }
    # As one ingest run of the folder: furniture is learnt across its files.
    furniture = shared_furniture(texts.values())
    triples = [
        score.shingle_counts(gold[name]["body"], _body(text, furniture=furniture))
        for name, text in texts.items()
    ]
    f1, _, _ = score.aggregate(triples)
    assert f1 >= TXT_F1_FLOOR
