"""Reading the national flat file (tabular DECP, CSV or Parquet) against the JSON of the same contracts.

For each size: a synthetic 2024 JSON file (``generate_decp.py``) is converted, streamed, into the flat
layouts of decp-processing (one row per holder and per state of a modified contract, rows sorted by
notification date, latest first, SIRETs as integers), as CSV and as Parquet. Each file is then read and
normalised (``decp_source.iter_records`` + ``decp.transform``, no database) in a child process, which
reports its time (wall clock and CPU: the machine is shared) and peak resident memory: the peak must not
grow with the file. Not part of the test suite; results go in docs/benchmarks.md.

    .venv/bin/python benchmarks/decp_flat_file.py --records 20000 200000
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LISTS = {
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
}
SCALARS = (
    "id",
    "nature",
    "objet",
    "codeCPV",
    "procedure",
    "dureeMois",
    "dateNotification",
    "datePublicationDonnees",
    "montant",
    "formePrix",
    "ccag",
    "offresRecues",
    "marcheInnovant",
    "attributionAvance",
    "tauxAvance",
    "sousTraitanceDeclaree",
    "typeGroupementOperateurs",
    "origineUE",
    "origineFrance",
    "idAccordCadre",
)
COLUMNS = [
    "uid",
    "acheteur_id",
    "lieuExecution_code",
    "lieuExecution_typeCode",
    *SCALARS,
    *LISTS,
    "titulaire_id",
    "titulaire_typeIdentifiant",
    "titulaire_nom",
    "modification_id",
    "donneesActuelles",
    "acheteur_categorie",
    "titulaire_categorie",
]


def _holders(value):
    return [item.get("titulaire", item) for item in value or []]


def flat_rows(record):
    """The rows of one JSON record, as decp-processing lays them out."""
    buyer = str(record["acheteur"]["id"])
    place = record.get("lieuExecution") or {}
    state = {key: record.get(key) for key in SCALARS}
    holders = _holders(record.get("titulaires"))
    fixed = {
        "uid": buyer + str(record["id"]),
        "acheteur_id": str(int(buyer)),
        "lieuExecution_code": place.get("code"),
        "lieuExecution_typeCode": place.get("typeCode"),
        "acheteur_categorie": "Commune",
        "titulaire_categorie": "PME",
    }
    for key, inner in LISTS.items():
        value = record.get(key)
        items = value.get(inner) if isinstance(value, dict) else value
        fixed[key] = json.dumps(items, ensure_ascii=False) if items else ""
    states = [(dict(state), holders)]
    modifications = record.get("modifications") or []
    for modification in modifications:
        modification = modification.get("modification", modification)
        state["dateNotification"] = modification.get("dateNotificationModification")
        state["datePublicationDonnees"] = modification.get("datePublicationDonneesModification")
        for key in ("montant", "dureeMois"):
            if modification.get(key) is not None:
                state[key] = modification[key]
        holders = _holders(modification.get("titulaires")) or holders
        states.append((dict(state), holders))
    rows = []
    for rank, (values, state_holders) in enumerate(states):
        row = dict(fixed, **values, modification_id=rank, donneesActuelles=rank == len(states) - 1)
        for holder in state_holders or [{}]:
            identifier = str(holder.get("id") or "")
            rows.append(
                dict(
                    row,
                    titulaire_id=str(int(identifier)) if identifier.isdigit() else identifier,
                    titulaire_typeIdentifiant=holder.get("typeIdentifiant"),
                    titulaire_nom=holder.get("denominationSociale"),
                )
            )
    return rows


def convert(json_path: Path, csv_path: Path, parquet_path: Path):
    """JSON → flat CSV and Parquet, streamed; sorted by notification date as decp-processing sorts, by
    chunks of dates (a sort of the whole file would hold it in memory: not what is measured here)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from spaser.imports.pipelines import decp_source

    writer = None
    with open(csv_path, "w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, COLUMNS, delimiter=";", extrasaction="ignore")
        out.writeheader()
        chunk = []

        def flush():
            nonlocal writer
            chunk.sort(key=lambda r: (str(r["dateNotification"]), r["uid"]), reverse=True)
            out.writerows(chunk)
            table = pa.table({c: [None if r.get(c) is None else str(r.get(c)) for r in chunk] for c in COLUMNS})
            if writer is None:
                writer = pq.ParquetWriter(parquet_path, table.schema)
            writer.write_table(table, row_group_size=50_000)
            chunk.clear()

        for record in decp_source.iter_records(json_path):
            if record.kind != decp_source.MARKET:
                continue
            chunk.extend(flat_rows(record.data))
            if len(chunk) >= 100_000:
                flush()
        flush()
    writer.close()


CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
from spaser.imports.pipelines import decp, decp_source
started, cpu = time.perf_counter(), time.process_time()
count = rejected = 0
for record in decp_source.iter_records({path!r}):
    count += 1
    try:
        decp.transform(record.data, kind=record.kind)
    except decp.RowRejected:
        rejected += 1
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) // 1024
print(count, rejected, round(elapsed, 2), round(cpu, 2), peak)
"""


def read(path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    count, rejected, seconds, cpu, rss = result.stdout.split()
    return {
        "records": int(count),
        "rejected": int(rejected),
        "seconds": float(seconds),
        "cpu_seconds": float(cpu),
        "peak_rss_mb": int(rss),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "spaser-bench-flat")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    for records in args.records:
        json_path = args.workdir / f"decp-{records}.json"
        if not json_path.exists():
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "generate_decp.py"),
                    "--records",
                    str(records),
                    str(json_path),
                ],
                check=True,
            )
        csv_path, parquet_path = json_path.with_suffix(".csv"), json_path.with_suffix(".parquet")
        if not (csv_path.exists() and parquet_path.exists()):
            started = time.perf_counter()
            convert(json_path, csv_path, parquet_path)
            print(f"{records} records converted in {time.perf_counter() - started:.1f} s")
        for path in (json_path, csv_path, parquet_path):
            figures = read(path)
            size = path.stat().st_size / 1e6
            print(json.dumps({"file": path.name, "size_mb": round(size, 1), **figures}))


if __name__ == "__main__":
    main()
