from __future__ import annotations

import datetime

import pytest

from search.citations import (
    CitedWork,
    bibtex_entries,
    bibtex_entry,
    bibtex_key,
    chicago_note,
    ris_record,
    ris_records,
    split_name,
)


def make_work(**changes: object) -> CitedWork:
    values: dict[str, object] = {
        "article_id": 7,
        "title": "Has Iran Finally Found a Security Partner in Central Asia?",
        "authors": ("Samuel Ramani",),
        "publication": "The Diplomat",
        "year": 2016,
        "date": datetime.date(2016, 5, 20),
        "date_estimated": False,
        "url": "https://refdesk.example/articles/7/",
        "source_url": "https://thediplomat.com/2016/05/iran-central-asia/",
        "accessed": datetime.date(2026, 12, 1),
    }
    values.update(changes)
    return CitedWork(**values)  # type: ignore[arg-type]


def test_chicago_note_cites_the_original_with_locator_and_accessed_date() -> None:
    note = chicago_note(make_work(), paragraph=7)
    assert note == (
        "Samuel Ramani, “Has Iran Finally Found a Security Partner in Central Asia?” "
        "The Diplomat, May 20, 2016, para. 7, accessed December 1, 2026, "
        "https://thediplomat.com/2016/05/iran-central-asia/."
    )


def test_chicago_note_without_a_source_never_gives_the_refdesk_address() -> None:
    note = chicago_note(make_work(source_url=""), paragraph=7)
    assert note.endswith("May 20, 2016, para. 7.")
    assert "refdesk.example" not in note


def test_chicago_note_puts_comma_inside_quotes_after_plain_title() -> None:
    note = chicago_note(make_work(title="The Myth of an Alliance"), paragraph=2)
    assert "“The Myth of an Alliance,” The Diplomat" in note


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ((), "“Has Iran"),  # no author: the note starts with the title
        (("A B", "C D"), "A B and C D, “"),
        (("A B", "C D", "E F"), "A B, C D, and E F, “"),
        (("A B", "C D", "E F", "G H"), "A B et al., “"),
    ],
)
def test_chicago_note_joins_authors(authors: tuple[str, ...], expected: str) -> None:
    assert chicago_note(make_work(authors=authors)).startswith(expected)


def test_chicago_note_marks_an_estimated_year() -> None:
    note = chicago_note(make_work(date=None, date_estimated=True))
    assert "[2016?]" in note


def test_chicago_note_without_any_date_says_nd() -> None:
    assert "n.d." in chicago_note(make_work(date=None, year=None))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Samuel Ramani", ("Ramani", "Samuel")),
        ("Mary Anne van Dyke", ("Dyke", "Mary Anne van")),
        ("Martin Luther King Jr.", ("King, Jr.", "Martin Luther")),
        ("RAND", ("RAND", "")),
        ("  ", ("", "")),
    ],
)
def test_split_name_family_and_given(name: str, expected: tuple[str, str]) -> None:
    assert split_name(name) == expected


def test_bibtex_entry_is_a_misc_web_record_of_the_source() -> None:
    entry = bibtex_entry(make_work())
    assert entry.startswith("@misc{ramani2016iran,")
    assert "  author = {Ramani, Samuel}," in entry
    assert "  howpublished = {The Diplomat}," in entry
    assert "journal" not in entry
    assert "  year = {2016}," in entry
    assert "  month = may," in entry
    assert "  url = {https://thediplomat.com/2016/05/iran-central-asia/}," in entry
    assert "  urldate = {2026-12-01}," in entry
    assert "  note = {Refdesk link: https://refdesk.example/articles/7/}," in entry
    assert entry.endswith("}")


def test_bibtex_entry_without_a_source_has_no_url() -> None:
    entry = bibtex_entry(make_work(source_url=""))
    assert "url =" not in entry
    assert "urldate" not in entry


@pytest.mark.parametrize(
    "hostile",
    [
        "Braces } and { break entries",  # unbalanced braces
        "50% & $5 #1 _x_ ^ ~ \\",  # every BibTeX special character
        "Line\nbreak\r\nand\x00nul",  # control characters
    ],
)
def test_bibtex_entry_escapes_special_characters(hostile: str) -> None:
    entry = bibtex_entry(make_work(title=hostile, publication=hostile))
    unescaped = entry.replace("\\{", "").replace("\\}", "")
    assert unescaped.count("{") == unescaped.count("}")
    assert "\x00" not in entry
    assert len(entry.splitlines()) == len(bibtex_entry(make_work()).splitlines())


def test_bibtex_entry_braces_a_corporate_author() -> None:
    assert "author = {{RAND Corporation}}" not in bibtex_entry(
        make_work(authors=("RAND",))
    )
    assert "author = {{RAND}}," in bibtex_entry(make_work(authors=("RAND",)))


def test_bibtex_entries_makes_keys_unique() -> None:
    text = bibtex_entries(
        [make_work(), make_work(article_id=8), make_work(article_id=9)]
    )
    assert "@misc{ramani2016iran," in text
    assert "@misc{ramani2016irana," in text
    assert "@misc{ramani2016iranb," in text


def test_bibtex_key_falls_back_without_author_or_words() -> None:
    assert bibtex_key(make_work(authors=(), title="?", year=None)) == "refdesk"


def test_ris_record_tags_in_order() -> None:
    lines = ris_record(make_work(source_url="https://thediplomat.com/x")).split("\r\n")
    assert [line for line in lines if line.startswith("UR")] == [
        "UR  - https://thediplomat.com/x"
    ]
    assert "Y2  - 2026/12/01" in lines
    assert "N1  - Refdesk link: https://refdesk.example/articles/7/" in lines
    assert lines[0] == "TY  - ELEC"
    assert "AU  - Ramani, Samuel" in lines
    assert "TI  - Has Iran Finally Found a Security Partner in Central Asia?" in lines
    assert "T2  - The Diplomat" in lines
    assert "DA  - 2016/05/20" in lines
    assert "UR  - https://thediplomat.com/x" in lines
    assert lines[-1] == "ER  -"


def test_ris_record_keeps_every_value_on_one_line() -> None:
    record = ris_record(make_work(title="Evil\r\nER  - \nTY  - JOUR"))
    assert record.count("ER  -") == 1


def test_ris_records_separates_records() -> None:
    text = ris_records([make_work(), make_work(article_id=8)])
    assert text.count("TY  - ELEC") == 2
    assert text.endswith("ER  -\r\n")
