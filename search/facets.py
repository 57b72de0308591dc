"""Facets: country, author, year and topic, built from the backend's counts.

The backend counts disjunctively (values of one facet ORed, facets ANDed, each
facet counted without its own filter; see ``search.engine.base``). Here the counts
become :class:`FacetValue` rows with labels from the database, a stable order and
each value's own toggle URL, so templates only render what they are given.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from corpus.text import fold
from search.engine.base import UNKNOWN_AUTHOR, FacetCounts

FACET_NAMES = ("country", "author", "year", "topic")
FACET_LABELS = {
    "country": "Country",
    "author": "Author",
    "year": "Year",
    "topic": "Topic",
}
UNKNOWN_AUTHOR_LABEL = "Unknown author"
MAX_FACET_VALUES = 250
_LABEL_TTL = 60.0


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: tuple[FacetValue, ...]
    selected_count: int


# ---------------------------------------------------------------- labels


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-.]+", " ", fold(text)).strip()


@dataclass(frozen=True)
class Labels:
    """Display names and lookups for facet values, from the database."""

    countries: dict[str, str]
    topics: dict[str, str]
    country_lookup: dict[str, str]
    topic_lookup: dict[str, str]

    def label(self, facet: str, value: str) -> str:
        if facet == "country":
            return self.countries.get(value, value)
        if facet == "topic":
            return self.topics.get(value, value)
        if facet == "author" and value == UNKNOWN_AUTHOR:
            return UNKNOWN_AUTHOR_LABEL
        return value

    def resolve(self, facet: str, raw: str) -> tuple[str | None, str | None]:
        """A facet value key for what the user typed (``country:iran`` -> "IR")."""
        raw = raw.strip()
        if facet == "country":
            found = self.country_lookup.get(_key(raw))
            if found is None:
                return None, f"No country called “{raw}”."
            return found, None
        if facet == "topic":
            found = self.topic_lookup.get(_key(raw))
            if found is None:
                return None, f"No topic called “{raw}”."
            return found, None
        return raw, None

    def canonical(self, facet: str, raw: str) -> str:
        """The URL key for a facet value from a request (names and any case of a
        code are accepted); unknown values come back unchanged."""
        if facet in ("country", "topic"):
            found, _message = self.resolve(facet, raw)
            return found or raw
        return raw


_labels_lock = threading.Lock()
_labels_cache: dict[str, tuple[float, Labels]] = {}


def load_labels(version: str = "") -> Labels:
    """Labels, cached for a minute per index ``version`` (the backend's token)."""
    key = version
    now = time.monotonic()
    found = _labels_cache.get(key)
    if found is not None and now - found[0] < _LABEL_TTL:
        return found[1]
    labels = _read_labels()
    with _labels_lock:
        _labels_cache.clear()
        _labels_cache[key] = (now, labels)
    return labels


def _read_labels() -> Labels:
    from corpus.models import Country, CountryAlias, Topic

    countries: dict[str, str] = {}
    country_lookup: dict[str, str] = {}
    official: list[tuple[str, str]] = []
    for code, name, official_name in Country.objects.values_list(
        "code", "name", "official_name"
    ):
        countries[code] = name
        country_lookup[_key(code)] = code
        official.append((code, official_name))
    for code, name in countries.items():
        country_lookup.setdefault(_key(name), code)
    for code, official_name in official:
        if official_name:
            country_lookup.setdefault(_key(official_name), code)
    for alias, code in CountryAlias.objects.values_list("alias", "country__code"):
        country_lookup.setdefault(_key(alias), code)
    topics: dict[str, str] = {}
    topic_lookup: dict[str, str] = {}
    for slug, name in Topic.objects.values_list("slug", "name"):
        topics[slug] = name
        topic_lookup[_key(slug)] = slug
        topic_lookup.setdefault(_key(name), slug)
    return Labels(
        countries=countries,
        topics=topics,
        country_lookup=country_lookup,
        topic_lookup=topic_lookup,
    )


def reset_labels() -> None:
    with _labels_lock:
        _labels_cache.clear()


def build_facets(
    selected: Callable[[str], tuple[str, ...]],
    counts: Mapping[str, FacetCounts],
    *,
    labels: Labels,
    toggle_url: Callable[[str, str], str],
) -> tuple[tuple[Facet, ...], tuple[tuple[int, int, float], ...]]:
    """Facet values with labels and toggle URLs, and the year histogram; a selected
    value is always listed, also when nothing matches it."""
    facets = []
    histogram: tuple[tuple[int, int, float], ...] = ()
    for name in FACET_NAMES:
        found = counts.get(name)
        entries: Mapping[str, int] = found.counts if found is not None else {}
        chosen = selected(name)
        if any(value not in entries for value in chosen):
            entries = {**dict.fromkeys(chosen, 0), **entries}
        if name == "year":
            ordered = sorted(entries, key=lambda v: int(v) if v.isdigit() else 0)
            years = [
                (int(v), entries[v]) for v in ordered if v.isdigit() and entries[v]
            ]
            histogram = year_histogram(years)
        else:
            labelled = {v: labels.label(name, v) for v in entries}
            ordered = sorted(entries, key=lambda v: (-entries[v], labelled[v].lower()))
            keep = set(ordered[:MAX_FACET_VALUES]) | set(chosen)
            ordered = [v for v in ordered if v in keep]
        values = tuple(
            FacetValue(
                value=value,
                label=labels.label(name, value),
                count=entries[value],
                selected=value in chosen,
                toggle_url=toggle_url(name, value),
            )
            for value in ordered
        )
        facets.append(
            Facet(
                name=name,
                label=FACET_LABELS[name],
                values=values,
                selected_count=len(chosen),
            )
        )
    return tuple(facets), histogram


def year_histogram(
    years: list[tuple[int, int]],
) -> tuple[tuple[int, int, float], ...]:
    """(year, count, percent of the busiest year) for every year in the span."""
    if not years:
        return ()
    found = dict(years)
    first, last = years[0][0], years[-1][0]
    peak = max(found.values()) or 1
    return tuple(
        (year, found.get(year, 0), round(100.0 * found.get(year, 0) / peak, 1))
        for year in range(first, last + 1)
    )
