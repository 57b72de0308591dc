"""Exports of a collection: a briefing (Markdown, DOCX) and BibTeX, RIS, CSV, JSON.

Citations come from ``search.citations`` through each item's snapshot, so an export
cites what was collected even after the paragraph changed or went. BibTeX keys are the
ones stored on the items, so they never change between exports.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from search.citations import (
    MONTHS,
    CitedWork,
    bibtex_entry,
    chicago_note,
    one_line,
    ris_records,
    split_name,
)
from search.collections import ItemView, collection_items, snapshot_work
from search.export import _csv_cell
from search.models import Collection

STATE_NOTES = {
    "changed": "This paragraph has been edited since it was collected; "
    "the collected text is quoted.",
    "removed": "This paragraph has since been removed from the library; "
    "the collected text is quoted.",
}
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@dataclass(frozen=True)
class BriefingFormat:
    key: str
    label: str
    content_type: str


FORMATS: Mapping[str, BriefingFormat] = {
    "md": BriefingFormat("md", "Briefing (Markdown)", "text/markdown; charset=utf-8"),
    "docx": BriefingFormat(
        "docx",
        "Briefing (Word)",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "bib": BriefingFormat("bib", "BibTeX", "application/x-bibtex; charset=utf-8"),
    "ris": BriefingFormat(
        "ris", "RIS", "application/x-research-info-systems; charset=utf-8"
    ),
    "csv": BriefingFormat("csv", "CSV", "text/csv; charset=utf-8"),
    "json": BriefingFormat("json", "JSON", "application/json"),
}


@dataclass(frozen=True)
class BriefingEntry:
    number: int
    view: ItemView
    work: CitedWork
    footnote: str


def _footnote(work: CitedWork, *, paragraph: int | None, permalink: str) -> str:
    """The Chicago note of the original, then Refdesk's own link to the paragraph,
    offered apart from the source as on the cite page."""
    note = chicago_note(work, paragraph=paragraph)
    return f"{note} Refdesk link: {permalink}."


def _entries(items: Sequence[ItemView], *, base_url: str) -> list[BriefingEntry]:
    entries = []
    for number, view in enumerate(items, start=1):
        work = _work(view, base_url=base_url)
        entries.append(
            BriefingEntry(
                number=number,
                view=view,
                work=work,
                footnote=_footnote(
                    work,
                    paragraph=view.snapshot.get("position"),
                    permalink=base_url
                    + reverse("search:paragraph", args=[view.paragraph_id]),
                ),
            )
        )
    return entries


def _work(view: ItemView, *, base_url: str) -> CitedWork:
    return snapshot_work(
        view.snapshot,
        base_url=base_url,
        accessed=timezone.localdate(view.item.added_at),
    )


def chicago_bibliography(work: CitedWork) -> str:
    """A Chicago bibliography entry, e.g.

    Ramani, Samuel. “Has Iran Finally Found a Security Partner?” The Diplomat,
    May 7, 2016. Accessed December 1, 2026. https://thediplomat.com/x.

    Like the notes, it gives the original's address, never Refdesk's.
    """
    names = [one_line(name) for name in work.authors if one_line(name)]
    parts = []
    if names:
        family, given = split_name(names[0])
        first = f"{family}, {given}" if given else family
        rest = names[1:]
        if not rest:
            parts.append(first.rstrip(".") + ".")
        else:
            joined = ", ".join([first, *rest[:-1]])
            parts.append(f"{joined}, and {rest[-1]}.")
    title = one_line(work.title).rstrip(".")
    parts.append(f"“{title}”" if title.endswith(("?", "!")) else f"“{title}.”")
    tail = [one_line(work.publication)] if one_line(work.publication) else []
    if work.date is not None and not work.date_estimated:
        tail.append(f"{MONTHS[work.date.month - 1]} {work.date.day}, {work.date.year}")
    elif work.year is not None:
        tail.append(str(work.year) if not work.date_estimated else f"[{work.year}?]")
    else:
        tail.append("n.d.")
    parts.append(", ".join(tail) + ".")
    source = one_line(work.source_url)
    if source:
        if work.accessed is not None:
            day = work.accessed
            parts.append(f"Accessed {MONTHS[day.month - 1]} {day.day}, {day.year}.")
        parts.append(source + ".")
    return " ".join(parts)


def _bibliography(entries: Sequence[BriefingEntry]) -> list[str]:
    seen: dict[int, CitedWork] = {}
    for entry in entries:
        seen.setdefault(entry.work.article_id, entry.work)
    return sorted(
        (chicago_bibliography(work) for work in seen.values()), key=str.casefold
    )


def _unique_keys(items: Sequence[ItemView]) -> dict[str, ItemView]:
    found: dict[str, ItemView] = {}
    for view in items:
        found.setdefault(view.item.citation_key, view)
    return found


# ---------------------------------------------------------------- renderers


def render_markdown(collection: Collection, *, base_url: str) -> str:
    entries = _entries(collection_items(collection), base_url=base_url)
    lines = [
        f"# {one_line(collection.name)}",
        "",
        f"Briefing of {len(entries)} paragraph{'s' if len(entries) != 1 else ''}, "
        f"exported {timezone.now():%d %B %Y}.",
        "",
    ]
    for entry in entries:
        snapshot = entry.view.snapshot
        lines += [f"## {entry.number}. {one_line(snapshot.get('title', ''))}", ""]
        if snapshot.get("before"):
            lines += [f"*Before:* {one_line(snapshot['before'])}", ""]
        lines += [f"> {one_line(snapshot.get('text', ''))}[^{entry.number}]", ""]
        if snapshot.get("after"):
            lines += [f"*After:* {one_line(snapshot['after'])}", ""]
        if entry.view.state in STATE_NOTES:
            lines += [f"*{STATE_NOTES[entry.view.state]}*", ""]
        if entry.view.item.note.strip():
            lines += [entry.view.item.note.strip(), ""]
    lines += ["## Bibliography", ""]
    lines += [f"- {line}" for line in _bibliography(entries)]
    lines.append("")
    lines += [f"[^{entry.number}]: {entry.footnote}" for entry in entries]
    return "\n".join(lines) + "\n"


def render_docx(collection: Collection, *, base_url: str) -> bytes:
    entries = _entries(collection_items(collection), base_url=base_url)
    document = Document()
    document.add_heading(one_line(collection.name), level=0)
    document.add_paragraph(
        f"Briefing of {len(entries)} paragraph{'s' if len(entries) != 1 else ''}, "
        f"exported {timezone.now():%d %B %Y}."
    )
    footnotes = _FootnotesXml()
    for entry in entries:
        snapshot = entry.view.snapshot
        document.add_heading(
            f"{entry.number}. {one_line(snapshot.get('title', ''))}", level=2
        )
        quote = document.add_paragraph(style="Quote")
        quote.add_run(one_line(snapshot.get("text", "")))
        quote._p.append(footnotes.reference_run(footnotes.add(entry.footnote)))
        if entry.view.state in STATE_NOTES:
            document.add_paragraph().add_run(
                STATE_NOTES[entry.view.state]
            ).italic = True
        for block in entry.view.item.note.strip().split("\n\n"):
            if block.strip():
                document.add_paragraph(" ".join(block.split()))
    document.add_heading("Bibliography", level=1)
    for line in _bibliography(entries):
        document.add_paragraph(line)
    footnotes.attach(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _FootnotesXml:
    """The footnotes part python-docx has no API for: ``word/footnotes.xml`` with
    Word's two separator notes, and ``w:footnoteReference`` runs pointing into it."""

    def __init__(self) -> None:
        self.root = etree.Element(qn("w:footnotes"), nsmap={"w": _W})
        for note_id, kind in ((-1, "separator"), (0, "continuationSeparator")):
            note = etree.SubElement(self.root, qn("w:footnote"))
            note.set(qn("w:type"), kind)
            note.set(qn("w:id"), str(note_id))
            run = etree.SubElement(etree.SubElement(note, qn("w:p")), qn("w:r"))
            etree.SubElement(run, qn(f"w:{kind}"))
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        note = etree.SubElement(self.root, qn("w:footnote"))
        note.set(qn("w:id"), str(self.count))
        paragraph = etree.SubElement(note, qn("w:p"))
        paragraph.append(self.reference_run(self.count, mark=True))
        run = etree.SubElement(paragraph, qn("w:r"))
        text_element = etree.SubElement(run, qn("w:t"))
        text_element.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        text_element.text = " " + text
        return self.count

    @staticmethod
    def reference_run(note_id: int, *, mark: bool = False) -> Any:
        run = etree.Element(qn("w:r"))
        properties = etree.SubElement(run, qn("w:rPr"))
        etree.SubElement(properties, qn("w:vertAlign")).set(qn("w:val"), "superscript")
        if mark:
            etree.SubElement(run, qn("w:footnoteRef"))
        else:
            etree.SubElement(run, qn("w:footnoteReference")).set(
                qn("w:id"), str(note_id)
            )
        return run

    def attach(self, document: Any) -> None:
        part = Part(
            PackURI("/word/footnotes.xml"),
            CONTENT_TYPE.WML_FOOTNOTES,
            etree.tostring(self.root, xml_declaration=True, encoding="UTF-8"),
            document.part.package,
        )
        document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def render_bibtex(collection: Collection, *, base_url: str) -> str:
    items = collection_items(collection)
    entries = [
        bibtex_entry(_work(view, base_url=base_url), key=key)
        for key, view in _unique_keys(items).items()
    ]
    return "\n\n".join(entries) + ("\n" if entries else "")


