"""Match, filter, rank and count over a snapshot's numpy arrays.

An :class:`EngineQuery` becomes a :class:`_Matches`: the text match (a sorted doc
array with scores) and each active filter as a mask over all documents. Large text
matches are handled as dense masks, small ones as doc arrays, whichever is cheaper
to intersect and count. Facets are counted disjunctively: each over the matches
with every filter applied except its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from search.engine.base import (
    FACETS,
    EngineGroup,
    EngineHit,
    EngineQuery,
    EngineResult,
    FacetCounts,
    Highlight,
    Resolver,
)
from search.engine.whoosh.counting import count_values
from search.engine.whoosh.match import TextMatch, match_text
from search.engine.whoosh.parse import ParsedQuery, parse_query, query_terms
from search.engine.whoosh.reader import FacetIndex, Snapshot

# Text matches bigger than 1/DENSE_FRACTION of the library are filtered as masks.
DENSE_FRACTION = 8
_YEAR_RANGE = "year_range"


@dataclass(frozen=True)
class _Matches:
    """The filtered result set before paging; ``flags`` holds each active filter
    as a mask over all documents, ``base_mask`` a dense text match."""

    snapshot: Snapshot
    query: EngineQuery
    parsed: ParsedQuery
    text: TextMatch
    docs: np.ndarray
    scores: np.ndarray
    flags: dict[str, np.ndarray]
    base_mask: np.ndarray | None

    def facet_selection(
        self, facet: str
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(docs, mask) matching every filter except ``facet``'s own; one is None."""
        others = [flag for name, flag in self.flags.items() if name != facet]
        if self.base_mask is not None:
            mask = self.base_mask
            for flag in others:
                mask = mask & flag
            return None, mask
        docs = self.text.docs
        if others:
            keep = others[0][docs]
            for flag in others[1:]:
                keep &= flag[docs]
            docs = docs[keep]
        return docs, None


def _text_match(
    snapshot: Snapshot, parsed: ParsedQuery, resolve: Resolver | None
) -> TextMatch:
    key = ("text", parsed.key)
    found = snapshot.cache.get(key)
    if found is None:
        found = match_text(snapshot, parsed.query, resolve=resolve or _as_typed)
        if found.complete:
            snapshot.cache.put(key, found, cost=found.nbytes + 256)
    return found


def _as_typed(facet: str, raw: str) -> tuple[str | None, str | None]:
    return raw.strip(), None


def _value_docs(snapshot: Snapshot, facet: str, value: str) -> np.ndarray:
    key = ("value", facet, value)
    found = snapshot.cache.get(key)
    if found is None:
        index = snapshot.facet(facet)
        position = index.index.get(value)
        found = (
            index.value_docs(position)
            if position is not None
            else np.zeros(0, dtype=np.int32)
        )
        snapshot.cache.put(key, found, cost=found.nbytes + 64)
    return found


def _filter_mask(snapshot: Snapshot, facet: str, values: tuple[str, ...]) -> np.ndarray:
    """Documents carrying any of ``values``, from per-value doc lists, so adding a
    value to a filter costs only that value's documents."""
    key = ("filter", facet, values)
    found = snapshot.cache.get(key)
    if found is None:
        found = np.zeros(snapshot.size, dtype=bool)
        for value in values:
            found[_value_docs(snapshot, facet, value)] = True
        snapshot.cache.put(key, found, cost=found.nbytes)
    return found


def _year_range_mask(snapshot: Snapshot, query: EngineQuery) -> np.ndarray | None:
    """Documents dated within ``year_from``..``year_to`` (None: no range)."""
    if query.year_from is None and query.year_to is None:
        return None
    key = ("range", query.year_from, query.year_to)
    found = snapshot.cache.get(key)
    if found is None:
        years = snapshot.years
        found = years > 0
        if query.year_from is not None:
            found &= years >= query.year_from
        if query.year_to is not None:
            found &= years <= query.year_to
        snapshot.cache.put(key, found, cost=found.nbytes)
    return found


def _dense_text(
    snapshot: Snapshot, parsed: ParsedQuery, text: TextMatch
) -> tuple[np.ndarray, np.ndarray | None]:
    """The text match as a mask over all documents, with a dense score vector
    (None when browsing: every score is 0)."""
    key = ("dense", parsed.key)
    found = snapshot.cache.get(key)
    if found is None:
        if parsed.query is None:
            found = (snapshot.live, None)
        else:
            mask = np.zeros(snapshot.size, dtype=bool)
            mask[text.docs] = True
            scores = np.zeros(snapshot.size, dtype=np.float32)
            scores[text.docs] = text.scores
            found = (mask, scores)
        snapshot.cache.put(key, found, cost=snapshot.size * 5)
    return found


