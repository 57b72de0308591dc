"""The facet sidebar as the search page shows it: each facet's list items, written
in Python because a page can list hundreds of values, and the chart of years.

Pure functions over a SearchPage's facets, with every URL already made; the country
lists' other names are the one database read.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.safestring import SafeString, mark_safe

from corpus.models import Country, CountryAlias

if TYPE_CHECKING:
    from search.query import FacetValue, SearchPage

# Facet lists longer than this are sent truncated; "Show more" fetches the rest.
FACET_VISIBLE = 8
FACET_SINGULAR = {
    "country": "country",
    "author": "author",
    "year": "year",
    "topic": "topic",
}
CHART_WIDTH = 240
CHART_HEIGHT = 56
CHART_AXIS = 14
CHART_GAP = 2
# A bar never grows wider than this, so a chart of one or two years still reads as
# a chart rather than a solid block.
CHART_MAX_BAR = 28


@dataclass(frozen=True)
class FacetBlock:
    name: str
    label: str
    singular: str
    selected_count: int
    values_html: SafeString
    """The list items, written here: hundreds of values per page are too many for
    the template engine to render one by one at typing speed."""
    shown: int
    hidden: int
    """Values left out of a truncated list; "Show more" fetches them."""
    expanded: bool
    toggle_url: str
    """Shows the whole list (``more=<name>``) or, when expanded, the short one."""
    filterable: bool


@dataclass(frozen=True)
class YearBar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    slot_x: float
    slot_width: float
    label: str
    selected: bool
    url: str


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float
    anchor: str


@dataclass(frozen=True)
class YearChart:
    width: int
    height: int
    bars_height: int
    title: str
    first_year: int
    last_year: int
    peak: int
    bars: tuple[YearBar, ...]
    ticks: tuple[YearTick, ...]


def plural(count: int, noun: str) -> str:
    return f"{count:,} {_noun(count, noun)}"


def _noun(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


def build_facet_block(
    facet: Any,
    *,
    expanded: bool,
    toggle_url: str,
    aliases: dict[str, tuple[str, ...]] | None = None,
) -> FacetBlock:
    """One facet's list: the first ``FACET_VISIBLE`` values and every selected one,
    or all of them when ``expanded``."""
    values = tuple(facet.values)
    if facet.name == "year":
        # Newest years first, so recent work is visible without "show more".
        values = tuple(reversed(values))
    if expanded:
        shown = values
    else:
        shown = values[:FACET_VISIBLE] + tuple(
            value for value in values[FACET_VISIBLE:] if value.selected
        )
    return FacetBlock(
        name=facet.name,
        label=facet.label,
        singular=FACET_SINGULAR.get(facet.name, facet.name),
        selected_count=facet.selected_count,
        values_html=facet_items_html(facet.name, shown, aliases=aliases or {}),
        shown=len(shown),
        hidden=len(values) - len(shown),
        expanded=expanded,
        toggle_url=toggle_url,
        filterable=len(values) > FACET_VISIBLE,
    )


def facet_items_html(
    facet: str,
    values: Iterable[FacetValue],
    *,
    aliases: dict[str, tuple[str, ...]],
) -> SafeString:
    """The ``<li>`` of each value: a checkbox-style link that toggles the filter,
    with the selected state in text as well as in the tick (drawn by CSS).

    Written with ``html.escape`` (what Django's escaping uses) rather than the
    template engine or ``format_html``: a page can list hundreds of values, and
    each item is kept short because a facet click sends every one of them.
    ``aliases`` are other names of a value, for the list's filter box.
    """
    items = []
    for value in values:
        selected = value.selected
        count = int(value.count)
        other_names = aliases.get(value.value)
        classes = "facet-value is-selected" if selected else "facet-value"
        note = ""
        if selected and count == 0:
            classes += " is-empty"
            note = '<span class="nil-note">0 with your other filters</span>'
        items.append(
            f'<li><a class="{classes}" href="{_escape(value.toggle_url)}" '
            f'rel="nofollow" data-focus-key="{_escape(facet)}:{_escape(value.value)}"'
            + (
                f' data-aliases="{_escape("|".join(other_names))}"'
                if other_names
                else ""
            )
            + f'><span class="facet-label">{_escape(value.label)}</span>'
            f"{_SELECTED_NOTE if selected else ''}{note}"
            f'<span class="count"><span class="vh">, </span>{count}'
            f'<span class="vh"> {_noun(count, "paragraph")}</span></span></a></li>'
        )
    # Every value in the markup above went through _escape.
    return mark_safe("".join(items))


def _escape(value: object) -> str:
    return html.escape(str(value), quote=True)


_SELECTED_NOTE = '<span class="vh"> (selected; activate to remove)</span>'


def country_aliases(codes: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Other names of each country (gazetteer aliases and the official name),
    folded to lower-case ASCII as the filter box compares them."""
    codes = list(codes)
    if not codes:
        return {}
    found: dict[str, set[str]] = {code: set() for code in codes}
    for code, official in Country.objects.filter(code__in=codes).values_list(
        "code", "official_name"
    ):
        if official:
            found[code].add(_fold(official))
    for code, alias in CountryAlias.objects.filter(country__code__in=codes).values_list(
        "country__code", "alias"
    ):
        found[code].add(_fold(alias))
    return {code: tuple(sorted(names)) for code, names in found.items() if names}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def build_year_chart(page: SearchPage, *, urls: dict[int, str]) -> YearChart | None:
    """Bars of paragraphs per year, sized here because CSP forbids inline styles.
    Each bar links to its year (``urls``); the whole column is the click target."""
    histogram = [
        (int(year), int(count), float(percent))
        for year, count, percent in page.year_histogram
    ]
    if not histogram:
        return None
    request = page.request
    selected_years = set(request.years)
    ranged = request.year_from is not None or request.year_to is not None
    slot = min(CHART_WIDTH / len(histogram), CHART_MAX_BAR + CHART_GAP)
    # Few years: the bars are centred instead of stretched across the chart.
    left = (CHART_WIDTH - slot * len(histogram)) / 2
    width = max(slot - CHART_GAP, 1.0)
    peak = max(count for _year, count, _percent in histogram)
    bars = []
    for index, (year, count, percent) in enumerate(histogram):
        height = 0.0 if count == 0 else max(CHART_HEIGHT * percent / 100, 2.0)
        in_range = (request.year_from is None or year >= request.year_from) and (
            request.year_to is None or year <= request.year_to
        )
        x = left + index * slot
        bars.append(
            YearBar(
                year=year,
                count=count,
                x=round(x + CHART_GAP / 2, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                slot_x=round(x, 2),
                slot_width=round(slot, 2),
                label=f"{year}: {plural(count, 'paragraph')}",
                selected=year in selected_years or (ranged and in_range),
                url=urls.get(year, ""),
            )
        )
    first, last = histogram[0][0], histogram[-1][0]
    return YearChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT + CHART_AXIS,
        bars_height=CHART_HEIGHT,
        title=(
            f"Paragraphs in {first}: {plural(peak, 'paragraph')}"
            if first == last
            else f"Paragraphs per year, {first} to {last}; at most {peak:,} a year"
        ),
        first_year=first,
        last_year=last,
        peak=peak,
        bars=tuple(bars),
        ticks=_year_ticks(bars),
    )


def _year_ticks(bars: list[YearBar]) -> tuple[YearTick, ...]:
    """Years under the bars: the first and last, and round years between them
    when there is room (about one label per 60 px)."""
    if not bars:
        return ()
    room = max(int(CHART_WIDTH / 60), 2)
    span = bars[-1].year - bars[0].year
    step = next(
        (step for step in (1, 2, 5, 10, 20, 25, 50, 100) if span / step < room),
        max(span, 1),
    )
    chosen = [bars[0]]
    for bar in bars[1:-1]:
        if bar.year % step == 0 and bar.year - chosen[-1].year >= step:
            chosen.append(bar)
    if len(bars) > 1:
        if bars[-1].year - chosen[-1].year < step and len(chosen) > 1:
            chosen.pop()
        chosen.append(bars[-1])
    ticks = []
    for bar in chosen:
        centre = bar.slot_x + bar.slot_width / 2
        if len(chosen) == 1:
            anchor = "middle"
        elif bar is chosen[0]:
            anchor, centre = "start", bar.slot_x
        elif bar is chosen[-1]:
            anchor, centre = "end", bar.slot_x + bar.slot_width
        else:
            anchor = "middle"
        ticks.append(YearTick(year=bar.year, x=round(centre, 2), anchor=anchor))
    return tuple(ticks)
