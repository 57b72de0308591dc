"""What the HTML templates render: small frozen dataclasses built from a SearchPage or
from database rows, with every URL already made, so templates hold no logic.

The views call one ``build_*`` function each; nothing here reads the request.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from corpus.models import (
    Article,
    Country,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
    Topic,
)
from search.citations import (
    MONTHS,
    bibtex_entry,
    chicago_note,
    ris_record,
)
from search.export import EXPORT_LIMIT, ExportLink, cited_work, export_links
from search.facet_view import (
    FacetBlock,
    YearChart,
    build_facet_block,
    build_year_chart,
    country_aliases,
    plural,
)
from search.query import SearchRequest, highlight_text, run_search

if TYPE_CHECKING:
    from search.query import ArticleGroup, Hit, SearchPage

# Page parameter naming a facet whose whole list is shown (repeatable).
MORE_PARAM = "more"
# Page parameter: run the query as typed, without the automatic correction.
VERBATIM_PARAM = "verbatim"
# Parameters the search page understands but the engine does not.
EDIT_PARAM = "edit"
# Parameters that select a page of results rather than the result set.
_PAGE_ONLY = {"page"}
# Reader highlighting uses at most this much of the query; longer input is noise.
MAX_HIGHLIGHT_QUERY = 500

Params = tuple[tuple[str, str], ...]
# Django refuses to redirect to a longer URL (DisallowedRedirect).
MAX_REDIRECT_URL = 2000


# ---------------------------------------------------------------- search page


@dataclass(frozen=True)
class ResultItem:
    hit: Hit
    # The reader and the context page carry the whole search, so their links back
    # return to it.
    reader_url: str
    context_url: str
    context_id: str


@dataclass(frozen=True)
class GroupItem:
    group: ArticleGroup
    reader_url: str
    items: tuple[ResultItem, ...]


@dataclass(frozen=True)
class EditMode:
    action_url: str
    next_url: str
    search_fields: Params
    countries: tuple[Country, ...]
    topics: tuple[Topic, ...]
    limit: int


@dataclass(frozen=True)
class SearchView:
    page: SearchPage
    title: str
    status_line: str
    search_url: str
    browse_url: str
    first_page_url: str
    state_fields: Params
    sort_fields: Params
    range_fields: Params
    facet_blocks: tuple[FacetBlock, ...]
    year_chart: YearChart | None
    year_bounds: tuple[int | None, int | None]
    items: tuple[ResultItem, ...]
    groups: tuple[GroupItem, ...]
    first_number: int
    messages: tuple[str, ...]
    export_links: tuple[ExportLink, ...]
    export_limit: int
    edit: EditMode | None
    edit_toggle_url: str
    corrected_from: str
    """The query as typed, when the page shows its correction instead."""
    original_url: str
    """The query as typed, searched without correction."""
    results_label: str
    """The filter drawer's button: "Show 12 results"."""


def search_path() -> str:
    return reverse("search:search")


def without_empty_params(lists: Iterable[tuple[str, list[str]]]) -> str | None:
    """The query string ("?...") without empty values, or None when none was empty."""
    pairs = [(name, value) for name, values in lists for value in values]
    kept = [(name, value) for name, value in pairs if value.strip()]
    if len(kept) == len(pairs):
        return None
    return f"?{urlencode(kept)}" if kept else ""


def search_url_for(request: SearchRequest, **changes: Any) -> str:
    """The search page URL for ``request``; engine URLs are bare "?..." strings."""
    return search_path() + request.url(**changes)


def request_params(request: SearchRequest) -> Params:
    """The request as (name, value) pairs, the way the search form submits them."""
    return tuple((str(name), str(value)) for name, value in request.to_params())


def search_with_correction(
    request: SearchRequest, *, verbatim: bool
) -> tuple[SearchPage, str]:
    """The page for ``request``; when it finds nothing and its spelling correction
    does, the corrected query's page, with the query as typed as the second value
    (empty when nothing was corrected). ``verbatim`` turns the correction off."""
    page = run_search(request)
    if verbatim or page.total or not page.suggestion:
        return page, ""
    corrected = run_search(request.replace(q=page.suggestion))
    if not corrected.total:
        return page, ""
    return corrected, request.q


