"""Index writes of the Typesense backend: upserts and deletes that reach a rebuild
in progress too, and the alias-switch rebuild itself.

:class:`Writes` is a part of :class:`~search.engine.typesense.backend.TypesenseBackend`
(its ``_call``/``_write`` connection methods and alias names come from there).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterable
from typing import Any, TextIO

from typesense import exceptions as ts_errors

from search.engine.base import (
    BackendError,
    DocumentSource,
    IndexDocument,
    RebuildReport,
)
from search.engine.typesense.schema import collection_schema, to_document

logger = logging.getLogger(__name__)

IMPORT_BATCH = 2_000
JOURNAL_SUFFIX = "__journal"


class Writes:
    alias: str
    building_alias: str

    def _call(self, work: Any) -> Any:
        raise NotImplementedError

    def _write(self, work: Any) -> Any:
        raise NotImplementedError

    def _building(self) -> str | None:
        """The collection a rebuild is filling, if one is running."""
        try:
            found = self._call(lambda c: c.aliases[self.building_alias].retrieve())
        except ts_errors.ObjectNotFound:
            return None
        return str(found["collection_name"])

    def _journal(self, build: str, entries: list[dict[str, Any]]) -> None:
        """Note ids written while ``build`` fills, so the rebuild rereads them
        after its switch (its own chunks may have been read before the write)."""
        if entries:
            self._import(f"{build}{JOURNAL_SUFFIX}", entries)

    def _import(self, collection: str, documents: list[dict[str, Any]]) -> int:
        payload = "\n".join(json.dumps(d, ensure_ascii=False) for d in documents)
        try:
            answer = self._write(
                lambda c: c.collections[collection].documents.import_(
                    payload, {"action": "upsert"}
                )
            )
        except ts_errors.ObjectNotFound:
            # Dropped since it was looked up: a rebuild replaced it, and that
            # rebuild reads the change from the database or its journal.
            return 0
        failures = [
            line for line in answer.splitlines() if '"success":true' not in line
        ]
        if failures:
            raise BackendError(f"Typesense refused documents: {failures[0][:300]}")
        return len(documents)

    def _serving(self, *, create: bool) -> str | None:
        """The collection behind the alias (created empty when there is none and
        ``create``). Writes name this collection, never the alias: a Typesense
        0.24 node queues each write by the collection name in its URL and keeps
        the order only within one queue, so a node replaying its Raft log after a
        restart could apply an edit made through the alias before the rebuild's
        earlier import into the collection, and keep the old document."""
        try:
            found = self._write(lambda c: c.aliases[self.alias].retrieve())
        except ts_errors.ObjectNotFound:
            return self._ensure_alias() if create else None
        return str(found["collection_name"])

    def _ensure_alias(self) -> str:
        """A first write with no index yet creates an empty collection for it."""
        name = f"{self.alias}_{time.time_ns()}"
        self._write(lambda c: c.collections.create(collection_schema(name)))
        self._write(lambda c: c.aliases.upsert(self.alias, {"collection_name": name}))
        return name

    def add_bulk(
        self,
        documents: Iterable[IndexDocument],
        *,
        replace_articles: Iterable[int] = (),
    ) -> int:
        """Upserts, then removes the replaced articles' other paragraphs. Typesense
        has no multi-document transaction, so for a moment a reader may still see
        a paragraph that is being removed."""
        batch = [to_document(doc) for doc in documents]
        articles = sorted({int(pk) for pk in replace_articles})
        if not batch and not articles:
            return 0
        build = self._building()
        if build is not None:
            self._journal(
                build,
                [{"id": f"p{d['id']}", "key": 0} for d in batch]
                + [{"id": f"a{pk}", "key": pk} for pk in articles],
            )
        kept = {int(d["paragraph_id"]) for d in batch}
        serving = self._serving(create=bool(batch))
        for target in dict.fromkeys(t for t in (serving, build) if t):
            for start in range(0, len(batch), IMPORT_BATCH):
                self._import(target, batch[start : start + IMPORT_BATCH])
            if articles:
                stale = [
                    pk
                    for pk in self._article_paragraphs(target, articles)
                    if pk not in kept
                ]
                self._delete_from(target, paragraphs=stale, articles=[])
        return len(batch)

    def _article_paragraphs(self, collection: str, articles: list[int]) -> list[int]:
        found: list[int] = []
        for start in range(0, len(articles), 500):
            chunk = ",".join(map(str, articles[start : start + 500]))
            try:
                exported = self._call(
                    lambda c, f=chunk: c.collections[collection].documents.export(
                        {"filter_by": f"article_id:=[{f}]", "include_fields": "id"}
                    )
                )
            except ts_errors.ObjectNotFound:
                return found
            found.extend(
                int(json.loads(line)["id"]) for line in exported.splitlines() if line
            )
        return found

    def delete(
        self, *, paragraph_ids: Iterable[int] = (), article_ids: Iterable[int] = ()
    ) -> None:
        paragraphs = sorted({int(pk) for pk in paragraph_ids})
        articles = sorted({int(pk) for pk in article_ids})
        build = self._building()
        if build is not None:
            self._journal(
                build,
                [{"id": f"p{pk}", "key": 0} for pk in paragraphs]
                + [{"id": f"a{pk}", "key": pk} for pk in articles],
            )
        serving = self._serving(create=False)
        for target in dict.fromkeys(t for t in (serving, build) if t):
            self._delete_from(target, paragraphs=paragraphs, articles=articles)

    def _delete_from(
        self, collection: str, *, paragraphs: list[int], articles: list[int]
    ) -> None:
        filters = []
        for start in range(0, len(paragraphs), 500):
            chunk = paragraphs[start : start + 500]
            filters.append(f"paragraph_id:=[{','.join(map(str, chunk))}]")
        for start in range(0, len(articles), 500):
            chunk = articles[start : start + 500]
            filters.append(f"article_id:=[{','.join(map(str, chunk))}]")
        for filter_by in filters:
            try:
                self._write(
                    lambda c, f=filter_by: c.collections[collection].documents.delete(
                        {"filter_by": f}
                    )
                )
            except ts_errors.ObjectNotFound:
                return

    def rebuild(
        self,
        source: DocumentSource,
        *,
        procs: int = 1,
        progress: bool = False,
        stream: TextIO | None = None,
    ) -> RebuildReport:
        started = time.monotonic()
        name = f"{self.alias}_{time.time_ns()}"
        journal = f"{name}{JOURNAL_SUFFIX}"
        self._write(lambda c: c.collections.create(collection_schema(name)))
        self._write(
            lambda c: c.collections.create(
                {"name": journal, "fields": [{"name": "key", "type": "int64"}]}
            )
        )
        try:
            self._write(
                lambda c: c.aliases.upsert(
                    self.building_alias, {"collection_name": name}
                )
            )
            count = 0
            for chunk in source.chunks(None):
                documents = [to_document(doc) for doc in chunk]
                for start in range(0, len(documents), IMPORT_BATCH):
                    count += self._import(name, documents[start : start + IMPORT_BATCH])
                if progress and stream is not None:
                    stream.write(f"\r{count:,} paragraphs indexed")
                    stream.flush()
            if progress and stream is not None:
                stream.write("\n")
            self._write(
                lambda c: c.aliases.upsert(self.alias, {"collection_name": name})
            )
            self._drop_building(name)
            self._replay(name, source)
        except BaseException:
            self._drop_building(name)
            for doomed in (name, journal):
                try:
                    self._call(lambda c, d=doomed: c.collections[d].delete())
                except (BackendError, ts_errors.ObjectNotFound):
                    logger.warning(
                        "could not drop the unfinished collection %s", doomed
                    )
            raise
        self._drop_old_collections(keep=name)
        return RebuildReport(
            documents=count, seconds=time.monotonic() - started, directory=name
        )

    def _replay(self, name: str, source: DocumentSource) -> None:
        """Reread from the database what was written during the build: deleted
        articles first, then every paragraph touched (upserted, or deleted when
        it is gone)."""
        journal = f"{name}{JOURNAL_SUFFIX}"
        exported = self._call(lambda c: c.collections[journal].documents.export())
        entries = [json.loads(line) for line in exported.splitlines() if line.strip()]
        articles = sorted(int(e["key"]) for e in entries if e["id"].startswith("a"))
        paragraphs = sorted(
            int(e["id"][1:]) for e in entries if e["id"].startswith("p")
        )
        if articles:
            self.delete(article_ids=articles)
        if paragraphs:
            documents = source.documents(paragraphs)
            self.add_bulk(documents)
            current = {doc.paragraph_id for doc in documents}
            gone = [pk for pk in paragraphs if pk not in current]
            if gone:
                self.delete(paragraph_ids=gone)
        self._call(lambda c: c.collections[journal].delete())

    def _drop_building(self, name: str) -> None:
        try:
            current = self._call(lambda c: c.aliases[self.building_alias].retrieve())
            if current.get("collection_name") == name:
                self._call(lambda c: c.aliases[self.building_alias].delete())
        except ts_errors.ObjectNotFound:
            pass

    def _drop_old_collections(self, *, keep: str) -> None:
        collections = self._call(lambda c: c.collections.retrieve())
        aliases = self._call(lambda c: c.aliases.retrieve()).get("aliases", [])
        in_use = {a["collection_name"] for a in aliases}
        prefix = f"{self.alias}_"
        for entry in collections:
            name = entry["name"]
            suffix = name[len(prefix) :].removesuffix(JOURNAL_SUFFIX)
            if name.startswith(prefix) and suffix.isdigit() and name != keep:
                if name.removesuffix(JOURNAL_SUFFIX) in in_use:
                    continue
                try:
                    self._call(lambda c, n=name: c.collections[n].delete())
                except ts_errors.ObjectNotFound:
                    continue

    def drop_everything(self) -> None:
        """Remove the alias, the building alias and every collection behind them."""
        for alias in (self.alias, self.building_alias):
            with contextlib.suppress(ts_errors.ObjectNotFound):
                self._call(lambda c, a=alias: c.aliases[a].delete())
        self._drop_old_collections(keep="")
