from __future__ import annotations

import bz2
import gzip
import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from corpus.drafts import load_draft
from corpus.ingest import ingest_paths
from corpus.models import (
    Article,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagChange,
    TagStatus,
)
from corpus.tagging import apply_auto_tags

ADD_URL = "/admin/corpus/article/add-from-text/"
ARTICLE_TEXT = """Ashgabat and Tehran

By Jane Analyst

Turkmenistan and Iran agreed to expand their security partnership in Ashgabat.

Officials in Tehran said drug trafficking across the border had fallen.
"""
HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.fixture
def viewer_client(django_user_model) -> Client:
    """Staff who may look at the corpus in the admin but are not editors."""
    user = django_user_model.objects.create_user(
        username="viewer", password="viewer-pass-123", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="corpus", codename__startswith="view_"
        ),
        *Permission.objects.filter(
            content_type__app_label="corpus", codename__startswith="change_"
        ),
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def reindexed(monkeypatch) -> list[tuple[str, list[int]]]:
    calls: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        "search.index.update_paragraphs",
        lambda ids: calls.append(("paragraphs", sorted(ids))),
        raising=False,
    )
    monkeypatch.setattr(
        "search.index.update_articles",
        lambda ids: calls.append(("articles", sorted(ids))),
        raising=False,
    )
    return calls


@pytest.fixture
def article(db) -> Article:
    article = Article.objects.create(title="Iran and Turkmenistan", year=2016)
    for position, text in enumerate(
        ["Ashgabat and Tehran met.", "Moscow watched.", "Nothing here."], start=1
    ):
        Paragraph.objects.create(article=article, position=position, text=text)
    apply_auto_tags(article.paragraphs.values_list("pk", flat=True))
    return article


def html_of(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def change_form_data(client: Client, url: str, form_id: str) -> dict[str, str]:
    form = html_of(client.get(url)).cssselect(f"form#{form_id}")[0]
    return {name: value for name, value in form.form_values()}


def action_post(
    client: Client, model: str, action: str, ids: list[int], **extra: str
) -> object:
    return client.post(
        f"/admin/corpus/{model}/",
        {"action": action, "_selected_action": ids, "index": "0", **extra},
    )


def error_text(response) -> str:
    nodes = html_of(response).cssselect(".errorlist, .errornote")
    return " ".join(node.text_content() for node in nodes)


# --- Pages load, tags and provenance are shown -----------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/corpus/article/",
        "/admin/corpus/paragraph/",
        "/admin/corpus/paragraphcountry/",
        "/admin/corpus/paragraphtopic/",
        "/admin/corpus/tagchange/",
        "/admin/corpus/topic/",
        "/admin/corpus/countryalias/",
        "/admin/corpus/country/",
        "/admin/corpus/author/",
        "/admin/corpus/publication/",
        "/admin/corpus/paragraph/?country=IR",
        "/admin/corpus/article/?topic=water&edited=yes",
        ADD_URL,
    ],
)
def test_admin_page_loads_for_editor(editor_client, article, path: str) -> None:
    assert editor_client.get(path).status_code == 200


def test_admin_article_page_shows_paragraph_tags_with_provenance(
    editor_client, article
) -> None:
    response = editor_client.get(f"/admin/corpus/article/{article.pk}/change/")
    tags = html_of(response).cssselect(".refdesk-tag")
    labels = [tag.text_content() for tag in tags]
    assert "Turkmenistan (automatic: “Ashgabat”)" in labels
    assert "Russia (automatic: “Moscow”)" in labels


def test_admin_paragraph_page_shows_evidence_read_only(editor_client, article):
    paragraph = article.paragraphs.get(position=1)
    response = editor_client.get(f"/admin/corpus/paragraph/{paragraph.pk}/change/")
    page = html_of(response)
    assert page.cssselect(".field-evidence")
    assert not page.cssselect("input[name$='-evidence']")
    assert "Ashgabat" in " ".join(
        cell.text_content() for cell in page.cssselect("td.field-evidence")
    )


