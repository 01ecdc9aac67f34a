"""Stage timer of the DECP normaliser: CPU time per record of reading, ``decp.transform`` and
``ContractRow.content_hash`` over one file. Not part of the test suite (no database is touched).

    DJANGO_SETTINGS_MODULE=config.settings.base DJANGO_SECRET_KEY=x DJANGO_ALLOWED_HOSTS=localhost \\
        PYTHONPATH=. .venv/bin/python benchmarks/decp_stages.py /tmp/decp-2024-100000.json [--repeat 3]

Each stage is timed alone with ``time.process_time`` (one core, the machine is shared): (1)
``decp_source.iter_records`` over the whole file, (2) ``decp.transform`` over the records kept in memory,
(3) ``content_hash()`` over the accepted rows. The best of ``--repeat`` runs is printed, in µs per record
(per accepted row for the fingerprint).
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
    count = len(records)
    print(f"{args.path.name}: {count} enregistrements, {len(rows)} acceptés, {rejected} rejetés")
    print(f"  lecture (iter_records)   {read_time / count * 1e6:7.2f} µs/enregistrement")
    print(f"  transform                {transform_time / count * 1e6:7.2f} µs/enregistrement")
    print(f"  content_hash             {hash_time / max(len(rows), 1) * 1e6:7.2f} µs/ligne")
    per_row = transform_time / count + hash_time / max(len(rows), 1)
    print(f"  transform + content_hash {per_row * 1e6:7.2f} µs")


if __name__ == "__main__":
    main()
