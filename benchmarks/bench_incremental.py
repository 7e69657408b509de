"""Incremental harvests after a full one: nothing changed, then 1% changed.

    python benchmarks/bench_incremental.py --size 100k

Seconds are the wall time of the whole `harvester harvest` process; requests are counted by
the provider (every verb).
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from common import CACHE, HARVESTER, SIZES, Provider, fresh, record, run, table, write_config


def harvest(config: str, db: str, provider: Provider, label: str, full: bool) -> dict[str, Any]:
    provider.reset()
    cmd = [HARVESTER, "harvest", "--config", config, "--db", db, "--quiet", "--json"]
    done = run([*cmd, "--full"] if full else cmd)
    summary = json.loads(done.stdout)[0] if done.returncode == 0 else {}
    return {
        "run": label,
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "requests": provider.stats()["bench"].get("*", 0),
        "received": summary.get("received"),
        "added": summary.get("added"),
        "updated": summary.get("updated"),
        "peak_rss_mb": done.peak_rss_mb,
        "status": summary.get("status", f"exit {done.returncode}"),
    }


def bench(records: int, percent: float) -> list[dict[str, Any]]:
    db = fresh(CACHE / "db" / f"incremental-{records}.db")
    rows = []
    with Provider(records) as provider:
        config = str(write_config(CACHE / "incremental.toml", db, {"bench": provider.url()}))
        rows.append(harvest(config, str(db), provider, "full", True))
        rows.append(harvest(config, str(db), provider, "no change", False))
        rows.append(harvest(config, str(db), provider, "no change (again)", False))
        changed = provider.change("bench", percent)
        # The changed datestamps are "now": let the clock move on, or the 1% run's watermark
        # (its first responseDate) falls in the same second and the next run asks for the
        # same records again (the intended overlap, but not what this measures).
        time.sleep(1.1)
        rows.append(
            harvest(config, str(db), provider, f"{percent:g}% changed ({changed:,})", False)
        )
        rows.append(harvest(config, str(db), provider, "no change after it", False))
    fresh(db)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument("--percent", type=float, default=1.0)
    args = parser.parse_args()
    records = SIZES[args.size]
    rows = bench(records, args.percent)
    print(f"\n== incremental {args.size} ({records:,} records)")
    print(table(rows))
    command = (
        f"python benchmarks/bench_incremental.py --size {args.size} --percent {args.percent:g}"
    )
    record("incremental", command, {"records": records, "rows": rows})


if __name__ == "__main__":
    main()
