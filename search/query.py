"""Search requests in, result pages out.

``SearchRequest.from_querydict`` turns GET parameters into a validated, frozen
request (bad values become messages, never exceptions). ``run_search`` is the short
path request -> ``EngineQuery`` -> backend (``search.engine.base.get_backend``) ->
``SearchPage``: hits, disjunctive facets, paging and every URL the page needs,
already built (see ``search.links``). This module never sees an engine's own types.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from search.engine.base import (
    MAX_QUERY_CHARS,
    BackendError,
    EngineHit,
    EngineQuery,
    EngineResult,
    Highlight,
    SearchBackend,
    get_backend,
)
from search.facets import (
    FACET_LABELS,
    FACET_NAMES,
    Facet,
    FacetValue,
    Labels,
    build_facets,
    load_labels,
)
from search.highlight import mark_text, snippet
from search.links import FACET_PARAMS, FacetLinks, article_url

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
SUGGEST_BELOW = 3
GROUP_HITS = 3
PAGE_WINDOW = 2

SEARCH_UNAVAILABLE = "Search is unavailable right now; nothing saved is lost."


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


def _toggles(request: SearchRequest) -> FacetLinks:
    base = request.replace()
    return FacetLinks(
        base.to_params(),
        selected={facet: set(base.selected(facet)) for facet in FACET_NAMES},
    )


# ---------------------------------------------------------------- engine


def _canonical_request(request: SearchRequest, labels: Labels) -> SearchRequest:
    countries = tuple(
        dict.fromkeys(labels.canonical("country", v) for v in request.countries)
    )
    topics = tuple(dict.fromkeys(labels.canonical("topic", v) for v in request.topics))
    if countries == request.countries and topics == request.topics:
        return request
    return dataclasses.replace(request, countries=countries, topics=topics)


def engine_query(
    request: SearchRequest,
    *,
    labels: Labels,
    offset: int | None = None,
    limit: int | None = None,
    facets: tuple[str, ...] = FACET_NAMES,
) -> EngineQuery:
    """The backend's query for a (canonical) request: its page by default."""
    size = request.page_size
    return EngineQuery(
        text=request.q,
        filters=tuple(
            (facet, request.selected(facet))
            for facet in FACET_NAMES
            if request.selected(facet)
        ),
        year_from=request.year_from,
        year_to=request.year_to,
        sort=request.sort,
        offset=(request.page - 1) * size if offset is None else offset,
        limit=size if limit is None else limit,
        group_by_article=request.group,
        group_hits=GROUP_HITS,
        facets=facets,
        resolve=labels.resolve,
    )


def _unknown_value_messages(
    request: SearchRequest, labels: Labels, result: EngineResult
) -> list[str]:
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
    for facet, value in result.unknown_values:
        if facet == "author":
            messages.append(
                f"No paragraphs are by an author called “{value}”; "
                "that filter matches nothing."
            )
    return messages


def _hits(
    request: SearchRequest,
    found: tuple[EngineHit, ...],
    *,
    labels: Labels,
    highlight: Highlight,
    links: FacetLinks,
) -> list[Hit]:
    terms, prefixes = highlight.terms, highlight.prefixes
    return [
        Hit(
            paragraph_id=hit.paragraph_id,
            article_id=hit.article_id,
            article_title=hit.title,
            authors=hit.authors,
            publication=hit.publication,
            year=hit.year,
            position=hit.position,
            heading=hit.heading,
            countries=tuple(
                TagLink(
                    value=code,
                    label=labels.label("country", code),
                    url=links.url("country", code, add_only=True),
                )
                for code in hit.countries
            ),
            topics=tuple(
                TagLink(
                    value=slug,
                    label=labels.label("topic", slug),
                    url=links.url("topic", slug, add_only=True),
                )
                for slug in hit.topics
            ),
            snippet=snippet(hit.text, terms=terms, prefixes=prefixes),
            url=article_url(hit.article_id, q=request.q, position=hit.position),
            score=hit.score,
            date=hit.date,
        )
        for hit in found
    ]


def _groups(
    request: SearchRequest,
    result: EngineResult,
    *,
    labels: Labels,
    links: FacetLinks,
) -> list[ArticleGroup]:
    groups = []
    for group in result.groups:
        hits = tuple(
            _hits(
                request,
                group.hits,
                labels=labels,
                highlight=result.highlight,
                links=links,
            )
        )
        first = hits[0]
        groups.append(
            ArticleGroup(
                article_id=group.article_id,
                title=first.article_title,
                authors=first.authors,
                publication=first.publication,
                year=first.year,
                url=article_url(group.article_id, q=request.q),
                hits=hits,
                other_count=group.total - len(hits),
            )
        )
    return groups


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


