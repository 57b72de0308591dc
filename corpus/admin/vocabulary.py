"""Authors, publications, countries and topics."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from corpus import services
from corpus.admin.actions import retag_everything
from corpus.admin.common import ACTIVE, EditorOnlyMixin, ReadOnlyMixin
from corpus.models import (
    Author,
    Country,
    CountryAlias,
    Publication,
    Topic,
)

# --- Authors and publications -----------------------------------------------------


@admin.register(Author)
class AuthorAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "article_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Author]:
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="articles", ordering="article_total")
    def article_count(self, author: Author) -> int:
        return author.article_total  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: Author, form: Any, change: bool
    ) -> None:
        services.save_author(obj, user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "url"]
    search_fields = ["name"]

    def save_model(
        self, request: HttpRequest, obj: Publication, form: Any, change: bool
    ) -> None:
        services.save_publication(obj, user=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Countries, aliases and topics ------------------------------------------------


class CountryAliasInline(ReadOnlyMixin, admin.TabularInline):
    model = CountryAlias
    extra = 0
    fields = ["alias", "case_sensitive"]


@admin.register(Country)
class CountryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """ISO countries are fixed; editors change what matches them via aliases."""

    list_display = ["code", "name", "official_name", "alias_list"]
    search_fields = ["code", "name", "official_name", "aliases__alias"]
    inlines = [CountryAliasInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Country]:
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, country: Country) -> str:
        return ", ".join(alias.alias for alias in country.aliases.all())


@admin.register(CountryAlias)
class CountryAliasAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["alias", "country", "case_sensitive"]
    list_filter = ["case_sensitive"]
    search_fields = ["alias", "country__name", "country__code"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]
    actions = [retag_everything]

    def save_model(
        self, request: HttpRequest, obj: CountryAlias, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            "Aliases take effect when tagging is re-run (action “Re-run tagging on "
            "all paragraphs”).",
            messages.INFO,
        )


@admin.register(Topic)
class TopicAdmin(EditorOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "rule_count", "paragraph_count"]
    search_fields = ["name", "slug", "description", "rules"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [retag_everything, "delete_selected"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (
            "Matching rules",
            {
                "fields": ["rules"],
                "description": "One keyword or phrase per line, matched after "
                "stemming (“sanction” also matches “sanctions”). Put a rule in "
                "double quotes to match the exact words. Lines starting with # are "
                "ignored. Rules take effect when tagging is re-run.",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                paragraph_total=Count(
                    "paragraph_tags", filter=Q(paragraph_tags__status__in=ACTIVE)
                )
            )
        )

    @admin.display(description="rules")
    def rule_count(self, topic: Topic) -> int:
        from corpus.tagging import parse_rules

        return len(parse_rules(topic.rules))

    @admin.display(description="tagged paragraphs", ordering="paragraph_total")
    def paragraph_count(self, topic: Topic) -> int:
        return topic.paragraph_total  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: Topic, form: Any, change: bool
    ) -> None:
        services.save_topic(obj, changed_fields=form.changed_data, user=request.user)
        if "rules" in form.changed_data:
            self.message_user(
                request,
                "Rules take effect when tagging is re-run (action “Re-run tagging on "
                "all paragraphs”).",
                messages.INFO,
            )

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple:
        # A topic's tags go with it even though they cannot be deleted on their own.
        # Both delete pages show this summary, so editors see what of theirs is lost.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        manual = services.count_manual_topic_tags([topic.pk for topic in objs])
        if manual:
            counts["manual tags set by editors (kept in the tag change log)"] = manual
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Topic) -> None:
        services.delete_topics([obj.pk], user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        services.delete_topics(
            list(queryset.values_list("pk", flat=True)), user=request.user
        )
