"""Forms for the editor workflow: they validate what editors send, services act on it.

Uploads are checked here, where the user's bytes enter: size, archives and other
binary formats, encoding, emptiness, and the file name (which is only ever a label,
never a path).
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from corpus.drafts import DraftError, load_draft, save_draft
from corpus.extract import Document, ExtractError, parse_document, read_document
from corpus.fetch import FetchError, fetch_url, find_article_by_url, normalise_url
from corpus.ingest import BINARY_MAGIC, IngestError, decode_article_bytes
from corpus.models import (
    Article,
    Country,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
    Topic,
)
from corpus.parsing import ParsedArticle, ParseError
from corpus.services import (
    KINDS,
    ParagraphEdit,
    ParagraphPreview,
    TagTarget,
    TagValueError,
    find_duplicate,
    resolve_tag,
)

UPLOAD_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


class BoundedUploadHandler(FileUploadHandler):
    """Keeps an upload in memory up to the size limit and never writes it to disk.

    Bytes past the limit are counted but dropped, so an over-size upload still
    reports its real size and the form can refuse it with a message.
    """

    def __init__(self, request: Any = None, *, limit: int | None = None) -> None:
        super().__init__(request)
        self.limit = settings.REFDESK_MAX_FILE_BYTES if limit is None else limit
        self.buffer = io.BytesIO()
        self.size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        room = self.limit + 1 - self.buffer.tell()
        if room > 0:
            self.buffer.write(raw_data[:room])

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


@dataclass(frozen=True)
class SourceText:
    """An article's source as the editor gave it, and the document read from it."""

    text: str
    name: str
    document: Document
    url: str = ""
    restore: frozenset[int] = frozenset()

    def save_draft(self) -> str:
        """Keep this source on the server; the token the preview form carries."""
        return save_draft(
            text=self.text, name=self.name, url=self.url, restore=self.restore
        )


def check_upload_name(name: str) -> str:
    """The upload's file name if it is a plain name with a known suffix.

    Names that look like paths are refused outright rather than cleaned up.
    """
    if not name or len(name) > 200:
        raise forms.ValidationError("The file needs a name of at most 200 characters.")
    if (
        "/" in name
        or "\\" in name
        or ".." in name
        or name.startswith(".")
        or ":" in name
        or any(unicodedata.category(char)[0] == "C" for char in name)
    ):
        raise forms.ValidationError(
            "The file name looks like a path; rename the file and upload it again."
        )
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        raise forms.ValidationError(
            "Upload a .txt, .md or .html file (this one is "
            f"“{suffix or 'without a suffix'}”)."
        )
    return name


def _limit_message() -> str:
    return f"The file is larger than {settings.REFDESK_MAX_FILE_BYTES // 2**20} MB."


def decode_source(data: bytes) -> str:
    """Bytes -> text, refusing archives, binary data and anything not UTF-8."""
    if len(data) > settings.REFDESK_MAX_FILE_BYTES:
        raise forms.ValidationError(_limit_message())
    for magic, label in BINARY_MAGIC:
        if data.startswith(magic):
            detail = "save it as UTF-8" if "UTF-16" in label else "not a text file"
            raise forms.ValidationError(f"This is {label}, {detail}.")
    try:
        return decode_article_bytes(data)
    except IngestError as error:
        raise forms.ValidationError(f"Cannot use this text: {error}.") from None


def read_upload(upload: UploadedFile) -> SourceText:
    name = check_upload_name(upload.name or "")
    if upload.size is None or upload.size > settings.REFDESK_MAX_FILE_BYTES:
        raise forms.ValidationError(_limit_message())
    data = upload.read(settings.REFDESK_MAX_FILE_BYTES + 1)
    return read_source(decode_source(data), name=name)


def read_pasted(text: str) -> SourceText:
    return read_source(decode_source(text.encode("utf-8")), name="pasted")


