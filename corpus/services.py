"""Every change an editor makes to tags and articles goes through these functions.

``user`` is the editor making the change (checked with ``can_edit``), or None for a
command or script run by staff; audit rows then have no user.

Each one runs in a transaction, writes TagChange audit rows for tag changes and, once
the transaction commits, asks the search index to reindex what changed. Views, admin
and commands call these and hold no logic of their own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.utils import timezone

from corpus.models import (
    Article,
    Author,
    Country,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    Publication,
    TagChange,
    TagStatus,
    Topic,
)
from corpus.parsing import ParsedArticle, ParsedAuthor, ParsedParagraph
from corpus.permissions import can_edit
from corpus.tagging import auto_tag, load_gazetteer, load_topic_rules, suggest_tags

logger = logging.getLogger(__name__)

Kind = Literal["country", "topic"]
KINDS: tuple[Kind, ...] = ("country", "topic")
# Paragraph ids per round trip: within every database's parameter limit.
BATCH_SIZE = 500


class TagValueError(ValueError):
    """An unknown tag kind, country code or topic slug; the message is for the user."""


@dataclass(frozen=True)
class TagTarget:
    kind: Kind
    value: str
    pk: int
    label: str


@dataclass(frozen=True)
class ParagraphPreview:
    position: int
    heading: str
    text: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    country_codes: tuple[str, ...] = ()
    topic_slugs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParagraphEdit:
    """A paragraph as the editor left it in the "Add article" preview.

    ``rejected_countries`` and ``rejected_topics`` are the suggestions the editor
    unticked: codes and slugs that are stored as REJECTED on this paragraph.
    """

    text: str
    heading: str = ""
    rejected_countries: tuple[str, ...] = ()
    rejected_topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Transition:
    paragraph_id: int
    before: str
    after: str


def resolve_tag(kind: str, value: str) -> TagTarget:
    """The country (by ISO code) or topic (by slug) that ``value`` names."""
    value = (value or "").strip()
    if kind == "country":
        country = Country.objects.filter(code=value.upper()).first()
        if country is None:
            raise TagValueError(f"Unknown country code: {value[:20]!r}.")
        return TagTarget("country", country.code, country.pk, country.name)
    if kind == "topic":
        topic = Topic.objects.filter(slug=value).first()
        if topic is None:
            raise TagValueError(f"Unknown topic: {value[:100]!r}.")
        return TagTarget("topic", topic.slug, topic.pk, topic.name)
    raise TagValueError("The tag kind must be “country” or “topic”.")


def _require_editor(user: Any) -> None:
    """``user`` None is a command or script run by staff; real users must edit."""
    if user is not None and not can_edit(user):
        raise PermissionDenied("Only editors can change tags and articles.")


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    unique = sorted({int(pk) for pk in ids})
    for start in range(0, len(unique), BATCH_SIZE):
        yield unique[start : start + BATCH_SIZE]


def _tag_model(kind: Kind) -> tuple[Any, str]:
    # Either tag model: same fields, but a union of the two would make each manager
    # call accept only rows of both kinds at once.
    if kind == "country":
        return ParagraphCountry, "country_id"
    return ParagraphTopic, "topic_id"


def _plan(batch: list[int], target: TagTarget, *, add: bool) -> list[_Transition]:
    """What ``add`` (-> manual) or remove (-> rejected) would do to each paragraph."""
    model, value_field = _tag_model(target.kind)
    current = dict(
        model.objects.filter(
            paragraph_id__in=batch, **{value_field: target.pk}
        ).values_list("paragraph_id", "status")
    )
    if add:
        existing = Paragraph.objects.filter(pk__in=batch).values_list("pk", flat=True)
        return [
            _Transition(pk, current.get(pk, ""), TagStatus.MANUAL)
            for pk in existing
            if current.get(pk) != TagStatus.MANUAL
        ]
    return [
        _Transition(pk, status, TagStatus.REJECTED)
        for pk, status in current.items()
        if status != TagStatus.REJECTED
    ]


def _schedule_paragraph_reindex(paragraph_ids: Iterable[int]) -> None:
    ids = sorted(set(paragraph_ids))
    if not ids:
        return

    def reindex() -> None:
        from search.index import update_paragraphs

        update_paragraphs(ids)

    # robust: the database change has committed; a failed index update must not look
    # like a failed save to the editor. check_index finds and repairs the drift.
    transaction.on_commit(reindex, robust=True)


def _schedule_article_reindex(article_ids: Iterable[int]) -> None:
    ids = sorted(set(article_ids))
    if not ids:
        return

    def reindex() -> None:
        from search.index import update_articles

        update_articles(ids)

    transaction.on_commit(reindex, robust=True)


# --- Tags -------------------------------------------------------------------------


def count_tag_changes(
    paragraph_ids: Iterable[int], *, kind: str, value: str, add: bool
) -> int:
    """How many paragraphs ``change_tags`` with the same arguments would change."""
    target = resolve_tag(kind, value)
    return sum(len(_plan(batch, target, add=add)) for batch in _batches(paragraph_ids))


def change_tags(
    paragraph_ids: Iterable[int],
    *,
    kind: str,
    value: str,
    add: bool,
    user: Any,
    note: str = "",
) -> int:
    """Add (as MANUAL) or remove (as REJECTED) one tag on many paragraphs.

    Returns the number of paragraphs whose tag changed. A removed tag stays as a
    REJECTED row, which hides it and stops auto-tagging from adding it back.
    """
    _require_editor(user)
    target = resolve_tag(kind, value)
    model, value_field = _tag_model(target.kind)
    after = TagStatus.MANUAL if add else TagStatus.REJECTED
    now = timezone.now()
    changed: list[int] = []
    with transaction.atomic():
        for batch in _batches(paragraph_ids):
            plan = _plan(batch, target, add=add)
            if not plan:
                continue
            ids = [item.paragraph_id for item in plan]
            user_id = user.pk if user is not None else None
            if add:
                _insert_rows(
                    model,
                    [
                        {
                            "paragraph_id": item.paragraph_id,
                            "status": TagStatus.MANUAL,
                            "set_by_id": user_id,
                            "set_at": now,
                            value_field: target.pk,
                        }
                        for item in plan
                        if not item.before
                    ],
                    ignore_conflicts=True,
                )
            # Also catches a row another writer inserted since the plan was read.
            model.objects.filter(
                paragraph_id__in=ids, **{value_field: target.pk}
            ).exclude(status=after).update(status=after, set_by=user, set_at=now)
            _insert_rows(
                TagChange,
                [
                    {
                        "user_id": user_id,
                        "at": now,
                        "paragraph_id": item.paragraph_id,
                        "kind": target.kind,
                        "value": target.value,
                        "before": item.before,
                        "after": item.after,
                        "note": note[:300],
                    }
                    for item in plan
                ],
            )
            changed.extend(ids)
        _schedule_paragraph_reindex(changed)
    return len(changed)


def _insert_rows(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert ``rows`` (attribute name -> value; every other column gets its
    field's default) in one ``executemany``; with ``ignore_conflicts``, a row
    that breaks a unique constraint is skipped.

    ``bulk_create`` built a model instance and prepared every value of every
    row: most of the database time of a 10,000-paragraph bulk tag. Here each
    distinct value is prepared once per column; the rows of one call share most.
    Signals and ``save()`` are skipped, as with ``bulk_create``.
    """
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    # Both SQLite (3.24+) and PostgreSQL take a bare ON CONFLICT DO NOTHING.
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(str(field.column)) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    prepared: list[dict[Any, Any]] = [{} for _field in fields]
    missing = object()

    def value(number: int, row: dict[str, Any]) -> Any:
        field = fields[number]
        raw = row.get(field.attname, missing)
        if raw is missing:
            raw = field.get_default()
        cache = prepared[number]
        try:
            found = cache.get(raw, missing)
        except TypeError:
            # An unhashable value (a list for a JSON field): no sharing.
            return field.get_db_prep_save(raw, connection)
        if found is missing:
            found = cache[raw] = field.get_db_prep_save(raw, connection)
        return found

    with connection.cursor() as cursor:
        cursor.executemany(
            statement,
            [tuple(value(n, row) for n in range(len(fields))) for row in rows],
        )


