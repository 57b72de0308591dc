"""Search requests in, result pages out.

``SearchRequest.from_querydict`` turns GET parameters into a validated, frozen
request (bad values become messages, never exceptions); ``run_search`` returns a
``SearchPage`` with hits, disjunctive facets, paging and every URL the page needs,
already built. URLs for the search page are bare query strings ("?q=...") relative
to the search page; links to the reader are paths.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, urlencode

import numpy as np
from django.urls import NoReverseMatch, reverse

from search.engine_match import TextMatch, match_text
from search.engine_parse import MAX_QUERY_CHARS, ParsedQuery, parse_query, query_terms
from search.engine_reader import FacetIndex, Snapshot, with_snapshot
from search.facets import (
    FACET_LABELS,
    FACET_NAMES,
    Facet,
    FacetValue,
    Labels,
    count_values,
    load_labels,
)
from search.highlight import mark_text, snippet

SORTS = ("relevance", "newest", "oldest")
SORT_LABELS = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
}
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
# Every facet link carries the whole filter state, so the state's size multiplies the
# page's: these keep the biggest page (a few hundred facet links) under 2 MB.
MAX_VALUES_PER_FILTER = 10
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 1000
MAX_FILTER_VALUE_CHARS = 200
MAX_FACET_VALUES = 250
SUGGEST_BELOW = 3
# Text matches bigger than 1/DENSE_FRACTION of the library are filtered as masks.
DENSE_FRACTION = 8
GROUP_HITS = 3
PAGE_WINDOW = 2
# Facet name -> (GET parameter, SearchRequest attribute).
FACET_PARAMS = {
    "country": ("country", "countries"),
    "author": ("author", "authors"),
    "year": ("year", "years"),
    "topic": ("topic", "topics"),
}


def default_sort(q: str) -> str:
    return "relevance" if q.strip() else "newest"


def _getlist(params: Any, name: str) -> list[str]:
    # Control characters (NUL and the like) mean nothing in a search and must not be
    # echoed back into the page.
    return [_CONTROL_CHARS.sub(" ", value) for value in _raw_list(params, name)]


def _raw_list(params: Any, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        values = params.getlist(name)
    else:
        value = params.get(name) if isinstance(params, Mapping) else None
        if value is None:
            values = []
        elif isinstance(value, (list, tuple)):
            values = list(value)
        else:
            values = [value]
    return [str(v) for v in values if v is not None]


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _first(params: Any, name: str) -> str:
    values = _getlist(params, name)
    return values[-1].strip() if values else ""


def _int_or_none(raw: str, *, label: str, messages: list[str]) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        messages.append(f"“{raw[:40]}” is not a whole number, so {label} was ignored.")
        return None
    return value


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    countries: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "newest"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    group: bool = False
    messages: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_querydict(cls, params: Any) -> SearchRequest:
        """Validate GET (or POST) parameters; never raises."""
        messages: list[str] = []
        params = params if params is not None else {}
        q = " ".join(_first(params, "q").split())
        if not q and any(raw.strip() for raw in _raw_list(params, "q")):
            messages.append(
                "Your query had no searchable characters; showing all paragraphs."
            )
        if len(q) > MAX_QUERY_CHARS:
            cut = q[:MAX_QUERY_CHARS]
            q = cut.rsplit(" ", 1)[0] if " " in cut else cut
            messages.append(
                f"Your query was longer than {MAX_QUERY_CHARS} characters; "
                "only the start was searched."
            )

        budget = {"values": MAX_FILTER_VALUES, "chars": MAX_FILTER_CHARS}

        def values(name: str) -> tuple[str, ...]:
            found: list[str] = []
            for raw in _getlist(params, name):
                value = raw.strip()[:MAX_FILTER_VALUE_CHARS]
                if value and value not in found:
                    found.append(value)
            if len(found) > MAX_VALUES_PER_FILTER:
                messages.append(
                    f"Only the first {MAX_VALUES_PER_FILTER} {name} filters were used."
                )
            kept: list[str] = []
            for value in found[:MAX_VALUES_PER_FILTER]:
                if budget["values"] < 1 or budget["chars"] < len(value):
                    messages.append(
                        f"At most {MAX_FILTER_VALUES} filters "
                        f"({MAX_FILTER_CHARS} characters) are used at once; "
                        f"some {name} filters were left out."
                    )
                    break
                budget["values"] -= 1
                budget["chars"] -= len(value)
                kept.append(value)
            return tuple(kept)

        countries = tuple(
            dict.fromkeys(v.upper() if len(v) == 2 else v for v in values("country"))
        )
        years: list[int] = []
        for raw in values("year"):
            year = _int_or_none(raw, label="that year", messages=messages)
            if year is not None and year not in years:
                years.append(year)
        year_from = _int_or_none(
            _first(params, "year_from"), label="“from year”", messages=messages
        )
        year_to = _int_or_none(
            _first(params, "year_to"), label="“to year”", messages=messages
        )
        if year_from is not None and year_to is not None and year_from > year_to:
            year_from, year_to = year_to, year_from
            messages.append("The year range was backwards, so it was swapped.")

        sort = _first(params, "sort").lower()
        if sort and sort not in SORTS:
            messages.append(f"Unknown sort “{sort[:40]}”; used the default order.")
            sort = ""
        if sort == "relevance" and not q.strip():
            messages.append("Without a query there is no relevance; newest first.")
            sort = "newest"
        page = _int_or_none(_first(params, "page"), label="page", messages=messages)
        if page is not None and page < 1:
            messages.append("Page numbers start at 1.")
        page = min(max(page or 1, 1), MAX_PAGE)
        size = _int_or_none(
            _first(params, "page_size"), label="page size", messages=messages
        )
        if size is not None and size > MAX_PAGE_SIZE:
            messages.append(f"At most {MAX_PAGE_SIZE} results are shown per page.")
        if size is not None and size < 1:
            messages.append("The page size must be at least 1.")
        page_size = min(max(size or DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE)
        group_raw = _first(params, "group").lower()
        group = group_raw in {"article", "1", "true", "yes", "on"}
        if group_raw and not group and group_raw not in {"0", "false", "no", "off"}:
            messages.append(f"Unknown grouping “{group_raw[:40]}”; not grouped.")
        return cls(
            q=q,
            countries=countries,
            authors=values("author"),
            topics=tuple(dict.fromkeys(v.lower() for v in values("topic"))),
            years=tuple(years),
            year_from=year_from,
            year_to=year_to,
            sort=sort or default_sort(q),
            page=page,
            page_size=page_size,
            group=group,
            messages=tuple(messages),
        )

    # Parameters and URLs ------------------------------------------------

    def selected(self, facet: str) -> tuple[str, ...]:
        return tuple(str(v) for v in getattr(self, FACET_PARAMS[facet][1]))

    @property
    def has_filters(self) -> bool:
        return bool(
            self.countries
            or self.authors
            or self.topics
            or self.years
            or self.year_from is not None
            or self.year_to is not None
        )

    def to_params(self) -> list[tuple[str, str]]:
        """(name, value) pairs in a stable order; defaults are left out."""
        params: list[tuple[str, str]] = []
        if self.q:
            params.append(("q", self.q))
        for facet in FACET_NAMES:
            name = FACET_PARAMS[facet][0]
            params.extend((name, value) for value in self.selected(facet))
        if self.year_from is not None:
            params.append(("year_from", str(self.year_from)))
        if self.year_to is not None:
            params.append(("year_to", str(self.year_to)))
        if self.sort != default_sort(self.q):
            params.append(("sort", self.sort))
        if self.page > 1:
            params.append(("page", str(self.page)))
        if self.page_size != DEFAULT_PAGE_SIZE:
            params.append(("page_size", str(self.page_size)))
        if self.group:
            params.append(("group", "article"))
        return params

    def replace(self, **changes: Any) -> SearchRequest:
        """A copy with ``changes``; a default sort follows a changed query, and any
        change other than the page goes back to page 1."""
        follows = "q" in changes and "sort" not in changes
        if follows and self.sort == default_sort(self.q):
            changes["sort"] = default_sort(changes["q"])
        if "page" not in changes:
            changes["page"] = 1
        return dataclasses.replace(self, messages=(), **changes)

    def url(self, **changes: Any) -> str:
        """The search page query string ("?..."), with ``changes`` applied."""
        target = self.replace(**changes) if changes else self
        return "?" + urlencode(target.to_params())

    def toggle(self, facet: str, value: str) -> SearchRequest:
        """Select ``value`` in ``facet``, or unselect it when it is selected."""
        attribute = FACET_PARAMS[facet][1]
        current = list(getattr(self, attribute))
        item: Any = int(value) if facet == "year" else value
        if item in current:
            current.remove(item)
        else:
            current.append(item)
        return self.replace(**{attribute: tuple(current)})

    def with_value(self, facet: str, value: str) -> SearchRequest:
        """Select ``value`` in ``facet`` (kept if already selected)."""
        if str(value) in self.selected(facet):
            return self.replace()
        return self.toggle(facet, value)


@dataclass(frozen=True)
class TagLink:
    value: str
    label: str
    url: str


@dataclass(frozen=True)
class Hit:
    paragraph_id: int
    article_id: int
    article_title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    position: int
    heading: str
    countries: tuple[TagLink, ...]
    topics: tuple[TagLink, ...]
    snippet: str
    url: str
    score: float
    date: str | None = None


@dataclass(frozen=True)
class ArticleGroup:
    article_id: int
    title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    url: str
    hits: tuple[Hit, ...]
    other_count: int


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str
    facet: str = ""


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class SortOption:
    value: str
    label: str
    url: str
    selected: bool


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    total: int
    articles_total: int
    page: int
    pages: int
    hits: tuple[Hit, ...]
    groups: tuple[ArticleGroup, ...]
    facets: tuple[Facet, ...]
    year_histogram: tuple[tuple[int, int, float], ...]
    suggestion: str | None
    suggestion_url: str | None
    message: str | None
    chips: tuple[Chip, ...]
    clear_url: str
    prev_url: str | None
    next_url: str | None
    page_links: tuple[PageLink, ...]
    sort_options: tuple[SortOption, ...]
    group_url: str
    groups_total: int = 0
    elapsed_ms: float = 0.0

    @property
    def sort_links(self) -> tuple[SortOption, ...]:
        return self.sort_options

    @property
    def messages(self) -> tuple[str, ...]:
        found = [*self.request.messages]
        if self.message and self.message not in found:
            found.append(self.message)
        return tuple(found)


# ---------------------------------------------------------------- URLs


def article_url(article_id: int, *, q: str = "", position: int | None = None) -> str:
    try:
        path = reverse("search:article", args=[article_id])
    except NoReverseMatch:
        # Only before the search app's URLs exist (they are defined by the pages).
        path = f"/articles/{article_id}/"
    if q:
        path += "?" + urlencode({"q": q})
    if position is not None:
        path += f"#p-{position}"
    return path


class _Toggles:
    """Facet toggle URLs from pre-encoded parameters: a page needs hundreds."""

    def __init__(self, request: SearchRequest) -> None:
        base = request.replace()
        self.selected = {facet: set(base.selected(facet)) for facet in FACET_NAMES}
        self.encoded = [
            (name, _param_token(name, value)) for name, value in base.to_params()
        ]
        self._parts: dict[str, tuple[str, list[str], str]] = {}

    def _split(self, facet: str) -> tuple[str, list[str], str]:
        found = self._parts.get(facet)
        if found is None:
            name = FACET_PARAMS[facet][0]
            rank = _param_rank(name)
            before = [e for n, e in self.encoded if _param_rank(n) < rank]
            own = [e for n, e in self.encoded if n == name]
            after = [e for n, e in self.encoded if _param_rank(n) > rank]
            found = ("&".join(before), own, "&".join(after))
            self._parts[facet] = found
        return found

    def url(self, facet: str, value: str, *, add_only: bool = False) -> str:
        """The URL with ``value`` toggled in ``facet`` (only ever added when
        ``add_only``)."""
        before, own, after = self._split(facet)
        token = _param_token(FACET_PARAMS[facet][0], value)
        if value not in self.selected[facet]:
            own = [*own, token]
        elif not add_only:
            own = [e for e in own if e != token]
        return "?" + "&".join(p for p in (before, "&".join(own), after) if p)


@lru_cache(maxsize=16384)
def _param_token(name: str, value: str) -> str:
    return f"{quote_plus(name)}={quote_plus(value)}"


_PARAM_ORDER = (
    "q",
    "country",
    "author",
    "year",
    "topic",
    "year_from",
    "year_to",
    "sort",
    "page",
    "page_size",
    "group",
)


def _param_rank(name: str) -> int:
    return _PARAM_ORDER.index(name) if name in _PARAM_ORDER else len(_PARAM_ORDER)


# ---------------------------------------------------------------- engine


@dataclass(frozen=True)
class _Matches:
    """The filtered result set before paging.

    ``flags`` holds each active filter as a mask over all documents. Large text
    matches are handled as dense masks (``base_mask``), small ones as sorted doc
    arrays, whichever is cheaper to intersect and count.
    """

    snapshot: Snapshot
    request: SearchRequest
    parsed: ParsedQuery
    text: TextMatch
    docs: np.ndarray
    scores: np.ndarray
    flags: dict[str, np.ndarray]
    base_mask: np.ndarray | None
    messages: tuple[str, ...]
    labels: Labels

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


def _text_match(snapshot: Snapshot, parsed: ParsedQuery, labels: Labels) -> TextMatch:
    key = ("text", parsed.key)
    found = snapshot.cache.get(key)
    if found is None:
        found = match_text(snapshot, parsed.query, resolve=labels.resolve)
        if found.complete:
            snapshot.cache.put(key, found, cost=found.nbytes + 256)
    return found


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


def _year_range_mask(snapshot: Snapshot, request: SearchRequest) -> np.ndarray | None:
    """Documents dated within ``year_from``..``year_to`` (None: no range)."""
    if request.year_from is None and request.year_to is None:
        return None
    key = ("range", request.year_from, request.year_to)
    found = snapshot.cache.get(key)
    if found is None:
        years = snapshot.years
        found = years > 0
        if request.year_from is not None:
            found &= years >= request.year_from
        if request.year_to is not None:
            found &= years <= request.year_to
        snapshot.cache.put(key, found, cost=found.nbytes)
    return found


def _canonical_request(request: SearchRequest, labels: Labels) -> SearchRequest:
    countries = tuple(
        dict.fromkeys(labels.canonical("country", v) for v in request.countries)
    )
    topics = tuple(dict.fromkeys(labels.canonical("topic", v) for v in request.topics))
    if countries == request.countries and topics == request.topics:
        return request
    return dataclasses.replace(request, countries=countries, topics=topics)


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


_YEAR_RANGE = "year_range"


def _collect(snapshot: Snapshot, request: SearchRequest) -> _Matches:
    labels = load_labels(snapshot)
    request = _canonical_request(request, labels)
    parsed = parse_query(request.q)
    text = _text_match(snapshot, parsed, labels)

    flags: dict[str, np.ndarray] = {}
    for facet in FACET_NAMES:
        selected = request.selected(facet)
        if selected:
            flags[facet] = _filter_mask(snapshot, facet, tuple(sorted(selected)))
    # The range is a filter of its own: the year counts are counted within it.
    year_range = _year_range_mask(snapshot, request)
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
        request=request,
        parsed=parsed,
        text=text,
        docs=docs,
        scores=scores,
        flags=flags,
        base_mask=base_mask,
        messages=(*parsed.messages, *text.messages),
        labels=labels,
    )


def _ordered(matches: _Matches, *, limit: int | None) -> np.ndarray:
    """The first ``limit`` matching docs (all when None) in the request's order."""
    docs, scores = matches.docs, matches.scores
    total = len(docs)
    if not total:
        return docs
    k = total if limit is None else min(limit, total)
    by_score = matches.request.sort == "relevance" and matches.parsed.query is not None
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
    keys = snapshot.sort_key("oldest" if matches.request.sort == "oldest" else "newest")
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
    request = matches.request
    others = tuple(
        (facet, request.selected(facet)) for facet in FACET_NAMES if facet != name
    )
    key = (
        "counts",
        matches.parsed.key,
        name,
        others,
        request.year_from,
        request.year_to,
    )
    snapshot = matches.snapshot
    found = snapshot.cache.get(key)
    if found is None:
        docs, mask = matches.facet_selection(name)
        if mask is not None and np.count_nonzero(mask) * DENSE_FRACTION < snapshot.size:
            docs, mask = np.flatnonzero(mask), None
        found = count_values(index, docs, mask=mask, size=snapshot.size)
        snapshot.cache.put(key, found, cost=found.nbytes + 256)
    return found


