"""DECP import benchmark: throughput (records/s) and peak memory (RSS) of the `import_decp` command, beside
a plain `json.load` of the same file. Not part of the test suite; results go in docs/benchmarks.md.

    .venv/bin/python benchmarks/decp_import.py --records 100000 1000000 --databases sqlite postgres

Each measure runs in a fresh child process (its peak RSS is read from the kernel with wait4; the import is
one process and one thread, so it uses one core; --pin adds taskset -c 0), against a fresh, migrated
database holding the geographic reference (SQLite: the file of an earlier run is deleted first; the first
import must create every accepted record, or the run stops). ``--reimport`` then imports the same file a
second time into that database: every contract is found unchanged. The child reports the CPU time of the import itself
(``resource.getrusage`` around the command, Django start-up excluded) and, on PostgreSQL, the CPU time of
its server process (``/proc/<pg_backend_pid>/stat``: the server runs on this machine). The machine is
shared: CPU time is the figure that compares from one run to the next; wall time depends on the load.
PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432) with a throw-away database per run
(spaser_bench_<base>_<records>).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PIN: list[str] = []  # set by --pin: taskset -c 0


def measure(command: list[str], env: dict) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in MB, stdout, CPU seconds) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen([*PIN, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = process.stdout.read()
    process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command} a échoué")
    return elapsed, usage.ru_maxrss // 1024, stdout.decode(), usage.ru_utime + usage.ru_stime


def json_load_baseline(path: Path) -> tuple[float, int]:
    """(CPU seconds, peak RSS in MB) of json.load of the whole file."""
    code = (
        "import json, sys, time; t = time.process_time(); json.load(open(sys.argv[1], encoding='utf-8')); "
        "print(time.process_time() - t)"
    )
    _, rss, out, _ = measure([PYTHON, "-c", code, str(path)], dict(os.environ))
    return float(out.strip()), rss


# Runs the import command in the child and prints its own figures as JSON on the last line.
CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
backend = None
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

def server_cpu():
    if backend is None:
        return 0.0
    fields = open(f"/proc/{backend}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

usage = resource.getrusage(resource.RUSAGE_SELF)
cpu0, server0, wall0 = usage.ru_utime + usage.ru_stime, server_cpu(), time.perf_counter()
call_command("import_decp", sys.argv[1], "--no-progress")
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "cpu": usage.ru_utime + usage.ru_stime - cpu0,
    "server_cpu": server_cpu() - server0,
    "wall": time.perf_counter() - wall0,
}))
"""


def prepare_database(kind: str, workdir: Path, tag: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_SECRET_KEY": "benchmark-only",
        "DJANGO_ALLOWED_HOSTS": "localhost",
        "DJANGO_HTTPS": "False",
        "SPASER_VAR_DIR": str(workdir / f"var-{tag}"),
        "LOG_LEVEL": "WARNING",
    }
    if kind == "sqlite":
        database = workdir / f"{tag}.sqlite3"
        # A new database every time: an import into the database of an earlier run finds every contract
        # already there and measures a re-import ("inchangés"), a different and much lighter workload.
        for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{database}"
    else:
        import psycopg

        base = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
        name = f"spaser_bench_{tag}".replace("-", "_")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{base}/{name}"
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PYTHON, "-c", "import django; django.setup(); from spaser.geo.services import geo_load_reference as g; g()"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return env


