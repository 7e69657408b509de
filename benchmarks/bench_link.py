"""Linking at a million records: the link step of a harvest, and `harvester link --full`.

    python benchmarks/bench_link.py --build-from benchmarks/.cache/db/ingest-100000-library.db
    python benchmarks/bench_link.py --code old=/path/to/an/older/checkout --repeat 2

`--build-from` makes the index first (once, kept in benchmarks/.cache/db/): a copy of an index
`bench_ingest.py --shape library --no-link-run` left, its records repeated `--copies` times
under as many members (`bench_web.py`'s build: the same works held by ten members, every
record queued with its keys), then linked by `harvester link` (timed: the first linking of
ten members). Each case then runs `harvester` in its own process under /usr/bin/time, on a
fresh copy of that linked index:

- `full`: `harvester link --full`;
- `edits`: `--changes` records' titles edited (their fuzzy key changes, their clusters do
  not), queued with their new keys as a harvest queues them, then `harvester link`;
- `unchanged`: `--changes` records queued again with the keys they have, then `harvester link`.

`--code LABEL=DIR` runs the same cases with the harvester of another checkout (PYTHONPATH),
alternating with this one, so that both are measured minutes apart on the same machine.
Targets (issue 14): at most 100 us a changed record; `link --full` under 2 minutes at 1M.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import orjson
from bench_web import build
from common import CACHE, PYTHON, record, run, table

from harvester.link.keys import record_keys
from harvester.store import Store

CASES = ("full", "edits", "unchanged")


def edit_titles(path: Path, count: int, seed: int) -> None:
    """Edit `count` titles, queued with their new keys (the harvest's page workers key them)."""
    store = Store(path)
    try:
        rng = random.Random(seed)
        span = store.record_rowids()
        assert span is not None, "the index is empty"
        with store.transaction():
            for rid in sorted(rng.sample(range(span[0], span[1] + 1), count)):
                for row in store.keying_rows(rid, rid):
                    title = f"{row['title'] or ''} (revised edition)"
                    row["title"], row["titles"] = title, [title]
                    keys = orjson.dumps(record_keys(row, row["deleted"])).decode()
                    store.db.execute(
                        "UPDATE records SET title = ?, titles = ? WHERE rowid = ?",
                        [title, orjson.dumps([title]).decode(), rid],
                    )
                    store.db.execute(
                        "INSERT INTO link_queue VALUES (?, ?, ?) ON CONFLICT DO UPDATE "
                        "SET keys = excluded.keys",
                        [row["source"], row["identifier"], keys],
                    )
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        store.close()


def queue_unchanged(path: Path, count: int, seed: int) -> None:
    """Queue `count` records again with the keys they have (a harvest rewriting them as is)."""
    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT max(rowid) FROM records").fetchone()[0]
        rids = random.Random(seed).sample(range(1, top + 1), count)
        with conn:
            conn.executemany(
                "INSERT OR REPLACE INTO link_queue SELECT r.source, r.identifier, "
                "(SELECT json_group_array(json_array(m.kind, m.key)) FROM match_keys m "
                "WHERE m.source = r.source AND m.identifier = r.identifier) "
                "FROM records r WHERE r.rowid = ?",
                [(rid,) for rid in rids],
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def link(db: Path, code: Path | None, *extra: str) -> dict[str, Any]:
    """`harvester link` over `db` in its own process, with this checkout or `code`."""
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    command = [PYTHON, "-m", "harvester", "link", "--db", str(db), *extra]
    # Not from the repository root: `python -m` puts the working directory first on the path,
    # and this checkout's harvester would shadow `code`'s.
    done = run(command, env=env, cwd=db.parent)
    if done.returncode != 0:
        sys.exit(f"harvester link failed: {done.stderr.strip()}")
    return {
        "seconds": round(done.seconds, 2),
        "cpu_s": round(done.cpu_seconds, 1),
        "peak_rss_mb": round(done.peak_rss_mb, 1),
        "output": done.stdout.strip(),
    }


def measure(case: str, linked: Path, code: Path | None, changes: int, seed: int) -> dict[str, Any]:
    work = CACHE / "db" / "link-case.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(linked, work)
    if case == "full":
        return {**link(work, code, "--full"), "us_per_change": None}
    if case == "edits":
        edit_titles(work, changes, seed)
    else:
        queue_unchanged(work, changes, seed)
    found = link(work, code)
    return {**found, "us_per_change": round(found["seconds"] / changes * 1e6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=CACHE / "db" / "link-1000000.db")
    parser.add_argument("--build-from", type=Path, help="a --no-link bench_ingest index")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--code", action="append", default=[], help="LABEL=DIR, repeatable")
    parser.add_argument("--case", action="append", choices=CASES, help="default: all")
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.build_from:
        unlinked = args.db.with_name(args.db.stem + "-unlinked.db")
        build(args.build_from, unlinked, args.copies)
        shutil.copyfile(unlinked, args.db)
        first = link(args.db, None)
        print(f"first linking: {first}", flush=True)
        record("link", f"harvester link (first, {args.copies} members)", first)
    if not args.db.exists():
        sys.exit(f"{args.db} is missing: build it with --build-from")
    codes: list[tuple[str, Path | None]] = [("this", None)]
    codes += [(label, Path(path)) for label, path in (c.split("=", 1) for c in args.code)]
    rows = []
    for case in args.case or CASES:
        for repeat in range(args.repeat):
            for label, code in codes:
                found = measure(case, args.db, code, args.changes, seed=repeat)
                rows.append({"case": case, "code": label, **found})
                print(table(rows[-1:]), flush=True)
                record("link", f"{case} ({label})", found)
    print(table(rows))


if __name__ == "__main__":
    main()
