"""Scraped page text -> the article's lines, with every dropped block and its reason.

A naive scraper turns the whole page into text: menus, share links, cookie notices,
"related" lists and footers come with the article. The cleaner scores each line on
signals that hold on any site (length, stopword density, punctuation, list markers,
boilerplate vocabulary), takes the densest run of body lines as the article, and keeps
a short header above it (title, byline, date) and the notes below it.

Text that is already clean (its body starts within the first few lines and nothing
around it scores as page furniture) comes back unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime
import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import htmldate
import justext

from corpus.headline import choose_headline, content_words, is_credit
from corpus.page_lines import (
    MIN_BODY_WORDS,
    PageLine,
    is_glued_teaser,
    mark_captions,
    mark_kicker_teasers,
    mark_menu_runs,
)
from corpus.parsing import SHARE_WIDGET_LINE, find_date

__all__ = [
    "Block",
    "CleanedText",
    "clean_scraped_text",
    "copyright_year",
    "shared_furniture",
]

# A line this long that names one furniture word ("Twitter") may be a headline.
PASSING_MENTION_WORDS = 6
# A line of body text is written in sentences: this share of stopwords at least.
MIN_STOPWORD_DENSITY = 0.22
# What each body line costs in the run score: teaser lists of short paragraphs
# must not outweigh an article of long ones.
BODY_LINE_COST = 10
# Lines above the body that may hold the title, the byline and the date.
HEADER_LINES = 40
# How many lines may open a clean text before its body (labels, title, dek).
CLEAN_LEAD_LINES = 14
# A line of body text longer than this is a paragraph, not a headline.
MAX_TITLE_WORDS = 20
# Body lines above a "Comments" line for it to end the article, not a share bar's.
MIN_LINES_BEFORE_COMMENTS = 3
# How far into the body's run a byline or date may stand, under a caption or a
# dek that the run took in.
OPENING_LINES = 4
# A last sentence of the body this long at least joins it, and a list the body
# introduces with a colon, of so many entries at least.
MIN_CLOSING_WORDS = 8
MIN_LIST_ENTRIES = 2
# A bullet inside the body this long that reads as a phrase is the body's list.
MIN_CONTENT_BULLET_WORDS = 4
# How many lines into the body's run its headline may be (a run can take it in).
HEADLINE_REACH = 2
# How close above the body its byline or date stands.
CREDIT_LINES = 4
# How many times heavier a part after a trailer must be to be the article.
LATER_PART_ADVANTAGE = 3
# How many pages of a run must share a short line for it to be furniture.
MIN_PAGES = 2
# A short line seen this often on one page is a widget, not the article's.
MIN_REPEATS = 4
# A paragraph-free run this long inside the body ends it.
MAX_GAP_LINES = 25

_BYLINE = re.compile(r"^(?:by|von|par|por|door|di)\s+[^\W\d_]", re.IGNORECASE)
# What follows the names in a byline: an outlet, a date, a role.
_BYLINE_CUT = re.compile(
    r"\s+(?:[|•·]|[-–—]\s|\bon\s+(?=\w+\s+\d)|\bpublished\b|\bupdated\b)|,\s+(?=\w+\s+\d{1,2},\s+\d{4})|\s+(?=(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d)",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(
    r"\b(?:published|posted|updated|released|date|publi[ée]|publicado|veröffentlicht"
    r"|publiziert)\b",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_CELL_GAP = re.compile(r"\s{4,}")
# "o" is the marker of a nested list in text saved from a browser.
_BULLET = re.compile(r"^(?:[*+•·▪►–-]|o(?=\s+[^\W\d_])|\d{1,3}[.)])\s+")
_LIST_MARKER = re.compile(r"^[*+•·▪►]\s*$")
_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_SENTENCE_PUNCTUATION = re.compile(r"[.!?…:;,。、，！？]")
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# Outside a notes section only bracketed markers are footnotes: "1." opens lists.
_FOOTNOTE_LINE = re.compile(
    r"^(?:\[(?:\d{1,3}|[ivxlcdm]{1,6})\]|\^)\s*\S", re.IGNORECASE
)
_NOTES_HEADING = re.compile(
    r"^(?:notes|end\s?notes|foot\s?notes|references|sources|bibliography"
    r"|works\s+cited)\s*:?$",
    re.IGNORECASE,
)

# Words and phrases of page furniture, in any site's menus, widgets and footers.
_BOILERPLATE = re.compile(
    r"\b(?:cookies?|privacy\s+(?:policy|notice|settings)|terms\s+(?:of\s+(?:use|service)"
    r"|and\s+conditions)|all\s+rights\s+reserved|copyright|subscribe|subscription"
    r"|sign(?:ed)?\s+(?:in|up)|log\s*in|newsletter|advertis(?:e|ement|ing)|sponsored"
    r"|share\s+(?:this|on|via)|follow\s+us|skip\s+to|read\s+more|continue\s+reading"
    r"|related\s+(?:articles|stories|posts|content|topics)|recommended"
    r"|most\s+(?:read|popular|viewed)|trending|you\s+may\s+also\s+like"
    r"|more\s+(?:from|stories|articles|on)|comments?|leave\s+a\s+reply|contact\s+us"
    r"|about\s+us|back\s+to\s+top|loading|javascript|your\s+browser|click\s+here"
    r"|download\s+(?:the|our)\s+app|tip\s+for\s+us|whatsapp|facebook|twitter"
    r"|linkedin|instagram|pinterest|reddit|youtube|telegram|e-?mail\s+(?:this|us))\b"
    r"|©|\(c\)\s*\d{4}|^(?:photo|image|picture|credit|caption)s?\b\s*:?",
    re.IGNORECASE,
)
# A block that, once the article has begun, starts what comes after it.
_TRAILER = re.compile(
    r"^(?:#+\s*)?(?:(?:similar|related|recommended|more|other|popular|latest|top)"
    r"\s+(?:articles|posts|stories|reading|news|content|coverage|videos?)"
    r"|you\s+(?:may|might)\s+also\s+(?:like|enjoy)|read\s+next|what\s+to\s+read\s+next"
    r"|more\s+(?:from|on|in)\s+.{1,40}|most\s+(?:read|popular|viewed)"
    r"|trending(?:\s+now)?)\s*:?$",
    re.IGNORECASE,
)
# Readers' comments: once the article has begun, nothing after them is the article.
_COMMENTS = re.compile(
    r"^(?:#+\s*)?(?:(?:\d+\s+)?comments?|leave\s+a\s+(?:reply|comment)"
    r"|\d+\s+(?:responses?|comments?|replies)\b.{0,120}"
    r"|join\s+the\s+(?:discussion|conversation)|(?:show|view|load)\s+comments)\s*:?$",
    re.IGNORECASE,
)


_READ_INTO_METADATA = frozenset({"title", "byline"})
_RESTORED = "restored by the editor"
_ACROSS_PAGES = "repeated across pages"
_SHARE_WIDGET = "share widget (marks a pull quote)"
_LIST_ENTRY = "an entry of a list the body introduces"


@dataclass(frozen=True)
class Block:
    """One line of the input with the cleaner's decision."""

    text: str
    kept: bool
    reason: str
    # The block's place among the text's non-blank lines; ``restore`` takes it.
    index: int = 0


