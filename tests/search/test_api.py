from __future__ import annotations

import pytest

from corpus.models import Paragraph

RESULT_KEYS = {
    "paragraph_id",
    "article_id",
    "article_title",
    "authors",
    "publication",
    "year",
    "position",
    "heading",
    "countries",
    "topics",
    "snippet",
    "url",
}
ARTICLE_KEYS = {
    "id",
    "title",
    "title_derived",
    "authors",
    "publication",
    "year",
    "date",
    "date_estimated",
    "source_file",
    "paragraph_count",
    "countries",
    "topics",
    "url",
}


@pytest.mark.parametrize(
    "url", ["/api/search?q=opium", "/api/articles", "/api/articles/1"]
)
def test_api_requires_login_with_a_json_401(client, db, url) -> None:
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"]


def test_api_search_has_the_documented_shape(analyst_client, indexed) -> None:
    body = analyst_client.get("/api/search", {"q": "opium"}).json()
    assert body["query"] == "opium"
    assert (body["total"], body["articles_total"], body["page"], body["pages"]) == (
        2,
        1,
        1,
        1,
    )
    assert body["suggestion"] is None
    assert body["message"] is None
    assert set(body["facets"]) == {"country", "author", "year", "topic"}
    assert set(body["facets"]["country"][0]) >= {"value", "label", "count", "selected"}
    result = body["results"][0]
    assert set(result) >= RESULT_KEYS
    assert result["authors"] == ["Samuel Ramani"]
    assert "Iran" in result["countries"]
    assert "<mark>opium</mark>" in result["snippet"]
    assert result["url"].startswith(f"/articles/{indexed.iran.pk}/?q=opium#p-")


def test_api_search_takes_the_page_parameters(analyst_client, indexed) -> None:
    body = analyst_client.get(
        "/api/search",
        {
            "country": ["IR", "RU"],
            "year_from": "2016",
            "sort": "oldest",
            "page_size": 3,
        },
    ).json()
    assert body["total"] == 4 + 2 + 1
    assert len(body["results"]) == 3
    assert body["pages"] == 3
    selected = {v["value"] for v in body["facets"]["country"] if v["selected"]}
    assert selected == {"IR", "RU"}
    assert [r["year"] for r in body["results"]] == [2016, 2016, 2016]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "x"},
        {"page_size": "5000"},
        {"year": "twenty"},
        {"sort": "sideways"},
        {"country": "ZZ"},
        {"q": '"unbalanced'},
        {"q": "*"},
        {"q": "x" * 10_000},
    ],
)
def test_api_search_bad_parameters_give_200_with_a_message(
    analyst_client, indexed, params
) -> None:
    response = analyst_client.get("/api/search", params)
    assert response.status_code == 200
    assert response.json()["message"]


def test_api_search_unreadable_parameters_give_400(
    analyst_client, indexed, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = analyst_client.get(
        "/api/search?" + "&".join(f"q{i}=x" for i in range(10))
    )
    assert response.status_code == 400
    assert response.json()["message"]


def test_api_search_is_get_only(analyst_client, indexed) -> None:
    assert analyst_client.post("/api/search", {"q": "opium"}).status_code == 405


def test_api_search_snippets_are_escaped(analyst_client, indexed) -> None:
    result = analyst_client.get("/api/search", {"q": "pipelines"}).json()["results"][0]
    assert "<script" not in result["snippet"]
    assert "&lt;script&gt;" in result["snippet"]


def test_api_articles_lists_every_article(analyst_client, indexed) -> None:
    body = analyst_client.get("/api/articles").json()
    by_id = {row["id"]: row for row in body["articles"]}
    assert set(by_id) == {
        indexed.iran.pk,
        indexed.russia.pk,
        indexed.caspian.pk,
        indexed.kyrgyz.pk,
    }
    iran = by_id[indexed.iran.pk]
    assert set(iran) >= ARTICLE_KEYS
    assert iran["paragraph_count"] == 4
    assert iran["countries"] == ["Afghanistan", "Iran", "Turkmenistan"]
    assert iran["authors"] == ["Samuel Ramani"]
    assert iran["date"] == "2016-05-01"
    assert iran["url"] == f"/articles/{indexed.iran.pk}/"
    assert by_id[indexed.caspian.pk]["countries"] == ["Azerbaijan", "Georgia"]


def test_api_article_includes_paragraphs_and_references(
    analyst_client, indexed
) -> None:
    article = indexed.russia
    article.references = ["https://example.org/report"]
    article.save()
    body = analyst_client.get(f"/api/articles/{article.pk}").json()
    assert body["references"] == ["https://example.org/report"]
    assert body["authors"] == ["Jane Doe", "Samuel Ramani"]
    paragraphs = body["paragraphs"]
    assert [p["position"] for p in paragraphs] == [1, 2]
    assert paragraphs[0]["countries"] == ["Kazakhstan", "Russia"]
    assert set(paragraphs[0]) == {
        "id",
        "position",
        "heading",
        "text",
        "countries",
        "topics",
    }
    assert paragraphs[1]["topics"] == ["Energy (test)"]
    assert paragraphs[0]["text"] == Paragraph.objects.get(pk=paragraphs[0]["id"]).text


def test_api_article_unknown_id_is_a_json_404(analyst_client, indexed) -> None:
    response = analyst_client.get("/api/articles/999999")
    assert response.status_code == 404
    assert response.json()["message"]


def test_api_gives_null_for_an_unknown_publication_everywhere(
    analyst_client, indexed
) -> None:
    results = analyst_client.get("/api/search", {"q": "pipelines"}).json()["results"]
    assert [r["publication"] for r in results] == [None]
    listed = analyst_client.get("/api/articles").json()["articles"]
    by_id = {a["id"]: a for a in listed}
    assert by_id[indexed.caspian.pk]["publication"] is None
    assert by_id[indexed.iran.pk]["publication"] == "The Diplomat"
    one = analyst_client.get(f"/api/articles/{indexed.caspian.pk}").json()
    assert one["publication"] is None
