"""Similar paragraphs: the closest paragraphs from other articles, with the words
that drove the match, within the current filters (the backend's ``more_like``)."""

from __future__ import annotations

from dataclasses import dataclass

from search.query import Hit, SearchRequest, backend_query, hits_for

SIMILAR_LIMIT = 10


@dataclass(frozen=True)
class Similar:
    paragraph_id: int
    found: bool
    hits: tuple[Hit, ...]
    terms: tuple[str, ...]
    message: str | None


def find_similar(
    paragraph_id: int, *, request: SearchRequest, same_article: bool = False
) -> Similar:
    backend, query, labels, request = backend_query(request)
    terms = backend.more_like_terms(paragraph_id)
    if terms is None:
        return Similar(
            paragraph_id, False, (), (), "That paragraph is not in the search index."
        )
    if not terms:
        return Similar(
            paragraph_id,
            True,
            (),
            (),
            "This paragraph shares no distinctive words with any other.",
        )
    found = backend.more_like(
        paragraph_id,
        limit=SIMILAR_LIMIT,
        query=query,
        exclude_article=not same_article,
    )
    hits = hits_for(
        request, found, labels=labels, highlight=backend.highlight(" OR ".join(terms))
    )
    message = None
    if not hits:
        message = "No similar paragraphs in other articles" + (
            " within these filters." if request.has_filters else "."
        )
    return Similar(paragraph_id, True, tuple(hits), terms, message)
