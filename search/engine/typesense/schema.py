"""The collection's fields, an index document as a Typesense document, and the
rows and facet entries of an answer as the engine's values.

Matching runs on copies of the text analysed by :mod:`corpus.text` (folded,
Snowball-stemmed, stop words dropped): ``*_terms`` arrays for exact boolean
filters, and ``*_t`` strings of the same terms for ranking and phrases. The raw
text is stored unindexed, for display and for the shared highlighter.
"""

from __future__ import annotations

from typing import Any

from search.engine.base import EngineHit, FacetCounts, IndexDocument

# Sorting: undated articles last under both "newest" and "oldest".
UNDATED_OLDEST_KEY = 2**31 - 1
DISPLAY_FIELDS = (
    "paragraph_id",
    "article_id",
    "position",
    "text",
    "heading",
    "title",
    "authors",
    "publication",
    "year",
    "date",
    "country",
    "topic",
)


def collection_schema(name: str) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"name": "paragraph_id", "type": "int64"},
        {"name": "article_id", "type": "int64", "facet": True},
        {"name": "position", "type": "int32"},
        {"name": "newest_key", "type": "int32"},
        {"name": "oldest_key", "type": "int32"},
        # 0 when undated: outside every year range, left out of the year facet.
        {"name": "year", "type": "int32", "facet": True},
        {"name": "country", "type": "string[]", "facet": True, "optional": True},
        {"name": "topic", "type": "string[]", "facet": True, "optional": True},
        {"name": "author", "type": "string[]", "facet": True},
    ]
    for name_ in ("terms", "text_terms", "title_terms", "heading_terms"):
        fields.append({"name": name_, "type": "string[]", "optional": True})
    fields.append({"name": "author_terms", "type": "string[]", "optional": True})
    for name_ in ("all_t", "text_t", "title_t", "heading_t"):
        fields.append({"name": name_, "type": "string", "optional": True})
    return {
        "name": name,
        "fields": fields,
        # Terms keep their inner dots ("u.s", "3.5") and underscores, as indexed.
        "symbols_to_index": [".", "_"],
        "default_sorting_field": "newest_key",
    }


def to_document(doc: IndexDocument) -> dict[str, Any]:
    text = doc.analyzed("text")
    title = doc.analyzed("title")
    heading = doc.analyzed("heading")
    sort_key = doc.sort_key
    return {
        "id": str(doc.paragraph_id),
        "paragraph_id": doc.paragraph_id,
        "article_id": doc.article_id,
        "position": doc.position,
        "newest_key": sort_key,
        "oldest_key": sort_key or UNDATED_OLDEST_KEY,
        "year": doc.year or 0,
        "country": list(doc.countries),
        "topic": list(doc.topics),
        "author": list(doc.author_values),
        "terms": list(dict.fromkeys([*title, *text, *heading])),
        "text_terms": list(dict.fromkeys(text)),
        "title_terms": list(dict.fromkeys(title)),
        "heading_terms": list(dict.fromkeys(heading)),
        "author_terms": list(dict.fromkeys(doc.analyzed("author_text"))),
        "all_t": " ".join([*title, *heading, *text]),
        "text_t": " ".join(text),
        "title_t": " ".join(title),
        "heading_t": " ".join(heading),
        # Stored only (not in the schema, so not indexed).
        "text": doc.text,
        "heading": doc.heading,
        "title": doc.title,
        "authors": list(doc.authors),
        "publication": doc.publication,
        "date": doc.date.isoformat() if doc.date else None,
        "content_hash": doc.content_hash,
    }


def to_hit(document: dict[str, Any], *, score: float) -> EngineHit:
    year = int(document.get("year") or 0)
    date = document.get("date")
    return EngineHit(
        paragraph_id=int(document["paragraph_id"]),
        article_id=int(document["article_id"]),
        position=int(document["position"]),
        score=score,
        text=document.get("text", ""),
        heading=document.get("heading", ""),
        title=document.get("title", ""),
        authors=tuple(document.get("authors") or ()),
        publication=document.get("publication", ""),
        year=year or None,
        date=str(date) if date else None,
        countries=tuple(document.get("country") or ()),
        topics=tuple(document.get("topic") or ()),
    )


# ---------------------------------------------------------------- answers


def row_hit(row: dict[str, Any]) -> EngineHit:
    return to_hit(row["document"], score=float(row.get("text_match") or 0))


def row_values(row: dict[str, Any], name: str) -> tuple[str, ...]:
    value = row.get(name)
    if name == "year":
        return (str(value),) if value else ()
    return tuple(value or ())


def facet_counts(name: str, entry: dict[str, Any]) -> FacetCounts:
    counts = {
        str(c["value"]): int(c["count"])
        for c in entry.get("counts", [])
        if int(c["count"]) and not (name == "year" and str(c["value"]) == "0")
    }
    return FacetCounts(name=name, counts=counts)


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]
