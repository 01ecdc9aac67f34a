"""Production settings for the observatory load benchmark, with one change: static files are collected without
the manifest (the benchmark requests HTML pages only, and the manifest step fails on a source map another
vendored library references without shipping it).

BENCH_CONN_MAX_AGE (seconds) measures the proposed change of keeping SQLite connections between requests
(base.py sets CONN_MAX_AGE for PostgreSQL only: each request then opens SQLite and runs its PRAGMAs).
"""

import os

from config.settings.base import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}  # noqa: F405
if "BENCH_CONN_MAX_AGE" in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])  # noqa: F405

_PAGE_MIDDLEWARE = "spaser.observatory.middleware.PublicPageMiddleware"
if os.environ.get("BENCH_PAGE_MIDDLEWARE") == "0" and _PAGE_MIDDLEWARE in MIDDLEWARE:  # noqa: F405
    # Measures the stack without it (base.py places it right after the CSP middleware).
    MIDDLEWARE = [name for name in MIDDLEWARE if name != _PAGE_MIDDLEWARE]  # noqa: F405