def article_paragraph_ids(article_ids: Iterable[int]) -> list[int]:
    ids: list[int] = []
    for batch in _batches(article_ids):
        ids.extend(
            Paragraph.objects.filter(article_id__in=batch).values_list("pk", flat=True)
        )
    return ids


def count_article_tag_changes(
    article_ids: Iterable[int], *, kind: str, value: str, add: bool
) -> int:
    return count_tag_changes(
        article_paragraph_ids(article_ids), kind=kind, value=value, add=add
    )


def tag_article(
    article_ids: Iterable[int],
    *,
    kind: str,
    value: str,
    add: bool,
    user: Any,
    note: str = "whole article",
) -> int:
    """Tag (or untag) every paragraph of these articles; returns paragraphs changed."""
    return change_tags(
        article_paragraph_ids(article_ids),
        kind=kind,
        value=value,
        add=add,
        user=user,
        note=note,
    )


def count_retag_changes(paragraph_ids: Iterable[int]) -> int:
    """How many paragraphs ``retag`` would change: automatic tags to add or drop."""
    return len(auto_tag(paragraph_ids, dry_run=True).changed_paragraph_ids)


def retag(paragraph_ids: Iterable[int], *, user: Any = None) -> int:
    """Re-run auto-tagging; returns the number of AUTO rows added or removed.

    Manual and rejected tags are kept. ``user`` None means a command run by staff.
    """
    _require_editor(user)
    result = auto_tag(paragraph_ids, audit=True, user=user, note="re-tagged")
    _schedule_paragraph_reindex(result.changed_paragraph_ids)
    return result.changed


