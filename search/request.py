"""Search state from GET parameters: ``SearchRequest.from_querydict`` parses and
validates them into a frozen request (bad values become messages, never exceptions),
and the request rebuilds its own parameters for every link the page makes.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from search.engine.base import (
    MAX_QUERY_CHARS,
)
from search.facets import (
    FACET_NAMES,
)
from search.links import FACET_PARAMS

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
