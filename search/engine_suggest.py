"""'Did you mean': Whoosh's query corrector over the paragraph text vocabulary.

The vocabulary is stemmed ("secur" for "security"), so suggestions are turned back
into a word as written in a paragraph that contains the stem.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh.spelling import Corrector

from search.engine_reader import Snapshot
from search.engine_schema import word_spans

logger = logging.getLogger(__name__)

MAX_DISTANCE = 2


class _SurfaceCorrector(Corrector):
    """Suggests indexed stems close to a word, as the word appears in the text."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def _suggestions(
        self, text: str, maxdist: int, prefix: int
    ) -> Iterator[tuple[float, str]]:
        snapshot = self.snapshot
        reader = snapshot.reader
        for distance in range(1, maxdist + 1):
            found = []
            for stem in reader.terms_within("text", text, distance, prefix=prefix):
                frequency = reader.doc_frequency("text", stem)
                if frequency:
                    found.append((frequency, stem))
            if found:
                for frequency, stem in sorted(found, reverse=True)[:3]:
                    word = _surface_form(snapshot, stem)
                    if word:
                        yield (-distance + frequency / 1e9, word)
                return


def _surface_form(snapshot: Snapshot, stem: str) -> str | None:
    ids, _weights = snapshot.postings("text", stem)
    live = ids[snapshot.live[ids]][:3]
    forms: Counter[str] = Counter()
    for fields in snapshot.stored(live.tolist()):
        text = fields.get("text") or ""
        for start, end, term in word_spans(text):
            if term == stem:
                forms[text[start:end].lower()] += 1
    return forms.most_common(1)[0][0] if forms else None


def suggest_correction(snapshot: Snapshot, parsed_query: Any, text: str) -> str | None:
    """A corrected query string, or None when every word is in the vocabulary."""
    try:
        tokens = [
            token
            for token in parsed_query.all_tokens()
            if token.fieldname == "text"
            and isinstance(token.text, str)
            and not snapshot.doc_frequency("text", token.text)
        ]
        if not tokens:
            return None
        with snapshot.lock:
            correction = snapshot.searcher.correct_query(
                parsed_query,
                text,
                correctors={"text": _SurfaceCorrector(snapshot)},
                terms=[("text", token.text) for token in tokens],
                maxdist=MAX_DISTANCE,
                prefix=1,
            )
    except Exception:
        logger.exception("spelling suggestion failed for %r", text)
        return None
    corrected = (correction.string or "").strip()
    if not corrected or corrected.lower() == text.strip().lower():
        return None
    return corrected