def _build_facets(
    matches: _Matches,
) -> tuple[tuple[Facet, ...], tuple[tuple[int, int, float], ...]]:
    snapshot = matches.snapshot
    request = matches.request
    labels = matches.labels
    toggles = _Toggles(request)
    facets = []
    histogram: tuple[tuple[int, int, float], ...] = ()
    for name in FACET_NAMES:
        index = snapshot.facet(name)
        counts = _facet_counts(matches, name, index)
        selected = request.selected(name)
        nonzero = np.flatnonzero(counts)
        entries = {index.values[i]: int(counts[i]) for i in nonzero.tolist()}
        for value in selected:
            entries.setdefault(value, 0)
        if name == "year":
            ordered = sorted(entries, key=lambda v: int(v) if v.isdigit() else 0)
            years = [
                (int(v), entries[v]) for v in ordered if v.isdigit() and entries[v]
            ]
            histogram = _histogram(years)
        else:
            labelled = {v: labels.label(name, v) for v in entries}
            ordered = sorted(entries, key=lambda v: (-entries[v], labelled[v].lower()))
            keep = set(ordered[:MAX_FACET_VALUES]) | set(selected)
            ordered = [v for v in ordered if v in keep]
        values = tuple(
            FacetValue(
                value=value,
                label=labels.label(name, value),
                count=entries[value],
                selected=value in selected,
                toggle_url=toggles.url(name, value),
            )
            for value in ordered
        )
        facets.append(
            Facet(
                name=name,
                label=FACET_LABELS[name],
                values=values,
                selected_count=len(selected),
            )
        )
    return tuple(facets), histogram


