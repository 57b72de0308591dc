"""An ingested article full of markup stays inert on every surface that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.ingest import ingest_paths
from corpus.models import Article
from search.index import rebuild_index

pytestmark = pytest.mark.django_db

HOSTILE_ARTICLE = """\
Markup <b>in</b> the headline of a hostile sample

A test article whose text carries markup, scripts and links of every kind.

The sanctions report quoted <script>alert('xss')</script> verbatim in its appendix, \
and analysts in Tehran reviewed the attached material twice before the meeting ended.

Another paragraph about sanctions embeds <img src=x onerror="alert(2)"> as an image \
and a <a href="javascript:alert(3)">link to the sanctions list</a> for the reviewers.

Jane Roe is a senior analyst at the Example Institute who studies sanctions policy.
"""

PAYLOADS = ("<script>", "onerror=", "javascript:alert", "<b>in</b>")


@pytest.fixture
def hostile_article(tmp_path: Path) -> Article:
    path = tmp_path / "hostile.txt"
    path.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    report = ingest_paths([path], update_index=False)
    assert report.count("created") == 1, report.results
    rebuild_index()
    return Article.objects.get(source_file="hostile.txt")


def _assert_inert(html: str) -> None:
    for payload in ("<script>alert", "<img src=x", 'href="javascript:', "<b>in</b>"):
        assert payload not in html, payload


def test_escaping_search_page_snippets_are_inert(hostile_article, analyst_client):
    response = analyst_client.get("/", {"q": "sanctions appendix"})
    html = response.content.decode()
    assert "&lt;script&gt;" in html
    _assert_inert(html)


def test_escaping_htmx_partial_is_inert(hostile_article, analyst_client):
    response = analyst_client.get("/", {"q": "sanctions"}, HTTP_HX_REQUEST="true")
    _assert_inert(response.content.decode())


def test_escaping_api_snippets_are_escaped(hostile_article, analyst_client):
    body = analyst_client.get("/api/search", {"q": "appendix"}).json()
    (hit,) = body["results"]
    assert "&lt;script&gt;" in hit["snippet"]
    _assert_inert(hit["snippet"])


def test_escaping_reader_is_inert(hostile_article, analyst_client):
    response = analyst_client.get(
        hostile_article.get_absolute_url(), {"q": "sanctions"}
    )
    html = response.content.decode()
    assert "&lt;script&gt;" in html
    _assert_inert(html)


def test_escaping_admin_change_page_is_inert(hostile_article, admin_client):
    response = admin_client.get(f"/admin/corpus/article/{hostile_article.pk}/change/")
    assert response.status_code == 200
    _assert_inert(response.content.decode())


@pytest.mark.parametrize("fmt", ["csv", "json", "bib", "ris"])
def test_escaping_exports_are_not_served_as_html(
    hostile_article, analyst_client, fmt: str
):
    response = analyst_client.get(f"/export.{fmt}", {"q": "sanctions"})
    assert response.status_code == 200
    assert "html" not in response["Content-Type"]
    assert response["Content-Disposition"].startswith("attachment")


def test_escaping_facet_values_are_inert(hostile_article, analyst_client):
    from search.index import update_articles

    author = hostile_article.authors.get()
    author.name = "<img src=x onerror=alert(4)> Roe"
    author.save()
    update_articles([hostile_article.pk])
    response = analyst_client.get("/", {"q": "sanctions"})
    html = response.content.decode()
    assert "&lt;img src=x onerror=alert(4)&gt; Roe" in html
    assert "<img src=x onerror" not in html