def read_fetched(url: str) -> SourceText:
    """The page at ``url``, fetched strictly (``corpus.fetch``), unless the library
    already has an article from that address."""
    try:
        address = normalise_url(url)
        existing = find_article_by_url(address)
        if existing is not None:
            raise forms.ValidationError(
                f"The library already has this address as “{existing.title}”."
            )
        page = fetch_url(address)
    except FetchError as error:
        raise forms.ValidationError(
            f"Could not fetch that page: {error} Paste its text or upload the "
            "saved file instead."
        ) from None
    label = re.sub(r"[^A-Za-z0-9]+", "-", address.split("://", 1)[-1]).strip("-")
    return read_source(page.html, name=f"{label[:80] or 'fetched'}.html", url=page.url)


def read_source(
    text: str, *, name: str, url: str = "", restore: frozenset[int] = frozenset()
) -> SourceText:
    """Text, Markdown or HTML (by content and name) -> the document to preview.

    A page fetched from ``url`` comes in here as well, with its HTML as ``text``.
    ``restore`` holds the dropped blocks the editor asked back.
    """
    try:
        document = read_document(text, name=name, url=url, restore=restore)
    except ExtractError as error:
        raise forms.ValidationError(f"Cannot use this page: {error}.") from None
    return SourceText(text=text, name=name, document=document, url=url, restore=restore)


def read_draft(token: str, *, restore: Sequence[str] = ()) -> SourceText:
    """The source kept for a preview, with more dropped blocks restored."""
    try:
        draft = load_draft(token)
    except DraftError as error:
        raise forms.ValidationError(str(error)) from None
    if draft.name != "pasted":
        check_upload_name(draft.name)
    asked = frozenset(int(value) for value in restore if str(value).isdigit())
    return read_source(
        draft.text, name=draft.name, url=draft.url, restore=draft.restore | asked
    )


def parse_source(source: SourceText) -> ParsedArticle:
    try:
        return parse_document(source.document)
    except ParseError as error:
        raise forms.ValidationError(
            f"No article could be read from this text: {error}."
        ) from None


# Form fields a preview sends besides its paragraphs (metadata, management, tags).
_PREVIEW_FIXED_FIELDS = 100
# Fields of one paragraph: heading, text, suggestions, a tag ticked, "Remove".
_FIELDS_PER_PARAGRAPH = 5


