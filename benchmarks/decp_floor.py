"""What storing DECP records costs PostgreSQL alone: the floor under the import's throughput.

The rows an import wrote (contracts, holders, modifications, and what they refer to) are read back from a
PostgreSQL database filled by ``benchmarks/decp_import.py``, held in memory, then written again into a fresh
migrated database, in one transaction, the way the import writes them (``COPY``), with no reading or
normalising of records; foreign keys as the import leaves them to its set-based check (``--row-checks``: by
their triggers, row by row). The reading of the file alone (the import's JSON scanner) is timed too. Their sum
bounds what any import of these records into this schema can reach. Not part of the test suite; results go
in docs/benchmarks.md.

SQLite is not measured here: replaying its rows with ``executemany`` from a separate connection took more CPU
(89 µs per contract) than the whole import (74 µs), so that replay is no floor.

    .venv/bin/python benchmarks/decp_import.py --records 100000 --databases postgres
    .venv/bin/python benchmarks/decp_floor.py --records 100000
"""

import argparse
import os
import resource
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
    parser.add_argument("--databases", nargs="+", default=["postgres"], choices=["postgres"])
    parser.add_argument("--format", choices=["2019", "2024"], default="2024")
    parser.add_argument("--row-checks", action="store_true", help="foreign keys checked by their triggers, row by row")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench")
    args = parser.parse_args(argv)
    path = args.workdir / f"decp-{args.format}-{args.records}.json"
    print(f"# uptime : {os.getloadavg()}", flush=True)
    for database in args.databases:
        tag = f"{database}-{args.records}"
        env = prepare_database(database, args.workdir, f"floor-{tag}")
        base = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
        figures = postgres_floor(
            f"{base}/spaser_bench_{tag}".replace("-", "_"), env["DATABASE_URL"], row_checks=args.row_checks
        )
        per = figures["contracts"]
        line = f"{database}: {per} marchés réécrits, CPU {figures['cpu']:.1f} s"
        line += f" ({figures['cpu'] / per * 1e6:.0f} µs/marché)"
        if "server_cpu" in figures:
            line += f", CPU serveur {figures['server_cpu']:.1f} s ({figures['server_cpu'] / per * 1e6:.0f} µs/marché)"
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