def _histogram(years: list[tuple[int, int]]) -> tuple[tuple[int, int, float], ...]:
    if not years:
        return ()
    counts = dict(years)
    first, last = years[0][0], years[-1][0]
    peak = max(counts.values()) or 1
    return tuple(
        (year, counts.get(year, 0), round(100.0 * counts.get(year, 0) / peak, 1))
        for year in range(first, last + 1)
    )


def _unknown_value_messages(matches: _Matches) -> list[str]:
    snapshot, request, labels = matches.snapshot, matches.request, matches.labels
    messages = []
    for value in request.countries:
        if value not in labels.countries:
            messages.append(
                f"There is no country “{value}”; that filter matches nothing."
            )
    for value in request.topics:
        if value not in labels.topics:
            messages.append(
                f"There is no topic “{value}”; that filter matches nothing."
            )
    authors = snapshot.facet("author").index
    for value in request.authors:
        if value not in authors:
            messages.append(
                f"No paragraphs are by an author called “{value}”; "
                "that filter matches nothing."
            )
    return messages


def _hits(matches: _Matches, docs: np.ndarray) -> list[Hit]:
    if not len(docs):
        return []
    snapshot, request, labels = matches.snapshot, matches.request, matches.labels
    terms, prefixes = query_terms(matches.parsed.query)
    score_of = _score_lookup(matches, docs)
    links = _Toggles(request)
    hits = []
    for doc, stored in zip(docs.tolist(), snapshot.stored(docs.tolist()), strict=True):
        text = stored.get("text") or ""
        article_id = int(stored.get("article_id") or 0)
        position = int(stored.get("position") or 0)
        hits.append(
            Hit(
                paragraph_id=int(stored.get("paragraph_id") or 0),
                article_id=article_id,
                article_title=stored.get("title") or "",
                authors=tuple(stored.get("author") or ()),
                publication=stored.get("publication") or "",
                year=stored.get("year"),
                position=position,
                heading=stored.get("heading") or "",
                countries=tuple(
                    TagLink(
                        value=code,
                        label=labels.label("country", code),
                        url=links.url("country", code, add_only=True),
                    )
                    for code in stored.get("country") or ()
                ),
                topics=tuple(
                    TagLink(
                        value=slug,
                        label=labels.label("topic", slug),
                        url=links.url("topic", slug, add_only=True),
                    )
                    for slug in stored.get("topic") or ()
                ),
                snippet=snippet(text, terms=terms, prefixes=prefixes),
                url=article_url(article_id, q=request.q, position=position),
                score=round(float(score_of.get(doc, 0.0)), 4),
                date=stored.get("date"),
            )
        )
    return hits