def max_preview_paragraphs() -> int:
    """How many paragraphs a preview can hold within the form field limit."""
    budget = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS - _PREVIEW_FIXED_FIELDS
    return max(1, budget // _FIELDS_PER_PARAGRAPH)


def preview_size_error(previews: Sequence[ParagraphPreview]) -> str:
    """Why these paragraphs cannot be sent back as one form, or ""."""
    fields = _PREVIEW_FIXED_FIELDS + sum(
        4 + len(preview.country_codes) + len(preview.topic_slugs)
        for preview in previews
    )
    if fields <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
        return ""
    return (
        f"This article has {len(previews):,} paragraphs, too many to check and "
        f"save here (about {max_preview_paragraphs():,} at most). "
        "Ingest it with manage.py ingest instead."
    )


def _refuse_duplicate(text: str) -> None:
    duplicate = find_duplicate(text)
    if duplicate is not None:
        raise forms.ValidationError(
            f"The library already has this text as “{duplicate.title}”."
        )


class ArticleSourceForm(forms.Form):
    """Step 1 of "Add article": pasted text or one uploaded file."""

    text = forms.CharField(
        label="Paste the article",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text="Title on the first line, then the text; or paste a whole HTML page.",
    )
    file = forms.FileField(
        label="Or upload a file",
        required=False,
        help_text=".txt, .md or .html, UTF-8, at most 5 MB.",
    )
    url = forms.CharField(
        label="Or fetch it from its address",
        required=False,
        max_length=2000,
        help_text="An http or https address; the page is read once (at most 10 MB).",
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        text = cleaned.get("text") or ""
        upload = cleaned.get("file")
        url = (cleaned.get("url") or "").strip()
        if self.errors:
            return cleaned
        given = [bool(upload), bool(text.strip()), bool(url)]
        if sum(given) > 1:
            raise forms.ValidationError(
                "Paste text, upload a file or give an address: only one of them."
            )
        if not any(given):
            raise forms.ValidationError(
                "Paste the article text, choose a file or give its address."
            )
        if upload:
            source = read_upload(upload)
        elif url:
            source = read_fetched(url)
        else:
            source = read_pasted(text)
        parsed = parse_source(source)
        _refuse_duplicate(source.text)
        cleaned["source"] = source
        cleaned["parsed"] = parsed
        return cleaned


class ArticlePreviewForm(forms.Form):
    """Step 2: the parsed article with its metadata open to correction."""

    # The source stays on the server (``corpus.drafts``); the form carries its token.
    draft = forms.CharField(widget=forms.HiddenInput, max_length=500)
    title = forms.CharField(max_length=500)
    dek = forms.CharField(
        label="Standfirst",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="The summary under the title, if the article has one.",
    )
    authors = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="One name per line.",
    )
    date = forms.DateField(
        required=False, help_text="YYYY-MM-DD, if the article gives one."
    )
    year = forms.IntegerField(required=False, min_value=1800, max_value=2100)
    publication = forms.CharField(required=False, max_length=200)
    add_countries = forms.ModelMultipleChoiceField(
        label="Add countries",
        queryset=Country.objects.all(),
        to_field_name="code",
        required=False,
        widget=FilteredSelectMultiple("countries", is_stacked=False),
        help_text="Set by you on every paragraph, as if tagged from the article page.",
    )
    add_topics = forms.ModelMultipleChoiceField(
        label="Add topics",
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        widget=FilteredSelectMultiple("topics", is_stacked=False),
        help_text="Set by you on every paragraph.",
    )

    METADATA_FIELDS = ("title", "dek", "authors", "date", "year", "publication")
    TAG_FIELDS = ("add_countries", "add_topics")

    @classmethod
    def initial_for(cls, parsed: ParsedArticle, *, draft: str) -> dict[str, Any]:
        """Start from the reading of the text and the page's metadata."""
        return {
            "draft": draft,
            "title": parsed.title,
            "dek": parsed.dek,
            "authors": "\n".join(author.name for author in parsed.authors),
            "date": parsed.date,
            "year": parsed.year,
            "publication": parsed.publication,
        }

    def clean_draft(self) -> str:
        source = read_draft(self.cleaned_data["draft"])
        self.cleaned_data["source"] = source
        self.cleaned_data["text"] = source.text
        self.cleaned_data["source_name"] = source.name
        return self.cleaned_data["draft"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.errors:
            return cleaned
        source = cleaned["source"]
        cleaned["parsed"] = parse_source(source)
        _refuse_duplicate(source.text)
        date: datetime.date | None = cleaned.get("date")
        year = cleaned.get("year")
        if date and year and date.year != year:
            self.add_error("year", "The year does not match the date.")
        return cleaned

    def metadata_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.METADATA_FIELDS]

    def tag_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.TAG_FIELDS]

    def added_tags(self) -> dict[str, list[str]]:
        """Codes and slugs to set on every paragraph, as service keyword arguments."""
        return {
            "add_countries": [c.code for c in self.cleaned_data["add_countries"]],
            "add_topics": [t.slug for t in self.cleaned_data["add_topics"]],
        }

    def author_names(self) -> list[str]:
        lines = (self.cleaned_data.get("authors") or "").splitlines()
        return [" ".join(line.split()) for line in lines if line.strip()]

    def corrections(self) -> dict[str, Any]:
        """The fields the editor set differently from what the parser read."""
        parsed: ParsedArticle = self.cleaned_data["parsed"]
        values: dict[str, Any] = {
            "title": self.cleaned_data["title"].strip(),
            # A textarea may add line breaks; the parser's dek is on one line.
            "dek": " ".join((self.cleaned_data.get("dek") or "").split()),
            "authors": self.author_names(),
            "date": self.cleaned_data.get("date"),
            "year": self.cleaned_data.get("year"),
            "publication": self.cleaned_data.get("publication", "").strip(),
        }
        original: dict[str, Any] = {
            "title": parsed.title,
            "dek": parsed.dek,
            "authors": [author.name for author in parsed.authors],
            "date": parsed.date,
            "year": parsed.year,
            "publication": parsed.publication,
        }
        return {
            name: value for name, value in values.items() if value != original[name]
        }


_BLANK_LINE = re.compile(r"\n\s*\n")
# Suggestions shown in the preview, carried in a hidden field as "country:IR
# topic:water", so a suggestion added to the rules meanwhile is never taken as
# refused. Capped: a paragraph never has this many.
_MAX_SUGGESTIONS = 100


