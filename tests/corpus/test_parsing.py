from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from corpus.parsing import (
    ParsedArticle,
    ParseError,
    derive_title,
    parse_article,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FOOTNOTE_MARKER = re.compile(r"\[(?:[ivxlc]+|\d+)\]")
TODAY = datetime.date(2025, 1, 1)

BODY = (
    "Central Asian governments have spent the past decade balancing Moscow "
    "against Beijing. The balance is shifting again this year."
)
BODY_2 = (
    "Pipelines, rail corridors and security pacts now tie the region to more "
    "partners than at any point since independence in 1991."
)


@cache
def seed(prefix: str) -> ParsedArticle:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return parse_article(path.read_text(encoding="utf-8"), today=TODAY)


def texts(article: ParsedArticle) -> list[str]:
    return [paragraph.text for paragraph in article.paragraphs]


def count_containing(article: ParsedArticle, fragment: str) -> int:
    return sum(fragment in text for text in texts(article))


# Seed articles -------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "title"),
    [
        ("000", "Has Iran Finally Found a Security Partner in Central Asia?"),
        ("001", "The Myth of an Iran-Russia Alliance in Afghanistan"),
        # The first line is a label; the headline keeps its curly apostrophe.
        (
            "002",
            "Iran’s drone factory in Tajikistan: A boon for Russia or a challenge?",
        ),
    ],
)
def test_parse_article_reads_title_line(prefix: str, title: str) -> None:
    article = seed(prefix)
    assert article.title == title
    assert not article.title_derived


def test_parse_article_derives_title_when_text_starts_with_body() -> None:
    article = seed("003")
    assert article.title_derived
    assert article.title == (
        "The United States is currently presented with a historical opening in "
        "Central Asia"
    )


@pytest.mark.parametrize(
    ("prefix", "dek"),
    [
        (
            "000",
            "Warming security ties between Iran and Turkmenistan could have "
            "long-lasting implications.",
        ),
        (
            "001",
            "For Iran and Russia, Afghanistan is more likely to be an area of "
            "geopolitical competition than a sphere of cooperation.",
        ),
        ("002", ""),
        ("003", ""),
    ],
)
def test_parse_article_keeps_dek_out_of_paragraphs(prefix: str, dek: str) -> None:
    article = seed(prefix)
    assert article.dek == dek
    assert not dek or dek not in texts(article)


@pytest.mark.parametrize(
    ("prefix", "section"),
    [
        ("000", "Crossroads Asia"),
        ("001", "The Pulse"),
        ("002", "Iran drone factory"),
        ("003", ""),
    ],
)
def test_parse_article_reads_section_label(prefix: str, section: str) -> None:
    assert seed(prefix).section == section


@pytest.mark.parametrize(
    ("prefix", "names"),
    [
        ("000", ["Samuel Ramani"]),
        ("001", ["Samuel Ramani"]),
        # No bio at the end: nobody is invented.
        ("002", []),
        ("003", ["Robert Schlesiger", "Daniel Egel", "Jeffrey Martini"]),
    ],
)
def test_parse_article_reads_authors_from_bio(prefix: str, names: list[str]) -> None:
    article = seed(prefix)
    assert [author.name for author in article.authors] == names
    assert all(author.bio.startswith(author.name) for author in article.authors)


def test_parse_article_bio_describes_the_author() -> None:
    (author,) = seed("000").authors
    assert author.bio.startswith("Samuel Ramani is an MPhil student")
    assert author.bio.endswith("on Twitter at samramani2.")


def test_parse_article_joint_bio_gives_each_author_their_clause() -> None:
    bios = {author.name: author.bio for author in seed("003").authors}
    assert "visiting military fellow" in bios["Robert Schlesiger"]
    assert "senior economist" in bios["Daniel Egel"]
    assert "senior defense researcher" in bios["Jeffrey Martini"]


def test_parse_article_reads_publication_line() -> None:
    article = seed("003")
    assert article.publication == "RealClearDefense"
    assert article.date == datetime.date(2023, 5, 25)
    assert article.year == 2023
    assert not article.date_estimated


