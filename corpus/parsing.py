"""Turn the raw text of a scraped analysis article into a `ParsedArticle`.

Pure functions over strings: no database, no Django. Scraped pages carry site
chrome (section labels, repeated headlines, share widgets, photo credits,
"Similar Articles" trailers), pull quotes that repeat body sentences, footnote
markers, and an author bio at the end. The parser keeps the article and its
metadata and drops the rest; bylines, bios and dates are read by
``corpus.bylines``.
"""

from __future__ import annotations

import datetime
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from corpus.bylines import (
    DATE,
    DATE_LINE,
    SENTENCE_END,
    ParsedAuthor,
    find_date,
    merge_authors,
    parse_date,
    read_bio,
    read_byline,
    read_publication_note,
)
from corpus.text import analyze

__all__ = [
    "SHARE_WIDGET_LINE",
    "ParseError",
    "ParsedArticle",
    "ParsedAuthor",
    "ParsedParagraph",
    "derive_title",
    "find_date",
    "parse_article",
]


class ParseError(ValueError):
    """Raised when text holds no usable article (e.g. no body paragraphs)."""


@dataclass(frozen=True)
class ParsedParagraph:
    text: str
    heading: str


@dataclass(frozen=True)
class ParsedArticle:
    title: str
    title_derived: bool
    dek: str
    section: str
    authors: tuple[ParsedAuthor, ...]
    publication: str
    date: datetime.date | None
    year: int | None
    date_estimated: bool
    paragraphs: tuple[ParsedParagraph, ...]
    references: tuple[str, ...]
    source_url: str


@dataclass(frozen=True)
class _Line:
    text: str
    # Set when a share widget followed the line: sites put those under pull quotes.
    quote_hint: bool = False


@dataclass(frozen=True)
class _Header:
    title: str
    section: str
    dek: str
    end: int


@dataclass(frozen=True)
class _Block:
    text: str
    is_heading: bool
    quote_hint: bool


@dataclass(frozen=True)
class _Extracted:
    lines: list[_Line]
    references: list[str]
    byline: list[str]
    publication: str
    date: datetime.date | None
    source_url: str


# Longer inputs are cut here: no article is this long, and every later step
# stays linear in what is left.
_MAX_CHARS = 10_000_000

# The header (labels, headline, dek) is looked for only among the first lines.
_HEADER_WINDOW = 12
_BYLINE_WINDOW = 15
# Lines (footnotes aside) at the end where outlet notes and bios may sit.
_TAIL_WINDOW = 6
_MAX_TITLE_WORDS = 20
_MAX_HEADING_WORDS = 15
_MAX_SECTION_WORDS = 6
_MAX_DEK_WORDS = 25
# A dek found between two copies of the headline may run a little longer.
_MAX_SANDWICHED_DEK_WORDS = 40
# How close below a dek the repeated headline (often an image caption) must be.
_DEK_GAP = 2
_MAX_BIO_PARAGRAPHS = 4

_PULL_QUOTE_MIN_TOKENS = 6
# A short heading may share its words with a paragraph by chance; a long one
# that does is a pull quote without a full stop.
_PULL_QUOTE_MIN_HEADING_TOKENS = 8
_PULL_QUOTE_MAX_TOKENS = 60
_PULL_QUOTE_COVERAGE = 0.8
_PULL_QUOTE_HINTED_COVERAGE = 0.6
# The share of its words a pull quote marked by a widget must find, in any order,
# in one longer paragraph.
_PARAPHRASE_COVERAGE = 0.75
_MAX_TRIPLE_OWNERS = 16
_MAX_SOURCES_TRIED = 6

# Every white space that is not a line break becomes a plain space.
_SPACE_LIKE = re.compile(r"[\t\x1f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\ufeff\u200b\u2060\u00ad]")

_SPACES = re.compile(r"\s+")
_SPACE_RUN = re.compile(r" {2,}")
_FOOTNOTE = (
    r"\[(?:\d{1,3}|(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})"
    r"(?:ix|iv|v?i{0,3}))\]"
)
_FOOTNOTE_MARKER = re.compile(r"[ \t]*" + _FOOTNOTE)
_REFERENCE_LINE = re.compile(_FOOTNOTE + r"\s*(?P<entry>\S.*)")
_NUMBERED_NOTE = re.compile(r"(?:\d{1,3}[.)]|" + _FOOTNOTE + r")\s+")

