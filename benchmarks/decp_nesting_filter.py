"""Cost of the JSON nesting filter of the DECP reader (``decp_source._NestingFilter``): CPU time of
``iter_records`` over one file with the filter and with it switched off, alternated. Not part of the test
suite (no database is touched).

    .venv/bin/python benchmarks/generate_decp.py /tmp/decp-2024-100000.json --records 100000 --format 2024
    .venv/bin/python benchmarks/decp_nesting_filter.py /tmp/decp-2024-100000.json [--repeat 3]

The filter bounds the nesting depth of each chunk before the (recursive) JSON decoder reads it; switched off,
the reader is what it was before the limit existed. The best of ``--repeat`` runs of each is printed.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from decp_stages import best_of, setup_django  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    setup_django()
    from spaser.imports.pipelines import decp_source

    info = decp_source.inspect(args.file)
    count = sum(1 for _ in decp_source.iter_records(args.file, info))
    with_filter, without_filter = [], []
    original = decp_source._NestingFilter.may_exceed
    for _ in range(args.repeat):
        with_filter.append(best_of(1, lambda: sum(1 for _ in decp_source.iter_records(args.file, info))))
        decp_source._NestingFilter.may_exceed = lambda self, chunk, limit: False
        try:
            without_filter.append(best_of(1, lambda: sum(1 for _ in decp_source.iter_records(args.file, info))))
        finally:
            decp_source._NestingFilter.may_exceed = original
    size = info.size / 1e6
    best_with, best_without = min(with_filter), min(without_filter)
    print(f"{count} enregistrements, {size:.0f} Mo")
    print(f"lecture avec le filtre : {best_with:.2f} s ; sans : {best_without:.2f} s")
    print(f"coût du filtre : {1000 * (best_with - best_without) / size:.1f} ms par Mo")


if __name__ == "__main__":
    main()
