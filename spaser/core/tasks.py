from django.core.cache import cache
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

WORKER_HEARTBEAT_KEY = "spaser:worker:heartbeat"


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat():
    """Lets /healthz tell whether a worker is running: it writes the time every minute."""
    cache.set(WORKER_HEARTBEAT_KEY, timezone.now().isoformat(), timeout=600)