def _score_lookup(matches: _Matches, docs: np.ndarray) -> dict[int, float]:
    if not len(matches.docs):
        return {}
    where = np.minimum(np.searchsorted(matches.docs, docs), len(matches.docs) - 1)
    return {
        int(d): float(matches.scores[i])
        for d, i in zip(docs.tolist(), where.tolist(), strict=True)
        if matches.docs[i] == d
    }


def _groups(
    matches: _Matches, *, page: int, size: int
) -> tuple[list[ArticleGroup], int]:
    ordered = _ordered(matches, limit=None)
    if not len(ordered):
        return [], 0
    articles = matches.snapshot.article_ids[ordered]
    _unique, first = np.unique(articles, return_index=True)
    group_order = articles[np.sort(first)]
    groups_total = len(group_order)
    chosen = group_order[(page - 1) * size : page * size]
    if not len(chosen):
        return [], groups_total
    wanted = set(chosen.tolist())
    members: dict[int, list[int]] = {a: [] for a in chosen.tolist()}
    counts: dict[int, int] = dict.fromkeys(chosen.tolist(), 0)
    for doc, article in zip(ordered.tolist(), articles.tolist(), strict=True):
        if article in wanted:
            counts[article] += 1
            if len(members[article]) < GROUP_HITS:
                members[article].append(doc)
    shown = [doc for article in chosen.tolist() for doc in members[article]]
    hit_list = _hits(matches, np.asarray(shown, dtype=np.int32))
    by_doc = dict(zip(shown, hit_list, strict=True))
    groups = []
    for article in chosen.tolist():
        hits = tuple(by_doc[doc] for doc in members[article])
        first_hit = hits[0]
        groups.append(
            ArticleGroup(
                article_id=article,
                title=first_hit.article_title,
                authors=first_hit.authors,
                publication=first_hit.publication,
                year=first_hit.year,
                url=article_url(article, q=matches.request.q),
                hits=hits,
                other_count=counts[article] - len(hits),
            )
        )
    return groups, groups_total


