"""Exports of a result set: paragraphs as CSV or JSON, their articles as BibTeX or RIS.

An export covers every page of the current search, up to ``EXPORT_LIMIT`` paragraphs,
in result order. Rows are read from the database (the source of truth), not the index.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from corpus.models import (
    Article,
    ArticleAuthor,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
)
from search.citations import CitedWork, bibtex_entries, ris_records

if TYPE_CHECKING:
    from search.query import SearchRequest

EXPORT_LIMIT = 5000
# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Parameters that describe one page of results, not the result set.
_PAGE_PARAMS = {"page", "page_size", "group", "edit"}


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    content_type: str


FORMATS: Mapping[str, ExportFormat] = {
    "csv": ExportFormat("csv", "CSV", "text/csv; charset=utf-8"),
    "json": ExportFormat("json", "JSON", "application/json"),
    "bib": ExportFormat("bib", "BibTeX", "application/x-bibtex; charset=utf-8"),
    "ris": ExportFormat(
        "ris", "RIS", "application/x-research-info-systems; charset=utf-8"
    ),
}


@dataclass(frozen=True)
class ExportLink:
    label: str
    url: str
    description: str


@dataclass(frozen=True)
class ExportRow:
    paragraph_id: int
    article_id: int
    article_title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    position: int
    heading: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    text: str
    url: str
    source_url: str


@dataclass(frozen=True)
class ExportFile:
    content: str
    content_type: str
    filename: str
    rows: int
    truncated: bool


def export_links(params: Iterable[tuple[str, str]]) -> tuple[ExportLink, ...]:
    """Download links for the result set described by the search page's parameters."""
    query = urlencode(
        [(key, value) for key, value in params if key not in _PAGE_PARAMS]
    )
    suffix = f"?{query}" if query else ""
    descriptions = {
        "csv": "paragraphs, spreadsheet",
        "json": "paragraphs, structured",
        "bib": "matching articles",
        "ris": "matching articles",
    }
    return tuple(
        ExportLink(
            label=fmt.label,
            url=reverse("search:export", kwargs={"fmt": fmt.key}) + suffix,
            description=descriptions[fmt.key],
        )
        for fmt in FORMATS.values()
    )


def build_export(request: SearchRequest, *, fmt: str, base_url: str) -> ExportFile:
    """Render the whole result set of ``request`` (capped) in the format ``fmt``."""
    from search.query import matching_paragraph_ids

    export_format = FORMATS[fmt]
    ids = matching_paragraph_ids(request, limit=EXPORT_LIMIT + 1)
    truncated = len(ids) > EXPORT_LIMIT
    ids = ids[:EXPORT_LIMIT]
    if fmt in {"csv", "json"}:
        rows = paragraph_rows(ids, base_url=base_url)
        content = (
            render_csv(rows)
            if fmt == "csv"
            else render_json(rows, query=request.q, truncated=truncated)
        )
        count = len(rows)
    else:
        works = cited_works(_article_ids_in_order(ids), base_url=base_url)
        content = bibtex_entries(works) if fmt == "bib" else ris_records(works)
        count = len(works)
    return ExportFile(
        content=content,
        content_type=export_format.content_type,
        filename=export_filename(
            request, extension=export_format.key, today=timezone.localdate()
        ),
        rows=count,
        truncated=truncated,
    )


