"""Evaluate a parsed Whoosh query tree over a snapshot with numpy.

Each node becomes a boolean mask over the snapshot's documents plus a BM25 score
vector; AND, OR and NOT are element-wise operations, so ANDs of common terms cost a
few vector operations instead of a Python loop per posting. Phrases are checked
against token positions only for documents that contain every word.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query

from search.engine.whoosh.parse import TITLE_BOOST
from search.engine.whoosh.reader import Snapshot
from search.engine.whoosh.schema import fold

BM25_K1 = 1.2
# Paragraphs are short passages; full length normalisation (0.75) over-rewards
# the shortest ones.
BM25_B = {"text": 0.5, "title": 0.75, "heading": 0.75, "author_text": 0.75}
MAX_EXPANSION = 200
TIME_LIMIT = 5.0
# Parser field -> index field.
INDEX_FIELD = {
    "text": "text",
    "title": "title",
    "heading": "heading",
    "author": "author_text",
}

# (facet, raw value) -> (value key or None, message or None)
Resolver = Callable[[str, str], tuple[str | None, str | None]]


class QueryTimeout(Exception):
    pass


@dataclass(frozen=True)
class TextMatch:
    """Live documents matching the text query, sorted, with their scores."""

    docs: np.ndarray
    scores: np.ndarray
    messages: tuple[str, ...] = ()
    # False when the time limit cut the work short: not worth caching.
    complete: bool = True

    @property
    def nbytes(self) -> int:
        return int(self.docs.nbytes + self.scores.nbytes)


class _Evaluator:
    def __init__(
        self, snapshot: Snapshot, *, resolve: Resolver, time_limit: float
    ) -> None:
        self.snapshot = snapshot
        self.size = snapshot.size
        self.resolve = resolve
        self.deadline = time.monotonic() + time_limit
        self.messages: list[str] = []
        self.complete = True

    def _check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTimeout

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.size, dtype=bool), np.zeros(self.size, dtype=np.float32)

    def _from_docs(
        self, docs: np.ndarray, scores: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        mask, out = self._empty()
        mask[docs] = True
        if scores is not None:
            out[docs] = scores
        return mask, out

    def node(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_time()
        if q is None or q is query.NullQuery:
            return self._empty()
        if isinstance(q, query.Every):
            return self.snapshot.live.copy(), np.zeros(self.size, dtype=np.float32)
        if isinstance(q, query.Not):
            mask, _scores = self.node(q.query)
            return self.snapshot.live & ~mask, np.zeros(self.size, dtype=np.float32)
        if isinstance(q, query.And):
            return self._and(q.subqueries)
        if isinstance(q, query.Or):
            return self._or(q.subqueries)
        if isinstance(q, query.AndNot):
            mask, scores = self.node(q.a)
            banned, _ = self.node(q.b)
            mask &= ~banned
            return mask, scores
        if isinstance(q, query.AndMaybe):
            mask, scores = self.node(q.a)
            _maybe_mask, maybe = self.node(q.b)
            return mask, scores + np.where(mask, maybe, 0)
        if isinstance(q, query.Require):
            mask, scores = self.node(q.a)
            required, _ = self.node(q.b)
            return mask & required, scores
        if isinstance(q, query.Phrase):
            return self._phrase(q)
        if isinstance(q, query.TermRange) and q.fieldname == "year":
            return self._year_range(q)
        if isinstance(q, (query.Prefix, query.Wildcard)):
            return self._expand(q)
        if isinstance(q, query.Term):
            return self._term(q)
        return self._whoosh_fallback(q)

    def _and(self, subqueries: Sequence[query.Query]) -> tuple[np.ndarray, np.ndarray]:
        positive = [s for s in subqueries if not isinstance(s, query.Not)]
        negative = [s.query for s in subqueries if isinstance(s, query.Not)]
        if positive:
            mask, scores = self.node(positive[0])
            for sub in positive[1:]:
                sub_mask, sub_scores = self.node(sub)
                mask &= sub_mask
                scores += sub_scores
        else:
            mask = self.snapshot.live.copy()
            scores = np.zeros(self.size, dtype=np.float32)
        for sub in negative:
            banned, _ = self.node(sub)
            mask &= ~banned
        scores[~mask] = 0
        return mask, scores

    def _or(self, subqueries: Sequence[query.Query]) -> tuple[np.ndarray, np.ndarray]:
        mask, scores = self._empty()
        for sub in subqueries:
            sub_mask, sub_scores = self.node(sub)
            mask |= sub_mask
            scores += sub_scores
        return mask, scores

    # Leaves ---------------------------------------------------------

    def _bm25(
        self, field: str, term: str, boost: float
    ) -> tuple[np.ndarray, np.ndarray]:
        ids, tf = self.snapshot.postings(field, term)
        if not len(ids):
            return ids, tf
        lengths, mean = self.snapshot.lengths(field)
        total = max(self.snapshot.live_count, 1)
        df = len(ids)
        idf = math.log(1.0 + (total - df + 0.5) / (df + 0.5))
        b = BM25_B.get(field, 0.75)
        norm = BM25_K1 * ((1.0 - b) + b * (lengths[ids] / mean))
        scores = (idf * boost) * tf * (BM25_K1 + 1.0) / (tf + norm)
        return ids, scores.astype(np.float32)

    def _term(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        field = q.fieldname
        if field in INDEX_FIELD:
            ids, scores = self._bm25(INDEX_FIELD[field], q.text, q.boost)
            return self._from_docs(ids, scores)
        if field in ("country", "topic"):
            return self._facet_value(field, q.text)
        if field == "year":
            return self._year_range_values(q.text, q.text)
        return self._empty()

    def _facet_value(self, facet: str, raw: str) -> tuple[np.ndarray, np.ndarray]:
        value, message = self.resolve(facet, raw)
        if message:
            self.messages.append(message)
        if value is None:
            return self._empty()
        index = self.snapshot.facet(facet)
        found = index.index.get(value)
        if found is None:
            return self._empty()
        return self._from_docs(index.docs[index.vals == found])

    def _year_range(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        # "[a TO b]" includes both ends, "{a TO b}" excludes them.
        return self._year_range_values(
            q.start, q.end, exclude_start=q.startexcl, exclude_end=q.endexcl
        )

    def _year_range_values(
        self,
        start: str | None,
        end: str | None,
        *,
        exclude_start: bool = False,
        exclude_end: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        years = self.snapshot.years
        mask = self.snapshot.live & (years > 0)
        bounds = (
            (start, np.greater if exclude_start else np.greater_equal),
            (end, np.less if exclude_end else np.less_equal),
        )
        for bound, op in bounds:
            if bound is None or bound == "":
                continue
            try:
                value = int(bound)
            except ValueError:
                self.messages.append(f"“{bound}” is not a year, so year: was ignored.")
                return self.snapshot.live.copy(), np.zeros(self.size, dtype=np.float32)
            mask &= op(years, value)
        return mask, np.zeros(self.size, dtype=np.float32)

    def _expand(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        field = INDEX_FIELD.get(q.fieldname)
        if field is None:
            return self._empty()
        pattern = fold(q.text)
        head = pattern.split("*", 1)[0].split("?", 1)[0]
        if not head:
            return self._empty()
        terms = self.snapshot.expand_prefix(field, head, limit=MAX_EXPANSION * 20)
        if isinstance(q, query.Wildcard) and pattern != head + "*":
            import fnmatch

            terms = [t for t in terms if fnmatch.fnmatchcase(t, pattern)]
        # Stems are shorter than words: "securit*" should find "secur" (security).
        for cut in range(len(head) - 1, max(len(head) - 4, 3), -1):
            stem = head[:cut]
            if self.snapshot.doc_frequency(field, stem):
                terms.append(stem)
                break
        if len(terms) > MAX_EXPANSION:
            terms.sort(key=lambda t: -self.snapshot.doc_frequency(field, t))
            terms = terms[:MAX_EXPANSION]
            self.messages.append(
                f"“{q.text}*” matches many words; "
                f"only the {MAX_EXPANSION} most common were searched."
            )
        mask, scores = self._empty()
        for term in dict.fromkeys(terms):
            self._check_time()
            ids, term_scores = self._bm25(field, term, q.boost)
            if len(ids):
                mask[ids] = True
                scores[ids] = np.maximum(scores[ids], term_scores)
        return mask, scores

    def _phrase(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        words = list(q.words)
        if q.fieldname in ("country", "topic"):
            return self._facet_value(q.fieldname, " ".join(words))
        field = INDEX_FIELD.get(q.fieldname)
        if field is None or not words:
            return self._empty()
        if len(words) == 1:
            ids, scores = self._bm25(field, words[0], q.boost)
            return self._from_docs(ids, scores)
        mask = self.snapshot.live.copy()
        scores = np.zeros(self.size, dtype=np.float32)
        for word in words:
            ids, word_scores = self._bm25(field, word, q.boost)
            word_mask = np.zeros(self.size, dtype=bool)
            word_mask[ids] = True
            mask &= word_mask
            scores[ids] += word_scores
        candidates = np.flatnonzero(mask)
        if not len(candidates):
            return self._empty()
        if int(getattr(q, "slop", 1)) != 1:
            self.messages.append("Phrase distances are not supported; words in a row.")
        verified, complete = self.snapshot.phrase_docs(
            field, words, candidates, deadline=self.deadline
        )
        if not complete:
            self.complete = False
            self.messages.append(
                "The phrase search took too long and was cut short; "
                "results may be incomplete."
            )
        out_mask = np.zeros(self.size, dtype=bool)
        out_mask[verified] = True
        return out_mask, np.where(out_mask, scores, 0).astype(np.float32)

    def _whoosh_fallback(self, q: Any) -> tuple[np.ndarray, np.ndarray]:
        snapshot = self.snapshot
        with snapshot.lock:
            try:
                docs = np.fromiter(snapshot.searcher.docs_for_query(q), dtype=np.int64)
            except Exception:  # noqa: BLE001 - an odd query part matches nothing
                docs = np.zeros(0, dtype=np.int64)
        return self._from_docs(docs, np.ones(len(docs), dtype=np.float32))


def match_text(
    snapshot: Snapshot,
    q: Any,
    *,
    resolve: Resolver,
    time_limit: float | None = None,
) -> TextMatch:
    """Live documents matching ``q`` (a parsed query; None matches everything),
    within ``time_limit`` seconds (default ``TIME_LIMIT``)."""
    if q is None:
        docs = np.flatnonzero(snapshot.live).astype(np.int32)
        return TextMatch(docs=docs, scores=np.zeros(len(docs), dtype=np.float32))
    limit = TIME_LIMIT if time_limit is None else time_limit
    evaluator = _Evaluator(snapshot, resolve=resolve, time_limit=limit)
    try:
        mask, scores = evaluator.node(q)
    except QueryTimeout:
        evaluator.complete = False
        evaluator.messages.append(
            "Your query took too long to run; try fewer or more specific words."
        )
        mask, scores = evaluator._empty()
    mask &= snapshot.live
    docs = np.flatnonzero(mask).astype(np.int32)
    return TextMatch(
        docs=docs,
        scores=(scores[docs] * snapshot.length_prior()[docs]).astype(np.float32),
        messages=tuple(dict.fromkeys(evaluator.messages)),
        complete=evaluator.complete,
    )


__all__ = ["TITLE_BOOST", "TextMatch", "match_text"]
