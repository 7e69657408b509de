"""`harvester serve` as an OAI-PMH provider over HTTP, beside a second provider.

Per index size: ListRecords records/s for the full list and for a `from` list (the last tenth
of the changes), GetRecord p50/p95 over random identifiers, and the server's peak RSS (VmHWM of
the `harvester serve` process). The same full harvest is then made, with the same client and
page size, against the project's synthetic provider (benchmarks/provider.py: pages sliced from
an mmap of pre-rendered records, no database), as the ceiling of a provider on this machine.

The index of N records is built once under benchmarks/.cache/db/serve-N.db from a bench_ingest
index (`--build-from`, default benchmarks/.cache/db/ingest-100000.db): its records are
repeated under further member names until there are N, and changed_at is spread over a year
in row order, so a `from` list is a real window. The copy's full-text triggers are dropped
before the copies go in (the provider never reads the FTS tables).

    python benchmarks/bench_serve.py --size 100k --size 1m
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CACHE, HARVESTER, SIZES, Provider, db_path, record, table

from harvester.store import Store

TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
RECORD = re.compile(rb"<record>")
IDENT = re.compile(rb"<identifier>([^<]+)</identifier>")


def build(source: Path, target: Path, records: int) -> None:
    """Copy `source` and repeat its records under further member names up to `records`."""
    if target.exists():
        return
    started = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(source, partial)
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'"
    ).fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    base = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    copied = ", ".join("source || ?" if c == "source" else c for c in columns)
    copy = 1
    while base * copy < records:
        limit = min(base, records - base * copy)
        conn.execute(
            f"INSERT INTO records ({', '.join(columns)}) "
            f"SELECT {copied} FROM records WHERE rowid <= ? ORDER BY rowid",
            [f"-{copy}", limit],
        )
        conn.execute(
            "INSERT OR IGNORE INTO sources (name, title, country) "
            "SELECT name || ?, title, country FROM sources",
            [f"-{copy}"],
        )
        conn.commit()
        copy += 1
    # A year of changes, in row order (rowid = insertion order).
    conn.execute(
        "UPDATE records SET changed_at = strftime('%Y-%m-%dT%H:%M:%f', '2025-01-01', "
        "'+' || (rowid * 31536000 / (SELECT MAX(rowid) FROM records)) || ' seconds') || 'Z'"
    )
    conn.commit()
    conn.close()
    Store(partial).close()  # the migrations the provider needs (m005: keyset index, token key)
    partial.rename(target)
    print(f"built {target.name} in {time.perf_counter() - started:.0f} s", flush=True)


class Server:
    """`harvester serve` in its own process on a free port."""

    def __init__(self, db: Path, page_size: int) -> None:
        self.config = db.with_suffix(f".serve-{page_size}.toml")
        self.config.write_text(f"[serve]\npage_size = {page_size}\n", encoding="utf-8")
        self.db = db

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            [HARVESTER, "serve", "--db", str(self.db), "--config", str(self.config), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        self.url = line.split(" at ", 1)[1].split()[0]  # .../oai
        return self

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


def harvest(url: str, params: dict[str, str]) -> tuple[int, float, list[bytes]]:
    """Follow a list to its end with a keep-alive client: (records, seconds, some identifiers)."""
    count, sample = 0, list[bytes]()
    started = time.perf_counter()
    with requests.Session() as session:
        while True:
            body = session.get(url, params=params, timeout=120).content
            count += len(RECORD.findall(body))
            if len(sample) < 2000:
                sample += IDENT.findall(body)[:5]
            found = TOKEN.search(body[-4096:])
            if not found:
                break
            params = {"verb": params["verb"], "resumptionToken": found.group(1).decode()}
    return count, time.perf_counter() - started, sample


def get_records(url: str, identifiers: list[bytes], rounds: int) -> dict[str, float]:
    timings = []
    with requests.Session() as session:
        for identifier in random.Random(7).choices(identifiers, k=rounds):
            started = time.perf_counter()
            body = session.get(
                url,
                params={
                    "verb": "GetRecord",
                    "identifier": identifier.decode(),
                    "metadataPrefix": "oai_dc",
                },
                timeout=30,
            ).content
            timings.append(time.perf_counter() - started)
            assert b"<GetRecord>" in body, body[:500]
    timings.sort()
    return {
        "getrecord_p50_ms": timings[len(timings) // 2] * 1000,
        "getrecord_p95_ms": timings[int(len(timings) * 0.95)] * 1000,
    }


def from_stamp(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    total = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    stamp = conn.execute(
        "SELECT changed_at FROM records ORDER BY changed_at LIMIT 1 OFFSET ?", [total * 9 // 10]
    ).fetchone()[0]
    conn.close()
    return str(stamp)[:19] + "Z"


def bench_ours(db: Path, page_size: int, rounds: int) -> dict[str, Any]:
    lists = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    with Server(db, page_size) as server:
        oai = server.url
        records, seconds, sample = harvest(oai, lists)
        recent, recent_seconds, _ = harvest(oai, {**lists, "from": from_stamp(db)})
        numbers = {
            "provider": "harvester serve",
            "records": records,
            "list_records_per_s": records / seconds,
            "from_records": recent,
            "from_records_per_s": recent / recent_seconds,
            **get_records(oai, sample, rounds),
            "peak_rss_mb": server.peak_rss_mb(),
        }
    return numbers


def bench_theirs(records: int, page_size: int) -> dict[str, Any]:
    with Provider(records, page_size=page_size) as provider:
        count, seconds, _ = harvest(
            provider.url(), {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
        )
    return {
        "provider": "benchmarks/provider.py",
        "records": count,
        "list_records_per_s": count / seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", action="append", choices=list(SIZES), default=[])
    parser.add_argument("--build-from", type=Path, default=db_path(100_000))
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=500, help="GetRecord requests")
    args = parser.parse_args()
    rows = []
    for size in args.size or ["100k"]:
        records = SIZES[size]
        db = CACHE / "db" / f"serve-{records}.db"
        build(args.build_from, db, records)
        ours = bench_ours(db, args.page_size, args.rounds)
        theirs = bench_theirs(records, args.page_size)
        for numbers in (ours, theirs):
            numbers = {"size": size, "page_size": args.page_size, **numbers}
            rows.append(numbers)
            record("serve", " ".join(sys.argv), numbers)
    print(table(rows))


if __name__ == "__main__":
    main()
