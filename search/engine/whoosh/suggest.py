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

from search.engine.whoosh.parse import query_terms
from search.engine.whoosh.reader import Snapshot
from search.engine.whoosh.schema import word_spans

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


def _same_case(word: str, like: str) -> str:
    """``word`` written with the capitals of ``like``: Rusia -> Russia, NATO stays."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def suggest_correction(snapshot: Snapshot, parsed_query: Any, text: str) -> str | None:
    """``text`` with each searched word that is not in the vocabulary replaced by
    the closest indexed word, or None when there is nothing to correct.

    Field names, operators, ranges and quotes are left as the user typed them:
    only the words whose indexed form is missing are replaced, wherever they occur.
    """
    terms, _prefixes = query_terms(parsed_query)
    # Whoosh's automaton needs at least the one-letter prefix it keeps fixed.
    missing = sorted(t for t in terms if t and not snapshot.doc_frequency("text", t))
    if not missing:
        return None
    corrector = _SurfaceCorrector(snapshot)
    replacements: dict[str, str] = {}
    for term in missing:
        try:
            with snapshot.lock:
                found = corrector.suggest(term, limit=1, maxdist=MAX_DISTANCE, prefix=1)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("no spelling suggestion for %r: %s", term, error)
            continue
        if found:
            replacements[term] = found[0]
    if not replacements:
        return None
    pieces: list[str] = []
    last = 0
    for start, end, indexed in word_spans(text):
        if indexed in replacements:
            written = text[start:end]
            pieces.extend(
                (text[last:start], _same_case(replacements[indexed], written))
            )
            last = end
    pieces.append(text[last:])
    corrected = "".join(pieces).strip()
    if not corrected or corrected.casefold() == text.strip().casefold():
        return None
    return corrected
