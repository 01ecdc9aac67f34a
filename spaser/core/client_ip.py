"""The client's network address: the one every per-address limit counts.

Behind reverse proxies, REMOTE_ADDR is the address of the last proxy, shared by every visitor. Each proxy
appends to X-Forwarded-For the address it received the request from, so with N trusted proxies in front of
the application the client is the N-th entry from the right. Everything left of it was written by the client
itself and proves nothing: reading it would let anyone escape a limit, or have someone else's address blocked.

Used by the contact form's limit, django-axes (AXES_CLIENT_IP_CALLABLE), the password reset limit and the
public API's throttle.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, normalised (e.g. "2001:db8::1", an IPv4-mapped IPv6 address as IPv4).

    None when the request carries no valid address at all (REMOTE_ADDR empty, e.g. a Unix socket).
    """
    remote = _normalised(request.META.get("REMOTE_ADDR", ""))
    hops = settings.SPASER_TRUSTED_PROXIES
    if hops <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < hops:
        # Fewer entries than trusted proxies: the chain was not written by them. Count the proxy's address: a
        # limit then applies to more people than it should, never to fewer.
        return remote
    return _normalised(chain[-hops]) or remote


def _normalised(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)