@dataclass(frozen=True)
class CleanedText:
    text: str
    blocks: tuple[Block, ...] = field(default=())
    changed: bool = False
    # Read from the page header when the text was cleaned.
    title: str = ""
    date: datetime.date | None = None
    year: int | None = None

    @property
    def dropped(self) -> list[Block]:
        """Blocks left out of the article (the title and byline are read, not lost)."""
        return [
            block
            for block in self.blocks
            if not block.kept and block.reason not in _READ_INTO_METADATA
        ]


@cache
def _stoplists() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """Every jusText stoplist, and for each stopword the languages that have it."""
    stoplists = {
        language: frozenset(justext.get_stoplist(language))
        for language in justext.get_stoplists()
    }
    languages: dict[str, list[str]] = {}
    for language, words in stoplists.items():
        for word in words:
            languages.setdefault(word, []).append(language)
    return stoplists, {word: tuple(names) for word, names in languages.items()}


def _stopwords_for(lines: list[str]) -> frozenset[str]:
    """The stoplist of the text's language: the one its words hit most often."""
    stoplists, languages = _stoplists()
    hits: Counter[str] = Counter()
    for line in lines[:400]:
        for word in _WORD.findall(line):
            hits.update(languages.get(word.casefold(), ()))
    if not hits:
        return stoplists.get("English", frozenset())
    return stoplists[hits.most_common(1)[0][0]]


