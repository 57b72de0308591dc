"""The fixed query mix: built once from the seed vocabulary, checked in as JSON.

`python -m bench queries` rebuilds bench/queries.json; `--check` verifies that the
checked-in file is what the builder produces, and that no timed request repeats (300
distinct queries, their 300 distinct facet clicks, 50 distinct browses) and the
warm-up is none of them. Filters name a facet and a frequency rank; `resolve_query`
turns ranks into the values a generated corpus holds.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.generate import Vocabulary, read_seed_text

QUERIES_PATH = Path(__file__).resolve().parent / "queries.json"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
FACETS = ("country", "author", "year", "topic")
MIX_SEED = 20260
QUERIES = 300
BROWSES = 50

# Words no engine should be asked to agree on: each analyzer drops a different set.
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down
during each few for from further had has have having he her here hers him his
how i if in into is it its itself just may me might more most must my no nor
not now of off on once only or other our ours out over own same she should so
some such than that the their theirs them then there these they this those
through to too under until up upon very was we were what when where which
while who whom why will with would yet you your tbd us one two three new said
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class QueryPart:
    """One clause of the text query: a term, a phrase (several words) or a prefix."""

    kind: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class BenchRequest:
    """A query with concrete filter values, ready for any engine."""

    parts: tuple[QueryPart, ...]
    filters: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def q(self) -> str:
        """The query in Refdesk's syntax (also Whoosh's): AND of terms."""
        rendered = []
        for part in self.parts:
            if part.kind == "phrase":
                rendered.append('"' + " ".join(part.words) + '"')
            elif part.kind == "prefix":
                rendered.append(part.words[0] + "*")
            else:
                rendered.append(part.words[0])
        return " ".join(rendered)

    def filter_values(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    def params(self) -> dict[str, list[str]]:
        """GET parameters for the search page and /api/search."""
        params: dict[str, list[str]] = {}
        if self.parts:
            params["q"] = [self.q]
        for facet, values in self.filters:
            params[facet] = list(values)
        return params

    def with_filter(self, facet: str, value: str) -> BenchRequest:
        merged = dict(self.filters)
        values = merged.get(facet, ())
        if value not in values:
            merged[facet] = (*values, value)
        return BenchRequest(
            parts=self.parts,
            filters=tuple((name, merged[name]) for name in FACETS if name in merged),
        )


@dataclass(frozen=True)
class BenchQuery:
    """One entry of the mix: the fresh query and the facet click that follows it."""

    number: int
    kind: str
    band: str
    request: BenchRequest
    click: BenchRequest


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _is_content(word: str) -> bool:
    return len(word) >= 4 and word not in _STOP_WORDS


def _bands(sentences: Sequence[str]) -> dict[str, list[str]]:
    frequency: Counter[str] = Counter()
    for sentence in sentences:
        frequency.update({word for word in _tokens(sentence) if _is_content(word)})
    bands: dict[str, list[str]] = {"common": [], "medium": [], "rare": []}
    for word, count in sorted(frequency.items()):
        if count >= 7:
            bands["common"].append(word)
        elif 3 <= count <= 6:
            bands["medium"].append(word)
        elif count <= 2:
            bands["rare"].append(word)
    return bands


def _phrases(sentences: Sequence[str]) -> list[tuple[str, ...]]:
    """Runs of 2–3 content words separated by single spaces only (no punctuation),
    so that every engine's positions agree."""
    counts: Counter[tuple[str, ...]] = Counter()
    for sentence in sentences:
        chunks = re.split(r"[^A-Za-z ]+", sentence)
        for chunk in chunks:
            words = chunk.lower().split()
            for size in (2, 3):
                for start in range(len(words) - size + 1):
                    run = tuple(words[start : start + size])
                    if all(_is_content(word) for word in run):
                        counts[run] += 1
    return sorted(counts, key=lambda run: (-counts[run], run))


def _prefixes(words: Sequence[str]) -> list[str]:
    from whoosh.lang.porter import stem

    prefixes = set()
    for word in words:
        root = stem(word)
        if len(root) >= 6:
            prefixes.add(root[: min(len(root) - 1, 6)])
    return sorted(prefixes)


def _filter_spec(rng: random.Random, *, count: int) -> list[dict[str, object]]:
    facets = rng.sample(FACETS, k=count)
    spec: list[dict[str, object]] = []
    for facet in facets:
        ranks = [_rank(rng, facet)]
        if rng.random() < 0.15:
            extra = _rank(rng, facet)
            if extra != ranks[0]:
                ranks.append(extra)
        spec.append({"facet": facet, "ranks": ranks})
    return spec