def test_admin_escapes_hostile_article(editor_client, db) -> None:
    article = Article.objects.create(title=HOSTILE, dek=HOSTILE)
    paragraph = Paragraph.objects.create(article=article, position=1, text=HOSTILE)
    ParagraphCountry.objects.create(paragraph=paragraph, country_id=1, evidence=HOSTILE)
    for path in [
        "/admin/corpus/article/",
        f"/admin/corpus/article/{article.pk}/change/",
        "/admin/corpus/paragraph/",
        f"/admin/corpus/paragraph/{paragraph.pk}/change/",
        "/admin/corpus/paragraphcountry/",
    ]:
        page = html_of(editor_client.get(path))
        scripts = [s.text_content() for s in page.cssselect("script")]
        assert not any("alert" in script for script in scripts), path
        assert not page.cssselect("img[onerror]"), path


# --- Editing metadata -------------------------------------------------------------


def test_admin_edit_records_edited_fields_and_reindexes(
    editor_client, article, reindexed, django_capture_on_commit_callbacks
) -> None:
    url = f"/admin/corpus/article/{article.pk}/change/"
    data = change_form_data(editor_client, url, "article_form")
    data.update(title="A corrected title", year="2017", _save="Save")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "A corrected title"
    assert article.edited_fields == ["title", "year"]
    assert ("articles", [article.pk]) in reindexed


def test_admin_edit_refuses_year_that_contradicts_date(editor_client, article):
    url = f"/admin/corpus/article/{article.pk}/change/"
    data = change_form_data(editor_client, url, "article_form")
    data.update(date="2016-05-07", year="2019", _save="Save")
    response = editor_client.post(url, data)
    assert "does not match the date" in error_text(response)
    article.refresh_from_db()
    assert article.year == 2016