def paragraph_rows(paragraph_ids: Sequence[int], *, base_url: str) -> list[ExportRow]:
    """One row per paragraph id that still exists, in the order given."""
    paragraphs = (
        Paragraph.objects.filter(pk__in=paragraph_ids)
        .select_related("article__publication")
        .prefetch_related(
            Prefetch(
                "article__author_links",
                queryset=ArticleAuthor.objects.select_related("author").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "country_tags",
                queryset=ParagraphCountry.objects.exclude(status=TagStatus.REJECTED)
                .select_related("country")
                .order_by("country__name"),
            ),
            Prefetch(
                "topic_tags",
                queryset=ParagraphTopic.objects.exclude(status=TagStatus.REJECTED)
                .select_related("topic")
                .order_by("topic__name"),
            ),
        )
    )
    by_id = {paragraph.pk: paragraph for paragraph in paragraphs}
    rows = []
    for paragraph_id in paragraph_ids:
        paragraph = by_id.get(paragraph_id)
        if paragraph is None:
            continue
        article = paragraph.article
        rows.append(
            ExportRow(
                paragraph_id=paragraph.pk,
                article_id=article.pk,
                article_title=article.title,
                authors=tuple(link.author.name for link in article.author_links.all()),
                publication=article.publication.name if article.publication else "",
                year=article.year,
                position=paragraph.position,
                heading=paragraph.heading,
                countries=tuple(
                    tag.country.name for tag in paragraph.country_tags.all()
                ),
                topics=tuple(tag.topic.name for tag in paragraph.topic_tags.all()),
                text=paragraph.text,
                url=f"{base_url}{article.get_absolute_url()}#p-{paragraph.position}",
                source_url=_web_url(article.source_url),
            )
        )
    return rows


def cited_work(
    article: Article, *, base_url: str, accessed: datetime.date | None = None
) -> CitedWork:
    """The article as a citation sees it; ``accessed`` defaults to today."""
    return CitedWork(
        article_id=article.pk,
        title=article.title,
        authors=tuple(author.name for author in article.ordered_authors()),
        publication=article.publication.name if article.publication else "",
        year=article.year,
        date=article.date,
        date_estimated=article.date_estimated,
        url=f"{base_url}{article.get_absolute_url()}",
        source_url=_web_url(article.source_url),
        accessed=accessed or timezone.localdate(),
    )


def _web_url(url: str | None) -> str:
    """Only http(s) addresses are cited; anything else an import left is dropped."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https"} else ""


def export_filename(
    request: SearchRequest, *, extension: str, today: datetime.date
) -> str:
    """``refdesk-opium-2026-12-01.csv``: the query (ASCII, at most six words) and the
    day, so a folder of exports can be told apart."""
    words = slugify(request.q).split("-")[:6]
    stem = "-".join(word for word in words if word)[:60].strip("-")
    parts = (
        ["refdesk", stem, today.isoformat()] if stem else ["refdesk", today.isoformat()]
    )
    return "-".join(parts) + f".{extension}"


def cited_works(article_ids: Sequence[int], *, base_url: str) -> list[CitedWork]:
    articles = Article.objects.filter(pk__in=article_ids).select_related("publication")
    by_id = {article.pk: article for article in articles}
    return [
        cited_work(by_id[article_id], base_url=base_url)
        for article_id in article_ids
        if article_id in by_id
    ]


def _article_ids_in_order(paragraph_ids: Sequence[int]) -> list[int]:
    """Distinct article ids in the order their first matching paragraph appears."""
    article_of = dict(
        Paragraph.objects.filter(pk__in=paragraph_ids).values_list("pk", "article_id")
    )
    ordered: dict[int, None] = {}
    for paragraph_id in paragraph_ids:
        if paragraph_id in article_of:
            ordered.setdefault(article_of[paragraph_id], None)
    return list(ordered)


CSV_COLUMNS = (
    "paragraph_id",
    "article_id",
    "article_title",
    "authors",
    "publication",
    "year",
    "position",
    "heading",
    "countries",
    "topics",
    "text",
    "url",
    "source_url",
)


def render_csv(rows: Sequence[ExportRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = asdict(row)
        writer.writerow([_csv_cell(values[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _csv_cell(value: object) -> object:
    if isinstance(value, tuple):
        value = "; ".join(value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value


def render_json(rows: Sequence[ExportRow], *, query: str, truncated: bool) -> str:
    payload = {
        "query": query,
        "count": len(rows),
        "limit": EXPORT_LIMIT,
        "truncated": truncated,
        "paragraphs": [
            {
                **asdict(row),
                "authors": list(row.authors),
                "countries": list(row.countries),
                "topics": list(row.topics),
            }
            for row in rows
        ],
    }
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
