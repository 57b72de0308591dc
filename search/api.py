"""The JSON API: /api/search, /api/articles and /api/articles/<id>.

Views parse, call one function and serialise. Anonymous callers get a 401 JSON
body rather than the login page's redirect, which a script cannot follow.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from corpus.models import (
    Article,
    ArticleAuthor,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
)
from search.documents import ACTIVE_STATUSES
from search.query import Hit, SearchPage, SearchRequest, article_url, run_search

logger = logging.getLogger(__name__)

View = Callable[..., JsonResponse]


def api_login_required(view: View) -> View:
    """401 JSON for anonymous callers (the site-wide middleware would redirect)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"message": "Log in to use the API."}, status=401)
        return view(request, *args, **kwargs)

    return login_not_required(wrapped)


# ---------------------------------------------------------------- search


def hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "paragraph_id": hit.paragraph_id,
        "article_id": hit.article_id,
        "article_title": hit.article_title,
        "authors": list(hit.authors),
        "publication": hit.publication or None,
        "year": hit.year,
        "date": hit.date,
        "position": hit.position,
        "heading": hit.heading,
        "countries": [tag.label for tag in hit.countries],
        "topics": [tag.label for tag in hit.topics],
        "snippet": hit.snippet,
        "url": hit.url,
        "score": hit.score,
    }


def search_json(page: SearchPage) -> dict[str, Any]:
    request = page.request
    messages = page.messages
    return {
        "query": request.q,
        "total": page.total,
        "articles_total": page.articles_total,
        "page": page.page,
        "pages": page.pages,
        "page_size": request.page_size,
        "sort": request.sort,
        "results": [hit_json(hit) for hit in page.hits],
        "groups": [
            {
                "article_id": group.article_id,
                "title": group.title,
                "url": group.url,
                "other_count": group.other_count,
                "results": [hit_json(hit) for hit in group.hits],
            }
            for group in page.groups
        ]
        if request.group
        else None,
        "facets": {
            facet.name: [
                {
                    "value": value.value,
                    "label": value.label,
                    "count": value.count,
                    "selected": value.selected,
                }
                for value in facet.values
            ]
            for facet in page.facets
        },
        "suggestion": page.suggestion,
        "message": " ".join(messages) if messages else None,
        "elapsed_ms": page.elapsed_ms,
    }


@require_safe
@api_login_required
def search(request: HttpRequest) -> JsonResponse:
    try:
        params = request.GET
        params.lists()
    except (SuspiciousOperation, RequestDataTooBig, UnicodeDecodeError) as error:
        return JsonResponse({"message": f"Unreadable parameters: {error}"}, status=400)
    page = run_search(SearchRequest.from_querydict(params))
    return JsonResponse(search_json(page))


# ---------------------------------------------------------------- articles


def _labels_by_article(
    article_ids: Iterable[int],
) -> tuple[dict[int, list[str]], dict[int, list[str]], dict[int, list[str]]]:
    ids = list(article_ids)
    authors: dict[int, list[str]] = defaultdict(list)
    for article_id, name in (
        ArticleAuthor.objects.filter(article_id__in=ids)
        .order_by("article_id", "position", "id")
        .values_list("article_id", "author__name")
    ):
        authors[article_id].append(name)
    countries = _active_tag_labels(ParagraphCountry, ids, label="country__name")
    topics = _active_tag_labels(ParagraphTopic, ids, label="topic__name")
    return authors, countries, topics


def _active_tag_labels(
    model: type[ParagraphCountry] | type[ParagraphTopic],
    article_ids: list[int],
    *,
    label: str,
) -> dict[int, list[str]]:
    """Each article's distinct active tag labels, in label order."""
    labels: dict[int, list[str]] = defaultdict(list)
    for article_id, name in (
        model.objects.filter(
            paragraph__article_id__in=article_ids, status__in=ACTIVE_STATUSES
        )
        .values_list("paragraph__article_id", label)
        .distinct()
        .order_by("paragraph__article_id", label)
    ):
        labels[article_id].append(name)
    return labels


def _article_rows(articles: list[Article]) -> list[dict[str, Any]]:
    authors, countries, topics = _labels_by_article(a.pk for a in articles)
    return [
        {
            "id": article.pk,
            "title": article.title,
            "title_derived": article.title_derived,
            "authors": authors.get(article.pk, []),
            "publication": article.publication.name if article.publication else None,
            "year": article.year,
            "date": article.date.isoformat() if article.date else None,
            "date_estimated": article.date_estimated,
            "source_file": article.source_file,
            "paragraph_count": getattr(article, "paragraph_count", None),
            "countries": countries.get(article.pk, []),
            "topics": topics.get(article.pk, []),
            "url": article_url(article.pk),
        }
        for article in articles
    ]


def _articles_queryset() -> Any:
    from django.db.models import Count

    return Article.objects.select_related("publication").annotate(
        paragraph_count=Count("paragraphs")
    )


@require_safe
@api_login_required
def articles(request: HttpRequest) -> JsonResponse:
    rows = _article_rows(list(_articles_queryset().order_by("-year", "title", "id")))
    return JsonResponse({"articles": rows})


@require_safe
@api_login_required
def article(request: HttpRequest, pk: int) -> JsonResponse:
    found = _articles_queryset().filter(pk=pk).first()
    if found is None:
        return JsonResponse({"message": f"There is no article {pk}."}, status=404)
    row = _article_rows([found])[0]
    paragraphs = list(
        Paragraph.objects.filter(article_id=pk)
        .order_by("position")
        .values_list("id", "position", "heading", "text")
    )
    ids = [p[0] for p in paragraphs]
    countries: dict[int, list[str]] = defaultdict(list)
    for paragraph_id, name in (
        ParagraphCountry.objects.filter(
            paragraph_id__in=ids, status__in=ACTIVE_STATUSES
        )
        .order_by("country__name")
        .values_list("paragraph_id", "country__name")
    ):
        countries[paragraph_id].append(name)
    topics: dict[int, list[str]] = defaultdict(list)
    for paragraph_id, name in (
        ParagraphTopic.objects.filter(paragraph_id__in=ids, status__in=ACTIVE_STATUSES)
        .order_by("topic__name")
        .values_list("paragraph_id", "topic__name")
    ):
        topics[paragraph_id].append(name)
    row["paragraphs"] = [
        {
            "id": paragraph_id,
            "position": position,
            "heading": heading,
            "text": text,
            "countries": countries.get(paragraph_id, []),
            "topics": topics.get(paragraph_id, []),
        }
        for paragraph_id, position, heading, text in paragraphs
    ]
    row["references"] = list(found.references or [])
    return JsonResponse(row)


# ---------------------------------------------------------------- schema


def openapi_schema() -> dict[str, Any]:
    """The OpenAPI 3.1 description of this API (search/openapi.json)."""
    text = (Path(__file__).with_name("openapi.json")).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@require_safe
@api_login_required
def schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_schema())