@pytest.mark.parametrize(
    ("prefix", "year"),
    [("000", 2016), ("001", 2017), ("002", 2022)],
)
def test_parse_article_estimates_year_from_body(prefix: str, year: int) -> None:
    article = seed(prefix)
    assert article.year == year
    assert article.date is None
    assert article.date_estimated
    assert article.publication == ""


def test_parse_article_records_heading_on_paragraphs() -> None:
    article = seed("000")

    def heading_of(start: str) -> str:
        (heading,) = [p.heading for p in article.paragraphs if p.text.startswith(start)]
        return heading

    assert heading_of("On May 7, 2016, Iranian President") == ""
    assert heading_of("Iran and Afghanistan have had periods") == (
        "Iran-Turkmenistan Cooperation and Afghanistan’s Security"
    )
    assert heading_of("In addition to joint interests in securing") == (
        "Iran-Turkmenistan Cooperation Against Islamic Extremism"
    )


def test_parse_article_keeps_headings_out_of_paragraphs() -> None:
    article = seed("002")
    headings = list(dict.fromkeys(p.heading for p in article.paragraphs))
    assert headings == [
        "",
        "Gatekeeping the Near Abroad",
        "Iran, Russia and the West",
        "The JCPOA factor",
        "The Turkey factor",
        "Going forward",
    ]
    assert not set(headings) & set(texts(article))


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
@pytest.mark.parametrize(
    "fragment",
    [
        "Share on",
        "Recent Features",
        "Credit:",
        "Similar Articles",
        "Search the site",
        " is an MPhil",
        " is a DPhil",
        "is a visiting military fellow",
        "originally appeared",
        "Tehran Times, May 17, 2022",
    ],
)
def test_parse_article_drops_boilerplate(prefix: str, fragment: str) -> None:
    assert count_containing(seed(prefix), fragment) == 0


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_parse_article_strips_footnote_markers(prefix: str) -> None:
    assert not any(FOOTNOTE_MARKER.search(text) for text in texts(seed(prefix)))


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_parse_article_keeps_title_and_section_out_of_paragraphs(prefix: str) -> None:
    article = seed(prefix)
    assert article.title not in texts(article)
    assert article.section not in texts(article)


@pytest.mark.parametrize(
    ("prefix", "core"),
    [
        # Near repeat: the source sentence says "views the sovereignty ...".
        ("003", "alerted Central Asian leaders of the uncomfortable truth"),
        # Near repeat: the source inserts "—whether between governments or publicly—".
        ("003", "timely declassification and sharing of certain information"),
        ("002", "One of the key assumptions behind Iran’s developing Eurasian"),
        ("002", "aligns well with the goals of the EU Eastern Partnership"),
        ("002", "Tehran is likely to align with Moscow if it assumes a hostile"),
    ],
)
def test_parse_article_drops_pull_quotes(prefix: str, core: str) -> None:
    assert count_containing(seed(prefix), core) == 1


def test_parse_article_keeps_short_genuine_paragraph() -> None:
    assert (
        "We propose three possible prongs for expanded security cooperation "
        "with Kazakhstan." in texts(seed("003"))
    )


def test_parse_article_unglues_share_widget_from_next_sentence() -> None:
    article = seed("003")
    assert any(text.startswith("On the very same day,") for text in texts(article))
    assert any(text.startswith("The last prong, but") for text in texts(article))


def test_parse_article_collects_footnotes_as_references() -> None:
    references = seed("002").references
    assert len(references) == 13
    assert references[0].startswith("“Iran Opens Drone Factory in Tajikistan,”")
    assert references[-1].startswith("“Declaration on Allied Interaction")
    assert not any(FOOTNOTE_MARKER.match(reference) for reference in references)


@pytest.mark.parametrize(
    "fragment",
    [
        "opening of a drone factory in Tajikistan is a significant development",
        "new agenda items, relating to its own relief",
        "nothing to do with Ukraine. Thus, Iran’s increasing",
        "Iran’s ‘Look East’ doctrine holds that",
    ],
)
def test_parse_article_closes_gap_left_by_footnote_marker(fragment: str) -> None:
    assert count_containing(seed("002"), fragment) == 1


