"""HTML views of saved searches and watches, and the watch's Atom feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_POST, require_safe

from corpus.models import Paragraph
from search import watches
from search.feeds import render_feed
from search.models import Frequency, SavedSearch
from search.pages import search_url_for
from search.query import SearchRequest

NEW_SHOWN = 20


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _own(request: HttpRequest, pk: int) -> SavedSearch:
    return get_object_or_404(SavedSearch, pk=pk, owner=request.user)


@require_safe
def saved_list(request: HttpRequest) -> HttpResponse:
    context = {"rows": watches.saved_search_rows(user=request.user)}
    return render(request, "search/saved_searches.html", context)


@require_safe
def saved_new(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.GET)
    context = {
        "search": search,
        "params": watches.search_state(search)["params"],
        "per_week": watches.expected_per_week(search),
        "frequencies": Frequency.choices,
        "back_url": search_url_for(search),
        "default_name": search.q or "All paragraphs",
    }
    return render(request, "search/saved_search_new.html", context)


@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    search = SearchRequest.from_querydict(request.POST)
    try:
        saved = watches.create_saved_search(
            owner=request.user,
            name=request.POST.get("name", ""),
            request=search,
            frequency=request.POST.get("frequency", Frequency.NONE),
            feed=request.POST.get("feed") == "on",
        )
    except watches.WatchError as error:
        messages.error(request, str(error))
        return redirect(search_url_for(search))
    messages.success(request, f"Saved “{saved.name}”.")
    return redirect(saved)


@require_safe
def saved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own(request, pk)
    search = watches.state_request(saved.state)
    broken = watches.broken_reason(search)
    ids = [] if broken else watches.new_ids(search, after=saved.seen_watermark)
    shown = Paragraph.objects.filter(pk__in=ids[:NEW_SHOWN]).select_related("article")
    context = {
        "saved": saved,
        "search_url": watches.saved_search_url(saved),
        "broken": broken,
        "new_count": len(ids),
        "new_paragraphs": sorted(shown, key=lambda paragraph: -paragraph.pk),
        "frequencies": Frequency.choices,
        "feed_url": request.build_absolute_uri(
            reverse("search:watch_feed", args=[saved.feed_token])
        )
        if saved.feed_token
        else "",
    }
    return render(request, "search/saved_search.html", context)


@require_POST
def saved_update(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _own(request, pk)
    action = request.POST.get("action", "")
    try:
        if action == "seen":
            watches.mark_seen(saved=saved)
        elif action == "delete":
            watches.delete_saved_search(saved=saved)
            messages.success(request, f"Deleted “{saved.name}”.")
            return redirect("search:saved_searches")
        else:
            watches.update_watch(
                saved=saved,
                frequency=request.POST.get("frequency", Frequency.NONE),
                feed=request.POST.get("feed") == "on",
                new_token=action == "new_token",
            )
    except watches.WatchError as error:
        messages.error(request, str(error))
    return redirect(saved)


@require_safe
@login_not_required
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Feed readers cannot log in; the token in the URL stands for the owner."""
    saved = SavedSearch.objects.filter(feed_token=token, watch_feed=True).first()
    if saved is None or not token:
        return HttpResponse(
            "This feed does not exist or its address was replaced. "
            "Copy the current address from the saved search.\n",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    rendered = render_feed(saved, base_url=_base_url(request))
    conditional = get_conditional_response(
        request, etag=rendered.etag, last_modified=int(rendered.last_modified)
    )
    response = conditional or HttpResponse(
        rendered.content, content_type="application/atom+xml; charset=utf-8"
    )
    response["ETag"] = rendered.etag
    response["Last-Modified"] = http_date(rendered.last_modified)
    response["Cache-Control"] = "private, no-cache"
    return response