def test_admin_author_edit_is_recorded(editor_client, article) -> None:
    from corpus.models import Author

    author = Author.objects.create(name="Jane Analyst")
    url = f"/admin/corpus/article/{article.pk}/change/"
    data = change_form_data(editor_client, url, "article_form")
    data.update(
        {
            "author_links-TOTAL_FORMS": "1",
            "author_links-0-position": "0",
            "author_links-0-author": str(author.pk),
            "_save": "Save",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert "authors" in article.edited_fields
    assert [a.name for a in article.ordered_authors()] == ["Jane Analyst"]


def test_admin_delete_article_reindexes(
    editor_client, article, reindexed, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            f"/admin/corpus/article/{article.pk}/delete/", {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()
    assert ("articles", [article.pk]) in reindexed


# --- Bulk actions -----------------------------------------------------------------


def test_admin_bulk_action_asks_for_the_tag(editor_client, article) -> None:
    response = action_post(editor_client, "article", "add_country", [article.pk])
    page = html_of(response)
    assert page.cssselect("select[name=tag_value] option[value=IR]")
    assert "3 paragraphs" in page.cssselect(".refdesk-selection")[0].text_content()


def test_admin_bulk_action_confirms_count_before_changing(
    editor, editor_client, article
) -> None:
    from corpus.services import change_tags

    first = article.paragraphs.get(position=1)
    change_tags([first.pk], kind="country", value="IR", add=True, user=editor)
    response = action_post(
        editor_client, "article", "add_country", [article.pk], tag_value="IR"
    )
    summary = html_of(response).cssselect(".refdesk-tag-count")[0].text_content()
    assert summary.startswith("2 of the 3 paragraphs")
    assert ParagraphCountry.objects.filter(status=TagStatus.MANUAL).count() == 1


def test_admin_bulk_action_adds_manual_tags(editor_client, article) -> None:
    response = action_post(
        editor_client,
        "article",
        "add_country",
        [article.pk],
        tag_value="IR",
        confirm="yes",
    )
    assert response.status_code == 302
    statuses = set(
        ParagraphCountry.objects.filter(
            paragraph__article=article, country__code="IR"
        ).values_list("status", flat=True)
    )
    assert statuses == {TagStatus.MANUAL}
    messages = [m.message for m in response.wsgi_request._messages]
    assert "3 paragraphs changed (tagged)." in messages


def test_admin_bulk_action_removes_tag_from_paragraphs(editor_client, article):
    paragraph = article.paragraphs.get(position=1)
    action_post(
        editor_client,
        "paragraph",
        "remove_country",
        [paragraph.pk],
        tag_value="TM",
        confirm="yes",
    )
    tag = ParagraphCountry.objects.get(paragraph=paragraph, country__code="TM")
    assert tag.status == TagStatus.REJECTED
    change = TagChange.objects.get()
    assert (change.user.username, change.before, change.after) == (
        "editor",
        "auto",
        "rejected",
    )


def test_admin_bulk_topic_action_on_all_matching(editor_client, article) -> None:
    Article.objects.create(title="Other")
    response = editor_client.post(
        "/admin/corpus/article/?q=Turkmenistan",
        {
            "action": "add_topic",
            "_selected_action": [article.pk],
            "select_across": "1",
            "index": "0",
            "tag_value": "water",
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    assert ParagraphTopic.objects.filter(topic__slug="water").count() == 3


def test_admin_retag_action_restores_auto_tags(editor_client, article) -> None:
    ParagraphCountry.objects.filter(status=TagStatus.AUTO).delete()
    response = action_post(
        editor_client, "article", "retag_selected", [article.pk], confirm="yes"
    )
    assert response.status_code == 302
    assert ParagraphCountry.objects.filter(status=TagStatus.AUTO).count() == 3


@pytest.mark.parametrize("model", ["article", "paragraph"])
def test_admin_retag_action_confirms_count_before_changing(
    editor_client, article, model: str
) -> None:
    ParagraphCountry.objects.filter(country__code="RU").delete()
    ids = (
        [article.pk]
        if model == "article"
        else list(article.paragraphs.values_list("pk", flat=True))
    )

    response = action_post(editor_client, model, "retag_selected", ids)

    page = html_of(response)
    count = page.cssselect(".refdesk-retag-count")[0].text_content()
    assert " ".join(count.split()).startswith("1 of the 3 paragraphs")
    assert page.cssselect("input[name=confirm][value=yes]")
    assert not ParagraphCountry.objects.filter(country__code="RU").exists()


def test_admin_alias_action_retags_everything_after_confirmation(
    editor_client, article
) -> None:
    from corpus.models import Country, CountryAlias

    alias = CountryAlias.objects.create(
        alias="Nothing", country=Country.objects.get(code="JP")
    )
    response = action_post(
        editor_client, "countryalias", "retag_everything", [alias.pk]
    )
    assert "all 3 paragraphs" in html_of(response).cssselect(".refdesk-retag-count")[
        0
    ].text_content().replace("\n", " ")
    action_post(
        editor_client, "countryalias", "retag_everything", [alias.pk], confirm="yes"
    )
    assert ParagraphCountry.objects.filter(country__code="JP").count() == 1


def test_admin_topic_delete_warns_of_manual_tags(editor, editor_client, article):
    from corpus.models import Topic
    from corpus.services import change_tags

    ids = list(article.paragraphs.values_list("pk", flat=True))
    change_tags(ids[:2], kind="topic", value="water", add=True, user=editor)
    topic = Topic.objects.get(slug="water")

    single = editor_client.get(f"/admin/corpus/topic/{topic.pk}/delete/")
    bulk = action_post(editor_client, "topic", "delete_selected", [topic.pk])

    for response in (single, bulk):
        summary = html_of(response).cssselect("#content ul")
        text = " ".join(" ".join(ul.text_content().split()) for ul in summary)
        assert "Manual tags set by editors (kept in the tag change log): 2" in text

    response = editor_client.post(
        f"/admin/corpus/topic/{topic.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Topic.objects.filter(pk=topic.pk).exists()
    assert TagChange.objects.filter(note="topic deleted", before="manual").count() == 2


def test_admin_paragraph_inline_rejects_tag(editor_client, article) -> None:
    paragraph = article.paragraphs.get(position=1)
    url = f"/admin/corpus/paragraph/{paragraph.pk}/change/"
    data = change_form_data(editor_client, url, "paragraph_form")
    tag = ParagraphCountry.objects.get(paragraph=paragraph, country__code="IR")
    index = next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith("country_tags-")
        and key.endswith("-id")
        and value == str(tag.pk)
    )
    data[f"country_tags-{index}-status"] = TagStatus.REJECTED
    data["_save"] = "Save"
    response = editor_client.post(url, data)
    assert response.status_code == 302
    tag = ParagraphCountry.objects.get(paragraph=paragraph, country__code="IR")
    assert (tag.status, tag.set_by.username) == (TagStatus.REJECTED, "editor")


def test_admin_paragraph_inline_adds_manual_tag(editor_client, article) -> None:
    from corpus.models import Country

    paragraph = article.paragraphs.get(position=3)
    url = f"/admin/corpus/paragraph/{paragraph.pk}/change/"
    data = change_form_data(editor_client, url, "paragraph_form")
    total = int(data["country_tags-TOTAL_FORMS"])
    data[f"country_tags-{total - 1}-country"] = str(Country.objects.get(code="JP").pk)
    data[f"country_tags-{total - 1}-status"] = TagStatus.MANUAL
    data["_save"] = "Save"
    response = editor_client.post(url, data)
    assert response.status_code == 302
    tag = ParagraphCountry.objects.get(paragraph=paragraph)
    assert (tag.country.code, tag.status) == ("JP", TagStatus.MANUAL)


# --- Permissions ------------------------------------------------------------------


def test_admin_non_editor_staff_cannot_change_article(viewer_client, article):
    url = f"/admin/corpus/article/{article.pk}/change/"
    page = html_of(viewer_client.get(url))
    assert not page.cssselect("input[name=_save]")
    response = viewer_client.post(url, {"title": "Hijacked", "_save": "Save"})
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Iran and Turkmenistan"


def test_admin_non_editor_staff_has_no_tag_actions(viewer_client, article) -> None:
    page = html_of(viewer_client.get("/admin/corpus/article/"))
    actions = [o.get("value") for o in page.cssselect("select[name=action] option")]
    assert "add_country" not in actions


def test_admin_non_editor_staff_cannot_run_tag_action(viewer_client, article):
    action_post(
        viewer_client,
        "article",
        "add_country",
        [article.pk],
        tag_value="JP",
        confirm="yes",
    )
    assert not ParagraphCountry.objects.filter(country__code="JP").exists()


def test_admin_non_editor_staff_cannot_add_article(viewer_client) -> None:
    response = viewer_client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "read"})
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_admin_analyst_is_sent_to_login(analyst_client, article) -> None:
    response = analyst_client.get("/admin/corpus/article/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_admin_tag_change_log_is_read_only(editor_client, article) -> None:
    TagChange.objects.create(kind="country", value="IR", before="auto", after="")
    change = TagChange.objects.get()
    page = html_of(editor_client.get(f"/admin/corpus/tagchange/{change.pk}/change/"))
    assert not page.cssselect("input[name=_save]")
    assert editor_client.get("/admin/corpus/tagchange/add/").status_code == 403


def test_admin_tag_change_log_names_the_tag_and_links_the_paragraph(
    editor_client, article
) -> None:
    paragraph = article.paragraphs.order_by("position").first()
    TagChange.objects.create(
        kind="country", value="IR", before="", after="manual", paragraph=paragraph
    )
    TagChange.objects.create(kind="topic", value="no-such-topic", before="auto")
    page = html_of(editor_client.get("/admin/corpus/tagchange/"))
    cells = [cell.text_content() for cell in page.cssselect("td.field-tag")]
    assert sorted(cells) == ["Iran (IR)", "no-such-topic"]
    (link,) = page.cssselect("td.field-paragraph_link a")
    assert link.get("href") == f"/admin/corpus/paragraph/{paragraph.pk}/change/"
    assert f"¶ {paragraph.position} of" in link.text_content()


# --- Add article ------------------------------------------------------------------


def test_add_article_preview_shows_parse_and_tags(editor_client, db) -> None:
    response = editor_client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "read"})
    page = html_of(response)
    assert page.cssselect("input[name=title]")[0].get("value") == "Ashgabat and Tehran"
    assert page.cssselect("textarea[name=authors]")[0].text_content().strip() == (
        "Jane Analyst"
    )
    rows = page.cssselect(".refdesk-preview-paragraph")
    assert len(rows) == 2
    cell = rows[0].cssselect(".refdesk-preview-countries")[0]
    countries = [label.text_content().strip() for label in cell.cssselect("label")]
    assert countries == ["Turkmenistan", "Iran"]
    assert not Article.objects.exists()


def preview_data(client: Client, text: str) -> dict[str, str]:
    response = client.post(ADD_URL, {"text": text, "step": "read"})
    form = html_of(response).cssselect("form.refdesk-preview-form")[0]
    return dict(form.form_values())


def test_add_article_saves_with_corrections(editor_client, db) -> None:
    data = preview_data(editor_client, ARTICLE_TEXT)
    data.update(title="Corrected", authors="Jane Analyst\nJohn Second", year="2016")
    response = editor_client.post(ADD_URL, data)
    article = Article.objects.get()
    assert response["Location"] == f"/admin/corpus/article/{article.pk}/change/"
    assert article.title == "Corrected"
    assert [a.name for a in article.ordered_authors()] == [
        "Jane Analyst",
        "John Second",
    ]
    assert article.paragraphs.count() == 2
    assert set(article.edited_fields) == {"title", "authors", "year"}
    assert article.source_file.startswith("added/pasted-")
    assert ParagraphCountry.objects.filter(paragraph__article=article).exists()


def test_add_article_refuses_duplicate(editor_client, db) -> None:
    data = preview_data(editor_client, ARTICLE_TEXT)
    editor_client.post(ADD_URL, data)
    response = editor_client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "read"})
    assert "already has this text" in error_text(response)
    assert Article.objects.count() == 1


def test_add_article_refuses_seed_uploaded_again(
    editor_client, seeds_dir: Path
) -> None:
    seed = seeds_dir / "003_30700c1f1a60f553.txt"
    ingest_paths([seed], update_index=False)
    upload = SimpleUploadedFile("copy.txt", seed.read_bytes())
    response = editor_client.post(ADD_URL, {"file": upload, "step": "read"})
    assert "already has this text" in error_text(response)


def test_add_article_from_html_upload(editor_client, db) -> None:
    html = (
        "<html><head><title>Iran and Turkmenistan</title></head><body><article>"
        "<h1>Iran and Turkmenistan</h1>"
        "<p>Turkmenistan and Iran agreed to expand their security partnership "
        "in Ashgabat after a long meeting.</p>"
        "<p>Officials in Tehran said drug trafficking across the border had "
        "fallen this year.</p></article></body></html>"
    )
    upload = SimpleUploadedFile("page.html", html.encode(), content_type="text/html")
    response = editor_client.post(ADD_URL, {"file": upload, "step": "read"})
    page = html_of(response)
    assert page.cssselect("input[name=title]")[0].get("value") == (
        "Iran and Turkmenistan"
    )
    assert len(page.cssselect(".refdesk-preview-paragraph")) == 2


def test_add_article_from_markdown_upload(editor_client, db) -> None:
    markdown = ARTICLE_TEXT.replace("Ashgabat and Tehran\n", "# Ashgabat and Tehran\n")
    upload = SimpleUploadedFile(
        "article.md", markdown.replace("Iran", "**Iran**").encode()
    )
    response = editor_client.post(ADD_URL, {"file": upload, "step": "read"})
    page = html_of(response)
    assert page.cssselect("input[name=title]")[0].get("value") == "Ashgabat and Tehran"
    assert "**" not in page.cssselect(".refdesk-preview")[0].text_content()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("article.txt", b"0" * 10_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bomb.txt", _zip_bomb(), "zip archive"),  # zip bomb, never opened
        ("article.txt", gzip.compress(b"Iran " * 1000), "gzip archive"),
        ("article.txt", bz2.compress(b"Iran " * 1000), "bzip2 archive"),
        ("article.txt", b"%PDF-1.7\n...", "PDF"),
        ("article.txt", b"\x00\x01\x02binary\x00data" * 10, "binary"),
        ("article.txt", "Tehran and Ashgabat".encode("utf-16"), "UTF-16"),
        ("article.txt", "Café in Tehran, Ashgabat".encode("latin-1"), "not UTF-8"),
        ("article.txt", b"", "empty"),
        ("article.txt", b"   \n\n  ", "empty"),
        ("article.html", b"<html><body><nav>Home</nav></body></html>", "no body"),
        ("article.exe", b"MZ\x90\x00", "Upload a .txt"),
        ("article", b"Tehran", "Upload a .txt"),
        ("..hidden.txt", ARTICLE_TEXT.encode(), "looks like a path"),
        ("stream:evil.txt", ARTICLE_TEXT.encode(), "looks like a path"),
        ("article.txt", b"Share on Twitter", "No article"),  # no paragraphs
    ],
)
def test_add_article_refuses_bad_upload(
    editor_client, db, name: str, data: bytes, message: str
) -> None:
    upload = SimpleUploadedFile(name, data)
    response = editor_client.post(ADD_URL, {"file": upload, "step": "read"})
    assert response.status_code == 200
    assert message in error_text(response)
    assert not Article.objects.exists()