def test_parse_article_keeps_apostrophes_as_written() -> None:
    assert count_containing(seed("000"), "Turkmenistan’s") > 0
    assert count_containing(seed("003"), "Russia's ongoing war") == 1


@pytest.mark.parametrize(
    ("prefix", "first", "last"),
    [
        ("000", "On May 7, 2016,", "The recent Rouhani-Meredov summit"),
        ("001", "On September 28,", "Even though Russia and Iran have forged"),
        ("002", "Iran’s recent opening", "All in all, a complex array"),
        ("003", "The United States is currently", "Clearly, there remains much"),
    ],
)
def test_parse_article_body_runs_from_lead_to_last_paragraph(
    prefix: str, first: str, last: str
) -> None:
    paragraphs = texts(seed(prefix))
    assert paragraphs[0].startswith(first)
    assert paragraphs[-1].startswith(last)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_parse_article_normalises_whitespace(prefix: str) -> None:
    for text in texts(seed(prefix)):
        assert text == text.strip()
        assert "  " not in text
        assert "\u00a0" not in text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
@pytest.mark.parametrize(
    "reformat",
    [
        # Windows line endings and a byte order mark.
        lambda raw: "\ufeff" + raw.replace("\n", "\r\n"),
        # Single newlines between paragraphs.
        lambda raw: re.sub(r"\n\s*\n+", "\n", raw),
        # Extra blank lines.
        lambda raw: raw.replace("\n", "\n\n"),
        # Trailing spaces and tabs on every line.
        lambda raw: "\n".join(line + "  \t" for line in raw.split("\n")),
    ],
)
def test_parse_article_ignores_line_layout(
    prefix: str, reformat: Callable[[str], str]
) -> None:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    raw = path.read_text(encoding="utf-8")
    assert parse_article(reformat(raw), today=TODAY) == seed(prefix)


# Synthetic articles --------------------------------------------------------


def article_text(*lines: str, separator: str = "\n\n") -> str:
    return separator.join(lines)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # Widget glued onto the next sentence.
        (["Share on TwitterOn the very same day, talks resumed."], "On the very"),
        # Several widgets in a row, glued.
        (["Share on FacebookShare on LinkedInOn the very same day."], "On the very"),
        # Widget glued onto the end of a sentence.
        (["On the very same day, talks resumed.Share on Twitter"], "On the very"),
        # Widget on a line of its own.
        (["Share on Facebook", "On the very same day, talks resumed."], "On the"),
    ],
)
def test_parse_article_removes_share_widgets(lines: list[str], expected: str) -> None:
    article = parse_article(article_text("A Headline About Talks", BODY, *lines))
    assert not any("Share" in text for text in texts(article))
    assert texts(article)[-1].startswith(expected)


def test_parse_article_keeps_words_that_only_start_like_a_widget() -> None:
    text = "Share on Xinjiang policy has risen among Kazakh firms this year."
    article = parse_article(article_text("A Headline About Trade", BODY, text))
    assert texts(article)[-1] == text


def test_parse_article_drops_near_duplicate_pull_quote() -> None:
    source = (
        "Officials were candid. There are clear advantages in the timely, "
        "careful sharing of certain information—whether between governments "
        "or publicly—to achieve strategic effects. Others disagreed."
    )
    quote = (
        "There are clear advantages in the timely, careful sharing of certain "
        "information to achieve strategic effects."
    )
    article = parse_article(article_text("Intelligence Sharing", BODY, quote, source))
    assert texts(article) == [BODY, source]


def test_parse_article_drops_pull_quote_marked_by_share_widget() -> None:
    source = (
        "Observers noted that Astana has quietly widened its options with "
        "Western partners while keeping Moscow close."
    )
    quote = "Astana has widened its options with partners while keeping Moscow near."
    article = parse_article(
        article_text(source, quote, "Share on Twitter" + BODY, separator="\n")
    )
    assert texts(article) == [source, BODY]


def test_parse_article_keeps_short_paragraph_that_is_not_repeated() -> None:
    short = "We propose three possible prongs for expanded cooperation."
    article = parse_article(article_text("Three Prongs", BODY, short, BODY_2))
    assert texts(article) == [BODY, short, BODY_2]


def test_parse_article_drops_exact_pull_quote_before_its_source() -> None:
    quote = "Tehran is likely to align with Moscow on this question."
    source = f"Ankara watches closely. {quote} Baku is less sure."
    article = parse_article(
        article_text("Turkic Politics", BODY, quote, "", source, BODY_2)
    )
    assert texts(article) == [BODY, source, BODY_2]


def test_parse_article_reads_section_title_and_dek_from_repeated_header() -> None:
    article = parse_article(
        article_text(
            "The Debate",
            "Why Central Asia Matters Now",
            "Recent Features",
            "The Debate",
            "Why Central Asia Matters Now",
            "A region long ignored is suddenly courted by everyone.",
            "Why Central Asia Matters Now\nCredit: Example photo agency",
            BODY,
            "Why Central Asia Matters Now",
            BODY_2,
        )
    )
    assert article.section == "The Debate"
    assert article.title == "Why Central Asia Matters Now"
    assert article.dek == "A region long ignored is suddenly courted by everyone."
    assert texts(article) == [BODY, BODY_2]


def test_parse_article_reads_dek_right_under_headline() -> None:
    dek = "A region long ignored is suddenly courted by everyone."
    article = parse_article(article_text("Why Central Asia Matters", dek, BODY))
    assert article.dek == dek
    assert texts(article) == [BODY]


@pytest.mark.parametrize(
    "lead",
    [
        # One sentence, but too long for a dek.
        "Central Asian governments that spent the past decade balancing Moscow "
        "against Beijing now find that both capitals are distracted, and that "
        "Washington is paying attention again.",
        # Short, but followed by a shorter paragraph.
        "Central Asia is suddenly courted by everyone, from Ankara to Tokyo.",
    ],
)
def test_parse_article_keeps_one_sentence_lead_as_paragraph(lead: str) -> None:
    article = parse_article(article_text("Why Central Asia Matters", lead, "Why."))
    assert article.dek == ""
    assert texts(article)[0] == lead


def test_parse_article_keeps_subheading_that_repeats_headline() -> None:
    title = "The Turkey Factor"
    lead = f"{BODY} Officials admit as much. Few expected it."
    article = parse_article(article_text(title, lead, title, BODY_2))
    assert article.title == title
    assert article.dek == ""
    assert [(p.text, p.heading) for p in article.paragraphs] == [
        (lead, ""),
        (BODY_2, title),
    ]


def test_parse_article_reads_byline() -> None:
    article = parse_article(
        article_text("Pipelines and Power", "By Jane Doe and John Smith", BODY)
    )
    assert [author.name for author in article.authors] == ["Jane Doe", "John Smith"]
    assert texts(article) == [BODY]


def test_parse_article_reads_date_from_byline() -> None:
    article = parse_article(
        article_text("Pipelines and Power", "By Jane Doe | May 3, 2021", BODY)
    )
    assert article.date == datetime.date(2021, 5, 3)
    assert not article.date_estimated


def test_parse_article_attaches_bio_to_byline_author() -> None:
    bio = "Jane Doe is a senior fellow at the Example Institute."
    article = parse_article(
        article_text("Pipelines and Power", "By Jane Doe", BODY, BODY_2, bio)
    )
    assert [(a.name, a.bio) for a in article.authors] == [("Jane Doe", bio)]
    assert texts(article) == [BODY, BODY_2]


@pytest.mark.parametrize(
    "last_line",
    [
        # A country, not a person.
        "Iran is also interested in a stable border and a quiet north.",
        # Two capitalised words, but a place.
        "Central Asia is a region that will reward patient diplomacy.",
        # A person's name, but not at the start of the paragraph.
        "In the end, as Jane Doe is a realist, she expects little change.",
        # A name and "is a", but no role.
        "Jane Doe is a reminder that sanctions bite slowly.",
    ],
)
def test_parse_article_does_not_invent_author(last_line: str) -> None:
    article = parse_article(article_text("No Author Here", BODY, last_line))
    assert article.authors == ()
    assert texts(article)[-1] == last_line


def test_parse_article_drops_about_the_author_heading() -> None:
    bio = "Jane Doe is a senior fellow at the Example Institute."
    article = parse_article(
        article_text(
            "Joint Work", BODY, "Closing Thoughts", BODY_2, "About the Author", bio
        )
    )
    assert [a.name for a in article.authors] == ["Jane Doe"]
    assert [(p.text, p.heading) for p in article.paragraphs] == [
        (BODY, ""),
        (BODY_2, "Closing Thoughts"),
    ]


def test_parse_article_reads_plural_bio() -> None:
    bio = "Jane Doe and John Smith are research fellows at the Example Institute."
    article = parse_article(article_text("Joint Work", BODY, BODY_2, bio))
    assert [a.name for a in article.authors] == ["Jane Doe", "John Smith"]
    assert all(a.bio == bio for a in article.authors)


def test_parse_article_reads_one_bio_paragraph_per_author() -> None:
    first = "Jane Doe is a professor of history at Example University."
    second = "John Smith is an analyst covering energy markets."
    article = parse_article(article_text("Joint Work", BODY, BODY_2, first, second))
    assert [(a.name, a.bio) for a in article.authors] == [
        ("Jane Doe", first),
        ("John Smith", second),
    ]


@pytest.mark.parametrize(
    ("bio", "names"),
    [
        # Each common honorific, with its full stop.
        ("Dr. Ana Cruz is a senior lecturer at Example University.", ["Ana Cruz"]),
        (
            "Prof. Ana Cruz is a professor of history at Example University.",
            ["Ana Cruz"],
        ),
        ("Mr. John Smith is an analyst covering energy markets.", ["John Smith"]),
        ("Ms. Ana Cruz is a research fellow at the Example Institute.", ["Ana Cruz"]),
        ("Mrs. Ana Cruz is a research fellow at the Example Institute.", ["Ana Cruz"]),
        # Honorifics in a joint bio, in every clause.
        (
            "Dr. Ana Cruz is a senior lecturer at Example University, and "
            "Prof. John Smith is an analyst at the Example Institute.",
            ["Ana Cruz", "John Smith"],
        ),
        # Honorifics in a plural bio.
        (
            "Dr. Ana Cruz and Mr. John Smith are research fellows at Example "
            "University.",
            ["Ana Cruz", "John Smith"],
        ),
    ],
)
def test_parse_article_reads_bio_that_starts_with_an_honorific(
    bio: str, names: list[str]
) -> None:
    article = parse_article(article_text("Joint Work", BODY, BODY_2, bio))
    assert [a.name for a in article.authors] == names
    assert texts(article) == [BODY, BODY_2]


def test_parse_article_joint_bio_clause_drops_its_joining_comma() -> None:
    bio = (
        "Dr. Ana Cruz is a senior lecturer at Example University, and "
        "Prof. John Smith is an analyst at the Example Institute."
    )
    article = parse_article(article_text("Joint Work", BODY, BODY_2, bio))
    assert [a.bio for a in article.authors] == [
        "Dr. Ana Cruz is a senior lecturer at Example University.",
        "Prof. John Smith is an analyst at the Example Institute.",
    ]


def test_parse_article_byline_honorific_matches_the_bio() -> None:
    bio = "Dr. Ana Cruz is a senior lecturer at Example University."
    article = parse_article(
        article_text("Pipelines and Power", "By Dr. Ana Cruz", BODY, BODY_2, bio)
    )
    assert [(a.name, a.bio) for a in article.authors] == [("Ana Cruz", bio)]


def test_parse_article_derives_title_without_title_line() -> None:
    article = parse_article(article_text(BODY, BODY_2, separator="\n"))
    assert article.title_derived
    assert article.title == derive_title(BODY)
    assert texts(article) == [BODY, BODY_2]


