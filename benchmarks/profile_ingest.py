"""Where a full harvest spends its time: py-spy samples `harvester harvest --full`.

    python benchmarks/profile_ingest.py --size 100k
    python benchmarks/profile_ingest.py --size 100k --command renormalise   # or export

Prints the top functions by self time and by inclusive time (shares of all samples of
active threads) and keeps the raw collapsed stacks in benchmarks/.cache/profile-*.txt
(load them into speedscope or flamegraph.pl for a picture).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from common import CACHE, HARVESTER, SIZES, Provider, db_path, fresh, harvester_has, write_config

PY_SPY = shutil.which("py-spy") or str(Path(HARVESTER).with_name("py-spy"))


def sample(cmd: list[str], out: Path, rate: int) -> None:
    spy = [PY_SPY, "record", "--nonblocking", "--format", "raw", "--rate", str(rate)]
    spy += ["-o", str(out), "--", *cmd]
    subprocess.run(spy, check=True, capture_output=True, timeout=3600)


def summarise(raw: Path, top: int) -> str:
    """Self and inclusive shares per function from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total:,} samples", "", "self time:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in own.most_common(top)]
    lines += ["", "inclusive time:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top * 2)]
    return "\n".join(lines)


def _short(frame: str) -> str:
    # "function (path/to/module.py:123)" -> "function (module.py)"
    name, _, where = frame.partition(" (")
    module = where.rsplit(":", 1)[0].rsplit("/", 2)
    return f"{name} ({'/'.join(module[-2:])})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument(
        "--command", choices=("harvest", "renormalise", "export"), default="harvest"
    )
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    records = SIZES[args.size]
    raw = CACHE / f"profile-{args.command}-{records}.txt"
    if args.command == "renormalise":
        sample([HARVESTER, "renormalise", "--db", str(db_path(records))], raw, args.rate)
    elif args.command == "export":
        out = CACHE / "profile-export.jsonl"
        sample([HARVESTER, "export", "--db", str(db_path(records)), "-o", str(out)], raw, args.rate)
        out.unlink(missing_ok=True)
    else:
        with Provider(records) as provider:
            db = fresh(CACHE / "db" / f"profile-{records}.db")
            config = write_config(CACHE / "profile.toml", db, {"bench": provider.url()})
            cmd = [HARVESTER, "harvest", "--config", str(config), "--db", str(db), "--full"]
            cmd += ["--quiet", "--json"]
            cmd += ["--no-link"] if harvester_has("--no-link") else []
            sample(cmd, raw, args.rate)
            fresh(db)
    print(json.dumps({"profile": str(raw)}))
    print(summarise(raw, args.top))


if __name__ == "__main__":
    main()
