"""Links from search results and the reader into the research tools, built in Python."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from search.notes import render_note
from search.query import SearchRequest

register = template.Library()


def _search(value: Any) -> SearchRequest | None:
    """The search of a results page, or the one a reader URL carries (its GET)."""
    if isinstance(value, SearchRequest):
        return value
    if hasattr(value, "getlist"):
        return SearchRequest.from_querydict(value)
    return None


def _params(value: Any) -> list[tuple[str, str]]:
    request = _search(value)
    if request is None:
        return []
    return [
        (name, value)
        for name, value in request.to_params()
        if name not in {"page", "page_size", "group", "sort"}
    ]


@register.filter
def note_html(text: str) -> SafeString:
    return render_note(text)


@register.simple_tag
def collect_url(paragraph_id: int, next_url: str = "") -> str:
    url = reverse("search:collect_paragraph", args=[paragraph_id])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@register.simple_tag
def similar_url(paragraph_id: int, request: Any = None) -> str:
    url = reverse("search:similar", args=[paragraph_id])
    params = _params(request)
    return f"{url}?{urlencode(params)}" if params else url


@register.simple_tag
def search_action_url(name: str, request: Any = None) -> str:
    """``name`` (collect_results, saved_search_new, coverage) for this search."""
    url = reverse(f"search:{name}")
    search = _search(request)
    params = [
        (key, value)
        for key, value in (search.to_params() if search is not None else [])
        if key not in {"page", "page_size", "group"}
    ]
    return f"{url}?{urlencode(params)}" if params else url
