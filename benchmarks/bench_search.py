"""Search latency on the index bench_ingest left: p50/p95 per script, in-process.

    python benchmarks/bench_search.py --size 1m
    python benchmarks/bench_search.py --db /tmp/copy-of-an-index.db

Opens the index with the Store, so pending migrations run first (timed: an index built before
the folded search index gets it here). Calls `harvester.store.search.search` (limit 20, no
filters) for every query of a script, `--rounds` times over (the first round is a warm-up and
not counted), then times one CLI invocation for reference. `--db` measures another index,
e.g. a copy, so the ingest's index keeps its schema.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from common import HARVESTER, SIZES, db_path, record, run, table

from harvester.store import Store
from harvester.store.reads import SearchFilters
from harvester.store.search import search

QUERIES: dict[str, list[str]] = {
    "latin": [
        "Samarqand",
        "caravanserai",
        "histoire",
        "Khwārazm",
        "Silk Road",
        "Dunhuang manuscripts",
        "observatory",
        "Ibn Baṭṭūṭa",
        "économie",
        "zzqx",  # no hit
    ],
    # typed without diacritics, a prefix, words with punctuation: the word index's cases
    "latin, folded": [
        "Khwarazm",
        "Ibn Battuta",
        "economie",
        "Urumqi",
        "Samarq",
        "al-Din",
        "Jean-Etienne",
        "Kapadokya",
    ],
    "chinese": [
        "丝绸之路",
        "敦煌",
        "文化交流",
        "吐鲁番 文书",
        "海上丝绸之路",
        "石窟",
        "佛经",
        "长安",
    ],
    "thai": ["อยุธยา", "ประวัติศาสตร์", "เส้นทางสายไหม", "ใบลาน", "พระพุทธศาสนา", "ล้านนา"],
    "cyrillic": [
        "государства",
        "Самарканд",
        "шёлковый путь",
        "рукописи",
        "Золотая Орда",
        "керамика",
    ],
    "mixed": ["敦煌 manuscripts", "丝绸之路 Samarqand", "石窟 Buddhism", "Самарканд Silk"],
    # what records_search (m007) adds: folding, pairs of Chinese characters, stems, romanised
    "arabic script": ["تاریخ ایران", "تاريخ", "كاروانسرا", "نسخههای خطی", "سمرقند", "الاسلامیة"],
    "chinese, traditional": ["絲綢之路", "敦煌", "歷史 研究", "貿易", "佛經", "長安"],
    "chinese, 2 chars": ["西域", "丝路", "壁画", "商人", "瓷器", "交通"],
    "cyrillic, inflected": ["истории", "государство", "рукопись", "торговли", "городов"],
    "latin → other script": ["Samarkand", "Dunhuang", "Buxoro", "Khorezm", "Changan", "Tabriz"],
    "latin, folded letters": ["Lodz", "Sao Paulo", "lich su", "Viet Nam", "sehir", "Turkistan"],
    "syntax characters": ["[", '"Silk Road"', "(Samarqand)", "Silk -Road", "OR", "*"],
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench(path: Path, rounds: int) -> list[dict[str, Any]]:
    started = time.perf_counter()
    store = Store(path)  # runs pending migrations
    migrate_ms = (time.perf_counter() - started) * 1000
    db = store.db
    rows: list[dict[str, Any]] = []
    slowest: list[tuple[float, str]] = []
    for script, queries in QUERIES.items():
        times: list[float] = []
        hits = 0
        for round_ in range(rounds + 1):
            for query in queries:
                started = time.perf_counter()
                found = search(db, query, SearchFilters(), limit=20)
                elapsed = (time.perf_counter() - started) * 1000
                if round_:  # round 0 warms the page cache
                    times.append(elapsed)
                    slowest.append((elapsed, query))
                    hits += len(found)
        rows.append(
            {
                "script": script,
                "queries": len(times),
                "p50_ms": statistics.median(times),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times),
                "avg_hits": hits / len(times),
            }
        )
    store.close()
    worst = {q: t for t, q in sorted(slowest)}  # the last (largest) time per query wins
    top = sorted(worst.items(), key=lambda kv: -kv[1])[:5]
    rows.append(
        {"script": "slowest queries", "queries": None, "p50_ms": None}
        | {"p95_ms": None, "max_ms": None, "avg_hits": "; ".join(f"{q} {t:.0f} ms" for q, t in top)}
    )
    rows.append({"script": "Store(): open + migrations", "queries": None, "p50_ms": migrate_ms})
    cli = run([HARVESTER, "search", "อยุธยา", "--db", str(path), "--limit", "20"])
    rows.append(
        {"script": "CLI: harvester search อยุธยา", "queries": 1, "p50_ms": cli.seconds * 1000}
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", type=Path, help="this index instead of the ingest's (--size)")
    args = parser.parse_args()
    path = args.db or db_path(SIZES[args.size])
    if not path.exists():
        sys.exit(f"{path} is missing: run bench_ingest.py for {args.size} records first")
    rows = bench(path, args.rounds)
    print(f"\n== search {path.name}")
    print(table(rows))
    command = f"python benchmarks/bench_search.py --rounds {args.rounds} " + (
        f"--db {args.db}" if args.db else f"--size {args.size}"
    )
    records = None if args.db else SIZES[args.size]
    record("search", command, {"records": records, "db": str(path), "rows": rows})


if __name__ == "__main__":
    main()
