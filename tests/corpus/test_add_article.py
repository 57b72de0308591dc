"""The "Add article" preview: the editor corrects paragraphs, standfirst and tags."""

from __future__ import annotations

import lxml.html
import pytest
from django.test import Client

from corpus import services
from corpus.ingest import save_parsed_article
from corpus.models import (
    Article,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagChange,
    TagStatus,
)
from corpus.parsing import parse_article

ADD_URL = "/admin/corpus/article/add-from-text/"
ARTICLE_TEXT = """Ashgabat and Tehran

By Jane Analyst

Turkmenistan and Iran agreed to expand their security partnership in Ashgabat.

Officials in Tehran said drug trafficking across the border had fallen.
"""
FIRST = "Turkmenistan and Iran agreed to expand their security partnership in Ashgabat."
SECOND = "Officials in Tehran said drug trafficking across the border had fallen."

Values = list[tuple[str, str]]


def html_of(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def error_text(response) -> str:
    nodes = html_of(response).cssselect(".errorlist, .errornote")
    return " ".join(node.text_content() for node in nodes)


def preview(client: Client, text: str = ARTICLE_TEXT) -> Values:
    """What a browser would send back from the preview, untouched."""
    response = client.post(ADD_URL, {"text": text, "step": "read"})
    form = html_of(response).cssselect("form.refdesk-preview-form")[0]
    return list(form.form_values())


def save(
    client: Client, values: Values, changes: dict[str, str | list[str] | None]
) -> object:
    """Post the preview with ``changes``: None drops a field, a list repeats it."""
    data: dict[str, list[str]] = {}
    for name, value in values:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(ADD_URL, data)


def saved_paragraphs() -> list[tuple[int, str, str]]:
    return list(
        Paragraph.objects.order_by("position").values_list(
            "position", "heading", "text"
        )
    )


def test_add_article_preview_offers_paragraphs_dek_and_tags_to_correct(
    editor_client, db
) -> None:
    response = editor_client.post(ADD_URL, {"text": ARTICLE_TEXT, "step": "read"})
    page = html_of(response)
    form = page.cssselect("form.refdesk-preview-form")[0]
    texts = [box.value.strip() for box in form.cssselect("textarea[name$=-text]")]
    assert texts == [FIRST, SECOND]
    assert form.cssselect("textarea[name=dek]")
    ticked = form.cssselect("input[name=paragraph-0-countries][checked]")
    assert [box.get("value") for box in ticked] == ["TM", "IR"]
    assert form.cssselect("input[type=checkbox][name=paragraph-1-DELETE]")
    assert form.cssselect("select[name=add_topics][multiple] option[value=water]")


def test_add_article_saves_edited_paragraph_text(editor_client, db) -> None:
    values = preview(editor_client)
    save(editor_client, values, {"paragraph-1-text": "Officials said little.\n"})
    assert saved_paragraphs() == [(1, "", FIRST), (2, "", "Officials said little.")]


def test_add_article_leaves_out_removed_paragraph(editor_client, db) -> None:
    values = preview(editor_client)
    save(editor_client, values, {"paragraph-0-DELETE": "on"})
    assert saved_paragraphs() == [(1, "", SECOND)]
    assert not ParagraphCountry.objects.filter(country__code="TM").exists()


def test_add_article_splits_paragraph_at_blank_line_with_its_heading(
    editor_client, db
) -> None:
    values = preview(editor_client)
    save(
        editor_client,
        values,
        {
            "paragraph-1-heading": "At the border",
            "paragraph-1-text": "Officials in Tehran spoke.\r\n\r\nTrafficking fell.",
        },
    )
    assert saved_paragraphs() == [
        (1, "", FIRST),
        (2, "At the border", "Officials in Tehran spoke."),
        (3, "At the border", "Trafficking fell."),
    ]


def test_add_article_saves_corrected_dek_and_keeps_it_on_reingest(
    editor_client, db
) -> None:
    values = preview(editor_client)
    save(editor_client, values, {"dek": "Two neighbours draw closer."})
    article = Article.objects.get()
    assert article.dek == "Two neighbours draw closer."
    assert "dek" in article.edited_fields
    save_parsed_article(parse_article(ARTICLE_TEXT), source_file=article.source_file)
    article.refresh_from_db()
    assert article.dek == "Two neighbours draw closer."


@pytest.mark.parametrize(
    ("field", "ticked", "model", "refused"),
    [
        ("paragraph-0-countries", ["IR"], ParagraphCountry, {"country__code": "TM"}),
        (
            "paragraph-1-topics",
            ["borders"],
            ParagraphTopic,
            {"topic__slug": "drug-trafficking"},
        ),
    ],
)
def test_add_article_unticked_suggestion_is_rejected_and_never_readded(
    editor_client, editor, db, field, ticked, model, refused
) -> None:
    values = preview(editor_client)
    save(editor_client, values, {field: ticked})
    position = int(field.split("-")[1]) + 1
    tag = model.objects.get(paragraph__position=position, **refused)
    assert (tag.status, tag.set_by) == (TagStatus.REJECTED, editor)
    logged = TagChange.objects.filter(paragraph=tag.paragraph, after="rejected")
    assert [change.user for change in logged] == [editor]
    services.retag(Paragraph.objects.values_list("pk", flat=True), user=editor)
    tag.refresh_from_db()
    assert tag.status == TagStatus.REJECTED
    # What stayed ticked is left to auto-tagging.
    iran = ParagraphCountry.objects.filter(country__code="IR")
    assert [tag.status for tag in iran] == [TagStatus.AUTO, TagStatus.AUTO]


def test_add_article_adds_topic_to_whole_article(editor_client, editor, db) -> None:
    values = preview(editor_client)
    save(editor_client, values, {"add_topics": ["water"], "add_countries": ["AF"]})
    for model, lookup in [
        (ParagraphTopic, {"topic__slug": "water"}),
        (ParagraphCountry, {"country__code": "AF"}),
    ]:
        tags = model.objects.filter(**lookup)
        assert sorted(tag.paragraph.position for tag in tags) == [1, 2]
        assert {(tag.status, tag.set_by) for tag in tags} == {
            (TagStatus.MANUAL, editor)
        }


def test_add_article_untick_on_a_paragraph_beats_whole_article_tag(
    editor_client, db
) -> None:
    values = preview(editor_client)
    save(
        editor_client,
        values,
        {"add_countries": ["TM"], "paragraph-0-countries": ["IR"]},
    )
    statuses = dict(
        ParagraphCountry.objects.filter(country__code="TM").values_list(
            "paragraph__position", "status"
        )
    )
    assert statuses == {1: TagStatus.REJECTED, 2: TagStatus.MANUAL}


@pytest.mark.parametrize(
    "changes",
    [
        {"paragraph-0-DELETE": "on", "paragraph-1-DELETE": "on"},  # all removed
        {"paragraph-0-DELETE": "on", "paragraph-1-text": " \r\n "},  # rest blanked
    ],
)
def test_add_article_refuses_empty_paragraph_list(
    editor_client, db, changes: dict[str, str]
) -> None:
    values = preview(editor_client)
    response = save(editor_client, values, changes)
    assert response.status_code == 200
    assert error_text(response)
    assert not Article.objects.exists()
    assert not TagChange.objects.exists()


def test_add_article_error_keeps_the_editors_paragraphs(editor_client, db) -> None:
    values = preview(editor_client)
    response = save(
        editor_client, values, {"title": "", "paragraph-1-text": "Edited text."}
    )
    boxes = html_of(response).cssselect("textarea[name=paragraph-1-text]")
    assert boxes[0].value.strip() == "Edited text."
    assert not Article.objects.exists()


def test_add_article_service_saves_nothing_when_a_tag_is_unknown(editor) -> None:
    with pytest.raises(services.TagValueError):
        services.create_article_from_parsed(
            parse_article(ARTICLE_TEXT),
            source_file="added/unknown-tag",
            user=editor,
            paragraphs=[services.ParagraphEdit(text=FIRST)],
            add_countries=["XX"],
        )
    assert not Article.objects.exists()
    assert not Paragraph.objects.exists()


def test_add_article_corrections_show_in_search_facets(
    editor_client, seeded_index, django_capture_on_commit_callbacks
) -> None:
    from search.query import SearchRequest, run_search

    def counts() -> dict[tuple[str, str], int]:
        page = run_search(SearchRequest.from_querydict({}))
        return {
            (facet.name, value.value): value.count
            for facet in page.facets
            for value in facet.values
        }

    before = counts()
    values = preview(editor_client)
    with django_capture_on_commit_callbacks(execute=True):
        save(
            editor_client,
            values,
            {"add_topics": ["water"], "paragraph-0-countries": ["TM"]},
        )
    after = counts()
    assert after.get(("topic", "water"), 0) - before.get(("topic", "water"), 0) == 2
    assert after[("country", "IR")] - before[("country", "IR")] == 1
    assert after[("country", "TM")] - before.get(("country", "TM"), 0) == 1


def test_a_large_article_is_sent_back_once_and_saves(editor_client, settings) -> None:
    # The preview once sent the whole text twice (a hidden copy and every paragraph's
    # box): an article over half the request limit could be previewed, not saved.
    # Scaled down: a 64 KB limit and a 48 KB article stand for 6 MB and 3 MB.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    paragraph = (
        "Officials in Tehran said trade across the border with Turkmenistan had "
        "grown again this year, and both governments expect more of it. "
    )
    count = 60
    text = "Ashgabat and Tehran\n\n" + "\n\n".join(
        f"{index}. {paragraph * 6}" for index in range(count)
    )
    assert 40_000 < len(text.encode()) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    values = preview(editor_client, text)
    assert not [name for name, _ in values if name == "text"]
    response = save(editor_client, values, {})
    assert response.status_code == 302, error_text(response)
    assert Article.objects.get().paragraphs.count() == count


