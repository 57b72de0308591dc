"""Hostile input never produces a 500: property-based tests over the query layer and
every endpoint that takes user words.

`make nightly` runs the same properties with many more examples.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from corpus.models import Article

pytestmark = pytest.mark.django_db

SYNTAX = [
    '"',
    "(",
    ")",
    "*",
    "?",
    ":",
    "-",
    "+",
    "^",
    "~",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "/",
]
WORDS = [
    "iran",
    "AND",
    "OR",
    "NOT",
    "TO",
    "title:",
    "author:",
    "country:",
    "year:",
    "topic:",
    "foo:",
    "near",
    "abroad",
    "opium",
    "sanction*",
    "*ran",
    "?",
    "*",
]

hostile_text = st.one_of(
    st.text(max_size=300),  # arbitrary unicode, control characters, NUL
    st.lists(st.sampled_from(SYNTAX + WORDS), max_size=25).map(" ".join),
    st.lists(st.sampled_from(SYNTAX + WORDS), max_size=40).map("".join),
    st.sampled_from(["x" * 10_000, "iran " * 2_000, '"' * 5_000, "(" * 3_000]),
)
facet_value = st.one_of(
    st.sampled_from(["IR", "ir", "RU", "XX", "", "Iran", "_unknown", "Samuel Ramani"]),
    st.text(max_size=30),
)
number = st.one_of(
    st.integers(min_value=-(10**15), max_value=10**15).map(str),
    st.sampled_from(["", "abc", "1e9", "-1", "0", "99999999999999999999999", "NaN"]),
    st.text(max_size=12),
)


@st.composite
def search_params(draw) -> QueryDict:
    params = QueryDict(mutable=True)
    params["q"] = draw(hostile_text)
    for name in ("country", "author", "topic", "year"):
        for value in draw(st.lists(facet_value, max_size=3)):
            params.appendlist(name, value)
    for name in ("year_from", "year_to", "page", "page_size"):
        if draw(st.booleans()):
            params[name] = draw(number)
    if draw(st.booleans()):
        params["sort"] = draw(
            st.one_of(st.sampled_from(["newest", "oldest"]), st.text(max_size=10))
        )
    if draw(st.booleans()):
        params["group"] = draw(st.sampled_from(["article", "1", "", "x"]))
    return params


def _assert_answered(response) -> None:
    assert response.status_code in (200, 400), response.status_code
    if not response.streaming:
        assert b"\x00" not in response.content, "a NUL was echoed into the response"
    if response.status_code == 400:
        assert response.content.strip(), "a 400 must carry a message"


def test_hostile_query_layer_never_raises(seeded_index) -> None:
    from search.query import SearchRequest, run_search

    @given(params=search_params())
    def check(params: QueryDict) -> None:
        request = SearchRequest.from_querydict(params)
        page = run_search(request)
        assert 0 <= len(page.hits) <= request.page_size <= 100
        assert page.articles_total <= page.total
        assert len(page.hits) <= page.total
        assert len({hit.paragraph_id for hit in page.hits}) == len(page.hits)
        # The same request gives the same answer (caches included).
        again = run_search(SearchRequest.from_querydict(params))
        assert again.total == page.total
        assert [h.paragraph_id for h in again.hits] == [
            h.paragraph_id for h in page.hits
        ]
        # What the user must be told about is always said.
        if request.q.count('"') % 2:
            assert page.messages, "an unbalanced quote went unexplained"
        if "XX" in params.getlist("country"):
            assert page.messages, "an unknown country went unexplained"
        size = params.get("page_size", "")
        if size.isascii() and size.isdigit() and int(size) > 100:
            assert page.messages, "a page size over the cap went unexplained"

    check()


def test_hostile_api_search_answers_200_or_400(seeded_index, analyst_client) -> None:
    @given(params=search_params())
    def check(params: QueryDict) -> None:
        response = analyst_client.get("/api/search?" + params.urlencode())
        _assert_answered(response)
        if response.status_code == 200:
            body = response.json()
            assert {"total", "results", "facets", "message"} <= set(body)
        else:
            assert "message" in response.json()

    check()


def test_hostile_search_page_answers_200_or_400(seeded_index, analyst_client) -> None:
    @given(params=search_params(), htmx=st.booleans())
    def check(params: QueryDict, htmx: bool) -> None:
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = analyst_client.get("/?" + params.urlencode(), **headers)
        if response.status_code == 302:
            # Empty parameters are dropped by one redirect to the clean address,
            # which then answers like any other search.
            location = response["Location"]
            assert location.startswith("/")
            assert not any(part.endswith("=") for part in location.split("&"))
            response = analyst_client.get(location, **headers)
            assert response.status_code != 302
        _assert_answered(response)

    check()


def test_hostile_reader_and_exports_answer_200_or_400(
    seeded_index, analyst_client
) -> None:
    article_id = Article.objects.order_by("pk").values_list("pk", flat=True).first()

    @given(
        params=search_params(),
        target=st.sampled_from(["reader", "csv", "json", "bib", "ris"]),
    )
    def check(params: QueryDict, target: str) -> None:
        if target == "reader":
            url = f"/articles/{article_id}/?" + params.urlencode()
        else:
            url = f"/export.{target}?" + params.urlencode()
        response = analyst_client.get(url)
        _assert_answered(response)

    check()


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',  # unbalanced quote
        "(iran AND russia",  # unbalanced parenthesis
        "iran)",  # stray closing parenthesis
        "AND",  # lone operator
        "OR OR NOT",  # only operators
        "*",  # bare wildcard
        "*ran",  # leading wildcard
        "?",  # lone single-character wildcard
        "x" * 10_000,  # 10 KB
        "nosuchfield:iran",  # unknown field is plain text
        "iran\x00russia",  # NUL
        "year:[2016 TO",  # broken range
    ],
)
def test_hostile_named_queries_answer_with_a_message_or_results(
    seeded_index, analyst_client, q: str
) -> None:
    response = analyst_client.get("/api/search", {"q": q})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] > 0 or body["message"]
