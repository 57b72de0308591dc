"""The search page and reader, round two: addresses, facets, the year chart,
corrections, context, citations without JavaScript, crawlers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import lxml.html
import pytest
from django.urls import reverse

from corpus.ingest import ingest_paths
from corpus.models import Article
from search.facet_view import country_aliases
from search.index import rebuild_index

HTMX = {"HTTP_HX_REQUEST": "true"}
OPIUM_ARTICLE = "Has Iran Finally Found a Security Partner in Central Asia?"


@pytest.fixture
def seeded(db, seeds_dir: Path) -> None:
    ingest_paths(sorted(seeds_dir.glob("*.txt")), update_index=False)
    rebuild_index()


def select(response, css: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(response.content.decode()).cssselect(css)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def params_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=&year_to=", "/"),  # nothing filled in
        ("q=opium&year_from=&year_to=", "/?q=opium"),
        ("country=IR&country=&q=", "/?country=IR"),  # one of a repeated name
    ],
)
def test_empty_parameters_are_dropped_from_the_address(
    analyst_client, seeded, query, expected
) -> None:
    response = analyst_client.get(f"/?{query}")
    assert response.status_code == 302
    assert response["Location"] == expected


def test_search_page_has_one_h1(analyst_client, seeded) -> None:
    (heading,) = select(analyst_client.get("/"), "h1")
    assert text_of(heading) == "Search paragraphs"


def test_facet_and_export_links_are_nofollow(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Iran"})
    links = select(response, "#facets a.facet-value") + select(
        response, "details.export a"
    )
    assert links
    assert all(link.get("rel") == "nofollow" for link in links)


def test_robots_txt_keeps_crawlers_out(client, db) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content.decode().splitlines() == ["User-agent: *", "Disallow: /"]


def test_selected_value_with_no_paragraphs_says_why(analyst_client, seeded) -> None:
    # Kyrgyzstan is ticked, but no paragraph about it is from 2016.
    response = analyst_client.get("/", {"country": "KG", "year": "2016"})
    (value,) = select(response, "#facet-country a.facet-value.is-selected")
    assert "is-empty" in value.get("class")
    assert "0 with your other filters" in text_of(value)


def test_year_bars_link_to_their_year(analyst_client, seeded) -> None:
    response = analyst_client.get("/")
    bars = select(response, "#facet-year svg.year-chart a")
    assert bars
    for bar in bars:
        year = bar.get("data-focus-key").split(":")[1]
        assert ("year", year) in params_of(bar.get("href"))
        assert bar.get("hx-get") == bar.get("href")
        assert bar.get("aria-label").startswith(f"{year}: ")
    ticks = [text_of(tick) for tick in select(response, "svg.year-chart .ticks text")]
    assert ticks[0] < ticks[-1]


def test_year_chart_of_one_year_keeps_a_narrow_bar(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"year_from": "2016", "year_to": "2016"})
    (bar,) = select(response, "svg.year-chart rect.bar")
    assert float(bar.get("width")) <= 28
    (tick,) = select(response, "svg.year-chart .ticks text")
    assert text_of(tick) == "2016"


def test_show_more_keeps_the_search_and_is_a_toggle(analyst_client, seeded) -> None:
    response = analyst_client.get("/", {"q": "Russia"}, **HTMX)
    (more,) = select(response, "#facet-topic a[data-more-link]")
    assert more.get("aria-expanded") == "false"
    assert ("q", "Russia") in params_of(more.get("href"))
    opened = analyst_client.get(more.get("href"), **HTMX)
    (fewer,) = select(opened, "#facet-topic a[data-more-link]")
    assert fewer.get("aria-expanded") == "true"
    # A facet click in the open list keeps it open.
    value = select(opened, "#facet-topic a.facet-value")[-1]
    assert ("more", "topic") in params_of(value.get("href"))


def test_country_values_carry_their_other_names(db) -> None:
    aliases = country_aliases(["TR"])["TR"]
    assert "turkey" in aliases
    # Folded as the filter box folds what is typed: no accents, lower case.
    assert all(name == name.lower() and name.isascii() for name in aliases)


def test_context_marks_the_query_in_every_paragraph(analyst_client, seeded) -> None:
    article = Article.objects.get(title=OPIUM_ARTICLE)
    middle = article.paragraphs.get(position=7)
    response = analyst_client.get(
        reverse("search:context", args=[middle.pk]), {"q": "Iran"}, **HTMX
    )
    items = select(response, ".context-paragraph")
    assert len(items) == 3
    assert all(item.cssselect("mark") for item in items)


def test_cite_page_without_javascript_keeps_the_search(analyst_client, seeded) -> None:
    article = Article.objects.get(title=OPIUM_ARTICLE)
    reader = analyst_client.get(
        article.get_absolute_url(), {"q": "Iran", "country": "TM"}
    )
    (link,) = select(reader, "#p-7 a.cite-link")
    assert params_of(link.get("href")) == [("q", "Iran"), ("country", "TM")]
    page = analyst_client.get(link.get("href"))
    (back,) = select(page, ".reader-back a")
    landing = analyst_client.get(back.get("href"), follow=True)
    assert landing.redirect_chain[-1][0].endswith("?q=Iran&country=TM#p-7")
    assert select(landing, "#p-7 mark")


def test_cite_box_cites_the_source_url(analyst_client, seeded) -> None:
    article = Article.objects.get(title=OPIUM_ARTICLE)
    article.source_url = "https://thediplomat.com/2016/05/iran-central-asia/"
    article.save()
    url = reverse("search:cite", args=[article.pk, 7])
    response = analyst_client.get(url, **HTMX)
    note = text_of(select(response, ".cite-text")[0])
    assert note.endswith(", https://thediplomat.com/2016/05/iran-central-asia/.")
    assert "para. 7, accessed " in note
    (source,) = select(response, ".cite-box dd a[rel~=noopener]")
    assert source.get("href") == article.source_url
    bibtex = text_of(select(response, ".cite-box pre")[0])
    assert "url = {https://thediplomat.com/2016/05/iran-central-asia/}" in bibtex


def test_export_is_named_after_the_query(analyst_client, seeded) -> None:
    response = analyst_client.get(
        reverse("search:export", args=["csv"]), {"q": "opium"}
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="refdesk-opium-')
    assert disposition.endswith('.csv"')
