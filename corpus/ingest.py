"""Raw article files -> database rows.

Each file is read, checked and parsed, then saved in its own transaction, so a bad or
interrupted file never leaves half an article behind. Re-ingesting a file whose bytes
have not changed does nothing; a changed file updates its article but keeps whatever
an editor changed by hand (listed in ``Article.edited_fields``) and every manual or
rejected tag on paragraphs whose text survived.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from corpus.models import Article, ArticleAuthor, Author, Paragraph, Publication
from corpus.parsing import ParsedArticle, ParseError, parse_article

logger = logging.getLogger(__name__)

Status = Literal["created", "updated", "unchanged", "skipped"]

ARTICLE_SUFFIXES = (".txt", ".md", ".text")
# Paragraph positions are moved out of the way during an update so that the unique
# (article, position) constraint never sees two rows at once with the same position.
_POSITION_OFFSET = 1_000_000


class IngestError(ValueError):
    """A file that cannot become an article; the message is shown to the user."""


@dataclass(frozen=True)
class FileResult:
    name: str
    status: Status
    reason: str = ""
    article_id: int | None = None

    @property
    def line(self) -> str:
        detail = f": {self.reason}" if self.reason else ""
        return f"{self.name}: {self.status}{detail}"


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    changed_paragraph_ids: set[int] = field(default_factory=set)

    def count(self, status: Status) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def failed(self) -> bool:
        return self.count("skipped") > 0

    @property
    def summary(self) -> str:
        parts = [
            f"{self.count(status)} {status}"
            for status in ("created", "updated", "unchanged", "skipped")
        ]
        return f"{len(self.results)} files: " + ", ".join(parts)


@dataclass(frozen=True)
class SavedArticle:
    article: Article
    created: bool
    changed_paragraph_ids: frozenset[int]


def decode_article_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """Turn uploaded or file bytes into text, or explain why they are not an article."""
    limit = settings.REFDESK_MAX_FILE_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise IngestError(f"larger than {limit // (1024 * 1024)} MB")
    if not data.strip():
        raise IngestError("empty file")
    if b"\x00" in data[:8192] or data[:4] in (b"PK\x03\x04", b"\x1f\x8b\x08\x00"):
        raise IngestError("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(
            f"not UTF-8 text (invalid byte at position {error.start})"
        ) from None
    control = sum(
        1 for char in text[:8192] if ord(char) < 32 and char not in "\n\r\t\f"
    )
    if control > 0.01 * min(len(text), 8192):
        raise IngestError("binary file, not text")
    return text


def read_article_file(path: Path) -> bytes:
    if not path.is_file():
        raise IngestError("not a file")
    size = path.stat().st_size
    if size > settings.REFDESK_MAX_FILE_BYTES:
        limit_mb = settings.REFDESK_MAX_FILE_BYTES // (1024 * 1024)
        raise IngestError(f"larger than {limit_mb} MB")
    return path.read_bytes()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Directories expand to the article files inside them, in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES
                )
            )
        else:
            files.append(path)
    return files


def ingest_paths(
    paths: Sequence[Path],
    *,
    on_result: Callable[[FileResult], None] | None = None,
    update_index: bool = True,
) -> IngestReport:
    report = IngestReport()
    for path in expand_paths(paths):
        result, changed = _ingest_one(path)
        report.results.append(result)
        report.changed_paragraph_ids.update(changed)
        if on_result is not None:
            on_result(result)
    if update_index and report.changed_paragraph_ids:
        from search.index import update_paragraphs

        update_paragraphs(sorted(report.changed_paragraph_ids))
    return report


def ingest_file(path: Path) -> FileResult:
    return ingest_paths([path]).results[0]


def _ingest_one(path: Path) -> tuple[FileResult, frozenset[int]]:
    name = path.name
    try:
        data = read_article_file(path)
        digest = content_hash(data)
        existing = Article.objects.filter(source_file=name).first()
        if existing is not None and existing.content_hash == digest:
            return FileResult(name, "unchanged", article_id=existing.pk), frozenset()
        text = decode_article_bytes(data)
        parsed = parse_article(text)
    except (IngestError, ParseError) as error:
        return FileResult(name, "skipped", reason=str(error)), frozenset()
    except OSError as error:
        return FileResult(
            name, "skipped", reason=error.strerror or str(error)
        ), frozenset()
    saved = save_parsed_article(parsed, source_file=name, content_hash=digest)
    status: Status = "created" if saved.created else "updated"
    return FileResult(
        name, status, article_id=saved.article.pk
    ), saved.changed_paragraph_ids


def save_parsed_article(
    parsed: ParsedArticle,
    *,
    source_file: str | None,
    content_hash: str = "",
    source_url: str = "",
) -> SavedArticle:
    """Create or update the article for ``source_file`` in one transaction."""
    with transaction.atomic():
        article = None
        if source_file:
            article = (
                Article.objects.select_for_update()
                .filter(source_file=source_file)
                .first()
            )
        created = article is None
        if article is None:
            article = Article(source_file=source_file)
        _apply_metadata(
            article, parsed, content_hash=content_hash, source_url=source_url
        )
        article.save()
        if created or "authors" not in article.edited_fields:
            _set_authors(article, parsed)
        changed, removed = _sync_paragraphs(article, parsed)
        from corpus.tagging import apply_auto_tags

        apply_auto_tags(article.paragraphs.values_list("pk", flat=True))
    return SavedArticle(article, created, frozenset(changed | removed))


def _apply_metadata(
    article: Article, parsed: ParsedArticle, *, content_hash: str, source_url: str
) -> None:
    kept = set(article.edited_fields)
    values: dict[str, object] = {
        "dek": parsed.dek,
        "section": parsed.section,
        "date": parsed.date,
        "year": parsed.year,
    }
    if "title" not in kept:
        article.title = parsed.title[:500]
        article.title_derived = parsed.title_derived
    for name, value in values.items():
        if name not in kept:
            setattr(article, name, value)
    if not kept & {"date", "year"}:
        article.date_estimated = parsed.date_estimated
    if "publication" not in kept:
        article.publication = (
            Publication.objects.get_or_create(name=parsed.publication)[0]
            if parsed.publication
            else None
        )
    article.references = list(parsed.references)
    article.source_url = source_url or parsed.source_url or article.source_url
    article.content_hash = content_hash


def _set_authors(article: Article, parsed: ParsedArticle) -> None:
    ArticleAuthor.objects.filter(article=article).delete()
    for position, parsed_author in enumerate(parsed.authors):
        author, _ = Author.objects.get_or_create(name=parsed_author.name[:200])
        if parsed_author.bio and not author.bio:
            author.bio = parsed_author.bio
            author.save(update_fields=["bio"])
        ArticleAuthor.objects.create(article=article, author=author, position=position)


def _sync_paragraphs(
    article: Article, parsed: ParsedArticle
) -> tuple[set[int], set[int]]:
    """Reuse paragraph rows whose text is unchanged, so their tags stay with them.

    Returns the ids of paragraphs whose indexed content may have changed and the ids of
    paragraphs that were deleted.
    """
    existing = list(article.paragraphs.order_by("position"))
    by_text: dict[str, list[Paragraph]] = {}
    for paragraph in existing:
        by_text.setdefault(paragraph.text, []).append(paragraph)
    if existing:
        article.paragraphs.update(position=F("position") + _POSITION_OFFSET)

    wanted = list(enumerate(parsed.paragraphs, start=1))
    kept: dict[int, Paragraph] = {}
    leftovers: list[tuple[int, str, str]] = []
    for position, item in wanted:
        matches = by_text.get(item.text)
        if matches:
            kept[position] = matches.pop(0)
        else:
            leftovers.append((position, item.text, item.heading))
    unused = [p for p in existing if p.pk not in {k.pk for k in kept.values()}]

    changed: set[int] = set()
    for position, item in wanted:
        paragraph = kept.get(position)
        if paragraph is not None:
            paragraph.position = position
            paragraph.heading = item.heading[:500]
            paragraph.save(update_fields=["position", "heading"])
            changed.add(paragraph.pk)
    # A changed paragraph keeps the row (and the editor's tags) of the old paragraph
    # that stood at the same place in the article.
    for position, text, heading in leftovers:
        paragraph = unused.pop(0) if unused else Paragraph(article=article)
        paragraph.position = position
        paragraph.text = text
        paragraph.heading = heading[:500]
        paragraph.save()
        changed.add(paragraph.pk)
    removed = {paragraph.pk for paragraph in unused}
    Paragraph.objects.filter(pk__in=removed).delete()
    return changed, removed
