"""Start-up time per command: how long `harvester CMD` takes on the demo index, end to end.

    python benchmarks/bench_startup.py            # 15 runs of each command, median and best
    python benchmarks/bench_startup.py --runs 30

Each command is a fresh process, as from cron or a shell, so the figure is dominated by
imports. Target: `--version`, `--help`, `status` and `search` under 0.25 s on 2 cores; the
other commands load what they need (the harvest loads sickle, requests and lxml).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import HARVESTER, record

TARGET = 0.25
COMMANDS: list[tuple[str, list[str], bool]] = [  # (label, arguments, has a target)
    ("--version", ["--version"], True),
    ("--help", ["--help"], True),
    ("status", ["status", "--db", "{db}"], True),
    ("search", ["search", "data", "--db", "{db}"], True),
    ("stats", ["stats", "--db", "{db}"], False),
    ("export", ["export", "--db", "{db}", "-o", "{dir}/out.jsonl"], False),
    ("sources", ["sources", "--config", "{dir}/sources.toml"], False),
    ("harvest --help", ["harvest", "--help"], False),
]


def time_command(arguments: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (user + system) seconds of each run.

    CPU time is the steadier figure on a loaded machine: the wall clock also counts waiting
    for a core.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([HARVESTER, *arguments], capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        db = Path(directory) / "harvest.db"
        subprocess.run([HARVESTER, "demo", "--quiet", "--db", str(db)], check=True)
        (Path(directory) / "sources.toml").write_text(
            '[[sources]]\nname = "nlt"\nendpoint = "https://example.org/oai"\n'
            'default_language = "tha"\n'
        )
        numbers = {}
        print(f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'command':<16} {'median s':>9} {'best s':>7} {'CPU s':>7}  target (median)")
        for label, template, has_target in COMMANDS:
            arguments = [a.format(db=db, dir=directory) for a in template]
            walls, cpus = time_command(arguments, args.runs)
            median, best, cpu = statistics.median(walls), min(walls), statistics.median(cpus)
            verdict = ("met" if median < TARGET else "MISSED") if has_target else ""
            print(f"{label:<16} {median:>9.3f} {best:>7.3f} {cpu:>7.3f}  {verdict}")
            numbers[label] = {
                "median_s": round(median, 4),
                "best_s": round(best, 4),
                "cpu_s": round(cpu, 4),
            }
    record("startup", f"bench_startup.py --runs {args.runs}", numbers)


if __name__ == "__main__":
    main()
