from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from corpus import services
from corpus.ingest import ingest_paths
from corpus.models import (
    Article,
    Country,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagChange,
    TagStatus,
    Topic,
)
from corpus.parsing import parse_article
from corpus.tagging import apply_auto_tags

ARTICLE_TEXT = """Ashgabat and Tehran

By Jane Analyst

Turkmenistan and Iran agreed to expand their security partnership in Ashgabat.

Officials in Tehran said drug trafficking across the border had fallen.
"""


@pytest.fixture
def reindexed(monkeypatch) -> dict[str, list[list[int]]]:
    """Records the reindex calls the services schedule."""
    calls: dict[str, list[list[int]]] = {"paragraphs": [], "articles": []}
    monkeypatch.setattr(
        "search.index.update_paragraphs",
        lambda ids: calls["paragraphs"].append(sorted(ids)),
        raising=False,
    )
    monkeypatch.setattr(
        "search.index.update_articles",
        lambda ids: calls["articles"].append(sorted(ids)),
        raising=False,
    )
    return calls


@pytest.fixture
def article(db) -> Article:
    article = Article.objects.create(title="Test")
    for position, text in enumerate(
        ["Ashgabat and Tehran.", "Moscow alone.", "Nothing here."], start=1
    ):
        Paragraph.objects.create(article=article, position=position, text=text)
    apply_auto_tags(article.paragraphs.values_list("pk", flat=True))
    return article


def paragraph_ids(article: Article) -> list[int]:
    return list(article.paragraphs.order_by("position").values_list("pk", flat=True))


def status_of(paragraph_id: int, code: str) -> str | None:
    tag = ParagraphCountry.objects.filter(
        paragraph_id=paragraph_id, country__code=code
    ).first()
    return tag.status if tag else None


# --- change_tags ------------------------------------------------------------------


def test_change_tags_add_makes_manual_tags(article, editor, reindexed) -> None:
    first, second, third = paragraph_ids(article)
    changed = services.change_tags(
        [first, second, third], kind="country", value="ir", add=True, user=editor
    )
    assert changed == 3
    assert {status_of(pk, "IR") for pk in (first, second, third)} == {"manual"}
    tag = ParagraphCountry.objects.get(paragraph_id=second, country__code="IR")
    assert tag.set_by == editor


def test_change_tags_add_keeps_auto_evidence(article, editor, reindexed) -> None:
    first = paragraph_ids(article)[0]
    services.change_tags([first], kind="country", value="TM", add=True, user=editor)
    tag = ParagraphCountry.objects.get(paragraph_id=first, country__code="TM")
    assert (tag.status, tag.evidence) == (TagStatus.MANUAL, "Ashgabat")


def test_change_tags_add_counts_only_changes(article, editor, reindexed) -> None:
    first = paragraph_ids(article)[0]
    services.change_tags([first], kind="country", value="JP", add=True, user=editor)
    again = services.change_tags(
        [first], kind="country", value="JP", add=True, user=editor
    )
    assert again == 0


def test_change_tags_remove_rejects_active_tags(article, editor, reindexed) -> None:
    first, second, third = paragraph_ids(article)
    changed = services.change_tags(
        [first, second, third], kind="country", value="IR", add=False, user=editor
    )
    assert changed == 1
    assert status_of(first, "IR") == TagStatus.REJECTED
    assert status_of(third, "IR") is None


def test_change_tags_remove_hides_tag_from_paragraph(
    article, editor, reindexed
) -> None:
    first = paragraph_ids(article)[0]
    services.change_tags([first], kind="country", value="IR", add=False, user=editor)
    active = ParagraphCountry.objects.filter(
        paragraph_id=first, status__in=[TagStatus.AUTO, TagStatus.MANUAL]
    ).values_list("country__code", flat=True)
    assert set(active) == {"TM"}


def test_change_tags_rejected_tag_can_be_added_back(article, editor, reindexed):
    first = paragraph_ids(article)[0]
    services.change_tags([first], kind="country", value="IR", add=False, user=editor)
    services.change_tags([first], kind="country", value="IR", add=True, user=editor)
    assert status_of(first, "IR") == TagStatus.MANUAL


