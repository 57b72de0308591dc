"""Any article file -> text for ``corpus.parsing``, with the page's metadata.

One path for every format. The format is read from the content as well as the name,
so an HTML page saved as ``.txt`` is still read as HTML:

- HTML goes through trafilatura with its metadata (title, author, date, site name,
  canonical URL), cut off after ``HTML_TIMEOUT_SECONDS``;
- Markdown is rendered to HTML by markdown-it-py, and its blocks are read from that;
- plain text goes through ``corpus.cleaning``, which drops page furniture.

The result is laid out like the seed files (title, then one block a paragraph) so
the same parser reads all three. ``read_document`` is the entry point for a file,
an upload or a fetched page.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import threading
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import trafilatura
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from corpus.cleaning import Block, CleanedText, clean_scraped_text
from corpus.parsing import ParsedArticle, ParsedAuthor, ParseError, parse_article

__all__ = [
    "Document",
    "ExtractError",
    "Format",
    "explain",
    "extract_html",
    "parse_document",
    "read_document",
    "sniff_format",
]

Format = Literal["html", "markdown", "text"]

# How long trafilatura may take over one page before it is given up.
HTML_TIMEOUT_SECONDS = 5.0
MIN_BODY_WORDS = 5
# Main text this short that asks to log in is a login page.
LOGIN_PAGE_WORDS = 150
# A page of this many links whose text is most of the main text is an index page.
INDEX_PAGE_LINKS = 20
INDEX_PAGE_WORDS = 400
INDEX_LINK_SHARE = 0.8

_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAGS = re.compile(
    r"<(?:p|div|span|a|br|li|h[1-6]|script|meta|link|table)\b[^>]*>", re.IGNORECASE
)
_MARKDOWN_SIGNS = re.compile(
    r"^(?:#{1,6}\s+\S|\s{0,3}[-*+]\s+\S|\s{0,3}>\s|```|\s{0,3}\d+\.\s+\S)"
    r"|\[[^\]\n]+\]\([^)\s]+\)|\*\*[^*\n]+\*\*",
    re.MULTILINE,
)
_URL_LINE = re.compile(
    r"^(?:(?:source|url|original(?:ly\s+published)?(?:\s+at)?)\s*:?\s*)?"
    r"(https?://\S+)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&)\s*")
_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•-]\s+")
_PASSWORD_FIELD = re.compile(r"<input\b[^>]*type\s*=\s*[\"']?password", re.IGNORECASE)
_LOGIN_WORDS = re.compile(
    r"\b(?:log\s*in|sign\s*in|password|forgot|username)\b", re.IGNORECASE
)
_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre")


class ExtractError(ValueError):
    """The document holds no article text; the message is shown to the editor."""


@dataclass(frozen=True)
class Document:
    """A file read for the parser: its text, its format and the page's metadata."""

    text: str
    format: Format
    title: str = ""
    authors: tuple[str, ...] = ()
    date: datetime.date | None = None
    # A year the page gives without a full date; better than the parser's guess.
    year: int | None = None
    publication: str = ""
    source_url: str = ""
    # Each block the cleaner looked at, with its decision and reason.
    blocks: tuple[Block, ...] = ()

    @property
    def dropped(self) -> list[Block]:
        """Blocks left out as page furniture (title and byline are read, not lost)."""
        return CleanedText(text=self.text, blocks=self.blocks).dropped


def sniff_format(text: str, *, name: str = "") -> Format:
    """HTML, Markdown or text, by content first and by file name after."""
    head = text[:4096]
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 5:
        return "html"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("html", "htm") and _HTML_TAGS.search(head):
        return "html"
    if suffix in ("md", "markdown"):
        return "markdown"
    return "text"


