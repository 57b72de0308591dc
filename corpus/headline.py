"""The headline of a scraped page: which line above the body is the article's title.

A page's header has the same shape on any site: the headline, perhaps a dek, then the
credits (a byline, a date, an author's name over a date), then the body. Captions,
teasers, section labels and decks sit around it and share its words, so the choice
weighs how each candidate line reads (length, sentence shape, function words,
capitals, a photo credit) and where it stands (right above the credits, or inside a
list of teasers that each carry their own date).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from corpus.parsing import find_date

__all__ = [
    "HeaderLine",
    "choose_headline",
    "content_words",
    "is_caption",
    "is_credit",
    "looks_like_names",
    "names_photo",
]

# A line of body text longer than this is a paragraph, not a headline.
MAX_TITLE_WORDS = 20
# How many of a headline's words the body's opening must share.
MIN_TITLE_OVERLAP = 0.25
# Credits are short: a name or two, an outlet, a date and a time.
MAX_CREDIT_WORDS = 15
# Lines (dek, label) that may stand between a headline and its credits; the bonus
# for each position, nearest first.
_CREDIT_BONUS = (0.5, 0.35, 0.2)
# Lines of any kind (share buttons, blank widgets) a headline's credits may be
# below it.
MAX_CREDIT_GAP = 8
# A shorter line over a title-shaped one is a label, not the headline.
MIN_HEADLINE_WORDS = 4
# Headline-and-credit pairs in a row that make a list of teasers, not a header.
MIN_TEASER_RUN = 3

_WORD = re.compile(r"[^\W\d_][\w’'-]*")
_IDEOGRAPH_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
_BYLINE = re.compile(r"^(?:by|von|par|por|door|di)\s+[^\W\d_]", re.IGNORECASE)
# "By" alone on its line (the name follows), "Posted by", "Author:".
_CREDIT_OPENER = re.compile(
    r"^(?:(?:by|von|par|por|door|di):?$|(?:posted|written|reported|words|story|text)"
    r"\s+by\b|authors?\s*:)",
    re.IGNORECASE,
)
# Dates find_date does not read, which still mark a credit line: "13.11.2019",
# "2016.12.01", "21/06/2014", "6:45 PM", "22 hours ago".
_DATE_LIKE = re.compile(
    r"\b\d{1,4}[./-]\d{1,2}[./-]\d{2,4}\b|\b\d{1,2}:\d{2}\b"
    r"|\b\d+\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago\b",
    re.IGNORECASE,
)
# A photo's credit: "Photo by", "Photograph: ", "(Credit: ...)", "Name/Agency".
_PHOTO_CREDIT = re.compile(
    r"\b(?:photo(?:graph)?s?|images?|pictures?|illustration)\s*(?:by\b|courtesy\b|:)"
    r"|\(\s*(?:photos?|credit|images?|source)\b|\bcredits?\s*:",
    re.IGNORECASE,
)
_SLASH_CREDIT = re.compile(
    r"\b[A-Z][\w.’'-]*\s?/\s?[A-Z][\w.’'/-]*(?:\s+[\w.’'-]+){0,3}\)?$|^\(.*\)$"
)
# A sentence, then a credit with no stop of its own: "... in New York. Reuters".
# The word before the stop is a word, not an abbreviation ("Rep. Ilhan Omar").
_TRAILING_CREDIT = re.compile(r"[^\W\d_]{4}[.!?][”\"’)]?\s+(?P<credit>[^.!?]+)$")
# "Home > Blog > Weight Loss": the path to the page, not its headline.
_BREADCRUMB = re.compile(r"\S\s+[»>›]\s+\S")
_NAME_JOINERS = frozenset({"and", "&", "|", ",", "/", "-", "–", "—"})


class HeaderLine(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def words(self) -> int: ...
    @property
    def bullet(self) -> bool: ...
    @property
    def body(self) -> bool: ...
    @property
    def junk(self) -> str: ...
    @property
    def passing_mention(self) -> bool: ...


def content_words(text: str) -> set[str]:
    """The words a headline and its body share: long or capitalised words, and
    pairs of characters in scripts written without spaces."""
    words = {
        word.casefold()
        for word in _WORD.findall(text)
        if len(word) > 3 or word[:1].isupper()
    }
    for run in _IDEOGRAPH_RUN.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def looks_like_names(text: str, *, stops: frozenset[str]) -> bool:
    """A short run of capitalised words with no function word: a byline's names
    ("Lisa Kaczke and Trevor J. Mitchell Sioux Falls Argus Leader")."""
    tokens = text.replace(",", " , ").split()
    words = [token for token in tokens if token.casefold() not in _NAME_JOINERS]
    if not 2 <= len(words) <= 12 or len(tokens) - len(words) > 3:
        return False
    return all(
        word[:1].isupper() and word.strip(".").casefold() not in stops for word in words
    )


def is_credit(
    lines: Sequence[HeaderLine], index: int, *, stops: frozenset[str]
) -> bool:
    """A byline or a date line, or an author's name right over a date."""
    line = lines[index]
    text = line.text
    if not line.words:
        # "19.11.2019, 08:57": a date in figures has no words.
        return bool(text) and _is_date_line(text)
    if line.words > MAX_CREDIT_WORDS:
        return False
    if _BYLINE.match(text) or _CREDIT_OPENER.match(text):
        return True
    if _is_date_line(text):
        return True
    following = index + 1 if index + 1 < len(lines) else None
    return (
        following is not None
        and looks_like_names(text, stops=stops)
        and lines[following].words <= MAX_CREDIT_WORDS
        and _is_date_line(lines[following].text)
    )


