"""Eight slow sources at once: `--jobs 8` against `--jobs 1` and the slowest source alone.

    python benchmarks/bench_parallel.py                      # 8 x 5,000 records, 50 ms/request
    python benchmarks/bench_parallel.py --records 2000 --latency 0.2
    python benchmarks/bench_parallel.py --shape library --records 400 --latency 0.25 --page-size 100

Every source answers each request after `latency` seconds (page size 250). The target is
`--jobs 8` within 1.3x of the slowest source harvested alone.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from common import (
    CACHE,
    HARVESTER,
    Provider,
    fresh,
    harvester_has,
    record,
    run,
    table,
    write_config,
)

SOURCES = 8


def harvest(config: str, names: list[str], jobs: int, label: str, no_link: bool) -> dict[str, Any]:
    db = str(fresh(CACHE / "db" / "parallel.db"))
    cmd = [HARVESTER, "harvest", *names, "--config", config, "--db", db, "--full"]
    cmd += ["--jobs", str(jobs), "--quiet", "--json", *(["--no-link"] if no_link else [])]
    done = run(cmd)
    results = json.loads(done.stdout) if done.returncode == 0 else []
    return {
        "run": label,
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "records": sum(r.get("received", 0) for r in results),
        "harvest_phase_s": max((r.get("duration_seconds") or 0 for r in results), default=None),
        "peak_rss_mb": done.peak_rss_mb,
        "status": ",".join(sorted({r.get("status", "?") for r in results})) or "failed",
    }


def bench(
    records: int, latency: float, page_size: int, shape: str, link: bool = True
) -> list[dict[str, Any]]:
    no_link = not link and harvester_has("--no-link")
    with Provider(records, page_size, sources=SOURCES, latency=latency, shape=shape) as provider:
        urls = {name: provider.url(name) for name in provider.names}
        config = str(write_config(CACHE / "parallel.toml", CACHE / "db" / "parallel.db", urls))
        singles = [harvest(config, [n], 1, f"{n} alone", no_link) for n in provider.names]
        slowest = max(singles, key=lambda r: r["seconds"])
        rows = [
            slowest | {"run": f"slowest alone ({slowest['run'].split()[0]})"},
            harvest(config, [], 1, "all 8, --jobs 1", no_link),
            harvest(config, [], SOURCES, "all 8, --jobs 8", no_link),
        ]
    fresh(CACHE / "db" / "parallel.db")
    for row in rows:
        row["vs_slowest"] = row["seconds"] / slowest["seconds"]
    times = " ".join(f"{r['seconds']:.2f}" for r in singles)
    return [*rows, {"run": "single runs (s)", "seconds": None, "records": None, "status": times}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=5000, help="per source")
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--page-size", type=int, default=250)
    parser.add_argument("--shape", default="synthetic", help="record shape (see provider.py)")
    parser.add_argument("--no-link", action="store_true", help="harvest without linking")
    args = parser.parse_args()
    rows = bench(args.records, args.latency, args.page_size, args.shape, not args.no_link)
    print(
        f"\n== parallel: 8 sources x {args.records:,} records, {args.latency * 1000:g} ms/request"
    )
    print(table(rows))
    command = (
        f"python benchmarks/bench_parallel.py --records {args.records} "
        f"--latency {args.latency:g} --page-size {args.page_size} --shape {args.shape}"
        + (" --no-link" if args.no_link else "")
    )
    record("parallel", command, {"records_per_source": args.records, "rows": rows})


if __name__ == "__main__":
    main()
