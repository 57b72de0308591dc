"""One line of a scraped page as the cleaner reads it, and the kinds of page
furniture that only show across several lines: menus without bullets, photo
credits and their captions, and teasers (link cards run into their summaries,
kickers over headlines).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from corpus.headline import MAX_TITLE_WORDS, names_photo

__all__ = [
    "MIN_BODY_WORDS",
    "PageLine",
    "is_glued_teaser",
    "mark_captions",
    "mark_kicker_teasers",
    "mark_menu_runs",
]

# A line of body text: long enough, and written in sentences.
MIN_BODY_WORDS = 12
# Kicker-and-headline teasers in a row (at most so many lines apart) that make a
# list of other articles.
MIN_KICKER_TEASERS = 3
KICKER_GAP = 2
# A line under this many words over a photo's credit is its caption.
MAX_CAPTION_WORDS = 2 * MIN_BODY_WORDS
# Title-case words before the glue that make a headline run into its summary.
MIN_GLUED_HEAD_WORDS = 4
# This many lines of at most so many words in a row make a menu.
MIN_MENU_RUN = 6
MENU_ITEM_WORDS = 3

_PHOTO_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:(?:photo(?:graph)?|image|picture)s?\s*(?:credits?\s*)?(?::|by\b)"
    r"|credits?\s*:)",
    re.IGNORECASE,
)
# A word run into the capitalised first word of the next sentence, with no space
# ("SteakhouseA party", "250,000The state"); a short run of lower case before it
# is a brand's own capital ("MacBook", "iPhone").
_GLUE = re.compile(
    r"(?:(?<=[a-z]{4})(?=[A-Z][a-z]*\s)|(?<=[0-9?!’”)])(?=[A-Z][a-z]+\s))"
)


@dataclass(frozen=True)
class PageLine:
    raw: str
    text: str
    words: int
    bullet: bool
    body: bool
    junk: str
    # Flagged for one furniture word in a line of several ("... for Twitter name
    # switch ..."): still a headline's shape.
    passing_mention: bool = False


def is_glued_teaser(text: str) -> bool:
    """A link card saved as text: a headline in title case run straight into the
    first sentence of its summary ("... Troy SteakhouseA party of six left ...")."""
    for glue in _GLUE.finditer(text):
        head = text[: glue.start()].split()
        if not MIN_GLUED_HEAD_WORDS <= len(head) <= MAX_TITLE_WORDS:
            continue
        capitalised = sum(word[:1].isupper() or word[:1].isdigit() for word in head)
        if capitalised >= 0.7 * len(head):
            return True
    return False


def mark_kicker_teasers(lines: list[PageLine]) -> list[PageLine]:
    """Teasers that each pair a kicker in capitals with a headline ("TIME
    TRAVELLER" over "Conspiracy theorists say ..."), several in a row."""
    pairs: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        if line.body or line.junk or not _is_kicker(line.text, words=line.words):
            continue
        following = index + 1
        while following < len(lines) and not lines[following].words:
            following += 1
        if following < len(lines):
            headline = lines[following]
            if not headline.body and not headline.junk and headline.words >= 3:
                pairs.append((index, following))
    marked = list(lines)
    run: list[tuple[int, int]] = []
    for pair in [*pairs, (len(lines) + KICKER_GAP + 1, 0)]:
        if run and pair[0] - run[-1][1] > KICKER_GAP:
            if len(run) >= MIN_KICKER_TEASERS:
                for kicker, title in run:
                    for at in (kicker, title):
                        marked[at] = dataclasses.replace(
                            lines[at], junk="teaser (a kicker and a headline)"
                        )
            run = []
        run.append(pair)
    return marked


def _is_kicker(text: str, *, words: int) -> bool:
    letters = [c for c in text if c.isalpha()]
    return 1 <= words <= 6 and len(letters) >= 4 and all(c.isupper() for c in letters)


def mark_captions(lines: list[PageLine]) -> list[PageLine]:
    """A photo's credit line ("(Image credit: Agency)", "Photo by Jane Lens") and
    the short caption right above it are not the article's text."""
    marked = list(lines)
    for index, line in enumerate(lines):
        credit_line = _PHOTO_CREDIT_LINE.match(line.text)
        if (
            not credit_line
            and not line.junk
            and line.words < MAX_CAPTION_WORDS
            and names_photo(line.text)
        ):
            # "... ate a rabbit Credit: Agency": a caption with its credit.
            marked[index] = dataclasses.replace(line, body=False, junk="photo caption")
            continue
        if line.words > MIN_BODY_WORDS or not credit_line:
            continue
        marked[index] = dataclasses.replace(line, body=False, junk="photo credit")
        above = index - 1
        while above >= 0 and not lines[above].words:
            above -= 1
        if (
            above >= 0
            and not lines[above].junk
            and lines[above].words < MAX_CAPTION_WORDS
        ):
            marked[above] = dataclasses.replace(
                lines[above], body=False, junk="photo caption"
            )
    return marked


def mark_menu_runs(lines: list[PageLine]) -> list[PageLine]:
    """A long run of lines of a word or three is a menu, even without bullets."""
    marked = list(lines)
    run: list[int] = []
    for index, line in enumerate([*lines, None]):
        if line is not None and not line.words:
            continue
        if line is not None and not line.body and line.words <= MENU_ITEM_WORDS:
            run.append(index)
            continue
        if len(run) >= MIN_MENU_RUN:
            for item in run:
                if not marked[item].junk:
                    marked[item] = dataclasses.replace(
                        marked[item], junk="menu (a run of short lines)"
                    )
        run = []
    return marked
