"""`harvester renormalise` of the index bench_ingest left: records per second.

    python benchmarks/bench_renormalise.py --size 1m

Runs in place (renormalise is idempotent: unchanged fields are not rewritten); it reports how
many records changed, which is 0 unless the normaliser changed since the harvest. Records the
ingest left unlinked (`--no-link`) are linked first by `harvester link`, timed on its own row,
so that the renormalise figure is renormalising only.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from common import HARVESTER, SIZES, Run, db_path, record, run, table


def bench(records: int) -> list[dict[str, Any]]:
    db = db_path(records)
    if not db.exists():
        sys.exit(f"{db} is missing: run bench_ingest.py for {records:,} records first")
    with sqlite3.connect(db) as conn:
        live = conn.execute("SELECT COUNT(*) FROM records WHERE deleted = 0").fetchone()[0]
        pending = conn.execute("SELECT COUNT(*) FROM link_queue").fetchone()[0]
    rows = []
    if pending:
        done = run([HARVESTER, "link", "--db", str(db)])
        rows.append(_row("link (pending)", pending, live, done))
    done = run([HARVESTER, "renormalise", "--db", str(db)])
    return [*rows, _row("renormalise", live, live, done)]


def _row(step: str, records: int, live: int, done: Run) -> dict[str, Any]:
    return {
        "step": step,
        "records": records,
        "live": live,
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "rec_per_s": records / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "output": " ".join(done.stdout.split())[:120],
        "status": "ok" if done.returncode == 0 else f"exit {done.returncode}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    args = parser.parse_args()
    rows = bench(SIZES[args.size])
    print(f"\n== renormalise {args.size}")
    print(table(rows))
    record(
        "renormalise", f"python benchmarks/bench_renormalise.py --size {args.size}", {"rows": rows}
    )


if __name__ == "__main__":
    main()
