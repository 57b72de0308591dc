"""Collections (evidence sets): services that write and selectors that read.

An item keeps the paragraph id and a citation snapshot taken when it was added. Its
state is worked out on every read: "current" while the paragraph says what the
snapshot says, "changed" once it has been edited (both texts are shown), "removed"
once it is gone (the snapshot is shown).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from corpus.models import Paragraph
from search.citations import CitedWork, bibtex_key
from search.models import Collection, CollectionItem, Sharing

# A whole result set is added only up to this many paragraphs; a bigger one is
# refused whole so a collection never holds an arbitrary first slice of a search.
RESULT_SET_CAP = 500
CONTEXT_CHARS = 160


class CollectError(ValueError):
    """Input that cannot be added; the message is shown to the analyst."""


@dataclass(frozen=True)
class ItemView:
    item: CollectionItem
    state: str
    snapshot: dict[str, Any]
    current_text: str | None
    reader_url: str | None

    @property
    def paragraph_id(self) -> int:
        return self.item.paragraph_id


# ---------------------------------------------------------------- access


def can_edit_collection(collection: Collection, *, user: Any) -> bool:
    return collection.owner_id == user.pk or collection.sharing == Sharing.EDIT


def visible_collections(*, user: Any) -> QuerySet[Collection]:
    """The user's own collections and every collection shared with the team."""
    return (
        Collection.objects.filter(
            Q(owner=user) | Q(sharing__in=[Sharing.READ, Sharing.EDIT])
        )
        .select_related("owner")
        .annotate(items_count=Count("items"))
        .order_by("name", "id")
    )


def editable_collections(*, user: Any) -> QuerySet[Collection]:
    return visible_collections(user=user).filter(
        Q(owner=user) | Q(sharing=Sharing.EDIT)
    )


