"""HTML views of the coverage map and of similar paragraphs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from search.coverage import build_coverage, coverage_csv
from search.pages import search_url_for
from search.query import SearchRequest
from search.similar import find_similar


@require_safe
def coverage(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.GET)
    context = {
        "coverage": build_coverage(search),
        "search": search,
        "results_url": search_url_for(search),
        "csv_url": reverse("search:coverage_csv") + search.replace().url(),
        "header_query": search.q,
    }
    return render(request, "search/coverage.html", context)


@require_safe
def coverage_download(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.GET)
    response = HttpResponse(
        coverage_csv(build_coverage(search)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="refdesk-coverage.csv"'
    return response


@require_safe
def similar(request: HttpRequest, pk: int) -> HttpResponse:
    search = SearchRequest.from_querydict(request.GET)
    found = find_similar(
        pk, request=search, same_article=request.GET.get("same_article") == "1"
    )
    context = {
        "similar": found,
        "search": search,
        "back_url": reverse("search:paragraph", args=[pk]),
    }
    return render(
        request, "search/similar.html", context, status=200 if found.found else 404
    )
