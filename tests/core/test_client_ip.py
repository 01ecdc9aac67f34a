import pytest
from django.test import RequestFactory

from spaser.core import ratelimit
from spaser.core.client_ip import client_ip

PROXY = "10.0.0.1"


def _request(remote_addr=PROXY, forwarded_for=None):
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.SPASER_TRUSTED_PROXIES = 0
    assert client_ip(_request("203.0.113.7", forwarded_for="198.51.100.9")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        # The proxy appended the visitor's address: the right-most entry.
        (1, "203.0.113.7", "203.0.113.7"),
        # The visitor wrote a left-most value of its own: it is not read.
        (1, "198.51.100.9, 203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.9,203.0.113.7", "203.0.113.7"),
        # Two proxies: the outer one appended the visitor, the inner one the outer proxy.
        (2, "198.51.100.9, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Normalised, so that one address has one spelling.
        (1, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        (1, "::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_the_client_is_the_right_most_address_not_written_by_a_trusted_proxy(settings, hops, forwarded_for, expected):
    settings.SPASER_TRUSTED_PROXIES = hops
    assert client_ip(_request(forwarded_for=forwarded_for)) == expected


@pytest.mark.parametrize(
    ("hops", "forwarded_for"),
    [
        (1, None),  # no header: the proxy does not send it
        (1, ""),
        (1, "198.51.100.9, unknown"),  # not an address where the proxy writes one
        (1, "198.51.100.9, 203.0.113.7:4711"),
        (2, "203.0.113.7"),  # fewer entries than trusted proxies: not written by them
    ],
)
def test_without_a_valid_address_from_the_proxies_the_connection_address_counts(settings, hops, forwarded_for):
    settings.SPASER_TRUSTED_PROXIES = hops
    assert client_ip(_request(forwarded_for=forwarded_for)) == PROXY


def test_a_request_without_any_address_has_none(settings):
    settings.SPASER_TRUSTED_PROXIES = 0
    assert client_ip(_request("")) is None


def test_rate_counters_count_per_key_in_the_shared_cache():
    from django.core.cache import cache

    cache.clear()
    assert ratelimit.count("test:a") == 0
    assert [ratelimit.hit("test:a", window=60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("test:a") == 3
    assert ratelimit.count("test:b") == 0
    cache.clear()
