from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from corpus.ingest import ingest_paths
from corpus.models import Article, Paragraph, ParagraphCountry, TagChange, TagStatus
from corpus.tagging import apply_auto_tags

URL = "/editor/tags/"


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        username="editor", password="editor-pass-123"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor) -> Client:
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def reindexed(monkeypatch) -> list[list[int]]:
    calls: list[list[int]] = []
    monkeypatch.setattr(
        "search.index.update_paragraphs",
        lambda ids: calls.append(sorted(ids)),
        raising=False,
    )
    return calls


@pytest.fixture
def paragraphs(db) -> list[Paragraph]:
    article = Article.objects.create(title="Test")
    rows = [
        Paragraph.objects.create(article=article, position=n, text=text)
        for n, text in enumerate(["Ashgabat and Tehran.", "Moscow.", "Nothing."], 1)
    ]
    apply_auto_tags([row.pk for row in rows])
    return rows


def post_tags(client: Client, ids: list[int], HTTP_HX_REQUEST: str = "", **fields):
    data = {"kind": "country", "value": "JP", "action": "add", **fields}
    headers = {"HX-Request": HTTP_HX_REQUEST} if HTTP_HX_REQUEST else {}
    return client.post(
        URL, {**data, "paragraph": [str(pk) for pk in ids]}, headers=headers
    )


def manual_japan() -> int:
    return ParagraphCountry.objects.filter(
        country__code="JP", status=TagStatus.MANUAL
    ).count()


def test_bulk_tag_url_name() -> None:
    assert reverse("editor:bulk_tag") == URL


def test_bulk_tag_adds_tag_and_redirects_to_next(editor_client, paragraphs) -> None:
    response = post_tags(
        editor_client, [p.pk for p in paragraphs], next="/?q=iran&country=IR"
    )
    assert response.status_code == 302
    assert response["Location"] == "/?q=iran&country=IR"
    assert manual_japan() == 3
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["3 paragraphs changed: Japan added."]


def test_bulk_tag_removes_tag(editor_client, paragraphs) -> None:
    post_tags(editor_client, [paragraphs[0].pk], value="IR", action="remove")
    tag = ParagraphCountry.objects.get(paragraph=paragraphs[0], country__code="IR")
    assert tag.status == TagStatus.REJECTED
    assert TagChange.objects.get().note == "tagged from search"


def test_bulk_tag_topic(editor_client, paragraphs) -> None:
    post_tags(editor_client, [paragraphs[1].pk], kind="topic", value="water")
    assert paragraphs[1].topic_tags.get().topic.slug == "water"


def test_bulk_tag_messages_use_the_singular_for_one(editor_client, paragraphs) -> None:
    response = post_tags(editor_client, [paragraphs[0].pk])
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["1 paragraph changed: Japan added."]