def journal_of_last_import(env: dict) -> dict:
    """Duration and outcome counts of the last import, from its journal entry."""
    code = (
        "import django, json; django.setup(); from spaser.imports.models import ImportRun; "
        "r = ImportRun.objects.latest('pk'); print(json.dumps({'seconds': (r.finished_at - r.started_at)"
        ".total_seconds(), 'status': r.status, 'read': r.read_count, 'created': r.created_count, "
        "'updated': r.updated_count, 'unchanged': r.unchanged_count, 'merged': r.merged_count, "
        "'rejected': r.rejected_count}))"
    )
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite"], choices=["sqlite", "postgres"])
    parser.add_argument("--format", choices=["2019", "2024"], default="2024")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench")
    parser.add_argument("--no-json-load", action="store_true", help="skip the json.load reference (memory)")
    parser.add_argument("--json-load-max", type=int, default=1_000_000, help="skip json.load above this many records")
    parser.add_argument("--pin", action="store_true", help="taskset -c 0 (on an otherwise idle machine)")
    parser.add_argument(
        "--reimport", action="store_true", help="import the same file a second time (every contract unchanged)"
    )
    args = parser.parse_args(argv)
    if args.pin and shutil.which("taskset"):
        PIN[:] = ["taskset", "-c", "0"]
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = []
    machine = platform.processor() or platform.machine()
    print(f"# {machine} – {os.cpu_count()} cœurs – Python {platform.python_version()}")
    print(f"# uptime : {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}", flush=True)
    for records in args.records:
        path = args.workdir / f"decp-{args.format}-{records}.json"
        if not path.exists():
            subprocess.run(
                [
                    PYTHON,
                    str(ROOT / "benchmarks" / "generate_decp.py"),
                    str(path),
                    "--records",
                    str(records),
                    "--format",
                    args.format,
                ],
                check=True,
            )
        skip_load = args.no_json_load or records > args.json_load_max
        load_seconds, load_rss = (0.0, 0) if skip_load else json_load_baseline(path)
        for database in args.databases:
            tag = f"{database}-{records}"
            env = prepare_database(database, args.workdir, tag)
            for attempt in ("premier", "second")[: 2 if args.reimport else 1]:
                result = measure_import(path, records, database, env, attempt)
                result.update({"json_load_cpu_seconds": round(load_seconds, 1), "json_load_peak_rss_mb": load_rss})
                results.append(result)
                print(json.dumps(result), flush=True)
    print(
        "| enregistrements | base | import | créés / inchangés | import (s) | enr./s (écoulé) | CPU import (s) "
        "| enr./s de CPU | CPU serveur (s) | enr./s de CPU, serveur compris | RSS max (Mo) | json.load CPU (s) "
        "| RSS json.load (Mo) | charge début/fin |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        line = (
            f"| {r['records']:,} | {r['database']} | {r['import']} | {r['created']:,} / {r['unchanged']:,} "
            f"| {r['import_seconds']} | {r['records_per_second']:,} "
            f"| {r['import_cpu_seconds']} | {r['records_per_cpu_second']:,} | {r['server_cpu_seconds']} "
            f"| {r['records_per_cpu_second_with_server']:,} | {r['peak_rss_mb']} | {r['json_load_cpu_seconds']} "
            f"| {r['json_load_peak_rss_mb']} | {r['load_average_at_start']}/{r['load_average_at_end']} |"
        )
        print(line.replace(",", " "))


def measure_import(path: Path, records: int, database: str, env: dict, attempt: str) -> dict:
    """One import of ``path`` in a child process. The first import of a run goes into a new database: it
    must create every accepted record, or the figures would describe another workload."""
    load_average = os.getloadavg()[0]
    _, rss, out, _ = measure([PYTHON, "-c", CHILD, str(path)], env)
    figures = json.loads(out.strip().splitlines()[-1])
    journal = journal_of_last_import(env)
    first_incomplete = attempt == "premier" and journal["created"] + journal["rejected"] != records
    if journal["status"] != "succeeded" or journal["read"] != records or first_incomplete:
        raise RuntimeError(f"Le premier import n'a pas créé chaque enregistrement accepté : {journal}")
    cpu, server_cpu = figures["cpu"], figures["server_cpu"]
    return {
        "records": records,
        "database": database,
        "import": attempt,
        "created": journal["created"],
        "unchanged": journal["unchanged"],
        "file_mb": round(path.stat().st_size / 2**20),
        "import_seconds": round(journal["seconds"], 1),
        "wall_seconds": round(figures["wall"], 2),  # the command's, COMMIT included (the journal's is not)
        "records_per_second": round(records / journal["seconds"]),
        "import_cpu_seconds": round(cpu, 1),
        "records_per_cpu_second": round(records / cpu),
        "server_cpu_seconds": round(server_cpu, 1),
        "records_per_cpu_second_with_server": round(records / (cpu + server_cpu)),
        "load_average_at_start": round(load_average, 1),
        "load_average_at_end": round(os.getloadavg()[0], 1),
        "peak_rss_mb": rss,
    }


if __name__ == "__main__":
    main()