_SHARE_TARGET = (
    r"share\s+(?:on|to|via)\s+"
    r"(?:twitter|facebook|linkedin|reddit|whatsapp|telegram|pinterest|e-?mail"
    r"|bluesky|x)(?-i:(?![a-z]))"
)
_SHARE_PREFIX = re.compile(rf"(?:{_SHARE_TARGET}[\s|,·•]*)+", re.IGNORECASE)
_SHARE_SUFFIX = re.compile(
    rf"(?<=[.!?”\"’])(?:\s*(?:{_SHARE_TARGET}|click\s+to\s+tweet))+\s*$",
    re.IGNORECASE,
)
# A line that is only a share widget: "Click to tweet", "* Twitter * Facebook",
# "Share this quote". Sites put one under a pull quote.
_WIDGET_WORD = (
    r"(?:share(?:\s+(?:this|on|to|via))?(?:\s+(?:quote|article|story|post))?"
    r"|click\s+to\s+(?:tweet|share)|tweet(?:\s+this)?|twitter|facebook|linkedin"
    r"|reddit|whatsapp|telegram|pinterest|bluesky|e-?mail|copy\s+link|x)"
)
SHARE_WIDGET_LINE = re.compile(
    rf"[*•·|]?\s*{_WIDGET_WORD}(?:[\s|,·•*:]+{_WIDGET_WORD})*\s*:?", re.IGNORECASE
)
_BOILERPLATE_LINE = re.compile(
    r"(?:recent\s+features|search\s+the\s+site\s+for\s+posts\s+and\s+pages"
    r"|advertisement|share(?:\s+this(?:\s+article)?)?|tweet|print|click\s+to\s+tweet"
    r"|(?:photo|image|picture|header\s+image)(?:\s+credits?)?:.*"
    r"|credits?:.*)\s*:?",
    re.IGNORECASE,
)
_TRAILER_LINE = re.compile(
    r"(?:similar|related|recommended|more)\s+(?:articles|posts|stories|reading)"
    r"|you\s+may\s+also\s+like|read\s+next",
    re.IGNORECASE,
)
_NOTES_HEADING = re.compile(
    r"(?:notes|end\s?notes|foot\s?notes|references|bibliography|works\s+cited):?",
    re.IGNORECASE,
)

_YEAR = re.compile(r"(?:19|20)\d\d")
# Years glued to other digits, letters or amounts ("1,2019", "2019.5", "2000s").
_NOT_BEFORE_YEAR = frozenset("$£€.,_")
_NOT_AFTER_YEAR = re.compile(r"\w|[.,]\d")
_URL = re.compile(r"https?://\S+")
_LIST_ITEM = re.compile(r"[-•*]\s+(?=\S)")


_SOURCE_LINE = re.compile(
    r"(?P<label>(?:source|original(?:ly\s+published)?(?:\s+at)?|url|read\s+more\s+at)"
    r":?\s+)?"
    r"(?P<url>https?://\S+)",
    re.IGNORECASE,
)

_TOKEN = re.compile(r"\w+")
# A title or heading never ends like a sentence or a clause, but may ask.
_CLAUSE_END = ".:;,"
_SENTENCE_CLOSERS = '.!?:;,”"’)'
# fmt: off
_TITLE_STOPWORDS = frozenset({
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "but", "with",
    "by", "from", "as", "is", "are", "was", "were", "its", "their", "his", "her",
    "this", "that"
})
# fmt: on


def parse_article(text: str, *, today: datetime.date | None = None) -> ParsedArticle:
    """Parse raw article text; raise `ParseError` when no body paragraph is left."""
    today = today or datetime.date.today()
    extracted = _extract_metadata_lines(_clean_lines(text))
    header = _read_header(extracted.lines)
    blocks = _read_body(extracted.lines[header.end :])
    blocks, bio_authors = _split_bios(blocks)
    paragraphs = _to_paragraphs(_drop_pull_quotes(blocks))
    if not paragraphs:
        raise ParseError("no paragraphs found")

    title, title_derived = header.title, False
    if not title:
        title, title_derived = derive_title(paragraphs[0].text), True

    date = extracted.date
    year = date.year if date else None
    date_estimated = False
    if year is None:
        year = _latest_year((p.text for p in paragraphs), today=today)
        date_estimated = year is not None

    return ParsedArticle(
        title=title,
        title_derived=title_derived,
        dek=header.dek,
        section=header.section,
        authors=merge_authors(extracted.byline, bio_authors),
        publication=extracted.publication,
        date=date,
        year=year,
        date_estimated=date_estimated,
        paragraphs=paragraphs,
        references=tuple(extracted.references),
        source_url=extracted.source_url,
    )