def _is_byline(
    lines: Sequence[HeaderLine], index: int, *, stops: frozenset[str]
) -> bool:
    text = lines[index].text
    return bool(
        _BYLINE.match(text)
        or _CREDIT_OPENER.match(text)
        or looks_like_names(text, stops=stops)
    )


def _key(text: str) -> str:
    return " ".join(word.casefold() for word in _WORD.findall(text))


def _is_date_line(text: str) -> bool:
    return bool(find_date(text[:200]) or _DATE_LIKE.search(text[:200]))


def _next_with_words(lines: Sequence[HeaderLine], index: int) -> int | None:
    for following in range(index + 1, len(lines)):
        if lines[following].words:
            return following
    return None


def _previous_with_words(lines: Sequence[HeaderLine], index: int) -> int | None:
    for previous in range(index - 1, -1, -1):
        if lines[previous].words:
            return previous
    return None


def names_photo(text: str) -> bool:
    """Whether the line credits a photo in so many words ("Photo by", "Credit:")."""
    return bool(_PHOTO_CREDIT.search(text))


def is_caption(text: str) -> bool:
    """A photo's caption: it names the photographer or the agency."""
    if names_photo(text) or _SLASH_CREDIT.search(text):
        return True
    match = _TRAILING_CREDIT.search(text)
    if not match:
        return False
    credit = match.group("credit").split()
    sentence = text[: match.start()].split()
    lower = sum(word[:1].islower() for word in sentence)
    return (
        1 <= len(credit) <= 6
        and all(word[:1].isupper() or word in _NAME_JOINERS for word in credit)
        and lower >= 3
    )


def _right_over_credits(
    lines: Sequence[HeaderLine], index: int, credits: set[int]
) -> bool:
    position = _credit_position(lines, index, credits)
    return position is not None and position[1] == 0


def _deks(
    lines: Sequence[HeaderLine], candidates: list[int], credits: set[int]
) -> set[int]:
    """Sentences between a headline and its credits: the headline's dek.

    Of two title-shaped lines in a row over the credits, the lower one is the dek
    when it is longer and reads as a sentence, unless the upper one is a label (a
    word or two, or in capitals).
    """
    deks = set()
    for index in candidates:
        above = _previous_with_words(lines, index)
        position = _credit_position(lines, index, credits)
        if above is None or above not in candidates or not position or position[1]:
            continue
        upper, lower = lines[above], lines[index]
        if (
            lower.words > upper.words >= MIN_HEADLINE_WORDS
            and not _shouting(upper.text)
            and not upper.text.endswith(".")
            and _reads_as_sentence(lower.text)
        ):
            deks.add(index)
    return deks


def _reads_as_sentence(text: str) -> bool:
    words = _WORD.findall(text)
    lower = sum(word[:1].islower() for word in words)
    return text.endswith(".") or lower * 2 >= len(words)


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _credit_position(
    lines: Sequence[HeaderLine],
    index: int,
    credits: set[int],
    *,
    skip: set[int] = frozenset(),  # type: ignore[assignment]
) -> tuple[int, int] | None:
    """The first credit under the line, and how many lines stand between them
    (a dek in ``skip`` does not count)."""
    between = 0
    for following in range(index + 1, min(len(lines), index + MAX_CREDIT_GAP + 1)):
        if following in credits:
            return following, between
        line = lines[following]
        if not line.words or line.junk or following in skip:
            continue
        between += 1
        if between >= len(_CREDIT_BONUS):
            return None
    return None


