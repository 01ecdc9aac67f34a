"""The live server the browser tests run against serialises requests on a shared in-memory SQLite connection."""

import threading
import urllib.request

from django.db import connection

from tests.e2e.conftest import _OneRequestAtATimeServer


def test_live_server_serialises_requests_on_a_shared_sqlite_connection(live_server):
    server = live_server.thread.httpd
    assert isinstance(server, _OneRequestAtATimeServer)
    shared = connection.vendor == "sqlite" and connection.is_in_memory_db()
    assert bool(server.connections_override) == shared
    if not shared:
        return
    # While the lock is held, a request is received but not answered; it is answered once the lock is free.
    answered = []
    server.lock.acquire()
    try:
        thread = threading.Thread(
            target=lambda: answered.append(urllib.request.urlopen(live_server.url + "/healthz", timeout=10).status)
        )
        thread.start()
        thread.join(1.0)
        assert answered == []
    finally:
        server.lock.release()
    thread.join(10)
    assert answered == [200]
