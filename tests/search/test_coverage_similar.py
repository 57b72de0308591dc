from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from django.urls import reverse

from corpus.models import Paragraph


@pytest.fixture
def logged_in(analyst_client):
    return analyst_client


def test_coverage_api_counts_paragraphs_and_articles(logged_in, indexed):
    data = logged_in.get(reverse("api:coverage")).json()
    assert data["years"] == [2016, 2017, 2018, 2019, 2020, 2021, 2022]
    codes = [country["value"] for country in data["countries"]]
    labels = [country["label"] for country in data["countries"]]
    assert labels == sorted(labels)
    turkmenistan = data["cells"][codes.index("TM")]
    # Four 2016 paragraphs of one article carry TM (three), plus one 2020 paragraph.
    assert turkmenistan[0] == {"paragraphs": 3, "articles": 1}
    assert turkmenistan[4] == {"paragraphs": 1, "articles": 1}
    # Years without matches are zero, not missing.
    assert turkmenistan[1] == {"paragraphs": 0, "articles": 0}
    assert data["no_year"][codes.index("TM")] == {"paragraphs": 0, "articles": 0}
    # The rejected RU tag does not count; the Caspian paragraphs carry AZ.
    assert data["cells"][codes.index("RU")][2] == {"paragraphs": 0, "articles": 0}
    assert len(data["no_country"]) == len(data["years"])


def test_coverage_follows_the_query_and_filters(logged_in, indexed):
    data = logged_in.get(reverse("api:coverage") + "?q=opium&country=AF").json()
    assert data["years"] == [2016]
    totals = {
        c["value"]: data["cells"][i][0]["paragraphs"]
        for i, c in enumerate(data["countries"])
    }
    assert totals == {"AF": 2, "IR": 2, "TM": 2}


def test_coverage_counts_paragraphs_without_country_or_year(logged_in, indexed):
    undated = Paragraph.objects.get(pk=indexed.script.pk).article
    undated.year = None
    undated.date = None
    undated.save()
    bare = Paragraph.objects.create(article=indexed.kyrgyz, position=2, text="Tea.")
    from search.index import rebuild_index

    rebuild_index()
    data = logged_in.get(reverse("api:coverage")).json()
    codes = [country["value"] for country in data["countries"]]
    assert data["no_year"][codes.index("AZ")] == {"paragraphs": 2, "articles": 1}
    assert data["no_country"][data["years"].index(2022)] == {
        "paragraphs": 1,
        "articles": 1,
    }
    assert bare.pk


def test_coverage_page_cells_link_to_the_filtered_search(logged_in, indexed):
    page = lxml.html.fromstring(
        logged_in.get(reverse("search:coverage") + "?q=opium").content
    )
    table = page.cssselect("#coverage")[0]
    years = [th.text_content() for th in table.cssselect("thead th")][1:]
    assert years == ["2016", "No year"]
    link = table.cssselect("tbody tr")[0].cssselect("td a")[0]
    query = parse_qs(urlsplit(link.get("href")).query)
    assert query["q"] == ["opium"]
    assert query["year"] == ["2016"]
    assert len(query["country"]) == 1
    none_row = table.cssselect("tr.coverage-none td")
    assert [td.cssselect(".cell-paragraphs")[0].text_content() for td in none_row] == [
        "0",
        "0",
    ]


def test_coverage_csv_lists_every_cell(logged_in, indexed):
    response = logged_in.get(reverse("search:coverage_csv") + "?q=opium")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["country_code"] for row in rows} == {"AF", "IR", "TM", ""}
    assert {
        "country_code": "AF",
        "country": "Afghanistan",
        "year": "2016",
        "paragraphs": "2",
        "articles": "1",
    } in rows


def test_similar_lists_other_articles_with_terms(logged_in, indexed):
    url = reverse("api:similar", args=[indexed.near_abroad.pk])
    data = logged_in.get(url).json()
    assert data["terms"]
    assert len(data["terms"]) > 5 or data["results"]
    articles = {hit["article_id"] for hit in data["results"]}
    assert indexed.russia.pk not in articles
    assert indexed.kyrgyz.pk in articles


def test_similar_keeps_the_filters(logged_in, indexed):
    url = reverse("api:similar", args=[indexed.near_abroad.pk]) + "?year=2018"
    data = logged_in.get(url).json()
    assert {hit["year"] for hit in data["results"]} <= {2018}


def test_similar_says_when_nothing_is_found(logged_in, indexed):
    url = reverse("search:similar", args=[indexed.near_abroad.pk]) + "?year=1999"
    page = lxml.html.fromstring(logged_in.get(url).content)
    assert (
        page.cssselect("#similar-message")[0]
        .text_content()
        .startswith("No similar paragraphs")
    )


def test_similar_of_an_unknown_paragraph_is_a_clear_404(logged_in, indexed):
    response = logged_in.get(reverse("api:similar", args=[999_999]))
    assert response.status_code == 404
    assert response.json()["message"] == "That paragraph is not in the search index."


def test_hits_and_reader_paragraphs_link_to_collect_and_similar(logged_in, indexed):
    page = lxml.html.fromstring(
        logged_in.get(reverse("search:search") + "?q=opium&country=AF").content
    )
    hit = page.cssselect(f"#hit-{indexed.opium_trade.pk}")[0]
    similar = urlsplit(hit.cssselect("a.similar-link")[0].get("href"))
    assert similar.path == reverse("search:similar", args=[indexed.opium_trade.pk])
    assert parse_qs(similar.query) == {"q": ["opium"], "country": ["AF"]}
    collect = hit.cssselect("a.collect-link")[0].get("href")
    assert collect.startswith(
        reverse("search:collect_paragraph", args=[indexed.opium_trade.pk])
    )
    reader = lxml.html.fromstring(
        logged_in.get(indexed.iran.get_absolute_url() + "?q=opium&year=2016").content
    )
    links = reader.cssselect(".para a.similar-link")
    assert len(links) == 4
    assert parse_qs(urlsplit(links[1].get("href")).query) == {
        "q": ["opium"],
        "year": ["2016"],
    }