def derive_title(text: str, *, max_words: int = 12) -> str:
    """Return a short title built from the opening sentence of `text`."""
    text = _strip_markers(_normalise_characters(text))
    if not text:
        return ""
    sentence = SENTENCE_END.split(text, maxsplit=1)[0]
    words = sentence.split()
    if len(words) <= max_words:
        return sentence.rstrip(" .;:,")
    kept = words[:max_words]
    rest = words[max_words:]
    # A cut never splits a name ("Central | Asia"): a short name is finished, a long
    # one is left out.
    if _capitalised(kept[-1]) and _capitalised(rest[0]):
        run = list(itertools.takewhile(_capitalised, rest))
        if len(run) <= _NAME_SLACK:
            kept += run
        else:
            while len(kept) > 1 and _capitalised(kept[-1]):
                kept.pop()
    if len(kept) == len(words):
        return sentence.rstrip(" .;:,")
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _TITLE_STOPWORDS:
        kept.pop()
    return " ".join(kept).rstrip(" ,;:—–-") + "…"


# How many words past the limit a derived title may run to finish a name.
_NAME_SLACK = 3


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _clean_lines(text: str) -> list[_Line]:
    text = _normalise_characters(text[:_MAX_CHARS])
    lines: list[_Line] = []
    for raw in text.splitlines():
        line = _collapse_spaces(raw)
        widget = _SHARE_PREFIX.match(line)
        if widget:
            line = line[widget.end() :].lstrip()
            if lines:
                lines[-1] = _Line(lines[-1].text, quote_hint=True)
        hint = False
        lowered = line.casefold()
        suffix = (
            _SHARE_SUFFIX.search(line)
            if "share" in lowered or "tweet" in lowered
            else None
        )
        if suffix:
            line, hint = line[: suffix.start()].rstrip(), True
        if lines and line and SHARE_WIDGET_LINE.fullmatch(line):
            lines[-1] = _Line(lines[-1].text, quote_hint=True)
            continue
        if not line or _BOILERPLATE_LINE.fullmatch(line):
            continue
        if lines and _TRAILER_LINE.fullmatch(line):
            break
        if lines and _continues_previous(lines[-1].text, line):
            previous = lines.pop()
            line, hint = f"{previous.text} {line}", hint or previous.quote_hint
        lines.append(_Line(line, quote_hint=hint))
    return lines


def _continues_previous(previous: str, line: str) -> bool:
    # Hard-wrapped text: a line starting in lower case carries on the sentence.
    return (
        line[0].islower()
        and len(previous) >= 40
        and previous[-1] not in _SENTENCE_CLOSERS
    )


def _extract_metadata_lines(lines: list[_Line]) -> _Extracted:
    kept: list[_Line] = []
    references: list[str] = []
    byline: list[str] = []
    publication, date, source_url = "", None, ""
    in_notes = False
    is_reference = [_REFERENCE_LINE.fullmatch(line.text) for line in lines]
    tail_start = len(lines) - _TAIL_WINDOW - sum(1 for m in is_reference if m)
    for index, line in enumerate(lines):
        text = line.text
        reference = is_reference[index]
        if reference:
            references.append(reference.group("entry").strip())
            continue
        # Outlet notes sit above or below the article, never inside it.
        at_edge = index < _HEADER_WINDOW or index >= tail_start
        note = read_publication_note(text) if at_edge else None
        if note is not None:
            publication = publication or note[0]
            date = date or note[1]
            url = _URL.search(text)
            source_url = source_url or (url.group(0).rstrip(".,)") if url else "")
            continue
        source = _SOURCE_LINE.fullmatch(text)
        at_edge = index in (0, len(lines) - 1)
        if source and not in_notes and (source.group("label") or at_edge):
            source_url = source_url or source.group("url").rstrip(".,)")
            continue
        if index < _BYLINE_WINDOW and not _has_body(kept):
            names, byline_date = read_byline(text)
            if names:
                byline.extend(names)
                date = date or byline_date
                continue
            if DATE_LINE.fullmatch(text):
                date = date or parse_date(DATE.search(text))
                continue
        if in_notes and not read_bio(text):
            references.append(_NUMBERED_NOTE.sub("", text, count=1))
            continue
        if kept and _NOTES_HEADING.fullmatch(text):
            in_notes = True
            continue
        kept.append(line)
    return _Extracted(kept, references, byline, publication, date, source_url)