def test_add_article_refuses_over_size_upload_without_writing_it(
    editor_client, db, monkeypatch
) -> None:
    from django.core.files import uploadhandler

    def refuse_disk(*args, **kwargs):
        raise AssertionError("upload was written to a temporary file")

    monkeypatch.setattr(
        uploadhandler.TemporaryFileUploadHandler, "new_file", refuse_disk
    )
    data = b"Tehran and Ashgabat. " * (7 * 2**20 // 21)
    upload = SimpleUploadedFile("big.txt", data)
    response = editor_client.post(ADD_URL, {"file": upload, "step": "read"})
    assert "larger than 5 MB" in error_text(response)
    assert not Article.objects.exists()


def test_add_article_refuses_over_size_paste(editor_client, db, settings) -> None:
    settings.REFDESK_MAX_FILE_BYTES = 1000
    response = editor_client.post(ADD_URL, {"text": "Tehran. " * 200, "step": "read"})
    assert "larger than" in error_text(response)


@pytest.mark.parametrize(
    "text",
    [
        "Tehran\x00and Ashgabat " * 20,  # NUL byte
        "\x01\x02\x03\x04\x05\x06\x07\x08" * 50,  # control characters
        "",
    ],
)
def test_add_article_refuses_bad_paste(editor_client, db, text: str) -> None:
    response = editor_client.post(ADD_URL, {"text": text, "step": "read"})
    assert error_text(response)
    assert not Article.objects.exists()


def _multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "refdeskboundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="step"\r\n\r\nread\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "filename",
    ["../../evil.txt", "..\\..\\evil.txt", "/etc/evil.txt", "C:\\temp\\evil.txt"],
)
def test_add_article_never_uses_upload_name_as_path(
    editor_client, db, tmp_path: Path, monkeypatch, filename: str
) -> None:
    monkeypatch.chdir(tmp_path)
    body, content_type = _multipart(filename, ARTICLE_TEXT.encode())
    response = editor_client.generic("POST", ADD_URL, body, content_type=content_type)
    page = html_of(response)
    draft = page.cssselect("input[name=draft]")
    if draft:
        assert load_draft(draft[0].get("value")).name == "evil.txt"
    else:
        assert "looks like a path" in error_text(response)
    assert not list(tmp_path.rglob("evil*"))
    assert not Path("/etc/evil.txt").exists()
    assert not Article.objects.exists()


