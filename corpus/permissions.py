"""Who may change tags and articles: superusers and members of the "Editors" group."""

from __future__ import annotations

from typing import Any

EDITORS_GROUP = "Editors"

# The answer is kept on the user object for the length of a request, because the
# admin asks many times per page.
_CACHE_ATTRIBUTE = "_refdesk_can_edit"


def can_edit(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = user.groups.filter(name=EDITORS_GROUP).exists()
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached
