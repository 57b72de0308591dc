from __future__ import annotations

import datetime

import pytest

from corpus.extract import ExtractError, extract_html, read_document
from corpus.parsing import parse_article

PAGE = """<!doctype html>
<html><head><title>Has Iran Found a Partner? | The Site</title>
<meta name="author" content="Jane Analyst">
<meta property="article:published_time" content="2016-05-09T10:00:00Z">
</head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<article>
<h1>Has Iran Found a Partner?</h1>
<p>On May 7, 2016, Iranian President Hassan Rouhani welcomed Turkmenistan’s foreign
minister to Tehran. After their bilateral meeting, Rouhani declared that Iran and
Turkmenistan needed to expand their security partnership.</p>
<script>alert("x")</script>
<p>Iran was the first country to recognize Turkmenistan as an independent state in
1991. Ashgabat has also long been described as Iran’s gateway to Central Asia.</p>
</article>
<footer>Copyright 2016 The Site. All rights reserved.</footer>
</body></html>
"""


def test_extract_html_keeps_the_article_text() -> None:
    extracted = extract_html(PAGE)
    assert "Rouhani welcomed" in extracted.text
    assert "gateway to Central Asia" in extracted.text


@pytest.mark.parametrize(
    "chrome",
    ['alert("x")', "All rights reserved", "About"],
)
def test_extract_html_drops_page_furniture(chrome: str) -> None:
    assert chrome not in extract_html(PAGE).text


def test_extract_html_reads_metadata() -> None:
    extracted = extract_html(PAGE)
    assert extracted.authors == ("Jane Analyst",)
    assert extracted.date == datetime.date(2016, 5, 9)


def test_extract_html_output_goes_through_the_parser() -> None:
    parsed = parse_article(extract_html(PAGE).text)
    assert parsed.title.startswith("Has Iran Found a Partner")
    assert len(parsed.paragraphs) == 2


@pytest.mark.parametrize(
    "html",
    [
        "<html><body></body></html>",  # no body text
        "<html><body><script>var a = 1;</script></body></html>",  # only script
        "<html><body><nav><a href='/'>Home</a></nav></body></html>",  # only chrome
        "",
    ],
)
def test_extract_html_without_body_text_is_an_error(html: str) -> None:
    with pytest.raises(ExtractError):
        extract_html(html)


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("# Title", "Title"),
        ("## Section ##", "Section"),
        ("Some **bold** and *italic* words", "Some bold and italic words"),
        ("See [the report](https://example.org/r).", "See the report."),
        ("> A quoted line", "A quoted line"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("---", ""),
    ],
)
def test_markdown_is_rendered_and_read_as_blocks(markdown: str, text: str) -> None:
    assert read_document(markdown, name="a.md").text == text


def test_markdown_keeps_paragraph_breaks() -> None:
    assert read_document("# T\n\nOne.\n\nTwo.", name="a.md").text == "T\n\nOne.\n\nTwo."
