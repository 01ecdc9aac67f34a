"""Cache of the rendered public pages, invalidated when what they show changes.

A public page is rendered once per *publication version* and kept at two levels:

- in the memory of the web process (a bounded LRU): a hit costs no database query and no template rendering;
- in the shared Django cache (database or Redis), so that the other web processes do not render it again.

The publication version has three parts:

- a counter in the shared cache, bumped by ``publication_cache_invalidate()``: an administrator publishes or
  withdraws an indicator, a pilot enters a manual value, the SPASER tree, targets or the forward plan change
  (signals connected in ``apps.ready``);
- the highest id of the stored indicator values: the indicators app replaces them (delete + bulk insert, which
  sends no signal) after every import, validation or periodic recompute, so a recompute always changes it;
- the date of the newest template or observatory file, so that a deployment never serves former pages.

Each process reads the version at most once every ``VERSION_CHECK_SECONDS``; the process that invalidates
sees the change at once, the others within that delay. Pages also expire after ``PAGE_SECONDS`` whatever
happens. Only anonymous GET/HEAD requests use the cache: a signed-in user sees his own navigation.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import lru_cache, wraps
from pathlib import Path

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpResponse

logger = logging.getLogger(__name__)

VERSION_KEY = "observatory:publication:version"
PAGE_SECONDS = 6 * 3600
VERSION_CHECK_SECONDS = 1.0
LOCAL_MAX_PAGES = 256

_lock = threading.Lock()
_local_pages: OrderedDict = OrderedDict()
_local_version = {"value": None, "checked_at": 0.0}


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """The newest template or observatory module: a deployment changes it, so no page of the former code is
    served from the shared cache (it survives restarts). The same in every process of one deployment."""
    from django.conf import settings

    roots = [Path(settings.BASE_DIR) / "spaser" / "templates", Path(__file__).parent]
    files = (path for root in roots for path in root.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    newest = max(path.stat().st_mtime_ns for path in files)
    return format(newest, "x")


def _values_stamp() -> int:
    from spaser.indicators.models import IndicatorValue

    return IndicatorValue.objects.aggregate(top=Max("pk"))["top"] or 0


def _read_version() -> str:
    counter = cache.get(VERSION_KEY)
    if counter is None:
        # First use, or evicted: start a new counter from the clock so that no page kept under an older counter
        # is taken for current.
        counter = int(time.time() * 1000)
        if not cache.add(VERSION_KEY, counter, None):
            counter = cache.get(VERSION_KEY, counter)
    return f"{counter}.{_values_stamp()}.{_code_stamp()}"


def publication_version() -> str:
    now = time.monotonic()
    if _local_version["value"] is None or now - _local_version["checked_at"] >= VERSION_CHECK_SECONDS:
        value = _read_version()
        with _lock:
            if _local_version["value"] != value:
                _local_pages.clear()
                _local_full.clear()
            _local_version.update(value=value, checked_at=now)
    return _local_version["value"]


def publication_cache_invalidate(reason: str = "") -> None:
    """Every public page is rendered again on its next request (at once here, within a second elsewhere)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no counter yet: the next read starts one
        pass
    except Exception:  # a cache outage must not fail the write that changed the data (pages expire anyway)
        logger.exception("observatory public pages: the shared version could not be bumped")
    with _lock:
        _local_pages.clear()
        _local_full.clear()
        _local_version.update(value=None, checked_at=0.0)
    logger.debug("observatory public pages invalidated (%s)", reason or "explicit call")


def _param_parts(request, params) -> list[str]:
    """The known query parameters that change the page, in a fixed order (unknown ones make no new entry)."""
    parts = []
    for param in params:
        values = request.GET.getlist(param)
        if values:
            parts.append(f"{param}={','.join(values)[:100]}")
    return parts


def _key(request, name: str, args, kwargs, params) -> str:
    parts = [name, *map(str, args), *(f"{k}={v}" for k, v in sorted(kwargs.items()))]
    return "|".join(parts + _param_parts(request, params))