def test_add_article_checks_csrf(editor, db) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "read"})
    assert response.status_code == 403
    preview = client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "save"})
    assert preview.status_code == 403
    assert not Article.objects.exists()


def test_add_button_leads_to_add_from_text(editor_client, db) -> None:
    response = editor_client.get("/admin/corpus/article/add/")
    assert response["Location"] == ADD_URL


# --- Live reindexing: an admin change shows in the facets -------------------------


def test_admin_tag_change_appears_in_search_facets(
    editor_client, seeds_dir: Path, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    query = pytest.importorskip("search.query")
    index = pytest.importorskip("search.index")
    if not hasattr(query, "run_search") or not hasattr(index, "update_paragraphs"):
        pytest.skip("search engine not written yet")
    monkeypatch.undo()  # use the real index, not the recording stand-in
    ingest_paths([seeds_dir])
    article = Article.objects.get(source_file="003_30700c1f1a60f553.txt")

    def japan_count() -> int:
        page = query.run_search(query.SearchRequest.from_querydict({}))
        country = next(facet for facet in page.facets if facet.name == "country")
        return next((v.count for v in country.values if v.value == "JP"), 0)

    assert japan_count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        action_post(
            editor_client,
            "article",
            "add_country",
            [article.pk],
            tag_value="JP",
            confirm="yes",
        )
    assert japan_count() == article.paragraphs.count()
    assert reverse("editor:bulk_tag")