def read_document(
    text: str,
    *,
    name: str = "",
    url: str = "",
    restore: frozenset[int] = frozenset(),
    furniture: frozenset[str] = frozenset(),
) -> Document:
    """Read a file's text (or a fetched page's HTML) in whatever format it is.

    ``restore`` holds the indexes of blocks the cleaner dropped that an editor
    wants kept (see ``Document.dropped``); ``furniture`` the short lines other
    files of the run share (``corpus.cleaning.shared_furniture``).
    """
    kind = sniff_format(text, name=name)
    if kind == "html":
        return extract_html(text, url=url)
    if kind == "markdown":
        rendered = MarkdownIt("commonmark").render(text)
        return Document(text=_html_blocks(rendered), format="markdown", source_url=url)
    cleaned = clean_scraped_text(text, restore=restore, furniture=furniture)
    return Document(
        text=cleaned.text,
        format="text",
        title=cleaned.title,
        date=cleaned.date,
        year=cleaned.year,
        source_url=url or _url_line(text),
        blocks=cleaned.blocks,
    )


def parse_document(document: Document) -> ParsedArticle:
    """Parse the document's text; the page's metadata fills what the text lacks."""
    if not document.text.strip():
        raise ParseError("no article body found")
    parsed = parse_article(document.text)
    changes: dict[str, object] = {}
    if document.title:
        changes.update(title=document.title, title_derived=False)
    if document.authors and not parsed.authors:
        changes["authors"] = tuple(
            ParsedAuthor(name=name, bio="") for name in document.authors
        )
    if document.date and not parsed.date:
        changes.update(date=document.date, year=document.date.year)
        changes["date_estimated"] = False
    elif document.year and not parsed.date and parsed.year != document.year:
        changes.update(year=document.year, date_estimated=True)
    if document.publication and not parsed.publication:
        changes["publication"] = document.publication
    if document.source_url:
        changes["source_url"] = document.source_url
    # The parser may read the headline again as the first paragraph.
    paragraphs = parsed.paragraphs
    repeated = bool(paragraphs) and _same(paragraphs[0].text, document.title)
    if len(paragraphs) > 1 and repeated:
        changes["paragraphs"] = paragraphs[1:]
    return dataclasses.replace(parsed, **changes) if changes else parsed


def explain(document: Document, parsed: ParsedArticle | None) -> list[str]:
    """Every block with the decision taken on it and why, then what was read."""
    lines = [f"format: {document.format}"]
    if document.blocks:
        for block in document.blocks:
            mark = "keep" if block.kept else "drop"
            lines.append(f"{mark:<4}  {block.reason:<36}  {block.text[:100]}")
    else:
        # trafilatura reports only what it kept; the rest of the markup is gone.
        lines.extend(
            f"keep  {'main text (' + document.format + ')':<36}  {text[:100]}"
            for text in document.text.split("\n\n")
            if text.strip()
        )
    if parsed is not None:
        authors = ", ".join(author.name for author in parsed.authors) or "-"
        lines += [
            f"title: {parsed.title}",
            f"authors: {authors}",
            f"date: {parsed.date or '-'}  year: {parsed.year or '-'}"
            + (" (estimated)" if parsed.date_estimated else ""),
            f"publication: {parsed.publication or '-'}",
            f"source URL: {parsed.source_url or '-'}",
            f"paragraphs: {len(parsed.paragraphs)}  references: "
            f"{len(parsed.references)}",
        ]
    return lines


def extract_html(html: str, *, url: str = "") -> Document:
    """The main text of an HTML page: title first, then blank-line separated blocks."""
    document = _bare_extraction(html, url=url)
    body = (getattr(document, "text", None) or "").strip() if document else ""
    refusal = _refusal(html, body=body)
    if refusal:
        raise ExtractError(refusal)
    site = " ".join((document.sitename or "").split())
    title = _strip_site_name(" ".join((document.title or "").split()), site=site)
    blocks = [line.strip() for line in body.splitlines() if line.strip()]
    if title and blocks and not _same(blocks[0], title):
        blocks.insert(0, title)
    authors = tuple(
        name.strip()
        for name in _AUTHOR_SPLIT.split(document.author or "")
        if name.strip() and not _same(name, site)
    )
    return Document(
        text="\n\n".join(blocks),
        format="html",
        title=title,
        authors=authors,
        date=_parse_iso_date(document.date),
        publication=_publication(site, hostname=document.hostname or ""),
        # A page fetched from an address keeps that (normalised) address, so the
        # same address is recognised next time; a file falls back to its canonical.
        source_url=_web_url(url) or _web_url(document.url or ""),
    )