def test_change_tags_topic(article, editor, reindexed) -> None:
    second = paragraph_ids(article)[1]
    services.change_tags([second], kind="topic", value="water", add=True, user=editor)
    tag = ParagraphTopic.objects.get(paragraph_id=second)
    assert (tag.topic.slug, tag.status) == ("water", TagStatus.MANUAL)


def test_change_tags_writes_audit_rows(article, editor, reindexed) -> None:
    first, second, _ = paragraph_ids(article)
    services.change_tags(
        [first, second], kind="country", value="IR", add=False, user=editor
    )
    services.change_tags([second], kind="country", value="IR", add=True, user=editor)
    rows = list(
        TagChange.objects.order_by("pk").values_list(
            "user__username", "paragraph_id", "kind", "value", "before", "after"
        )
    )
    assert rows == [
        ("editor", first, "country", "IR", "auto", "rejected"),
        ("editor", second, "country", "IR", "", "manual"),
    ]


def test_change_tags_skips_missing_paragraphs(article, editor, reindexed) -> None:
    changed = services.change_tags(
        [987_654], kind="country", value="IR", add=True, user=editor
    )
    assert changed == 0
    assert not ParagraphCountry.objects.filter(paragraph_id=987_654).exists()


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("country", "XX"),  # no such ISO code
        ("country", ""),
        ("topic", "no-such-topic"),
        ("place", "IR"),  # unknown kind
        ("country", "IR' OR 1=1 --"),
    ],
)
def test_change_tags_refuses_unknown_tag(article, editor, kind, value) -> None:
    with pytest.raises(services.TagValueError):
        services.change_tags(
            paragraph_ids(article), kind=kind, value=value, add=True, user=editor
        )


def test_change_tags_refuses_non_editor(article, analyst) -> None:
    with pytest.raises(PermissionDenied):
        services.change_tags(
            paragraph_ids(article), kind="country", value="IR", add=True, user=analyst
        )
    assert status_of(paragraph_ids(article)[1], "IR") is None


def test_change_tags_reindexes_after_commit(
    article, editor, reindexed, django_capture_on_commit_callbacks
) -> None:
    first, second, _ = paragraph_ids(article)
    with django_capture_on_commit_callbacks(execute=True):
        services.change_tags(
            [first, second], kind="country", value="JP", add=True, user=editor
        )
        assert reindexed["paragraphs"] == []
    assert reindexed["paragraphs"] == [[first, second]]


def test_count_tag_changes_matches_change_tags(article, editor, reindexed) -> None:
    ids = paragraph_ids(article)
    for value, add in [("IR", True), ("RU", False), ("TM", False)]:
        expected = services.count_tag_changes(ids, kind="country", value=value, add=add)
        changed = services.change_tags(
            ids, kind="country", value=value, add=add, user=editor
        )
        assert changed == expected


def test_change_tags_bulk_is_batched(
    editor, reindexed, django_assert_max_num_queries
) -> None:
    article = Article.objects.create(title="Bulk")
    Paragraph.objects.bulk_create(
        Paragraph(article=article, position=n, text="text") for n in range(1, 2001)
    )
    with django_assert_max_num_queries(60):
        changed = services.change_tags(
            paragraph_ids(article), kind="topic", value="water", add=True, user=editor
        )
    assert changed == 2000


# --- Articles ---------------------------------------------------------------------


def test_tag_article_tags_every_paragraph(article, editor, reindexed) -> None:
    changed = services.tag_article(
        [article.pk], kind="topic", value="sanctions", add=True, user=editor
    )
    assert changed == 3
    statuses = set(
        ParagraphTopic.objects.filter(topic__slug="sanctions").values_list(
            "status", flat=True
        )
    )
    assert statuses == {TagStatus.MANUAL}


def test_tag_article_untag_removes_from_every_paragraph(
    article, editor, reindexed
) -> None:
    services.tag_article(
        [article.pk], kind="country", value="IR", add=True, user=editor
    )
    services.tag_article(
        [article.pk], kind="country", value="IR", add=False, user=editor
    )
    active = ParagraphCountry.objects.filter(
        paragraph__article=article,
        country__code="IR",
        status__in=[TagStatus.AUTO, TagStatus.MANUAL],
    )
    assert not active.exists()


