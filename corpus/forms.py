"""Forms for the editor workflow: they validate what editors send, services act on it.

Uploads are checked here, where the user's bytes enter: size, archives and other
binary formats, encoding, emptiness, and the file name (which is only ever a label,
never a path).
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from corpus.extract import ExtractedText, ExtractError, extract_html, markdown_to_text
from corpus.ingest import IngestError, decode_article_bytes
from corpus.models import (
    Article,
    Country,
    ParagraphCountry,
    ParagraphTopic,
    TagStatus,
    Topic,
)
from corpus.parsing import ParsedArticle, ParseError, parse_article
from corpus.services import (
    KINDS,
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

# Leading bytes of formats that are never article text. Archives are refused
# unopened, so a zip bomb is never expanded.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"PK\x07\x08", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an Office document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)


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
    """Article text ready for the parser, with where it came from."""

    text: str
    name: str
    metadata: ExtractedText | None = None


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
    for magic, label in _MAGIC:
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
    text = decode_source(data)
    kind = UPLOAD_SUFFIXES["." + name.rsplit(".", 1)[-1].lower()]
    if kind == "html":
        try:
            extracted = extract_html(text)
        except ExtractError as error:
            raise forms.ValidationError(f"Cannot use this page: {error}.") from None
        return SourceText(extracted.text, name, extracted)
    if kind == "markdown":
        text = markdown_to_text(text)
    return SourceText(text, name)


def read_pasted(text: str) -> SourceText:
    source = decode_source(text.encode("utf-8"))
    stripped = source.lstrip().lower()
    if stripped.startswith(("<!doctype html", "<html")):
        try:
            extracted = extract_html(source)
        except ExtractError as error:
            raise forms.ValidationError(f"Cannot use this page: {error}.") from None
        return SourceText(extracted.text, "pasted", extracted)
    return SourceText(source, "pasted")


def parse_source(source: SourceText) -> ParsedArticle:
    try:
        return parse_article(source.text)
    except ParseError as error:
        raise forms.ValidationError(
            f"No article could be read from this text: {error}."
        ) from None


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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = cleaned.get("text") or ""
        upload = cleaned.get("file")
        if self.errors:
            return cleaned
        if upload and text.strip():
            raise forms.ValidationError("Paste text or upload a file, not both.")
        if not upload and not text.strip():
            raise forms.ValidationError("Paste the article text or choose a file.")
        source = read_upload(upload) if upload else read_pasted(text)
        parsed = parse_source(source)
        _refuse_duplicate(source.text)
        cleaned["source"] = source
        cleaned["parsed"] = parsed
        return cleaned


class ArticlePreviewForm(forms.Form):
    """Step 2: the parsed article with its metadata open to correction."""

    text = forms.CharField(widget=forms.HiddenInput, strip=False)
    source_name = forms.CharField(widget=forms.HiddenInput, max_length=200)
    title = forms.CharField(max_length=500)
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

    @classmethod
    def initial_for(cls, source: SourceText, parsed: ParsedArticle) -> dict[str, Any]:
        """Start from the parser's reading; page metadata fills what it missed."""
        meta = source.metadata or ExtractedText(text="")
        title = parsed.title
        if parsed.title_derived and meta.title:
            title = meta.title
        authors = [author.name for author in parsed.authors] or list(meta.authors)
        date = parsed.date or meta.date
        year = parsed.year if parsed.date or not meta.date else meta.date.year
        return {
            "text": source.text,
            "source_name": source.name,
            "title": title,
            "authors": "\n".join(authors),
            "date": date,
            "year": year,
            "publication": parsed.publication,
        }

    def clean_source_name(self) -> str:
        name = self.cleaned_data["source_name"]
        if name != "pasted":
            check_upload_name(name)
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        source = read_pasted(cleaned["text"])
        cleaned["parsed"] = parse_source(source)
        _refuse_duplicate(source.text)
        date: datetime.date | None = cleaned.get("date")
        year = cleaned.get("year")
        if date and year and date.year != year:
            self.add_error("year", "The year does not match the date.")
        return cleaned

    def author_names(self) -> list[str]:
        lines = (self.cleaned_data.get("authors") or "").splitlines()
        return [" ".join(line.split()) for line in lines if line.strip()]

    def corrections(self) -> dict[str, Any]:
        """The fields the editor set differently from what the parser read."""
        parsed: ParsedArticle = self.cleaned_data["parsed"]
        values: dict[str, Any] = {
            "title": self.cleaned_data["title"].strip(),
            "authors": self.author_names(),
            "date": self.cleaned_data.get("date"),
            "year": self.cleaned_data.get("year"),
            "publication": self.cleaned_data.get("publication", "").strip(),
        }
        original: dict[str, Any] = {
            "title": parsed.title,
            "authors": [author.name for author in parsed.authors],
            "date": parsed.date,
            "year": parsed.year,
            "publication": parsed.publication,
        }
        return {
            name: value for name, value in values.items() if value != original[name]
        }


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
        self.fields["tag_value"].choices = [("", "---------"), *choices]


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "dek", "section", "publication", "date", "year"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
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
                self.fields["status"].choices = TagStatus.choices

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
        cleaned = super().clean()
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
