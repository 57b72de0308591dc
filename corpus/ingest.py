"""Raw article files -> database rows.

Each file is read, checked and parsed, then saved in its own transaction, so a bad or
interrupted file never leaves half an article behind. Re-ingesting a file whose bytes
have not changed does nothing; a changed file updates its article but keeps whatever
an editor changed by hand (listed in ``Article.edited_fields``). Old and new paragraphs
are aligned, so an unchanged or edited paragraph keeps its row, id and every manual or
rejected tag; tags lost with a removed paragraph are logged and reported.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import transaction
from django.db.models import F

from corpus.cleaning import shared_furniture
from corpus.extract import (
    ExtractError,
    explain,
    parse_document,
    read_document,
    sniff_format,
)
from corpus.models import (
    Article,
    ArticleAuthor,
    Author,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    Publication,
    TagChange,
    TagStatus,
)
from corpus.parsing import ParsedArticle, ParseError

if TYPE_CHECKING:
    from corpus.tagging import TaggingContext

logger = logging.getLogger(__name__)

# "read" is a dry run's: parsed, not saved.
Status = Literal["created", "updated", "unchanged", "read", "skipped"]

ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".markdown", ".html", ".htm")
# Paragraph positions are moved out of the way during an update so that the unique
# (article, position) constraint never sees two rows at once with the same position.
_POSITION_OFFSET = 1_000_000
# How alike (0-1, by words) an old and a new paragraph must be to count as one
# paragraph edited rather than one removed and another added.
EDIT_SIMILARITY = 0.5
# Changed stretches with more old x new pairs than this were rewritten wholesale;
# comparing every pair would cost more than it could save.
_MAX_PAIRS = 40_000
_WORD = re.compile(r"\w+")
# Control characters other than line breaks, tabs and form feeds.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


# Leading bytes of formats that are never article text. Archives are refused
# unopened, so a zip bomb is never expanded.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
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


class IngestError(ValueError):
    """A file that cannot become an article; the message is shown to the user."""


@dataclass(frozen=True)
class FileResult:
    name: str
    status: Status
    reason: str = ""
    article_id: int | None = None
    # Something an editor should know about a file that did go in.
    warning: str = ""

    @property
    def line(self) -> str:
        detail = f": {self.reason}" if self.reason else ""
        warning = f" ({self.warning})" if self.warning else ""
        return f"{self.name}: {self.status}{detail}{warning}"


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
        statuses: tuple[Status, ...] = ("created", "updated", "unchanged", "skipped")
        if self.count("read"):
            statuses = ("read", "skipped")
        parts = [f"{self.count(status)} {status}" for status in statuses]
        return f"{len(self.results)} files: " + ", ".join(parts)


@dataclass(frozen=True)
class SavedArticle:
    article: Article
    created: bool
    changed_paragraph_ids: frozenset[int]
    # Paragraphs that held manual tags and are gone from the new text.
    removed_with_manual_tags: int = 0


def decode_article_bytes(data: bytes, *, max_bytes: int | None = None) -> str:
    """Turn uploaded or file bytes into text, or explain why they are not an article."""
    limit = settings.REFDESK_MAX_FILE_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise IngestError(f"larger than {limit // (1024 * 1024)} MB")
    if not data.strip():
        raise IngestError("empty file")
    for magic, label in BINARY_MAGIC:
        if data.startswith(magic):
            raise IngestError(f"{label}, not text")
    if b"\x00" in data[:8192]:
        raise IngestError("binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(
            f"not UTF-8 text (invalid byte at position {error.start})"
        ) from None
    control = len(_CONTROL_CHARS.findall(text, 0, 8192))
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
    """Directories expand to the files inside them, in name order.

    Hidden files (".DS_Store", ".gitkeep") are left out; files of other types stay in
    the list, so that ingest can report them as skipped.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    child
                    for child in path.iterdir()
                    if child.is_file() and not child.name.startswith(".")
                )
            )
        else:
            files.append(path)
    return files


def unsupported_type(path: Path) -> str:
    """Why a file found in a folder is not read as an article, or "" if it is."""
    suffix = path.suffix.lower()
    if suffix in ARTICLE_SUFFIXES:
        return ""
    return f"not a text file ({suffix or 'no extension'})"


