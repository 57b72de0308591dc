"""Saved searches and watches: their stored state, what counts as new, and digests.

"New" is decided by paragraph id, never by the index: ids only grow, and an edit or a
re-index keeps a paragraph's id, so neither makes an old paragraph new. A watch keeps a
watermark (the highest id when it last ran, read before its search runs, so nothing
added during the search is skipped) and the set of ids already sent.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from corpus.models import Author, Country, Paragraph, Topic
from search.models import Frequency, SavedSearch, SentParagraph
from search.query import SearchRequest, matching_paragraph_ids

# Parameters that describe a page of results, not the search.
_VIEW_PARAMS = {"page", "page_size", "group"}
# A digest lists at most this many paragraphs; the rest wait for the next one.
DIGEST_LIMIT = 200
FEED_LIMIT = 50
# Cron runs drift by minutes; an hour of slack keeps a daily digest daily.
DUE_AFTER = {
    Frequency.DAILY: datetime.timedelta(days=1) - datetime.timedelta(hours=1),
    Frequency.WEEKLY: datetime.timedelta(days=7) - datetime.timedelta(hours=1),
}
VOLUME_SAMPLE = 50_000


class WatchError(ValueError):
    """Input that cannot be saved; the message is shown to the analyst."""


# ---------------------------------------------------------------- state


def search_state(request: SearchRequest) -> dict[str, Any]:
    """Versioned JSON of the search's URL parameters (ISO codes, topic slugs)."""
    params = [
        [name, value] for name, value in request.to_params() if name not in _VIEW_PARAMS
    ]
    return {"v": SavedSearch.STATE_VERSION, "params": params}


def state_request(state: dict[str, Any]) -> SearchRequest:
    if not isinstance(state, dict) or state.get("v") != SavedSearch.STATE_VERSION:
        return SearchRequest.from_querydict({})
    values: MultiValueDict[str, str] = MultiValueDict()
    for pair in state.get("params") or []:
        if isinstance(pair, list) and len(pair) == 2:
            values.appendlist(str(pair[0]), str(pair[1]))
    return SearchRequest.from_querydict(values)


def saved_search_url(saved: SavedSearch) -> str:
    return reverse("search:search") + state_request(saved.state).url()


def broken_reason(request: SearchRequest) -> str:
    """Why the search no longer resolves (a filter on a deleted value), or ""."""
    problems = []
    countries = set(request.countries)
    known = set(
        Country.objects.filter(code__in=countries).values_list("code", flat=True)
    )
    problems += [f"country “{code}”" for code in sorted(countries - known)]
    topics = set(request.topics)
    known = set(Topic.objects.filter(slug__in=topics).values_list("slug", flat=True))
    problems += [f"topic “{slug}”" for slug in sorted(topics - known)]
    authors = set(request.authors)
    known = set(Author.objects.filter(name__in=authors).values_list("name", flat=True))
    problems += [f"author “{name}”" for name in sorted(authors - known)]
    if not problems:
        return ""
    return "It filters on " + ", ".join(problems) + ", which no longer exists."


def latest_paragraph_id() -> int:
    return Paragraph.objects.aggregate(top=Max("pk"))["top"] or 0


def new_ids(request: SearchRequest, *, after: int) -> list[int]:
    """Matching paragraph ids above the watermark ``after``, newest first."""
    return sorted(
        (pk for pk in matching_paragraph_ids(request) if pk > after), reverse=True
    )


def expected_per_week(request: SearchRequest) -> int:
    """About how many matches a week, judging by the last year's additions."""
    since = timezone.now() - datetime.timedelta(days=365)
    ids = matching_paragraph_ids(request, limit=VOLUME_SAMPLE)
    recent = 0
    for start in range(0, len(ids), 5000):
        recent += Paragraph.objects.filter(
            pk__in=ids[start : start + 5000], article__created_at__gte=since
        ).count()
    return round(recent / 52)


# ---------------------------------------------------------------- services


def create_saved_search(
    *, owner: Any, name: str, request: SearchRequest, frequency: str, feed: bool
) -> SavedSearch:
    name = " ".join(name.split())[:200]
    if not name:
        raise WatchError("Give the saved search a name.")
    if frequency not in Frequency.values:
        raise WatchError("Choose no email, daily or weekly.")
    watermark = latest_paragraph_id()
    return SavedSearch.objects.create(
        owner=owner,
        name=name,
        state=search_state(request),
        start_watermark=watermark,
        seen_watermark=watermark,
        sent_watermark=watermark,
        frequency=frequency,
        watch_feed=feed,
        feed_token=secrets.token_urlsafe(32) if feed else None,
    )