def _suggestion(
    backend: SearchBackend,
    query: EngineQuery,
    result: EngineResult,
    request: SearchRequest,
) -> tuple[str | None, str | None]:
    if not query.has_text or result.total >= SUGGEST_BELOW:
        return None, None
    corrected = backend.suggest(query)
    if not corrected:
        return None, None
    return corrected, request.url(q=corrected)


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
    started = time.perf_counter()
    backend = get_backend()
    labels = load_labels(backend.version())
    request = _canonical_request(request, labels)
    query = engine_query(request, labels=labels)
    try:
        result = backend.search(query)
    except BackendError:  # a search cluster without quorum: say so, never a 500
        return _empty_page(request, message=SEARCH_UNAVAILABLE)
    if not result.ready:
        return _empty_page(request, message="The search index has not been built yet.")
    return _page(
        request, query, result, backend=backend, labels=labels, started=started
    )


def _page(
    request: SearchRequest,
    query: EngineQuery,
    result: EngineResult,
    *,
    backend: SearchBackend,
    labels: Labels,
    started: float,
) -> SearchPage:
    size = request.page_size
    total = result.total
    links = _toggles(request)
    hits: list[Hit] = []
    groups: list[ArticleGroup] = []
    if request.group:
        groups = _groups(request, result, labels=labels, links=links)
        pages = max(1, math.ceil(result.groups_total / size))
    else:
        pages = max(1, math.ceil(total / size))
        hits = _hits(
            request, result.hits, labels=labels, highlight=result.highlight, links=links
        )
    messages = [*result.messages, *_unknown_value_messages(request, labels, result)]
    if request.page > pages and total:
        messages.append(
            "There is only 1 page of results."
            if pages == 1
            else f"There are only {pages} pages of results."
        )
    suggestion, suggestion_url = _suggestion(backend, query, result, request)
    facets, histogram = build_facets(
        request.selected, result.facets, labels=labels, toggle_url=links.url
    )
    message = " ".join(dict.fromkeys(messages)) or None
    return SearchPage(
        request=request,
        total=total,
        articles_total=result.articles_total,
        page=request.page,
        pages=pages,
        hits=tuple(hits),
        groups=tuple(groups),
        facets=facets,
        year_histogram=histogram,
        suggestion=suggestion,
        suggestion_url=suggestion_url,
        message=message,
        chips=_chips(request, labels),
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
        groups_total=result.groups_total,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 2),
    )


def matching_paragraph_ids(
    request: SearchRequest, *, limit: int | None = None
) -> list[int]:
    """Paragraph ids of every match (or the first ``limit``), in result order."""
    backend = get_backend()
    labels = load_labels(backend.version())
    request = _canonical_request(request, labels)
    query = engine_query(request, labels=labels, offset=0, facets=())
    return backend.matching_ids(query, limit=limit)


def backend_query(
    request: SearchRequest,
) -> tuple[SearchBackend, EngineQuery, Labels, SearchRequest]:
    """The backend, the engine query of the whole result set (no page, no
    facets), the labels and the canonical request: for callers that ask the
    backend something other than a page of results."""
    backend = get_backend()
    labels = load_labels(backend.version())
    request = _canonical_request(request, labels)
    query = engine_query(request, labels=labels, offset=0, limit=0, facets=())
    return backend, query, labels, request


def hits_for(
    request: SearchRequest,
    found: Iterable[EngineHit],
    *,
    labels: Labels,
    highlight: Highlight,
) -> list[Hit]:
    """Result hits, with their tag links, for engine hits found outside
    ``run_search`` (such as ``more_like``)."""
    return _hits(
        request,
        tuple(found),
        labels=labels,
        highlight=highlight,
        links=_toggles(request),
    )


def highlight_text(text: str, q: str) -> str:
    """The whole paragraph HTML-escaped, with the query's words in <mark>."""
    found = get_backend().highlight(q or "")
    return mark_text(text, terms=found.terms, prefixes=found.prefixes)


def paragraph_snippet(text: str, q: str) -> str:
    found = get_backend().highlight(q or "")
    return snippet(text, terms=found.terms, prefixes=found.prefixes)


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
    "paragraph_snippet",
    "run_search",
]
