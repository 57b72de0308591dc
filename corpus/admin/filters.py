"""List filters: by active tag, by provenance, by whether an editor changed it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from corpus.admin.common import ACTIVE
from corpus.models import (
    Country,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
    Topic,
)

# --- Filters ----------------------------------------------------------------------


class _ActiveTagFilter(admin.SimpleListFilter):
    """Paragraphs (or articles) with an active tag of one country or topic."""

    kind = ""
    prefix = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if self.kind == "country":
            used = ParagraphCountry.objects.filter(status__in=ACTIVE).values("country")
            return list(Country.objects.filter(pk__in=used).values_list("code", "name"))
        tagged = ParagraphTopic.objects.filter(status__in=ACTIVE).values("topic")
        return list(Topic.objects.filter(pk__in=tagged).values_list("slug", "name"))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if self.kind == "country":
            condition = {
                f"{self.prefix}country_tags__country__code": value,
                f"{self.prefix}country_tags__status__in": ACTIVE,
            }
        else:
            condition = {
                f"{self.prefix}topic_tags__topic__slug": value,
                f"{self.prefix}topic_tags__status__in": ACTIVE,
            }
        return queryset.filter(**condition).distinct()


class ParagraphCountryFilter(_ActiveTagFilter):
    title = "country"
    parameter_name = "country"
    kind = "country"


class ParagraphTopicFilter(_ActiveTagFilter):
    title = "topic"
    parameter_name = "topic"
    kind = "topic"


class ArticleCountryFilter(ParagraphCountryFilter):
    prefix = "paragraphs__"


class ArticleTopicFilter(ParagraphTopicFilter):
    prefix = "paragraphs__"


class ProvenanceFilter(admin.SimpleListFilter):
    title = "tags set by editors"
    parameter_name = "provenance"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (TagStatus.MANUAL, "has manual tags"),
            (TagStatus.REJECTED, "has rejected tags"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in (TagStatus.MANUAL, TagStatus.REJECTED):
            return queryset
        return queryset.filter(
            Q(country_tags__status=value) | Q(topic_tags__status=value)
        ).distinct()


class EditedFilter(admin.SimpleListFilter):
    title = "edited by hand"
    parameter_name = "edited"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "yes"), ("no", "no")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.exclude(edited_fields=[])
        if self.value() == "no":
            return queryset.filter(edited_fields=[])
        return queryset
