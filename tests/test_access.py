"""Every URL in the URLconf needs a login, except the few that must be public.

The test walks the URLconf itself, so a URL added later cannot slip through unchecked.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Reachable without logging in, and why.
PUBLIC = {
    "healthz",  # load balancers and monitoring
    "login",  # the way in
    "admin:login",  # the admin's own way in
    "logout",  # logging out never reveals anything
    "search:watch_feed",  # feed readers cannot log in; a revocable token stands in
    "search:robots",  # crawlers must read it to know they are not welcome
}


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = (
                f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            )
            yield prefix + str(entry.pattern), name or ""


def _concrete(route: str) -> str:
    """Turn a route pattern into a URL, putting 1 (or 'x') in every parameter."""
    route = route.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\/", "/")
    route = re.sub(r"<(?:int:)?\w+>|\(\?P<\w+>\\d\+\)", "1", route)
    route = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)", "x", route)
    route = re.sub(r"[()?*+^$\\]", "", route)
    return "/" + route


ALL_ROUTES = sorted(set(_walk(get_resolver().url_patterns)))
ROUTES = [(route, name) for route, name in ALL_ROUTES if name not in PUBLIC]


def test_access_urlconf_walk_finds_the_app_urls() -> None:
    names = {name for _, name in ALL_ROUTES}
    assert {"search:search", "search:article", "api:search", "healthz"} <= names
    assert names >= PUBLIC


@pytest.mark.parametrize("url", ["/healthz", "/accounts/login/", "/admin/login/"])
def test_access_public_pages_answer_anonymously(client, url: str) -> None:
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(("route", "name"), ROUTES)
def test_access_anonymous_request_is_refused(client, route: str, name: str) -> None:
    url = _concrete(route)
    for method in (client.get, client.post):
        response = method(url)
        if response.status_code in (301, 302):
            location = response["Location"]
            assert "/login/" in location, f"{url} redirects to {location}"
        else:
            assert response.status_code in (401, 403, 405), (
                f"{method.__name__.upper()} {url} answered {response.status_code}"
            )