def get_collection(*, user: Any, pk: int, edit: bool = False) -> Collection:
    """A collection the user may see (or change, with ``edit``); others are 404."""
    found = visible_collections(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404("There is no such collection, or it is not shared with you.")
    if edit and not can_edit_collection(found, user=user):
        raise PermissionDenied("This collection is shared read-only.")
    return found


# ---------------------------------------------------------------- snapshots


def _trim_start(text: str, *, limit: int) -> str:
    """The last ``limit`` characters of ``text``, starting at a word."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return "…" + cut.split(" ", 1)[-1] if " " in cut else "…" + cut


def _trim_end(text: str, *, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def paragraph_snapshot(paragraph: Paragraph) -> dict[str, Any]:
    article = paragraph.article
    neighbours = dict(
        Paragraph.objects.filter(
            article_id=article.pk,
            position__in=[paragraph.position - 1, paragraph.position + 1],
        ).values_list("position", "text")
    )
    return {
        "article_id": article.pk,
        "title": article.title,
        "authors": [author.name for author in article.ordered_authors()],
        "year": article.year,
        "date": article.date.isoformat() if article.date else None,
        "date_estimated": article.date_estimated,
        "publication": article.publication.name if article.publication else "",
        "source_url": article.source_url,
        "position": paragraph.position,
        "locator": f"para. {paragraph.position}",
        "heading": paragraph.heading,
        "text": paragraph.text,
        "before": _trim_start(
            neighbours.get(paragraph.position - 1, ""), limit=CONTEXT_CHARS
        ),
        "after": _trim_end(
            neighbours.get(paragraph.position + 1, ""), limit=CONTEXT_CHARS
        ),
    }


def snapshot_work(
    snapshot: dict[str, Any],
    *,
    base_url: str,
    accessed: datetime.date | None = None,
) -> CitedWork:
    """The snapshot as a citation sees it; ``accessed`` is when it was collected."""
    date = snapshot.get("date")
    return CitedWork(
        article_id=int(snapshot.get("article_id") or 0),
        title=str(snapshot.get("title") or ""),
        authors=tuple(snapshot.get("authors") or ()),
        publication=str(snapshot.get("publication") or ""),
        year=snapshot.get("year"),
        date=datetime.date.fromisoformat(date) if date else None,
        date_estimated=bool(snapshot.get("date_estimated")),
        url=base_url + reverse("search:article", args=[snapshot.get("article_id")]),
        source_url=str(snapshot.get("source_url") or ""),
        accessed=accessed,
    )


def _citation_key(collection: Collection, snapshot: dict[str, Any]) -> str:
    """The key of the item's article in this collection: shared by every item from
    one article, unique across articles."""
    existing = dict(
        (item.snapshot.get("article_id"), item.citation_key)
        for item in collection.items.only("snapshot", "citation_key")
    )
    if snapshot["article_id"] in existing:
        return existing[snapshot["article_id"]]
    base = bibtex_key(snapshot_work(snapshot, base_url=""))
    taken = set(existing.values())
    key, number = base, 0
    while key in taken:
        number += 1
        key = base + _letters(number)
    return key


def _letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


# ---------------------------------------------------------------- services


def create_collection(
    *, owner: Any, name: str, sharing: str = Sharing.PRIVATE
) -> Collection:
    name = " ".join(name.split())[:200]
    if not name:
        raise CollectError("Give the collection a name.")
    if sharing not in Sharing.values:
        raise CollectError("Choose private, team can read or team can edit.")
    return Collection.objects.create(owner=owner, name=name, sharing=sharing)


def update_collection(
    *, collection: Collection, user: Any, name: str, sharing: str
) -> None:
    if collection.owner_id != user.pk:
        raise PermissionDenied("Only the owner changes a collection's name or sharing.")
    name = " ".join(name.split())[:200]
    if not name:
        raise CollectError("Give the collection a name.")
    if sharing not in Sharing.values:
        raise CollectError("Choose private, team can read or team can edit.")
    collection.name, collection.sharing = name, sharing
    collection.save(update_fields=["name", "sharing", "updated_at"])


def delete_collection(*, collection: Collection, user: Any) -> None:
    if collection.owner_id != user.pk:
        raise PermissionDenied("Only the owner deletes a collection.")
    collection.delete()


@transaction.atomic
def add_paragraphs(
    *, collection: Collection, paragraph_ids: Sequence[int], user: Any
) -> tuple[int, int]:
    """Add the paragraphs in order; returns (added, already there). A missing
    paragraph aborts the whole addition."""
    wanted = list(dict.fromkeys(int(pk) for pk in paragraph_ids))
    if not wanted:
        raise CollectError("There was nothing to add.")
    paragraphs = {
        paragraph.pk: paragraph
        for paragraph in Paragraph.objects.filter(pk__in=wanted).select_related(
            "article__publication"
        )
    }
    missing = [pk for pk in wanted if pk not in paragraphs]
    if missing:
        raise CollectError(
            f"Paragraph {missing[0]} no longer exists, so nothing was added."
            if len(missing) == 1
            else f"{len(missing)} of these paragraphs no longer exist, "
            "so nothing was added."
        )
    # Lock the collection so two additions cannot take the same positions.
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    present = set(
        collection.items.filter(paragraph_id__in=wanted).values_list(
            "paragraph_id", flat=True
        )
    )
    position = (collection.items.aggregate(top=Max("position"))["top"] or 0) + 1
    added = 0
    for pk in wanted:
        if pk in present:
            continue
        snapshot = paragraph_snapshot(paragraphs[pk])
        CollectionItem.objects.create(
            collection=collection,
            paragraph_id=pk,
            position=position,
            snapshot=snapshot,
            citation_key=_citation_key(collection, snapshot),
            added_by=user,
        )
        position += 1
        added += 1
    collection.save(update_fields=["updated_at"])
    return added, len(present)


def count_result_set(request: Any) -> int:
    from search.query import run_search

    return run_search(request.replace(page_size=1)).total


def add_result_set(
    *, collection: Collection, request: Any, user: Any
) -> tuple[int, int]:
    """Every paragraph of a search, in result order, if there are at most
    ``RESULT_SET_CAP``; a bigger set is refused and nothing is added."""
    from search.query import matching_paragraph_ids

    ids = matching_paragraph_ids(request, limit=RESULT_SET_CAP + 1)
    if len(ids) > RESULT_SET_CAP:
        raise CollectError(
            f"This search has more than {RESULT_SET_CAP} paragraphs; at most "
            f"{RESULT_SET_CAP} are added at once. Narrow it and try again. "
            "Nothing was added."
        )
    return add_paragraphs(collection=collection, paragraph_ids=ids, user=user)


def _item(collection: Collection, item_id: int) -> CollectionItem:
    found = collection.items.filter(pk=item_id).first()
    if found is None:
        raise CollectError("That item is no longer in this collection.")
    return found


@transaction.atomic
def move_item(*, collection: Collection, item_id: int, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down")."""
    item = _item(collection, item_id)
    if direction not in {"up", "down"}:
        raise CollectError("Move an item up or down.")
    neighbours = collection.items.select_for_update()
    neighbour = (
        neighbours.filter(position__lt=item.position).order_by("-position").first()
        if direction == "up"
        else neighbours.filter(position__gt=item.position).order_by("position").first()
    )
    if neighbour is None:
        return
    item.position, neighbour.position = neighbour.position, item.position
    CollectionItem.objects.filter(pk=item.pk).update(position=item.position)
    CollectionItem.objects.filter(pk=neighbour.pk).update(position=neighbour.position)
    collection.save(update_fields=["updated_at"])


def update_note(*, collection: Collection, item_id: int, note: str) -> None:
    item = _item(collection, item_id)
    item.note = note.replace("\x00", "")[:20_000]
    item.save(update_fields=["note"])


def remove_item(*, collection: Collection, item_id: int) -> None:
    _item(collection, item_id).delete()


# ---------------------------------------------------------------- selectors


def collection_items(collection: Collection) -> list[ItemView]:
    items = list(collection.items.order_by("position", "id"))
    current = dict(
        Paragraph.objects.filter(
            pk__in=[item.paragraph_id for item in items]
        ).values_list("pk", "text")
    )
    views = []
    for item in items:
        text = current.get(item.paragraph_id)
        if text is None:
            state = "removed"
        elif text != item.snapshot.get("text"):
            state = "changed"
        else:
            state = "current"
        views.append(
            ItemView(
                item=item,
                state=state,
                snapshot=item.snapshot,
                current_text=text,
                reader_url=None
                if text is None
                else reverse("search:paragraph", args=[item.paragraph_id]),
            )
        )
    return views


def collection_json(collection: Collection, *, items: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": collection.pk,
        "name": collection.name,
        "owner": collection.owner.get_username(),
        "sharing": collection.sharing,
        # Annotated by visible_collections; counted here for a bare instance.
        "items_count": getattr(collection, "items_count", None)
        or collection.items.count(),
        "url": collection.get_absolute_url(),
    }
    if items:
        row["items"] = [
            {
                "paragraph_id": view.paragraph_id,
                "position": index,
                "note": view.item.note,
                "state": view.state,
                "citation_key": view.item.citation_key,
                "current_text": view.current_text if view.state == "changed" else None,
                "snapshot": view.snapshot,
            }
            for index, view in enumerate(collection_items(collection), start=1)
        ]
    return row