def update_watch(
    *, saved: SavedSearch, frequency: str, feed: bool, new_token: bool
) -> None:
    if frequency not in Frequency.values:
        raise WatchError("Choose no email, daily or weekly.")
    saved.frequency = frequency
    saved.watch_feed = feed
    if not feed:
        saved.feed_token = None
    elif new_token or not saved.feed_token:
        saved.feed_token = secrets.token_urlsafe(32)
    saved.save(update_fields=["frequency", "watch_feed", "feed_token"])


def mark_seen(*, saved: SavedSearch) -> None:
    saved.seen_watermark = latest_paragraph_id()
    saved.save(update_fields=["seen_watermark"])


def delete_saved_search(*, saved: SavedSearch) -> None:
    saved.delete()


# ---------------------------------------------------------------- selectors


@dataclass(frozen=True)
class SavedSearchRow:
    saved: SavedSearch
    url: str
    new_count: int
    broken: str


def saved_search_rows(*, user: Any) -> list[SavedSearchRow]:
    rows = []
    for saved in SavedSearch.objects.filter(owner=user).order_by("name", "id"):
        request = state_request(saved.state)
        broken = broken_reason(request)
        rows.append(
            SavedSearchRow(
                saved=saved,
                url=saved_search_url(saved),
                new_count=0
                if broken
                else len(new_ids(request, after=saved.seen_watermark)),
                broken=broken,
            )
        )
    return rows


@dataclass(frozen=True)
class FeedEntry:
    paragraph: Paragraph
    tag: str
    updated: datetime.datetime


def feed_entries(saved: SavedSearch) -> list[FeedEntry]:
    """The newest matches added since the search was saved."""
    request = state_request(saved.state)
    if broken_reason(request):
        return []
    ids = new_ids(request, after=saved.start_watermark)[:FEED_LIMIT]
    paragraphs = {
        paragraph.pk: paragraph
        for paragraph in Paragraph.objects.filter(pk__in=ids).select_related(
            "article__publication"
        )
    }
    return [
        FeedEntry(
            paragraph=paragraphs[pk],
            tag=entry_tag(saved, paragraph_id=pk),
            # When its article entered the library: an edit must not bump it.
            updated=paragraphs[pk].article.created_at,
        )
        for pk in ids
        if pk in paragraphs
    ]


def entry_tag(saved: SavedSearch, *, paragraph_id: int) -> str:
    authority = settings.REFDESK_TAG_AUTHORITY
    day = f"{saved.created_at:%Y-%m-%d}"
    return f"tag:{authority},{day}:watch/{saved.pk}/paragraph/{paragraph_id}"


def feed_tag(saved: SavedSearch) -> str:
    authority = settings.REFDESK_TAG_AUTHORITY
    return f"tag:{authority},{saved.created_at:%Y-%m-%d}:watch/{saved.pk}"


# ---------------------------------------------------------------- digests


@dataclass
class DigestItem:
    paragraph: Paragraph
    watches: list[str] = field(default_factory=list)


@dataclass
class Digest:
    user: Any
    items: list[DigestItem]
    broken: list[tuple[SavedSearch, str]]
    sent: dict[int, list[int]]
    """Saved search id -> paragraph ids this digest delivers for it."""
    truncated: bool = False


def due_watches(*, now: datetime.datetime) -> list[SavedSearch]:
    due = []
    for saved in SavedSearch.objects.exclude(frequency=Frequency.NONE).select_related(
        "owner"
    ):
        wait = DUE_AFTER[Frequency(saved.frequency)]
        if saved.last_sent_at is None or now - saved.last_sent_at >= wait:
            due.append(saved)
    return due


