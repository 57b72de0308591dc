"""Uploaded HTML and Markdown -> plain article text for ``corpus.parsing``.

HTML goes through trafilatura, which keeps the main text and drops navigation,
scripts and page furniture. The result is laid out like the seed files (title, then
one paragraph per block) so the same parser reads it.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import trafilatura

__all__ = ["ExtractError", "ExtractedText", "extract_html", "markdown_to_text"]


class ExtractError(ValueError):
    """The document holds no article text; the message is shown to the editor."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    # Page metadata, used where the parser finds none in the text itself.
    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime.date | None = None


MIN_BODY_WORDS = 5
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,| and )\s*")


def extract_html(html: str) -> ExtractedText:
    """The main text of an HTML page: title first, then blank-line separated blocks."""
    try:
        document = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            include_links=False,
        )
    except (ValueError, TypeError, AttributeError) as error:
        raise ExtractError(f"the HTML could not be read ({error})") from None
    body = (getattr(document, "text", None) or "").strip() if document else ""
    # With nothing else on the page the extractor falls back to menu labels.
    if len(body.split()) < MIN_BODY_WORDS:
        raise ExtractError("the HTML page has no body text")
    title = " ".join((document.title or "").split())
    blocks = [line.strip() for line in body.splitlines() if line.strip()]
    if title and blocks and blocks[0] != title:
        blocks.insert(0, title)
    authors = tuple(
        name for name in _AUTHOR_SPLIT.split(document.author or "") if name.strip()
    )
    return ExtractedText(
        text="\n\n".join(blocks),
        title=title,
        authors=authors,
        date=_parse_iso_date(document.date),
    )


def _parse_iso_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")


def markdown_to_text(markdown: str) -> str:
    """Markdown markup removed, keeping the words and the line structure."""
    lines = []
    for line in markdown.splitlines():
        if _MD_RULE.match(line):
            lines.append("")
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_QUOTE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        lines.append(line)
    return "\n".join(lines)