def _page_links(request: SearchRequest, *, pages: int) -> tuple[PageLink, ...]:
    if pages <= 1:
        return ()
    current = request.page
    numbers = {1, pages, *range(current - PAGE_WINDOW, current + PAGE_WINDOW + 1)}
    links: list[PageLink] = []
    previous = 0
    for number in sorted(n for n in numbers if 1 <= n <= pages):
        if number - previous > 1:
            links.append(PageLink(number=0, url="", current=False))
        links.append(
            PageLink(
                number=number,
                url=request.url(page=number),
                current=number == current,
            )
        )
        previous = number
    return tuple(links)


def _chips(request: SearchRequest, labels: Labels) -> tuple[Chip, ...]:
    chips = []
    for facet in FACET_NAMES:
        for value in request.selected(facet):
            chips.append(
                Chip(
                    label=labels.label(facet, value),
                    remove_url=request.toggle(facet, value).url(),
                    facet=FACET_LABELS[facet],
                )
            )
    if request.year_from is not None or request.year_to is not None:
        if request.year_from is not None and request.year_to is not None:
            label = f"{request.year_from}–{request.year_to}"
        elif request.year_from is not None:
            label = f"From {request.year_from}"
        else:
            label = f"Until {request.year_to}"
        chips.append(
            Chip(
                label=label,
                remove_url=request.url(year_from=None, year_to=None),
                facet="Years",
            )
        )
    return tuple(chips)


