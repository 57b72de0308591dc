"""URLs of the search page and the reader, built in Python for the templates.

Search page URLs are bare query strings ("?q=...") relative to the search page;
links to the reader are paths.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote_plus, urlencode

from django.urls import NoReverseMatch, reverse

# Facet name -> (GET parameter, SearchRequest attribute).
FACET_PARAMS = {
    "country": ("country", "countries"),
    "author": ("author", "authors"),
    "year": ("year", "years"),
    "topic": ("topic", "topics"),
}


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


class FacetLinks:
    """Facet toggle URLs from pre-encoded parameters: a page needs hundreds.

    ``params`` are a request's (name, value) pairs in their stable order and
    ``selected`` its selected values per facet.
    """

    def __init__(
        self, params: list[tuple[str, str]], *, selected: dict[str, set[str]]
    ) -> None:
        self.selected = selected
        self.encoded = [(name, _param_token(name, value)) for name, value in params]
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
