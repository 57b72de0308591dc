from __future__ import annotations

import io
import json

import bibtexparser
import docx
import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.opc.constants import RELATIONSHIP_TYPE

from corpus.models import Paragraph
from search import collections as services
from search.citations import MONTHS
from search.models import Collection, CollectionItem, Sharing


def html_of(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def notices(response) -> list[str]:
    return [p.text_content() for p in html_of(response).cssselect(".flash .notice")]


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="owner", password="pw-123456")


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user(username="other", password="pw-123456")


@pytest.fixture
def brief(owner) -> Collection:
    return Collection.objects.create(owner=owner, name="Brief")


def collect(client, collection: Collection, paragraph_id: int):
    return client.post(
        reverse("search:collect_paragraph_post", args=[paragraph_id]),
        {"collection": collection.pk},
        follow=True,
    )


def test_collect_from_a_hit_keeps_a_citation_snapshot(client, owner, brief, indexed):
    client.force_login(owner)
    response = collect(client, brief, indexed.opium_trade.pk)
    assert "Added to “Brief”." in notices(response)
    item = brief.items.get()
    snapshot = item.snapshot
    assert snapshot["title"] == indexed.iran.title
    assert snapshot["authors"] == ["Samuel Ramani"]
    assert snapshot["year"] == 2016
    assert snapshot["publication"] == "The Diplomat"
    assert snapshot["locator"] == "para. 2"
    assert snapshot["text"] == indexed.opium_trade.text
    assert snapshot["before"].startswith("Iran and Turkmenistan")
    assert snapshot["after"].startswith("In 2013")
    assert item.citation_key == "ramani2016iran"


def test_collect_page_offers_the_users_collections(client, owner, brief, indexed):
    client.force_login(owner)
    page = html_of(
        client.get(reverse("search:collect_paragraph", args=[indexed.sanctions.pk]))
    )
    options = [o.text_content() for o in page.cssselect("#target-collection option")]
    assert options == ["Brief"]


def test_collect_a_deleted_paragraph_saves_nothing(client, owner, brief, indexed):
    client.force_login(owner)
    gone = indexed.sanctions.pk
    Paragraph.objects.filter(pk=gone).delete()
    response = client.post(
        reverse("search:collect_paragraph_post", args=[gone]),
        {"new_name": "Should not exist"},
        follow=True,
    )
    assert notices(response) == [
        f"Paragraph {gone} no longer exists, so nothing was added."
    ]
    assert not Collection.objects.filter(name="Should not exist").exists()
    assert not CollectionItem.objects.exists()


def test_collect_results_counts_first_and_adds_in_result_order(
    client, owner, brief, indexed
):
    client.force_login(owner)
    counted = html_of(client.get(reverse("search:collect_results") + "?q=opium"))
    assert "2 paragraphs" in counted.cssselect("#count-first")[0].text_content()
    client.post(
        reverse("search:collect_results_post"),
        {"q": "opium", "collection": brief.pk},
    )
    ids = list(brief.items.order_by("position").values_list("paragraph_id", flat=True))
    assert sorted(ids) == sorted([indexed.opium_trade.pk, indexed.opium_seizure.pk])


def test_collect_results_over_the_cap_adds_nothing(
    client, owner, brief, indexed, monkeypatch
):
    monkeypatch.setattr(services, "RESULT_SET_CAP", 3)
    client.force_login(owner)
    page = html_of(client.get(reverse("search:collect_results")))
    assert page.cssselect(".notice-error")
    assert not page.cssselect("#collect-results-form")
    response = client.post(
        reverse("search:collect_results_post"), {"new_name": "Too big"}, follow=True
    )
    assert "more than 3 paragraphs" in notices(response)[0]
    assert not Collection.objects.filter(name="Too big").exists()
    assert not CollectionItem.objects.exists()


