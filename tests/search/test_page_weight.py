"""The size of what a facet click sends: the htmx partial stays small on the seeds."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest

from corpus.ingest import ingest_paths
from search.index import rebuild_index

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
PARTIAL_LIMIT = 30 * 1024


@pytest.fixture
def seeded(db, seeds_dir: Path) -> None:
    ingest_paths(sorted(seeds_dir.glob("*.txt")), update_index=False)
    rebuild_index()


def facet_links(html: bytes) -> list[str]:
    tree = lxml.html.fromstring(html.decode())
    return [link.get("href") for link in tree.cssselect("#facets a.facet-value")]


@pytest.mark.parametrize("q", ["", "Russia"])
def test_facet_click_partial_is_at_most_30_kb(analyst_client, seeded, q) -> None:
    page = analyst_client.get("/", {"q": q} if q else {})
    links = facet_links(page.content)
    assert len(links) > 10
    responses = [analyst_client.get(href, **HTMX) for href in links]
    assert all(response["Content-Encoding"] == "gzip" for response in responses)
    assert max(len(response.content) for response in responses) <= PARTIAL_LIMIT


def test_long_facet_list_is_sent_truncated_with_show_more(
    analyst_client, seeded
) -> None:
    tree = lxml.html.fromstring(analyst_client.get("/").content.decode())
    (section,) = tree.cssselect("#facet-topic")
    shown = section.cssselect("a.facet-value")
    (more,) = section.cssselect("a[data-more-link]")
    hidden = int(more.text_content().split()[1])
    assert len(shown) == 8 and hidden > 0
    assert ("more", "topic") in parse_qsl(urlsplit(more.get("href")).query)
    full = lxml.html.fromstring(analyst_client.get(more.get("href")).content.decode())
    (section,) = full.cssselect("#facet-topic")
    assert len(section.cssselect("a.facet-value")) == 8 + hidden
    (fewer,) = section.cssselect("a[data-more-link]")
    assert fewer.text_content() == "Show fewer"
    assert ("more", "topic") not in parse_qsl(urlsplit(fewer.get("href")).query)
