"""JSON API of the research tools: collections, coverage and similar paragraphs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from search import collections as services
from search.api import api_login_required, hit_json
from search.coverage import build_coverage, coverage_json
from search.query import SearchRequest
from search.similar import find_similar


@require_safe
@api_login_required
def collections(request: HttpRequest) -> JsonResponse:
    rows = [
        services.collection_json(collection, items=False)
        for collection in services.visible_collections(user=request.user)
    ]
    return JsonResponse({"collections": rows})


@require_safe
@api_login_required
def collection(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        found = services.get_collection(user=request.user, pk=pk)
    except Http404:
        return JsonResponse(
            {"message": f"There is no collection {pk} shared with you."}, status=404
        )
    return JsonResponse(services.collection_json(found, items=True))


@require_safe
@api_login_required
def coverage(request: HttpRequest) -> JsonResponse:
    search = SearchRequest.from_querydict(request.GET)
    return JsonResponse(coverage_json(build_coverage(search)))


@require_safe
@api_login_required
def similar(request: HttpRequest, pk: int) -> JsonResponse:
    search = SearchRequest.from_querydict(request.GET)
    found = find_similar(
        pk, request=search, same_article=request.GET.get("same_article") == "1"
    )
    payload = {
        "results": [hit_json(hit) for hit in found.hits],
        "terms": list(found.terms),
        "message": found.message,
    }
    return JsonResponse(payload, status=200 if found.found else 404)