def test_retag_readds_auto_tags_and_keeps_editors_rows(
    article, editor, reindexed
) -> None:
    first, second, _ = paragraph_ids(article)
    services.change_tags([first], kind="country", value="IR", add=False, user=editor)
    ParagraphCountry.objects.filter(paragraph_id=second).delete()
    changed = services.retag(paragraph_ids(article), user=editor)
    assert changed == 1
    assert status_of(second, "RU") == TagStatus.AUTO
    assert status_of(first, "IR") == TagStatus.REJECTED
    assert TagChange.objects.filter(note="re-tagged", after="auto").count() == 1


def test_count_retag_changes_matches_retag(article, editor, reindexed) -> None:
    first, second, third = paragraph_ids(article)
    ParagraphCountry.objects.filter(paragraph_id=first, country__code="IR").delete()
    ParagraphCountry.objects.create(
        paragraph_id=third, country=Country.objects.get(code="JP")
    )
    services.change_tags([second], kind="country", value="RU", add=False, user=editor)

    counted = services.count_retag_changes(paragraph_ids(article))

    assert counted == 2
    services.retag(paragraph_ids(article), user=editor)
    assert services.count_retag_changes(paragraph_ids(article)) == 0


def test_retag_refuses_non_editor(article, analyst) -> None:
    with pytest.raises(PermissionDenied):
        services.retag(paragraph_ids(article), user=analyst)


def test_save_article_edits_records_edited_fields(
    article, editor, reindexed, django_capture_on_commit_callbacks
) -> None:
    article.title = "Better title"
    article.year = 2020
    with django_capture_on_commit_callbacks(execute=True):
        services.save_article_edits(
            article, changed_fields=["title", "year", "bogus"], user=editor
        )
    article.refresh_from_db()
    assert (article.title, article.edited_fields) == ("Better title", ["title", "year"])
    assert reindexed["articles"] == [[article.pk]]


def test_save_article_edits_survive_reingest(
    editor, reindexed, seeds_dir: Path
) -> None:
    seed = seeds_dir / "003_30700c1f1a60f553.txt"
    ingest_paths([seed], update_index=False)
    article = Article.objects.get(source_file=seed.name)
    article.title = "Central Asia after 2022"
    article.content_hash = "stale, so the file counts as changed"
    services.save_article_edits(article, changed_fields=["title"], user=editor)
    ingest_paths([seed], update_index=False)
    article.refresh_from_db()
    assert article.title == "Central Asia after 2022"


