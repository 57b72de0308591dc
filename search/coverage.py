"""The coverage map: matches counted by country and year, every cell a link.

Rows are the countries the matches carry (by name) plus "no country"; columns are
every year from the first to the last (so empty years show as 0) plus "no year".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from corpus.models import Country
from search.pages import search_url_for
from search.query import SearchRequest


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
    from search.engine.whoosh.coverage import grid_for
    from search.query import _collect

    grid = grid_for(lambda snapshot: _collect(snapshot, request).docs)
    if grid is None:
        return Coverage(request, (), (), (), Cell(0, 0, None), 0)
    names = dict(
        Country.objects.filter(code__in=grid.countries).values_list("code", "name")
    )
    base = request.replace(page=1)
    order = sorted(
        range(len(grid.countries)),
        key=lambda index: names.get(grid.countries[index], grid.countries[index]),
    )
    width = len(grid.years)

    def cell(row: int, column: int, *, code: str | None, year: int | None) -> Cell:
        target = base
        if code is not None:
            target = target.with_value("country", code)
        if year is not None:
            target = target.with_value("year", str(year))
        # The search cannot ask for "no country" or "no year", so those cells
        # link nowhere rather than to a search that would show something else.
        linkable = code is not None and year is not None
        return Cell(
            paragraphs=int(grid.paragraphs[row, column]),
            articles=int(grid.articles[row, column]),
            url=search_url_for(target) if linkable else None,
        )

    rows = tuple(
        Row(
            value=grid.countries[index],
            label=names.get(grid.countries[index], grid.countries[index]),
            cells=tuple(
                cell(index, column, code=grid.countries[index], year=year)
                for column, year in enumerate(grid.years)
            ),
            no_year=cell(index, width, code=grid.countries[index], year=None),
        )
        for index in order
    )
    bottom = len(grid.countries)
    return Coverage(
        request=request,
        years=grid.years,
        rows=rows,
        no_country=tuple(
            cell(bottom, column, code=None, year=year)
            for column, year in enumerate(grid.years)
        ),
        no_country_no_year=cell(bottom, width, code=None, year=None),
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