def _click(rng: random.Random, filters: list[dict[str, object]]) -> tuple[str, int]:
    """A facet value not already selected: the click always changes the request."""
    selected = {(item["facet"], rank) for item in filters for rank in item["ranks"]}  # type: ignore[attr-defined]
    while True:
        facet, rank = rng.choice(FACETS), rng.randrange(6)
        if (facet, rank) not in selected:
            return facet, rank


def filter_key(spec: Sequence[dict[str, object]]) -> tuple:
    """A filter spec in canonical form: facets and ranks sorted, duplicates merged."""
    return tuple(
        sorted(
            (str(item["facet"]), tuple(sorted({int(rank) for rank in item["ranks"]})))  # type: ignore[attr-defined]
            for item in spec
        )
    )


def _rank(rng: random.Random, facet: str) -> int:
    limit = {"country": 30, "author": 60, "year": 32, "topic": 15}[facet]
    weights = [1.0 / (rank + 1) for rank in range(limit)]
    return rng.choices(range(limit), weights=weights)[0]


def build_mix(*, seeds_dir: Path = SEEDS_DIR) -> dict[str, object]:
    """The 300-query mix and 50 browse filters, as JSON-ready data."""
    rng = random.Random(MIX_SEED)
    sentences = read_seed_text(seeds_dir).sentences
    bands = _bands(sentences)
    phrases = _phrases(sentences)
    common_phrases, other_phrases = phrases[:40], phrases[40:]
    prefixes = _prefixes(bands["common"] + bands["medium"])
    plan = (
        [("term", "common", 1)] * 30
        + [("term", "medium", 1)] * 30
        + [("term", "rare", 1)] * 35
        + [("terms", "mixed", 2)] * 85
        + [("terms", "mixed", 3)] * 40
        + [("phrase", "mixed", 1)] * 35
        + [("phrase", "mixed", 2)] * 10
        + [("prefix", "mixed", 1)] * 20
        + [("prefix", "mixed", 2)] * 15
    )
    seen: set[str] = set()
    queries: list[dict[str, object]] = []
    for kind, band, size in plan:
        for _attempt in range(1000):
            parts = _draw_parts(
                rng,
                kind=kind,
                band=band,
                size=size,
                bands=bands,
                phrases=common_phrases if rng.random() < 0.6 else other_phrases,
                prefixes=prefixes,
            )
            text = BenchRequest(parts=parts, filters=()).q
            if text not in seen:
                seen.add(text)
                break
        else:
            raise RuntimeError(f"cannot draw a new {kind} query from the seeds")
        filters = _filter_spec(
            rng, count=rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]
        )
        click_facet, click_rank = _click(rng, filters)
        queries.append(
            {
                "id": len(queries) + 1,
                "kind": kind,
                "band": band,
                "parts": [{"kind": p.kind, "words": list(p.words)} for p in parts],
                "filters": filters,
                "click": {"facet": click_facet, "rank": click_rank},
            }
        )
    # Browses are distinct: the first has no filter at all, each other one a filter
    # set that no earlier browse has (the Zipf-skewed draws repeat otherwise).
    browse: list[dict[str, object]] = [{"filters": []}]
    browse_seen: set[tuple] = {filter_key([])}
    while len(browse) < BROWSES:
        for _attempt in range(1000):
            spec = _filter_spec(rng, count=rng.choice((1, 1, 2, 3)))
            if filter_key(spec) not in browse_seen:
                browse_seen.add(filter_key(spec))
                browse.append({"filters": spec})
                break
        else:
            raise RuntimeError("cannot draw a new browse filter set")
    return {
        "about": "Fixed query mix for python -m bench; rebuild with "
        "`python -m bench queries`. Filters are facet frequency ranks.",
        "queries": queries,
        "browse": browse,
    }


def _draw_parts(
    rng: random.Random,
    *,
    kind: str,
    band: str,
    size: int,
    bands: dict[str, list[str]],
    phrases: list[tuple[str, ...]],
    prefixes: list[str],
) -> tuple[QueryPart, ...]:
    def term(band_name: str) -> QueryPart:
        return QueryPart(kind="term", words=(rng.choice(bands[band_name]),))

    def any_band() -> str:
        return rng.choices(("common", "medium", "rare"), weights=(50, 35, 15))[0]

    if kind == "term":
        parts = [term(band)]
    elif kind == "terms":
        parts = [term(any_band()) for _ in range(size)]
    elif kind == "phrase":
        parts = [QueryPart(kind="phrase", words=rng.choice(phrases))]
        parts += [term("common") for _ in range(size - 1)]
    else:
        parts = [QueryPart(kind="prefix", words=(rng.choice(prefixes),))]
        parts += [term(any_band()) for _ in range(size - 1)]
    unique = {part.words: part for part in parts}
    return tuple(unique.values())


