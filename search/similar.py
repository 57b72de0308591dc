"""Similar paragraphs: the closest paragraphs from other articles, with the words
that drove the match, within the current filters."""

from __future__ import annotations

from dataclasses import dataclass

from search.query import MAX_PAGE_SIZE, Hit, SearchRequest, run_search

SIMILAR_LIMIT = 10
# A paragraph needs more than Whoosh's default five terms to be recognisable; the
# query language searches each word in several fields and caps a query at 30
# terms, so ten words is as many as one query can carry.
KEY_TERMS = 10


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
    from search.engine.whoosh.coverage import key_terms

    looked_up = key_terms(paragraph_id, limit=KEY_TERMS)
    if looked_up is None:
        return Similar(
            paragraph_id, False, (), (), "That paragraph is not in the search index."
        )
    article_id, words = looked_up
    if not words:
        return Similar(
            paragraph_id,
            True,
            (),
            (),
            "This paragraph shares no distinctive words with any other.",
        )
    query = " OR ".join(words)
    page = run_search(
        request.replace(q=query, sort="relevance", page_size=MAX_PAGE_SIZE)
    )
    hits = tuple(
        hit
        for hit in page.hits
        if hit.paragraph_id != paragraph_id
        and (same_article or hit.article_id != article_id)
    )[:SIMILAR_LIMIT]
    message = None
    if not hits:
        message = "No similar paragraphs in other articles" + (
            " within these filters." if request.has_filters else "."
        )
    return Similar(paragraph_id, True, hits, tuple(words), message)
