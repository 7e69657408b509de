"""The web page's speed on a large index: search with facets, and record pages, in-process.

    python benchmarks/bench_web.py --db benchmarks/.cache/db/web-1000000.db
    python benchmarks/bench_web.py --build-from benchmarks/.cache/db/ingest-100000.db --copies 10

`--build-from` makes the measured index first: a copy of an index bench_ingest left, its
records repeated `--copies` times under as many members in different countries (so member
and country facets have values to count), each copy with its rows of the search indexes
(the harvester writes those, not triggers). Each request goes through the whole WSGI
application (routing, parameter checks, store queries, templates) with Werkzeug's test
client; the facet cache is emptied before every search so each one counts its facets
afresh. Targets (issue 11): search page with facets p95 < 300 ms, record page p95 < 50 ms,
on a million records.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from common import CACHE, record, table
from werkzeug.test import Client

from harvester.serve.web import create_web_app
from harvester.serve.web.app import FACET_SECONDS
from harvester.store import Store
from harvester.store.facets import generation
from harvester.store.searchindex import SEARCH_TABLE, SUBSTRING_TABLE

COUNTRIES = ("CN", "RU", "IR", "TH", "UZ", "KZ", "MN", "LA", "MM", "LK", "BD", "NP", "PK", "TR")
QUERIES: dict[str, list[str]] = {
    "chinese": ["丝绸之路", "敦煌", "文化交流", "吐鲁番 文书", "石窟", "长安"],
    "cyrillic": ["шёлковый", "история", "Самарканд", "керамика", "исследования"],
    "arabic script": ["صفویان", "کاروانسرا", "اصفهان", "فارسی"],
    "thai": ["อยุธยา", "ประวัติศาสตร์", "พระพุทธ"],
    "latin": ["Samarqand", "Silk Road", "caravanserai", "Dunhuang manuscripts", "zzqx"],
    "short (LIKE)": ["丝绸", "西域"],
}
FILTERED = [
    "/?q=history&language=rus",
    "/?q=丝绸之路&year_from=1950&year_to=1999",
    "/?q=Samarqand&type=Text&page=3",
    "/?q=история&country=RU&script=Cyrl",
]
BROWSE = ["/", "/?country=TH", "/?source={member}", "/?year_from=1980&year_to=1989"]


def build(source: Path, target: Path, copies: int) -> None:
    """Copy `source` and repeat its records under `copies` members (one transaction each)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shutil.copyfile(source, target)
    Store(target).close()  # bring the copy's schema up to date first
    conn = sqlite3.connect(target)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    rest = [c for c in columns if c not in ("source", "identifier")]
    conn.execute("DELETE FROM sources")
    for k in range(copies):
        name = f"member-{k}"
        conn.execute(
            "INSERT INTO sources (name, title, institution, country, endpoint, metadata_prefix) "
            "VALUES (?, ?, ?, ?, '', 'oai_dc')",
            [name, f"Member library {k}", "Benchmark", COUNTRIES[k % len(COUNTRIES)]],
        )
    with conn:
        conn.execute("UPDATE records SET source = 'member-0'")
        # Link state names the member too: queue rows left under the old name would never be
        # linked and would be stepped over by every batch of `harvester link`.
        conn.execute("UPDATE OR IGNORE link_queue SET source = 'member-0'")
        conn.execute("UPDATE OR IGNORE match_keys SET source = 'member-0'")
        conn.execute("UPDATE OR IGNORE record_links SET source = 'member-0'")
    for k in range(1, copies):
        with conn:
            conn.execute(
                f"INSERT INTO records (source, identifier, {', '.join(rest)}) "
                f"SELECT ?, identifier || ':{k}', {', '.join(rest)} FROM records "
                "WHERE source = 'member-0'",
                [f"member-{k}"],
            )
            conn.execute(  # a copy waits to be linked when its original does, as harvested
                "INSERT OR IGNORE INTO link_queue (source, identifier, keys) "
                f"SELECT ?, identifier || ':{k}', keys FROM link_queue WHERE source = 'member-0'",
                [f"member-{k}"],
            )
            # The search indexes are written by the harvester, not by triggers: copy the
            # rows of member-0's records to their copies.
            for table in (SEARCH_TABLE, SUBSTRING_TABLE):
                names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
                conn.execute(
                    f"INSERT INTO {table} (rowid, {', '.join(names)}) "
                    f"SELECT c.rowid, {', '.join(f's.{n}' for n in names)} "
                    f"FROM records o JOIN {table} s ON s.rowid = o.rowid "
                    "JOIN records c ON c.source = ? AND c.identifier = o.identifier || ? "
                    "WHERE o.source = 'member-0'",
                    [f"member-{k}", f":{k}"],
                )
        print(f"copy {k + 1}/{copies}: {time.perf_counter() - started:.0f} s", flush=True)
    conn.execute("ANALYZE")
    conn.close()