@pytest.mark.parametrize(
    "text",
    [
        # Windows line endings.
        "A Headline\r\n\r\n" + BODY + "\r\n\r\n" + BODY_2 + "\r\n",
        # Byte order mark and single newlines.
        "\ufeffA Headline\n" + BODY + "\n" + BODY_2,
        # Old Mac line endings, tabs and runs of spaces.
        "A Headline\r\r" + BODY.replace(" ", " \t ") + "\r\r" + BODY_2 + "  ",
        # Non-breaking spaces.
        "A Headline\n\n" + BODY.replace(" ", "\u00a0") + "\n\n" + BODY_2,
    ],
)
def test_parse_article_normalises_line_endings_and_spaces(text: str) -> None:
    article = parse_article(text)
    assert article.title == "A Headline"
    assert texts(article) == [BODY, BODY_2]


def test_parse_article_joins_hard_wrapped_lines() -> None:
    wrapped = (
        "Central Asian governments have spent the past decade balancing Moscow\n"
        "against Beijing. The balance is shifting again this year."
    )
    article = parse_article(article_text("A Headline", wrapped, BODY_2))
    assert texts(article) == [BODY, BODY_2]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t  ",
        # Only site chrome.
        "Recent Features\n\nShare on Twitter\n\nSimilar Articles",
        # Only a headline.
        "A Headline Without Any Body",
        # Only footnotes.
        "[i] “Some Source,” Example Times, May 1, 2022.",
    ],
)
def test_parse_article_rejects_text_without_paragraphs(text: str) -> None:
    with pytest.raises(ParseError, match="no paragraphs found"):
        parse_article(text)


def test_parse_error_is_a_value_error() -> None:
    assert issubclass(ParseError, ValueError)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Marker between two words.
        ("Tajikistan[i] is a partner.", "Tajikistan is a partner."),
        # Marker after a full stop.
        ("It hit Ukraine.[xii] Thus it fell.", "It hit Ukraine. Thus it fell."),
        # Marker before a comma.
        ("New agenda items[xi], relating to it.", "New agenda items, relating to it."),
        # Arabic numerals, with a space before the marker.
        ("The deal collapsed [12] in March.", "The deal collapsed in March."),
        # Square brackets that are not footnotes stay.
        ("He said it [sic] twice.", "He said it [sic] twice."),
    ],
)
def test_parse_article_removes_footnote_markers(raw: str, expected: str) -> None:
    article = parse_article(article_text("Footnotes", raw))
    assert texts(article) == [expected]


def test_parse_article_collects_numbered_notes_section() -> None:
    article = parse_article(
        article_text(
            "Footnotes", BODY, "Notes", "1. A book, 2019.", "2. An article, 2021."
        )
    )
    assert article.references == ("A book, 2019.", "An article, 2021.")
    assert texts(article) == [BODY]


def test_parse_article_cuts_everything_after_similar_articles() -> None:
    article = parse_article(
        article_text("A Headline", BODY, "Similar Articles", BODY_2, "More text.")
    )
    assert texts(article) == [BODY]


def test_parse_article_records_subheadings() -> None:
    article = parse_article(
        article_text("A Headline", BODY, "The Energy Factor", BODY_2)
    )
    assert [(p.text, p.heading) for p in article.paragraphs] == [
        (BODY, ""),
        (BODY_2, "The Energy Factor"),
    ]


def test_parse_article_latest_year_is_never_after_today() -> None:
    body = "Plans for 2030 were drafted in 2019 after talks in 2017."
    article = parse_article(
        article_text("Plans", body), today=datetime.date(2020, 1, 1)
    )
    assert article.year == 2019
    assert article.date_estimated


def test_parse_article_ignores_years_in_references_and_bios() -> None:
    article = parse_article(
        article_text(
            "Plans",
            "Talks began in 2014 and went nowhere. Nobody expected more.",
            "Jane Doe is a fellow at the Example Institute since 2021.",
            "[i] “Some Source,” Example Times, May 1, 2022.",
        ),
        today=TODAY,
    )
    assert article.year == 2014


