"""Fetching an article page from a URL an editor typed, with a strict client.

The server must not be usable as a way into the internal network, so every hop
(the first request and each redirect) resolves the host, refuses loopback, private,
link-local and other non-public addresses, and then connects to the checked address
itself (the name is still used for TLS and the Host header), so a second DNS answer
cannot swap in another. Time is limited for the whole fetch, and the body is capped
while it streams, after decompression.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import urllib3
from django.conf import settings

if TYPE_CHECKING:
    from corpus.models import Article

TIME_LIMIT = 15.0
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
# Query parameters that only track the click; utm_* is matched as a prefix.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
}
USER_AGENT = "Refdesk article fetcher"


class FetchError(Exception):
    """A fetch that failed; the message says why, in words for an editor."""


@dataclass(frozen=True)
class FetchedPage:
    url: str
    """The normalised URL that was asked for: the article's source URL."""
    final_url: str
    content_type: str
    html: str


def normalise_url(url: str) -> str:
    """The URL without tracking parameters, fragment, default port or trailing
    slash, with the scheme and host in lower case. Raises FetchError."""
    raw = (url or "").strip()
    if not raw:
        raise FetchError("Enter the address of the article.")
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as error:
        raise FetchError(f"That address is not valid: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise FetchError("Only http and https addresses can be fetched.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchError("That address has no host name.")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FetchError("That address has an invalid host name.") from None
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not name.lower().startswith("utm_")
            and name.lower() not in TRACKING_PARAMS
        ]
    )
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def check_address(address: str, *, allow_loopback: bool = False) -> None:
    """Raise FetchError unless ``address`` is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_loopback:
        return
    if ip.is_loopback:
        raise FetchError(f"{address} is this server itself; it is not fetched.")
    if ip.is_link_local:
        raise FetchError(f"{address} is a link-local address; it is not fetched.")
    if ip.is_private or not ip.is_global or ip.is_multicast or ip.is_reserved:
        raise FetchError(f"{address} is a private address; it is not fetched.")


def resolve(host: str, *, port: int, allow_loopback: bool) -> str:
    """The address to connect to; every address the name resolves to must pass."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"The host {host} could not be found.") from None
    addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
    if not addresses:
        raise FetchError(f"The host {host} could not be found.")
    for address in addresses:
        check_address(address, allow_loopback=allow_loopback)
    return addresses[0]


def _pool(scheme: str, *, host: str, address: str, port: int, timeout: float) -> Any:
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=limits,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=host,
            assert_hostname=host,
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=limits, retries=False)


def fetch_url(
    url: str,
    *,
    time_limit: float = TIME_LIMIT,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> FetchedPage:
    """GET an article page. Raises FetchError with the reason."""
    allow_loopback = bool(getattr(settings, "REFDESK_FETCH_ALLOW_LOOPBACK", False))
    asked = normalise_url(url)
    current = asked
    deadline = time.monotonic() + time_limit
    for hop in range(max_redirects + 1):
        parts = urlsplit(current)
        scheme, host = parts.scheme.lower(), (parts.hostname or "")
        if scheme not in {"http", "https"}:
            raise FetchError("The page redirected to an address that is not http(s).")
        port = parts.port or (443 if scheme == "https" else 80)
        address = resolve(host, port=port, allow_loopback=allow_loopback)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"The site took longer than {time_limit:g} s.")
        pool = _pool(scheme, host=host, address=address, port=port, timeout=remaining)
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            response = pool.urlopen(
                "GET",
                target,
                headers={
                    "Host": parts.netloc,
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5",
                },
                redirect=False,
                preload_content=False,
                decode_content=True,
            )
        except urllib3.exceptions.SSLError:
            pool.close()
            raise FetchError(
                f"The secure connection to {host} failed (the certificate could "
                "not be verified)."
            ) from None
        except urllib3.exceptions.TimeoutError:
            pool.close()
            raise FetchError(f"The site took longer than {time_limit:g} s.") from None
        except urllib3.exceptions.HTTPError as error:
            pool.close()
            raise FetchError(f"The site could not be reached ({error}).") from None
        try:
            if response.status in REDIRECTS and response.headers.get("Location"):
                if hop == max_redirects:
                    raise FetchError(
                        f"The page redirected more than {max_redirects} times."
                    )
                current = urljoin(current, response.headers["Location"])
                continue
            if response.status != 200:
                raise FetchError(f"The site answered {response.status}.")
            content_type = response.headers.get("Content-Type", "text/html")
            media = content_type.split(";", 1)[0].strip().lower()
            if media not in ACCEPTED_TYPES:
                raise FetchError(f"The address is not a web page ({media}).")
            # A server that drips bytes keeps each read alive within its timeout;
            # shutting the response down at the deadline ends the whole body read.
            watchdog = threading.Timer(
                max(deadline - time.monotonic(), 0), response.shutdown
            )
            watchdog.start()
            try:
                body = _read(
                    response, max_bytes=max_bytes, deadline=deadline, limit=time_limit
                )
            finally:
                watchdog.cancel()
            return FetchedPage(
                url=asked,
                final_url=current,
                content_type=media,
                html=_decode(body, content_type=content_type),
            )
        finally:
            response.release_conn()
            pool.close()
    raise FetchError(f"The page redirected more than {max_redirects} times.")


def _read(response: Any, *, max_bytes: int, deadline: float, limit: float) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"The page is larger than {max_bytes // (1024 * 1024)} MB.")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(
                    f"The page is larger than {max_bytes // (1024 * 1024)} MB."
                )
            if time.monotonic() > deadline:
                raise FetchError(f"The site took longer than {limit:g} s.")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise FetchError(f"The site took longer than {limit:g} s.") from None
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as error:
        if time.monotonic() >= deadline:
            raise FetchError(f"The site took longer than {limit:g} s.") from None
        raise FetchError(f"The page could not be read ({error}).") from None
    return b"".join(chunks)


def _decode(body: bytes, *, content_type: str) -> str:
    charset = ""
    for part in content_type.split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def find_article_by_url(url: str) -> Article | None:
    """The article already ingested from this (normalised) URL, if any."""
    from corpus.models import Article

    normalised = normalise_url(url)
    return Article.objects.filter(source_url__in={normalised, url.strip()}).first()
