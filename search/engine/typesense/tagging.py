"""Tag updates of the Typesense backend: partial updates of the tag fields.

A document whose content hash, with the indexed tags put back, is the indexed
hash differs in its tags alone: an import with ``action=update`` sends only its
countries, topics and new hash, and Typesense keeps the rest (its analysed text
included). Any other document is written whole by ``add_bulk``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from typesense import exceptions as ts_errors

from search.engine.base import IndexDocument


class TypesenseBackend(Protocol):
    """What a tag update uses of the backend (see ``backend``)."""

    alias: str

    def _call(self, work: Any) -> Any: ...

    def _write(self, work: Any) -> Any: ...

    def _building(self) -> str | None: ...

    def _journal(self, build: str, entries: list[dict[str, Any]]) -> None: ...

    def _serving(self, *, create: bool) -> str | None: ...

    def add_bulk(self, documents: Iterable[IndexDocument]) -> int: ...


IMPORT_BATCH = 2_000
EXPORT_BATCH = 500
_INDEXED_FIELDS = "paragraph_id,content_hash,country,topic"


def _indexed(
    backend: TypesenseBackend, ids: list[int]
) -> dict[int, tuple[int, tuple[str, ...], tuple[str, ...]]]:
    """Paragraph id -> (content hash, countries, topics) as indexed now."""
    found: dict[int, tuple[int, tuple[str, ...], tuple[str, ...]]] = {}
    for start in range(0, len(ids), EXPORT_BATCH):
        chunk = ",".join(map(str, ids[start : start + EXPORT_BATCH]))
        try:
            exported = backend._call(
                lambda c, f=chunk: c.collections[backend.alias].documents.export(
                    {
                        "filter_by": f"paragraph_id:=[{f}]",
                        "include_fields": _INDEXED_FIELDS,
                    }
                )
            )
        except ts_errors.ObjectNotFound:
            return found
        for line in exported.splitlines():
            if line.strip():
                row = json.loads(line)
                found[int(row["paragraph_id"])] = (
                    int(row.get("content_hash") or 0),
                    tuple(row.get("country") or ()),
                    tuple(row.get("topic") or ()),
                )
    return found


def update_tags(backend: TypesenseBackend, documents: Iterable[IndexDocument]) -> int:
    """``SearchBackend.update_tags`` for Typesense; a rebuild in progress rereads
    the documents after its switch (its journal notes them)."""
    docs = {doc.paragraph_id: doc for doc in documents}
    if not docs:
        return 0
    indexed = _indexed(backend, sorted(docs))
    partial = [
        doc
        for pk, doc in docs.items()
        if pk in indexed and doc.hash_with_tags(*indexed[pk][1:]) == indexed[pk][0]
    ]
    chosen = {doc.paragraph_id for doc in partial}
    whole = [doc for pk, doc in docs.items() if pk not in chosen]
    build = backend._building() if partial else None
    # The collection itself, never the alias (see ``Writes._serving``).
    serving = backend._serving(create=False) if partial else None
    if serving is None:
        whole.extend(partial)
        partial = []
    if build is not None:
        backend._journal(
            build, [{"id": f"p{doc.paragraph_id}", "key": 0} for doc in partial]
        )
    for start in range(0, len(partial), IMPORT_BATCH):
        batch = partial[start : start + IMPORT_BATCH]
        payload = "\n".join(
            json.dumps(
                {
                    "id": str(doc.paragraph_id),
                    "country": list(doc.countries),
                    "topic": list(doc.topics),
                    "content_hash": doc.content_hash,
                },
                ensure_ascii=False,
            )
            for doc in batch
        )
        answer = backend._write(
            lambda c, p=payload, t=serving: c.collections[t].documents.import_(
                p, {"action": "update"}
            )
        )
        lines = answer.splitlines()
        for number, doc in enumerate(batch):
            if number >= len(lines) or '"success":true' not in lines[number]:
                # Deleted since the export: written whole below.
                whole.append(doc)
    if whole:
        backend.add_bulk(whole)
    return len(docs)
