"""The coverage map: matches counted by country and year, every cell a link.

Rows are the countries the matches carry (by name) plus "no country"; columns are
every year from the first to the last (so empty years show as 0) plus "no year".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from search.engine.base import NO_VALUE
from search.pages import search_url_for
from search.query import SearchRequest, backend_query


@dataclass(frozen=True)
class Cell:
    paragraphs: int
    articles: int
    url: str | None


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    cells: tuple[Cell, ...]
    no_year: Cell


@dataclass(frozen=True)
class Coverage:
    request: SearchRequest
    years: tuple[int, ...]
    rows: tuple[Row, ...]
    no_country: tuple[Cell, ...]
    no_country_no_year: Cell
    total: int


def build_coverage(request: SearchRequest) -> Coverage:
    """Counts for ``request`` from the backend's 2-D count, in one pass."""
    backend, query, labels, request = backend_query(request)
    grid = backend.count(query, rows="country", columns="year", missing=True)
    codes = sorted(
        {row for row, _column in grid.cells if row != NO_VALUE},
        key=lambda code: labels.label("country", code).casefold(),
    )
    dated = [int(column) for _row, column in grid.cells if column != NO_VALUE]
    years = tuple(range(min(dated), max(dated) + 1)) if dated else ()
    base = request.replace(page=1)

    def cell(code: str, year: int | None) -> Cell:
        key = (code, NO_VALUE if year is None else str(year))
        # The search cannot ask for "no country" or "no year", so those cells
        # link nowhere rather than to a search that would show something else.
        url = None
        if code != NO_VALUE and year is not None:
            target = base.with_value("country", code).with_value("year", str(year))
            url = search_url_for(target)
        return Cell(
            paragraphs=grid.cells.get(key, 0),
            articles=grid.articles.get(key, 0),
            url=url,
        )

    return Coverage(
        request=request,
        years=years,
        rows=tuple(
            Row(
                value=code,
                label=labels.label("country", code),
                cells=tuple(cell(code, year) for year in years),
                no_year=cell(code, None),
            )
            for code in codes
        ),
        no_country=tuple(cell(NO_VALUE, year) for year in years),
        no_country_no_year=cell(NO_VALUE, None),
        total=grid.matched,
    )


def _counts(cell: Cell) -> dict[str, int]:
    return {"paragraphs": cell.paragraphs, "articles": cell.articles}


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    return {
        "countries": [
            {"value": row.value, "label": row.label} for row in coverage.rows
        ],
        "years": list(coverage.years),
        "cells": [[_counts(cell) for cell in row.cells] for row in coverage.rows],
        "no_country": [_counts(cell) for cell in coverage.no_country],
        "no_year": [_counts(row.no_year) for row in coverage.rows],
        "no_country_no_year": _counts(coverage.no_country_no_year),
    }


def coverage_csv(coverage: Coverage) -> str:
    """One line per cell, zeros included: country, year, paragraphs, articles."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["country_code", "country", "year", "paragraphs", "articles"])
    lines = [
        (row.value, row.label, row.cells, row.no_year) for row in coverage.rows
    ] + [("", "no country", coverage.no_country, coverage.no_country_no_year)]
    for code, label, cells, no_year in lines:
        for year, cell in zip(coverage.years, cells, strict=True):
            writer.writerow([code, label, year, cell.paragraphs, cell.articles])
        writer.writerow([code, label, "", no_year.paragraphs, no_year.articles])
    return buffer.getvalue()
