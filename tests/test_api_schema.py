"""The API's OpenAPI description at /api/schema matches what the API answers."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator

from search.api import openapi_schema


def _validator(component: str) -> OAS31Validator:
    spec = openapi_schema()
    # The component, with the document's components alongside for its $refs.
    schema = {"$ref": f"#/components/schemas/{component}", **spec}
    return OAS31Validator(schema)


def _response_schema(path: str, status: str) -> dict[str, Any]:
    operation = openapi_schema()["paths"][path]["get"]
    content = operation["responses"][status]["content"]["application/json"]
    return {**openapi_schema(), **content["schema"]}


@pytest.mark.django_db
def test_api_schema_needs_login(client) -> None:
    response = client.get("/api/schema")
    assert response.status_code == 401


@pytest.mark.django_db
def test_api_schema_is_served_as_openapi_3(analyst_client) -> None:
    body = analyst_client.get("/api/schema").json()
    assert body["openapi"].startswith("3.")
    assert {"/api/search", "/api/articles", "/api/articles/{article_id}"} <= set(
        body["paths"]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"q": "opium"},
        {"q": "Iran", "group": "article"},
        {"country": ["IR", "AF"], "sort": "oldest", "page_size": "3"},
        {"q": '"unbalanced', "page": "-4", "year": "soon"},  # messages, not errors
        {},
    ],
)
def test_api_schema_describes_search_responses(
    analyst_client, seeded_index, params
) -> None:
    response = analyst_client.get("/api/search", params)
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 0 or body["results"] or body["groups"]
    OAS31Validator(_response_schema("/api/search", "200")).validate(body)


def test_api_schema_describes_article_list_and_detail(
    analyst_client, seeded_index
) -> None:
    listing = analyst_client.get("/api/articles").json()
    OAS31Validator(_response_schema("/api/articles", "200")).validate(listing)
    first = listing["articles"][0]["id"]
    detail = analyst_client.get(f"/api/articles/{first}").json()
    assert detail["paragraphs"]
    _validator("ArticleDetail").validate(detail)
    missing = analyst_client.get("/api/articles/999999")
    assert missing.status_code == 404
    _validator("Message").validate(missing.json())


def test_api_schema_rejects_a_response_of_the_wrong_shape(
    analyst_client, seeded_index
) -> None:
    body = analyst_client.get("/api/search", {"q": "opium"}).json()
    body["results"][0]["year"] = "last year"
    errors = list(
        OAS31Validator(_response_schema("/api/search", "200")).iter_errors(body)
    )
    assert errors