def _suggestion(matches: _Matches, labels: Labels) -> tuple[str | None, str | None]:
    from search.engine_suggest import suggest_correction

    parsed = matches.parsed
    if parsed.query is None or len(matches.docs) >= SUGGEST_BELOW:
        return None, None
    corrected = suggest_correction(matches.snapshot, parsed.query, parsed.text)
    if not corrected:
        return None, None
    better = _text_match(matches.snapshot, parse_query(corrected), labels)
    if len(better.docs) <= len(matches.text.docs):
        return None, None
    return corrected, matches.request.url(q=corrected)


def _empty_page(request: SearchRequest, *, message: str | None) -> SearchPage:
    return SearchPage(
        request=request,
        total=0,
        articles_total=0,
        page=request.page,
        pages=1,
        hits=(),
        groups=(),
        facets=tuple(
            Facet(
                name=name,
                label=FACET_LABELS[name],
                values=tuple(
                    FacetValue(
                        value=value,
                        label=value,
                        count=0,
                        selected=True,
                        toggle_url=request.toggle(name, value).url(),
                    )
                    for value in request.selected(name)
                ),
                selected_count=len(request.selected(name)),
            )
            for name in FACET_NAMES
        ),
        year_histogram=(),
        suggestion=None,
        suggestion_url=None,
        message=message,
        chips=(),
        clear_url=SearchRequest(q=request.q, sort=default_sort(request.q)).url(),
        prev_url=None,
        next_url=None,
        page_links=(),
        sort_options=_sort_options(request),
        group_url=request.url(group=not request.group),
    )


