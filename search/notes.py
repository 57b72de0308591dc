"""Analysts' notes: Markdown rendered with any HTML in it escaped, never passed on."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


def render_note(text: str) -> SafeString:
    # "commonmark" with html off escapes raw tags; markdown-it's link validation
    # drops javascript:, vbscript: and data: links.
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})
    return mark_safe(renderer.render(text or ""))