def split_paragraphs(text: str) -> list[str]:
    """A paragraph box -> paragraphs: blank lines split, other line breaks join."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = (" ".join(chunk.split()) for chunk in _BLANK_LINE.split(text))
    return [chunk for chunk in chunks if chunk]


def _read_suggested(raw: str) -> dict[str, list[str]]:
    shown: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for token in raw.split()[:_MAX_SUGGESTIONS]:
        kind, _, value = token.partition(":")
        if kind in shown and value and value not in shown[kind]:
            shown[kind].append(value)
    return shown


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's choice field ``name`` (``form.fields`` holds plain ``Field``s)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    return field


class ParagraphEditForm(forms.Form):
    """One paragraph of the "Add article" preview, with its suggested tags ticked."""

    heading = forms.CharField(label="Section heading", required=False, max_length=500)
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        error_messages={"required": "Write the paragraph, or tick “Remove”."},
    )
    suggested = forms.CharField(widget=forms.HiddenInput, required=False)
    countries = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        country_names: dict[str, str],
        topic_names: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            raw = self.data.get(self.add_prefix("suggested"), "")
        else:
            raw = self.initial.get("suggested", "")
        shown = _read_suggested(str(raw))
        self.suggested_countries = [c for c in shown["country"] if c in country_names]
        self.suggested_topics = [t for t in shown["topic"] if t in topic_names]
        choice_field(self, "countries").choices = [
            (code, country_names[code]) for code in self.suggested_countries
        ]
        choice_field(self, "topics").choices = [
            (slug, topic_names[slug]) for slug in self.suggested_topics
        ]

    @staticmethod
    def initial_for(preview: ParagraphPreview) -> dict[str, Any]:
        return {
            "heading": preview.heading,
            "text": preview.text,
            "suggested": " ".join(
                [f"country:{code}" for code in preview.country_codes]
                + [f"topic:{slug}" for slug in preview.topic_slugs]
            ),
            "countries": list(preview.country_codes),
            "topics": list(preview.topic_slugs),
        }

    def edits(self) -> list[ParagraphEdit]:
        """The paragraph (or, split at blank lines, paragraphs) to save."""
        ticked_countries = set(self.cleaned_data["countries"])
        ticked_topics = set(self.cleaned_data["topics"])
        heading = " ".join(self.cleaned_data["heading"].split())
        rejected_countries = tuple(
            code for code in self.suggested_countries if code not in ticked_countries
        )
        rejected_topics = tuple(
            slug for slug in self.suggested_topics if slug not in ticked_topics
        )
        return [
            ParagraphEdit(
                text=text,
                heading=heading,
                rejected_countries=rejected_countries,
                rejected_topics=rejected_topics,
            )
            for text in split_paragraphs(self.cleaned_data["text"])
        ]


class BaseParagraphEditFormSet(forms.BaseFormSet):
    """The paragraphs of the "Add article" preview; at least one must be kept."""

    help_text = (
        "Correct a paragraph in its box; a blank line inside a box splits it in "
        "two. Tick “Remove” to leave a paragraph out. The section heading is "
        "stored with each paragraph of its section, so change it on each. "
        "Suggested tags are ticked: untick one to refuse it for that paragraph. "
        "It is stored as removed by you, and re-tagging never adds it back. "
        "Ticked tags are read again from the text as you save it."
    )

    @classmethod
    def get_default_prefix(cls) -> str:
        return "paragraph"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form_kwargs = {
            **self.form_kwargs,
            "country_names": dict(Country.objects.values_list("code", "name")),
            "topic_names": dict(Topic.objects.values_list("slug", "name")),
        }

    @classmethod
    def initial_for(cls, previews: Sequence[ParagraphPreview]) -> list[dict[str, Any]]:
        return [ParagraphEditForm.initial_for(preview) for preview in previews]

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"

    def kept_forms(self) -> list[ParagraphEditForm]:
        return [
            form
            for form in self.forms
            # The stubs leave out this (undocumented) BaseFormSet method.
            if form.cleaned_data and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.kept_forms():
            raise forms.ValidationError(
                "Keep at least one paragraph: an article cannot be empty."
            )

    def edits(self) -> list[ParagraphEdit]:
        return [edit for form in self.kept_forms() for edit in form.edits()]


# formset_factory returns a subclass of ``formset``; the stubs type it as the base.
ParagraphEditFormSet = cast(
    "type[BaseParagraphEditFormSet]",
    forms.formset_factory(
        ParagraphEditForm,
        formset=BaseParagraphEditFormSet,
        extra=0,
        can_delete=True,
    ),
)


class TagChoiceForm(forms.Form):
    """The tag to add or remove in a bulk admin action."""

    tag_value = forms.ChoiceField(label="Tag")

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "country":
            self.fields["tag_value"].label = "Country"
            choices = list(Country.objects.values_list("code", "name"))
        else:
            self.fields["tag_value"].label = "Topic"
            choices = list(Topic.objects.values_list("slug", "name"))
        choice_field(self, "tag_value").choices = [("", "---------"), *choices]


class ArticleAdminForm(forms.ModelForm):
    # An address typed without a scheme is taken as https (Django 6's default).
    source_url = forms.URLField(
        label="Source URL",
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text="Where the article was published; citations point here.",
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "dek",
            "section",
            "publication",
            "date",
            "year",
            "source_url",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        date = cleaned.get("date")
        year = cleaned.get("year")
        if date and year and date.year != year:
            self.add_error("year", "The year does not match the date.")
        elif date and not year:
            cleaned["year"] = date.year
        return cleaned


class _ParagraphTagForm(forms.ModelForm):
    """An inline tag row: existing rows change status, new rows add a manual tag."""

    value_field = ""

    status = forms.ChoiceField(
        choices=[
            (TagStatus.MANUAL, TagStatus.MANUAL.label),
            (TagStatus.REJECTED, TagStatus.REJECTED.label),
        ],
        initial=TagStatus.MANUAL,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields[self.value_field].disabled = True
            if self.instance.status == TagStatus.AUTO:
                choice_field(self, "status").choices = TagStatus.choices

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        current = self.instance.status if self.instance.pk else None
        if status == TagStatus.AUTO and current != TagStatus.AUTO:
            raise forms.ValidationError("Only automatic tagging sets “automatic”.")
        if current is None and status != TagStatus.MANUAL:
            raise forms.ValidationError(
                "A new tag is set by an editor; remove tags from existing rows."
            )
        return status


class ParagraphCountryForm(_ParagraphTagForm):
    value_field = "country"

    class Meta:
        model = ParagraphCountry
        fields = ["country", "status"]


class ParagraphTopicForm(_ParagraphTagForm):
    value_field = "topic"

    class Meta:
        model = ParagraphTopic
        fields = ["topic", "status"]


MAX_BULK_IDS = 200_000


class BulkTagForm(forms.Form):
    """The POST fields of ``editor:bulk_tag`` (see the view for their meaning)."""

    all = forms.BooleanField(required=False)
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in KINDS])
    value = forms.CharField(max_length=100)
    action = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])
    dry_run = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        raw_ids = (
            self.data.getlist("paragraph") if hasattr(self.data, "getlist") else []
        )
        if len(raw_ids) > MAX_BULK_IDS:
            raise forms.ValidationError(
                f"Select at most {MAX_BULK_IDS:,} paragraphs at once."
            )
        ids: list[int] = []
        for raw in raw_ids:
            if not str(raw).isdigit() or len(str(raw)) > 18:
                raise forms.ValidationError("A selected paragraph id is not a number.")
            ids.append(int(raw))
        cleaned["paragraph_ids"] = ids
        if not cleaned.get("all") and not ids:
            raise forms.ValidationError("Select at least one paragraph.")
        if "kind" in cleaned and "value" in cleaned:
            try:
                cleaned["target"] = resolve_tag(cleaned["kind"], cleaned["value"])
            except TagValueError as error:
                self.add_error("value", str(error))
        return cleaned

    @property
    def target(self) -> TagTarget:
        return self.cleaned_data["target"]

    @property
    def add(self) -> bool:
        return self.cleaned_data["action"] == "add"
