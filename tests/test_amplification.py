"""A small request must not make a huge response: the filter state is repeated in
every facet link, so it is capped."""

from __future__ import annotations

from urllib.parse import urlencode

import lxml.html
import pytest

MAX_RESPONSE_BYTES = 2 * 1024 * 1024

pytestmark = pytest.mark.django_db


def _attack(repeat: int, length: int) -> str:
    pairs = [
        (name, f"{name}-{n:03d}-" + "x" * length)
        for name in ("author", "country", "topic")
        for n in range(repeat)
    ]
    return urlencode(pairs)


@pytest.mark.parametrize(
    ("repeat", "length"),
    [
        (50, 200),  # the reported 31.7 KB request that made 14.8 MB of HTML
        (10, 200),  # at the per-parameter cap
        (400, 20),  # many short values
    ],
)
@pytest.mark.parametrize("path", ["/", "/api/search"])
def test_amplification_response_stays_under_2_mb(
    analyst_client, seeded_index, repeat: int, length: int, path: str
) -> None:
    response = analyst_client.get(f"{path}?q=iran&{_attack(repeat, length)}")
    assert response.status_code == 200
    assert len(response.content) < MAX_RESPONSE_BYTES


def test_amplification_capped_filters_are_explained(analyst_client, seeded_index):
    response = analyst_client.get(f"/?{_attack(50, 200)}")
    page = lxml.html.fromstring(response.content)
    text = " ".join(page.text_content().split())
    assert "Only the first 10 author filters were used." in text
    assert "some country filters were left out" in text


@pytest.mark.parametrize(
    "query",
    [
        "sanctions " * 1700,  # about 17 KB of words
        "制裁" * 8000,  # one long word that encodes to nine bytes a character
    ],
)
def test_permalink_with_a_long_carried_query_redirects(
    analyst_client, seeded_index, query: str
) -> None:
    from corpus.models import Paragraph

    paragraph = Paragraph.objects.order_by("pk").first()
    response = analyst_client.get(
        f"/paragraphs/{paragraph.pk}/", {"q": query, "country": "IR"}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"/articles/{paragraph.article_id}/")
    assert location.endswith(f"#p-{paragraph.position}")
    assert len(location) <= 2048
    assert analyst_client.get(location).status_code == 200