def plan_digests(watches: Iterable[SavedSearch]) -> tuple[list[Digest], int]:
    """One digest per owner of ``watches``; returns the digests and the watermark
    taken before any search ran."""
    watermark = latest_paragraph_id()
    by_user: dict[int, Digest] = {}
    for saved in watches:
        digest = by_user.setdefault(
            saved.owner_id, Digest(user=saved.owner, items=[], broken=[], sent={})
        )
        request = state_request(saved.state)
        reason = broken_reason(request)
        if reason:
            digest.broken.append((saved, reason))
            continue
        already = set(saved.sent.values_list("paragraph_id", flat=True))
        fresh = [
            pk
            for pk in new_ids(request, after=saved.sent_watermark)
            if pk not in already
        ]
        digest.sent[saved.pk] = fresh
    for digest in by_user.values():
        names = {saved.pk: saved.name for saved in watches}
        order: dict[int, list[str]] = {}
        for saved_id, ids in digest.sent.items():
            for pk in ids:
                order.setdefault(pk, []).append(names[saved_id])
        chosen = sorted(order, reverse=True)[:DIGEST_LIMIT]
        digest.truncated = len(order) > DIGEST_LIMIT
        paragraphs = Paragraph.objects.filter(pk__in=chosen).select_related("article")
        by_id = {paragraph.pk: paragraph for paragraph in paragraphs}
        digest.items = [
            DigestItem(paragraph=by_id[pk], watches=order[pk])
            for pk in chosen
            if pk in by_id
        ]
        delivered = {item.paragraph.pk for item in digest.items}
        digest.sent = {
            saved_id: [pk for pk in ids if pk in delivered]
            for saved_id, ids in digest.sent.items()
        }
    return list(by_user.values()), watermark


def digest_text(digest: Digest) -> str:
    site = settings.REFDESK_SITE_URL.rstrip("/")
    lines = [f"New in Refdesk for {digest.user.get_username()}", ""]
    for item in digest.items:
        paragraph = item.paragraph
        text = " ".join(paragraph.text.split())
        lines += [
            f"* {paragraph.article.title}, para. {paragraph.position}",
            f"  {text[:300]}{'…' if len(text) > 300 else ''}",
            f"  {site}{reverse('search:paragraph', args=[paragraph.pk])}",
            f"  Matches: {', '.join(item.watches)}",
            "",
        ]
    for saved, reason in digest.broken:
        lines += [
            f"! Your watch “{saved.name}” no longer works. {reason} "
            f"Edit or delete it: {site}{saved.get_absolute_url()}",
            "",
        ]
    return "\n".join(lines)


@dataclass(frozen=True)
class DigestReport:
    user: str
    paragraphs: int
    broken: int
    sent: bool
    reason: str = ""


def send_digests(
    *, dry_run: bool = False, now: datetime.datetime | None = None
) -> list[DigestReport]:
    """Email each owner of a due watch its new matches, once per paragraph."""
    now = now or timezone.now()
    watches = due_watches(now=now)
    digests, watermark = plan_digests(watches)
    reports = []
    for digest in digests:
        address = digest.user.email
        if not digest.items and not digest.broken:
            reports.append(
                DigestReport(digest.user.get_username(), 0, 0, False, "nothing new")
            )
        elif not address:
            reports.append(
                DigestReport(
                    digest.user.get_username(),
                    len(digest.items),
                    len(digest.broken),
                    False,
                    "no email address",
                )
            )
            continue
        elif not dry_run:
            send_mail(
                subject=f"Refdesk: {len(digest.items)} new paragraph"
                f"{'s' if len(digest.items) != 1 else ''}",
                message=digest_text(digest),
                from_email=None,
                recipient_list=[address],
            )
            reports.append(
                DigestReport(
                    digest.user.get_username(),
                    len(digest.items),
                    len(digest.broken),
                    True,
                )
            )
        else:
            reports.append(
                DigestReport(
                    digest.user.get_username(),
                    len(digest.items),
                    len(digest.broken),
                    False,
                    "dry run",
                )
            )
        if not dry_run:
            _record(digest, watches=watches, watermark=watermark, now=now)
    return reports


@transaction.atomic
def _record(
    digest: Digest,
    *,
    watches: list[SavedSearch],
    watermark: int,
    now: datetime.datetime,
) -> None:
    broken = {saved.pk: reason for saved, reason in digest.broken}
    for saved in watches:
        if saved.owner_id != digest.user.pk:
            continue
        if saved.pk in broken:
            saved.broken_reason = broken[saved.pk][:500]
            saved.save(update_fields=["broken_reason"])
            continue
        SentParagraph.objects.bulk_create(
            [
                SentParagraph(saved_search=saved, paragraph_id=pk)
                for pk in digest.sent.get(saved.pk, [])
            ],
            ignore_conflicts=True,
        )
        # A cut digest leaves the watermark: the sent set keeps the rest coming.
        if not digest.truncated:
            saved.sent_watermark = max(saved.sent_watermark, watermark)
        saved.last_sent_at = now
        saved.broken_reason = ""
        saved.save(update_fields=["sent_watermark", "last_sent_at", "broken_reason"])