def _has_body(lines: list[_Line]) -> bool:
    return any(_word_count(line.text) > _MAX_TITLE_WORDS for line in lines)


def _read_header(lines: list[_Line]) -> _Header:
    """Find section label, headline and dek among the opening lines.

    Scraped pages open with short label and headline lines, often repeated
    (page title, breadcrumb, image caption); a sentence between two copies of
    a headline is the dek. The first line that is neither ends the header.
    """
    window = [line.text for line in lines[:_HEADER_WINDOW]]
    keys = [_key(text) for text in window]
    title_like = [_is_title_like(text) for text in window]
    end, dek_index = 0, -1
    while end < len(window):
        if not title_like[end]:
            # One dek at most: a second sentence between headlines is body text.
            if (
                dek_index >= 0
                or not _is_dek_shaped(window[end])
                or not _is_between_headlines(keys, title_like, end)
            ):
                break
            dek_index = end
        end += 1

    candidates = [i for i in range(end) if title_like[i]]
    if not candidates:
        return _Header(title="", section="", dek="", end=0)
    title_index = _choose_title(window, keys, candidates)
    title_key = keys[title_index]

    section = next(
        (
            window[i]
            for i in candidates
            if i < title_index and _word_count(window[i]) <= _MAX_SECTION_WORDS
        ),
        "",
    )
    last = max(i for i in range(end) if keys[i] == title_key)
    dek = ""
    if dek_index >= 0:
        dek, last = window[dek_index], max(last, dek_index)
    elif _looks_like_dek(window, last + 1):
        dek, last = window[last + 1], last + 1
    return _Header(
        title=_strip_markers(window[title_index]),
        section=_strip_markers(section),
        dek=_strip_markers(dek),
        end=last + 1,
    )


def _is_between_headlines(keys: list[str], title_like: list[bool], index: int) -> bool:
    """Whether a headline line seen above comes back right below `index`."""
    above = {key for key, short in zip(keys[:index], title_like, strict=False) if short}
    below = keys[index + 1 : index + 1 + _DEK_GAP]
    return any(key in above for key in below)


def _is_dek_shaped(text: str) -> bool:
    return (
        _word_count(text) <= _MAX_SANDWICHED_DEK_WORDS
        and len(SENTENCE_END.split(text, maxsplit=2)) <= 2
    )


def _choose_title(window: list[str], keys: list[str], candidates: list[int]) -> int:
    counts = Counter(keys[i] for i in candidates)
    first_at = {keys[i]: i for i in reversed(candidates)}
    # Section labels are short; headlines rarely are.
    headline_like = [k for k, i in first_at.items() if _word_count(window[i]) >= 4]
    if headline_like:
        best = max(headline_like, key=lambda k: (counts[k], -first_at[k]))
    else:
        best = max(first_at, key=lambda k: (counts[k], len(k)))
    return first_at[best]


def _looks_like_dek(window: list[str], index: int) -> bool:
    """A lone short sentence right under the headline, above a longer paragraph."""
    if index + 1 >= len(window):
        return False
    candidate, following = window[index], window[index + 1]
    words = _word_count(candidate)
    return (
        words <= _MAX_DEK_WORDS
        and candidate.endswith(".")
        and len(SENTENCE_END.split(candidate)) == 1
        and _FOOTNOTE_MARKER.search(candidate) is None
        and not _is_title_like(following)
        and _word_count(following) > words
    )


def _read_body(lines: list[_Line]) -> list[_Block]:
    blocks: list[_Block] = []
    for line in lines:
        text = _strip_markers(line.text)
        item = _LIST_ITEM.match(text)
        if item:
            # A list item is never a heading, however short.
            text = text[item.end() :]
        if text:
            blocks.append(
                _Block(
                    text=text,
                    is_heading=not item and _is_heading_like(text),
                    quote_hint=line.quote_hint,
                )
            )
    return blocks


