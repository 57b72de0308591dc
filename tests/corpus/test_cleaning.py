"""The scraped-text cleaner: one signal or rule a test, on short synthetic pages."""

from __future__ import annotations

import datetime

import pytest

from corpus.cleaning import clean_scraped_text, copyright_year
from corpus.extract import parse_document, read_document

P1 = (
    "Officials in Tehran said on Monday that trade across the border with "
    "Turkmenistan had grown again this year, and that both governments expect more."
)
P2 = (
    "The railway will carry grain north and cotton south, and the two ministries "
    "have set up a joint office in Ashgabat to run the timetable and the tariffs."
)
P3 = (
    "Critics in both capitals say the deal was made in haste, but the traders who "
    "use the crossing every week say it has already cut their waiting times."
)
MENU = "".join(f"* Section {n}\n" for n in range(20))


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def parsed(text: str):
    return parse_document(read_document(text, name="page.txt"))


def kept(text: str) -> str:
    return clean_scraped_text(text).text


def test_clean_text_passes_unchanged() -> None:
    text = page("Trade Grows", P1, P2)
    assert kept(text) == text


def test_menu_links_with_bullets_are_dropped() -> None:
    text = MENU + page("* Share", "* Privacy Policy", "Trade Grows", P1, P2, P3)
    cleaned = kept(text)
    assert "Section" not in cleaned and "Share" not in cleaned
    assert "Privacy Policy" not in cleaned
    assert P1 in cleaned and P3 in cleaned


def test_a_related_list_after_the_body_ends_the_article() -> None:
    text = MENU + page("Trade Grows", P1, P2, "Related articles", "* Another story", P3)
    assert P3 not in kept(text)


def test_a_related_line_in_the_menu_does_not_cut_the_article() -> None:
    text = page("* Home", "* You may also like", MENU, "Trade Grows", P1, P2, P3)
    assert all(paragraph in kept(text) for paragraph in (P1, P2, P3))


def test_comments_after_the_body_are_not_the_article() -> None:
    comment = "I have crossed that border many times and it was never this quick, so "
    text = MENU + page(
        "Trade Grows", P1, P2, P3, "12 Comments", *(comment + str(n) for n in range(9))
    )
    assert comment not in kept(text)


def test_cookie_notice_is_furniture_even_when_long() -> None:
    cookies = (
        "This website uses cookies to improve your experience. We use cookies for "
        "analytics and cookies for advertising, and you can opt out of cookies."
    )
    assert cookies not in kept(MENU + page("Trade Grows", P1, P2, P3, cookies))


@pytest.mark.parametrize(
    "headline",
    [
        "China's Security Footprint in Tajikistan Is Growing. Moscow Has Noticed.",
        "Will Trade Across the Turkmen Border Keep Growing?",
    ],
)
def test_headline_ending_in_a_stop_or_asking_is_kept_whole(headline: str) -> None:
    lead = (
        "China's growing security footprint in Tajikistan has been noticed in "
        "Moscow, where officials will ask whether the border trade keeps growing."
    )
    text = MENU + page("Skip to main content", headline, lead, P1, P2)
    article = parsed(text)
    assert article.title == headline
    assert all(p.text != headline for p in article.paragraphs)


def test_headline_is_chosen_over_teasers_by_the_words_it_shares() -> None:
    text = MENU + page(
        "Football scores from the weekend",
        "Trade Across the Turkmen Border Grows",
        "By Jane Analyst | Example Review",
        P1,
        P2,
    )
    article = parsed(text)
    assert article.title == "Trade Across the Turkmen Border Grows"
    assert [author.name for author in article.authors] == ["Jane Analyst"]


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("Published November 18, 2019", datetime.date(2019, 11, 18)),
        ("Updated 18 November 2019, 10:41", datetime.date(2019, 11, 18)),
        ("2019-11-18T10:41", datetime.date(2019, 11, 18)),
        ("Nov. 18, 2019 at 9:08 GMT", datetime.date(2019, 11, 18)),
    ],
)
def test_date_is_read_from_the_header(line: str, date: datetime.date) -> None:
    text = MENU + page("Trade Across the Turkmen Border Grows", line, P1, P2)
    assert parsed(text).date == date


@pytest.mark.parametrize(
    ("footer", "year"),
    [
        ("© 2019 Example Review. All rights reserved.", 2019),
        ("Copyright (c) 2005-2019 Example Review", 2019),
        ("Photo © Jane Analyst", None),
        ("Trade grew by 2019 tonnes", None),
    ],
)
def test_copyright_year_is_read_from_the_notice(footer: str, year: int | None) -> None:
    assert copyright_year(page(P1, footer)) == year


def test_a_guessed_year_is_never_later_than_the_copyright_notice() -> None:
    ahead = "The two ministries plan to open a second line in 2021, if funds allow."
    footer = "© 2019 Example Review. All rights reserved."
    text = MENU + page("Trade Across the Turkmen Border Grows", P1, ahead, P2, footer)
    article = parsed(text)
    assert article.date is None
    assert (article.year, article.date_estimated) == (2019, True)
    # Without a notice the year the text mentions last is still the guess.
    assert parsed(MENU + page("Trade Grows", P1, ahead, P2)).year == 2021


def test_footnotes_after_a_footer_are_kept_as_references() -> None:
    text = MENU + page(
        "Trade Grows",
        P1 + "[1]",
        P2,
        P3,
        "Similar Articles",
        "* Another story",
        "[1] Ministry of Trade, Annual Report 2019, p. 4.",
    )
    article = parsed(text)
    assert article.references == ("Ministry of Trade, Annual Report 2019, p. 4.",)
    assert all("Annual Report" not in p.text for p in article.paragraphs)


def test_stoplist_follows_the_language_of_the_page() -> None:
    body = (
        "O governo anunciou nesta segunda-feira que as exportações de café para a "
        "Europa cresceram no último ano, e que os produtores esperam mais em breve."
    )
    text = MENU + page("Exportações crescem", body, body.replace("café", "soja"))
    assert body in kept(text)


def test_every_dropped_block_has_a_reason() -> None:
    cleaned = clean_scraped_text(MENU + page("Trade Grows", P1, P2, P3))
    assert cleaned.dropped
    assert all(block.reason for block in cleaned.dropped)


def test_short_text_without_furniture_keeps_every_line() -> None:
    # Its only line long enough to read as body is the title.
    text = page(
        "A long title about Tehran, Moscow and the sanctions they both live under",
        "Tehran and Moscow talked about sanctions and pipelines.",
        "Ashgabat said little about water and the Caspian.",
    )
    assert kept(text) == text
    assert len(parsed(text).paragraphs) == 2
