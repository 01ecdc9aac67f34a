"""Where a first DECP import spends its time, stage by stage: wall and CPU time of each stage of the import of
one file into a new database, by timers wrapped around the import's own functions (an overhead of about 1 µs
per call, not cProfile's per-function cost). Not part of the test suite; results go in docs/benchmarks.md.

    .venv/bin/python benchmarks/decp_profile.py --records 100000 --databases sqlite postgres

Stages (nested timers are subtracted from their parent, so the lines add up to the total):

- read: ``decp_source.iter_records`` (file reading and JSON decoding), the inspection (SHA-256) included;
- transform: ``decp.transform`` (normalisation);
- fingerprint: ``ContractRow.content_hash``;
- quarantine: the rejected records' journal rows, built and written;
- lookups: the places' référentiel loaded, buyers, suppliers and establishments, known contracts, reservation of ids;
- build: the contracts' values (``ContractLoader._build``) and the holders' and modifications' rows;
- write: ``bulk.Inserter._write`` (sending the rows: ``executemany`` or ``COPY``), per table;
- wait: ``PendingCopy.settle`` (the server storing a COPY left pending) and the set-based foreign-key check;
- gc: the cyclic garbage collector's collections, by generation;
- commit; the rest of ``ContractLoader.load`` (outcome loop) and of the import is "other".

The file is the one ``decp_floor.py`` and ``decp_import.py`` generate (generated here if missing).
"""

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import decp_import  # noqa: E402

WALL, CPU = defaultdict(float), defaultdict(float)
CALLS = defaultdict(int)
STACK: list[list] = []  # [name, time spent in nested timers: wall, cpu]


def timed(name_of, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        name = name_of(*args, **kwargs) if callable(name_of) else name_of
        STACK.append([name, 0.0, 0.0])
        wall0, cpu0 = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            _, nested_wall, nested_cpu = STACK.pop()
            WALL[name] += wall - nested_wall
            CPU[name] += cpu - nested_cpu
            CALLS[name] += 1
            if STACK:
                STACK[-1][1] += wall
                STACK[-1][2] += cpu

    return wrapper


def timed_generator(name, function):
    """A generator's own time, each step (the consumer's time between steps is not counted)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        iterator = function(*args, **kwargs)
        step = timed(name, lambda: next(iterator, StopIteration))
        while (item := step()) is not StopIteration:
            yield item

    return wrapper


def child(path: Path) -> dict:
    import django

    django.setup()
    from django.db import connection

    from spaser.contracts import bulk, services
    from spaser.imports import services as import_services
    from spaser.imports.pipelines import decp, decp_source
    from spaser.suppliers import services as supplier_services

    decp_source.iter_records = timed_generator("read", decp_source.iter_records)
    decp_source.inspect = timed("read", decp_source.inspect)
    decp.transform = timed("transform", decp.transform)
    decp.ContractRow.content_hash = timed("fingerprint", decp.ContractRow.content_hash)
    loader = services.ContractLoader
    for name in ("_ensure_buyers", "_existing"):
        setattr(loader, name, timed("lookups", getattr(loader, name)))
    supplier_services.SupplierRegistry.ensure = timed("lookups", supplier_services.SupplierRegistry.ensure)
    bulk.Inserter.reserve_ids = timed("lookups", bulk.Inserter.reserve_ids)
    loader._build = timed("build", loader._build)
    loader._holders = timed("build", loader._holders)
    loader._write_children = timed("build", loader._write_children)
    loader.load = timed("other (outcomes, load)", loader.load)
    bulk.Inserter._write = timed(lambda self, *a, **k: f"write {self.table}", bulk.Inserter._write)
    bulk.PendingCopy.settle = timed("wait (pending COPY)", bulk.PendingCopy.settle)
    bulk.ReferenceChecks.verify = timed("wait (foreign keys)", bulk.ReferenceChecks.verify)
    from spaser.geo.selectors import PlaceResolver
    from spaser.imports.models import QuarantinedRecord

    PlaceResolver.__init__ = timed("lookups", PlaceResolver.__init__)
    decp.raw_identifiers = timed("quarantine", decp.raw_identifiers)
    decp.raw_json = timed("quarantine", decp.raw_json)
    QuarantinedRecord.__init__ = timed("quarantine", QuarantinedRecord.__init__)
    manager = type(QuarantinedRecord.objects)
    manager.bulk_create = timed("quarantine", manager.bulk_create)
    connection.ensure_connection()
    connection.commit = timed("commit", connection.commit)
    import_services.progress.publish = timed("progress", import_services.progress.publish)
    import gc

    collecting = []

    def on_gc(phase, info):  # collections are not charged to the stage they interrupt
        if phase == "start":
            STACK.append(["gc", 0.0, 0.0])
            collecting.append((time.perf_counter(), time.process_time()))
            return
        (wall0, cpu0) = collecting.pop()
        STACK.pop()  # nothing runs inside a collection
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        name = f"gc (generation {info['generation']})"
        WALL[name] += wall
        CPU[name] += cpu
        CALLS[name] += 1
        if STACK:
            STACK[-1][1] += wall
            STACK[-1][2] += cpu

    gc.callbacks.append(on_gc)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    run = timed("other (import)", import_services.decp_import_file)(path=path)
    assert run.status == "succeeded", run.error
    total_wall, total_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {
        "records": run.read_count,
        "wall": total_wall,
        "cpu": total_cpu,
        "stages": {name: [WALL[name], CPU[name], CALLS[name]] for name in sorted(WALL, key=WALL.get, reverse=True)},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return
    path = args.workdir / f"decp-2024-{args.records}.json"
    if not path.exists():
        generator = str(ROOT / "benchmarks" / "generate_decp.py")
        subprocess.run([sys.executable, generator, str(path), "--records", str(args.records)], check=True)
    for database in args.databases:
        env = decp_import.prepare_database(database, args.workdir, f"profile-{database}-{args.records}")
        load = os.getloadavg()[0]
        command = [sys.executable, __file__, "--child", str(path)]
        out = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        records = result["records"]
        print(f"\n{database}, {records} enregistrements, charge {load:.1f} → {os.getloadavg()[0]:.1f}")
        print(f"  total : écoulé {result['wall']:.2f} s, CPU {result['cpu']:.2f} s")
        print(f"  {'étape':32} {'écoulé s':>9} {'CPU s':>7} {'µs/enr. (écoulé)':>17} {'appels':>8}")
        for name, (wall, cpu, calls) in result["stages"].items():
            print(f"  {name:32} {wall:9.2f} {cpu:7.2f} {wall / records * 1e6:17.1f} {calls:8}")
        if database == "postgres":
            from decp_floor import drop_postgres

            drop_postgres([f"spaser_bench_profile_{database}_{args.records}"])


if __name__ == "__main__":
    main()
