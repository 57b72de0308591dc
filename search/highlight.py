"""Safe HTML snippets: the paragraph text HTML-escaped, with the words the query
matched (compared after the index's own analysis, so "sanctions" marks
"sanction") wrapped in ``<mark>``."""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Collection, Sequence

from corpus.text import WORD_RE, normalise_word, word_cache

MAX_FRAGMENTS = 3
MAX_SNIPPET_CHARS = 480
MAX_FRAGMENT_CHARS = 260
ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
# A full stop after these ends an abbreviation, not a sentence: initials and dotted
# acronyms ("U.S.", "J."), and common titles and short forms.
_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.)+|\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Gen|Col|Lt|Maj|Capt|Sgt|"
    r"Gov|Sen|Rep|Pres|Amb|Rev|Hon|No|Vol|pp|vs|etc|approx|Inc|Ltd|Co|Corp|Jan|Feb|"
    r"Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.)$"
)


def _matches(
    text: str, terms: Collection[str], prefixes: Sequence[str]
) -> list[tuple[int, int, str]]:
    """(start, end, term) of every word of ``text`` the query matched."""
    if not terms and not prefixes:
        return []
    found: list[tuple[int, int, str]] = []
    starts = tuple(prefixes)
    cache = word_cache()
    for match in WORD_RE.finditer(text):
        word = match.group()
        try:
            term = cache[word]
        except KeyError:
            term = normalise_word(word)
        if term is not None and (term in terms or (starts and term.startswith(starts))):
            found.append((match.start(), match.end(), term))
    return found


def _marked(
    text: str, matches: Sequence[tuple[int, int, str]], start: int, end: int
) -> str:
    out: list[str] = []
    cursor = start
    for word_start, word_end, _term in matches:
        if word_start < start or word_end > end:
            continue
        out.append(html.escape(text[cursor:word_start]))
        out.append("<mark>" + html.escape(text[word_start:word_end]) + "</mark>")
        cursor = word_end
    out.append(html.escape(text[cursor:end]))
    return "".join(out)


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
    return _marked(text, _matches(text, terms, prefixes), start, end)


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        if _ABBREVIATION.search(text, max(begin, match.start() - 12), match.start()):
            continue
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
    matches = _matches(text, terms, prefixes)
    starts = [m[0] for m in matches]
    scored = []
    for index, (start, end) in enumerate(sentences):
        found = matches[bisect_left(starts, start) : bisect_left(starts, end)]
        distinct = len({t for _a, _b, t in found})
        if distinct:
            scored.append((-distinct, -len(found), index, found[0][0]))
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
        body = _marked(text, matches, left, right)
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
