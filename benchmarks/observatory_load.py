"""Load benchmark of the public observatory (issue 7): the home page and a published indicator's page served by
gunicorn (2 sync workers, production settings: database cache, whitenoise, CSP), hit by 50 concurrent clients
for 60 s on loopback. Prints requests/s, p50/p95/p99 and errors. Not part of the test suite; results go in
docs/benchmarks.md ("Observatoire public" section).

    .venv/bin/python benchmarks/observatory_load.py --database-url sqlite:////tmp/obsdemo.sqlite3

The database must hold the `make run` data (migrate, createcachetable, `bootstrap` in demo mode, which
publishes the indicators with targets); `--prepare` does it first (about 6 minutes: communes and DECP files).
Bounded: loopback only, fixed duration, fixed number of clients, 10 s timeout per request; gunicorn is
stopped (by its own process id) whatever happens.
"""

import argparse
import asyncio
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def environment(database_url: str, static_root: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.observatory_settings",
            "DJANGO_SECRET_KEY": "benchmark-only-key",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_HTTPS": "False",
            "DATABASE_URL": database_url,
            "DJANGO_STATIC_ROOT": static_root,
            "SPASER_DEMO_MODE": "True",
            "SPASER_DEMO_PASSWORD": "benchmark-demo-password",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": "",
        }
    )
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def indicator_path(env) -> str:
    code = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from spaser.observatory import selectors;"
            "print(selectors.published_indicators(selectors.home_organisation()).first().code)",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"/observatoire/indicateurs/{code}/"


def wait_until_up(port: int, deadline: float):
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn n'a pas démarré")


def client_loop(port, paths, stop_at, results, lock, index):
    connection = None
    latencies, errors, count = {path: [] for path in paths}, 0, 0
    while time.monotonic() < stop_at:
        path = paths[(index + count) % len(paths)]
        count += 1
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, port, timeout=10)
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException):
            errors += 1
            connection = None
            continue
        latencies[path].append(time.perf_counter() - started)
    with lock:
        for path, values in latencies.items():
            results["latencies"][path].extend(values)
        results["errors"] += errors


async def async_client(port, paths, stop_at, results, index):
    """One client of the asyncio generator: a request at a time, a new connection per request (gunicorn's sync
    workers close it after each answer), the whole answer read. Raw HTTP/1.1 on a socket: the generator shares
    the 2 cores with gunicorn, so it must cost little per request (no header parsing, no thread switching)."""
    latencies, errors, count = results["latencies"], 0, 0
    requests = {
        path: (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        ).encode()
        for path in paths
    }
    loop = asyncio.get_running_loop()
    while loop.time() < stop_at:
        path = paths[(index + count) % len(paths)]
        count += 1
        started = time.perf_counter()
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 10)
            writer.write(requests[path])
            body = await asyncio.wait_for(reader.read(-1), 10)
        except (TimeoutError, OSError):
            errors += 1
            continue
        finally:
            if writer is not None:
                writer.close()
        if not body.startswith((b"HTTP/1.1 200 ", b"HTTP/1.0 200 ")):
            errors += 1
            continue
        latencies[path].append(time.perf_counter() - started)
    results["errors"] += errors


async def async_load(port, paths, clients, duration, results):
    stop_at = asyncio.get_running_loop().time() + duration
    await asyncio.gather(*(async_client(port, paths, stop_at, results, index) for index in range(clients)))


def cpu_seconds(pids) -> float:
    """User + system CPU time of processes (Linux /proc), to split the machine's work between the server and the
    generator."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def children(pid) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def run(args):
    static_root = tempfile.mkdtemp(prefix="spaser-static-")
    env = environment(args.database_url, static_root)
    if args.conn_max_age is not None:
        env["BENCH_CONN_MAX_AGE"] = str(args.conn_max_age)
    if args.without_page_middleware:
        env["BENCH_PAGE_MIDDLEWARE"] = "0"
    if args.prepare:
        manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")  # idempotent: the page cache lives in the database (no Redis)
    if args.prepare:
        manage(env, "bootstrap")
    manage(env, "collectstatic", "--noinput")
    paths = ["/observatoire/", indicator_path(env)]
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{args.port}",
            "--access-logfile",
            "-" if args.access_log else "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(args.port, time.monotonic() + 60)
        # Warm-up: both workers load Django and fill the page cache.
        for _ in range(10):
            for path in paths:
                connection = http.client.HTTPConnection(HOST, args.port, timeout=10)
                connection.request("GET", path)
                assert connection.getresponse().status == 200, path
        load_before = os.getloadavg()[0]
        server_pids = [gunicorn.pid, *children(gunicorn.pid)]
        server_cpu_before = cpu_seconds(server_pids)
        generator_cpu_before = time.process_time()
        results = {"latencies": {path: [] for path in paths}, "errors": 0}
        started = time.monotonic()
        if args.generator == "asyncio":
            asyncio.run(async_load(args.port, paths, args.clients, args.duration, results))
        else:
            lock = threading.Lock()
            stop_at = started + args.duration
            threads = [
                threading.Thread(target=client_loop, args=(args.port, paths, stop_at, results, lock, index))
                for index in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()[0]
        server_cpu = cpu_seconds(server_pids) - server_cpu_before
        generator_cpu = time.process_time() - generator_cpu_before
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=30)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    all_latencies = [value for values in results["latencies"].values() for value in values]
    summary = {
        "clients": args.clients,
        "duration_s": round(elapsed, 1),
        "requests": len(all_latencies),
        "errors": results["errors"],
        "requests_per_s": round(len(all_latencies) / elapsed, 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(all_latencies)), 2),
        "generator_cpu_ms_per_request": round(1000 * generator_cpu / max(1, len(all_latencies)), 2),
        "server_workers": len(server_pids) - 1,
        "load_before": round(load_before, 2),
        "load_after": round(load_after, 2),
        "generator": args.generator,
        "conn_max_age": args.conn_max_age,
        "page_middleware": not args.without_page_middleware,
        "pages": {},
    }
    for path, values in [("all", all_latencies), *results["latencies"].items()]:
        summary["pages"][path] = {
            "count": len(values),
            "p50_ms": round(1000 * statistics.median(values), 1),
            "p95_ms": round(1000 * percentile(values, 95), 1),
            "p99_ms": round(1000 * percentile(values, 99), 1),
            "max_ms": round(1000 * max(values), 1),
        }
    print(json.dumps(summary, indent=2, ensure_ascii=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prepare", action="store_true", help="migrate, createcachetable and bootstrap first")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--clients", type=int, default=50, choices=range(1, 201), metavar="1..200")
    parser.add_argument("--duration", type=int, default=60, choices=range(5, 301), metavar="5..300")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument(
        "--without-page-middleware",
        action="store_true",
        help="remove PublicPageMiddleware from the settings' MIDDLEWARE, to measure the whole stack",
    )
    parser.add_argument(
        "--generator",
        choices=["asyncio", "threads"],
        default="asyncio",
        help="asyncio: one event loop, raw sockets (default); threads: one http.client thread per client",
    )
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="keep database connections (the proposed SQLite setting)"
    )
    run(parser.parse_args())


if __name__ == "__main__":
    main()