def _read_line(raw: str, *, stops: frozenset[str]) -> PageLine:
    stripped = " ".join(raw.split())
    bullet = bool(_BULLET.match(stripped)) or bool(_LIST_MARKER.match(stripped))
    text = _BULLET.sub("", stripped, count=1) if bullet else stripped
    words = _WORD.findall(text)
    count = len(words)
    density = sum(word.casefold() in stops for word in words) / count if count else 0
    ideographs = len(_IDEOGRAPH.findall(text))
    if ideographs:
        # Scripts written without spaces: about two characters a word, and no
        # stoplist to go by.
        count = max(count, ideographs // 2)
        density = 1.0
    punctuated = bool(_SENTENCE_PUNCTUATION.search(text))
    body = (
        count >= MIN_BODY_WORDS
        and density >= MIN_STOPWORD_DENSITY
        and punctuated
        and not (bullet and count < 2 * MIN_BODY_WORDS)
    )
    junk, passing = "", False
    if not count:
        junk = "no words"
    elif _is_boilerplate(text, words=count):
        junk = "page furniture (boilerplate words)"
        passing = (
            count >= PASSING_MENTION_WORDS and len(_BOILERPLATE.findall(text)) == 1
        )
    elif bullet and count < MIN_BODY_WORDS:
        junk = "menu or list link"
    elif is_glued_teaser(text):
        junk = "teaser (a headline run into its summary)"
    return PageLine(raw, text, count, bullet, body and not junk, junk, passing)


def _mark_repeated(
    lines: list[PageLine], *, furniture: frozenset[str]
) -> list[PageLine]:
    """Short lines the page repeats ("Reply", "Share", a timestamp) are furniture,
    and so are those other pages of the same run repeat (menus, footers)."""
    counts = Counter(_shape(line.text) for line in lines if line.words < 8)
    marked = []
    for line in lines:
        shape = _shape(line.text)
        if not line.junk and line.words < 8 and counts[shape] >= MIN_REPEATS:
            line = dataclasses.replace(line, body=False, junk="repeated on the page")
        elif not line.junk and line.words < MIN_BODY_WORDS and shape in furniture:
            line = dataclasses.replace(line, body=False, junk=_ACROSS_PAGES)
        marked.append(line)
    return marked


# "© 2019 Site", "Copyright (c) 2005-2019 Site": the year the page was rendered.
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|\bcopyright\b)\s*(?:(?:19|20)\d\d\s*[-–]\s*)?((?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def copyright_year(text: str) -> int | None:
    """The latest year of the page's copyright notices, or None.

    A page is not published after the year its copyright notice names, so this
    bounds a year guessed from the years the text mentions ("tour in 2020").
    """
    years = [int(match.group(1)) for match in _COPYRIGHT.finditer(text)]
    return max(years) if years else None


def shared_furniture(texts: Iterable[str]) -> frozenset[str]:
    """Short lines that several of these texts hold: the furniture of their sites.

    Learnt across one ingest run and passed to ``clean_scraped_text``. Only lines
    too short to be body text are counted, so a wire story run by two sites
    keeps its paragraphs.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(
            {
                _shape(" ".join(raw.split()))
                for raw in text.splitlines()
                if raw.strip() and len(_WORD.findall(raw)) < MIN_BODY_WORDS
            }
        )
    return frozenset(shape for shape, count in counts.items() if count >= MIN_PAGES)


def _shape(text: str) -> str:
    # Digits vary between copies of one widget ("5 replies", "6:34 am").
    return _DIGITS.sub("0", text.casefold())


def _is_boilerplate(text: str, *, words: int) -> bool:
    hits = len(_BOILERPLATE.findall(text))
    # A long paragraph may mention Twitter once; a cookie notice says "cookies"
    # again and again.
    return bool(hits) and (words < MIN_BODY_WORDS or hits * 15 >= words)


def _score(line: PageLine) -> float:
    if line.body:
        return float(line.words) - BODY_LINE_COST
    if line.junk:
        return -6.0
    return -2.0 if line.words < MIN_BODY_WORDS // 2 else -1.0


def _densest_run(lines: list[PageLine], low: int, high: int) -> tuple[float, int, int]:
    """The run of lines in [low, high) whose scores add up to the most."""
    best, best_span = 0.0, (low, low)
    total, start = 0.0, low
    for index in range(low, high):
        if total <= 0:
            total, start = 0.0, index
        total += _score(lines[index])
        if total > best:
            best, best_span = total, (start, index + 1)
    return best, *best_span


def _article_span(
    lines: list[PageLine], *, credited: Callable[[int], bool] | None = None
) -> tuple[int, int]:
    """[start, end) of the article's body.

    A trailer ("Related articles", "34 responses") after body text ends a part of
    the page, and each part's densest run is a candidate. A part after a trailer
    (comments, teasers) wins only when it outweighs an earlier one several times
    over, as an article outweighs the gallery captions above it.
    """
    bounds: list[tuple[int, int]] = []
    part_start, seen_body, body_lines = 0, False, 0
    for index, line in enumerate(lines):
        if body_lines >= MIN_LINES_BEFORE_COMMENTS and _COMMENTS.match(line.text):
            break
        if seen_body and not line.body and _TRAILER.match(line.text):
            bounds.append((part_start, index))
            part_start, seen_body = index + 1, False
        seen_body = seen_body or line.body
        body_lines += line.body
    else:
        index = len(lines)
    bounds.append((part_start, index))
    runs = [_densest_run(lines, low, high) for low, high in bounds]
    best_total = max(run[0] for run in runs)
    if best_total <= 0:
        return 0, 0
    _, start, end = next(
        run for run in runs if run[0] * LATER_PART_ADVANTAGE >= best_total
    )
    if credited is not None and not credited(start):
        # The article follows its byline or date: a run right under them wins
        # over a heavier one elsewhere (a footer's long notice, a teaser's text).
        under = [
            run
            for low, high in bounds
            for run in _segments(lines, low, high)
            if credited(run[1]) and run[0] * LATER_PART_ADVANTAGE >= best_total
        ]
        if under:
            _, start, end = under[0]
    return start, end


def _segments(
    lines: list[PageLine], low: int, high: int
) -> list[tuple[float, int, int]]:
    """Each run of lines in [low, high) that scores above nothing, at its best."""
    segments: list[tuple[float, int, int]] = []
    best, best_span = 0.0, (low, low)
    total, start = 0.0, low
    for index in range(low, high):
        if total <= 0:
            if best > 0:
                segments.append((best, *best_span))
            best, total, start = 0.0, 0.0, index
        total += _score(lines[index])
        if total > best:
            best, best_span = total, (start, index + 1)
    if best > 0:
        segments.append((best, *best_span))
    return segments


def _under_credits(lines: list[PageLine], index: int, *, stops: frozenset[str]) -> bool:
    """Whether a byline or a date stands just above the line."""
    return any(
        is_credit(lines, above, stops=stops)
        for above in range(max(0, index - CREDIT_LINES), index)
    )


def _after_opening_credits(
    lines: list[PageLine], start: int, end: int, *, stops: frozenset[str]
) -> int:
    """Where the body begins when its run opens with a caption or a dek over the
    byline and date: after them."""
    begins = start
    for index in range(start, min(end, start + OPENING_LINES)):
        if not lines[index].body and is_credit(lines, index, stops=stops):
            begins = index + 1
    if any(line.body for line in lines[begins:end]):
        return begins
    return start


def _with_closing_lines(lines: list[PageLine], end: int) -> tuple[int, range]:
    """The body with what closes it but scores too low to join the run: a last
    sentence too short to score as body, and a list the body introduces ("Tour
    dates:" and the dates)."""
    while end < len(lines) and _closes_body(lines[end]):
        end += 1
    if end < len(lines) and _introduces_list(lines[end]):
        items = end + 1
        while items < len(lines) and _is_list_entry(lines[items]):
            items += 1
        if items - end - 1 >= MIN_LIST_ENTRIES:
            return items, range(end + 1, items)
    return end, range(0)


def _is_content_bullet(line: PageLine) -> bool:
    """A bulleted item inside the body that reads as a phrase or a sentence, not a
    menu's link ("* New tasks for the game!")."""
    words = _WORD.findall(line.text)
    lower = sum(word[:1].islower() for word in words)
    return (
        line.bullet
        and line.junk == "menu or list link"
        and line.words >= MIN_CONTENT_BULLET_WORDS
        and lower * 2 >= len(words)
    )


def _closes_body(line: PageLine) -> bool:
    return (
        not line.junk
        and not line.bullet
        and line.words >= MIN_CLOSING_WORDS
        and line.text.endswith((".", "!", "?", "”", '"'))
        and not _TRAILER.match(line.text)
        and not _COMMENTS.match(line.text)
    )


def _introduces_list(line: PageLine) -> bool:
    return (
        not line.junk
        and 2 <= line.words <= MAX_TITLE_WORDS
        and line.text.endswith(":")
        and not _TRAILER.match(line.text)
        and not _COMMENTS.match(line.text)
    )


def _is_list_entry(line: PageLine) -> bool:
    return not line.junk and 1 <= line.words <= MAX_TITLE_WORDS


def clean_scraped_text(
    text: str,
    *,
    restore: frozenset[int] = frozenset(),
    furniture: frozenset[str] = frozenset(),
) -> CleanedText:
    """The article part of a scraped page, laid out for ``corpus.parsing``.

    ``restore`` holds the indexes of dropped blocks an editor wants kept;
    ``furniture`` the lines other pages of the run share (``shared_furniture``).
    """
    raw_lines = [line for line in text.splitlines() if line.strip()]
    stops = _stopwords_for(raw_lines)
    lines = [_read_line(raw, stops=stops) for raw in raw_lines]
    lines = _mark_repeated(lines, furniture=furniture)
    lines = mark_kicker_teasers(mark_captions(mark_menu_runs(lines)))
    if not any(line.junk or line.bullet for line in lines):
        # Nothing on the page reads as furniture: the text is the author's own.
        blocks = tuple(
            Block(text=line.text, kept=True, reason="no page furniture", index=index)
            for index, line in enumerate(lines)
        )
        return CleanedText(text=text, blocks=blocks)
    start, end = _article_span(
        lines, credited=lambda at: _under_credits(lines, at, stops=stops)
    )
    run_start = start
    start = _after_opening_credits(lines, start, end, stops=stops)
    end, entries = _with_closing_lines(lines, end) if end else (end, range(0))
    # Under the credits that opened the run, the body has begun.
    reach = 0 if start > run_start else HEADLINE_REACH
    if end == 0:
        # No line reads as body text: a short clean note passes to the parser, a
        # page of menus and links has no article.
        furniture_lines = sum(1 for line in lines if line.junk or line.bullet)
        if lines and furniture_lines * 2 >= len(lines):
            blocks = tuple(
                Block(
                    text=line.text, kept=False, reason=line.junk or "menu or list link"
                )
                for line in lines
            )
            return CleanedText(text="", blocks=blocks, changed=True)
        return CleanedText(text=text)
    decisions: list[tuple[int, bool, str]] = []
    if start <= CLEAN_LEAD_LINES:
        # A short lead is the article's own header (labels, title, dek, byline):
        # the parser reads it; only page furniture goes.
        decisions.extend(
            (index, not lines[index].junk, lines[index].junk or "header")
            for index in range(start)
        )
        date = _nearest_date(lines, start, stop=0)
        header = _Header(date=date) if date else _htmldate_reading([raw_lines[:start]])
        headline = _read_header(lines, start, end, [], stops=stops, reach=reach).title
        header = dataclasses.replace(header, title=headline)
    else:
        header = _read_header(lines, start, end, decisions, stops=stops, reach=reach)
    decided = {index for index, _, _ in decisions}
    for index in range(start, end):
        line = lines[index]
        if index in decided:
            continue
        if _marks_pull_quote(lines, index, decisions):
            # The parser reads it as the mark of a pull quote, and drops it.
            decisions.append((index, True, _SHARE_WIDGET))
        elif _is_content_bullet(line):
            decisions.append((index, True, _LIST_ENTRY))
        elif line.junk and not line.body:
            decisions.append((index, False, line.junk))
        elif index in entries:
            decisions.append((index, True, _LIST_ENTRY))
        else:
            decisions.append((index, True, "body"))
    decisions.extend(_tail_decisions(lines, end))

    return _result(
        text,
        lines,
        _restored(sorted(decisions), restore),
        header,
        lead_kept=start <= CLEAN_LEAD_LINES,
    )


def _marks_pull_quote(
    lines: list[PageLine], index: int, decisions: list[tuple[int, bool, str]]
) -> bool:
    """A share widget right under a kept line of the body, as under a pull quote."""
    if not SHARE_WIDGET_LINE.fullmatch(lines[index].text) or not decisions:
        return False
    previous, kept, _ = decisions[-1]
    return previous == index - 1 and kept


def _restored(
    decisions: list[tuple[int, bool, str]], restore: frozenset[int]
) -> list[tuple[int, bool, str]]:
    return [
        (index, True, _RESTORED)
        if index in restore and not kept and reason not in _READ_INTO_METADATA
        else (index, kept, reason)
        for index, kept, reason in decisions
    ]


def _result(
    text: str,
    lines: list[PageLine],
    decisions: list[tuple[int, bool, str]],
    header: _Header,
    *,
    lead_kept: bool = False,
) -> CleanedText:
    blocks = tuple(
        Block(text=lines[index].text, kept=kept, reason=reason, index=index)
        for index, kept, reason in decisions
    )
    if all(kept for _, kept, _ in decisions) and len(decisions) == len(lines):
        return CleanedText(text=text, blocks=blocks)
    # A kept lead already holds the title; a rebuilt one opens with it.
    opening = [] if lead_kept else [header.title] if header.title else []
    opening += [header.date.isoformat()] if header.date and opening else []
    opening += [header.byline] if header.byline else []
    kept_lines = opening + [
        # A restored block, or an entry of a list the body introduces, goes in
        # as a list item, which the parser keeps as a paragraph however short.
        f"• {lines[index].text}"
        if reason in (_RESTORED, _LIST_ENTRY)
        else lines[index].text
        if lines[index].bullet
        else lines[index].raw.strip()
        for index, kept, reason in decisions
        if kept
    ]
    return CleanedText(
        text="\n\n".join(kept_lines),
        blocks=blocks,
        changed=True,
        title=header.title,
        date=header.date,
        year=header.year,
    )


@dataclass(frozen=True)
class _Header:
    title: str = ""
    date: datetime.date | None = None
    # A year the page gives without a full date.
    year: int | None = None
    byline: str = ""


def _read_header(
    lines: list[PageLine],
    start: int,
    end: int,
    decisions: list[tuple[int, bool, str]],
    *,
    stops: frozenset[str],
    reach: int = HEADLINE_REACH,
) -> _Header:
    """Title, date and byline from the page header.

    The headline is the line above the body that reads most like one and stands
    where headlines stand (``corpus.headline``). Date and byline are looked for
    around it.
    """
    body_words = content_words(
        " ".join(line.text for line in lines[start:end] if line.body)
    )
    page = " ".join(_key(line.text) for line in lines)
    first = max(0, start - HEADER_LINES)
    best = choose_headline(
        lines,
        first,
        min(len(lines), start + reach),
        start=start,
        body_words=body_words,
        page=page,
        stops=stops,
        furniture_ok=(_ACROSS_PAGES,),
    )
    title_at = best if best >= 0 else start
    date, byline = None, ""
    for index in range(first, min(len(lines), start + 10)):
        if _PUBLISHED.search(lines[index].text):
            date = find_date(lines[index].text[:200])
            if date is not None:
                break
    for index in range(max(first, title_at - 3), min(len(lines), start + 3)):
        text = lines[index].text
        date = date or find_date(text[:200])
        if not byline and _BYLINE.match(text) and lines[index].words <= 12:
            byline = _BYLINE_CUT.split(text, maxsplit=1)[0].strip()
            decisions.append((index, False, "byline"))
    date = date or _nearest_date(lines, start, stop=first)
    year = None
    if date is None:
        reading = _htmldate_reading(
            [
                [line.raw for line in lines[first : start + 3]],
                [line.raw for line in lines],
            ]
        )
        date, year = reading.date, reading.year
    for index in range(start):
        if index == best:
            decisions.append((index, False, "title"))
        elif not any(d[0] == index for d in decisions):
            reason = lines[index].junk or (
                "menu or list link" if lines[index].bullet else "page header"
            )
            decisions.append((index, False, reason))
    title = _untruncated(_first_cell(lines[best].raw), lines) if best >= 0 else ""
    if best >= start:
        decisions[:] = [d for d in decisions if d[0] != best]
        decisions.append((best, False, "title"))
    return _Header(title=title, date=date, byline=byline, year=year)


def _first_cell(raw: str) -> str:
    """A table row's first cell: text saved from a page sets cells apart with runs
    of spaces ("Headline        Home")."""
    return " ".join(_CELL_GAP.split(raw.strip())[0].split())


def _untruncated(title: str, lines: list[PageLine]) -> str:
    """A headline cut short for a teaser ("... as Wild…"), whole if the page has it."""
    stem = title.rstrip()
    for mark in ("…", "..."):
        if stem.endswith(mark):
            stem = stem[: -len(mark)].rstrip()
            break
    else:
        return title
    if len(stem.split()) < 3:
        return title
    whole = next(
        (
            line.text
            for line in lines
            if line.text.startswith(stem)
            and len(line.text) > len(stem) + 1
            and not line.text.rstrip().endswith(("…", "..."))
            and len(line.text.split()) <= MAX_TITLE_WORDS
        ),
        "",
    )
    return whole or title


def _htmldate_reading(regions: list[list[str]]) -> _Header:
    """htmldate's reading of the first region that gives a date, in any language.

    htmldate reads a bare year ("in 2020") as 1 January: that is kept as a year.
    """
    year = None
    for raw_lines in regions:
        page = "".join(f"<p>{html.escape(line.strip())}</p>" for line in raw_lines)
        found = htmldate.find_date(
            f"<html><body>{page}</body></html>",
            extensive_search=True,
            original_date=True,
            outputformat="%Y-%m-%d",
        )
        try:
            date = datetime.date.fromisoformat(found) if found else None
        except ValueError:
            date = None
        if date is not None and (date.month, date.day) != (1, 1):
            return _Header(date=date, year=date.year)
        year = year or (date.year if date else None)
    return _Header(year=year)


def _nearest_date(
    lines: list[PageLine], start: int, *, stop: int
) -> datetime.date | None:
    """The date closest above the body: dates far above it belong to teasers."""
    for index in range(start - 1, stop - 1, -1):
        date = find_date(lines[index].text[:200])
        if date is not None:
            return date
    return None


def _key(text: str) -> str:
    return " ".join(word.casefold() for word in _WORD.findall(text))


def _tail_decisions(lines: list[PageLine], end: int) -> Iterable[tuple[int, bool, str]]:
    """After the body only footnotes and a notes section are kept, wherever they sit."""
    in_notes = False
    for index in range(end, len(lines)):
        text = lines[index].raw.strip()
        if _NOTES_HEADING.match(text):
            in_notes = True
            yield index, True, "notes heading"
        elif lines[index].words >= 3 and (
            _FOOTNOTE_LINE.match(text) or (in_notes and not lines[index].junk)
        ):
            yield index, True, "reference"
        else:
            in_notes = False
            reason = lines[index].junk or "after the article"
            trailer = _TRAILER.match(lines[index].text) or _COMMENTS.match(
                lines[index].text
            )
            if index == end and trailer:
                reason = "related list or comments after the article"
            yield index, False, reason