def public_page(*, params: tuple[str, ...] = (), vary=None):
    """Caches a public view's 200 answers. ``params``: the query parameters the page depends on (others are
    ignored, so junk parameters never create new entries); ``vary``: a function of nothing giving what else the
    page depends on (a setting)."""

    def decorator(view):
        name = f"{view.__module__}.{view.__name__}"

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            version = publication_version()
            request.observatory_public_params = params if vary is None else None
            key = f"{_key(request, name, args, kwargs, params)}@{version}"
            if vary is not None:
                key += f"|{vary()}"
            with _lock:
                entry = _local_pages.get(key)
                if entry is not None and entry[2] < time.monotonic():
                    del _local_pages[key]
                    entry = None
                if entry is not None:
                    _local_pages.move_to_end(key)
            shared_key = "observatory:page:" + hashlib.sha256(key.encode()).hexdigest()
            if entry is None:
                shared = cache.get(shared_key)
                if shared is not None:
                    entry = _remember(key, shared)
            if entry is not None:
                content, content_type, _expires = entry
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                cache.set(shared_key, (response.content, response["Content-Type"]), PAGE_SECONDS)
                _remember(key, (response.content, response["Content-Type"]))
            return response

        return wrapped

    return decorator


def _remember(key: str, shared: tuple):
    """Keeps (content, content type) in this process until the version changes or PAGE_SECONDS pass."""
    entry = (*shared, time.monotonic() + PAGE_SECONDS)
    with _lock:
        _local_pages[key] = entry
        _local_pages.move_to_end(key)
        while len(_local_pages) > LOCAL_MAX_PAGES:
            _local_pages.popitem(last=False)
    return entry


def data_cached(name: str, compute, *parts):
    """Aggregates over the contracts (territory, years): they change with the contracts, after which the stored
    indicator values are recomputed. Kept under the values' stamp only, they survive a publication change: the
    pages are rendered again without recounting the contracts."""
    _counter, stamp, code = publication_version().split(".")
    key = "observatory:data:" + hashlib.sha256(repr((name, parts, stamp, code)).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, PAGE_SECONDS)
    return value


# --- Whole answers, for PublicPageMiddleware -------------------------------------------------------------

_local_full: OrderedDict = OrderedDict()
_path_params: dict[str, tuple] = {}
REPLAYED_HEADERS_SKIP = {"set-cookie", "content-security-policy", "content-security-policy-report-only"}


def _full_key(request, params) -> str:
    return "|".join([request.path, *_param_parts(request, params)])


def full_page_get(request):
    """The whole cached answer to this anonymous request, or None (this process's memory only)."""
    params = _path_params.get(request.path)
    if params is None:
        return None
    key = f"{_full_key(request, params)}@{publication_version()}"
    with _lock:
        entry = _local_full.get(key)
        if entry is not None and entry[2] < time.monotonic():
            del _local_full[key]
            entry = None
    if entry is None:
        return None
    content, headers, _expires = entry
    response = HttpResponse(content)
    for header, value in headers:
        response.headers[header] = value
    return response


def full_page_set(request, response) -> None:
    """Keeps the answer of a public_page view as the stack made it (headers included)."""
    params = getattr(request, "observatory_public_params", None)
    if params is None or response.status_code != 200 or response.streaming or response.cookies:
        return
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return
    headers = [(h, v) for h, v in response.items() if h.lower() not in REPLAYED_HEADERS_SKIP]
    key = f"{_full_key(request, params)}@{publication_version()}"
    with _lock:
        if len(_path_params) < 4 * LOCAL_MAX_PAGES:
            _path_params[request.path] = params
        _local_full[key] = (response.content, headers, time.monotonic() + PAGE_SECONDS)
        while len(_local_full) > LOCAL_MAX_PAGES:
            _local_full.popitem(last=False)


def publication_cache_invalidate_on_commit(reason: str) -> None:
    """For writes inside a transaction: drop the pages now (this process) and again once the data is committed,
    so that a page another process rendered from the old data in between is not kept."""
    from django.db import transaction

    publication_cache_invalidate(reason)
    transaction.on_commit(lambda: publication_cache_invalidate(f"{reason}, committed"))


def reset_for_tests() -> None:
    with _lock:
        _local_pages.clear()
        _local_full.clear()
        _path_params.clear()
        _local_version.update(value=None, checked_at=0.0)
