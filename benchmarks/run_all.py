"""Run every benchmark in order at one size.

    python benchmarks/run_all.py --size 100k
    python benchmarks/run_all.py --size 1m --baselines bare    # the sickle loop is slow at 1M

ingest (which leaves the index the later steps read), incremental, parallel, export, search,
renormalise, then the ingest profile. Each script prints its table and appends to
benchmarks/results/results.jsonl.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from common import HERE, PYTHON


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=("10k", "100k", "1m"), default="100k")
    parser.add_argument("--baselines", default="sickle,bare")
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    size = args.size
    steps = [
        ["bench_ingest.py", "--size", size, "--baselines", args.baselines],
        ["bench_incremental.py", "--size", "100k" if size == "1m" else size],
        ["bench_parallel.py"],
        ["bench_export.py", "--size", size],
        ["bench_search.py", "--size", size],
        ["bench_renormalise.py", "--size", size],
    ]
    if not args.no_profile:
        steps.append(["profile_ingest.py", "--size", "100k" if size == "1m" else size])
    failed = 0
    for step in steps:
        print(f"\n$ python benchmarks/{' '.join(step)}", flush=True)
        failed += subprocess.run([PYTHON, str(HERE / step[0]), *step[1:]]).returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
