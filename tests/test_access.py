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
    route = re.sub(r"<(?:int:|id:)?\w+>|\(\?P<\w+>\\d\+\)", "1", route)
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


@pytest.fixture
def admin_client(client, django_user_model):
    # No password: hashing one costs more than the request under test.
    user = django_user_model.objects.create(
        username="boss", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    return client


ID_ROUTES = [(route, name) for route, name in ALL_ROUTES if "<id:" in route]


def test_access_id_routes_cover_the_app() -> None:
    names = {name for _, name in ID_ROUTES}
    assert {"search:article", "search:cite", "search:paragraph", "api:article"} <= names


@pytest.mark.parametrize(
    "number",
    [
        "9223372036854775808",  # one past the 64-bit maximum
        "18446744073709551616",  # 2**64
        "99999999999999999999999999",  # far beyond any integer column
    ],
)
@pytest.mark.parametrize(("route", "name"), ID_ROUTES)
def test_access_out_of_range_id_is_a_404(
    admin_client, route: str, name: str, number: str
) -> None:
    url = "/" + re.sub(r"<id:\w+>", number, route)
    url = re.sub(r"<(?:\w+:)?\w+>", "bib", url)
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/articles/9223372036854775808/cite/1/",  # was a 500: OverflowError on SQLite
        "/articles/1/cite/9223372036854775808/",
        "/articles/1/cite/2147483648/",  # past a 32-bit position column (PostgreSQL)
        "/paragraphs/9223372036854775808/",
        "/api/articles/9223372036854775808",
    ],
)
def test_access_known_out_of_range_urls_are_404(admin_client, url: str) -> None:
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/admin/corpus/article/9223372036854775808/change/"])
def test_access_out_of_range_id_in_the_admin_is_not_an_error(
    admin_client, url: str
) -> None:
    assert admin_client.get(url).status_code < 500


# The admin's own pages are Django's (a sample of them is enough to see HEAD works).
APP_ROUTES = [
    (route, name)
    for route, name in ALL_ROUTES
    if not name.startswith("admin:")
    or name in {"admin:index", "admin:corpus_article_changelist"}
]


@pytest.mark.parametrize(("route", "name"), APP_ROUTES)
def test_access_head_is_answered_like_get(admin_client, route: str, name: str) -> None:
    url = _concrete(route)
    get = admin_client.get(url)
    head = admin_client.head(url)
    assert head.status_code == get.status_code, f"HEAD {url}"
    assert head.content == b""


@pytest.mark.parametrize("url", ["/healthz", "/accounts/login/"])
def test_access_head_on_public_pages_is_ok(client, url: str) -> None:
    assert client.head(url).status_code == 200
