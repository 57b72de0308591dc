from __future__ import annotations

import datetime

import lxml.etree
import lxml.html
import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from corpus.models import Article, Paragraph, Topic
from search.index import rebuild_index, update_paragraphs
from search.models import Frequency, SavedSearch
from search.query import SearchRequest
from search.watches import create_saved_search, send_digests, state_request

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        username="watcher", password="pw-123456", email="watcher@example.org"
    )


def watch(owner, name: str, **params) -> SavedSearch:
    return create_saved_search(
        owner=owner,
        name=name,
        request=SearchRequest.from_querydict(params),
        frequency=Frequency.DAILY,
        feed=True,
    )


def add_paragraph(article: Article, text: str) -> Paragraph:
    position = article.paragraphs.count() + 1
    paragraph = Paragraph.objects.create(article=article, position=position, text=text)
    update_paragraphs([paragraph.pk])
    return paragraph


def digest_ids(message) -> list[str]:
    return [line for line in message.body.splitlines() if line.startswith("* ")]


def later(days: float = 2) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def test_state_is_versioned_params_with_iso_codes_and_slugs(owner, indexed):
    saved = watch(owner, "Opium", q="opium", country="ir", topic="Drugs-Test", page="3")
    assert saved.state == {
        "v": 1,
        "params": [["q", "opium"], ["country", "IR"], ["topic", "drugs-test"]],
    }
    assert state_request(saved.state).countries == ("IR",)


def test_save_page_states_the_expected_weekly_volume(client, owner, indexed):
    client.force_login(owner)
    page = lxml.html.fromstring(
        client.get(reverse("search:saved_search_new") + "?q=opium").content
    )
    volume = page.cssselect("#expected-volume")[0].text_content()
    # Both opium paragraphs were added within the last year: 2 / 52 rounds to 0.
    assert volume.startswith("About 0 new paragraphs a week")
    client.post(
        reverse("search:saved_search_create"),
        {"q": "opium", "name": "Opium", "frequency": "weekly", "feed": "on"},
    )
    saved = SavedSearch.objects.get()
    assert (saved.frequency, saved.watch_feed, bool(saved.feed_token)) == (
        "weekly",
        True,
        True,
    )


def test_list_shows_new_since_last_looked(client, owner, indexed):
    client.force_login(owner)
    saved = watch(owner, "Opium", q="opium")
    add_paragraph(indexed.kyrgyz, "Opium routes cross Kyrgyzstan.")
    page = lxml.html.fromstring(client.get(reverse("search:saved_searches")).content)
    assert page.cssselect(".new-count")[0].text_content() == "1 new"
    client.post(
        reverse("search:saved_search_update", args=[saved.pk]), {"action": "seen"}
    )
    page = lxml.html.fromstring(client.get(reverse("search:saved_searches")).content)
    assert page.cssselect(".new-count")[0].text_content() == "0 new"


def test_reindex_and_edit_never_make_an_old_paragraph_new(client, owner, indexed):
    saved = watch(owner, "Opium", q="opium")
    rebuild_index()
    Paragraph.objects.filter(pk=indexed.sanctions.pk).update(
        text="Opium and sanctions, edited."
    )
    update_paragraphs([indexed.sanctions.pk])
    send_digests(now=later())
    assert mail.outbox == []
    feed = client.get(reverse("search:watch_feed", args=[saved.feed_token]))
    assert lxml.etree.fromstring(feed.content).findall(f"{ATOM}entry") == []


def test_a_new_paragraph_is_sent_once_across_several_watches(owner, indexed):
    watch(owner, "Opium", q="opium")
    watch(owner, "Kyrgyz", country="KG")
    new = add_paragraph(indexed.kyrgyz, "Opium routes cross Kyrgyzstan.")
    new.countries.add(indexed.accented.countries.get(code="KG"))
    update_paragraphs([new.pk])
    send_digests(now=later())
    assert len(mail.outbox) == 1
    (line,) = digest_ids(mail.outbox[0])
    assert "Kyrgyzstán between powers, para. 2" in line
    (matches,) = [
        line for line in mail.outbox[0].body.splitlines() if "Matches:" in line
    ]
    assert sorted(matches.split(": ", 1)[1].split(", ")) == ["Kyrgyz", "Opium"]
    send_digests(now=later(4))
    assert len(mail.outbox) == 1


def test_dry_run_sends_and_records_nothing(owner, indexed):
    saved = watch(owner, "Opium", q="opium")
    add_paragraph(indexed.kyrgyz, "Opium routes cross Kyrgyzstan.")
    call_command("send_digests", "--dry-run")
    assert mail.outbox == []
    saved.refresh_from_db()
    assert saved.last_sent_at is None
    assert not saved.sent.exists()


def test_a_broken_watch_is_flagged_not_deleted(client, owner, indexed):
    saved = watch(owner, "Drugs", topic="drugs-test")
    Topic.objects.filter(slug="drugs-test").delete()
    send_digests(now=later())
    saved.refresh_from_db()
    assert "topic “drugs-test”" in saved.broken_reason
    assert "no longer works" in mail.outbox[0].body
    feed = client.get(reverse("search:watch_feed", args=[saved.feed_token]))
    subtitle = lxml.etree.fromstring(feed.content).findtext(f"{ATOM}subtitle")
    assert subtitle.startswith("This watch no longer works.")
    client.force_login(owner)
    page = lxml.html.fromstring(client.get(saved.get_absolute_url()).content)
    assert page.cssselect("#broken-watch")


def test_feed_is_atom_with_tag_ids_self_link_and_validators(client, owner, indexed):
    saved = watch(owner, "Opium", q="opium")
    new = add_paragraph(indexed.kyrgyz, "Opium routes cross Kyrgyzstan.")
    url = reverse("search:watch_feed", args=[saved.feed_token])
    response = client.get(url)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = lxml.etree.fromstring(response.content)
    (entry,) = feed.findall(f"{ATOM}entry")
    day = f"{saved.created_at:%Y-%m-%d}"
    assert entry.findtext(f"{ATOM}id") == (
        f"tag:refdesk.example,{day}:watch/{saved.pk}/paragraph/{new.pk}"
    )
    assert entry.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert response["Last-Modified"]


@pytest.mark.parametrize(
    "token",
    [
        "forged-token",  # never issued
        "",  # empty
    ],
)
def test_feed_with_a_forged_token_is_refused(client, owner, indexed, token):
    watch(owner, "Opium", q="opium")
    response = client.get(f"/feeds/{token}.atom")
    assert response.status_code == 404
    assert b"Opium" not in response.content


def test_replacing_the_feed_address_revokes_the_old_one(client, owner, indexed):
    saved = watch(owner, "Opium", q="opium")
    old = reverse("search:watch_feed", args=[saved.feed_token])
    client.force_login(owner)
    client.post(
        reverse("search:saved_search_update", args=[saved.pk]),
        {"action": "new_token", "frequency": "daily", "feed": "on"},
    )
    client.logout()
    saved.refresh_from_db()
    assert client.get(old).status_code == 404
    fresh = reverse("search:watch_feed", args=[saved.feed_token])
    assert client.get(fresh).status_code == 200
