"""One ingestion path: text, Markdown and HTML files, by content as well as name."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corpus.extract import read_document, sniff_format
from corpus.models import Article

pytestmark = pytest.mark.django_db

BODY = (
    "Officials in Tehran said on Monday that trade across the border with "
    "Turkmenistan had grown again this year, and that both governments expect "
    "more of it once the new railway opens."
)
SECOND = (
    "The railway will carry grain north and cotton south, and the two ministries "
    "have set up a joint office in Ashgabat to run the timetable and the tariffs."
)
PAGE = f"""<!doctype html>
<html lang="en"><head>
<title>Trade Grows Across the Border | Example Review</title>
<link rel="canonical" href="https://example.org/2019/11/trade-grows">
<meta property="og:site_name" content="Example Review">
<meta name="author" content="Jane Analyst">
<meta property="article:published_time" content="2019-11-18T10:00:00Z">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/about">About</a></nav>
<article>
<h1>Trade Grows Across the Border</h1>
<p>{BODY}</p>
<h2>The railway</h2>
<p>{SECOND}</p>
<ul><li>Grain shipments doubled in the first half</li>
<li>Cotton exports went mostly by road</li></ul>
</article>
<footer>Copyright 2019 Example Review. All rights reserved.</footer>
</body></html>
"""
MARKDOWN = f"""# Trade Grows Across the Border

By Jane Analyst

{BODY}

## The railway

{SECOND}
"""
LOGIN = """<!doctype html><html><head><title>Sign in</title></head><body>
<form><label>Username <input name="user"></label>
<label>Password <input type="password" name="pw"></label>
<button>Log in</button> <a href="/forgot">Forgot your password?</a></form>
</body></html>"""
INDEX = (
    "<!doctype html><html><head><title>World news</title></head><body><ul>"
    + "".join(f'<li><a href="/story/{n}">Story number {n}</a></li>' for n in range(40))
    + "</ul></body></html>"
)


def run_ingest(*paths: Path, options: tuple[str, ...] = ()) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("ingest", *map(str, paths), "--no-index", *options, stdout=out)
    except CommandError:
        return out.getvalue(), 1
    return out.getvalue(), 0


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (PAGE, "page.html", "html"),
        (PAGE, "page.txt", "html"),  # a page saved with the wrong extension
        ("<p>Hello</p>\n" * 3 + "<div>x</div><a href=x>y</a>", "a.htm", "html"),
        (MARKDOWN, "article.md", "markdown"),
        (MARKDOWN, "article.txt", "text"),  # Markdown is only trusted by its name
        ("Title\n\nSome text with <b>one</b> tag in it.", "note.txt", "text"),
    ],
)
def test_format_is_sniffed_from_content_then_name(
    text: str, name: str, kind: str
) -> None:
    assert sniff_format(text, name=name) == kind


@pytest.mark.parametrize("name", ["page.html", "page.htm", "page.txt"])
def test_html_is_ingested_with_its_metadata(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(PAGE, encoding="utf-8")
    output, code = run_ingest(path)
    assert code == 0, output
    article = Article.objects.get()
    assert article.title == "Trade Grows Across the Border"
    assert article.year == 2019
    assert article.source_url == "https://example.org/2019/11/trade-grows"
    assert article.publication.name == "Example Review"
    assert [a.name for a in article.authors.all()] == ["Jane Analyst"]
    texts = list(article.paragraphs.values_list("text", flat=True))
    assert texts[0] == BODY
    assert "Cotton exports went mostly by road" in texts
    assert not any("<" in text or "All rights reserved" in text for text in texts)


def test_markdown_file_is_rendered_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "article.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    output, code = run_ingest(path)
    assert code == 0, output
    article = Article.objects.get()
    assert article.title == "Trade Grows Across the Border"
    headings = list(article.paragraphs.values_list("heading", flat=True))
    assert headings == ["", "The railway"]
    assert not article.paragraphs.filter(text__contains="#").exists()


def test_a_folder_takes_every_article_format(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.md").write_text(MARKDOWN.replace("Trade", "Gas"), encoding="utf-8")
    (tmp_path / "c.htm").write_text(PAGE.replace("Trade", "Cotton"), encoding="utf-8")
    output, code = run_ingest(tmp_path)
    assert code == 0, output
    assert Article.objects.count() == 3


def test_a_url_line_in_a_text_file_is_the_source_url(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        f"Trade Grows\n\n{BODY}\n\nSource: https://example.org/trade\n",
        encoding="utf-8",
    )
    run_ingest(path)
    assert Article.objects.get().source_url == "https://example.org/trade"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("login.html", LOGIN.encode(), "a login page"),
        ("index.html", INDEX.encode(), "an index page"),
        ("empty.html", b"<html><body><nav>Home</nav></body></html>", "no body"),
        ("blank.txt", b"\n  \n", "empty file"),
        ("report.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        ("menu.txt", b"* Home\n* News\n* Sport\n* About us\n", "no article body"),
    ],
)
def test_bad_input_is_skipped_with_its_reason_and_saves_nothing(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    output, code = run_ingest(path)
    assert code == 1
    assert f"{name}: skipped: " in output and reason in output
    assert not Article.objects.exists()


def test_dry_run_explain_prints_each_block_and_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "scraped.txt"
    path.write_text(
        "Skip to main content\n* Home\n* World\n* Subscribe now\n"
        + "* Menu item\n" * 20
        + "Trade Grows Across the Border\nBy Jane Analyst\n\n"
        + f"{BODY}\n\n{SECOND}\n\n"
        + "Related articles\n* Another story about trade\n",
        encoding="utf-8",
    )
    output, code = run_ingest(path, options=("--dry-run", "--explain"))
    assert code == 0, output
    assert "drop  page furniture (boilerplate words)    Skip to main content" in output
    assert "keep  body" in output
    assert "title: Trade Grows Across the Border" in output
    assert "scraped.txt: read: “Trade Grows Across the Border”, 2 paragraphs" in output
    assert not Article.objects.exists()


def test_html_page_that_takes_too_long_is_cut_off(monkeypatch) -> None:
    from corpus import extract

    monkeypatch.setattr(extract, "HTML_TIMEOUT_SECONDS", 0.0)
    with pytest.raises(extract.ExtractError, match="took longer than"):
        read_document(PAGE * 50, name="slow.html")


def test_menus_shared_by_the_files_of_a_run_are_dropped(tmp_path: Path) -> None:
    # Each page alone keeps its short lines; two pages of one site share them.
    menu = "Our newsroom\nWeather today\nLocal sport\n"
    for name, text in (("a.txt", BODY), ("b.txt", SECOND)):
        (tmp_path / name).write_text(
            f"{menu}Headline {name}\n\n{text}\n\n{text}\n\n{menu}", encoding="utf-8"
        )
    output, code = run_ingest(tmp_path, options=("--dry-run", "--explain"))
    assert code == 0, output
    assert output.count("drop  repeated across pages") == 12
