"""Editor endpoints outside the admin: tagging straight from the search page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from corpus import services
from corpus.forms import BulkTagForm
from corpus.permissions import can_edit


@require_POST
@vary_on_headers("HX-Request")
def bulk_tag(request: HttpRequest) -> HttpResponse:
    """Add or remove one tag on selected paragraphs or on every search match.

    POST fields (CSRF token required; only editors, others get 403):
      paragraph  paragraph id, repeatable
      all        "1" to act on every paragraph matching the search, whose GET
                 parameters (q, country, author, topic, year, year_from, year_to)
                 are sent alongside as they are
      kind       "country" or "topic"
      value      ISO country code ("IR") or topic slug ("sanctions")
      action     "add" (becomes a manual tag) or "remove" (kept as rejected)
      dry_run    "1" to only count the paragraphs that would change
      next       where to go afterwards (same-site URLs only; default: search page)

    With ``HX-Request`` the answer is the ``corpus/_bulk_tag_result.html`` partial
    (status 200, or 400 when the input is wrong). Otherwise a dry run answers with
    a page that holds the whole selection and an Apply button, and anything else
    redirects to ``next`` with the outcome as a message.
    """
    if not can_edit(request.user):
        raise PermissionDenied("Only editors can change tags.")
    form = BulkTagForm(request.POST)
    if not form.is_valid():
        errors = [str(error) for field in form.errors.values() for error in field]
        return _respond(request, form, " ".join(errors), ok=False)
    ids = form.cleaned_data["paragraph_ids"]
    if form.cleaned_data["all"]:
        ids = _matching_ids(request)
    target = form.target
    if form.cleaned_data["dry_run"]:
        count = services.count_tag_changes(
            ids, kind=target.kind, value=target.value, add=form.add
        )
        message = _outcome(form, count, verb="would change")
        if getattr(request, "htmx", False):
            return _respond(request, form, message, ok=True)
        return _confirm(request, form, message, count=count, selected=len(ids))
    count = services.change_tags(
        ids,
        kind=target.kind,
        value=target.value,
        add=form.add,
        user=request.user,
        note="tagged from search",
    )
    return _respond(request, form, _outcome(form, count, verb="changed"), ok=True)


def _outcome(form: BulkTagForm, count: int, *, verb: str) -> str:
    action = "added" if form.add else "removed"
    return f"{_paragraphs(count)} {verb}: {form.target.label} {action}."


def _paragraphs(count: int) -> str:
    return f"{count:,} paragraph{'' if count == 1 else 's'}"


def _confirm(
    request: HttpRequest, form: BulkTagForm, message: str, *, count: int, selected: int
) -> HttpResponse:
    """The count, with the selection held in the form that applies it."""
    data = form.cleaned_data
    if data["all"]:
        selection = f"Applies to all {_paragraphs(selected)} matching the search"
    else:
        selection = f"Applies to the {_paragraphs(selected)} you ticked"
    context = {
        "message": message,
        "count": count,
        "selection": selection,
        "action_url": reverse("editor:bulk_tag"),
        "back_url": _safe_next(request, data["next"]),
        "fields": _resend_fields(request, form),
    }
    return render(request, "search/bulk_tag_confirm.html", context)


def _resend_fields(request: HttpRequest, form: BulkTagForm) -> list[tuple[str, str]]:
    from search.query import SearchRequest

    data = form.cleaned_data
    search = SearchRequest.from_querydict(request.POST).to_params()
    page_only = {"page", "page_size", "group", "sort"}
    return [
        *((name, value) for name, value in search if name not in page_only),
        *(("paragraph", str(pk)) for pk in data["paragraph_ids"]),
        *([("all", "1")] if data["all"] else []),
        ("kind", form.target.kind),
        ("value", form.target.value),
        ("action", data["action"]),
        ("next", _safe_next(request, data["next"])),
    ]


def _matching_ids(request: HttpRequest) -> list[int]:
    from search.query import SearchRequest, matching_paragraph_ids

    search = SearchRequest.from_querydict(request.POST)
    return list(matching_paragraph_ids(search, limit=None))


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("search:search")


def _respond(
    request: HttpRequest, form: BulkTagForm, message: str, *, ok: bool
) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(
            request,
            "corpus/_bulk_tag_result.html",
            {"message": message, "ok": ok},
            status=200 if ok else 400,
        )
    messages.add_message(request, messages.SUCCESS if ok else messages.ERROR, message)
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next", "")))