def _split_bios(blocks: list[_Block]) -> tuple[list[_Block], list[ParsedAuthor]]:
    """Take author bio paragraphs off the end of the body."""
    authors: list[ParsedAuthor] = []
    end = len(blocks)
    while end and blocks[end - 1].is_heading:
        end -= 1
    peeled = 0
    while end > 1 and peeled < _MAX_BIO_PARAGRAPHS:
        block = blocks[end - 1]
        found = [] if block.is_heading else read_bio(block.text)
        if not found:
            break
        authors = found + authors
        end -= 1
        peeled += 1
        # An "About the author" style heading sits above the bios.
        while end and blocks[end - 1].is_heading:
            end -= 1
    return blocks[:end], authors


def _drop_pull_quotes(blocks: list[_Block]) -> list[_Block]:
    """Drop blocks whose words reappear, exactly or nearly, in a longer paragraph."""
    tokens = [_tokens(block.text) for block in blocks]
    joined = [f" {' '.join(words)} " for words in tokens]
    dropped: set[int] = set()
    first_seen: set[str] = set()
    for index, block in enumerate(blocks):
        if not block.is_heading:
            if joined[index] in first_seen:
                dropped.add(index)
            first_seen.add(joined[index])

    candidates = [
        index
        for index, block in enumerate(blocks)
        if index not in dropped
        and _PULL_QUOTE_MIN_TOKENS <= len(tokens[index]) <= _PULL_QUOTE_MAX_TOKENS
        and (
            not block.is_heading or len(tokens[index]) >= _PULL_QUOTE_MIN_HEADING_TOKENS
        )
    ]
    if not candidates:
        return [block for index, block in enumerate(blocks) if index not in dropped]

    shared = _shared_triples(candidates, blocks=blocks, tokens=tokens)
    sentences: dict[int, list[list[str]]] = {}
    for index in candidates:
        words = tokens[index]
        threshold = (
            _PULL_QUOTE_HINTED_COVERAGE
            if blocks[index].quote_hint
            else _PULL_QUOTE_COVERAGE
        )
        # Each inserted or changed word breaks up to three triples, so ask for
        # fewer shared triples than the word coverage wanted.
        needed = max(1, int((len(words) - 2) * threshold * 0.5))
        aligner = _Aligner(words, threshold=threshold)
        for source, count in shared[index].most_common(_MAX_SOURCES_TRIED):
            if count < needed:
                break
            if source in dropped or len(tokens[source]) <= len(words):
                continue
            if source not in sentences:
                sentences[source] = [
                    _tokens(sentence)
                    for sentence in SENTENCE_END.split(blocks[source].text)
                ]
            if joined[index] in joined[source] or aligner.is_within(sentences[source]):
                dropped.add(index)
                break
    dropped.update(_paraphrased_quotes(blocks, candidates=candidates, dropped=dropped))
    return [block for index, block in enumerate(blocks) if index not in dropped]


def _paraphrased_quotes(
    blocks: list[_Block], *, candidates: list[int], dropped: set[int]
) -> set[int]:
    """Short blocks a share widget marks whose words, in any order, another
    paragraph holds: a pull quote that rephrases the body."""
    hinted = [
        index
        for index in candidates
        if blocks[index].quote_hint and index not in dropped
    ]
    if not hinted:
        return set()
    terms = [set(analyze(block.text)) for block in blocks]
    found = set()
    for index in hinted:
        own = terms[index]
        for source, block in enumerate(blocks):
            if (
                source != index
                and source not in dropped
                and not block.is_heading
                and len(block.text) > len(blocks[index].text)
                and len(own & terms[source]) >= _PARAPHRASE_COVERAGE * len(own)
            ):
                found.add(index)
                break
    return found


def _shared_triples(
    candidates: list[int], *, blocks: list[_Block], tokens: list[list[str]]
) -> dict[int, Counter[int]]:
    """For each candidate, how many of its word triples each paragraph holds.

    Only the short candidates are indexed, so one pass over the words of the
    article finds every possible source.
    """
    wanted: dict[tuple[str, str, str], list[int]] = {}
    for index in candidates:
        words = tokens[index]
        for triple in set(zip(words, words[1:], words[2:], strict=False)):
            wanted.setdefault(triple, []).append(index)
    shortest = min(len(tokens[index]) for index in candidates)
    shared: dict[int, Counter[int]] = {index: Counter() for index in candidates}
    for source, words in enumerate(tokens):
        if blocks[source].is_heading or len(words) <= shortest:
            continue
        counted: set[tuple[str, str, str]] = set()
        for triple in zip(words, words[1:], words[2:], strict=False):
            owners = wanted.get(triple)
            # A triple shared by many candidates ("one of the") tells nothing.
            if owners and len(owners) <= _MAX_TRIPLE_OWNERS and triple not in counted:
                counted.add(triple)
                for owner in owners:
                    shared[owner][source] += 1
    return shared


