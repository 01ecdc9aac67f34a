"""Progress of a running import, shared between the worker and the web server.

The import of a file runs in one database transaction, so a progress written to the database would stay
invisible until the end (and SQLite allows one writer). The huey key-value store lives outside that
transaction (its own SQLite file, or Redis) and is shared by every process.
"""

import time

from huey.contrib.djhuey import HUEY


def _key(run_id: int) -> str:
    return f"spaser:import-progress:{run_id}"


# What the worker is doing: copying the uploaded file next to it, checking it (hash, decompression, encoding),
# then reading its records.
COPY, CHECK, READ = "copy", "check", "read"


def publish(run_id: int, *, done_bytes: int, total_bytes: int, read: int = 0, phase: str = READ) -> None:
    HUEY.put(_key(run_id), {"done": done_bytes, "total": total_bytes, "read": read, "phase": phase, "at": time.time()})


def read(run_id: int) -> dict | None:
    value = HUEY.get(_key(run_id), peek=True)
    return value if isinstance(value, dict) else None


def clear(run_id: int) -> None:
    HUEY.delete(_key(run_id))


def percent(value: dict | None) -> int:
    if not value or not value.get("total"):
        return 0
    return max(0, min(99, int(100 * value["done"] / value["total"])))
