"""DECP import against its floor, in the same run and on the same file: throughput of the import, throughput of
the floor, their ratio (import ÷ floor), peak RSS of the import. Not part of the test suite; results go in
docs/benchmarks.md (issue #17: ratio ≥ 0.75 on SQLite and PostgreSQL, at 100,000 and 1,000,000 records).

    .venv/bin/python benchmarks/decp_floor.py --records 100000 --databases sqlite postgres [--pairs 2] [--pin]

For each database, ``--pairs`` times, alternately:

1. **import**: ``import_decp`` of the file into a new migrated database (first import: it must create every
   accepted record), in a child process (``decp_import.measure_import``); its time is the wall time of the
   command, COMMIT included, and its peak RSS is read from the kernel (wait4).
2. **floor**: the cheapest work that stores the same rows from the same file, in another new database, in a
   child process. Every row the import wrote (buyers, suppliers, establishments, contracts, holders,
   modifications, quarantined records) is read back, as stored, from the import's database, and held in
   memory. The timer then starts, and the child does what the import cannot avoid:

   - it reads the file with the import's own reader (``decp_source.inspect`` then ``iter_records``:
     encoding, SHA-256, JSON scanning), but neither normalises, fingerprints nor looks anything up;
   - every 1,000 records read, it writes the rows of the next 1,000 records, each table through the import's
     own write path (``bulk.Inserter``: ``executemany`` of one prepared INSERT on SQLite, ``COPY`` on
     PostgreSQL), in the import's order, with the import's session settings (``_bulk_session``: SQLite page
     cache, garbage collector) and in one transaction;
   - on PostgreSQL, the foreign keys of contracts, holders and modifications are checked as the import checks
     them (``bulk.ReferenceChecks``: triggers off while writing, one set-based check before the commit,
     docs/adr/0003), the other tables by their triggers; the contracts' ``COPY`` is left to the server
     while the next records are read (``bulk.PendingCopy``, docs/adr/0004). SQLite checks its keys itself;
   - it commits. The floor's time is that wall time.

   Rows are spread over the batches in the order of their ids, in proportion to the records read (holders and
   modifications go with their contract): the reading and the writing interleave as in the import.

The floor is thus the import with every step removed that is not reading the file or storing its rows: the
lower bound of an import of these records into this schema, with the same code for both databases. Before
session 7 the floor was measured apart (``executemany`` or ``COPY`` of contracts, holders and modifications
only, reading timed separately, no foreign-key check on PostgreSQL): see docs/benchmarks.md.

PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432); databases spaser_bench_<tag>, dropped at
the end unless --keep.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import decp_import  # noqa: E402

BATCH = 1000  # records read between two writes, as the import's batches (imports.services.BATCH_SIZE)
# (model label, timed): what the import writes, parents first. The journal entry exists before the
# import's clock starts: copied untimed.
TABLES = [
    ("imports.ImportRun", False),
    ("accounts.Organisation", True),
    ("suppliers.Supplier", True),
    ("suppliers.Establishment", True),
    ("contracts.ContractModification", True),
    ("contracts.ContractHolder", True),
    ("contracts.Contract", True),
    ("imports.QuarantinedRecord", True),
]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_rows(filled: str, tables) -> dict[str, list[tuple]]:
    """Rows of each table of the filled database, columns in the order of the model's concrete fields, in the
    form the import binds: on SQLite as stored (the plain driver gives back the storage classes the import
    bound); on PostgreSQL dates, timestamps, decimals, JSON and booleans as their text, what the import's
    prepared values are (``bulk.sql_*``)."""
    from django.db import connection

    rows = {}
    if connection.vendor == "sqlite":
        import sqlite3

        source = sqlite3.connect(filled)
        for model in tables:
            columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
            rows[model] = source.execute(f'SELECT {columns} FROM "{model._meta.db_table}" ORDER BY 1').fetchall()
        source.close()
        return rows
    import psycopg
    from psycopg.types.string import TextLoader

    with psycopg.connect(filled) as source:
        for name in ("date", "timestamptz", "numeric", "json", "jsonb", "bool"):
            source.adapters.register_loader(name, TextLoader)
        for model in tables:
            columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields)
            rows[model] = source.execute(f'SELECT {columns} FROM "{model._meta.db_table}" ORDER BY 1').fetchall()
    return rows


def spread(rows: list, batches: int, batch_of=None) -> list[list]:
    """Rows in ``batches`` lists: by ``batch_of(row)`` when given, else in proportion of their rank."""
    out = [[] for _ in range(batches)]
    count = len(rows)
    for rank, row in enumerate(rows):
        out[batch_of(row) if batch_of else rank * batches // count].append(row)
    return out


def floor_child(filled: str, path: Path, records: int) -> dict:
    """The floor (see the module's docstring), in this process, into the database of DATABASE_URL."""
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection, transaction

    from spaser.contracts.bulk import Inserter, PendingCopy, ReferenceChecks
    from spaser.contracts.models import Contract, ContractHolder, ContractModification
    from spaser.imports.pipelines import decp_source
    from spaser.imports.services import _bulk_session

    models = [(apps.get_model(label), timed) for label, timed in TABLES]
    rows = read_rows(filled, [model for model, _ in models])
    for model, _ in models:
        if model.objects.exists():
            raise RuntimeError(f"{model._meta.db_table} n'est pas vide dans la base du plancher")
    inserters = {
        model: Inserter(model, [f.attname for f in model._meta.concrete_fields], prepared=True) for model, _ in models
    }
    for model, timed in models:
        if not timed:
            inserters[model]._write(inserters[model].columns, rows.pop(model))
    contracts = rows[Contract]
    batches = -(-records // BATCH)
    contract_batch = {row[0]: rank * batches // len(contracts) for rank, row in enumerate(contracts)}
    plan = {}
    for model, timed in models:
        if not timed:
            continue
        if model in (ContractHolder, ContractModification):  # with their contract
            key = [f.attname for f in model._meta.concrete_fields].index("contract_id")
            plan[model] = spread(rows.pop(model), batches, lambda row, key=key: contract_batch[row[key]])
        else:
            plan[model] = spread(rows.pop(model), batches)
    counts = {model._meta.db_table: sum(map(len, plan[model])) for model in plan}
    parents = [
        apps.get_model(label) for label in ("accounts.Organisation", "suppliers.Supplier", "suppliers.Establishment")
    ]
    quarantine = apps.get_model("imports.QuarantinedRecord")
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    write_wall = 0.0

    def write(batch: int, pending: PendingCopy, references: ReferenceChecks) -> None:
        nonlocal write_wall
        start = time.perf_counter()
        pending.settle()  # as ContractLoader.load: the previous batch's contracts are stored first
        for model in parents:
            if plan[model][batch]:
                inserters[model]._write(inserters[model].columns, plan[model][batch])
        with references.writing(pending) as written:
            for model in (ContractModification, ContractHolder, Contract):
                batch_rows = plan[model][batch]
                if batch_rows:
                    written.extend(row[0] if model is Contract else row[1] for row in batch_rows)
                    keep = pending if model is not ContractModification else None
                    inserters[model]._write(inserters[model].columns, batch_rows, keep)
        if plan[quarantine][batch]:
            pending.settle()
            inserters[quarantine]._write(inserters[quarantine].columns, plan[quarantine][batch])
        write_wall += time.perf_counter() - start

    server0, cpu0, wall0 = server_cpu(backend), cpu(), time.perf_counter()
    with _bulk_session(), transaction.atomic():
        info = decp_source.inspect(path)
        pending = PendingCopy()
        references = ReferenceChecks(Contract, [(ContractHolder, "contract"), (ContractModification, "contract")])
        read = batch = 0
        for _ in decp_source.iter_records(path, info):
            read += 1
            if read % BATCH == 0:
                write(batch, pending, references)
                batch += 1
        while batch < batches:
            write(batch, pending, references)
            batch += 1
        pending.settle()
        references.verify()
    wall = time.perf_counter() - wall0
    return {
        "records": read,
        "rows": counts,
        "wall": wall,
        "write_wall": write_wall,
        "cpu": cpu() - cpu0,
        "server_cpu": server_cpu(backend) - server0,
        "set_based_checks": references.active,
    }


def measure_floor(filled_env: dict, env: dict, path: Path, records: int) -> tuple[dict, float]:
    filled = filled_env["DATABASE_URL"]
    filled = filled.removeprefix("sqlite:///") if filled.startswith("sqlite:///") else filled
    load = os.getloadavg()[0]
    out = subprocess.run(
        [*decp_import.PIN, sys.executable, __file__, "--floor-child", filled, str(path), str(records)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1]), load


def drop_postgres(names: list[str]) -> None:
    import psycopg

    base = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[100_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--format", choices=["2019", "2024"], default="2024")
    parser.add_argument("--pairs", type=int, default=1, help="import then floor, this many times, alternately")
    parser.add_argument("--pin", action="store_true", help="taskset -c 0 for both children")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL databases")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench")
    parser.add_argument("--floor-child", nargs=3, metavar=("FILLED", "FILE", "RECORDS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_child:
        filled, path, records = args.floor_child
        print(json.dumps(floor_child(filled, Path(path), int(records))))
        return
    if args.pin and shutil.which("taskset"):
        decp_import.PIN[:] = ["taskset", "-c", "0"]
    args.workdir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(
        f"# {platform.processor() or platform.machine()} – {os.cpu_count()} cœurs – Python {platform.python_version()}"
    )
    print(f"# commit {commit.stdout.strip()} – charge {os.getloadavg()}", flush=True)
    results, created = [], []
    for records in args.records:
        path = args.workdir / f"decp-{args.format}-{records}.json"
        if not path.exists():
            generator = ROOT / "benchmarks" / "generate_decp.py"
            command = [sys.executable, str(generator), str(path), "--records", str(records), "--format", args.format]
            subprocess.run(command, check=True)
        for database in args.databases:
            for pair in range(args.pairs):
                tag = f"{database}-{records}"
                filled_env = decp_import.prepare_database(database, args.workdir, tag)
                imported = decp_import.measure_import(path, records, database, filled_env, "premier")
                floor_env = decp_import.prepare_database(database, args.workdir, f"floor-{tag}")
                floor, floor_load = measure_floor(filled_env, floor_env, path, records)
                if database == "postgres":
                    created += [f"spaser_bench_{t}".replace("-", "_") for t in (tag, f"floor-{tag}")]
                result = {
                    "records": records,
                    "database": database,
                    "pair": pair + 1,
                    "import_seconds": imported["wall_seconds"],
                    "import_per_second": round(records / imported["wall_seconds"]),
                    "import_cpu_seconds": imported["import_cpu_seconds"],
                    "import_server_cpu_seconds": imported["server_cpu_seconds"],
                    "import_peak_rss_mb": imported["peak_rss_mb"],
                    "import_load": imported["load_average_at_start"],
                    "floor_seconds": round(floor["wall"], 2),
                    "floor_per_second": round(records / floor["wall"]),
                    "floor_write_seconds": round(floor["write_wall"], 2),
                    "floor_cpu_seconds": round(floor["cpu"], 2),
                    "floor_server_cpu_seconds": round(floor["server_cpu"], 2),
                    "floor_load": round(floor_load, 1),
                    "floor_rows": floor["rows"],
                    "floor_set_based_checks": floor["set_based_checks"],
                }
                result["ratio"] = round(result["import_per_second"] / result["floor_per_second"], 3)
                # What the ratio would be on an otherwise idle machine, each process on its core, if the waits
                # overlapped perfectly: the busiest process of each run, the client or the server, sets its pace.
                # Wall times on a loaded machine mostly measure the wait for a core; CPU times much less.
                busiest_import = max(imported["import_cpu_seconds"], imported["server_cpu_seconds"])
                busiest_floor = max(floor["cpu"], floor["server_cpu"])
                result["cpu_ratio"] = round(busiest_floor / busiest_import, 3)
                results.append(result)
                print(json.dumps(result), flush=True)
    if created and not args.keep:
        drop_postgres(sorted(set(created)))
    print(
        "| enregistrements | base | import (s) | **import enr./s** | plancher (s) | dont écriture (s) "
        "| **plancher enr./s** | **ratio** | ratio en CPU | CPU import (s) | CPU serveur import (s) "
        "| CPU plancher (s) "
        "| CPU serveur plancher (s) | RSS max import (Mo) | charge import / plancher |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        line = (
            f"| {r['records']:,} | {r['database']} | {r['import_seconds']} | {r['import_per_second']:,} "
            f"| {r['floor_seconds']} | {r['floor_write_seconds']} | {r['floor_per_second']:,} | {r['ratio']} "
            f"| {r['cpu_ratio']} "
            f"| {r['import_cpu_seconds']} | {r['import_server_cpu_seconds']} | {r['floor_cpu_seconds']} "
            f"| {r['floor_server_cpu_seconds']} | {r['import_peak_rss_mb']} | {r['import_load']} / {r['floor_load']} |"
        )
        print(line.replace(",", " ").replace(".", ","))


if __name__ == "__main__":
    main()