def build_search_view(
    page: SearchPage,
    *,
    raw_params: Iterable[tuple[str, str]],
    edit_allowed: bool,
    next_url: str,
    corrected_from: str = "",
) -> SearchView:
    request = page.request
    params = request_params(request)
    raw = tuple(raw_params)
    raw_names = {name for name, _ in raw}
    editing = edit_allowed and (EDIT_PARAM, "1") in raw
    edit_pair = ((EDIT_PARAM, "1"),) if editing else ()
    facet_names = {facet.name for facet in page.facets}
    expanded = tuple(
        dict.fromkeys(
            value for name, value in raw if name == MORE_PARAM and value in facet_names
        )
    )
    more_pairs = tuple((MORE_PARAM, name) for name in expanded)
    verbatim_pair = (
        ((VERBATIM_PARAM, "1"),)
        if (VERBATIM_PARAM, "1") in raw and not corrected_from
        else ()
    )
    page_pairs = edit_pair + more_pairs
    page = carry_params(page, page_pairs + verbatim_pair)
    # A default sort is dropped when the query changes, so typing a query after
    # browsing newest-first switches to relevance.
    keep_sort = "sort" in raw_names
    state = tuple(
        (name, value)
        for name, value in params
        if name not in {"q", *_PAGE_ONLY} and (name != "sort" or keep_sort)
    )
    carried = params + edit_pair
    countries = next(
        (facet.values for facet in page.facets if facet.name == "country"), ()
    )
    aliases = country_aliases(value.value for value in countries)
    year_urls = {
        int(value.value): value.toggle_url
        for facet in page.facets
        if facet.name == "year"
        for value in facet.values
        if value.value.isdigit()
    }
    blocks = tuple(
        build_facet_block(
            facet,
            expanded=facet.name in expanded,
            toggle_url=_with_query(
                search_path(),
                params
                + edit_pair
                + _toggled_more(more_pairs, facet.name)
                + verbatim_pair,
            ),
            aliases=aliases if facet.name == "country" else None,
        )
        for facet in page.facets
    )
    original_url = ""
    if corrected_from:
        original_url = (
            search_url_for(request, q=corrected_from)
            + "&"
            + urlencode((*page_pairs, (VERBATIM_PARAM, "1")))
        )
    return SearchView(
        page=page,
        title=_title(request.q),
        status_line=status_line(page),
        search_url=search_path(),
        browse_url=search_path(),
        first_page_url=search_url_for(request, page=1),
        state_fields=state + page_pairs,
        sort_fields=_without(params, {"sort", *_PAGE_ONLY}) + page_pairs,
        range_fields=_without(params, {"year_from", "year_to", *_PAGE_ONLY})
        + page_pairs,
        facet_blocks=blocks,
        year_chart=build_year_chart(page, urls=year_urls),
        year_bounds=_year_bounds(page),
        items=tuple(_result_item(hit, state=carried) for hit in page.hits),
        groups=tuple(
            GroupItem(
                group=group,
                reader_url=reader_url(group.article_id, state=carried),
                items=tuple(_result_item(hit, state=carried) for hit in group.hits),
            )
            for group in page.groups
        ),
        first_number=(page.page - 1) * request.page_size + 1,
        messages=page.messages,
        export_links=export_links(params),
        export_limit=EXPORT_LIMIT,
        edit=_edit_mode(params, next_url=next_url) if editing else None,
        edit_toggle_url=_edit_toggle_url(params, editing=editing)
        if edit_allowed
        else "",
        corrected_from=corrected_from,
        original_url=original_url,
        results_label=f"Show {plural(page.total, 'result')}",
    )


def _toggled_more(more_pairs: Params, name: str) -> Params:
    """``more=`` pairs with facet ``name`` expanded if it was not, and not if it was."""
    kept = tuple(pair for pair in more_pairs if pair[1] != name)
    return kept if len(kept) < len(more_pairs) else (*kept, (MORE_PARAM, name))


def status_line(page: SearchPage) -> str:
    paragraphs = plural(page.total, "paragraph")
    articles = plural(page.articles_total, "article")
    request = page.request
    filtered = bool(request.q or page.chips)
    if not filtered:
        return f"Browsing all {paragraphs} in {articles}, newest first"
    return f"{paragraphs} in {articles}"


