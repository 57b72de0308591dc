from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from corpus.fetch import (
    FetchError,
    check_address,
    fetch_url,
    find_article_by_url,
    normalise_url,
)
from corpus.models import Article

PAGE = (
    b"<html><head><title>Steppe</title></head><body><p>Grain moves.</p></body></html>"
)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/article":
            self._send(200, PAGE, Content_Type="text/html; charset=utf-8")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/article" if left == 0 else f"/hop/{left - 1}"
            self._send(302, Location=target)
        elif path == "/to-private":
            self._send(302, Location="http://10.1.2.3/secret")
        elif path == "/to-file":
            self._send(302, Location="file:///etc/passwd")
        elif path == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(11 * 1024 * 1024))
            self.end_headers()
        elif path == "/streamed-big":
            # No Content-Length: the cap must be checked while reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(11):
                self.wfile.write(b"x" * 1024 * 1024)
        elif path == "/gzip-bomb":
            body = gzip.compress(b"a" * (11 * 1024 * 1024))
            self._send(200, body, Content_Type="text/html", Content_Encoding="gzip")
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/image":
            self._send(200, b"\x89PNG", Content_Type="image/png")
        else:
            self._send(404, b"missing", Content_Type="text/plain")


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # The fetcher hangs up on oversized and slow bodies on purpose.
        pass


@pytest.fixture
def server(settings) -> Iterator[str]:
    settings.REFDESK_FETCH_ALLOW_LOOPBACK = True
    httpd = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        # tracking parameters, fragment and trailing slash go; other parameters stay
        (
            "https://Example.org/a/b/?utm_source=x&id=7&fbclid=y#top",
            "https://example.org/a/b?id=7",
        ),
        ("HTTP://example.org:80/", "http://example.org"),  # default port, root slash
        ("example.org/story", "https://example.org/story"),  # scheme assumed
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ],
)
def test_normalise_url(raw: str, normalised: str) -> None:
    assert normalise_url(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://example.org/file",  # not http(s)
        "javascript:alert(1)",  # not a web address
        "https://",  # no host
        "",  # nothing
    ],
)
def test_normalise_url_refuses(raw: str) -> None:
    with pytest.raises(FetchError):
        normalise_url(raw)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "127.8.9.10",  # loopback range
        "::1",  # IPv6 loopback
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "10.0.0.1",  # private
        "172.16.5.4",  # private
        "192.168.1.1",  # private
        "169.254.169.254",  # link-local (cloud metadata)
        "fe80::1",  # IPv6 link-local
        "fc00::1",  # IPv6 unique local
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
    ],
)
def test_check_address_refuses_non_public(address: str) -> None:
    with pytest.raises(FetchError):
        check_address(address)


def test_check_address_allows_public_and_test_loopback() -> None:
    check_address("93.184.216.34")
    check_address("2606:4700:4700::1111")
    check_address("127.0.0.1", allow_loopback=True)
    with pytest.raises(FetchError):
        check_address("10.0.0.1", allow_loopback=True)


def test_fetch_loopback_is_refused_without_the_test_setting(server, settings) -> None:
    settings.REFDESK_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(FetchError, match="this server itself"):
        fetch_url(f"{server}/article")


def test_fetch_localhost_name_is_checked_after_resolution(settings) -> None:
    settings.REFDESK_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(FetchError, match="this server itself"):
        fetch_url("http://localhost:9/article")


def test_fetch_reads_the_page_and_normalises_the_url(server) -> None:
    page = fetch_url(f"{server}/article/?utm_medium=mail#p2")
    assert page.url == f"{server}/article"
    assert "Grain moves." in page.html


def test_fetch_follows_three_redirects_but_not_four(server) -> None:
    assert "Grain" in fetch_url(f"{server}/hop/2").html
    with pytest.raises(FetchError, match="more than 3 times"):
        fetch_url(f"{server}/hop/3")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-private", "private address"),  # checked again on the redirect
        ("/to-file", "not http"),
        ("/declared-big", "larger than 10 MB"),
        ("/streamed-big", "larger than 10 MB"),
        ("/gzip-bomb", "larger than 10 MB"),  # the cap counts decompressed bytes
        ("/image", "not a web page"),
        ("/missing", "answered 404"),
    ],
)
def test_fetch_failures_say_why(server, path: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        fetch_url(server + path)


def test_fetch_total_time_limit_covers_a_dripping_body(server) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than 1 s"):
        fetch_url(f"{server}/drip", time_limit=1.0)
    assert time.monotonic() - started < 3


def test_find_article_by_url_matches_the_normalised_source_url(db) -> None:
    article = Article.objects.create(
        title="Steppe", source_url="https://example.org/steppe"
    )
    assert find_article_by_url("https://EXAMPLE.org/steppe/?utm_source=feed") == article
    assert find_article_by_url("https://example.org/other") is None
