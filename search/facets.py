"""Facets: country, author, year and topic, counted disjunctively.

Values of one facet are ORed and facets are ANDed. Each facet is counted over the
matches with every filter applied except its own, so ticking "Iran" leaves the
other countries' counts alone. Counting is a gather and a ``bincount`` over the
snapshot's (document, value) pairs, never a loop over documents.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass

import numpy as np

from corpus.text import fold
from search.engine.base import UNKNOWN_AUTHOR
from search.engine_reader import FacetIndex, Snapshot

FACET_NAMES = ("country", "author", "year", "topic")
FACET_LABELS = {
    "country": "Country",
    "author": "Author",
    "year": "Year",
    "topic": "Topic",
}
UNKNOWN_AUTHOR_LABEL = "Unknown author"
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


def load_labels(snapshot: Snapshot | None = None) -> Labels:
    """Labels, cached for a minute per index generation."""
    key = f"{snapshot.path}:{snapshot.generation}" if snapshot else ""
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


# ---------------------------------------------------------------- counting


def count_values(
    index: FacetIndex,
    docs: np.ndarray | None,
    *,
    mask: np.ndarray | None = None,
    size: int,
) -> np.ndarray:
    """How many of the documents (sorted doc numbers ``docs``, or a boolean
    ``mask`` over all documents) carry each value of the facet."""
    width = len(index.values)
    if mask is not None:
        # Gathering the mask in value order and counting each value's run is
        # several times faster than compressing the pairs and a bincount.
        gathered = mask[index.by_value]
        bounds = index.value_ptr.tolist()
        return np.fromiter(
            (
                np.count_nonzero(gathered[bounds[i] : bounds[i + 1]])
                for i in range(width)
            ),
            dtype=np.int64,
            count=width,
        )
    if docs is None or not width or not len(docs):
        return np.zeros(width, dtype=np.int64)
    if len(docs) * 8 < size:
        # Few documents: gather their value runs from the per-document CSR.
        starts = index.indptr[docs]
        lengths = index.indptr[docs + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(width, dtype=np.int64)
        run_starts = np.cumsum(lengths) - lengths
        gather = np.repeat(starts - run_starts, lengths) + np.arange(total)
        return np.bincount(index.vals[gather], minlength=width)
    selected = np.zeros(size, dtype=bool)
    selected[docs] = True
    return np.bincount(index.vals[selected[index.docs]], minlength=width)