class _Aligner:
    """Tells whether a few consecutive sentences cover most of a short text."""

    def __init__(self, words: list[str], *, threshold: float) -> None:
        self._words = words
        self._needed = threshold * len(words)
        self._limit = 2 * len(words) + 10
        # SequenceMatcher indexes its second sequence once; the candidate stays.
        self._matcher = SequenceMatcher(None, autojunk=False)
        self._matcher.set_seq2(words)

    def is_within(self, sentences: list[list[str]]) -> bool:
        for start in range(len(sentences)):
            window: list[str] = []
            for sentence in sentences[start : start + 3]:
                window = window + sentence
                if len(window) > self._limit:
                    break
                if self._covers(window):
                    return True
        return False

    def _covers(self, window: list[str]) -> bool:
        present = set(window)
        # No alignment can match more words than the window holds at all.
        if sum(word in present for word in self._words) < self._needed:
            return False
        self._matcher.set_seq1(window)
        blocks = self._matcher.get_matching_blocks()
        return sum(block.size for block in blocks) >= self._needed


def _to_paragraphs(blocks: list[_Block]) -> tuple[ParsedParagraph, ...]:
    paragraphs: list[ParsedParagraph] = []
    heading = ""
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        # A heading heads a paragraph; a run of short lines is a list, whose last
        # line may still head the paragraph below it.
        heads_text = following is None or not following.is_heading
        if block.is_heading and (heads_text or not _is_list_item(block.text)):
            heading = block.text
        else:
            paragraphs.append(ParsedParagraph(text=block.text, heading=heading))
    return tuple(paragraphs)


def _is_list_item(text: str) -> bool:
    return _word_count(text) >= _MIN_LIST_ITEM_WORDS


# A short line in a run of short lines is a list item when it has this many words;
# a shorter one ("Notes", "Background") is a heading over an empty section.
_MIN_LIST_ITEM_WORDS = 3


def _latest_year(texts: Iterable[str], *, today: datetime.date) -> int | None:
    latest: int | None = None
    for text in texts:
        text = _URL.sub(" ", text) if "://" in text else text
        for match in _YEAR.finditer(text):
            start, end = match.span()
            before = text[start - 1] if start else " "
            if before.isalnum() or before in _NOT_BEFORE_YEAR:
                continue
            if _NOT_AFTER_YEAR.match(text, end):
                continue
            year = int(match.group(0))
            if 1900 <= year <= today.year and (latest is None or year > latest):
                latest = year
    return latest


def _is_title_like(text: str) -> bool:
    if not text or len(text) > 200 or text[-1] in _CLAUSE_END:
        return False
    first = text.lstrip("“\"‘'(")[:1]
    if not first or not (first.isupper() or first.isdigit()):
        return False
    return _word_count(text) <= _MAX_TITLE_WORDS


def _is_heading_like(text: str) -> bool:
    # Unlike headlines, subheadings never end a question or exclamation.
    return (
        _is_title_like(text)
        and text[-1] not in "?!"
        and _word_count(text) <= _MAX_HEADING_WORDS
    )


def _normalise_characters(text: str) -> str:
    text = _SPACE_LIKE.sub(" ", unicodedata.normalize("NFC", text))
    return _INVISIBLE.sub("", text)


def _strip_markers(text: str) -> str:
    if "[" in text:
        text = _FOOTNOTE_MARKER.sub("", text)
    return _collapse_spaces(text)


def _collapse_spaces(text: str) -> str:
    # Checked first: the substitution is slow on long lines that need none.
    return (_SPACE_RUN.sub(" ", text) if "  " in text else text).strip()


def _key(text: str) -> str:
    if "[" in text:
        text = _FOOTNOTE_MARKER.sub("", text)
    return " ".join(_tokens(text))


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.casefold())


def _word_count(text: str) -> int:
    return text.count(" ") + 1 if text else 0
