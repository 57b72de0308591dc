"""A watch's private Atom feed (RFC 4287), through Django's feed generator."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from search.models import SavedSearch
from search.watches import broken_reason, feed_entries, feed_tag, state_request


@dataclass(frozen=True)
class RenderedFeed:
    content: bytes
    etag: str
    last_modified: float


def render_feed(saved: SavedSearch, *, base_url: str) -> RenderedFeed:
    entries = feed_entries(saved)
    feed_url = base_url + reverse("search:watch_feed", args=[saved.feed_token])
    broken = broken_reason(state_request(saved.state))
    subtitle = (
        f"This watch no longer works. {broken}"
        if broken
        else "New paragraphs matching a saved search."
    )
    feed = Atom1Feed(
        title=f"Refdesk: {saved.name}",
        link=base_url + reverse("search:search"),
        description=subtitle,
        subtitle=subtitle,
        feed_url=feed_url,
        feed_guid=feed_tag(saved),
        language="en",
    )
    for entry in entries:
        paragraph = entry.paragraph
        article = paragraph.article
        feed.add_item(
            title=f"{article.title}, para. {paragraph.position}",
            link=base_url + reverse("search:paragraph", args=[paragraph.pk]),
            description=paragraph.text,
            unique_id=entry.tag,
            unique_id_is_permalink=False,
            pubdate=entry.updated,
            updateddate=entry.updated,
            author_name=", ".join(a.name for a in article.ordered_authors()) or None,
        )
    updated = max((entry.updated for entry in entries), default=saved.created_at)
    content = feed.writeString("utf-8").encode()
    # Not the content itself: an empty Atom feed's <updated> is the current time.
    signature = "|".join(
        [settings.REFDESK_TAG_AUTHORITY, saved.name, broken]
        + [
            f"{entry.tag}@{entry.updated.isoformat()}:{entry.paragraph.text}"
            for entry in entries
        ]
    )
    return RenderedFeed(
        content=content,
        etag='"' + hashlib.sha256(signature.encode()).hexdigest()[:32] + '"',
        last_modified=updated.timestamp(),
    )
