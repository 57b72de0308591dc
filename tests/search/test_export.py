from __future__ import annotations

import csv
import datetime
import io
import json

import pytest

from corpus.models import (
    Article,
    ArticleAuthor,
    Author,
    Country,
    Paragraph,
    ParagraphCountry,
    Publication,
    TagStatus,
)
from search.export import (
    EXPORT_LIMIT,
    export_filename,
    export_links,
    paragraph_rows,
    render_csv,
    render_json,
)
from search.query import SearchRequest

BASE = "https://refdesk.example"


@pytest.fixture
def article(db) -> Article:
    found = Article.objects.create(
        title="Opium on the border",
        publication=Publication.objects.create(name="The Diplomat"),
        year=2016,
    )
    ArticleAuthor.objects.create(
        article=found, author=Author.objects.create(name="Samuel Ramani"), position=0
    )
    return found


def add_paragraph(article: Article, position: int, text: str) -> Paragraph:
    return Paragraph.objects.create(article=article, position=position, text=text)


def test_paragraph_rows_follow_the_given_order_and_skip_missing_ids(article) -> None:
    first = add_paragraph(article, 1, "First.")
    second = add_paragraph(article, 2, "Second.")
    rows = paragraph_rows([second.pk, 999_999, first.pk], base_url=BASE)
    assert [row.paragraph_id for row in rows] == [second.pk, first.pk]
    assert rows[0].url == f"{BASE}/articles/{article.pk}/#p-2"
    assert rows[0].authors == ("Samuel Ramani",)
    assert rows[0].publication == "The Diplomat"


def test_paragraph_rows_list_only_active_country_tags(article) -> None:
    paragraph = add_paragraph(article, 1, "Iran and Turkmenistan.")
    iran = Country.objects.get(code="IR")
    turkmenistan = Country.objects.get(code="TM")
    ParagraphCountry.objects.create(paragraph=paragraph, country=iran)
    ParagraphCountry.objects.create(
        paragraph=paragraph, country=turkmenistan, status=TagStatus.REJECTED
    )
    (row,) = paragraph_rows([paragraph.pk], base_url=BASE)
    assert row.countries == ("Iran",)


def test_render_csv_has_header_and_one_row_per_paragraph(article) -> None:
    paragraph = add_paragraph(article, 1, 'Text with, a comma and "quotes".')
    rows = list(
        csv.DictReader(
            io.StringIO(render_csv(paragraph_rows([paragraph.pk], base_url=BASE)))
        )
    )
    assert len(rows) == 1
    assert rows[0]["text"] == 'Text with, a comma and "quotes".'
    assert rows[0]["article_title"] == "Opium on the border"


@pytest.mark.parametrize(
    "formula",
    [
        '=HYPERLINK("http://evil")',  # spreadsheet formula
        "+1+1",
        "-2+3",
        "@SUM(A1)",
    ],
)
def test_render_csv_defuses_spreadsheet_formulas(article, formula: str) -> None:
    paragraph = add_paragraph(article, 1, formula)
    (row,) = csv.DictReader(
        io.StringIO(render_csv(paragraph_rows([paragraph.pk], base_url=BASE)))
    )
    assert row["text"] == "'" + formula


def test_render_json_lists_paragraphs_with_lists_of_labels(article) -> None:
    paragraph = add_paragraph(article, 1, "<script>alert(1)</script>")
    payload = json.loads(
        render_json(
            paragraph_rows([paragraph.pk], base_url=BASE), query="opium", truncated=True
        )
    )
    assert payload["query"] == "opium"
    assert payload["truncated"] is True
    assert payload["limit"] == EXPORT_LIMIT
    assert payload["paragraphs"][0]["text"] == "<script>alert(1)</script>"
    assert payload["paragraphs"][0]["authors"] == ["Samuel Ramani"]


def test_export_links_keep_the_result_set_but_not_the_page() -> None:
    links = export_links(
        [("q", "opium"), ("country", "IR"), ("page", "3"), ("group", "article")]
    )
    assert [link.label for link in links] == ["CSV", "JSON", "BibTeX", "RIS"]
    assert links[0].url == "/export.csv?q=opium&country=IR"


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("opium", "refdesk-opium-2026-12-01.csv"),
        ('"Near abroad" -China', "refdesk-near-abroad-china-2026-12-01.csv"),
        ("Türkiye", "refdesk-turkiye-2026-12-01.csv"),  # folded to ASCII
        ("", "refdesk-2026-12-01.csv"),  # browsing: the date alone
        ("../../etc/passwd", "refdesk-etcpasswd-2026-12-01.csv"),  # no path parts
    ],
)
def test_export_filename_names_the_query_and_the_day(q: str, expected: str) -> None:
    request = SearchRequest.from_querydict({"q": q})
    name = export_filename(request, extension="csv", today=datetime.date(2026, 12, 1))
    assert name == expected