def retag_articles(article_ids: Iterable[int] | None, *, user: Any = None) -> int:
    """``retag`` the paragraphs of these articles, or of every article if None."""
    if article_ids is None:
        ids = list(Paragraph.objects.values_list("pk", flat=True))
    else:
        ids = article_paragraph_ids(article_ids)
    return retag(ids, user=user)


# --- Articles, authors, publications, topics --------------------------------------


def save_article_edits(
    article: Article, *, changed_fields: Iterable[str], user: Any
) -> Article:
    """Save an editor's metadata edits and remember which fields they changed.

    Ingest keeps the fields listed in ``Article.edited_fields`` when the source file
    is re-ingested.
    """
    _require_editor(user)
    fields = {name for name in changed_fields if name in Article.EDITABLE_FIELDS}
    with transaction.atomic():
        if "title" in fields:
            article.title_derived = False
        if fields & {"date", "year"}:
            article.date_estimated = False
        article.edited_fields = sorted(set(article.edited_fields) | fields)
        article.save()
        _schedule_article_reindex([article.pk])
    return article


def delete_articles(article_ids: Iterable[int], *, user: Any) -> int:
    """Delete articles with their paragraphs and tags; the index drops them too."""
    _require_editor(user)
    ids = sorted({int(pk) for pk in article_ids})
    with transaction.atomic():
        deleted = 0
        for start in range(0, len(ids), BATCH_SIZE):
            batch = ids[start : start + BATCH_SIZE]
            deleted += Article.objects.filter(pk__in=batch).count()
            Article.objects.filter(pk__in=batch).delete()
        _schedule_article_reindex(ids)
    return deleted


def save_author(author: Author, *, user: Any) -> Author:
    """Save an author; their articles are reindexed, as names appear in results.

    A renamed author is an editor's fix to the author lists of their articles, so
    "authors" becomes an edited field of each: re-ingest keeps the link instead of
    finding or creating an author under the name parsed from the file.
    """
    _require_editor(user)
    with transaction.atomic():
        old_name = (
            Author.objects.filter(pk=author.pk).values_list("name", flat=True).first()
        )
        author.save()
        articles = list(author.articles.all())
        if old_name is not None and old_name != author.name:
            for article in articles:
                if "authors" not in article.edited_fields:
                    article.edited_fields = sorted({*article.edited_fields, "authors"})
                    article.save(update_fields=["edited_fields"])
        _schedule_article_reindex(article.pk for article in articles)
    return author


def save_publication(publication: Publication, *, user: Any) -> Publication:
    _require_editor(user)
    with transaction.atomic():
        publication.save()
        _schedule_article_reindex(publication.articles.values_list("pk", flat=True))
    return publication


def save_topic(topic: Topic, *, changed_fields: Iterable[str], user: Any) -> Topic:
    """Save a topic; a new slug or name is pushed to the paragraphs tagged with it.

    Changed rules take effect when tagging is re-run (``retag``).
    """
    _require_editor(user)
    with transaction.atomic():
        topic.save()
        if {"slug", "name"} & set(changed_fields):
            _schedule_paragraph_reindex(
                topic.paragraph_tags.values_list("paragraph_id", flat=True)
            )
    return topic


