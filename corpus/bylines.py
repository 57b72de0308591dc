"""Who wrote an article, for whom and when: bylines, author bios, dates and
publication notes, read from the article's own text.

Pure functions over strings, used by ``corpus.parsing``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from corpus.countries import country_name_words

__all__ = [
    "DATE",
    "DATE_LINE",
    "SENTENCE_END",
    "ParsedAuthor",
    "find_date",
    "merge_authors",
    "parse_date",
    "read_bio",
    "read_byline",
    "read_publication_note",
]

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ParsedAuthor:
    name: str
    bio: str


# fmt: off
_MONTHS = {
    name: number
    for number, name in enumerate((
        "jan", "feb", "mar", "apr", "may", "jun",
        "jul", "aug", "sep", "oct", "nov", "dec",
    ), start=1)
}
# fmt: on
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DATE = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{{4}})"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH})\.?,?\s+(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))\b",
    re.IGNORECASE,
)
DATE_LINE = re.compile(
    rf"(?:(?:published|posted|updated)(?:\s+on)?:?\s+)?(?:{DATE.pattern})\.?",
    re.IGNORECASE,
)
_PUBLICATION_LEAD = re.compile(
    r"(?:this|the)\s+(?:article|commentary|piece|essay|op-ed|column|post|story"
    r"|analysis|interview|report|blog\s+post)\b"
    r"|an?\s+(?:earlier\s+)?version\s+of\s+this\b",
    re.IGNORECASE,
)
_PUBLICATION_NOTE = re.compile(
    r"\b(?:originally|first)\s+(?:appeared|published|ran|posted)\s+"
    r"(?:in|on|at|by|with)\s+(?P<rest>.{1,240})",
    re.IGNORECASE,
)
# Abbreviations and initials ("St. Antony's", "Dr. Ana Cruz", "J. Smith", "U.S.")
# end no sentence. Abbreviations start no bio clause either; initials may, because
# "... in the U.S. Jane Doe is ..." is common and a lone surname is never a name.
_HONORIFICS = ("Dr", "Prof", "Professor", "Mr", "Ms", "Mrs", "Mx", "Sir", "Dame")
_ABBREVIATIONS = ("St", "Dr", "Mr", "Ms", "Mrs", "Mx", "No", "Prof", "vs")
_NOT_SENTENCE_END = "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS) + (
    r"(?<!\b[A-Z]\.)"
)
_NOT_CLAUSE_START = "".join(rf"(?<!\b{a}\. )" for a in _ABBREVIATIONS)
SENTENCE_END = re.compile(
    rf"(?<=[.!?]){_NOT_SENTENCE_END}\s+(?=[A-Z“\"‘'(\[])|(?<=[.!?][”\"’)])\s+"
)
_LEADING_PREPOSITION = re.compile(r"^(?:(?:in|on|at|by|with)\s+)+", re.IGNORECASE)
_TRAILING_PREPOSITION = re.compile(r"(?:\s+(?:in|on|at|by))+$", re.IGNORECASE)
_NAME_WORD = r"[^\W\d_][\w’'\-]*\.?"
_HONORIFIC_PREFIX = rf"(?:{'|'.join(_HONORIFICS)})\.?\s+"
_HONORIFIC = rf"(?:{_HONORIFIC_PREFIX})?"
_LEADING_HONORIFIC = re.compile(rf"^{_HONORIFIC_PREFIX}")
_BIO_SINGLE = re.compile(
    rf"{_HONORIFIC}(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}?)"
    r"\s+(?:is|was|serves\s+as|works\s+as)\s+"
)
_BIO_PLURAL = re.compile(
    rf"(?P<names>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}?"
    rf"(?:,\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}?)*"
    rf",?\s+and\s+{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,4}}?)\s+are\s+"
)
_BIO_CLAUSE_START = re.compile(
    rf"(?:^|(?<=[.;!?] ){_NOT_CLAUSE_START}|(?<=[.;!?][”\"’)] )|(?<=\band )"
    r"|(?<=, ))(?=[^\W\d_])"
)
_ROLE = re.compile(
    r"\b(?:student|fellow|analyst|researcher|economist|professor|journalist"
    r"|candidate|director|editor|writer|author|scholar|lecturer|correspondent"
    r"|consultant|officer|associate|reporter|advis[eo]r|expert|specialist|chair"
    r"|founder|co-founder|member|head|manager|diplomat|ambassador|historian"
    r"|scientist|columnist|contributor|practitioner|commentator|graduate"
    r"|dean|president|strategist|attorney|lawyer|partner|instructor|teacher"
    r"|engineer|producer|photographer|ph\.?d|dphil|mphil)s?\b",
    re.IGNORECASE,
)
# fmt: off
_NAME_PARTICLES = frozenset({
    "de", "da", "di", "del", "della", "der", "den", "van", "von", "bin", "ibn", "al",
    "el", "la", "le", "du", "dos", "das", "ter"
})
# Capitalised words that start sentences or name places and bodies, never people.
# Country names come from the gazetteer's source (``corpus.countries``).
_NOT_NAME_WORDS = frozenset({
    "the", "this", "that", "these", "those", "there", "their", "they", "them", "he",
    "she", "it", "its", "his", "her", "we", "our", "you", "your", "i", "in", "on",
    "at", "of", "for", "and", "but", "or", "if", "as", "a", "an", "to", "from",
    "with", "by", "while", "when", "after", "before", "during", "since", "although",
    "though", "yet", "however", "also", "many", "some", "most", "all", "both", "each",
    "every", "one", "two", "three", "first", "second", "third", "last", "new", "old",
    "recent", "mr", "mrs", "ms", "dr", "united", "states", "kingdom", "republic",
    "federation", "union", "council", "ministry", "government", "corporation",
    "institute", "university", "college", "school", "party", "army", "navy", "force",
    "forces", "administration", "department", "agency", "organization",
    "organisation", "company", "bank", "group", "committee", "commission",
    "foundation", "center", "centre", "office", "embassy", "parliament", "congress",
    "senate", "court", "club", "post", "times", "news", "press", "journal", "review",
    "asia", "asian", "africa", "african", "europe", "european", "america", "american",
    "middle", "east", "west", "north", "south", "central", "eastern", "western",
    "northern", "southern", "pacific", "atlantic", "gulf"
})
# fmt: on
_BYLINE = re.compile(r"by:?\s+(?P<names>.{3,200})", re.IGNORECASE)
_BYLINE_SEPARATOR = re.compile(r"[\s|•·,–—-]+$")
_NAME_PARTS = re.compile(r"[-’'.]")
_CLAUSE_JOINER = re.compile(r"(?:,?\s+and|,)\s*$")
_PERSON_WORD = re.compile(r"\b(?:he|she|his|her|hers|him|author)\b", re.IGNORECASE)
# "They" and "their" name countries as often as people, so only as the subject.
_PERSON_SUBJECT = re.compile(r"(?:they|their)\b", re.IGNORECASE)
# How far into a bio clause its role noun ("fellow", "student") must appear.
_ROLE_WINDOW = 250
_NAME_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")


def read_publication_note(text: str) -> tuple[str, datetime.date | None] | None:
    """Outlet and date from "This commentary originally appeared on X on DATE"."""
    named = _PUBLICATION_LEAD.match(text) is not None
    # Without "This article ..." in front, the phrase must open the line.
    match = _PUBLICATION_NOTE.search(text, 0, 400) if named else None
    match = match or _PUBLICATION_NOTE.match(text, 0, 400)
    if not match:
        return None
    rest = SENTENCE_END.split(match.group("rest"), maxsplit=1)[0].rstrip(" .")
    date_match = DATE.search(rest)
    if date_match:
        rest = f"{rest[: date_match.start()]} {rest[date_match.end() :]}"
    name = _LEADING_PREPOSITION.sub("", _SPACES.sub(" ", rest).strip(" ,."))
    name = _TRAILING_PREPOSITION.sub("", name).strip(" ,.")
    if len(name) > 80 or not name[:1].isupper():
        name = ""
    date = parse_date(date_match)
    if not named and not name and date is None:
        return None
    return name, date


def read_byline(text: str) -> tuple[list[str], datetime.date | None]:
    match = _BYLINE.fullmatch(text)
    if not match:
        return [], None
    names_part = match.group("names")
    date_match = DATE.search(names_part)
    if date_match:
        names_part = _BYLINE_SEPARATOR.sub("", names_part[: date_match.start()])
    names = _split_names(names_part.strip())
    if not names or not all(_is_person_name(n) for n in names):
        return [], None
    return names, parse_date(date_match)


def _split_names(text: str) -> list[str]:
    """Names from "A, B and C", each without a title ("Dr. Ana Cruz" -> "Ana Cruz")."""
    return [
        _LEADING_HONORIFIC.sub("", name, count=1)
        for name in _NAME_LIST_SPLIT.split(text)
        if name
    ]


def find_date(text: str) -> datetime.date | None:
    """The first real calendar date written in ``text``, in any common format."""
    for match in DATE.finditer(text):
        date = parse_date(match)
        if date is not None:
            return date
    return None


def parse_date(match: re.Match[str] | None) -> datetime.date | None:
    if match is None:
        return None
    groups = match.groupdict()
    try:
        if groups["y3"]:
            return datetime.date(
                int(groups["y3"]), int(groups["m3"]), int(groups["d3"])
            )
        month = _MONTHS[(groups["m1"] or groups["m2"])[:3].lower()]
        day = int(groups["d1"] or groups["d2"])
        return datetime.date(int(groups["y1"] or groups["y2"]), month, day)
    except ValueError:
        return None


def read_bio(text: str) -> list[ParsedAuthor]:
    """Authors described by a bio paragraph, or [] when it is not a bio."""
    plural = _BIO_PLURAL.match(text)
    if plural:
        names = _split_names(plural.group("names"))
        if all(_is_person_name(n) for n in names) and _ROLE.search(text, 0, 300):
            return [ParsedAuthor(name=n, bio=text) for n in names]
    starts: list[tuple[int, str]] = []
    for position in _BIO_CLAUSE_START.finditer(text):
        match = _BIO_SINGLE.match(text, position.start())
        if match and _is_person_name(match.group("name")):
            starts.append((match.start(), match.group("name")))
    if not starts or starts[0][0] != 0:
        return []
    authors: list[ParsedAuthor] = []
    for index, (start, name) in enumerate(starts):
        stop = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        bio = _CLAUSE_JOINER.sub("", text[start:stop].strip())
        # Every clause must be a bio, or the paragraph is body text.
        if not _ROLE.search(bio, 0, _ROLE_WINDOW) or not _is_about(bio, name=name):
            return []
        if bio[-1] not in ".!?":
            bio += "."
        authors.append(ParsedAuthor(name=name, bio=bio))
    return authors


def _is_about(bio: str, *, name: str) -> bool:
    """Whether every sentence after the first still speaks of the person."""
    names = tuple(word.casefold() for word in name.split() if len(word) > 2)
    for sentence in SENTENCE_END.split(bio)[1:]:
        lowered = sentence.casefold()
        if not (
            _PERSON_WORD.search(sentence)
            or _PERSON_SUBJECT.match(sentence)
            or any(word in lowered for word in names)
        ):
            return False
    return True


def _is_person_name(name: str) -> bool:
    words = name.split()
    if not 2 <= len(words) <= 5 or len(name) > 60:
        return False
    capitalised = 0
    for word in words:
        bare = word.strip(".’'")
        if capitalised and bare.lower() in _NAME_PARTICLES:
            continue
        lowered = bare.lower()
        if (
            not bare
            or not bare[0].isupper()
            or lowered in _NOT_NAME_WORDS
            or lowered in country_name_words()
        ):
            return False
        if not all(part.isalpha() for part in _NAME_PARTS.split(bare) if part):
            return False
        capitalised += 1
    return 2 <= capitalised <= 4 and words[-1].strip(".").lower() not in _NAME_PARTICLES


def merge_authors(
    byline: list[str], bio_authors: list[ParsedAuthor]
) -> tuple[ParsedAuthor, ...]:
    """Byline order first, each with its bio when one names them; then bio-only."""
    bios = {author.name.casefold(): author for author in bio_authors}
    merged: dict[str, ParsedAuthor] = {}
    for name in byline:
        key = name.casefold()
        merged.setdefault(key, bios.get(key, ParsedAuthor(name=name, bio="")))
    for author in bio_authors:
        merged.setdefault(author.name.casefold(), author)
    return tuple(merged.values())
