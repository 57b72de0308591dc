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
import time
from collections.abc import Iterable
from dataclasses import dataclass

from search.engine.base import (
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
from search.links import FacetLinks, article_url
from search.request import (
    SORT_LABELS,
    SORTS,
    SearchRequest,
    default_sort,
)

SUGGEST_BELOW = 3
GROUP_HITS = 3
PAGE_WINDOW = 2

SEARCH_UNAVAILABLE = "Search is unavailable right now; nothing saved is lost."


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