def render_mix(mix: dict[str, object]) -> str:
    """JSON with one query per line, so a change to the mix reads well in a diff."""

    def rows(items: object) -> str:
        return ",\n".join(
            "  " + json.dumps(item, ensure_ascii=False)
            for item in items  # type: ignore[attr-defined]
        )

    return (
        "{\n"
        f' "about": {json.dumps(mix["about"])},\n'
        f' "queries": [\n{rows(mix["queries"])}\n ],\n'
        f' "browse": [\n{rows(mix["browse"])}\n ]\n'
        "}\n"
    )


def load_mix(path: Path = QUERIES_PATH) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def resolve_filters(
    spec: Sequence[dict[str, object]], *, vocabulary: Vocabulary
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    by_facet = {
        str(item["facet"]): tuple(
            dict.fromkeys(
                vocabulary.facet_value(str(item["facet"]), int(rank))
                for rank in item["ranks"]  # type: ignore[attr-defined]
            )
        )
        for item in spec
    }
    return tuple((facet, by_facet[facet]) for facet in FACETS if facet in by_facet)


def resolve_query(entry: dict[str, Any], *, vocabulary: Vocabulary) -> BenchQuery:
    parts = tuple(
        QueryPart(kind=str(part["kind"]), words=tuple(part["words"]))
        for part in entry["parts"]
    )
    request = BenchRequest(
        parts=parts,
        filters=resolve_filters(entry["filters"], vocabulary=vocabulary),
    )
    click = entry["click"]
    value = vocabulary.facet_value(str(click["facet"]), int(click["rank"]))
    return BenchQuery(
        number=int(entry["id"]),
        kind=str(entry["kind"]),
        band=str(entry["band"]),
        request=request,
        click=request.with_filter(str(click["facet"]), value),
    )


def resolve_mix(
    *,
    vocabulary: Vocabulary,
    limit: int | None = None,
    path: Path = QUERIES_PATH,
    mix: dict[str, object] | None = None,
) -> tuple[list[BenchQuery], list[BenchRequest]]:
    loaded: Any = load_mix(path) if mix is None else mix
    entries = loaded["queries"][:limit] if limit else loaded["queries"]
    browse_entries = loaded["browse"][: min(limit, 50)] if limit else loaded["browse"]
    queries = [resolve_query(entry, vocabulary=vocabulary) for entry in entries]
    browses = [
        BenchRequest(
            parts=(), filters=resolve_filters(entry["filters"], vocabulary=vocabulary)
        )
        for entry in browse_entries
    ]
    return queries, browses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench queries",
        description="Rebuild (or --check) the checked-in query mix bench/queries.json.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the checked-in file and that no timed request repeats",
    )
    options = parser.parse_args(argv)
    mix = build_mix()
    text = render_mix(mix)
    problems = mix_problems(mix, vocabulary=check_vocabulary())
    if options.check:
        current = QUERIES_PATH.read_text(encoding="utf-8")
        problems = mix_problems(json.loads(current), vocabulary=check_vocabulary())
        for problem in problems:
            print(f"{QUERIES_PATH.name}: {problem}")
        if current != text:
            print(f"{QUERIES_PATH.name} differs from what the builder produces")
            return 1
        if problems:
            return 1
        print(
            f"{QUERIES_PATH.name} is up to date: {QUERIES} distinct queries, "
            f"{QUERIES} distinct facet clicks, {BROWSES} distinct browses, "
            "warm-up outside the mix"
        )
        return 0
    if problems:
        for problem in problems:
            print(f"builder: {problem}")
        return 1
    QUERIES_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {QUERIES_PATH}")
    return 0


def request_to_json(request: BenchRequest) -> dict[str, object]:
    return {
        "parts": [{"kind": p.kind, "words": list(p.words)} for p in request.parts],
        "filters": [[facet, list(values)] for facet, values in request.filters],
    }


def request_from_json(data: dict[str, object]) -> BenchRequest:
    return BenchRequest(
        parts=tuple(
            QueryPart(kind=str(part["kind"]), words=tuple(part["words"]))
            for part in data["parts"]  # type: ignore[attr-defined]
        ),
        filters=tuple(
            (str(facet), tuple(values))
            for facet, values in data["filters"]  # type: ignore[attr-defined]
        ),
    )


