"""End-to-end ingest: `harvester harvest --full` of one source against two baselines.

    python benchmarks/bench_ingest.py --size 10k --size 100k     # 1m is optional (slow)
    python benchmarks/bench_ingest.py --size 1m --baselines bare
    python benchmarks/bench_ingest.py --shape library --size 10k --size 100k

``--shape library`` serves records shaped like a national library's (about 1.8 KB each, 100
a page); the default ``synthetic`` shape is the suite's own (500 a page).

Each implementation runs in its own process under /usr/bin/time -v (wall time, peak RSS);
the provider runs in a third process. Ours leaves its index at
benchmarks/.cache/db/ingest-N.db for bench_export, bench_search and bench_renormalise.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from common import (
    CACHE,
    HARVESTER,
    HERE,
    PAGE_SIZES,
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


def harvest_ours(
    url: str, records: int, no_link: bool, shape: str, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Our CLI, full harvest into a fresh index; returns the timing row."""
    db = fresh(db_path(records, shape))
    config = write_config(CACHE / f"ingest-{records}.toml", db, {"bench": url})
    cmd = [HARVESTER, "harvest", "--config", str(config), "--db", str(db), "--full"]
    cmd += ["--quiet", "--json", *(["--no-link"] if no_link else []), *extra]
    load = os.getloadavg()[0]
    done = run(cmd)
    summary = json.loads(done.stdout)[0] if done.returncode == 0 else {}
    harvest_s = summary.get("duration_seconds")
    return {
        "impl": "ours"
        + (" --no-link" if no_link else " (with link)")
        + "".join(f" {e}" for e in extra),
        "records": summary.get("received", 0),
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "rec_per_s": records / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "harvest_phase_s": harvest_s,
        "bytes_per_record": _db_bytes(db) / max(1, records),
        "load": load,
        "status": summary.get("status", f"exit {done.returncode}"),
    }


def harvest_baseline(kind: str, url: str, records: int) -> dict[str, Any]:
    db = fresh(CACHE / "db" / f"baseline-{kind}-{records}.db")
    load = os.getloadavg()[0]
    done = run([PYTHON, str(HERE / "baselines.py"), kind, url, str(db)])
    got = json.loads(done.stdout) if done.returncode == 0 else {}
    size = _db_bytes(db)
    fresh(db)  # the baselines' indexes are not needed afterwards
    return {
        "impl": BASELINES.get(kind, kind),
        "records": got.get("records", 0),
        "seconds": done.seconds,
        "cpu_s": done.cpu_seconds,
        "rec_per_s": records / done.seconds,
        "peak_rss_mb": done.peak_rss_mb,
        "harvest_phase_s": None,
        "bytes_per_record": size / max(1, records),
        "load": load,
        "status": "ok" if done.returncode == 0 else f"exit {done.returncode}",
    }


def _db_bytes(db: Any) -> int:
    """The index file plus its write-ahead log, after the writer closed."""
    return sum(os.path.getsize(f"{db}{s}") for s in ("", "-wal") if os.path.exists(f"{db}{s}"))


def bench(
    records: int, baselines: list[str], repeat: int, shape: str, link: bool, variants: bool = True
) -> list[dict[str, Any]]:
    no_link = harvester_has("--no-link")
    pooled = harvester_has("--workers")
    rows: list[dict[str, Any]] = []
    with Provider(records, page_size=PAGE_SIZES[shape], shape=shape) as provider:
        url = provider.url()
        for _ in range(repeat):
            if link:
                rows.append(harvest_ours(url, records, False, shape))
            if variants or not link:
                rows.append(harvest_ours(url, records, no_link, shape))
            if pooled and variants:
                rows.append(harvest_ours(url, records, no_link, shape, ("--workers", "1")))
            rows += [harvest_baseline(kind, url, records) for kind in baselines]
    best = {r["impl"]: r for r in sorted(rows, key=lambda r: -r["seconds"])}  # fastest wins
    ours = next((r for k, r in best.items() if k.startswith("ours (with link)")), None)
    ours = ours or next(r for k, r in best.items() if k.startswith("ours"))
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
    parser.add_argument("--shape", choices=tuple(PAGE_SIZES), default="synthetic")
    parser.add_argument("--no-link-run", action="store_true", help="skip the run with linking")
    parser.add_argument(
        "--no-variants",
        action="store_true",
        help="only the default harvest and the baselines (no --no-link, no --workers 1 runs)",
    )
    args = parser.parse_args()
    baselines = [b for b in args.baselines.split(",") if b]
    for size in args.size or ["10k", "100k"]:
        records = SIZES[size]
        rows = bench(
            records, baselines, args.repeat, args.shape, not args.no_link_run, not args.no_variants
        )
        print(
            f"\n== ingest {size} ({records:,} {args.shape} records, "
            f"page size {PAGE_SIZES[args.shape]})"
        )
        print(table(rows))
        command = (
            f"python benchmarks/bench_ingest.py --shape {args.shape} --size {size} "
            f"--baselines {args.baselines} --repeat {args.repeat}"
        )
        record("ingest", command, {"records": records, "shape": args.shape, "rows": rows})


if __name__ == "__main__":
    main()
