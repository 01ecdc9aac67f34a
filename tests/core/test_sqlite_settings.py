"""The embedded SQLite database: settings applied on every connection (config.settings.base)."""

import sqlite3

from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper


def open_with_base_settings(path):
    settings_dict = {
        **connection.settings_dict,
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"init_command": settings.SQLITE_INIT_COMMAND},
    }
    wrapper = DatabaseWrapper(settings_dict, alias="sqlite-settings-test")
    wrapper.ensure_connection()
    return wrapper


def pragmas(wrapper):
    with wrapper.cursor() as cursor:
        return {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_size", "journal_mode")}


def test_a_new_database_gets_8_kb_pages_in_wal_mode(tmp_path):
    wrapper = open_with_base_settings(tmp_path / "new.sqlite3")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x TEXT)")
        assert pragmas(wrapper) == {"page_size": 8192, "journal_mode": "wal"}
    finally:
        wrapper.close()


def test_an_existing_database_keeps_its_pages(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as existing:
        existing.execute("CREATE TABLE t (x TEXT)")
        existing.execute("INSERT INTO t VALUES ('gardé')")
    existing.close()
    wrapper = open_with_base_settings(path)
    try:
        assert pragmas(wrapper) == {"page_size": 4096, "journal_mode": "wal"}
        with wrapper.cursor() as cursor:
            assert cursor.execute("SELECT x FROM t").fetchall() == [("gardé",)]
    finally:
        wrapper.close()