def test_a_preview_too_large_for_the_form_is_refused_at_reading(
    editor_client, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 150
    text = "Ashgabat and Tehran\n\n" + "\n\n".join(
        f"Paragraph {index} says officials in Tehran met their neighbours again."
        for index in range(60)
    )
    response = editor_client.post(ADD_URL, {"text": text, "step": "read"})
    assert "too many to check and save here" in error_text(response)
    assert not html_of(response).cssselect("form.refdesk-preview-form")


SCRAPED = (
    "Skip to main content\n* Home\n* World\n* Subscribe now\n"
    + "".join(f"* Section {n}\n" for n in range(20))
    + "Ashgabat and Tehran\n\n"
    + "Turkmenistan and Iran agreed on Monday to expand their security partnership "
    "in Ashgabat, officials from both governments said after the meeting.\n\n"
    + "Officials in Tehran said drug trafficking across the border had fallen, and "
    "that both sides would now share more of what their border guards see.\n\n"
    + "Sign up for our newsletter\n"
)


def test_preview_lists_dropped_blocks_and_restores_one_without_script(
    editor_client,
) -> None:
    response = editor_client.post(ADD_URL, {"text": SCRAPED, "step": "read"})
    page = html_of(response)
    items = page.cssselect(".refdesk-dropped-blocks li")
    reasons = {
        item.text_content().split(": ", 1)[1].strip(): item.cssselect(
            ".refdesk-dropped-reason"
        )[0].text_content()
        for item in items
    }
    assert reasons["Skip to main content"] == "page furniture (boilerplate words)"
    assert reasons["Section 3"] == "menu or list link"
    box = next(
        item.cssselect("input[name=restore]")[0]
        for item in items
        if "Sign up for our newsletter" in item.text_content()
    )
    form = page.cssselect("form.refdesk-preview-form")[0]
    values = [
        *form.form_values(),
        ("restore", box.get("value")),
        ("restore_blocks", "1"),
    ]
    restored = editor_client.post(ADD_URL, _as_data(values))
    texts = [
        area.text_content().strip()
        for area in html_of(restored).cssselect("textarea[name$=-text]")
    ]
    assert "Sign up for our newsletter" in texts

    form = html_of(restored).cssselect("form.refdesk-preview-form")[0]
    assert save(editor_client, list(form.form_values()), {}).status_code == 302
    saved = list(Article.objects.get().paragraphs.values_list("text", flat=True))
    assert saved[-1] == "Sign up for our newsletter"


def _as_data(values: Values) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in values:
        data.setdefault(name, []).append(value)
    return data