def _teasers(
    lines: Sequence[HeaderLine], candidates: list[int], credits: set[int]
) -> set[int]:
    """Candidates in a run of headline-and-date pairs: a list of other articles."""
    pairs: list[tuple[int, int]] = []
    for index in candidates:
        following = _next_with_words(lines, index)
        if following is None or following not in credits:
            continue
        end = following
        while (after := _next_with_words(lines, end)) is not None and after in credits:
            end = after
        pairs.append((index, end))
    teasers: set[int] = set()
    run: list[tuple[int, int]] = []
    for pair in pairs:
        if run and _lines_between(lines, run[-1][1], pair[0]) > 2:
            if len(run) >= MIN_TEASER_RUN:
                teasers.update(index for index, _ in run)
            run = []
        run.append(pair)
    if len(run) >= MIN_TEASER_RUN:
        teasers.update(index for index, _ in run)
    return teasers


def _lines_between(lines: Sequence[HeaderLine], low: int, high: int) -> int:
    return sum(1 for index in range(low + 1, high) if lines[index].words)


def is_title_shaped(line: HeaderLine, *, furniture_ok: tuple[str, ...]) -> bool:
    text = line.text
    return (
        2 <= line.words <= 30
        and not line.bullet
        and (line.junk in ("", *furniture_ok) or line.passing_mention)
        and not text.endswith((",", ":", ";"))
        and find_date(text) is None
        and not _BYLINE.match(text)
        and not _BREADCRUMB.search(text)
        and not names_photo(text)
        # Upper case, a digit, a quote, or a script without case.
        and not text[:1].islower()
    )


def choose_headline(
    lines: Sequence[HeaderLine],
    low: int,
    high: int,
    *,
    start: int,
    body_words: set[str],
    page: str,
    stops: frozenset[str],
    furniture_ok: tuple[str, ...] = (),
) -> int:
    """The index of the headline among lines [low, high), or -1."""
    credits = {
        index
        for index in range(low, min(len(lines), high + 3))
        if is_credit(lines, index, stops=stops)
    }
    shaped = [
        index
        for index in range(low, high)
        if is_title_shaped(lines[index], furniture_ok=furniture_ok)
        and not (lines[index].body and lines[index].words > MAX_TITLE_WORDS)
    ]
    # A sentence of the body is a dek or a caption, unless the page repeats it as
    # it repeats a headline or it stands right over the credits; one right under
    # a headline is its dek.
    candidates = [
        index
        for index in shaped
        if not (
            lines[index].body
            and lines[index].text.endswith(".")
            and (
                _previous_with_words(lines, index) in shaped
                or (
                    page.count(_key(lines[index].text)) < 2
                    and not _right_over_credits(lines, index, credits)
                )
            )
        )
    ]
    keys = {index: _key(lines[index].text) for index in candidates}
    bylines = {index: _is_byline(lines, index, stops=stops) for index in credits}
    teasers = _teasers(lines, candidates, credits)
    deks = _deks(lines, candidates, credits)
    best, best_score = -1, 0.0
    for index in candidates:
        line = lines[index]
        words = content_words(line.text)
        if not words or index in credits:
            continue
        overlap = len(words & body_words) / len(words)
        if overlap < MIN_TITLE_OVERLAP:
            continue
        score = overlap + _shape_score(line, page=page, stops=stops)
        # A label or a tag whose words the headline repeats ("Dancing With the
        # Stars" over "... eliminated from 'Dancing with the Stars' ...").
        if any(
            other != index
            and len(key) > len(keys[index])
            and keys[index] in key
            # A breadcrumb or a share text ends with the headline.
            and not key.endswith(keys[index])
            for other, key in keys.items()
        ):
            score -= 0.3
        position = _credit_position(lines, index, credits, skip=deks)
        if index in teasers or index in deks:
            score -= 0.2
        elif position is not None:
            credit, between = position
            bonus = _CREDIT_BONUS[between]
            # Headlines stand over the byline; a label may stand over a date.
            score += bonus if bylines.get(credit) else 0.7 * bonus
        score -= 0.002 * abs(start - index)
        # Under the body's first line: a pull quote or a subheading, most often.
        score -= 0.3 * (index > start)
        if score > best_score:
            best, best_score = index, score
    return best


def _shape_score(line: HeaderLine, *, page: str, stops: frozenset[str]) -> float:
    """How much the line reads as a headline, whatever stands around it."""
    text = line.text
    tokens = _WORD.findall(text)
    key = " ".join(token.casefold() for token in tokens)
    # A headline is repeated further down (a share text, a breadcrumb).
    repeated = line.words >= 4 and page.count(key) > 1
    # Captions and decks are sentences; headlines are terse.
    density = sum(t.casefold() in stops for t in tokens) / len(tokens) if tokens else 0
    shouting = _shouting(text)
    return (
        0.3 * min(line.words, 8) / 8
        + 0.3 * repeated
        - 0.25 * text.endswith(".")
        - 0.5 * density
        - 0.6 * is_caption(text)
        - 0.3 * looks_like_names(text, stops=stops)
        - 0.3 * (shouting and line.words <= 6)
    )
