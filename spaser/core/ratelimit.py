"""Counters of events per key over a fixed window, in the Django cache.

The cache is the database or Redis in production (config/settings/base.py): every web process and the worker
share the counts, so a limit holds whatever the number of gunicorn workers. Keys name what is counted and for
whom, e.g. "observatory:contact:203.0.113.7"; addresses come from spaser.core.client_ip.
"""

from django.core.cache import cache


def count(key: str) -> int:
    """Events counted under `key` in its current window (0 once the window is over)."""
    return cache.get(_cache_key(key), 0)


def hit(key: str, *, window: int) -> int:
    """Counts one event under `key` and returns the count in the window, this one included.

    The window starts with the first event and lasts `window` seconds; events in it do not extend it.
    """
    cache_key = _cache_key(key)
    if cache.add(cache_key, 1, window):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # the window ended between add and incr
        cache.add(cache_key, 1, window)
        return 1


def _cache_key(key: str) -> str:
    return f"ratelimit:{key}"