def ingest_paths(
    paths: Sequence[Path],
    *,
    on_result: Callable[[FileResult], None] | None = None,
    update_index: bool = True,
    on_indexing: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest these files and folders; ``on_result`` hears of each file as it is done,
    ``on_indexing`` of how many paragraphs the index update then takes."""
    report = IngestReport()
    # A file named on its own is read whatever its name; one found in a folder must
    # look like an article file.
    named = {path for path in paths if not path.is_dir()}
    furniture = run_furniture(expand_paths(paths), named=named)
    # The gazetteer, topic rules and tag ids, read once for the whole run.
    tagging = _LazyTagging()
    # Articles are known by file name, so two files of one name in a run would
    # overwrite each other: the first wins and the second is reported.
    seen: dict[str, Path] = {}
    for path in expand_paths(paths):
        earlier = seen.setdefault(path.name, path)
        if earlier != path:
            result = FileResult(
                path.name,
                "skipped",
                reason=f"{earlier} has the same file name; rename one of them",
            )
            changed: frozenset[int] = frozenset()
        else:
            result, changed = _ingest_one(
                path, check_type=path not in named, furniture=furniture, tagging=tagging
            )
        report.results.append(result)
        report.changed_paragraph_ids.update(changed)
        if on_result is not None:
            on_result(result)
    if update_index and report.changed_paragraph_ids:
        from search.index import update_paragraphs

        if on_indexing is not None:
            on_indexing(len(report.changed_paragraph_ids))
        update_paragraphs(sorted(report.changed_paragraph_ids))
    return report


def dry_run(
    paths: Sequence[Path],
    *,
    on_result: Callable[[FileResult], None] | None = None,
    on_explain: Callable[[str], None] | None = None,
) -> IngestReport:
    """Read and parse the files as ``ingest_paths`` would, and save nothing.

    ``on_explain`` receives, for each file, every block with its decision and
    reason, then the metadata read.
    """
    report = IngestReport()
    named = {path for path in paths if not path.is_dir()}
    furniture = run_furniture(expand_paths(paths), named=named)
    for path in expand_paths(paths):
        if on_explain is not None:
            on_explain(f"== {path.name}")
        reason = unsupported_type(path) if path not in named else ""
        document = parsed = None
        if not reason:
            try:
                text = decode_article_bytes(read_article_file(path))
                document = read_document(text, name=path.name, furniture=furniture)
                parsed = parse_document(document)
            except (IngestError, ParseError, ExtractError) as error:
                reason = str(error)
            except OSError as error:
                reason = error.strerror or str(error)
        if parsed is not None:
            count = len(parsed.paragraphs)
            plural = "" if count == 1 else "s"
            result = FileResult(
                path.name, "read", reason=f"“{parsed.title}”, {count} paragraph{plural}"
            )
        else:
            result = FileResult(path.name, "skipped", reason=reason)
        if on_explain is not None and document is not None:
            for line in explain(document, parsed):
                on_explain(line)
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    return report


def ingest_file(path: Path) -> FileResult:
    return ingest_paths([path]).results[0]


def run_furniture(files: Sequence[Path], *, named: set[Path]) -> frozenset[str]:
    """The short lines several text files of this run share: their sites' menus."""
    texts = []
    for path in files:
        if path not in named and unsupported_type(path):
            continue
        try:
            text = decode_article_bytes(read_article_file(path))
        except (IngestError, OSError):
            continue
        if sniff_format(text, name=path.name) == "text":
            texts.append(text)
    return shared_furniture(texts) if len(texts) > 1 else frozenset()


class _LazyTagging:
    """The tagging context of one run, loaded when the first file is saved."""

    def __init__(self) -> None:
        self._context: TaggingContext | None = None

    def get(self) -> TaggingContext:
        if self._context is None:
            from corpus.tagging import load_tagging_context

            self._context = load_tagging_context()
        return self._context


def _ingest_one(
    path: Path,
    *,
    check_type: bool,
    furniture: frozenset[str] = frozenset(),
    tagging: _LazyTagging | None = None,
) -> tuple[FileResult, frozenset[int]]:
    name = path.name
    unsupported = unsupported_type(path) if check_type else ""
    if unsupported:
        return FileResult(name, "skipped", reason=unsupported), frozenset()
    try:
        data = read_article_file(path)
        digest = content_hash(data)
        existing = Article.objects.filter(source_file=name).first()
        if existing is not None and existing.content_hash == digest:
            return FileResult(name, "unchanged", article_id=existing.pk), frozenset()
        if existing is None:
            twin = Article.objects.filter(content_hash=digest).first()
            if twin is not None:
                return FileResult(
                    name,
                    "skipped",
                    reason=f"same text as {twin.source_file or 'article'} "
                    f"(“{twin.title}”)",
                    article_id=twin.pk,
                ), frozenset()
        text = decode_article_bytes(data)
        parsed = parse_document(read_document(text, name=name, furniture=furniture))
    except (IngestError, ParseError, ExtractError) as error:
        return FileResult(name, "skipped", reason=str(error)), frozenset()
    except OSError as error:
        return FileResult(
            name, "skipped", reason=error.strerror or str(error)
        ), frozenset()
    saved = save_parsed_article(
        parsed,
        source_file=name,
        content_hash=digest,
        tagging=tagging.get() if tagging is not None else None,
    )
    status: Status = "created" if saved.created else "updated"
    warning = ""
    if saved.removed_with_manual_tags:
        count = saved.removed_with_manual_tags
        warning = (
            f"{count} paragraph{'' if count == 1 else 's'} with manual tags removed"
        )
        logger.warning("%s: %s; see the tag change log", name, warning)
    return FileResult(
        name, status, article_id=saved.article.pk, warning=warning
    ), saved.changed_paragraph_ids


def save_parsed_article(
    parsed: ParsedArticle,
    *,
    source_file: str | None,
    content_hash: str = "",
    source_url: str = "",
    user: Any = None,
    note: str = "ingest",
    tagging: TaggingContext | None = None,
) -> SavedArticle:
    """Create or update the article for ``source_file`` in one transaction.

    Tag changes this makes are logged as TagChange rows with ``user`` (None for a
    command) and ``note``. ``tagging`` is read from the database when None.
    """
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
        changed, removed, lost = _sync_paragraphs(article, parsed, user=user, note=note)
        from corpus.tagging import auto_tag

        # A first ingest by a command is the baseline, not a change: its tags carry
        # their own provenance, and logging them would double a large import.
        auto_tag(
            changed,
            audit=not created or user is not None,
            user=user,
            note=note,
            context=tagging,
        )
    return SavedArticle(article, created, frozenset(changed | removed), lost)


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
    if "source_url" not in kept:
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


def align_paragraphs(old: Sequence[str], new: Sequence[str]) -> dict[int, int]:
    """Pair each new paragraph with the old one it continues: ``{new: old}`` indexes.

    Unchanged paragraphs are matched in order first. Inside each stretch that changed,
    old and new paragraphs are then paired, most alike first, when their words are at
    least ``EDIT_SIMILARITY`` alike: those are edits. New paragraphs left unpaired are
    new; old ones left unpaired were removed.
    """
    pairs: dict[int, int] = {}
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(old_end - old_start):
                pairs[new_start + offset] = old_start + offset
        elif tag == "replace":
            pairs.update(
                _pair_edits(
                    old, range(old_start, old_end), new, range(new_start, new_end)
                )
            )
    return pairs


def _pair_edits(
    old: Sequence[str], old_range: range, new: Sequence[str], new_range: range
) -> dict[int, int]:
    if len(old_range) * len(new_range) > _MAX_PAIRS:
        return {}
    old_words = {i: _WORD.findall(old[i].casefold()) for i in old_range}
    new_words = {j: _WORD.findall(new[j].casefold()) for j in new_range}
    scored: list[tuple[float, int, int, int]] = []
    for j in new_range:
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(new_words[j])
        for i in old_range:
            matcher.set_seq1(old_words[i])
            if matcher.quick_ratio() < EDIT_SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= EDIT_SIMILARITY:
                # Ties go to the pair nearest the same place in the stretch.
                drift = abs((i - old_range.start) - (j - new_range.start))
                scored.append((-ratio, drift, i, j))
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, i, j in sorted(scored):
        if j not in pairs and i not in taken:
            pairs[j] = i
            taken.add(i)
    return pairs


def _sync_paragraphs(
    article: Article, parsed: ParsedArticle, *, user: Any, note: str
) -> tuple[set[int], set[int], int]:
    """Reuse the rows of unchanged and edited paragraphs, so their tags stay with them.

    Returns the ids of the article's paragraphs now (all may have moved or changed),
    the ids of paragraphs that were deleted, and how many of those had manual tags.
    """
    existing = list(article.paragraphs.order_by("position"))
    matches = align_paragraphs(
        [paragraph.text for paragraph in existing],
        [item.text for item in parsed.paragraphs],
    )
    if existing:
        article.paragraphs.update(position=F("position") + _POSITION_OFFSET)

    kept: list[Paragraph] = []
    added: list[Paragraph] = []
    for index, item in enumerate(parsed.paragraphs):
        old = matches.get(index)
        paragraph = existing[old] if old is not None else Paragraph(article=article)
        paragraph.position = index + 1
        paragraph.text = item.text
        paragraph.heading = item.heading[:500]
        (added if old is None else kept).append(paragraph)
    Paragraph.objects.bulk_update(kept, ["position", "text", "heading"], batch_size=500)
    Paragraph.objects.bulk_create(added, batch_size=500)

    used = set(matches.values())
    removed = {p.pk for index, p in enumerate(existing) if index not in used}
    lost = _log_removed_tags(removed, user=user, note=f"{note}: paragraph removed")
    Paragraph.objects.filter(pk__in=removed).delete()
    changed = set(article.paragraphs.values_list("pk", flat=True))
    return changed, removed, lost


def _log_removed_tags(paragraph_ids: set[int], *, user: Any, note: str) -> int:
    """Log every tag that goes with these paragraphs; returns how many had manual."""
    if not paragraph_ids:
        return 0
    rows = [
        ("country", *row)
        for row in ParagraphCountry.objects.filter(
            paragraph_id__in=paragraph_ids
        ).values_list("paragraph_id", "country__code", "status")
    ] + [
        ("topic", *row)
        for row in ParagraphTopic.objects.filter(
            paragraph_id__in=paragraph_ids
        ).values_list("paragraph_id", "topic__slug", "status")
    ]
    TagChange.objects.bulk_create(
        [
            TagChange(
                user=user,
                paragraph_id=paragraph_id,
                kind=kind,
                value=value,
                before=status,
                after="",
                note=note[:300],
            )
            for kind, paragraph_id, value, status in rows
        ],
        batch_size=500,
    )
    return len({row[1] for row in rows if row[3] == TagStatus.MANUAL})
