"""Folding, stemming and word spans: the one analysis shared by indexing, queries,
topic rules, highlighting and every search backend.

Stemming is Snowball's English stemmer (Porter2, as tantivy and Lucene's
EnglishStemmer use) from PyStemmer: "investigate", "investigating", "investigated"
and "investigation" all become ``investig``. Changing anything here changes the
indexed terms, so the index must be rebuilt (``manage.py rebuild_index``).

Analysis runs once per distinct word: a word's folded, stemmed form is cached, so
indexing a paragraph costs one regex pass and one dict lookup per token.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator

import Stemmer

# Words: letters and digits, with inner dots kept ("U.S", "3.5").
WORD_RE = re.compile(r"\w+(?:\.?\w+)*")
# A short list of function words; "us" and "may" are left in because here they
# are mostly "US" and the month.
STOP = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from",
        "have", "if", "in", "is", "it", "not", "of", "on", "or", "tbd", "that",
        "the", "this", "to", "we", "when", "will", "with", "yet", "you", "your",
    }
)  # fmt: skip
# Letters that Unicode decomposition leaves whole but readers treat as accented.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ħ": "h",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
    }
)
_WORD_CACHE_LIMIT = 500_000
_word_cache: dict[str, str | None] = {}
# A PyStemmer object must not be shared between threads.
_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    found = getattr(_local, "stemmer", None)
    if found is None:
        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def fold(word: str) -> str:
    """Lower-case and strip accents, without stemming (for prefixes and labels)."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(_EXTRA_FOLDS)


def stem_word(word: str) -> str:
    """The stem of one folded word, as the index stems it."""
    return _stemmer().stemWord(word)


def normalise_word(word: str) -> str | None:
    """The indexed form of one raw word: folded and stemmed; None for a stop word."""
    try:
        return _word_cache[word]
    except KeyError:
        pass
    folded = fold(word)
    result = None if folded in STOP or len(folded) < 2 else stem_word(folded)
    if len(_word_cache) >= _WORD_CACHE_LIMIT:
        _word_cache.clear()
    _word_cache[word] = result
    return result


def word_cache() -> dict[str, str | None]:
    """Raw word -> indexed form, for callers that tokenize in a tight loop (a miss
    must go through :func:`normalise_word`)."""
    return _word_cache


def analyze(text: str) -> list[str]:
    """Indexed terms of a text in order (stop words dropped, positions renumbered)."""
    out = []
    for word in WORD_RE.findall(text):
        term = normalise_word(word)
        if term is not None:
            out.append(term)
    return out


def terms_of(values: Iterable[str]) -> list[str]:
    """Indexed terms of several texts, concatenated."""
    out: list[str] = []
    for value in values:
        out.extend(analyze(value))
    return out


def word_spans(text: str) -> Iterator[tuple[int, int, str | None]]:
    """(start, end, term) for every word of text; term is None for stop words."""
    for match in WORD_RE.finditer(text):
        yield match.start(), match.end(), normalise_word(match.group(0))
