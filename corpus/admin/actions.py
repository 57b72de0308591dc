"""Bulk tag actions on articles and paragraphs, with their confirmation pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse

from corpus import services
from corpus.forms import (
    TagChoiceForm,
    choice_field,
)
from corpus.models import (
    Article,
    Paragraph,
)

# --- Bulk tag actions -------------------------------------------------------------


def _selected_paragraph_ids(queryset: QuerySet[Any]) -> list[int]:
    if queryset.model is Article:
        return services.article_paragraph_ids(queryset.values_list("pk", flat=True))
    return list(queryset.values_list("pk", flat=True))


def _tag_action(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    kind: str,
    add: bool,
) -> HttpResponse | None:
    """Choose a tag, see how many paragraphs will change, then confirm."""
    chosen = "tag_value" in request.POST
    form = TagChoiceForm(request.POST if chosen else None, kind=kind)
    paragraph_ids = _selected_paragraph_ids(queryset)
    count = None
    if chosen and form.is_valid():
        value = form.cleaned_data["tag_value"]
        if request.POST.get("confirm") == "yes":
            changed = services.change_tags(
                paragraph_ids,
                kind=kind,
                value=value,
                add=add,
                user=request.user,
                note="admin bulk action",
            )
            verb = "tagged" if add else "untagged"
            modeladmin.message_user(
                request,
                f"{changed} paragraph{pluralize(changed)} changed ({verb}).",
                messages.SUCCESS,
            )
            return None
        count = services.count_tag_changes(
            paragraph_ids, kind=kind, value=value, add=add
        )
    opts = modeladmin.model._meta
    verb = "Add" if add else "Remove"
    tag_label = ""
    summary = ""
    if count is not None:
        # Read back, choices are a list of pairs; the stubs give the setter's type.
        choices = choice_field(form, "tag_value").choices
        tag_label = dict(choices).get(value, value)  # type: ignore[arg-type]
        change = "get it as a manual tag" if add else "lose it (kept as rejected)"
        summary = (
            f"{count} of the {len(paragraph_ids)} "
            f"paragraph{pluralize(len(paragraph_ids))} in the selection will "
            f"change: {'it' if count == 1 else 'they'} {change}."
        )
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{verb} a {kind}",
        "opts": opts,
        "form": form,
        "count": count,
        "tag_label": tag_label,
        "tag_value": form.cleaned_data.get("tag_value", "")
        if count is not None
        else "",
        "summary": summary,
        "add": add,
        "kind": kind,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "object_count": queryset.count(),
        "object_name": opts.verbose_name_plural,
        "paragraph_count": len(paragraph_ids),
        "form_url": request.get_full_path(),
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist"
        ),
    }
    return TemplateResponse(request, "admin/corpus/tag_action.html", context)


def _make_tag_action(kind: str, *, add: bool) -> Callable[..., HttpResponse | None]:
    verb = "Add" if add else "Remove"

    @admin.action(permissions=["edit"], description=f"{verb} a {kind}…")
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return _tag_action(modeladmin, request, queryset, kind=kind, add=add)

    action.__name__ = f"{verb.lower()}_{kind}"
    return action


add_country = _make_tag_action("country", add=True)
remove_country = _make_tag_action("country", add=False)
add_topic = _make_tag_action("topic", add=True)
remove_topic = _make_tag_action("topic", add=False)


def _retag_confirmation(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    *,
    paragraph_count: int,
    count: int | None,
) -> TemplateResponse:
    """The page that confirms a re-run; ``count`` None means "every paragraph"."""
    opts = modeladmin.model._meta
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Re-run automatic tagging",
        "opts": opts,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "paragraph_count": paragraph_count,
        "count": count,
        "form_url": request.get_full_path(),
        "changelist_url": reverse(
            f"admin:{opts.app_label}_{opts.model_name}_changelist"
        ),
    }
    return TemplateResponse(request, "admin/corpus/retag_confirm.html", context)


@admin.action(permissions=["edit"], description="Re-run automatic tagging…")
def retag_selected(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    paragraph_ids = _selected_paragraph_ids(queryset)
    if request.POST.get("confirm") == "yes":
        changed = services.retag(paragraph_ids, user=request.user)
        modeladmin.message_user(
            request,
            f"Automatic tagging re-run: {changed} automatic tags added or removed; "
            "manual and rejected tags kept.",
            messages.SUCCESS,
        )
        return None
    return _retag_confirmation(
        modeladmin,
        request,
        paragraph_count=len(paragraph_ids),
        count=services.count_retag_changes(paragraph_ids),
    )


@admin.action(permissions=["edit"], description="Re-run tagging on all paragraphs…")
def retag_everything(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    if request.POST.get("confirm") == "yes":
        changed = services.retag_articles(None, user=request.user)
        modeladmin.message_user(
            request,
            f"Automatic tagging re-run on all paragraphs: {changed} automatic tags "
            "added or removed; manual and rejected tags kept.",
            messages.SUCCESS,
        )
        return None
    # Counting would cost a full tagging pass over the library, so it is not done.
    return _retag_confirmation(
        modeladmin, request, paragraph_count=Paragraph.objects.count(), count=None
    )


TAG_ACTIONS = [add_country, remove_country, add_topic, remove_topic, retag_selected]
