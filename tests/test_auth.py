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


def _fail_logins(client, settings, *, forwarded_for: str) -> None:
    wrong = {"username": "analyst", "password": "not-the-password"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            wrong,
            REMOTE_ADDR="10.0.0.2",  # every request arrives from the proxy
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )


def _log_in(client, *, forwarded_for: str) -> int:
    """Log in with the right password through the proxy; the response's status."""
    response = client.post(
        "/accounts/login/",
        {"username": "analyst", "password": "analyst-pass-123"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )
    return response.status_code


def test_auth_lockout_behind_a_proxy_spares_other_clients(
    client, analyst, settings
) -> None:
    settings.REFDESK_TRUSTED_PROXIES = 1
    _fail_logins(client, settings, forwarded_for="203.0.113.5")
    assert _log_in(client, forwarded_for="203.0.113.5") == 429  # attacker
    assert _log_in(client, forwarded_for="198.51.100.7") == 302  # owner


def test_auth_lockout_ignores_a_forwarded_for_the_client_wrote(
    client, analyst, settings
) -> None:
    settings.REFDESK_TRUSTED_PROXIES = 1
    # The attacker prepends a made-up hop; the proxy appends the real address.
    _fail_logins(client, settings, forwarded_for="198.51.100.7, 203.0.113.5")
    assert _log_in(client, forwarded_for="198.51.100.7") == 302  # owner


def test_auth_without_trusted_proxies_the_header_is_ignored(
    client, analyst, settings
) -> None:
    settings.REFDESK_TRUSTED_PROXIES = 0
    _fail_logins(client, settings, forwarded_for="203.0.113.5")
    assert _log_in(client, forwarded_for="198.51.100.7") == 429  # spoofed
