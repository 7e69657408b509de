"""The benchmarks' OAI-PMH provider: harvester.demo's server over synthetic catalogues.

Records are generated deterministically (seeded) by a record shape (harvester.demo.synthetic),
cached once in ``benchmarks/.cache/provider/`` and served from an mmap, so the server is never
the bottleneck. This script only starts that server in its own process (so it never shares a
GIL with a client) and measures its ceiling.

    python benchmarks/provider.py serve --records 100000 --page-size 500
    python benchmarks/provider.py serve --sources 8 --records 5000 --page-size 250 --latency 0.05
    python benchmarks/provider.py measure --records 100000      # the server's own ceiling
    python benchmarks/provider.py serve --shape library --records 100000 --page-size 100

``serve`` prints ``READY <base url>`` on stdout, then serves ``/<name>/oai`` for every
repository (``bench`` for one source, ``bench1``..``benchN`` for several) and these control
URLs: ``/_admin/stats`` (requests per repository and verb, JSON), ``/_admin/reset`` and
``/_admin/change?repo=NAME&percent=1``.
"""

from __future__ import annotations

import argparse
import re
import threading
import time
from pathlib import Path

from harvester.demo.server import DevServer, Repository
from harvester.demo.synthetic import SHAPES, START, SyntheticCatalogue, stamp_of

CACHE = Path(__file__).resolve().parent / ".cache" / "provider"


def repositories(args: argparse.Namespace) -> list[Repository]:
    names = ["bench"] if args.sources == 1 else [f"bench{k}" for k in range(1, args.sources + 1)]
    return [
        Repository(
            name=name,
            repository_name=f"Benchmark provider {name}",
            earliest_datestamp=stamp_of(START),
            page_size=args.page_size,
            latency=args.latency,
            catalogue=SyntheticCatalogue(
                name, args.records, seed=args.seed + k, shape=args.shape, cache=CACHE, workers=2
            ),
        )
        for k, name in enumerate(names)
    ]


def make_server(args: argparse.Namespace, port: int = 0) -> DevServer:
    server = DevServer(port=port)
    for repository in repositories(args):
        server.add(repository)
    return server


def measure(args: argparse.Namespace, passes: int = 2) -> dict[str, float]:
    """The server's ceiling: a plain requests.Session pages through the whole list."""
    import requests

    server = make_server(args).start()
    url = server.url("bench")
    token_re = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
    results: dict[str, float] = {}
    try:
        with requests.Session() as session:
            for attempt in range(passes):
                pages = nbytes = 0
                params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
                started = time.perf_counter()
                for _ in range(args.records // args.page_size + 2):  # bounded
                    body = session.get(url, params=params, timeout=30).content
                    pages += 1
                    nbytes += len(body)
                    found = token_re.search(body[-4096:])
                    if not found:
                        break
                    params = {"verb": "ListRecords", "resumptionToken": found.group(1).decode()}
                seconds = time.perf_counter() - started
                results = {
                    "pages_per_s": pages / seconds,
                    "records_per_s": args.records / seconds,
                    "mb_per_s": nbytes / seconds / 1e6,
                    "avg_record_bytes": nbytes / args.records,
                    "seconds": seconds,
                }
                print(
                    f"pass {attempt + 1}: " + ", ".join(f"{k} {v:,.1f}" for k, v in results.items())
                )
    finally:
        server.stop()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=("serve", "measure", "build"))
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--sources", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--shape", default="synthetic", help=f"record shape: {', '.join(SHAPES)} or a module"
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--max-seconds", type=float, default=4 * 3600, help="serve: stop after this"
    )
    args = parser.parse_args(argv)
    if args.command == "build":
        started = time.perf_counter()
        repositories(args)
        print(f"built in {time.perf_counter() - started:.1f} s")
        return
    if args.command == "measure":
        measure(args)
        return
    server = make_server(args, args.port)
    print(f"READY {server.base_url}", flush=True)
    timer = threading.Timer(args.max_seconds, server.stop)  # never outlives its budget
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()


if __name__ == "__main__":
    main()