def count_manual_topic_tags(topic_ids: Iterable[int]) -> int:
    """How many manual tags deleting these topics would take with them."""
    return ParagraphTopic.objects.filter(
        topic_id__in=list(topic_ids), status=TagStatus.MANUAL
    ).count()


def delete_topics(topic_ids: Iterable[int], *, user: Any) -> int:
    """Delete topics and their tags; every tag removed is written to the log."""
    _require_editor(user)
    ids = sorted({int(pk) for pk in topic_ids})
    with transaction.atomic():
        tags = list(
            ParagraphTopic.objects.filter(topic_id__in=ids).values_list(
                "paragraph_id", "topic__slug", "status"
            )
        )
        # The tags go with the topic; the log keeps what editors had decided.
        TagChange.objects.bulk_create(
            [
                TagChange(
                    user=user,
                    paragraph_id=paragraph_id,
                    kind="topic",
                    value=slug,
                    before=status,
                    after="",
                    note="topic deleted",
                )
                for paragraph_id, slug, status in tags
            ],
            batch_size=BATCH_SIZE,
        )
        affected = [paragraph_id for paragraph_id, _, _ in tags]
        deleted = Topic.objects.filter(pk__in=ids).count()
        Topic.objects.filter(pk__in=ids).delete()
        _schedule_paragraph_reindex(affected)
    return deleted


# --- Adding articles --------------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_duplicate(text: str) -> Article | None:
    """An article whose source had exactly these bytes, if the library has one."""
    return Article.objects.filter(content_hash=text_hash(text)).first()


def upload_source_name(name: str, *, text: str) -> str:
    """A safe, unique ``Article.source_file`` for an added article.

    The uploaded name is only a label: everything but letters, digits, "-" and "_" is
    dropped, and the content hash keeps two different texts apart.
    """
    stem = unicodedata.normalize("NFKD", name.rsplit(".", 1)[0])
    stem = stem.encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:80] or "pasted"
    return f"added/{stem}-{text_hash(text)[:12]}"


def create_article_from_parsed(
    parsed: ParsedArticle,
    *,
    source_file: str,
    user: Any,
    text: str = "",
    corrections: dict[str, Any] | None = None,
    paragraphs: Sequence[ParagraphEdit] | None = None,
    add_countries: Sequence[str] = (),
    add_topics: Sequence[str] = (),
) -> Article:
    """Save an article added from the admin, with the editor's corrections applied.

    ``corrections`` may hold title, dek, authors (list of names), year, date and
    publication; they are recorded as edited fields. ``paragraphs``, if given,
    replace the parsed ones, and the suggestions unticked on each are stored as
    REJECTED tags. ``add_countries`` (codes) and ``add_topics`` (slugs) become
    MANUAL tags on every paragraph, except where the editor rejected that same tag
    on a paragraph. All of it is one transaction.
    """
    _require_editor(user)
    from corpus.ingest import save_parsed_article

    corrections = corrections or {}
    parsed = _apply_corrections(parsed, corrections)
    if paragraphs is not None:
        parsed = _replace_paragraphs(parsed, paragraphs)
    with transaction.atomic():
        digest = text_hash(text) if text else ""
        saved = save_parsed_article(
            parsed,
            source_file=source_file,
            content_hash=digest,
            user=user,
            note="add article",
        )
        article = saved.article
        edited = {name for name in corrections if name in Article.EDITABLE_FIELDS}
        if edited:
            article.edited_fields = sorted(set(article.edited_fields) | edited)
            article.save(update_fields=["edited_fields"])
        _apply_tag_decisions(
            article,
            paragraphs=paragraphs or (),
            add_countries=add_countries,
            add_topics=add_topics,
            user=user,
        )
        _schedule_article_reindex([article.pk])
    return article


def preview_paragraphs(parsed: ParsedArticle) -> list[ParagraphPreview]:
    """The parsed paragraphs with the names of the tags they would get."""
    gazetteer = load_gazetteer()
    rules = load_topic_rules()
    country_names = dict(Country.objects.values_list("code", "name"))
    topic_names = dict(Topic.objects.values_list("slug", "name"))
    previews = []
    for position, paragraph in enumerate(parsed.paragraphs, start=1):
        tags = suggest_tags(paragraph.text, gazetteer=gazetteer, rules=rules)
        previews.append(
            ParagraphPreview(
                position=position,
                heading=paragraph.heading,
                text=paragraph.text,
                countries=tuple(country_names.get(c, c) for c, _ in tags.countries),
                topics=tuple(topic_names.get(t, t) for t, _ in tags.topics),
                country_codes=tuple(code for code, _ in tags.countries),
                topic_slugs=tuple(slug for slug, _ in tags.topics),
            )
        )
    return previews


