"""The Typesense backend: the :class:`SearchBackend` protocol over a Raft cluster.

* Searches read an alias (``TYPESENSE_COLLECTION``, default "refdesk"). A rebuild
  fills a new collection, points the alias at it, and drops the old one, so a
  search never sees a half-built index. While it builds, a second alias
  (``<alias>__building``) names the new collection, and every write goes to both.
* Facets are disjunctive through ``multi_search``: the page's query counts the
  facets nobody filtered on, and each filtered facet gets one more query with
  every filter but its own (as InstantSearch does against Algolia).
* Requests go to the leader first, so a write is visible to the next read of the
  same process (a follower applies a write a little after the leader answers);
  when the leader is gone, the client falls over to the other nodes.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import requests
import typesense
from typesense import exceptions as ts_errors

from corpus.text import WORD_RE, analyze, normalise_word, word_spans
from search.engine.base import (
    FACETS,
    NO_VALUE,
    BackendError,
    CountGrid,
    EngineGroup,
    EngineHit,
    EngineQuery,
    EngineResult,
    FacetCounts,
    Highlight,
    IndexDocument,
)
from search.engine.typesense import translate as tr
from search.engine.typesense.schema import (
    DISPLAY_FIELDS,
    edit_distance,
    facet_counts,
    row_hit,
    row_values,
)
from search.engine.typesense.tagging import update_tags
from search.engine.typesense.writes import Writes
from search.engine.whoosh.parse import parse_query, query_terms

logger = logging.getLogger(__name__)

PER_PAGE_MAX = 250
# Every value of a facet is counted; more than this many is a library far bigger
# than any here, and the sidebar shows only the top ones anyway. Each value a
# search returns costs Typesense 0.24 a read of one document holding it, so the
# article count (thousands of values) asks for one value and reads the number of
# distinct values from the facet's stats instead.
MAX_FACET_VALUES = 10_000
MAX_PREFIX_CANDIDATES = 200
# Searches of one page sent at once (a page has three to six).
SEARCH_THREADS = 4
UNAVAILABLE = "Search is unavailable: the search cluster cannot answer right now."
_ERRORS = (ts_errors.TypesenseClientError, requests.RequestException, OSError)


def _node_dict(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or (443 if parts.scheme == "https" else 8108)),
        "protocol": parts.scheme or "http",
    }


def _unranked(base: dict[str, Any], translation: tr.Translation) -> dict[str, Any]:
    """``base`` without text scoring, for a search that only counts, or sorts by
    date. The filter is the exact match; plain words in ``q`` are required terms
    of the filter too, so ``q`` adds nothing but the cost of scoring every match.
    A phrase or a prefix in ``q`` narrows the match, so it stays."""
    if translation.phrase or translation.prefix:
        return base
    return {**base, "q": "*"}


def _sort_by(query: EngineQuery, translation: tr.Translation) -> str:
    if query.sort == "oldest":
        return "oldest_key:asc,article_id:asc,position:asc"
    if query.sort == "relevance" and translation.ranks:
        return "_text_match:desc,newest_key:desc,position:asc"
    return "newest_key:desc,article_id:desc,position:asc"


class TypesenseBackend(Writes):
    name = "typesense"

    def __init__(
        self,
        *,
        nodes: tuple[str, ...],
        api_key: str,
        collection: str = "refdesk",
        timeout: float = 2.0,
        write_wait: float = 30.0,
    ) -> None:
        if not nodes or not api_key:
            raise BackendError(
                "SEARCH_BACKEND=typesense needs TYPESENSE_NODES and TYPESENSE_API_KEY "
                "(see README, “Scaling out”)."
            )
        self.nodes = nodes
        self.api_key = api_key
        self.alias = collection
        self.building_alias = f"{collection}__building"
        self.timeout = timeout
        self.write_wait = write_wait
        self._client: typesense.Client | None = None
        self._pool: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------ connection

    def _leader(self) -> str | None:
        for url in self.nodes:
            try:
                response = requests.get(
                    f"{url}/debug",
                    headers={"X-TYPESENSE-API-KEY": self.api_key},
                    timeout=min(self.timeout, 0.5),
                )
                if response.ok and response.json().get("state") == 1:
                    return url
            except (requests.RequestException, ValueError):
                continue
        return None

    def client(self) -> typesense.Client:
        if self._client is None:
            leader = self._leader()
            config: dict[str, Any] = {
                "nodes": [_node_dict(url) for url in self.nodes],
                "api_key": self.api_key,
                "connection_timeout_seconds": self.timeout,
                "num_retries": len(self.nodes),
                "retry_interval_seconds": 0.3,
                "healthcheck_interval_seconds": 5,
            }
            if leader is None:
                # Mid-election: any node answers reads, but a later read may
                # reach a follower that has not applied a write yet, so the
                # leader is looked for again on the next call.
                return typesense.Client(config)
            config["nearest_node"] = _node_dict(leader)
            self._client = typesense.Client(config)
        return self._client

    def _call(self, work: Any) -> Any:
        """Run ``work(client)``; a failure drops the client, so the next call finds
        the (possibly new) leader, and is raised as :class:`BackendError`."""
        try:
            return work(self.client())
        except ts_errors.ObjectNotFound:
            raise
        except _ERRORS as exc:
            self._client = None
            raise BackendError(f"{UNAVAILABLE} ({exc})") from exc

    def _write(self, work: Any) -> Any:
        """A write waits up to ``write_wait`` seconds for a leader: after a lost
        leader the others elect a new one in about 10 s, and until then every
        write is refused or hangs."""
        deadline = time.monotonic() + self.write_wait
        while True:
            try:
                return self._call(work)
            except BackendError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.5)

    def _multi(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The searches' results, in order. A node runs the searches of one
        ``multi_search`` one after another, so a page's searches go as requests of
        their own, at once, and the node answers them on several threads."""
        if len(searches) > 1:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=SEARCH_THREADS, thread_name_prefix="typesense"
                )
            answers = self._pool.map(lambda one: self._multi([one]), searches)
            return [result for answer in answers for result in answer]
        body = {"searches": [{"collection": self.alias, **s} for s in searches]}
        results = self._call(lambda c: c.multi_search.perform(body, {}))["results"]
        for result in results:
            if "error" in result:
                if "not found" in str(result.get("error", "")).lower():
                    raise ts_errors.ObjectNotFound(404, result["error"])
                raise BackendError(f"Search failed: {result['error']}")
        return results

    def close(self) -> None:
        self._client = None
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    # ------------------------------------------------------------ reads

    def _base(self, translation: tr.Translation) -> dict[str, Any]:
        return {
            "q": translation.q,
            "query_by": translation.query_by,
            "query_by_weights": translation.query_by_weights,
            "num_typos": 0,
            "typo_tokens_threshold": 0,
            "drop_tokens_threshold": 0,
            "prefix": "true" if translation.prefix else "false",
            "max_candidates": MAX_PREFIX_CANDIDATES,
            "highlight_fields": "none",
        }

    def _plan(self, query: EngineQuery) -> tuple[Any, tr.Translation, list[str]]:
        parsed = parse_query(query.text)
        translation = tr.translate(parsed.query, resolve=query.resolve)
        messages = [*parsed.messages, *translation.messages]
        return parsed, translation, messages

    @staticmethod
    def _filtered(params: dict[str, Any], filter_by: str) -> dict[str, Any]:
        if filter_by != tr.TRUE:
            params["filter_by"] = filter_by
        return params

    def search(self, query: EngineQuery) -> EngineResult:
        parsed, translation, messages = self._plan(query)
        terms, prefixes = query_terms(parsed.query)
        highlight = Highlight(terms=terms, prefixes=prefixes)
        try:
            return self._search(query, translation, messages, highlight)
        except ts_errors.ObjectNotFound:
            return EngineResult(
                total=0, articles_total=0, highlight=highlight, ready=False
            )

    def _search(
        self,
        query: EngineQuery,
        translation: tr.Translation,
        messages: list[str],
        highlight: Highlight,
    ) -> EngineResult:
        base = self._base(translation)
        counting = _unranked(base, translation)
        everything = tr.filters_for(query, translation)
        sort_by = _sort_by(query, translation)
        own = [f for f in query.facets if query.selected(f) and f in tr.FACET_FIELDS]
        shared = [f for f in query.facets if f not in own and f in tr.FACET_FIELDS]
        articles = self._filtered(
            {
                **counting,
                "per_page": 0,
                "facet_by": "article_id",
                "max_facet_values": 1,
            },
            everything,
        )
        searches = [articles]
        if shared:
            searches.append(
                self._filtered(
                    {
                        **counting,
                        "per_page": 0,
                        "facet_by": ",".join(shared),
                        "max_facet_values": MAX_FACET_VALUES,
                    },
                    everything,
                )
            )
        for facet in own:
            searches.append(
                self._filtered(
                    {
                        **counting,
                        "per_page": 0,
                        "facet_by": tr.FACET_FIELDS[facet],
                        "max_facet_values": MAX_FACET_VALUES,
                    },
                    tr.filters_for(query, translation, without=facet),
                )
            )
        ranked = "_text_match" in sort_by
        page_searches, window_start = self._page_searches(
            query,
            base=base if ranked else counting,
            filter_by=everything,
            sort_by=sort_by,
        )
        results = self._multi([*searches, *page_searches])
        counted, page_results = results[0], results[len(searches) :]
        own_results = results[len(searches) - len(own) : len(searches)]
        total = int(counted["found"])
        articles_total = 0
        for entry in counted.get("facet_counts", []):
            articles_total = int(entry.get("stats", {}).get("total_values", 0))
        facets: dict[str, FacetCounts] = {}
        for entry in results[1].get("facet_counts", []) if shared else ():
            facets[entry["field_name"]] = facet_counts(entry["field_name"], entry)
        for facet, result in zip(own, own_results, strict=True):
            for entry in result.get("facet_counts", []):
                facets[facet] = facet_counts(facet, entry)
        hits: tuple[EngineHit, ...] = ()
        groups: tuple[EngineGroup, ...] = ()
        groups_total = 0
        if query.group_by_article:
            groups_total = articles_total
            groups = self._groups(
                query,
                page_results,
                base=counting,
                filter_by=everything,
                start=window_start,
            )
        elif page_results:
            rows = [h for r in page_results for h in r.get("hits", [])]
            chosen = rows[window_start : window_start + query.limit]
            hits = tuple(row_hit(row) for row in chosen)
        return EngineResult(
            total=total,
            articles_total=articles_total,
            hits=hits,
            groups=groups,
            groups_total=groups_total,
            facets={
                name: facets.get(name, FacetCounts(name, {})) for name in query.facets
            },
            messages=tuple(dict.fromkeys(messages)),
            highlight=highlight,
            unknown_values=self._unknown(query, facets),
        )

    @staticmethod
    def _unknown(
        query: EngineQuery, facets: dict[str, FacetCounts]
    ) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        for facet, values in query.filters:
            counts = facets.get(facet)
            if counts is None:
                continue
            found.extend((facet, v) for v in values if counts.count(v) == 0)
        return tuple(found)

    def _page_searches(
        self,
        query: EngineQuery,
        *,
        base: dict[str, Any],
        filter_by: str,
        sort_by: str,
    ) -> tuple[list[dict[str, Any]], int]:
        """Typesense pages by (page, per_page); an (offset, limit) window is one or
        two pages of ``limit`` rows, or the first ``offset + limit`` rows."""
        limit = max(0, min(query.limit, PER_PAGE_MAX))
        if limit == 0:
            return [], 0
        extra: dict[str, Any] = {
            "sort_by": sort_by,
            "include_fields": ",".join(DISPLAY_FIELDS),
        }
        if query.group_by_article:
            extra.update(group_by="article_id", group_limit=max(1, query.group_hits))
        offset = max(0, query.offset)
        if offset + limit <= PER_PAGE_MAX:
            pages = [(1, offset + limit)]
            start = offset
        else:
            first = offset // limit
            pages = [(first + 1, limit), (first + 2, limit)]
            start = offset - first * limit
        searches = [
            self._filtered(
                {
                    **base,
                    **extra,
                    "page": page,
                    "per_page": per_page,
                },
                filter_by,
            )
            for page, per_page in pages
        ]
        return searches, start

    def _groups(
        self,
        query: EngineQuery,
        page_results: list[dict[str, Any]],
        *,
        base: dict[str, Any],
        filter_by: str,
        start: int,
    ) -> tuple[EngineGroup, ...]:
        grouped = [g for r in page_results for g in r.get("grouped_hits", [])]
        chosen = grouped[start : start + query.limit]
        if not chosen:
            return ()
        article_ids = [int(g["group_key"][0]) for g in chosen]
        counted = self._multi(
            [
                self._filtered(
                    {
                        **base,
                        "per_page": 0,
                        "facet_by": "article_id",
                        "max_facet_values": len(article_ids),
                    },
                    tr._and(
                        [filter_by, f"article_id:=[{','.join(map(str, article_ids))}]"]
                    ),
                )
            ]
        )[0]
        totals = {
            int(c["value"]): int(c["count"])
            for entry in counted.get("facet_counts", [])
            for c in entry["counts"]
        }
        return tuple(
            EngineGroup(
                article_id=article_id,
                hits=tuple(row_hit(row) for row in group["hits"]),
                total=totals.get(article_id, len(group["hits"])),
            )
            for article_id, group in zip(article_ids, chosen, strict=True)
        )

    def highlight(self, text: str) -> Highlight:
        try:
            terms, prefixes = query_terms(parse_query(text).query)
        except Exception:  # noqa: BLE001 - marking words never fails a page
            return Highlight()
        return Highlight(terms=terms, prefixes=prefixes)

    def version(self) -> str:
        """The collection behind the alias and its document count: a rebuild or a
        write that adds or removes documents changes it (an in-place update does
        not; callers key only short-lived label caches on it)."""
        try:
            info = self._call(lambda c: c.collections[self.alias].retrieve())
        except (BackendError, ts_errors.ObjectNotFound):
            return "missing"
        return f"{info.get('name')}:{info.get('num_documents')}"

    def matching_ids(
        self, query: EngineQuery, *, limit: int | None = None
    ) -> list[int]:
        rows = self._matching_rows(query, fields=("paragraph_id",), limit=limit)
        return [int(row["paragraph_id"]) for row in rows]

    def _matching_rows(
        self, query: EngineQuery, *, fields: tuple[str, ...], limit: int | None
    ) -> list[dict[str, Any]]:
        """Every match (or the first ``limit``) in result order, page by page."""
        _parsed, translation, _messages = self._plan(query)
        sort_by = _sort_by(query, translation)
        base = self._base(translation)
        if "_text_match" not in sort_by:
            base = _unranked(base, translation)
        filter_by = tr.filters_for(query, translation)
        out: list[dict[str, Any]] = []
        page = 1
        try:
            while limit is None or len(out) < limit:
                per_page = PER_PAGE_MAX if limit is None else min(PER_PAGE_MAX, limit)
                params = self._filtered(
                    {
                        **base,
                        "sort_by": sort_by,
                        "include_fields": ",".join(fields),
                        "page": page,
                        "per_page": per_page,
                    },
                    filter_by,
                )
                result = self._multi([params])[0]
                hits = result.get("hits", [])
                out.extend(h["document"] for h in hits)
                if len(hits) < per_page or len(out) >= int(result["found"]):
                    break
                page += 1
        except ts_errors.ObjectNotFound:
            return []
        return out if limit is None else out[:limit]

    def count(
        self, query: EngineQuery, *, rows: str, columns: str, missing: bool = False
    ) -> CountGrid:
        """Counted from the matches' own values, one pass over every match."""
        row_field, column_field = tr.FACET_FIELDS[rows], tr.FACET_FIELDS[columns]
        found = self._matching_rows(
            query, fields=(row_field, column_field, "article_id"), limit=None
        )
        cells: Counter[tuple[str, str]] = Counter()
        articles: dict[tuple[str, str], set[int]] = {}
        for row in found:
            firsts = row_values(row, row_field) or ((NO_VALUE,) if missing else ())
            seconds = row_values(row, column_field) or ((NO_VALUE,) if missing else ())
            for first in firsts:
                for second in seconds:
                    cells[(first, second)] += 1
                    articles.setdefault((first, second), set()).add(
                        int(row["article_id"])
                    )
        return CountGrid(
            rows=rows,
            columns=columns,
            cells=dict(cells),
            articles={key: len(ids) for key, ids in articles.items()},
            matched=len(found),
        )

    def suggest(self, query: EngineQuery) -> str | None:
        """Did-you-mean from typo tolerance: the query's words searched with up to
        two typos; each misspelt word becomes the closest word the best hits
        actually contain, if the corrected text then finds more."""
        words = [w for w in WORD_RE.findall(query.text) if normalise_word(w)]
        if not words or len(words) > 8 or ":" in query.text or '"' in query.text:
            return None
        stems = [normalise_word(w) or "" for w in words]
        try:
            result = self._multi(
                [
                    {
                        "q": " ".join(stems),
                        "query_by": "all_t",
                        "num_typos": 2,
                        "typo_tokens_threshold": 1,
                        "drop_tokens_threshold": 0,
                        "prefix": "false",
                        "per_page": 3,
                        "highlight_fields": "all_t",
                        "include_fields": "text,title,heading",
                    }
                ]
            )[0]
        except ts_errors.ObjectNotFound:
            return None
        matched: set[str] = set()
        surface: dict[str, str] = {}
        for hit in result.get("hits", []):
            for highlight in hit.get("highlights", []):
                matched.update(highlight.get("matched_tokens", []))
            document = hit["document"]
            for value in (
                document.get("title"),
                document.get("heading"),
                document.get("text"),
            ):
                for word in WORD_RE.findall(value or ""):
                    stem = normalise_word(word)
                    if stem and stem not in surface:
                        surface[stem] = word.lower()
        corrected = []
        changed = False
        for word, stem in zip(words, stems, strict=True):
            if stem in matched or stem in surface or not matched:
                corrected.append(word)
                continue
            best = min(matched, key=lambda m: edit_distance(m, stem))
            corrected.append(surface.get(best, word))
            changed = changed or surface.get(best, word) != word
        if not changed:
            return None
        text = " ".join(corrected)
        if self._text_total(text, query) <= self._text_total(query.text, query):
            return None
        return text

    def _text_total(self, text: str, query: EngineQuery) -> int:
        probe = EngineQuery(text=text, limit=0, facets=(), resolve=query.resolve)
        _parsed, translation, _messages = self._plan(probe)
        params = self._filtered(
            {**_unranked(self._base(translation), translation), "per_page": 0},
            translation.filter,
        )
        return int(self._multi([params])[0]["found"])

    def _key_terms(self, paragraph_id: int) -> list[tuple[str, str]] | None:
        """(stem, word as written) of the paragraph's most frequent terms."""
        try:
            document = self._call(
                lambda c: (
                    c.collections[self.alias].documents[str(paragraph_id)].retrieve()
                )
            )
        except ts_errors.ObjectNotFound:
            return None
        text = document.get("text", "")
        written: dict[str, str] = {}
        for start, end, term in word_spans(text):
            if term is not None and term not in written:
                written[term] = text[start:end]
        counts = Counter(analyze(text))
        return [(t, written.get(t, t)) for t, _ in counts.most_common(12)]

    def more_like_terms(self, paragraph_id: int) -> tuple[str, ...] | None:
        terms = self._key_terms(paragraph_id)
        return None if terms is None else tuple(word for _stem, word in terms)

    def more_like(
        self,
        paragraph_id: int,
        *,
        limit: int = 10,
        query: EngineQuery | None = None,
        exclude_article: bool = False,
    ) -> list[EngineHit]:
        terms = self._key_terms(paragraph_id)
        if not terms:
            return []
        narrowed = EngineQuery(
            filters=query.filters if query else (),
            year_from=query.year_from if query else None,
            year_to=query.year_to if query else None,
        )
        parts = [
            tr.filters_for(narrowed, tr.Translation()),
            f"(paragraph_id:<{paragraph_id} || paragraph_id:>{paragraph_id})",
        ]
        if exclude_article:
            own = self._call(
                lambda c: (
                    c.collections[self.alias].documents[str(paragraph_id)].retrieve()
                )
            )["article_id"]
            parts.append(f"(article_id:<{own} || article_id:>{own})")
        stems = [stem for stem, _word in terms]
        # Candidates share at least one key term (an OR filter); Typesense 0.24
        # drops query words only from the ends, so ranking by shared key terms
        # (the paragraph's most frequent first) is done here.
        parts.append(tr.values_filter("terms", tuple(stems)))
        params = {
            "q": "*",
            "query_by": "all_t",
            "filter_by": tr._and(parts),
            "per_page": PER_PAGE_MAX,
            "highlight_fields": "none",
            "include_fields": ",".join((*DISPLAY_FIELDS, "terms")),
            "sort_by": "newest_key:desc,article_id:desc,position:asc",
        }
        rows = self._multi([params])[0].get("hits", [])
        weight = {stem: len(stems) - rank for rank, stem in enumerate(stems)}

        def shared(row: dict[str, Any]) -> int:
            return sum(weight.get(t, 0) for t in row["document"].get("terms") or ())

        rows.sort(key=shared, reverse=True)
        return [row_hit(row) for row in rows[:limit]]

    # ------------------------------------------------------------ tag updates

    def update_tags(self, documents: Iterable[IndexDocument]) -> int:
        # Partial updates of the tag fields alone (see ``tagging``).
        return update_tags(self, documents)

    # ------------------------------------------------------------ checks

    def document_hashes(self) -> dict[int, list[int]]:
        try:
            exported = self._call(
                lambda c: c.collections[self.alias].documents.export(
                    {"include_fields": "paragraph_id,content_hash"}
                )
            )
        except ts_errors.ObjectNotFound:
            return {}
        hashes: dict[int, list[int]] = {}
        for line in exported.splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            hashes.setdefault(int(row["paragraph_id"]), []).append(
                int(row["content_hash"])
            )
        return hashes

    def node_states(self) -> dict[str, str]:
        """Node URL -> "leader", "ok", "not ready" (it answers but will not serve:
        no quorum, or still catching up) or "down" (unreachable)."""
        states = {}
        for url in self.nodes:
            wait = min(self.timeout, 1.0)
            try:
                health = requests.get(f"{url}/health", timeout=wait)
            except requests.RequestException:
                states[url] = "down"
                continue
            try:
                ok = health.ok and health.json().get("ok") is True
                debug = requests.get(
                    f"{url}/debug",
                    headers={"X-TYPESENSE-API-KEY": self.api_key},
                    timeout=wait,
                )
                leader = debug.ok and debug.json().get("state") == 1
            except (requests.RequestException, ValueError):
                ok = leader = False
            states[url] = "leader" if leader and ok else "ok" if ok else "not ready"
        return states

    def status(self) -> dict[str, object]:
        try:
            nodes = self.node_states()
            down = [url for url, state in nodes.items() if state == "down"]
            serving = [url for url, state in nodes.items() if state in ("ok", "leader")]
            out: dict[str, object] = {
                "backend": self.name,
                "nodes": nodes,
                "down": down,
                "quorum": len(self.nodes) - len(down) > len(self.nodes) // 2,
                "documents": 0,
            }
            if not serving:
                return {**out, "status": "error", "message": UNAVAILABLE}
            try:
                alias = self._call(lambda c: c.aliases[self.alias].retrieve())
                info = self._call(
                    lambda c: c.collections[alias["collection_name"]].retrieve()
                )
            except ts_errors.ObjectNotFound:
                return {**out, "status": "missing"}
            out["documents"] = int(info.get("num_documents", 0))
            out["collection"] = alias["collection_name"]
            out["status"] = "ok" if len(serving) == len(self.nodes) else "degraded"
            return out
        except Exception as exc:  # noqa: BLE001 - status never raises
            logger.warning("Typesense status check failed: %s", exc)
            return {"backend": self.name, "status": "error", "documents": 0}


@functools.lru_cache(maxsize=8)
def _backend(
    nodes: tuple[str, ...],
    api_key: str,
    collection: str,
    timeout: float,
    write_wait: float,
) -> TypesenseBackend:
    return TypesenseBackend(
        nodes=nodes,
        api_key=api_key,
        collection=collection,
        timeout=timeout,
        write_wait=write_wait,
    )


def backend_for_settings() -> TypesenseBackend:
    """The backend for the current settings (read now); one instance per
    configuration, so its client and leader hint are reused."""
    from django.conf import settings

    nodes = tuple(
        u.strip().rstrip("/")
        for u in str(getattr(settings, "TYPESENSE_NODES", "") or "").split(",")
        if u.strip()
    )
    return _backend(
        nodes,
        str(getattr(settings, "TYPESENSE_API_KEY", "") or ""),
        str(getattr(settings, "TYPESENSE_COLLECTION", "") or "refdesk"),
        float(getattr(settings, "TYPESENSE_TIMEOUT", 2.0) or 2.0),
        float(getattr(settings, "TYPESENSE_WRITE_WAIT", 30.0)),
    )


__all__ = ["FACETS", "TypesenseBackend", "backend_for_settings"]
