"""End-to-end ingest: `harvester harvest --full` of one source against two baselines.

    python benchmarks/bench_ingest.py --size 10k --size 100k     # 1m is optional (slow)
    python benchmarks/bench_ingest.py --size 1m --baselines bare

Each implementation runs in its own process under /usr/bin/time -v (wall time, peak RSS);
the provider runs in a third process. Ours leaves its index at
benchmarks/.cache/db/ingest-N.db for bench_export, bench_search and bench_renormalise.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from common import (
    CACHE,
    HARVESTER,
    HERE,
    PYTHON,
    SIZES,
    Provider,
    db_path,
    fresh,
    harvester_has,
    record,
    run,
    table,
    write_config,
)

BASELINES = {"sickle": "(a) sickle + sqlite-utils upsert", "bare": "(b) requests+lxml+sqlite3"}


def harvest_ours(url: str, records: int, no_link: bool) -> dict[str, Any]:
    """Our CLI, full harvest into a fresh index; returns the timing row."""
    db = fresh(db_path(records))
    config = write_config(CACHE / f"ingest-{records}.toml", db, {"bench": url})
    cmd = [HARVESTER, "harvest", "--config", str(config), "--db", str(db), "--full"]
    cmd += ["--quiet", "--json", *(["--no-link"] if no_link else [])]
    done = run(cmd)
    summary = json.loads(done.stdout)[0] if done.returncode == 0 else {}
    harvest_s = summary.get("duration_seconds")
    return {
        "impl": "ours" + (" --no-link" if no_link else " (with link)"),
        "records": summary.get("received", 0),
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "rec_per_s": records / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "harvest_phase_s": harvest_s,
        "status": summary.get("status", f"exit {done.returncode}"),
    }


def harvest_baseline(kind: str, url: str, records: int) -> dict[str, Any]:
    db = fresh(CACHE / "db" / f"baseline-{kind}-{records}.db")
    done = run([PYTHON, str(HERE / "baselines.py"), kind, url, str(db)])
    got = json.loads(done.stdout) if done.returncode == 0 else {}
    fresh(db)  # the baselines' indexes are not needed afterwards
    return {
        "impl": BASELINES.get(kind, kind),
        "records": got.get("records", 0),
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "rec_per_s": records / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "harvest_phase_s": None,
        "status": "ok" if done.returncode == 0 else f"exit {done.returncode}",
    }


def bench(records: int, baselines: list[str], repeat: int) -> list[dict[str, Any]]:
    no_link = harvester_has("--no-link")
    rows: list[dict[str, Any]] = []
    with Provider(records) as provider:
        url = provider.url()
        for _ in range(repeat):
            rows.append(harvest_ours(url, records, no_link))
            rows += [harvest_baseline(kind, url, records) for kind in baselines]
    best = {r["impl"]: r for r in sorted(rows, key=lambda r: -r["seconds"])}  # fastest wins
    ours = next(r for k, r in best.items() if k.startswith("ours"))
    for row in best.values():
        row["ours_time_ratio"] = ours["seconds"] / row["seconds"]
    return list(best.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", action="append", choices=list(SIZES), help="repeatable")
    parser.add_argument(
        "--baselines", default="sickle,bare", help="comma list of sickle, sickle-default, bare"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best is kept")
    args = parser.parse_args()
    baselines = [b for b in args.baselines.split(",") if b]
    for size in args.size or ["10k", "100k"]:
        records = SIZES[size]
        rows = bench(records, baselines, args.repeat)
        print(f"\n== ingest {size} ({records:,} records, page size 500)")
        print(table(rows))
        command = (
            f"python benchmarks/bench_ingest.py --size {size} --baselines {args.baselines} "
            f"--repeat {args.repeat}"
        )
        record("ingest", command, {"records": records, "rows": rows})


if __name__ == "__main__":
    main()
