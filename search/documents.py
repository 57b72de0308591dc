"""Index documents built from the database, in bulk and in chunks.

A chunk of paragraphs costs a fixed handful of queries (paragraphs, their articles,
authors, country tags, topic tags), never one per paragraph, so a million paragraphs
stream through in bounded memory.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from corpus.models import (
    Article,
    ArticleAuthor,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
)
from search.engine.base import IndexDocument

CHUNK_SIZE = 2000
ACTIVE_STATUSES = (TagStatus.AUTO, TagStatus.MANUAL)


@dataclass(frozen=True)
class ArticleInfo:
    title: str
    publication: str
    year: int | None
    date: datetime.date | None
    authors: tuple[str, ...]


# The documents are the engine seam's own type; the old name stays for callers.
ParagraphDocument = IndexDocument


def iter_documents(
    *,
    paragraph_ids: Iterable[int] | None = None,
    article_ids: Iterable[int] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[ParagraphDocument]:
    """Documents for the given paragraphs, the given articles' paragraphs, or (with
    neither) every paragraph, in paragraph id order."""
    for chunk in iter_document_chunks(
        paragraph_ids=paragraph_ids, article_ids=article_ids, chunk_size=chunk_size
    ):
        yield from chunk


def iter_document_chunks(
    *,
    paragraph_ids: Iterable[int] | None = None,
    article_ids: Iterable[int] | None = None,
    id_range: tuple[int, int] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[ParagraphDocument]]:
    """Documents in chunks; ``id_range`` (low inclusive, high exclusive) limits a
    full scan to part of the paragraph ids, for parallel builds."""
    articles: dict[int, ArticleInfo] = {}
    for rows in _paragraph_rows(
        paragraph_ids=paragraph_ids,
        article_ids=article_ids,
        id_range=id_range,
        chunk_size=chunk_size,
    ):
        yield _build_chunk(rows, articles)
        # Paragraphs come in id order, so an article's paragraphs arrive together;
        # forgetting older articles keeps memory flat over a million paragraphs.
        if len(articles) > 4 * chunk_size:
            keep = {row[1] for row in rows}
            for article_id in list(articles):
                if article_id not in keep:
                    del articles[article_id]


_ROW_FIELDS = ("id", "article_id", "position", "text", "heading")


def _paragraph_rows(
    *,
    paragraph_ids: Iterable[int] | None,
    article_ids: Iterable[int] | None,
    id_range: tuple[int, int] | None,
    chunk_size: int,
) -> Iterator[list[tuple[Any, ...]]]:
    if paragraph_ids is not None:
        ids = sorted({int(pk) for pk in paragraph_ids})
        for start in range(0, len(ids), chunk_size):
            batch = ids[start : start + chunk_size]
            rows = list(
                Paragraph.objects.filter(pk__in=batch)
                .order_by("id")
                .values_list(*_ROW_FIELDS)
            )
            if rows:
                yield rows
        return
    queryset = Paragraph.objects.order_by("id")
    if article_ids is not None:
        wanted = sorted({int(pk) for pk in article_ids})
        if not wanted:
            return
        queryset = queryset.filter(article_id__in=wanted)
    if id_range is not None:
        queryset = queryset.filter(id__gte=id_range[0], id__lt=id_range[1])
    last_id = 0
    while True:
        rows = list(
            queryset.filter(id__gt=last_id).values_list(*_ROW_FIELDS)[:chunk_size]
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def _build_chunk(
    rows: Sequence[tuple[Any, ...]], articles: dict[int, ArticleInfo]
) -> list[ParagraphDocument]:
    missing = {row[1] for row in rows} - articles.keys()
    if missing:
        articles.update(load_articles(missing))
    paragraph_ids = [row[0] for row in rows]
    countries = _active_tags(ParagraphCountry, "country__code", paragraph_ids)
    topics = _active_tags(ParagraphTopic, "topic__slug", paragraph_ids)
    documents: list[ParagraphDocument] = []
    for pk, article_id, position, text, heading in rows:
        info = articles[article_id]
        documents.append(
            ParagraphDocument(
                paragraph_id=pk,
                article_id=article_id,
                position=position,
                text=text,
                heading=heading or "",
                title=info.title,
                authors=info.authors,
                publication=info.publication,
                year=info.year,
                date=info.date,
                countries=countries.get(pk, ()),
                topics=topics.get(pk, ()),
            )
        )
    return documents


def load_articles(article_ids: Iterable[int]) -> dict[int, ArticleInfo]:
    ids = sorted(set(article_ids))
    authors: dict[int, list[str]] = defaultdict(list)
    found: dict[int, ArticleInfo] = {}
    for start in range(0, len(ids), CHUNK_SIZE):
        batch = ids[start : start + CHUNK_SIZE]
        for article_id, name in (
            ArticleAuthor.objects.filter(article_id__in=batch)
            .order_by("article_id", "position", "id")
            .values_list("article_id", "author__name")
        ):
            authors[article_id].append(name)
        for pk, title, publication, year, date in Article.objects.filter(
            pk__in=batch
        ).values_list("id", "title", "publication__name", "year", "date"):
            found[pk] = ArticleInfo(
                title=title,
                publication=publication or "",
                year=year or None,
                date=date,
                authors=tuple(authors.get(pk, ())),
            )
    return found


def _active_tags(
    model: type[ParagraphCountry] | type[ParagraphTopic],
    value_path: str,
    paragraph_ids: Sequence[int],
) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    for paragraph_id, value in model.objects.filter(
        paragraph_id__in=paragraph_ids, status__in=ACTIVE_STATUSES
    ).values_list("paragraph_id", value_path):
        found[paragraph_id].append(value)
    return {pk: tuple(sorted(set(values))) for pk, values in found.items()}


class DatabaseSource:
    """The database as a rebuild's document source (see
    ``search.engine.base.DocumentSource``)."""

    def count(self) -> int:
        return Paragraph.objects.count()

    def split(self, parts: int) -> list[tuple[int, int]]:
        ids = Paragraph.objects.order_by("id").values_list("id", flat=True)
        total = ids.count()
        bounds = [0]
        for part in range(1, parts):
            bounds.append(int(ids[part * total // parts]) if total else 0)
        bounds.append(2**63 - 1)
        return [(bounds[i], bounds[i + 1]) for i in range(parts)]

    def chunks(
        self, id_range: tuple[int, int] | None = None
    ) -> Iterator[list[ParagraphDocument]]:
        return iter_document_chunks(id_range=id_range)

    def documents(self, paragraph_ids: Iterable[int]) -> list[ParagraphDocument]:
        return list(iter_documents(paragraph_ids=paragraph_ids))

    def article_documents(self, article_ids: Iterable[int]) -> list[ParagraphDocument]:
        return list(iter_documents(article_ids=article_ids))
