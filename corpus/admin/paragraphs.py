"""Paragraphs, their tags and the tag audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from corpus import services
from corpus.admin.actions import TAG_ACTIONS
from corpus.admin.common import EditorOnlyMixin, ReadOnlyMixin, prefetch_tags, tags_html
from corpus.admin.filters import (
    ParagraphCountryFilter,
    ParagraphTopicFilter,
    ProvenanceFilter,
)
from corpus.forms import (
    ParagraphCountryForm,
    ParagraphTopicForm,
)
from corpus.models import (
    Country,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagChange,
    TagStatus,
    Topic,
)

# --- Paragraphs and their tags ----------------------------------------------------


class _ParagraphTagInline(EditorOnlyMixin, admin.TabularInline):
    extra = 1
    can_delete = False
    readonly_fields = ["evidence", "set_by", "set_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParagraphCountryInline(_ParagraphTagInline):
    model = ParagraphCountry
    form = ParagraphCountryForm
    fields = ["country", "status", "evidence", "set_by", "set_at"]
    autocomplete_fields = ["country"]


class ParagraphTopicInline(_ParagraphTagInline):
    model = ParagraphTopic
    form = ParagraphTopicForm
    fields = ["topic", "status", "evidence", "set_by", "set_at"]


@admin.register(Paragraph)
class ParagraphAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["__str__", "article_title", "heading", "excerpt", "tags"]
    list_filter = [ParagraphCountryFilter, ParagraphTopicFilter, ProvenanceFilter]
    search_fields = ["text", "heading", "article__title"]
    list_select_related = ["article"]
    actions = TAG_ACTIONS
    inlines = [ParagraphCountryInline, ParagraphTopicInline]
    fields = ["article", "position", "heading", "text"]
    readonly_fields = ["article", "position", "heading", "text"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Paragraph]:
        return prefetch_tags(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="article", ordering="article__title")
    def article_title(self, paragraph: Paragraph) -> str:
        return Truncator(paragraph.article.title).chars(60)

    @admin.display(description="text")
    def excerpt(self, paragraph: Paragraph) -> str:
        return Truncator(paragraph.text).chars(160)

    @admin.display(description="tags (provenance: evidence)")
    def tags(self, paragraph: Paragraph) -> str:
        return tags_html(paragraph)

    def save_model(
        self, request: HttpRequest, obj: Paragraph, form: Any, change: bool
    ) -> None:
        """Paragraph fields are read-only here; only its tags change."""

    def save_formset(
        self, request: HttpRequest, form: Any, formset: Any, change: bool
    ) -> None:
        kind = "country" if formset.model is ParagraphCountry else "topic"
        paragraph = form.instance
        for tag_form in formset.forms:
            if not tag_form.has_changed() or not tag_form.cleaned_data:
                continue
            target = tag_form.cleaned_data.get(kind) or getattr(tag_form.instance, kind)
            value = target.code if kind == "country" else target.slug
            services.change_tags(
                [paragraph.pk],
                kind=kind,
                value=value,
                add=tag_form.cleaned_data["status"] == TagStatus.MANUAL,
                user=request.user,
                note="paragraph page",
            )
        # The admin's change message reads these; the service did the saving.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = (
            [],
            [],
            [],
        )


# --- Tag rows (read-only lists) ---------------------------------------------------


@admin.register(ParagraphCountry)
class ParagraphCountryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["paragraph", "country", "status", "evidence", "set_by", "set_at"]
    list_filter = ["status", "country"]
    search_fields = ["paragraph__text", "evidence", "country__name"]
    list_select_related = ["paragraph", "country", "set_by"]


@admin.register(ParagraphTopic)
class ParagraphTopicAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["paragraph", "topic", "status", "evidence", "set_by", "set_at"]
    list_filter = ["status", "topic"]
    search_fields = ["paragraph__text", "evidence", "topic__name"]
    list_select_related = ["paragraph", "topic", "set_by"]


@admin.register(TagChange)
class TagChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "at",
        "user",
        "kind",
        "tag",
        "before",
        "after",
        "paragraph_link",
        "note",
    ]
    list_filter = ["kind", "after", "before"]
    search_fields = ["value", "note", "user__username"]
    list_select_related = ["user", "paragraph", "paragraph__article"]
    date_hierarchy = "at"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Names for the codes and slugs in the log, read once for the whole page.
        self._names = {
            "country": dict(Country.objects.values_list("code", "name")),
            "topic": dict(Topic.objects.values_list("slug", "name")),
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="tag", ordering="value")
    def tag(self, change: TagChange) -> str:
        names = getattr(self, "_names", {}).get(change.kind, {})
        name = names.get(change.value)
        return f"{name} ({change.value})" if name else change.value

    @admin.display(description="paragraph", ordering="paragraph")
    def paragraph_link(self, change: TagChange) -> str:
        paragraph = change.paragraph
        if paragraph is None:
            return "(removed)"
        return format_html(
            '<a href="{}">¶ {} of “{}”</a>',
            reverse("admin:corpus_paragraph_change", args=[paragraph.pk]),
            paragraph.position,
            Truncator(paragraph.article.title).chars(60),
        )