def test_delete_articles_removes_and_reindexes(
    article, editor, reindexed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        deleted = services.delete_articles([article.pk], user=editor)
    assert deleted == 1
    assert not Paragraph.objects.filter(article_id=article.pk).exists()
    assert reindexed["articles"] == [[article.pk]]


def test_delete_articles_refuses_non_editor(article, analyst) -> None:
    with pytest.raises(PermissionDenied):
        services.delete_articles([article.pk], user=analyst)
    assert Article.objects.filter(pk=article.pk).exists()


def test_save_topic_reindexes_tagged_paragraphs_on_rename(
    article, editor, reindexed, django_capture_on_commit_callbacks
) -> None:
    second = paragraph_ids(article)[1]
    services.change_tags([second], kind="topic", value="water", add=True, user=editor)
    topic = Topic.objects.get(slug="water")
    topic.name = "Water and rivers"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_topic(topic, changed_fields=["name"], user=editor)
    assert reindexed["paragraphs"] == [[second]]


def test_delete_topics_logs_the_tags_removed(article, editor, reindexed) -> None:
    first, second, _ = paragraph_ids(article)
    services.change_tags(
        [first, second], kind="topic", value="water", add=True, user=editor
    )
    services.change_tags([second], kind="topic", value="water", add=False, user=editor)
    topic = Topic.objects.get(slug="water")

    services.delete_topics([topic.pk], user=editor)

    logged = TagChange.objects.filter(note="topic deleted")
    assert set(logged.values_list("paragraph_id", "value", "before", "after")) == {
        (first, "water", "manual", ""),
        (second, "water", "rejected", ""),
    }
    assert {change.user for change in logged} == {editor}


# --- Adding articles --------------------------------------------------------------


def test_create_article_from_parsed_saves_tagged_article(editor, reindexed) -> None:
    parsed = parse_article(ARTICLE_TEXT)
    article = services.create_article_from_parsed(
        parsed,
        source_file=services.upload_source_name("pasted", text=ARTICLE_TEXT),
        user=editor,
        text=ARTICLE_TEXT,
    )
    assert article.paragraphs.count() == 2
    assert set(
        ParagraphCountry.objects.filter(paragraph__article=article).values_list(
            "country__code", flat=True
        )
    ) == {"TM", "IR"}
    assert services.find_duplicate(ARTICLE_TEXT) == article


def test_create_article_from_parsed_logs_automatic_tags(editor, reindexed) -> None:
    article = services.create_article_from_parsed(
        parse_article(ARTICLE_TEXT), source_file="added/logged", user=editor
    )
    logged = TagChange.objects.filter(paragraph__article=article)
    assert set(logged.values_list("kind", "value", "before", "after", "note")) == {
        ("country", "TM", "", "auto", "add article"),
        ("country", "IR", "", "auto", "add article"),
    } | {
        ("topic", slug, "", "auto", "add article")
        for slug in ParagraphTopic.objects.filter(
            paragraph__article=article
        ).values_list("topic__slug", flat=True)
    }
    assert {change.user for change in logged} == {editor}


def test_create_article_from_parsed_applies_corrections(editor, reindexed) -> None:
    parsed = parse_article(ARTICLE_TEXT)
    article = services.create_article_from_parsed(
        parsed,
        source_file="added/corrected",
        user=editor,
        corrections={
            "title": "Corrected title",
            "authors": ["A. Person", "B. Person"],
            "date": datetime.date(2016, 5, 7),
        },
    )
    assert article.title == "Corrected title"
    assert [author.name for author in article.ordered_authors()] == [
        "A. Person",
        "B. Person",
    ]
    assert (article.year, article.date_estimated) == (2016, False)
    assert article.edited_fields == ["authors", "date", "title"]


def test_create_article_from_parsed_refuses_non_editor(analyst) -> None:
    with pytest.raises(PermissionDenied):
        services.create_article_from_parsed(
            parse_article(ARTICLE_TEXT), source_file="added/x", user=analyst
        )
    assert not Article.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.txt",
        "..\\..\\windows\\system.ini",
        "/absolute/path.md",
        "C:\\Users\\x.html",
        "name\x00with-nul.txt",
        "ünïcode name.txt",
        "",
        "a" * 500 + ".txt",
    ],
)
def test_upload_source_name_is_never_a_path(name: str) -> None:
    source = services.upload_source_name(name, text="text")
    prefix, rest = source.split("/", 1)
    assert prefix == "added"
    assert "/" not in rest and "\\" not in rest and ".." not in rest
    assert len(source) <= 255
    assert rest.replace("-", "").replace("_", "").isalnum()


def test_country_codes_resolve_case_insensitively(db) -> None:
    assert (
        services.resolve_tag("country", " ir ").pk == Country.objects.get(code="IR").pk
    )


def test_retag_command_reruns_tagging(article, reindexed) -> None:
    from io import StringIO

    from django.core.management import call_command

    ParagraphCountry.objects.filter(status=TagStatus.AUTO).delete()
    out = StringIO()
    call_command("retag", "--article", str(article.pk), stdout=out)
    assert out.getvalue().strip() == "3 automatic tags added or removed."
    assert ParagraphCountry.objects.filter(status=TagStatus.AUTO).count() == 3


def test_change_tags_from_a_script_has_no_user(article, reindexed) -> None:
    first = paragraph_ids(article)[0]
    services.change_tags([first], kind="country", value="JP", add=True, user=None)
    assert status_of(first, "JP") == TagStatus.MANUAL
    assert TagChange.objects.get().user is None


def test_change_tags_refuses_anonymous(article) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.change_tags(
            paragraph_ids(article),
            kind="country",
            value="JP",
            add=True,
            user=AnonymousUser(),
        )
