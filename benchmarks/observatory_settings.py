"""Production settings for the observatory load benchmark, with one change: static files are collected without
the manifest (the benchmark requests HTML pages only, and the manifest step fails on a source map another
vendored library references without shipping it)."""

from config.settings.base import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}  # noqa: F405