def collect(
    snapshot: Snapshot, query: EngineQuery, *, parsed: ParsedQuery | None = None
) -> _Matches:
    """The matches of ``query``; ``parsed`` stands in for its text when given
    (a query built by the engine itself, not typed by a user)."""
    parsed = parsed if parsed is not None else parse_query(query.text)
    text = _text_match(snapshot, parsed, query.resolve)

    flags: dict[str, np.ndarray] = {}
    for facet in FACETS:
        selected = query.selected(facet)
        if selected:
            flags[facet] = _filter_mask(snapshot, facet, tuple(sorted(selected)))
    # The range is a filter of its own: the year counts are counted within it.
    year_range = _year_range_mask(snapshot, query)
    if year_range is not None:
        flags[_YEAR_RANGE] = year_range

    base_mask = None
    if len(text.docs) * DENSE_FRACTION > snapshot.size:
        base_mask, dense_scores = _dense_text(snapshot, parsed, text)
        if flags:
            final = base_mask
            for flag in flags.values():
                final = final & flag
            docs = np.flatnonzero(final).astype(np.int32)
        else:
            docs = text.docs
        if dense_scores is None:
            scores = np.zeros(len(docs), dtype=np.float32)
        else:
            scores = dense_scores[docs] if flags else text.scores
    else:
        docs, scores = text.docs, text.scores
        if flags:
            keep = None
            for flag in flags.values():
                keep = flag[docs] if keep is None else keep & flag[docs]
            docs, scores = docs[keep], scores[keep]
    return _Matches(
        snapshot=snapshot,
        query=query,
        parsed=parsed,
        text=text,
        docs=docs,
        scores=scores,
        flags=flags,
        base_mask=base_mask,
    )


def ordered(matches: _Matches, *, limit: int | None) -> np.ndarray:
    """The first ``limit`` matching docs (all when None) in the query's order."""
    docs, scores = matches.docs, matches.scores
    total = len(docs)
    if not total:
        return docs
    k = total if limit is None else min(limit, total)
    by_score = matches.query.sort == "relevance" and matches.parsed.query is not None
    snapshot = matches.snapshot
    if by_score:
        if k < total:
            # Everything scoring at least the k-th best score, then an exact sort
            # with newest first among equal scores.
            threshold = np.partition(scores, total - k)[total - k]
            candidates = np.flatnonzero(scores >= threshold)
        else:
            candidates = np.arange(total)
        newest = snapshot.sort_key("newest")[docs[candidates]]
        order = np.lexsort((newest, -scores[candidates]))
        return docs[candidates[order][:k]]
    keys = snapshot.sort_key("oldest" if matches.query.sort == "oldest" else "newest")
    values = keys[docs]
    candidates = np.argpartition(values, k - 1)[:k] if k < total else np.arange(total)
    return docs[candidates[np.argsort(values[candidates], kind="stable")]]


def _count_articles(snapshot: Snapshot, docs: np.ndarray) -> int:
    if not len(docs):
        return 0
    articles = snapshot.article_ids[docs]
    seen = np.zeros(int(articles.max()) + 1, dtype=bool)
    seen[articles] = True
    return int(np.count_nonzero(seen))


def _facet_counts(matches: _Matches, name: str, index: FacetIndex) -> np.ndarray:
    """Counts for one facet, cached: after a click on a facet, that facet's own
    counts are the ones the previous page showed."""
    query = matches.query
    others = tuple((facet, query.selected(facet)) for facet in FACETS if facet != name)
    key = ("counts", matches.parsed.key, name, others, query.year_from, query.year_to)
    snapshot = matches.snapshot
    found = snapshot.cache.get(key)
    if found is None:
        docs, mask = matches.facet_selection(name)
        if mask is not None and np.count_nonzero(mask) * DENSE_FRACTION < snapshot.size:
            docs, mask = np.flatnonzero(mask), None
        found = count_values(index, docs, mask=mask, size=snapshot.size)
        snapshot.cache.put(key, found, cost=found.nbytes + 256)
    return found


def _facets(matches: _Matches) -> dict[str, FacetCounts]:
    out = {}
    for name in matches.query.facets:
        index = matches.snapshot.facet(name)
        counts = _facet_counts(matches, name, index)
        nonzero = np.flatnonzero(counts)
        values = index.values
        out[name] = FacetCounts(
            name=name,
            counts={values[i]: int(counts[i]) for i in nonzero.tolist()},
        )
    return out


