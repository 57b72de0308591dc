"""Tag updates on the session's real Typesense cluster go as partial updates of
the tag fields: nothing else of the document is sent again. That every backend
shows the new tags is checked by the contract suite."""

from __future__ import annotations

import dataclasses
import json

from contract import ListSource, corpus_documents

from search.engine.base import EngineQuery
from search.engine.typesense.backend import backend_for_settings


def _indexed(backend, pk: int) -> dict:
    exported = (
        backend.client()
        .collections[backend.alias]
        .documents.export({"filter_by": f"paragraph_id:=[{pk}]"})
    )
    return json.loads(exported.splitlines()[0])


def test_typesense_tag_updates_send_the_tags_alone(
    typesense_settings, monkeypatch
) -> None:
    backend = backend_for_settings()
    source = ListSource(corpus_documents())
    backend.rebuild(source)
    whole: list[int] = []
    real_add_bulk = backend.add_bulk

    def recording_add_bulk(documents, **kwargs):
        documents = list(documents)
        whole.extend(doc.paragraph_id for doc in documents)
        return real_add_bulk(documents, **kwargs)

    monkeypatch.setattr(backend, "add_bulk", recording_add_bulk)
    before = _indexed(backend, 32)
    retagged = dataclasses.replace(source.documents_by_id[32], topics=("energy",))
    edited = dataclasses.replace(source.documents_by_id[41], text="A new text.")
    assert backend.update_tags([retagged, edited]) == 2
    # The text edit is written whole; the tag change is not.
    assert whole == [41]
    after = _indexed(backend, 32)
    assert after["topic"] == ["energy"]
    assert after["content_hash"] == retagged.content_hash
    assert {k: v for k, v in after.items() if k not in ("topic", "content_hash")} == {
        k: v for k, v in before.items() if k not in ("topic", "content_hash")
    }
    energy = EngineQuery(filters=(("topic", ("energy",)),), limit=20)
    assert {hit.paragraph_id for hit in backend.search(energy).hits} == {22, 31, 32}
