"""`harvester export` of the index bench_ingest left: JSON Lines per record and merged.

    python benchmarks/bench_export.py --size 100k --size 1m

Needs benchmarks/.cache/db/ingest-N.db (run bench_ingest.py at that size first).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from common import CACHE, HARVESTER, SIZES, db_path, record, run, table

VARIANTS = {
    "jsonl": ["--format", "jsonl"],
    "merged jsonl": ["--merged"],
}


def bench(records: int) -> list[dict[str, Any]]:
    db = db_path(records)
    if not db.exists():
        sys.exit(f"{db} is missing: run bench_ingest.py --size for {records:,} records first")
    rows = []
    for label, flags in VARIANTS.items():
        out = CACHE / f"export-{records}.out"
        done = run([HARVESTER, "export", "--db", str(db), *flags, "-o", str(out)])
        size = out.stat().st_size if out.exists() else 0
        lines = _count_lines(out) if out.exists() else 0
        out.unlink(missing_ok=True)
        rows.append(
            {
                "export": label,
                "records": records,
                "seconds": done.seconds,
                "cpu_s": done.cpu_seconds,
                "rows_out": lines,
                "rows_per_s": lines / done.seconds,
                "mb_out": size / 1e6,
                "peak_rss_mb": done.peak_rss_mb,
                "status": "ok" if done.returncode == 0 else f"exit {done.returncode}",
            }
        )
    return rows


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", action="append", choices=list(SIZES), help="repeatable")
    args = parser.parse_args()
    for size in args.size or ["100k"]:
        rows = bench(SIZES[size])
        print(f"\n== export {size}")
        print(table(rows))
        record("export", f"python benchmarks/bench_export.py --size {size}", {"rows": rows})


if __name__ == "__main__":
    main()
