"""Summaries, Refdesk/peer ratios and the stdout table of one benchmark run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PEERS = ("fts5", "tantivy")
REFDESK_SIDES = ("refdesk", "api")
CATEGORIES = ("fresh", "click", "browse")
LABELS = {
    "refdesk": "Refdesk",
    "api": "/api/search",
    "typesense": "Typesense",
    "fts5": "FTS5",
    "tantivy": "tantivy",
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    higher_is_better: bool = False


FIGURES = (
    Figure("index_paragraphs_per_s", "index speed", "¶/s", higher_is_better=True),
    Figure("index_seconds", "index time", "s"),
    Figure("index_size_mb", "index size", "MB"),
    Figure("index_peak_rss_mb", "index peak RSS", "MB"),
    *(
        Figure(f"{category}_{stat}_ms", f"{category} {stat}", "ms")
        for category in CATEGORIES
        for stat in ("p50", "p95", "p99")
    ),
    Figure("search_rss_mb", "search RSS", "MB"),
)


def summarize(samples: Sequence[float]) -> dict[str, float | int]:
    if not samples:
        return {"n": 0}
    values = np.asarray(samples, dtype=float)
    return {
        "n": int(values.size),
        "p50_ms": float(np.percentile(values, 50)),
        "p95_ms": float(np.percentile(values, 95)),
        "p99_ms": float(np.percentile(values, 99)),
        "mean_ms": float(values.mean()),
        "max_ms": float(values.max()),
    }


def engine_figures(engine: dict[str, object]) -> dict[str, float]:
    """Flat figures of one engine's section, for the table and the ratios."""
    figures: dict[str, float] = {}
    index = engine.get("index")
    if isinstance(index, dict):
        figures["index_paragraphs_per_s"] = index["paragraphs_per_s"]
        figures["index_seconds"] = index["seconds"]
        figures["index_size_mb"] = index["size_bytes"] / 1e6
        figures["index_peak_rss_mb"] = index["peak_rss_bytes"] / 1e6
    search = engine.get("search")
    if isinstance(search, dict):
        for category in CATEGORIES:
            summary = search.get(category) or {}
            for stat in ("p50", "p95", "p99"):
                if f"{stat}_ms" in summary:
                    figures[f"{category}_{stat}_ms"] = summary[f"{stat}_ms"]
        figures["search_rss_mb"] = search["rss_bytes"] / 1e6
    return figures


def ratios(engines: dict[str, dict[str, object]]) -> dict[str, dict[str, float]]:
    """Refdesk/peer for every figure both sides have (the API side shares the
    index figures of run_search's side)."""
    flat = {name: engine_figures(section) for name, section in engines.items()}
    if "api" in flat and "refdesk" in flat:
        for key, value in flat["refdesk"].items():
            if key.startswith("index_"):
                flat["api"].setdefault(key, value)
    out: dict[str, dict[str, float]] = {}
    for side in REFDESK_SIDES:
        for peer in PEERS:
            if side not in flat or peer not in flat:
                continue
            pair = {
                key: flat[side][key] / flat[peer][key]
                for key in flat[side]
                if key in flat[peer] and flat[peer][key]
            }
            if pair:
                out[f"{side}/{peer}"] = pair
    # The cluster leg against the embedded one (the 3x budget).
    if "typesense" in flat and "refdesk" in flat:
        pair = {
            key: flat["typesense"][key] / flat["refdesk"][key]
            for key in flat["typesense"]
            if key in flat["refdesk"] and flat["refdesk"][key]
        }
        if pair:
            out["typesense/refdesk"] = pair
    return out


def agreement(
    totals: dict[str, list[int]], reference: dict[str, list[int]]
) -> dict[str, int]:
    """How often a peer's match count agrees with Refdesk's on the same request."""
    pairs = [
        (mine, theirs)
        for category in ("fresh", "click", "browse")
        for mine, theirs in zip(
            reference.get(category, []), totals.get(category, []), strict=False
        )
    ]
    return {
        "compared": len(pairs),
        "equal": sum(1 for mine, theirs in pairs if mine == theirs),
        "within_10_percent": sum(
            1
            for mine, theirs in pairs
            if abs(mine - theirs) <= 0.1 * max(mine, theirs, 1)
        ),
    }


def _number(value: float | None, *, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "¶/s":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.1f}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def skip_lines(skipped: dict[str, str]) -> list[str]:
    """One line per peer left out of the run, and why."""
    return [
        f"{name} not installed; skipped"
        if reason == "not installed"
        else f"{name} skipped ({reason})"
        for name, reason in skipped.items()
    ]


def render_table(report: dict[str, object]) -> str:
    engines: dict[str, dict[str, object]] = report["engines"]  # type: ignore[assignment]
    flat = {name: engine_figures(section) for name, section in engines.items()}
    pair_ratios: dict[str, dict[str, float]] = report["ratios"]  # type: ignore[assignment]
    columns = [
        name
        for name in ("refdesk", "api", "typesense", "fts5", "tantivy")
        if name in flat
    ]
    ratio_columns = [key for key in pair_ratios]
    headers = ["figure", *(LABELS[name] for name in columns)]
    headers += [
        f"{LABELS[side]}/{LABELS[peer]}".replace("/api/search", "API")
        for side, peer in (key.split("/") for key in ratio_columns)
    ]
    rows = []
    for figure in FIGURES:
        if not any(figure.key in flat[name] for name in columns):
            continue
        label = f"{figure.label} ({figure.unit})"
        row = [label]
        row += [
            _number(flat[name].get(figure.key), unit=figure.unit) for name in columns
        ]
        for key in ratio_columns:
            value = pair_ratios[key].get(figure.key)
            row.append("-" if value is None else f"{value:.2f}x")
        rows.append(row)
    widths = [
        max(len(str(line[index])) for line in [headers, *rows])
        for index in range(len(headers))
    ]
    lines = [
        "  ".join(
            cell.ljust(widths[index]) if index == 0 else cell.rjust(widths[index])
            for index, cell in enumerate(line)
        )
        for line in [headers, *rows]
    ]
    meta: dict[str, object] = report["meta"]  # type: ignore[assignment]
    corpus: dict[str, object] = report["corpus"]  # type: ignore[assignment]
    title = (
        f"Refdesk bench: {corpus['paragraphs']:,} paragraphs in "
        f"{corpus['articles']:,} articles (seed {meta['seed']}), "
        f"{meta['queries']} queries + {meta['queries']} facet clicks, "
        f"{meta['browses']} browses; {meta['cpus']} CPUs"
    )
    notes = [
        "Times are one full search call: parse, match, top 20, 4 disjunctive facets,"
        " 20 snippets.",
        "Ratios are Refdesk/peer: below 1 is better for times, sizes and memory;"
        " above 1 is better for ¶/s.",
    ]
    skipped = skip_lines(meta.get("skipped") or {})  # type: ignore[arg-type]
    errors = [
        f"{LABELS.get(name, name)} failed: {section['error']}"
        for name, section in engines.items()
        if section.get("error")
    ]
    agreement_notes = [
        f"{LABELS[peer]} match counts equal Refdesk's on {counts['equal']}/"
        f"{counts['compared']} requests ({counts['within_10_percent']} within 10%)"
        for peer, counts in (report.get("agreement") or {}).items()  # type: ignore[attr-defined]
    ]
    return "\n".join(
        [title, "", *lines, "", *notes, *agreement_notes, *skipped, *errors]
    )