def _apply_corrections(
    parsed: ParsedArticle, corrections: dict[str, Any]
) -> ParsedArticle:
    changes: dict[str, Any] = {}
    if "title" in corrections:
        changes["title"] = corrections["title"]
        changes["title_derived"] = False
    if "authors" in corrections:
        bios = {author.name: author.bio for author in parsed.authors}
        changes["authors"] = tuple(
            ParsedAuthor(name=name, bio=bios.get(name, ""))
            for name in _unique(corrections["authors"])
        )
    if "year" in corrections or "date" in corrections:
        date = corrections.get("date", parsed.date)
        changes["date"] = date
        changes["year"] = corrections.get("year") or (date.year if date else None)
        changes["date_estimated"] = False
    if "publication" in corrections:
        changes["publication"] = corrections["publication"]
    if "dek" in corrections:
        changes["dek"] = corrections["dek"]
    return dataclasses.replace(parsed, **changes)


def _replace_paragraphs(
    parsed: ParsedArticle, paragraphs: Sequence[ParagraphEdit]
) -> ParsedArticle:
    if not paragraphs or any(not edit.text.strip() for edit in paragraphs):
        raise ValueError("An article needs at least one paragraph, none of them empty.")
    return dataclasses.replace(
        parsed,
        paragraphs=tuple(
            ParsedParagraph(text=edit.text, heading=edit.heading[:500])
            for edit in paragraphs
        ),
    )


def _apply_tag_decisions(
    article: Article,
    *,
    paragraphs: Sequence[ParagraphEdit],
    add_countries: Sequence[str],
    add_topics: Sequence[str],
    user: Any,
) -> None:
    """Whole-article tags first, then per-paragraph rejections: the narrower wins."""
    for kind, values in (("country", add_countries), ("topic", add_topics)):
        for value in dict.fromkeys(values):
            tag_article(
                [article.pk],
                kind=kind,
                value=value,
                add=True,
                user=user,
                note="add article: whole article",
            )
    if not paragraphs:
        return
    ids = list(article.paragraphs.order_by("position").values_list("pk", flat=True))
    rejected: dict[tuple[Kind, str], list[int]] = {}
    for paragraph_id, edit in zip(ids, paragraphs, strict=True):
        for code in edit.rejected_countries:
            rejected.setdefault(("country", code), []).append(paragraph_id)
        for slug in edit.rejected_topics:
            rejected.setdefault(("topic", slug), []).append(paragraph_id)
    for (kind, value), paragraph_ids in rejected.items():
        _reject_tag(paragraph_ids, kind=kind, value=value, user=user)


def _reject_tag(paragraph_ids: list[int], *, kind: Kind, value: str, user: Any) -> None:
    """Store the tag as REJECTED on these paragraphs, tagged now or not.

    An edited text may no longer suggest what the editor unticked; the rejection is
    kept anyway, so a later alias or rule can't bring the tag back.
    """
    note = "add article: suggestion rejected"
    target = resolve_tag(kind, value)
    model, value_field = _tag_model(target.kind)
    tagged = set(
        model.objects.filter(
            paragraph_id__in=paragraph_ids, **{value_field: target.pk}
        ).values_list("paragraph_id", flat=True)
    )
    untagged = [pk for pk in paragraph_ids if pk not in tagged]
    model.objects.bulk_create(
        [
            model(
                paragraph_id=pk,
                status=TagStatus.REJECTED,
                set_by=user,
                **{value_field: target.pk},
            )
            for pk in untagged
        ]
    )
    TagChange.objects.bulk_create(
        [
            TagChange(
                user=user,
                paragraph_id=pk,
                kind=target.kind,
                value=target.value,
                before="",
                after=TagStatus.REJECTED,
                note=note,
            )
            for pk in untagged
        ]
    )
    change_tags(tagged, kind=kind, value=value, add=False, user=user, note=note)


def _unique(names: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        name = " ".join(name.split())[:200]
        if name and name not in seen:
            seen.append(name)
    return seen
