"""Citations of articles and paragraphs: Chicago notes, BibTeX and RIS.

Pure functions over a small frozen dataclass, so the reader's cite box and the search
exports produce the same text. Nothing here touches the database or the request.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BIBTEX_MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)
# Characters with a meaning in BibTeX field values, and their escaped forms.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(char) for char in _BIBTEX_ESCAPES))
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_STOP_WORDS = {"a", "an", "the", "of", "on", "in", "and", "for", "to", "is", "has"}


@dataclass(frozen=True)
class CitedWork:
    """What a citation needs to know about one article."""

    article_id: int
    title: str
    authors: tuple[str, ...]
    publication: str
    year: int | None
    date: datetime.date | None
    date_estimated: bool
    url: str
    """Absolute permalink to the article in Refdesk."""
    source_url: str = ""
    """Where the article was published: what a citation points at."""
    accessed: datetime.date | None = None
    """The day the source was consulted (a citation's "accessed" date)."""


def one_line(text: str) -> str:
    """Collapse control characters and line breaks, which break RIS and BibTeX."""
    return " ".join(_CONTROL.sub(" ", text).split())


def split_name(name: str) -> tuple[str, str]:
    """("Samuel Ramani") -> ("Ramani", "Samuel"); a one-word name has no given part."""
    words = one_line(name).split()
    if not words:
        return "", ""
    suffix = ""
    if len(words) > 2 and words[-1].lower().strip(",") in _NAME_SUFFIXES:
        suffix = words.pop().strip(",")
    if len(words) == 1:
        return words[0], ""
    family = words[-1] + (f", {suffix}" if suffix else "")
    return family, " ".join(words[:-1])


def chicago_note(work: CitedWork, *, paragraph: int | None = None) -> str:
    """A Chicago-style note citing the original, e.g.

    Samuel Ramani, “Has Iran Finally Found a Security Partner?” The Diplomat,
    May 7, 2016, para. 7, accessed December 1, 2026, https://thediplomat.com/x.

    Without a source URL the note ends at the locator: Refdesk's own link is offered
    separately, never as the work's address.
    """
    authors = [one_line(author) for author in work.authors if one_line(author)]
    head = f"{_join_names(authors)}, " if authors else ""
    title = one_line(work.title).rstrip(".,")
    # Chicago drops the comma after a title that ends in its own punctuation.
    title_part = f"“{title}”" if title.endswith(("?", "!")) else f"“{title},”"
    rest = [one_line(work.publication)] if one_line(work.publication) else []
    rest.append(_chicago_date(work))
    if paragraph is not None:
        rest.append(f"para. {paragraph}")
    source = one_line(work.source_url)
    if source:
        if work.accessed is not None:
            rest.append(f"accessed {_long_date(work.accessed)}")
        rest.append(source)
    return f"{head}{title_part} {', '.join(rest)}."


def _long_date(date: datetime.date) -> str:
    return f"{MONTHS[date.month - 1]} {date.day}, {date.year}"


def _join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    if len(names) == 3:
        return f"{names[0]}, {names[1]}, and {names[2]}"
    return f"{names[0]} et al."


def _chicago_date(work: CitedWork) -> str:
    if work.date is not None and not work.date_estimated:
        return _long_date(work.date)
    if work.year is not None:
        return f"{work.year}" if not work.date_estimated else f"[{work.year}?]"
    return "n.d."


def bibtex_key(work: CitedWork) -> str:
    """A readable key: first author's family name, year, first title word."""
    family = split_name(work.authors[0])[0] if work.authors else "refdesk"
    words = [
        word
        for word in re.findall(r"[a-z0-9]+", _ascii(work.title).lower())
        if word not in _STOP_WORDS
    ]
    key = f"{_ascii(family).lower()}{work.year or ''}{words[0] if words else ''}"
    key = re.sub(r"[^a-z0-9]", "", key)
    return key or f"refdesk{work.article_id}"


def bibtex_entry(work: CitedWork, *, key: str | None = None) -> str:
    """A ``@misc`` entry: a web article has no journal, so the publication goes in
    ``howpublished`` and the source in ``url`` and ``urldate``, which both BibTeX
    (with the url package) and biblatex read."""
    fields: list[tuple[str, str]] = [("title", "{" + _bibtex_value(work.title) + "}")]
    if work.authors:
        names = [_bibtex_name(author) for author in work.authors]
        fields.append(("author", " and ".join(names)))
    if work.publication:
        fields.append(("howpublished", _bibtex_value(work.publication)))
    if work.year is not None:
        fields.append(("year", str(work.year)))
    if work.date is not None and not work.date_estimated:
        fields.append(("month", BIBTEX_MONTHS[work.date.month - 1]))
    if work.source_url:
        fields.append(("url", _bibtex_value(work.source_url)))
        if work.accessed is not None:
            fields.append(("urldate", work.accessed.isoformat()))
    notes = []
    if work.date_estimated:
        notes.append("Date estimated")
    notes.append(f"Refdesk link: {work.url}")
    fields.append(("note", _bibtex_value(". ".join(notes))))
    lines = [f"@misc{{{key or bibtex_key(work)},"]
    for name, value in fields:
        # Month macros are bare words; every other value is braced.
        rendered = value if name == "month" else "{" + value + "}"
        lines.append(f"  {name} = {rendered},")
    lines.append("}")
    return "\n".join(lines)


def bibtex_entries(works: Iterable[CitedWork]) -> str:
    """Several entries, keys made unique by a letter suffix (ramani2016iran, ...a)."""
    seen: dict[str, int] = {}
    entries = []
    for work in works:
        key = bibtex_key(work)
        count = seen.get(key, 0)
        seen[key] = count + 1
        suffix = "" if count == 0 else _letters(count)
        entries.append(bibtex_entry(work, key=key + suffix))
    return "\n\n".join(entries) + ("\n" if entries else "")


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


def _bibtex_name(name: str) -> str:
    family, given = split_name(name)
    if not given:
        # Braces keep an organisation's name from being split into given/family parts.
        return "{" + _bibtex_value(family) + "}"
    return f"{_bibtex_value(family)}, {_bibtex_value(given)}"


def _bibtex_value(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_ESCAPES[match[0]], one_line(text))


def ris_record(work: CitedWork) -> str:
    """One RIS record (type ELEC: a web page or online article); ``UR`` is the
    source, Refdesk's link is a note."""
    lines = [("TY", "ELEC")]
    for author in work.authors:
        family, given = split_name(author)
        lines.append(("AU", f"{family}, {given}" if given else family))
    lines.append(("TI", work.title))
    if work.publication:
        lines.append(("T2", work.publication))
    if work.year is not None:
        lines.append(("PY", str(work.year)))
    if work.date is not None and not work.date_estimated:
        lines.append(("DA", work.date.strftime("%Y/%m/%d")))
    if work.date_estimated:
        lines.append(("N1", "Date estimated"))
    if work.source_url:
        lines.append(("UR", work.source_url))
        if work.accessed is not None:
            # RIS has no accessed-date tag of its own; Zotero and EndNote read Y2.
            lines.append(("Y2", work.accessed.strftime("%Y/%m/%d")))
    lines.append(("N1", f"Refdesk link: {work.url}"))
    lines.append(("ER", ""))
    return "\r\n".join(f"{tag}  - {one_line(value)}".rstrip() for tag, value in lines)


def ris_records(works: Iterable[CitedWork]) -> str:
    records = [ris_record(work) for work in works]
    return "\r\n\r\n".join(records) + ("\r\n" if records else "")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
