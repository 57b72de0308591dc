"""JSON API of the research tools: collections, coverage and similar paragraphs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from search import collections as services
from search.api import api_login_required


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
