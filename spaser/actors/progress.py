"""Progress of a partner import running in the worker, shared with the web server.

The preview and the confirmation each run in one database transaction (nothing half-saved), so a progress
written to the database would stay invisible until the end; the huey key-value store (its own SQLite file, or
Redis) lives outside that transaction and is shared by every process.
"""

import time

from huey.contrib.djhuey import HUEY


def _key(batch_id: int) -> str:
    return f"spaser:actor-import-progress:{batch_id}"


def publish(batch_id: int, *, done: int, total: int) -> None:
    HUEY.put(_key(batch_id), {"done": done, "total": total, "at": time.time()})


def read(batch_id: int) -> dict | None:
    value = HUEY.get(_key(batch_id), peek=True)
    return value if isinstance(value, dict) else None


def clear(batch_id: int) -> None:
    HUEY.delete(_key(batch_id))


def percent(value: dict | None) -> int:
    if not value or not value.get("total"):
        return 0
    return max(0, min(99, int(100 * value["done"] / value["total"])))