def _bare_extraction(html: str, *, url: str) -> object:
    """trafilatura's reading of the page, given up after the timeout."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["document"] = trafilatura.bare_extraction(
                html,
                url=url or None,
                with_metadata=True,
                include_comments=False,
                include_tables=True,
                include_images=False,
                include_links=False,
            )
        except (ValueError, TypeError, AttributeError) as error:
            outcome["error"] = error

    # A thread that overruns is left to finish on its own; the page is skipped.
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HTML_TIMEOUT_SECONDS)
    if worker.is_alive():
        raise ExtractError(
            f"the HTML page took longer than {HTML_TIMEOUT_SECONDS:g} s to read"
        )
    if "error" in outcome:
        raise ExtractError(f"the HTML could not be read ({outcome['error']})")
    return outcome.get("document")


def _refusal(html: str, *, body: str) -> str:
    """Why a page is no article (a login form, an index of links), or ""."""
    words = len(body.split())
    if words < LOGIN_PAGE_WORDS and len(_LOGIN_WORDS.findall(body)) >= 2:
        return "a login page, not an article"
    if words < MIN_BODY_WORDS and _PASSWORD_FIELD.search(html):
        return "a login page, not an article"
    if words < INDEX_PAGE_WORDS and _is_link_list(html, body=body):
        return "an index page of links, with no article body"
    if words < MIN_BODY_WORDS:
        return "the HTML page has no body text"
    return ""


def _is_link_list(html: str, *, body: str) -> bool:
    """Whether the main text is mostly the texts of the page's links."""
    try:
        root = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return False
    links = {_key(link.text_content()) for link in root.iter("a")}
    links.discard("")
    lines = [_key(line) for line in body.splitlines() if _key(line)]
    if len(links) < INDEX_PAGE_LINKS or not lines:
        return False
    linked = sum(1 for line in lines if line.lstrip("-") in links or line in links)
    return linked >= len(lines) * INDEX_LINK_SHARE


def _html_blocks(html: str) -> str:
    """Blocks of rendered Markdown, one a paragraph, headings on their own line."""
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    blocks = []
    for element in root.iter(*_BLOCK_TAGS):
        if element.tag in ("li", "blockquote") and element.find(".//p") is not None:
            continue
        text = " ".join(element.text_content().split())
        if text:
            blocks.append(text)
    return "\n\n".join(blocks)


def _strip_site_name(title: str, *, site: str) -> str:
    """ "Headline | Site" -> "Headline", when the tail is the site's name."""
    separators = list(_TITLE_SEPARATOR.finditer(title))
    if not separators or not _key(site):
        return title
    last = separators[-1]
    tail, site_key = _key(title[last.end() :]), _key(site)
    if tail and (tail in site_key or site_key in tail):
        return title[: last.start()].strip()
    return title


def _publication(site: str, *, hostname: str) -> str:
    # trafilatura falls back to a capitalised host label ("Nj") when a page names
    # no site; that is no publication name.
    if not site or (_key(site) == _key(hostname.split(".")[0]) and site.istitle()):
        return ""
    return site[:200]


def _url_line(text: str) -> str:
    """A source URL written on a line of its own at the top or the bottom."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines[:3] + lines[-3:]:
        match = _URL_LINE.match(line)
        if match:
            return _web_url(match.group(1).rstrip(".,)"))
    return ""


def _web_url(url: str) -> str:
    parts = urlsplit(url.strip())
    return (
        url.strip()[:1000] if parts.scheme in ("http", "https") and parts.netloc else ""
    )


def _parse_iso_date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _key(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())


def _same(a: str, b: str) -> bool:
    return bool(_key(a)) and _key(a) == _key(b)