def _title(q: str) -> str:
    if q:
        short = q if len(q) <= 60 else q[:57] + "…"
        return f"“{short}” · Refdesk search"
    return "Refdesk search"


def _without(params: Params, names: set[str]) -> Params:
    return tuple((name, value) for name, value in params if name not in names)


def _result_item(hit: Hit, *, state: Params) -> ResultItem:
    return ResultItem(
        hit=hit,
        reader_url=reader_url(hit.article_id, state=state, position=hit.position),
        context_url=_with_query(
            reverse("search:context", args=[hit.paragraph_id]), state
        ),
        context_id=f"context-{hit.paragraph_id}",
    )


def reader_url(article_id: int, *, state: Params, position: int | None = None) -> str:
    """The reader, carrying the search it was opened from; ``#p-N`` when given."""
    url = _fitted_url(reverse("search:article", args=[article_id]), state)
    return url if position is None else f"{url}#p-{position}"


def _fitted_url(path: str, state: Params) -> str:
    """``path`` with ``state``, shortened to a URL that a redirect may carry: the
    query loses words from its end, then filters are dropped from the end."""
    state = tuple(state)
    url = _with_query(path, state)
    while len(url) > MAX_REDIRECT_URL and state:
        index = next((i for i, (name, _) in enumerate(state) if name == "q"), None)
        if index is not None and " " in state[index][1].strip():
            words = state[index][1].split()
            shorter = ((state[index][0], " ".join(words[: len(words) // 2])),)
            state = state[:index] + shorter + state[index + 1 :]
        elif index is not None:
            state = state[:index] + state[index + 1 :]
        else:
            state = state[:-1]
        url = _with_query(path, state)
    return url


def paragraph_permalink(paragraph_id: int, *, state: Params = ()) -> str:
    """The stable link to a paragraph (by id, so it survives edits and re-ingest),
    carrying the search it was found with."""
    return _with_query(reverse("search:paragraph", args=[paragraph_id]), state)


def reader_state(raw_params: Any) -> Params:
    """The search carried in a reader or context URL, normalised as the search page
    would read it; ``edit=1`` rides along so the way back stays in edit mode."""
    state = request_params(SearchRequest.from_querydict(raw_params))
    if (raw_params.get(EDIT_PARAM) or "") == "1":
        state += ((EDIT_PARAM, "1"),)
    return state


def _with_query(path: str, params: Params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def _year_bounds(page: SearchPage) -> tuple[int | None, int | None]:
    years = [int(year) for year, _count, _percent in page.year_histogram]
    return (min(years), max(years)) if years else (None, None)


def _edit_toggle_url(params: Params, *, editing: bool) -> str:
    kept = _without(params, {EDIT_PARAM, *_PAGE_ONLY})
    if not editing:
        kept = (*kept, (EDIT_PARAM, "1"))
    query = urlencode(kept)
    return search_path() + (f"?{query}" if query else "")


def _edit_mode(params: Params, *, next_url: str) -> EditMode | None:
    try:
        action_url = reverse("editor:bulk_tag")
    except NoReverseMatch:
        return None
    return EditMode(
        action_url=action_url,
        next_url=next_url,
        search_fields=_without(params, {"page", "page_size", "group", "sort"}),
        countries=tuple(Country.objects.order_by("name")),
        topics=tuple(Topic.objects.order_by("name")),
        limit=EXPORT_LIMIT,
    )


def carry_params(value: Any, extra: Params) -> Any:
    """Add ``extra`` to every "?..." search URL inside ``value``.

    The engine builds URLs from search parameters only; the page's own parameters
    (``edit=1``) must survive facet clicks, chips and paging too.
    """
    if not extra:
        return value
    if isinstance(value, tuple):
        return tuple(carry_params(item, extra) for item in value)
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    changes = {}
    for field in dataclasses.fields(value):
        current = getattr(value, field.name)
        if isinstance(current, str):
            is_url = field.name == "url" or field.name.endswith("_url")
            if is_url and current.startswith("?"):
                joiner = "&" if len(current) > 1 else ""
                changes[field.name] = current + joiner + urlencode(extra)
        elif field.name != "request" and (
            isinstance(current, tuple) or dataclasses.is_dataclass(current)
        ):
            changes[field.name] = carry_params(current, extra)
    return dataclasses.replace(value, **changes) if changes else value


# ---------------------------------------------------------------- reader


@dataclass(frozen=True)
class LinkedName:
    name: str
    url: str


@dataclass(frozen=True)
class TagCount:
    value: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class ReaderParagraph:
    position: int
    anchor: str
    section_heading: str
    html: SafeString
    link: str
    permalink: str
    cite_url: str
    paragraph_id: int = 0


@dataclass(frozen=True)
class Reader:
    article_id: int
    title: str
    section: str
    dek: str
    authors: tuple[LinkedName, ...]
    publication: str
    publication_url: str
    date_text: str
    date_iso: str
    date_estimated: bool
    source_url: str
    source_file: str
    countries: tuple[TagCount, ...]
    topics: tuple[TagCount, ...]
    paragraphs: tuple[ReaderParagraph, ...]
    references: tuple[str, ...]
    query: str
    back_url: str
    back_label: str
    bib_url: str
    ris_url: str


def clean_query(q: str | None) -> str:
    return (q or "").replace("\x00", "").strip()[:MAX_HIGHLIGHT_QUERY]


def safe_web_url(url: str | None) -> str:
    """Only http(s) links are rendered; javascript:, data: and the rest are dropped."""
    url = (url or "").strip()
    return url if urlsplit(url).scheme.lower() in {"http", "https"} else ""


def highlighted(text: str, *, q: str) -> SafeString:
    if not q:
        return conditional_escape(text)
    # highlight_text escapes the whole paragraph and adds only <mark> elements.
    return mark_safe(highlight_text(text, q))


def filter_url(facet: str, value: str) -> str:
    empty = SearchRequest.from_querydict({})
    return search_url_for(empty.toggle(facet, value))


def build_reader(article: Article, *, state: Params, base_url: str) -> Reader:
    """The article; ``state`` is the search it was opened from (see reader_state):
    its query is highlighted, and every link to a paragraph keeps it."""
    q = clean_query(dict(state).get("q"))
    page_url = reader_url(article.pk, state=state)
    paragraphs = []
    previous_heading = ""
    for paragraph in article.paragraphs.order_by("position"):
        anchor = f"p-{paragraph.position}"
        heading = paragraph.heading if paragraph.heading != previous_heading else ""
        previous_heading = paragraph.heading
        link = f"{page_url}#{anchor}"
        paragraphs.append(
            ReaderParagraph(
                position=paragraph.position,
                anchor=anchor,
                section_heading=heading,
                html=highlighted(paragraph.text, q=q),
                link=link,
                permalink=base_url + paragraph_permalink(paragraph.pk, state=state),
                cite_url=_with_query(
                    reverse("search:cite", args=[article.pk, paragraph.position]),
                    state,
                ),
                paragraph_id=paragraph.pk,
            )
        )
    date_text, date_iso = _date_text(article)
    publication = article.publication
    back_url = _with_query(search_path(), state)
    if q:
        back_label = f"Search results for “{q}”"
    elif any(name != EDIT_PARAM for name, _ in state):
        back_label = "Search results"
    else:
        back_label = "Search the library"
    return Reader(
        article_id=article.pk,
        title=article.title,
        section=article.section,
        dek=article.dek,
        authors=tuple(
            LinkedName(name=author.name, url=filter_url("author", author.name))
            for author in article.ordered_authors()
        ),
        publication=publication.name if publication else "",
        publication_url=safe_web_url(publication.url) if publication else "",
        date_text=date_text,
        date_iso=date_iso,
        date_estimated=article.date_estimated,
        source_url=safe_web_url(article.source_url),
        source_file=article.source_file or "",
        countries=_country_counts(article),
        topics=_topic_counts(article),
        paragraphs=tuple(paragraphs),
        references=tuple(str(reference) for reference in article.references or ()),
        query=q,
        back_url=back_url,
        back_label=back_label,
        bib_url=reverse(
            "search:article_citation", kwargs={"pk": article.pk, "fmt": "bib"}
        ),
        ris_url=reverse(
            "search:article_citation", kwargs={"pk": article.pk, "fmt": "ris"}
        ),
    )


def _date_text(article: Article) -> tuple[str, str]:
    date: datetime.date | None = article.date
    if date is not None and not article.date_estimated:
        return f"{date.day} {MONTHS[date.month - 1]} {date.year}", date.isoformat()
    if article.year is not None:
        return str(article.year), str(article.year)
    return "", ""


def _country_counts(article: Article) -> tuple[TagCount, ...]:
    return _tag_counts(article, ParagraphCountry, facet="country", key="code")


def _topic_counts(article: Article) -> tuple[TagCount, ...]:
    return _tag_counts(article, ParagraphTopic, facet="topic", key="slug")


def _tag_counts(
    article: Article, model: Any, *, facet: str, key: str
) -> tuple[TagCount, ...]:
    """The article's active tags of one kind, with how many paragraphs carry each."""
    value, name = f"{facet}__{key}", f"{facet}__name"
    rows = (
        model.objects.filter(paragraph__article=article)
        .exclude(status=TagStatus.REJECTED)
        .values(value, name)
        .annotate(count=Count("paragraph", distinct=True))
        .order_by("-count", name)
    )
    return tuple(
        TagCount(
            value=row[value],
            label=row[name],
            count=row["count"],
            url=filter_url(facet, row[value]),
        )
        for row in rows
    )


# ---------------------------------------------------------------- context and cite


@dataclass(frozen=True)
class ContextItem:
    position: int
    heading: str
    html: SafeString
    is_match: bool


@dataclass(frozen=True)
class ContextView:
    paragraph: Paragraph
    article_title: str
    reader_url: str
    items: tuple[ContextItem, ...]


def build_context(
    paragraph: Paragraph, *, state: Params, around: int = 1
) -> ContextView:
    """The paragraph with its neighbours, the query marked in each as in the hit.
    ``state`` is the search it was opened from, passed on to the reader."""
    q = clean_query(dict(state).get("q"))
    neighbours = Paragraph.objects.filter(
        article_id=paragraph.article_id,
        position__gte=paragraph.position - around,
        position__lte=paragraph.position + around,
    ).order_by("position")
    items = []
    previous_heading: str | None = None
    for neighbour in neighbours:
        is_match = neighbour.pk == paragraph.pk
        heading = neighbour.heading if neighbour.heading != previous_heading else ""
        previous_heading = neighbour.heading
        items.append(
            ContextItem(
                position=neighbour.position,
                heading=heading,
                html=highlighted(neighbour.text, q=q),
                is_match=is_match,
            )
        )
    return ContextView(
        paragraph=paragraph,
        article_title=paragraph.article.title,
        reader_url=reader_url(
            paragraph.article_id, state=state, position=paragraph.position
        ),
        items=tuple(items),
    )


@dataclass(frozen=True)
class CiteView:
    position: int
    title: str
    chicago: str
    source_url: str
    refdesk_link: str
    bibtex: str
    ris: str
    bib_url: str
    ris_url: str
    reader_url: str


def build_cite(paragraph: Paragraph, *, state: Params, base_url: str) -> CiteView:
    """The cite box: the note cites the original; Refdesk's permalink is offered on
    its own. ``state`` is the search the reader was opened with, so the way back
    still marks the query and leads to the same results."""
    article = paragraph.article
    work = cited_work(article, base_url=base_url)
    return CiteView(
        position=paragraph.position,
        title=article.title,
        chicago=chicago_note(work, paragraph=paragraph.position),
        source_url=work.source_url,
        refdesk_link=base_url + paragraph_permalink(paragraph.pk),
        bibtex=bibtex_entry(work),
        ris=ris_record(work),
        bib_url=reverse(
            "search:article_citation", kwargs={"pk": article.pk, "fmt": "bib"}
        ),
        ris_url=reverse(
            "search:article_citation", kwargs={"pk": article.pk, "fmt": "ris"}
        ),
        reader_url=paragraph_permalink(paragraph.pk, state=state),
    )
