"""What every admin page shares: editor-only permissions and how tags are shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from corpus.models import (
    Paragraph,
    TagStatus,
)
from corpus.permissions import can_edit

ACTIVE = [TagStatus.AUTO, TagStatus.MANUAL]


# --- Permissions ------------------------------------------------------------------


# The mixins go before a ModelAdmin or an inline, whose methods follow in the MRO;
# the type checker is told so, the runtime class stays a plain mixin.
if TYPE_CHECKING:
    from django.contrib.admin.options import BaseModelAdmin

    _AdminMixinBase = BaseModelAdmin[Any]
else:
    _AdminMixinBase = object


class EditorOnlyMixin(_AdminMixinBase):
    """Model permissions alone are not enough: the user must also be an editor."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return can_edit(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit(request.user) and super().has_delete_permission(request, obj)

    def has_edit_permission(self, request: HttpRequest) -> bool:
        """For actions declared with ``permissions=["edit"]``."""
        return can_edit(request.user)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Showing tags -----------------------------------------------------------------


def tag_rows(paragraph: Paragraph) -> list[tuple[str, str, str]]:
    """``(label, status, evidence)`` for each tag, from prefetched rows."""
    rows = [
        (tag.country.name, tag.status, tag.evidence)
        for tag in paragraph.country_tags.all()
    ]
    rows += [
        (tag.topic.name, tag.status, tag.evidence) for tag in paragraph.topic_tags.all()
    ]
    return rows


def tags_html(paragraph: Paragraph) -> str:
    rows = tag_rows(paragraph)
    if not rows:
        return "—"
    return format_html(
        '<ul class="refdesk-tags">{}</ul>',
        format_html_join(
            "",
            '<li class="refdesk-tag refdesk-tag-{}">{} <small>({}{})</small></li>',
            (
                (
                    status,
                    label,
                    TagStatus(status).label,
                    f": “{evidence}”" if evidence else "",
                )
                for label, status, evidence in rows
            ),
        ),
    )


def prefetch_tags(queryset: QuerySet[Paragraph]) -> QuerySet[Paragraph]:
    return queryset.prefetch_related("country_tags__country", "topic_tags__topic")
