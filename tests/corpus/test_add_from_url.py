"""Add article from an address: fetched by the strict client, then the same preview."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import lxml.html
import pytest

from corpus.models import Article

ADD_URL = "/admin/corpus/article/add-from-text/"
PAGE = """<!doctype html><html><head><title>Ashgabat and Tehran</title>
<link rel="canonical" href="https://elsewhere.example/canonical"></head><body>
<article><h1>Ashgabat and Tehran</h1>
<p>Turkmenistan and Iran agreed to expand their security partnership in Ashgabat,
officials in both capitals said after a long round of talks on the border.</p>
<p>Officials in Tehran said drug trafficking across the border had fallen sharply
over the past year, crediting joint patrols and new checkpoints.</p>
</article></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/story"):
            body = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
        else:
            body = b"gone"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(settings) -> Iterator[str]:
    settings.REFDESK_FETCH_ALLOW_LOOPBACK = True
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def _errors(response) -> str:
    nodes = _page(response).cssselect(".errorlist, .errornote")
    return " ".join(node.text_content() for node in nodes)


def _preview_values(response) -> dict[str, list[str]]:
    form = _page(response).cssselect("form.refdesk-preview-form")[0]
    data: dict[str, list[str]] = {}
    for name, value in form.form_values():
        data.setdefault(name, []).append(value)
    return data


def test_add_from_url_previews_and_saves_the_normalised_address(
    editor_client, site
) -> None:
    response = editor_client.post(
        ADD_URL, {"url": f"{site}/story/?utm_source=mail#top", "step": "read"}
    )
    texts = [
        box.value.strip() for box in _page(response).cssselect("textarea[name$=-text]")
    ]
    assert texts and texts[0].startswith("Turkmenistan and Iran agreed")
    editor_client.post(ADD_URL, _preview_values(response))
    article = Article.objects.get()
    assert article.source_url == f"{site}/story"


def test_add_from_url_detects_an_address_already_in_the_library(
    editor_client, site
) -> None:
    Article.objects.create(title="Ashgabat and Tehran", source_url=f"{site}/story")
    response = editor_client.post(
        ADD_URL, {"url": f"{site}/story/?fbclid=x", "step": "read"}
    )
    assert "already has this address as “Ashgabat and Tehran”" in _errors(response)
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("http://10.0.0.7/story", "private address"),  # the internal network
        ("http://169.254.169.254/latest", "link-local"),  # cloud metadata
        ("ftp://example.org/story", "Only http and https"),
    ],
)
def test_add_from_url_refuses_and_offers_paste_or_upload(
    editor_client, db, address: str, reason: str
) -> None:
    response = editor_client.post(ADD_URL, {"url": address, "step": "read"})
    errors = _errors(response)
    assert reason in errors
    assert "Paste its text or upload the saved file instead." in errors
    assert not _page(response).cssselect("form.refdesk-preview-form")
    assert not Article.objects.exists()


def test_add_from_url_says_why_a_fetch_failed(editor_client, site) -> None:
    response = editor_client.post(ADD_URL, {"url": f"{site}/missing", "step": "read"})
    assert "The site answered 404." in _errors(response)


def test_add_article_takes_one_source_at_a_time(editor_client, site) -> None:
    response = editor_client.post(
        ADD_URL, {"url": f"{site}/story", "text": "Title\n\nBody.", "step": "read"}
    )
    assert "only one of them" in _errors(response)