def page_of(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def fields_of(form: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(i.get("name"), i.get("value")) for i in form.cssselect("input")]


def test_bulk_tag_dry_run_changes_nothing(editor_client, paragraphs) -> None:
    response = post_tags(editor_client, [p.pk for p in paragraphs], dry_run="1")
    assert manual_japan() == 0
    assert response.status_code == 200
    (notice,) = page_of(response).cssselect(".notice")
    assert notice.text_content() == "3 paragraphs would change: Japan added."


def test_bulk_tag_dry_run_keeps_the_selection_and_offers_apply(
    editor_client, paragraphs
) -> None:
    ids = [paragraphs[0].pk, paragraphs[2].pk]
    response = post_tags(
        editor_client, ids, dry_run="1", action="add", next="/?q=x&edit=1"
    )
    (form,) = page_of(response).cssselect(f"form[method=post][action='{URL}']")
    fields = fields_of(form)
    assert ("dry_run", "1") not in fields
    assert [value for name, value in fields if name == "paragraph"] == [
        str(pk) for pk in ids
    ]
    assert {("kind", "country"), ("value", "JP"), ("action", "add")} <= set(fields)
    assert ("next", "/?q=x&edit=1") in fields
    assert [b.text_content() for b in form.cssselect("button[type=submit]")] == [
        "Apply"
    ]
    applied = editor_client.post(URL, dict_of(fields))
    assert applied["Location"] == "/?q=x&edit=1"
    assert manual_japan() == 2


def test_bulk_tag_dry_run_of_all_matching_keeps_the_search(
    editor_client, paragraphs, monkeypatch
) -> None:
    monkeypatch.setattr(
        "corpus.views._matching_ids", lambda request: [paragraphs[1].pk]
    )
    response = post_tags(
        editor_client, [], all="1", q="Moscow", country="RU", dry_run="1"
    )
    page = page_of(response)
    assert "Applies to all 1 paragraph matching the search." in page.text_content()
    fields = fields_of(page.cssselect(f"form[action='{URL}']")[0])
    assert {("all", "1"), ("q", "Moscow"), ("country", "RU")} <= set(fields)
    assert not [value for name, value in fields if name == "paragraph"]


def test_bulk_tag_dry_run_with_nothing_to_change_offers_no_apply(
    editor_client, paragraphs
) -> None:
    # Japan is on no paragraph, so removing it changes nothing.
    response = post_tags(
        editor_client, [paragraphs[2].pk], action="remove", dry_run="1"
    )
    page = page_of(response)
    assert page.cssselect(".notice")[0].text_content().startswith("0 paragraphs")
    assert not page.cssselect("button[type=submit].primary")


def test_bulk_tag_htmx_dry_run_returns_the_count_only(
    editor_client, paragraphs
) -> None:
    response = post_tags(
        editor_client,
        [paragraphs[0].pk],
        dry_run="1",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    (result,) = page_of(response).cssselect(".bulk-tag-ok")
    assert result.text_content() == "1 paragraph would change: Japan added."
    assert manual_japan() == 0


def dict_of(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for name, value in pairs:
        merged.setdefault(name, []).append(value)
    return merged


def test_bulk_tag_htmx_returns_partial(editor_client, paragraphs) -> None:
    response = editor_client.post(
        URL,
        {
            "kind": "country",
            "value": "JP",
            "action": "add",
            "paragraph": paragraphs[0].pk,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    result = lxml.html.fromstring(response.content).cssselect(".bulk-tag-ok")
    assert result[0].text_content() == "1 paragraph changed: Japan added."


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "place"},  # unknown kind
        {"value": "XX"},  # unknown country
        {"value": "<script>alert(1)</script>"},
        {"action": "delete"},  # unknown action
        {"paragraph": ["1; DROP TABLE corpus_paragraph"]},  # not an id
        {"paragraph": ["-4"]},
        {"paragraph": []},  # nothing selected
        {"kind": "topic", "value": "no-such-topic"},
    ],
)
def test_bulk_tag_bad_input_is_400_with_message(
    editor_client, paragraphs, fields: dict
) -> None:
    data = {
        "kind": "country",
        "value": "JP",
        "action": "add",
        "paragraph": [str(paragraphs[0].pk)],
        **fields,
    }
    response = editor_client.post(URL, data, headers={"HX-Request": "true"})
    assert response.status_code == 400
    message = lxml.html.fromstring(response.content).cssselect(".bulk-tag-error")
    assert message[0].text_content().strip()
    assert b"<script>" not in response.content
    assert manual_japan() == 0


def test_bulk_tag_bad_input_without_htmx_redirects_with_error(
    editor_client, paragraphs
) -> None:
    response = post_tags(editor_client, [paragraphs[0].pk], value="XX")
    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert messages == ["Unknown country code: 'XX'."]


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""],
)
def test_bulk_tag_ignores_unsafe_next(editor_client, paragraphs, target) -> None:
    response = post_tags(editor_client, [paragraphs[0].pk], next=target)
    assert response["Location"] == reverse("search:search")


def test_bulk_tag_refuses_analyst(analyst_client, paragraphs) -> None:
    response = post_tags(analyst_client, [p.pk for p in paragraphs])
    assert response.status_code == 403
    assert manual_japan() == 0


def test_bulk_tag_sends_anonymous_to_login(client, paragraphs) -> None:
    response = post_tags(client, [p.pk for p in paragraphs])
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert manual_japan() == 0


def test_bulk_tag_refuses_get(editor_client, paragraphs) -> None:
    assert editor_client.get(URL).status_code == 405


def test_bulk_tag_checks_csrf(editor, paragraphs) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = post_tags(client, [p.pk for p in paragraphs])
    assert response.status_code == 403
    assert manual_japan() == 0


def test_bulk_tag_schedules_reindex(
    editor_client, paragraphs, reindexed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post_tags(editor_client, [paragraphs[0].pk, paragraphs[2].pk])
    assert reindexed == [sorted([paragraphs[0].pk, paragraphs[2].pk])]


def test_bulk_tag_all_matching_search(
    editor_client, seeds_dir: Path, monkeypatch
) -> None:
    query = pytest.importorskip("search.query")
    index = pytest.importorskip("search.index")
    if not hasattr(query, "matching_paragraph_ids") or not hasattr(
        index, "update_paragraphs"
    ):
        pytest.skip("search engine not written yet")
    monkeypatch.undo()
    ingest_paths([seeds_dir])
    expected = query.matching_paragraph_ids(
        query.SearchRequest.from_querydict({"q": "Ashgabat"}), limit=None
    )
    assert expected
    response = editor_client.post(
        URL,
        {
            "all": "1",
            "q": "Ashgabat",
            "kind": "topic",
            "value": "water",
            "action": "add",
        },
    )
    assert response.status_code == 302
    tagged = set(
        Paragraph.objects.filter(
            topic_tags__topic__slug="water", topic_tags__status=TagStatus.MANUAL
        ).values_list("pk", flat=True)
    )
    assert tagged == set(expected)