def test_items_move_up_and_down_with_plain_forms(client, owner, brief, indexed):
    client.force_login(owner)
    for paragraph in (indexed.opium_trade, indexed.sanctions, indexed.near_abroad):
        collect(client, brief, paragraph.pk)
    last = brief.items.get(paragraph_id=indexed.near_abroad.pk)
    url = reverse("search:collection_item", args=[brief.pk, last.pk])
    client.post(url, {"action": "up"})
    client.post(url, {"action": "up"})
    page = html_of(client.get(brief.get_absolute_url()))
    order = [int(li.get("data-paragraph")) for li in page.cssselect(".collection-item")]
    assert order == [
        indexed.near_abroad.pk,
        indexed.opium_trade.pk,
        indexed.sanctions.pk,
    ]
    first_up = page.cssselect(".collection-item")[0].cssselect("button[value=up]")[0]
    assert first_up.get("disabled") is not None


def test_note_is_markdown_rendered_escaped(client, owner, brief, indexed):
    client.force_login(owner)
    collect(client, brief, indexed.sanctions.pk)
    item = brief.items.get()
    client.post(
        reverse("search:collection_item", args=[brief.pk, item.pk]),
        {
            "action": "note",
            "note": "**Key** <script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    note = html_of(client.get(brief.get_absolute_url())).cssselect(".item-note")[0]
    assert note.cssselect("strong")[0].text_content() == "Key"
    assert not note.cssselect("script")
    assert "<script>alert(1)</script>" in note.text_content()
    assert not [a for a in note.cssselect("a") if "javascript" in a.get("href", "")]


def test_changed_and_removed_paragraphs_show_their_state(client, owner, brief, indexed):
    client.force_login(owner)
    collect(client, brief, indexed.sanctions.pk)
    collect(client, brief, indexed.near_abroad.pk)
    original = indexed.sanctions.text
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(text="Sanctions returned.")
    Paragraph.objects.filter(pk=indexed.near_abroad.pk).delete()
    page = html_of(client.get(brief.get_absolute_url()))
    changed, removed = page.cssselect(".collection-item")
    assert changed.cssselect(".item-state")[0].text_content() == "changed"
    assert changed.cssselect(".collected-text")[0].text_content() == original
    assert changed.cssselect(".current-text")[0].text_content() == "Sanctions returned."
    assert removed.cssselect(".item-state")[0].text_content() == "removed"
    assert "near abroad" in removed.cssselect(".collected-text")[0].text_content()
    data = client.get(reverse("api:collection", args=[brief.pk])).json()
    assert [item["state"] for item in data["items"]] == ["changed", "removed"]
    assert data["items"][1]["paragraph_id"] == indexed.near_abroad.pk


@pytest.mark.parametrize(
    ("sharing", "can_see", "can_edit"),
    [
        (Sharing.PRIVATE, False, False),
        (Sharing.READ, True, False),
        (Sharing.EDIT, True, True),
    ],
)
def test_sharing_decides_who_sees_and_edits(
    client, owner, other, brief, indexed, sharing, can_see, can_edit
):
    brief.sharing = sharing
    brief.save()
    client.force_login(other)
    assert client.get(brief.get_absolute_url()).status_code == (200 if can_see else 404)
    response = collect(client, brief, indexed.sanctions.pk)
    assert brief.items.exists() is can_edit
    assert response.status_code == (200 if can_edit else 403 if can_see else 404)
    listed = [
        row["id"]
        for row in client.get(reverse("api:collections")).json()["collections"]
    ]
    assert (brief.pk in listed) is can_see


def test_api_collections_shapes(client, owner, brief, indexed):
    client.force_login(owner)
    collect(client, brief, indexed.sanctions.pk)
    listing = client.get(reverse("api:collections")).json()
    assert listing == {
        "collections": [
            {
                "id": brief.pk,
                "name": "Brief",
                "owner": "owner",
                "sharing": "private",
                "items_count": 1,
                "url": brief.get_absolute_url(),
            }
        ]
    }
    detail = client.get(reverse("api:collection", args=[brief.pk])).json()
    assert detail["items"][0]["paragraph_id"] == indexed.sanctions.pk
    assert detail["items"][0]["position"] == 1
    assert detail["items"][0]["state"] == "current"
    assert detail["items"][0]["snapshot"]["text"] == indexed.sanctions.text
    assert client.get(reverse("api:collection", args=[999])).status_code == 404


def _today() -> str:
    today = timezone.localdate()
    return f"{MONTHS[today.month - 1]} {today.day}, {today.year}"


def _export(client, collection: Collection, fmt: str):
    response = client.get(
        reverse("search:collection_export", args=[collection.pk, fmt])
    )
    assert response.status_code == 200
    return response


def test_briefing_docx_holds_notes_footnotes_and_bibliography(
    client, owner, brief, indexed
):
    client.force_login(owner)
    collect(client, brief, indexed.opium_trade.pk)
    collect(client, brief, indexed.near_abroad.pk)
    item = brief.items.get(paragraph_id=indexed.opium_trade.pk)
    services.update_note(collection=brief, item_id=item.pk, note="Check the *date*.")
    document = docx.Document(io.BytesIO(_export(client, brief, "docx").content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "Check the *date*." in texts
    assert indexed.opium_trade.text in texts
    assert "Bibliography" in texts
    assert any(text.startswith("Ramani, Samuel. “Has Iran") for text in texts)
    part = document.part.part_related_by(RELATIONSHIP_TYPE.FOOTNOTES)
    notes = lxml.etree.fromstring(part.blob)
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    bodies = ["".join(n.itertext()).strip() for n in notes.iter(f"{w}footnote")]
    assert bodies[2].startswith("Samuel Ramani, “Has Iran Finally Found")
    assert "para. 2" in bodies[2]
    assert len(document.element.body.findall(f".//{w}footnoteReference")) == 2


def test_briefing_markdown_has_footnotes_in_order(client, owner, brief, indexed):
    indexed.iran.source_url = "https://thediplomat.example/iran"
    indexed.iran.save()
    client.force_login(owner)
    collect(client, brief, indexed.near_abroad.pk)
    collect(client, brief, indexed.opium_trade.pk)
    text = _export(client, brief, "md").content.decode()
    assert text.index("## 1. Russia and its near abroad") < text.index("## 2. Has Iran")
    assert f"> {indexed.opium_trade.text}[^2]" in text
    assert "[^2]: Samuel Ramani, “Has Iran Finally Found" in text
    (note,) = [line for line in text.splitlines() if line.startswith("[^2]:")]
    permalink = f"http://testserver/paragraphs/{indexed.opium_trade.pk}/"
    assert note.endswith(
        f"para. 2, accessed {_today()}, https://thediplomat.example/iran. "
        f"Refdesk link: {permalink}."
    )
    (entry,) = [line for line in text.splitlines() if line.startswith("- Ramani")]
    assert entry.endswith(f"Accessed {_today()}. https://thediplomat.example/iran.")
    assert "## Bibliography" in text


def test_bibtex_parses_and_keys_stay_once_exported(client, owner, brief, indexed):
    client.force_login(owner)
    collect(client, brief, indexed.opium_trade.pk)
    collect(client, brief, indexed.sanctions.pk)
    collect(client, brief, indexed.near_abroad.pk)
    first = bibtexparser.parse_string(_export(client, brief, "bib").content.decode())
    assert not first.failed_blocks
    keys = [entry.key for entry in first.entries]
    assert keys == ["ramani2016iran", "doe2020russia"]
    indexed.iran.title = "A different title"
    indexed.iran.save()
    again = bibtexparser.parse_string(_export(client, brief, "bib").content.decode())
    assert [entry.key for entry in again.entries] == keys


def test_csv_json_and_ris_exports_list_every_item(client, owner, brief, indexed):
    client.force_login(owner)
    collect(client, brief, indexed.script.pk)
    payload = json.loads(_export(client, brief, "json").content)
    assert payload["items"][0]["text"] == indexed.script.text
    csv_text = _export(client, brief, "csv").content.decode()
    assert csv_text.splitlines()[0].startswith("position,paragraph_id,state")
    assert "Energy in the Caspian" in csv_text
    assert _export(client, brief, "ris").content.decode().startswith("TY  - ELEC")
