"""The client's address, as the login lockout sees it.

Behind reverse proxies every request comes from the nearest proxy's address, so a
lockout on that address would lock out everyone at once. ``REFDESK_TRUSTED_PROXIES``
says how many proxies in front of the app append to ``X-Forwarded-For``; the client
is the address the outermost of them saw. Entries to the left of that were written
by the client itself and are never trusted.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", ""))
    trusted = int(getattr(settings, "REFDESK_TRUSTED_PROXIES", 0))
    if trusted <= 0:
        return remote
    forwarded = [
        hop.strip()
        for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if hop.strip()
    ]
    if not forwarded:
        return remote
    candidate = forwarded[-trusted] if len(forwarded) >= trusted else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # A proxy that writes something other than an address is misconfigured;
        # the proxy's own address is the safe fallback.
        return remote
