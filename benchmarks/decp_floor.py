"""What storing DECP records costs the database alone: the floor under the import's throughput.

The rows an import wrote (contracts, holders, modifications, and what they refer to) are read back from a
database filled by ``benchmarks/decp_import.py``, held in memory, then written again into a fresh migrated
database, in one transaction, the way the import writes them, with no reading or normalising of records.

- PostgreSQL: ``COPY``; foreign keys as the import leaves them to its set-based check (``--row-checks``: by
  their triggers, row by row).
- SQLite: batch by batch (holders and modifications of 1,000 contracts, then the contracts), each table by
  one prepared ``INSERT`` run by ``executemany`` on Django's connection (its SQL functions, which the
  ``CHECK`` constraints call), with the import's page cache, then ``COMMIT``. The rows are read back with the
  plain driver, so they carry the storage classes the import bound (integers, text, NULL). A second replay
  copies the same rows inside SQLite (``INSERT ... SELECT`` from the filled database, attached): the engine
  alone, without binding values from Python.

The reading of the file alone (the import's JSON scanner) is timed too. Their sum bounds what any import of
these records into this schema can reach on this machine. Not part of the test suite; results go in
docs/benchmarks.md.

    .venv/bin/python benchmarks/decp_import.py --records 100000 --databases sqlite postgres
    .venv/bin/python benchmarks/decp_floor.py --records 100000 --databases sqlite postgres
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from decp_import import prepare_database  # noqa: E402

# Parents first: the foreign keys are checked.
REFERENCED = ["accounts_organisation", "imports_importrun", "suppliers_supplier", "suppliers_establishment"]
WRITTEN = ["contracts_contract", "contracts_contractholder", "contracts_contractmodification"]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_floor(path: Path) -> tuple[int, float]:
    """(records, CPU seconds) of the import's own reader over the file, without normalising anything."""
    import django

    django.setup()
    from spaser.imports.pipelines import decp_source

    info = decp_source.inspect(path)
    start, count = cpu(), 0
    for _ in decp_source.iter_records(path, info):
        count += 1
    return count, cpu() - start


def postgres_floor(filled: str, empty: str, row_checks: bool = False) -> dict:
    import psycopg
    from psycopg.types.string import TextLoader

    with psycopg.connect(filled) as source:
        for json_type in ("json", "jsonb"):
            source.adapters.register_loader(json_type, TextLoader)  # written back as the text COPY takes
        rows = {table: source.execute(f'SELECT * FROM "{table}"').fetchall() for table in REFERENCED + WRITTEN}
    with psycopg.connect(empty) as target:
        for table in REFERENCED:
            copy_rows(target, table, rows[table])
        target.commit()
        backend = target.execute("SELECT pg_backend_pid()").fetchone()[0]
        server0, start, wall = server_cpu(backend), cpu(), time.perf_counter()
        # As the import writes them: foreign keys checked set-based afterwards (docs/adr/0003), not by a
        # trigger per row; --row-checks measures the triggers instead.
        if row_checks:
            target.execute("SET CONSTRAINTS ALL IMMEDIATE")
        else:
            target.execute("SET LOCAL session_replication_role = replica")
        for table in WRITTEN:
            copy_rows(target, table, rows[table])
        target.commit()
        return {
            "cpu": cpu() - start,
            "server_cpu": server_cpu(backend) - server0,
            "wall": time.perf_counter() - wall,
            "contracts": len(rows[WRITTEN[0]]),
        }


