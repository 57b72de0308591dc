"""The corpus as flat paragraph documents, exported once from the database so that
every peer engine indexes exactly the rows Refdesk indexes."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

UNKNOWN_AUTHOR = "_unknown"


@dataclass(frozen=True)
class BenchDocument:
    id: int
    article_id: int
    position: int
    title: str
    heading: str
    text: str
    year: int
    authors: tuple[str, ...]
    countries: tuple[str, ...]
    topics: tuple[str, ...]


def export_documents(path: Path) -> int:
    """Write every paragraph with its article fields and active tags as JSON lines."""
    from corpus.models import (
        Article,
        ArticleAuthor,
        Paragraph,
        ParagraphCountry,
        ParagraphTopic,
        TagStatus,
    )

    active = (TagStatus.AUTO, TagStatus.MANUAL)
    articles = {
        pk: (title, year or 0)
        for pk, title, year in Article.objects.values_list("id", "title", "year")
    }
    authors: dict[int, list[str]] = defaultdict(list)
    for article_id, name in ArticleAuthor.objects.order_by(
        "article_id", "position"
    ).values_list("article_id", "author__name"):
        authors[article_id].append(name)
    countries: dict[int, list[str]] = defaultdict(list)
    for paragraph_id, code in ParagraphCountry.objects.filter(
        status__in=active
    ).values_list("paragraph_id", "country__code"):
        countries[paragraph_id].append(code)
    topics: dict[int, list[str]] = defaultdict(list)
    for paragraph_id, slug in ParagraphTopic.objects.filter(
        status__in=active
    ).values_list("paragraph_id", "topic__slug"):
        topics[paragraph_id].append(slug)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        rows = Paragraph.objects.order_by("id").values_list(
            "id", "article_id", "position", "heading", "text"
        )
        for pk, article_id, position, heading, text in rows.iterator(chunk_size=5000):
            title, year = articles[article_id]
            document = BenchDocument(
                id=pk,
                article_id=article_id,
                position=position,
                title=title,
                heading=heading,
                text=text,
                year=year,
                authors=tuple(authors.get(article_id) or [UNKNOWN_AUTHOR]),
                countries=tuple(countries.get(pk, ())),
                topics=tuple(topics.get(pk, ())),
            )
            out.write(json.dumps(asdict(document), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_documents(path: Path) -> Iterator[BenchDocument]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            yield BenchDocument(
                id=row["id"],
                article_id=row["article_id"],
                position=row["position"],
                title=row["title"],
                heading=row["heading"],
                text=row["text"],
                year=row["year"],
                authors=tuple(row["authors"]),
                countries=tuple(row["countries"]),
                topics=tuple(row["topics"]),
            )