def test_parse_article_leaves_year_empty_without_any_year() -> None:
    article = parse_article(article_text("Plans", BODY))
    assert article.year is None
    assert not article.date_estimated


@pytest.mark.parametrize(
    ("note", "publication", "date"),
    [
        (
            "This article was originally published by The Hill on March 3, 2021.",
            "The Hill",
            datetime.date(2021, 3, 3),
        ),
        (
            "This piece first appeared in Foreign Policy on 4 July 2020.",
            "Foreign Policy",
            datetime.date(2020, 7, 4),
        ),
        (
            "A version of this commentary originally appeared in The National "
            "Interest.",
            "The National Interest",
            None,
        ),
        (
            "Originally published in Foreign Affairs on Sept. 2, 2022.",
            "Foreign Affairs",
            datetime.date(2022, 9, 2),
        ),
    ],
)
def test_parse_article_reads_publication_variants(
    note: str, publication: str, date: datetime.date | None
) -> None:
    article = parse_article(article_text("Plans", BODY, BODY_2, note), today=TODAY)
    assert article.publication == publication
    assert article.date == date
    assert article.year == (date.year if date else 1991)
    assert article.date_estimated is (date is None)
    assert texts(article) == [BODY, BODY_2]


@pytest.mark.parametrize(
    "sentence",
    [
        "The idea first appeared in Russian doctrine in 2008, then faded.",
        "First published in 2008, the doctrine was soon forgotten in Moscow.",
    ],
)
def test_parse_article_keeps_body_sentence_about_first_appearance(
    sentence: str,
) -> None:
    article = parse_article(article_text("Doctrine", sentence), today=TODAY)
    assert article.publication == ""
    assert article.date is None
    assert texts(article) == [sentence]


def test_parse_article_reads_source_url_line() -> None:
    article = parse_article(
        article_text("Plans", BODY, "Source: https://example.org/plans")
    )
    assert article.source_url == "https://example.org/plans"
    assert texts(article) == [BODY]


@pytest.mark.parametrize(
    "text",
    [
        # One enormous line with no sentence breaks.
        "word " * 200_000,
        # Endless footnote-like brackets.
        "[" * 200_000,
        # Endless share widgets.
        "Share on Twitter" * 20_000 + " Then the body begins.",
        # Endless would-be bios.
        "Jane Doe is " * 50_000,
    ],
)
def test_parse_article_survives_hostile_input(text: str) -> None:
    try:
        article = parse_article(text)
    except ParseError:
        return
    assert article.paragraphs


# derive_title --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Short first sentence, kept whole without its full stop.
        ("Russia is retreating. Others move in.", "Russia is retreating"),
        # A cut at the word limit finishes a short name rather than split it.
        (
            "The United States is currently presented with a historical opening "
            "in Central Asia.",
            "The United States is currently presented with a historical opening "
            "in Central Asia",
        ),
        (
            "The United States is currently presented with a historical opening "
            "in Central Asia today, and more.",
            "The United States is currently presented with a historical opening "
            "in Central Asia…",
        ),
        # A long name at the cut is left out, with the small words before it.
        (
            "Talks went well for one two three four five six seven at the Shanghai "
            "Cooperation Organisation Summit Meeting in June.",
            "Talks went well for one two three four five six seven…",
        ),
        # Long sentence cut to the word limit.
        (
            "One two three four five six seven eight nine ten eleven twelve "
            "thirteen fourteen.",
            "One two three four five six seven eight nine ten eleven twelve…",
        ),
        # Dangling small words are dropped before the ellipsis.
        (
            "One two three four five six seven eight nine ten eleven of the end.",
            "One two three four five six seven eight nine ten eleven…",
        ),
        # Footnote markers and extra spaces go.
        ("Iran[i]   opens  a factory.", "Iran opens a factory"),
        ("", ""),
    ],
)
def test_derive_title_shortens_opening_sentence(text: str, expected: str) -> None:
    assert derive_title(text) == expected


def test_derive_title_respects_max_words() -> None:
    assert derive_title("Alpha beta gamma delta epsilon.", max_words=3) == (
        "Alpha beta gamma…"
    )