def _sort_options(request: SearchRequest) -> tuple[SortOption, ...]:
    values = SORTS if request.q else ("newest", "oldest")
    return tuple(
        SortOption(
            value=value,
            label=SORT_LABELS[value],
            url=request.url(sort=value),
            selected=request.sort == value,
        )
        for value in values
    )


def run_search(request: SearchRequest) -> SearchPage:
    """Everything the search page shows for ``request``."""
    page = with_snapshot(lambda snapshot: _run_search(snapshot, request))
    if page is None:
        return _empty_page(request, message="The search index has not been built yet.")
    return page


def _run_search(snapshot: Snapshot, request: SearchRequest) -> SearchPage:
    started = time.perf_counter()
    matches = _collect(snapshot, request)
    request = matches.request
    facets, histogram = _build_facets(matches)
    total = len(matches.docs)
    size = request.page_size
    groups: list[ArticleGroup] = []
    hits: list[Hit] = []
    groups_total = 0
    if request.group:
        groups, groups_total = _groups(matches, page=request.page, size=size)
        pages = max(1, math.ceil(groups_total / size))
    else:
        pages = max(1, math.ceil(total / size))
        start = (request.page - 1) * size
        if start < total:
            ordered = _ordered(matches, limit=start + size)
            hits = _hits(matches, ordered[start : start + size])
    messages = [*matches.messages, *_unknown_value_messages(matches)]
    if request.page > pages and total:
        messages.append(
            "There is only 1 page of results."
            if pages == 1
            else f"There are only {pages} pages of results."
        )
    suggestion, suggestion_url = _suggestion(matches, matches.labels)
    message = " ".join(dict.fromkeys(messages)) or None
    return SearchPage(
        request=request,
        total=total,
        articles_total=_count_articles(snapshot, matches.docs),
        page=request.page,
        pages=pages,
        hits=tuple(hits),
        groups=tuple(groups),
        facets=facets,
        year_histogram=histogram,
        suggestion=suggestion,
        suggestion_url=suggestion_url,
        message=message,
        chips=_chips(request, matches.labels),
        clear_url=SearchRequest(
            q=request.q,
            sort=request.sort,
            page_size=request.page_size,
            group=request.group,
        ).url(),
        prev_url=request.url(page=request.page - 1)
        if 1 < request.page <= pages
        else None,
        next_url=request.url(page=request.page + 1) if request.page < pages else None,
        page_links=_page_links(request, pages=pages),
        sort_options=_sort_options(request),
        group_url=request.url(group=not request.group),
        groups_total=groups_total,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def matching_paragraph_ids(
    request: SearchRequest, *, limit: int | None = None
) -> list[int]:
    """Paragraph ids of every match (or the first ``limit``), in result order."""

    def work(snapshot: Snapshot) -> list[int]:
        ordered = _ordered(_collect(snapshot, request), limit=limit)
        return [int(pk) for pk in snapshot.paragraph_ids[ordered].tolist()]

    return with_snapshot(work) or []


@lru_cache(maxsize=256)
def _highlight_terms(q: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The words to mark for ``q``: parsed once, though a page marks many texts."""
    return query_terms(parse_query(q).query)


def highlight_text(text: str, q: str) -> str:
    """The whole paragraph HTML-escaped, with the query's words in <mark>."""
    terms, prefixes = _highlight_terms(q or "")
    return mark_text(text, terms=terms, prefixes=prefixes)


def paragraph_snippet(text: str, q: str) -> str:
    terms, prefixes = _highlight_terms(q or "")
    return snippet(text, terms=terms, prefixes=prefixes)


__all__ = [
    "ArticleGroup",
    "Chip",
    "Facet",
    "FacetValue",
    "Hit",
    "PageLink",
    "SearchPage",
    "SearchRequest",
    "SortOption",
    "TagLink",
    "highlight_text",
    "matching_paragraph_ids",
    "run_search",
]