def timed(client: Client, url: str, app: Any | None = None) -> tuple[float, bool, bool]:
    """Milliseconds for one request, whether the page carried facet counts, whether it was 200."""
    if app is not None:
        app.cache = type(app.cache)()  # count facets afresh
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:  # a query past the server's deadline: 503
        print(f"{url}: {response.status_code} after {elapsed:.0f} ms", flush=True)
    return elapsed, 'id="total"' in response.text, response.status_code == 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(label: str, results: list[tuple[float, bool, bool]]) -> dict[str, Any]:
    times = [ms for ms, _, _ in results]
    return {
        "page": label,
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "max_ms": round(max(times), 1),
        "with_counts": f"{sum(counted for _, counted, _ in results)}/{len(results)}",
        "not_200": sum(not ok for _, _, ok in results),
    }


def bench(
    path: Path, rounds: int, records: int, member: str, facet_seconds: float
) -> list[dict[str, Any]]:
    app = create_web_app(path, warm=False, facet_seconds=facet_seconds)
    client = Client(app)
    rows: list[dict[str, Any]] = []
    rows.append(summary("browse, first request (counts not ready)", [timed(client, "/", app)]))
    started = time.perf_counter()
    with app.index().deadline(None) as db:
        app.whole_index.get(generation(db), wait=True)
    rows.append(
        {"page": "whole-index counts (background, once per harvest)", "requests": 1}
        | {"p50_ms": round((time.perf_counter() - started) * 1000, 1)}
    )
    everything: list[tuple[float, bool, bool]] = []
    for script, queries in QUERIES.items():
        urls = [f"/?q={q}" for q in queries]
        results = [timed(client, url, app) for _ in range(rounds) for url in urls]
        everything += results
        rows.append(summary(f"search+facets: {script}", results))
    results = [timed(client, url, app) for _ in range(rounds) for url in FILTERED]
    everything += results
    rows.append(summary("search+facets: with filters", results))
    rows.append(summary("search+facets: all queries", everything))
    rows.append(summary("browse, whole-index counts", [timed(client, "/") for _ in range(rounds)]))
    urls = [url.format(member=member) for url in BROWSE[1:]]
    rows.append(
        summary(
            "browse with a filter", [timed(client, u, app) for _ in range(rounds) for u in urls]
        )
    )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    keys = _random_keys(conn, records, 200)
    conn.close()
    record_times = [timed(client, f"/record/{source}/{identifier}") for source, identifier in keys]
    rows.append(summary("record page", record_times))
    return rows


def _random_keys(conn: sqlite3.Connection, records: int, count: int) -> list[tuple[str, str]]:
    rng = random.Random(11)
    keys = []
    for rowid in rng.sample(range(1, records + 1), count):
        row = conn.execute(
            "SELECT source, identifier FROM records WHERE rowid = ?", [rowid]
        ).fetchone()
        if row:
            keys.append(row)
    return keys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=CACHE / "db" / "web-1000000.db")
    parser.add_argument("--build-from", type=Path, help="a bench_ingest index to scale up first")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build-only", action="store_true", help="build, do not measure")
    parser.add_argument(
        "--facet-seconds", type=float, default=FACET_SECONDS, help="the page's counting budget"
    )
    args = parser.parse_args()
    if args.build_from:
        build(args.build_from, args.db, args.copies)
        if args.build_only:
            return
    if not args.db.exists():
        sys.exit(f"{args.db} is missing: build it with --build-from")
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    (records,) = conn.execute("SELECT MAX(rowid) FROM records").fetchone()
    (live,) = conn.execute("SELECT COUNT(*) FROM records WHERE deleted = 0").fetchone()
    (member,) = conn.execute("SELECT name FROM sources ORDER BY name DESC LIMIT 1").fetchone()
    conn.close()
    rows = bench(args.db, args.rounds, records, member, args.facet_seconds)
    print(f"\n== web page, {live:,} live records ({args.db.name})")
    print(table(rows))
    command = (
        f"python benchmarks/bench_web.py --db {args.db} --rounds {args.rounds} "
        f"--facet-seconds {args.facet_seconds}"
    )
    record("web", command, {"records": live, "db": str(args.db), "rows": rows})


if __name__ == "__main__":
    main()
