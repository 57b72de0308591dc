"""The Whoosh schema: one document per paragraph, analysed by corpus.text (the
analysis shared by the index, the query parser, the highlighter and every backend).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from whoosh import columns, fields, formats
from whoosh.analysis import IDTokenizer, Token, Tokenizer

from corpus.text import (
    STOP,
    WORD_RE,
    analyze,
    fold,
    normalise_word,
    stem_word,
    terms_of,
    word_cache,
    word_spans,
)
from search.engine.base import UNKNOWN_AUTHOR, IndexDocument

TEXT_FIELDS = ("text", "title", "heading", "author_text")
FACET_FIELDS = ("author", "country", "topic")
# Per-document numeric columns: name -> struct typecode.
NUMERIC_COLUMNS = {
    "c_pid": "q",
    "c_article": "i",
    "c_position": "i",
    "c_year": "h",
    "c_sort": "i",
    "c_hash": "q",
}


class _Token(Token):
    # Whoosh sets `original` when asked to keep it but does not declare it.
    original: str


class FoldingStemTokenizer(Tokenizer):
    """Tokenizer, lower-case, accent folding, stop words and stemming in one
    pass, so the query parser analyses words exactly as the index does."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = _Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            # Wildcards and range ends arrive whole: fold them but never stem.
            token.text = fold(value)
            token.original = value
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token
            return
        pos = start_pos
        for match in WORD_RE.finditer(value):
            term = normalise_word(match.group(0))
            if term is None:
                if removestops:
                    continue
                term = fold(match.group(0))
                token.stopped = True
            else:
                token.stopped = False
            token.text = term
            token.boost = 1.0
            if keeporiginal:
                token.original = match.group(0)
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            pos += 1
            yield token


class Analyzed(str):
    """Field text carrying its term positions, worked out once by the indexer and
    shared by the Whoosh postings and the engine's own posting arrays."""

    positions: dict[str, list[int]]


def term_positions(value: str) -> dict[str, list[int]]:
    """Term -> token positions (stop words dropped, positions renumbered)."""
    found = getattr(value, "positions", None)
    if found is not None:
        return found
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, term in enumerate(analyze(value)):
        positions[term].append(pos)
    return positions


@lru_cache(maxsize=8192)
def cached_term_positions(value: str) -> dict[str, list[int]]:
    # Titles, headings and author names repeat on every paragraph of an article.
    return term_positions(value)


def analyzed(value: str, *, cache: bool = False) -> Analyzed:
    text = Analyzed(value)
    text.positions = cached_term_positions(value) if cache else term_positions(value)
    return text


_POSITIONS_FORMAT = formats.Positions()


def postings_items(
    positions: dict[str, list[int]],
) -> list[tuple[bytes, int, float, bytes]]:
    encode = _POSITIONS_FORMAT.encode
    return [
        (term.encode("utf-8"), len(poses), float(len(poses)), encode(poses))
        for term, poses in positions.items()
    ]


class FoldedText(fields.TEXT):
    """TEXT with positions whose index() bypasses the token pipeline."""

    def __init__(self, *, stored: bool = False, cache_values: bool = False) -> None:
        super().__init__(
            # Whoosh takes any tokenizer as an analyzer, but annotates Analyzer.
            analyzer=FoldingStemTokenizer(),  # type: ignore[arg-type]
            stored=stored,
            phrase=True,
        )
        self.cache_values = cache_values

    def index(self, value: Any, **kwargs: Any) -> Any:
        if isinstance(value, Analyzed):
            return postings_items(value.positions)
        if self.cache_values:
            return postings_items(cached_term_positions(value))
        return postings_items(term_positions(value))


class TagField(fields.FieldType):
    """Exact multi-valued keys (author names, country codes, topic slugs), given
    as a list; no analysis, so names with commas or spaces stay whole."""

    def __init__(self, *, stored: bool = False) -> None:
        self.format = formats.Existence()
        # The whole value is one token, also inside quotes: topic:"Drugs (test)".
        # Whoosh takes any tokenizer as an analyzer, but annotates Analyzer.
        self.analyzer = IDTokenizer()  # type: ignore[assignment]
        self.stored = stored
        self.scorable = False
        self.unique = False
        self.column_type = None
        self.vector = None

    def index(self, value: Any, **kwargs: Any) -> Any:
        return [(v.encode("utf-8"), 1, 1.0, b"") for v in sorted(set(value))]

    def process_text(
        self, qstring: str, mode: str = "", **kwargs: Any
    ) -> Iterator[str]:
        yield qstring

    def to_bytes(self, value: Any) -> bytes:
        if isinstance(value, (list, tuple)):
            value = value[0]
        return value if isinstance(value, bytes) else str(value).encode("utf-8")


def build_schema() -> fields.Schema:
    numeric = {
        name: fields.COLUMN(columns.NumericColumn(code, default=0))
        for name, code in NUMERIC_COLUMNS.items()
    }
    return fields.Schema(
        paragraph_id=fields.ID(unique=True, stored=True),
        article=fields.ID(),
        text=FoldedText(stored=True),
        title=FoldedText(stored=True, cache_values=True),
        heading=FoldedText(stored=True, cache_values=True),
        author_text=FoldedText(cache_values=True),
        author=TagField(stored=True),
        country=TagField(stored=True),
        topic=TagField(stored=True),
        article_id=fields.STORED(),
        position=fields.STORED(),
        publication=fields.STORED(),
        year=fields.STORED(),
        date=fields.STORED(),
        **numeric,
    )


def document_fields(doc: IndexDocument) -> dict[str, Any]:
    """Keyword arguments for Whoosh's add_document/update_document."""
    return {
        "paragraph_id": str(doc.paragraph_id),
        "article": str(doc.article_id),
        "text": doc.text,
        "title": doc.title,
        "heading": doc.heading,
        "author_text": " ".join(doc.authors),
        "author": list(doc.author_values),
        "_stored_author": list(doc.authors),
        "country": list(doc.countries),
        "topic": list(doc.topics),
        "article_id": doc.article_id,
        "position": doc.position,
        "publication": doc.publication,
        "year": doc.year,
        "date": doc.date.isoformat() if doc.date else None,
        "c_pid": doc.paragraph_id,
        "c_article": doc.article_id,
        "c_position": doc.position,
        "c_year": doc.year or 0,
        "c_sort": doc.sort_key,
        "c_hash": doc.content_hash,
    }


__all__ = [
    "STOP",
    "UNKNOWN_AUTHOR",
    "WORD_RE",
    "analyze",
    "build_schema",
    "document_fields",
    "fold",
    "normalise_word",
    "stem_word",
    "terms_of",
    "word_cache",
    "word_spans",
]