def _hits(matches: _Matches, docs: np.ndarray) -> list[EngineHit]:
    if not len(docs):
        return []
    score_of = _score_lookup(matches, docs)
    snapshot = matches.snapshot
    return [
        _hit(stored, score=score_of.get(doc, 0.0))
        for doc, stored in zip(
            docs.tolist(), snapshot.stored(docs.tolist()), strict=True
        )
    ]


def _hit(stored: dict[str, Any], *, score: float) -> EngineHit:
    return EngineHit(
        paragraph_id=int(stored.get("paragraph_id") or 0),
        article_id=int(stored.get("article_id") or 0),
        position=int(stored.get("position") or 0),
        score=round(float(score), 4),
        text=stored.get("text") or "",
        heading=stored.get("heading") or "",
        title=stored.get("title") or "",
        authors=tuple(stored.get("author") or ()),
        publication=stored.get("publication") or "",
        year=stored.get("year"),
        date=stored.get("date"),
        countries=tuple(stored.get("country") or ()),
        topics=tuple(stored.get("topic") or ()),
    )


def _score_lookup(matches: _Matches, docs: np.ndarray) -> dict[int, float]:
    if not len(matches.docs):
        return {}
    where = np.minimum(np.searchsorted(matches.docs, docs), len(matches.docs) - 1)
    return {
        int(d): float(matches.scores[i])
        for d, i in zip(docs.tolist(), where.tolist(), strict=True)
        if matches.docs[i] == d
    }


def _groups(matches: _Matches) -> tuple[list[EngineGroup], int]:
    query = matches.query
    all_docs = ordered(matches, limit=None)
    if not len(all_docs):
        return [], 0
    articles = matches.snapshot.article_ids[all_docs]
    _unique, first = np.unique(articles, return_index=True)
    group_order = articles[np.sort(first)]
    groups_total = len(group_order)
    chosen = group_order[query.offset : query.offset + query.limit].tolist()
    if not chosen:
        return [], groups_total
    wanted = set(chosen)
    members: dict[int, list[int]] = {a: [] for a in chosen}
    counts: dict[int, int] = dict.fromkeys(chosen, 0)
    for doc, article in zip(all_docs.tolist(), articles.tolist(), strict=True):
        if article in wanted:
            counts[article] += 1
            if len(members[article]) < query.group_hits:
                members[article].append(doc)
    shown = [doc for article in chosen for doc in members[article]]
    by_doc = dict(
        zip(shown, _hits(matches, np.asarray(shown, dtype=np.int32)), strict=True)
    )
    groups = [
        EngineGroup(
            article_id=article,
            hits=tuple(by_doc[doc] for doc in members[article]),
            total=counts[article],
        )
        for article in chosen
    ]
    return groups, groups_total


def _unknown_values(matches: _Matches) -> tuple[tuple[str, str], ...]:
    snapshot = matches.snapshot
    found: list[tuple[str, str]] = []
    for facet in FACETS:
        selected = matches.query.selected(facet)
        if not selected:
            continue
        known = snapshot.facet(facet).index
        found.extend((facet, value) for value in selected if value not in known)
    return tuple(found)


def search(
    snapshot: Snapshot, query: EngineQuery, *, parsed: ParsedQuery | None = None
) -> EngineResult:
    matches = collect(snapshot, query, parsed=parsed)
    hits: list[EngineHit] = []
    groups: list[EngineGroup] = []
    groups_total = 0
    total = len(matches.docs)
    if query.group_by_article:
        groups, groups_total = _groups(matches)
    elif query.offset < total and query.limit > 0:
        page = ordered(matches, limit=query.offset + query.limit)
        hits = _hits(matches, page[query.offset : query.offset + query.limit])
    terms, prefixes = query_terms(matches.parsed.query)
    return EngineResult(
        total=total,
        articles_total=_count_articles(snapshot, matches.docs),
        hits=tuple(hits),
        groups=tuple(groups),
        groups_total=groups_total,
        facets=_facets(matches),
        messages=(*matches.parsed.messages, *matches.text.messages),
        complete=matches.text.complete,
        highlight=Highlight(terms=terms, prefixes=prefixes),
        unknown_values=_unknown_values(matches),
    )


def matching_ids(
    snapshot: Snapshot, query: EngineQuery, *, limit: int | None
) -> list[int]:
    found = ordered(collect(snapshot, query), limit=limit)
    return [int(pk) for pk in snapshot.paragraph_ids[found].tolist()]


def text_total(snapshot: Snapshot, text: str, *, resolve: Resolver | None) -> int:
    """How many paragraphs the text alone matches (no filters)."""
    return len(_text_match(snapshot, parse_query(text), resolve).docs)
