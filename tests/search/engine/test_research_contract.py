"""The backend contract of the research tools: the complete 2-D count (no-value
row and column, articles per cell) and ``more_like`` with filters, the source
article left out, and its key terms. Runs once per backend, like contract.py."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from contract import backend, corpus_documents, query, source, values  # noqa: F401

from search.engine.base import NO_VALUE, IndexDocument, SearchBackend

FILLER = [f"zeta{name}" for name in "abcdefghijklmnopqrstuvwxyzab"[:28]]


def _extra(pid: int, article: int, text: str, *, year: int | None, countries=()):
    return IndexDocument(
        paragraph_id=pid,
        article_id=article,
        position=1,
        text=text,
        heading="",
        title=f"Extra {article}",
        authors=(),
        publication="",
        year=year,
        date=datetime.date(year, 1, 1) if year else None,
        countries=tuple(countries),
        topics=(),
    )


def test_count_with_missing_counts_every_cell_and_its_articles(
    backend: SearchBackend,  # noqa: F811
) -> None:
    backend.add_bulk([_extra(61, 6, "Opium in the steppe.", year=2016)])
    wanted = query("opium OR gas OR iran")
    grid = backend.count(wanted, rows="country", columns="year", missing=True)
    matched = set(backend.matching_ids(wanted))
    documents = [*corpus_documents(), _extra(61, 6, "", year=2016)]
    cells: Counter[tuple[str, str]] = Counter()
    articles: dict[tuple[str, str], set[int]] = {}
    for doc in documents:
        if doc.paragraph_id not in matched:
            continue
        column = str(doc.year) if doc.year else NO_VALUE
        for row in doc.countries or (NO_VALUE,):
            cells[(row, column)] += 1
            articles.setdefault((row, column), set()).add(doc.article_id)
    assert dict(grid.cells) == dict(cells)
    assert dict(grid.articles) == {key: len(found) for key, found in articles.items()}
    assert grid.matched == len(matched)
    assert grid.count(NO_VALUE, "2016") == 1
    assert grid.count("AF", NO_VALUE) == 1
    plain = backend.count(wanted, rows="country", columns="year")
    assert NO_VALUE not in {key for pair in plain.cells for key in pair}


def test_more_like_keeps_filters_and_can_leave_out_the_article(
    backend: SearchBackend,  # noqa: F811
) -> None:
    others = backend.more_like(12, limit=5, exclude_article=True)
    assert others and all(hit.article_id != 1 for hit in others)
    assert 51 in [hit.paragraph_id for hit in others]
    dated = backend.more_like(12, limit=5, query=query(year_from=2016, year_to=2016))
    assert dated and {hit.year for hit in dated} == {2016}


def test_more_like_terms_are_the_paragraphs_own_words(
    backend: SearchBackend,  # noqa: F811
) -> None:
    terms = backend.more_like_terms(12)
    assert terms and "opium" in terms
    assert backend.more_like_terms(999) is None


@pytest.mark.parametrize("shared", [14, 28])
def test_more_like_a_long_paragraph_finds_each_kin(
    backend: SearchBackend,  # noqa: F811
    shared: int,
) -> None:
    half = shared // 2
    backend.add_bulk(
        [
            _extra(71, 7, " ".join(FILLER[:shared]), year=2020),
            _extra(72, 8, " ".join(FILLER[:half]), year=2020),
            _extra(73, 9, " ".join(FILLER[half:shared]), year=2020),
        ]
    )
    found = [hit.paragraph_id for hit in backend.more_like(71, limit=5)]
    assert set(found[:2]) == {72, 73}


@pytest.mark.parametrize(
    ("rows", "columns"),
    [
        ("country", "topic"),  # both multi-valued
        ("year", "country"),  # the single-valued facet first
    ],
)
def test_count_any_two_facets_matches_brute_force(
    backend: SearchBackend,  # noqa: F811
    rows: str,
    columns: str,
) -> None:
    grid = backend.count(query(), rows=rows, columns=columns, missing=True)
    expected: Counter[tuple[str, str]] = Counter()
    for doc in corpus_documents():
        for row in values(doc, rows) or (NO_VALUE,):
            for column in values(doc, columns) or (NO_VALUE,):
                expected[(row, column)] += 1
    assert dict(grid.cells) == dict(expected)