@dataclass(frozen=True)
class Plan:
    """The resolved requests of one run, shared by every engine's worker process."""

    queries: tuple[BenchQuery, ...]
    browses: tuple[BenchRequest, ...]
    warmup: tuple[BenchRequest, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "queries": [
                {
                    "number": query.number,
                    "kind": query.kind,
                    "band": query.band,
                    "request": request_to_json(query.request),
                    "click": request_to_json(query.click),
                }
                for query in self.queries
            ],
            "browses": [request_to_json(request) for request in self.browses],
            "warmup": [request_to_json(request) for request in self.warmup],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Plan:
        return cls(
            queries=tuple(
                BenchQuery(
                    number=int(item["number"]),
                    kind=str(item["kind"]),
                    band=str(item["band"]),
                    request=request_from_json(item["request"]),
                    click=request_from_json(item["click"]),
                )
                for item in data["queries"]  # type: ignore[attr-defined]
            ),
            browses=tuple(request_from_json(item) for item in data["browses"]),  # type: ignore[attr-defined]
            warmup=tuple(request_from_json(item) for item in data["warmup"]),  # type: ignore[attr-defined]
        )


def build_plan(*, vocabulary: Vocabulary, limit: int | None = None) -> Plan:
    queries, browses = resolve_mix(vocabulary=vocabulary, limit=limit)
    return Plan(
        queries=tuple(queries),
        browses=tuple(browses),
        warmup=warmup_requests(vocabulary=vocabulary, queries=queries, browses=browses),
    )


def measured_requests(
    queries: Sequence[BenchQuery], browses: Sequence[BenchRequest]
) -> list[BenchRequest]:
    """Every timed request of a run, in the order the workers send them."""
    return [
        *(request for query in queries for request in (query.request, query.click)),
        *browses,
    ]


def warmup_requests(
    *,
    vocabulary: Vocabulary,
    queries: Sequence[BenchQuery],
    browses: Sequence[BenchRequest],
) -> tuple[BenchRequest, ...]:
    """Requests that open the engine and fill its caches before the clock runs, none
    of them in the measured mix: a browse under one filter value that no measured
    request uses as its whole filter set, and two terms no query uses."""
    measured = set(measured_requests(queries, browses))
    used = {
        word for query in queries for part in query.request.parts for word in part.words
    }
    bands = _bands(vocabulary.seed_text.sentences)
    spare = [word for word in bands["common"] + bands["medium"] if word not in used]
    terms = [
        BenchRequest(parts=(QueryPart(kind="term", words=(word,)),), filters=())
        for word in spare[:2]
    ]
    candidates = (
        BenchRequest(
            parts=(), filters=((facet, (vocabulary.facet_value(facet, rank),)),)
        )
        for rank in range(64)
        for facet in ("topic", "country", "year", "author")
    )
    browse = next((request for request in candidates if request not in measured), None)
    warmup = (*([browse] if browse else []), *terms)
    return tuple(request for request in warmup if request not in measured)


def mix_problems(mix: dict[str, object], *, vocabulary: Vocabulary) -> list[str]:
    """What is wrong with a query mix: its size, its categories, and any request
    that repeats, in the checked-in ranks or once resolved against `vocabulary`."""
    problems = []
    entries: list[dict] = mix["queries"]  # type: ignore[assignment]
    browse_entries: list[dict] = mix["browse"]  # type: ignore[assignment]
    if len(entries) != QUERIES:
        problems.append(f"{len(entries)} queries, not {QUERIES}")
    if len(browse_entries) != BROWSES:
        problems.append(f"{len(browse_entries)} browses, not {BROWSES}")
    kinds = {str(entry["kind"]) for entry in entries}
    if kinds != {"term", "terms", "phrase", "prefix"}:
        problems.append(f"query kinds {sorted(kinds)}")
    browse_keys = Counter(filter_key(entry["filters"]) for entry in browse_entries)
    problems += [
        f"browse filters {list(key)} appear {count} times"
        for key, count in browse_keys.items()
        if count > 1
    ]
    queries, browses = resolve_mix(vocabulary=vocabulary, mix=mix)
    texts = Counter(query.request.q for query in queries)
    problems += [f"query {q!r} appears {n} times" for q, n in texts.items() if n > 1]
    problems += [
        f"query {query.number}: its facet click adds no filter"
        for query in queries
        if query.click == query.request
    ]
    measured = Counter(measured_requests(queries, browses))
    problems += [
        f"request q={request.q!r} filters={list(request.filters)} is timed {n} times"
        for request, n in measured.items()
        if n > 1
    ]
    warmup = warmup_requests(vocabulary=vocabulary, queries=queries, browses=browses)
    if not warmup:
        problems.append("no warm-up request outside the measured mix")
    problems += [
        f"warm-up request q={request.q!r} is in the measured mix"
        for request in warmup
        if request in measured
    ]
    return problems


def check_vocabulary(seeds_dir: Path = SEEDS_DIR) -> Vocabulary:
    """The vocabulary of a generated corpus in an empty database (the fallback
    taxonomy), for checking the mix without Django."""
    from bench.generate import FALLBACK_TOPICS, build_vocabulary

    return build_vocabulary(
        seeds_dir=seeds_dir, topics=[slug for slug, _ in FALLBACK_TOPICS]
    )
