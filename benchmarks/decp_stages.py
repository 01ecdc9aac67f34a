"""Stage timer of the DECP normaliser: CPU time per record of reading, ``decp.transform`` and
``ContractRow.content_hash`` over one file. Not part of the test suite (no database is touched).

    .venv/bin/python benchmarks/generate_decp.py /tmp/decp-2024-100000.json --records 100000 --format 2024
    .venv/bin/python benchmarks/decp_stages.py /tmp/decp-2024-100000.json [--repeat 3]

Django is set up with config.settings.base and throw-away values of its required variables (as
benchmarks/decp_import.py does), unless the environment already sets them.

Each stage is timed alone with ``time.process_time`` (one core, the machine is shared): (1)
``decp_source.iter_records`` over the whole file, (2) ``decp.transform`` over the records kept in memory,
(3) ``content_hash()`` over the accepted rows. The best of ``--repeat`` runs is printed, in µs per record
(per accepted row for the fingerprint).

Stages (2) and (3) read records and rows built long before, spread over hundreds of megabytes: memory
latency weighs on them more than in the import, which normalises each record just after decoding it and
fingerprints rows by batches of 1,000. So (4) also times that flow (read, transform, then content_hash per
batch of 1,000, as ``decp_import_file``); (4) − (1) is the normaliser's cost inside the import.
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_HTTPS", "False")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def best_of(repeat: int, function) -> float:
    """Smallest CPU time (seconds) of ``repeat`` calls; the collector is off while timing."""
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            function()
            times.append(time.process_time() - start)
        finally:
            gc.enable()
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    setup_django()
    from spaser.imports.pipelines import decp, decp_source

    info = decp_source.inspect(args.path)
    records = []

    def read():
        records.clear()
        records.extend(decp_source.iter_records(args.path, info))

    read_time = best_of(args.repeat, read)
    rows = []
    rejected = 0

    def transform():
        nonlocal rejected
        rows.clear()
        rejected = 0
        append = rows.append
        for record in records:
            try:
                append(decp.transform(record.data, kind=record.kind))
            except decp.RowRejected:
                rejected += 1

    transform_time = best_of(args.repeat, transform)

    def fingerprint():
        for row in rows:
            row.content_hash()

    hash_time = best_of(args.repeat, fingerprint)
    accepted = len(rows)
    del rows[:]

    def pipeline():
        batch = []
        for record in decp_source.iter_records(args.path, info):
            try:
                batch.append(decp.transform(record.data, kind=record.kind))
            except decp.RowRejected:
                continue
            if len(batch) >= 1000:
                for row in batch:
                    row.content_hash()
                batch = []
        for row in batch:
            row.content_hash()

    count = len(records)
    records.clear()
    pipeline_time = best_of(args.repeat, pipeline)
    print(f"{args.path.name}: {count} enregistrements, {accepted} acceptés, {rejected} rejetés")
    print(f"  (1) lecture (iter_records)   {read_time / count * 1e6:7.2f} µs/enregistrement")
    print(f"  (2) transform                {transform_time / count * 1e6:7.2f} µs/enregistrement")
    print(f"  (3) content_hash             {hash_time / max(accepted, 1) * 1e6:7.2f} µs/ligne")
    per_row = transform_time / count + hash_time / max(accepted, 1)
    print(f"  (2) + (3)                    {per_row * 1e6:7.2f} µs")
    print(f"  (4) lecture + transform + content_hash par lots de 1000 : {pipeline_time / count * 1e6:7.2f} µs")
    print(f"  (4) − (1) : normalisation dans le flux de l'import {(pipeline_time - read_time) / count * 1e6:7.2f} µs")


if __name__ == "__main__":
    main()
