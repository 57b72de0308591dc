"""The SQLite FTS5 peer: the same corpus, the same page of results, in plain SQL.

One search does what a Refdesk page does: collect the matches once (into a temporary
table), count them under every filter, count the four facets disjunctively (each
facet under every filter but its own) with GROUP BY over the tag tables, take the top
20 by bm25 with snippet(), and fetch each hit's tags.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from bench.documents import BenchDocument
from bench.engines import TOP_K, Outcome, plain_snippet
from bench.queries import FACETS, BenchRequest

_TAG_FACETS = ("country", "author", "topic")
# Title matches weigh double, as Refdesk boosts the title field.
_BM25 = "bm25(para_fts, 1.0, 1.0, 2.0)"

_SCHEMA = """
CREATE TABLE para (
    id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL, position INTEGER NOT NULL,
    year INTEGER NOT NULL, title TEXT NOT NULL, heading TEXT NOT NULL,
    text TEXT NOT NULL, authors TEXT NOT NULL
);
CREATE VIRTUAL TABLE para_fts USING fts5(
    text, heading, title, content='para', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE para_country (para_id INTEGER NOT NULL, value TEXT NOT NULL);
CREATE TABLE para_author (para_id INTEGER NOT NULL, value TEXT NOT NULL);
CREATE TABLE para_topic (para_id INTEGER NOT NULL, value TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX para_year ON para (year, id);
CREATE INDEX para_country_value ON para_country (value, para_id);
CREATE INDEX para_country_para ON para_country (para_id, value);
CREATE INDEX para_author_value ON para_author (value, para_id);
CREATE INDEX para_author_para ON para_author (para_id, value);
CREATE INDEX para_topic_value ON para_topic (value, para_id);
CREATE INDEX para_topic_para ON para_topic (para_id, value);
"""


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA temp_store=MEMORY")
    connection.execute("PRAGMA cache_size=-262144")
    connection.execute("PRAGMA mmap_size=4294967296")
    return connection


def build(documents: Iterable[BenchDocument], *, path: Path) -> int:
    path.unlink(missing_ok=True)
    connection = _connect(path)
    connection.executescript(_SCHEMA)
    count = 0
    batch: list[BenchDocument] = []

    def flush() -> None:
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO para VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    d.id,
                    d.article_id,
                    d.position,
                    d.year,
                    d.title,
                    d.heading,
                    d.text,
                    "\x1f".join(d.authors),
                )
                for d in batch
            ),
        )
        connection.executemany(
            "INSERT INTO para_fts (rowid, text, heading, title) VALUES (?, ?, ?, ?)",
            ((d.id, d.text, d.heading, d.title) for d in batch),
        )
        for facet, attribute in (
            ("country", "countries"),
            ("author", "authors"),
            ("topic", "topics"),
        ):
            connection.executemany(
                f"INSERT INTO para_{facet} VALUES (?, ?)",
                ((d.id, value) for d in batch for value in getattr(d, attribute)),
            )
        connection.execute("COMMIT")
        batch.clear()

    for document in documents:
        batch.append(document)
        count += 1
        if len(batch) >= 10_000:
            flush()
    if batch:
        flush()
    connection.executescript(_INDEXES)
    connection.execute("ANALYZE")
    connection.close()
    return count


def match_expression(request: BenchRequest) -> str:
    """The query in FTS5 syntax: quoted terms and phrases, implicit AND."""
    clauses = []
    for part in request.parts:
        words = " ".join(word.replace('"', "") for word in part.words)
        clauses.append(f'"{words}"*' if part.kind == "prefix" else f'"{words}"')
    return " ".join(clauses)


def _filter_sql(
    facet: str, values: tuple[str, ...], *, column: str
) -> tuple[str, list[object]]:
    marks = ", ".join("?" * len(values))
    if facet == "year":
        return (
            f"{column} IN (SELECT id FROM para WHERE year IN ({marks}))",
            [int(value) for value in values],
        )
    return (
        f"{column} IN (SELECT para_id FROM para_{facet} WHERE value IN ({marks}))",
        list(values),
    )


def _where(
    request: BenchRequest, *, column: str, skip: str | None = None
) -> tuple[str, list[object]]:
    clauses, params = [], []
    for facet, values in request.filters:
        if facet != skip:
            sql, values_params = _filter_sql(facet, values, column=column)
            clauses.append(sql)
            params.extend(values_params)
    return (" AND ".join(clauses) or "1"), params


class Fts5Engine:
    name = "fts5"

    def __init__(self, path: Path) -> None:
        self._connection = _connect(path)

    def close(self) -> None:
        self._connection.close()

    def search(self, request: BenchRequest) -> Outcome:
        db = self._connection
        if request.parts:
            expression = match_expression(request)
            db.execute("DROP TABLE IF EXISTS temp.matched")
            db.execute("CREATE TEMP TABLE matched (id INTEGER PRIMARY KEY)")
            db.execute(
                "INSERT INTO temp.matched SELECT rowid FROM para_fts "
                "WHERE para_fts MATCH ?",
                (expression,),
            )
            base = "temp.matched"
        else:
            base = "para"
        where, params = _where(request, column="m.id")
        total = db.execute(
            f"SELECT count(*) FROM {base} m WHERE {where}", params
        ).fetchone()[0]
        facet_values = sum(len(self._facet(request, facet, base)) for facet in FACETS)
        if request.parts:
            top_where, top_params = _where(request, column="+para_fts.rowid")
            rows = db.execute(
                "SELECT p.id, p.article_id, p.title, p.authors, p.year, p.position, "
                "p.heading, snippet(para_fts, 0, '<mark>', '</mark>', '…', 32), "
                f"{_BM25} AS score FROM para_fts JOIN para p ON p.id = para_fts.rowid "
                f"WHERE para_fts MATCH ? AND {top_where} ORDER BY score LIMIT {TOP_K}",
                [expression, *top_params],
            ).fetchall()
        else:
            rows = [
                (*row[:7], plain_snippet(row[7]), 0.0)
                for row in db.execute(
                    "SELECT m.id, m.article_id, m.title, m.authors, m.year, "
                    f"m.position, m.heading, m.text FROM para m WHERE {where} "
                    f"ORDER BY m.year DESC, m.id DESC LIMIT {TOP_K}",
                    params,
                )
            ]
        self._hit_tags([row[0] for row in rows])
        return Outcome(total=total, hits=len(rows), facet_values=facet_values)

    def _facet(self, request: BenchRequest, facet: str, base: str) -> list[tuple]:
        where, params = _where(request, column="m.id", skip=facet)
        if facet == "year":
            source = (
                "para m" if base == "para" else f"{base} m JOIN para p ON p.id = m.id"
            )
            year = "m.year" if base == "para" else "p.year"
            sql = f"SELECT {year}, count(*) FROM {source} WHERE {where} GROUP BY 1"
        else:
            sql = (
                f"SELECT t.value, count(*) FROM {base} m "
                f"JOIN para_{facet} t ON t.para_id = m.id WHERE {where} "
                "GROUP BY t.value ORDER BY 2 DESC"
            )
        return self._connection.execute(sql, params).fetchall()

    def _hit_tags(self, ids: list[int]) -> None:
        if not ids:
            return
        marks = ", ".join("?" * len(ids))
        for facet in ("country", "topic"):
            self._connection.execute(
                f"SELECT para_id, value FROM para_{facet} WHERE para_id IN ({marks})",
                ids,
            ).fetchall()
