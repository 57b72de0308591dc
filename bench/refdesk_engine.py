"""Refdesk under test, through its own code paths: `rebuild_index`, `run_search`
and the JSON API behind login."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

from bench.engines import Outcome
from bench.queries import BenchRequest

BENCH_USERNAME = "bench-analyst"


def rebuild() -> dict[str, object]:
    from search.index import rebuild_index

    report = rebuild_index()
    if is_dataclass(report) and not isinstance(report, type):
        return {key: _plain(value) for key, value in asdict(report).items()}
    return {"report": repr(report)}


def _plain(value: object) -> object:
    return value if isinstance(value, int | float | str | bool | None) else repr(value)


def indexed_documents() -> int | None:
    from search.index import index_status

    documents = index_status().get("documents")
    return int(documents) if isinstance(documents, int) else None


def _querydict(request: BenchRequest) -> object:
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    for key, values in request.params().items():
        params.setlist(key, values)
    return params


class RunSearchEngine:
    name = "refdesk"

    def __init__(self) -> None:
        from search.query import SearchRequest, run_search

        self._parse = SearchRequest.from_querydict
        self._run = run_search

    def close(self) -> None:
        from django.db import connections

        connections.close_all()

    def search(self, request: BenchRequest) -> Outcome:
        page = self._run(self._parse(_querydict(request)))
        return Outcome(
            total=page.total,
            hits=len(page.hits),
            facet_values=sum(len(facet.values) for facet in page.facets),
        )


class ApiEngine:
    """GET /api/search through Django's test client, as a logged-in analyst."""

    name = "api"

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
        self._client = Client()
        self._client.force_login(user)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()

    def search(self, request: BenchRequest) -> Outcome:
        response = self._client.get("/api/search", request.params())
        if response.status_code != 200:
            raise RuntimeError(
                f"/api/search answered {response.status_code} for {request.params()}"
            )
        data = response.json()
        return Outcome(
            total=int(data["total"]),
            hits=len(data["results"]),
            facet_values=sum(len(values) for values in data["facets"].values()),
        )
