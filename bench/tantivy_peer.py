"""The tantivy peer (PyPI `tantivy`): the same corpus and the same page of results.

Facets are counted disjunctively with tantivy's own terms aggregation on fast
fields: one aggregation per facet, under every filter but that facet's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import tantivy

from bench.documents import BenchDocument
from bench.engines import TOP_K, Outcome, plain_snippet
from bench.queries import FACETS, BenchRequest

_TEXT_FIELDS = ["text", "heading", "title"]
_BOOSTS = {"title": 2.0}


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("article_id", stored=True)
    builder.add_integer_field("position", stored=True)
    builder.add_text_field("text", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("heading", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_integer_field("year", stored=True, indexed=True, fast=True)
    for facet in ("country", "author", "topic"):
        builder.add_text_field(facet, stored=True, fast=True, tokenizer_name="raw")
    return builder.build()


def build(documents: Iterable[BenchDocument], *, path: Path) -> int:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(_schema(), path=str(path))
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    count = 0
    for d in documents:
        writer.add_document(
            tantivy.Document(
                id=d.id,
                article_id=d.article_id,
                position=d.position,
                text=d.text,
                heading=d.heading,
                title=d.title,
                year=d.year,
                country=list(d.countries),
                author=list(d.authors),
                topic=list(d.topics),
            )
        )
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


class TantivyEngine:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        self._index = tantivy.Index.open(str(path))
        self._schema = self._index.schema
        self._searcher = self._index.searcher()

    def close(self) -> None:
        self._searcher = None  # type: ignore[assignment]

    def _text_query(self, request: BenchRequest) -> tantivy.Query:
        clauses = []
        for part in request.parts:
            if part.kind == "prefix":
                pattern = part.words[0] + ".*"
                query = tantivy.Query.boolean_query(
                    [
                        (
                            tantivy.Occur.Should,
                            tantivy.Query.regex_query(self._schema, field, pattern),
                        )
                        for field in _TEXT_FIELDS
                    ]
                )
            else:
                words = " ".join(part.words)
                text = f'"{words}"' if part.kind == "phrase" else words
                query = self._index.parse_query(text, _TEXT_FIELDS, _BOOSTS)
            clauses.append((tantivy.Occur.Must, query))
        return tantivy.Query.boolean_query(clauses)

    def _filter(self, facet: str, values: tuple[str, ...]) -> tantivy.Query:
        typed: list[object] = (
            [int(value) for value in values] if facet == "year" else list(values)
        )
        return tantivy.Query.term_set_query(self._schema, facet, typed)

    def _combined(
        self,
        text_query: tantivy.Query | None,
        request: BenchRequest,
        *,
        skip: str | None = None,
    ) -> tantivy.Query:
        clauses = [
            (tantivy.Occur.Must, self._filter(facet, values))
            for facet, values in request.filters
            if facet != skip
        ]
        if text_query is not None:
            clauses.insert(0, (tantivy.Occur.Must, text_query))
        if not clauses:
            return tantivy.Query.all_query()
        return tantivy.Query.boolean_query(clauses)

    def search(self, request: BenchRequest) -> Outcome:
        searcher = self._searcher
        text_query = self._text_query(request) if request.parts else None
        query = self._combined(text_query, request)
        if text_query is not None:
            result = searcher.search(query, TOP_K, count=True)
        else:
            result = searcher.search(
                query,
                TOP_K,
                count=True,
                order_by_field="year",
                order=tantivy.Order.Desc,
            )
        facet_values = 0
        for facet in FACETS:
            aggregation = searcher.aggregate(
                self._combined(text_query, request, skip=facet),
                {"values": {"terms": {"field": facet, "size": 100_000}}},
            )
            facet_values += len(aggregation["values"]["buckets"])
        generator = (
            tantivy.SnippetGenerator.create(searcher, text_query, self._schema, "text")
            if text_query is not None
            else None
        )
        for _score, address in result.hits:
            document = searcher.doc(address)
            text = document.get_first("text") or ""
            snippet = (
                generator.snippet_from_doc(document).to_html() if generator else ""
            )
            if not snippet:
                snippet = plain_snippet(text)
        return Outcome(
            total=getattr(result, "count", 0) or 0,
            hits=len(result.hits),
            facet_values=facet_values,
        )
