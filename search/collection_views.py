"""HTML views of collections: list, detail, adding, ordering, notes and exports.

Every change is a plain POST form, so the page works without JavaScript; errors from
the services come back as a message on the page they were made from.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from corpus.models import Paragraph
from search import collections as services
from search.briefing import FORMATS, export_collection
from search.models import Collection, Sharing
from search.pages import search_url_for
from search.query import SearchRequest


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else default


@require_safe
def collection_list(request: HttpRequest) -> HttpResponse:
    context = {
        "collections": services.visible_collections(user=request.user),
        "sharing_choices": Sharing.choices,
    }
    return render(request, "search/collections.html", context)


@require_POST
def collection_create(request: HttpRequest) -> HttpResponse:
    try:
        created = services.create_collection(
            owner=request.user,
            name=request.POST.get("name", ""),
            sharing=request.POST.get("sharing", Sharing.PRIVATE),
        )
    except services.CollectError as error:
        messages.error(request, str(error))
        return redirect("search:collections")
    return redirect(created)


@require_safe
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = services.get_collection(user=request.user, pk=pk)
    context = {
        "collection": collection,
        "items": services.collection_items(collection),
        "can_edit": services.can_edit_collection(collection, user=request.user),
        "is_owner": collection.owner_id == request.user.pk,
        "sharing_choices": Sharing.choices,
        "formats": FORMATS.values(),
    }
    return render(request, "search/collection.html", context)


@require_POST
def collection_settings(request: HttpRequest, pk: int) -> HttpResponse:
    collection = services.get_collection(user=request.user, pk=pk)
    try:
        if request.POST.get("action") == "delete":
            services.delete_collection(collection=collection, user=request.user)
            messages.success(request, f"Deleted “{collection.name}”.")
            return redirect("search:collections")
        services.update_collection(
            collection=collection,
            user=request.user,
            name=request.POST.get("name", ""),
            sharing=request.POST.get("sharing", ""),
        )
    except services.CollectError as error:
        messages.error(request, str(error))
    return redirect(collection)


@require_POST
def item_action(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    collection = services.get_collection(user=request.user, pk=pk, edit=True)
    action = request.POST.get("action", "")
    try:
        if action in {"up", "down"}:
            services.move_item(collection=collection, item_id=item_id, direction=action)
        elif action == "note":
            services.update_note(
                collection=collection,
                item_id=item_id,
                note=request.POST.get("note", ""),
            )
        elif action == "remove":
            services.remove_item(collection=collection, item_id=item_id)
        else:
            raise services.CollectError("Unknown action.")
    except services.CollectError as error:
        messages.error(request, str(error))
    return redirect(f"{collection.get_absolute_url()}#item-{item_id}")


def _target_collection(request: HttpRequest) -> Collection:
    """The chosen collection, or a new one named in the form."""
    name = request.POST.get("new_name", "").strip()
    if name:
        return services.create_collection(owner=request.user, name=name)
    raw = request.POST.get("collection", "")
    if not raw.isdigit():
        raise services.CollectError("Choose a collection or name a new one.")
    return services.get_collection(user=request.user, pk=int(raw), edit=True)


@require_safe
def collect_paragraph(request: HttpRequest, paragraph_id: int) -> HttpResponse:
    paragraph = get_object_or_404(
        Paragraph.objects.select_related("article"), pk=paragraph_id
    )
    context = {
        "paragraph": paragraph,
        "collections": services.editable_collections(user=request.user),
        "next": _next(request, paragraph.article.get_absolute_url()),
    }
    return render(request, "search/collect.html", context)


@require_POST
def collect_paragraph_post(request: HttpRequest, paragraph_id: int) -> HttpResponse:
    try:
        with transaction.atomic():
            collection = _target_collection(request)
            added, _present = services.add_paragraphs(
                collection=collection, paragraph_ids=[paragraph_id], user=request.user
            )
    except services.CollectError as error:
        messages.error(request, str(error))
        return redirect(_next(request, "search:collections"))
    messages.success(
        request,
        f"Added to “{collection}”." if added else f"Already in “{collection}”.",
    )
    return redirect(_next(request, collection.get_absolute_url()))


@require_safe
def collect_results(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.GET)
    context = {
        "search": search,
        "params": search.replace(page=1).to_params(),
        "count": services.count_result_set(search),
        "cap": services.RESULT_SET_CAP,
        "collections": services.editable_collections(user=request.user),
        "back_url": search_url_for(search),
    }
    return render(request, "search/collect_results.html", context)


@require_POST
def collect_results_post(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.POST)
    try:
        with transaction.atomic():
            collection = _target_collection(request)
            added, present = services.add_result_set(
                collection=collection, request=search, user=request.user
            )
    except services.CollectError as error:
        messages.error(request, str(error))
        return redirect(reverse("search:collect_results") + search.url())
    messages.success(
        request,
        f"Added {added} paragraph{'s' if added != 1 else ''} to “{collection}”"
        + (f"; {present} were already there." if present else "."),
    )
    return redirect(collection)


@require_safe
def collection_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("Unknown export format.")
    collection = services.get_collection(user=request.user, pk=pk)
    content, export_format = export_collection(
        collection, fmt=fmt, base_url=_base_url(request)
    )
    response = HttpResponse(content, content_type=export_format.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="refdesk-collection-{collection.pk}.{fmt}"'
    )
    return response