def render_ris(collection: Collection, *, base_url: str) -> str:
    items = collection_items(collection)
    return ris_records(
        _work(view, base_url=base_url) for view in _unique_keys(items).values()
    )


ROW_COLUMNS = (
    "position",
    "paragraph_id",
    "state",
    "citation_key",
    "title",
    "authors",
    "year",
    "publication",
    "source_url",
    "locator",
    "text",
    "current_text",
    "note",
    "url",
)


def _rows(collection: Collection, *, base_url: str) -> list[dict[str, Any]]:
    rows = []
    for number, view in enumerate(collection_items(collection), start=1):
        snapshot = view.snapshot
        rows.append(
            {
                "position": number,
                "paragraph_id": view.paragraph_id,
                "state": view.state,
                "citation_key": view.item.citation_key,
                "title": snapshot.get("title", ""),
                "authors": list(snapshot.get("authors") or []),
                "year": snapshot.get("year"),
                "publication": snapshot.get("publication", ""),
                "source_url": snapshot.get("source_url", ""),
                "locator": snapshot.get("locator", ""),
                "text": snapshot.get("text", ""),
                "current_text": view.current_text if view.state == "changed" else None,
                "note": view.item.note,
                "url": base_url + reverse("search:paragraph", args=[view.paragraph_id]),
            }
        )
    return rows


def render_csv(collection: Collection, *, base_url: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ROW_COLUMNS)
    for row in _rows(collection, base_url=base_url):
        writer.writerow(
            [
                _csv_cell(tuple(value) if isinstance(value, list) else value)
                for value in (row[column] for column in ROW_COLUMNS)
            ]
        )
    return buffer.getvalue()


def render_json(collection: Collection, *, base_url: str) -> str:
    payload = {
        "collection": collection.name,
        "items": _rows(collection, base_url=base_url),
    }
    return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"


RENDERERS: dict[str, Callable[..., str | bytes]] = {
    "md": render_markdown,
    "docx": render_docx,
    "bib": render_bibtex,
    "ris": render_ris,
    "csv": render_csv,
    "json": render_json,
}


def export_collection(
    collection: Collection, *, fmt: str, base_url: str
) -> tuple[str | bytes, BriefingFormat]:
    return RENDERERS[fmt](collection, base_url=base_url), FORMATS[fmt]
