from __future__ import annotations

import lxml.html
import pytest

pytestmark = pytest.mark.django_db


def test_auth_anonymous_search_page_redirects_to_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_auth_anonymous_admin_redirects_to_login(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302


def test_auth_healthz_is_open_and_reports_database_and_index(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert "status" in body["index"]


def test_auth_login_page_is_open(client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200


def test_auth_login_then_logout(client, analyst) -> None:
    response = client.post(
        "/accounts/login/", {"username": "analyst", "password": "analyst-pass-123"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_auth_login_is_locked_after_repeated_failures(
    client, analyst, settings
) -> None:
    wrong = {"username": "analyst", "password": "not-the-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", wrong).status_code == 200
    client.post("/accounts/login/", wrong)

    right = {"username": "analyst", "password": "analyst-pass-123"}
    response = client.post("/accounts/login/", right)

    assert response.status_code == 429
    page = lxml.html.fromstring(response.content.decode())
    assert page.cssselect("header.site-header .brand")
    (heading,) = page.cssselect("main h1")
    assert heading.text_content() == "Too many failed log-in attempts"
    assert "try again" in page.cssselect("main")[0].text_content()
    assert client.get("/").status_code == 302
