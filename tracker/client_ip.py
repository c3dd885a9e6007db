"""The real client address behind the proxies we run (issue 12).

`X-Forwarded-For` is read only when the request comes from one of `settings.TRUSTED_PROXIES`
(addresses or networks, from the environment): then the client is the right-most address in
it that is not itself a trusted proxy (a client can prepend anything, but not what our proxy
appended). From anywhere else the header is ignored and REMOTE_ADDR is the client, so nobody
can pick the address a lockout counts against. django-axes calls this
(AXES_CLIENT_IP_CALLABLE).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in n for n in networks)


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(_parse(remote), networks):
        return remote or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _parse(hop)
        if address is None:
            return remote or None  # a garbled chain: trust only what we saw
        if not _trusted(address, networks):
            return str(address)
    return remote or None
