"""Safe HTML snippets: the paragraph text HTML-escaped, with the words the query
matched (compared after the index's own analysis, so "sanctions" marks
"sanction") wrapped in ``<mark>``."""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence

from search.engine_schema import word_spans

MAX_FRAGMENTS = 3
MAX_SNIPPET_CHARS = 480
MAX_FRAGMENT_CHARS = 260
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def _is_match(
    term: str | None, terms: Collection[str], prefixes: Sequence[str]
) -> bool:
    if term is None:
        return False
    return term in terms or any(term.startswith(p) for p in prefixes)


def mark_text(
    text: str,
    *,
    terms: Collection[str],
    prefixes: Sequence[str] = (),
    start: int = 0,
    end: int | None = None,
) -> str:
    """``text[start:end]`` escaped, with matching words in <mark>."""
    end = len(text) if end is None else end
    out: list[str] = []
    cursor = start
    if terms or prefixes:
        for word_start, word_end, term in word_spans(text[start:end]):
            if _is_match(term, terms, prefixes):
                out.append(html.escape(text[cursor : start + word_start]))
                out.append(
                    "<mark>"
                    + html.escape(text[start + word_start : start + word_end])
                    + "</mark>"
                )
                cursor = start + word_end
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((begin, match.start()))
        begin = match.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _trim(
    text: str, start: int, end: int, focus: int | None
) -> tuple[int, int, bool, bool]:
    """Cut a long sentence to about MAX_FRAGMENT_CHARS around ``focus``, at spaces."""
    if end - start <= MAX_FRAGMENT_CHARS:
        return start, end, False, False
    focus = start if focus is None else focus
    left = max(start, focus - MAX_FRAGMENT_CHARS // 3)
    right = min(end, left + MAX_FRAGMENT_CHARS)
    if left > start:
        space = text.find(" ", left, focus if focus > left else right)
        left = space + 1 if space != -1 else left
    if right < end:
        space = text.rfind(" ", left, right)
        right = space if space > left else right
    return left, right, left > start, right < end


def snippet(
    text: str,
    *,
    terms: Collection[str],
    prefixes: Sequence[str] = (),
    max_fragments: int = MAX_FRAGMENTS,
) -> str:
    """Up to ``max_fragments`` sentences that best match, in text order, joined by
    an ellipsis; the opening of the paragraph when nothing in it matched."""
    sentences = _sentences(text)
    if not sentences:
        return ""
    scored = []
    for index, (start, end) in enumerate(sentences):
        found = [
            (a, t)
            for a, _b, t in word_spans(text[start:end])
            if _is_match(t, terms, prefixes)
        ]
        distinct = len({t for _a, t in found})
        if distinct:
            scored.append((-distinct, -len(found), index, start + found[0][0]))
    if not scored:
        start, end = sentences[0]
        left, right, _cut_left, cut_right = _trim(text, start, end, None)
        body = html.escape(text[left:right])
        more = cut_right or len(sentences) > 1
        return body + (f" {ELLIPSIS}" if more else "")
    chosen = sorted(scored)[:max_fragments]
    chosen.sort(key=lambda item: item[2])
    parts: list[str] = []
    used = 0
    previous = -1
    for _distinct, _count, index, focus in chosen:
        start, end = sentences[index]
        left, right, cut_left, cut_right = _trim(text, start, end, focus)
        if used and used + (right - left) > MAX_SNIPPET_CHARS:
            break
        body = mark_text(text, terms=terms, prefixes=prefixes, start=left, end=right)
        if cut_left:
            body = f"{ELLIPSIS}{body}"
        if cut_right:
            body = f"{body}{ELLIPSIS}"
        gap = index != previous + 1 if parts else index > 0
        if gap and not body.startswith(ELLIPSIS):
            body = f"{ELLIPSIS} {body}"
        parts.append(body)
        used += right - left
        previous = index
    if previous < len(sentences) - 1 and not parts[-1].endswith(ELLIPSIS):
        parts[-1] = f"{parts[-1]} {ELLIPSIS}"
    return " ".join(parts)