def sqlite_floor(filled: Path, env: dict, mode: str) -> dict:
    """Replays the filled database's rows into the fresh one of ``env``, in a child process (its own Django)."""
    out = subprocess.run(
        [sys.executable, __file__, "--sqlite-replay", str(filled), "--mode", mode],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def sqlite_replay(filled: Path, mode: str) -> dict:
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()  # the driver's cursor: no placeholder rewriting
    cursor.execute("ATTACH DATABASE ? AS filled", [str(filled)])
    for table in REFERENCED:
        cursor.execute(f'INSERT INTO main."{table}" SELECT * FROM filled."{table}"')
    connection.connection.commit()
    contract_ids = [row[0] for row in cursor.execute('SELECT id FROM filled."contracts_contract" ORDER BY id')]
    batches = [contract_ids[start : start + 1000] for start in range(0, len(contract_ids), 1000)]
    cursor.execute("PRAGMA cache_size = -98304")  # as the import's bulk session
    holders, modifications, contracts = WRITTEN[1], WRITTEN[2], WRITTEN[0]
    if mode == "executemany":
        rows = {}
        for table in WRITTEN:
            key = "id" if table == contracts else "contract_id"
            grouped = {}
            for row in cursor.execute(f'SELECT *, "{key}" FROM filled."{table}" ORDER BY id'):
                grouped.setdefault(row[-1], []).append(row[:-1])
            rows[table] = grouped
        width = {table: len(next(iter(rows[table].values()))[0]) for table in WRITTEN if rows[table]}
        statements = {
            table: f'INSERT INTO main."{table}" VALUES ({", ".join(["?"] * width[table])})' for table in width
        }
        plan = [
            [(statements[table], [r for pk in batch for r in rows[table].get(pk, ())]) for table in width]
            for batch in batches
        ]
        del rows
    start, wall = cpu(), time.perf_counter()
    cursor.execute("BEGIN IMMEDIATE")
    if mode == "executemany":
        for batch in plan:
            for sql, batch_rows in batch:
                if batch_rows:
                    cursor.executemany(sql, batch_rows)
    else:
        cursor.execute("CREATE TEMPORARY TABLE batch_ids (id INTEGER PRIMARY KEY)")
        for batch in batches:
            cursor.execute("DELETE FROM batch_ids")
            cursor.executemany("INSERT INTO batch_ids VALUES (?)", [(pk,) for pk in batch])
            for table, key in ((holders, "contract_id"), (modifications, "contract_id"), (contracts, "id")):
                cursor.execute(
                    f'INSERT INTO main."{table}" SELECT * FROM filled."{table}" '
                    f'WHERE "{key}" IN (SELECT id FROM batch_ids) ORDER BY id'
                )
    connection.connection.commit()
    return {"cpu": cpu() - start, "wall": time.perf_counter() - wall, "contracts": len(contract_ids)}


def copy_rows(connection, table, rows):
    with connection.cursor() as cursor, cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


def server_cpu(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--databases", nargs="+", default=["postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--format", choices=["2019", "2024"], default="2024")
    parser.add_argument("--row-checks", action="store_true", help="foreign keys checked by their triggers, row by row")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench")
    parser.add_argument("--sqlite-replay", type=Path, help=argparse.SUPPRESS)  # the child of sqlite_floor
    parser.add_argument("--mode", choices=["executemany", "sql"], default="executemany", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sqlite_replay:
        print(json.dumps(sqlite_replay(args.sqlite_replay, args.mode)))
        return
    path = args.workdir / f"decp-{args.format}-{args.records}.json"
    print(f"# uptime : {os.getloadavg()}", flush=True)
    for database in args.databases:
        tag = f"{database}-{args.records}"
        if database == "sqlite":
            filled = args.workdir / f"{tag}.sqlite3"
            measures = []
            for mode, label in (
                ("executemany", "executemany depuis Python"),
                ("sql", "INSERT ... SELECT dans SQLite"),
            ):
                env = prepare_database(database, args.workdir, f"floor-{tag}")
                measures.append((f"{database} ({label})", sqlite_floor(filled, env, mode)))
        else:
            env = prepare_database(database, args.workdir, f"floor-{tag}")
            base = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
            filled_url = f"{base}/spaser_bench_{tag}".replace("-", "_")
            measures = [(database, postgres_floor(filled_url, env["DATABASE_URL"], row_checks=args.row_checks))]
        for label, figures in measures:
            per = figures["contracts"]
            line = f"{label}: {per} marchés réécrits, CPU {figures['cpu']:.1f} s"
            line += f" ({figures['cpu'] / per * 1e6:.0f} µs/marché)"
            if "server_cpu" in figures:
                server = figures["server_cpu"]
                line += f", CPU serveur {server:.1f} s ({server / per * 1e6:.0f} µs/marché)"
            line += f", écoulé {figures['wall']:.1f} s"
            print(line, flush=True)
    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.workdir / 'floor-read.sqlite3'}")
    records, seconds = read_floor(path)
    print(
        f"lecture seule (analyse JSON de l'import) : {records} enregistrements, {seconds / records * 1e6:.1f} µs/enr."
    )


if __name__ == "__main__":
    main()
