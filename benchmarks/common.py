"""Shared pieces of the benchmarks: the provider process, timed child runs, results."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results" / "results.jsonl"
PYTHON = sys.executable
HARVESTER = str(Path(PYTHON).with_name("harvester"))
TIME = shutil.which("time") or "/usr/bin/time"
SIZES = {"10k": 10_000, "20k": 20_000, "100k": 100_000, "1m": 1_000_000}


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM and the load average at the time of the measurement."""
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "host": platform.node(),
        "nproc": os.cpu_count(),
        "cpu": model,
        "ram_gib": round(mem_kb / 2**20, 1),
        "python": platform.python_version(),
        "load": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def harvester_changes() -> list[str]:
    """Uncommitted changes under harvester/ (the commit alone would not say what ran)."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain", "--", "harvester"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return [line[3:] for line in out.stdout.splitlines()]
    except OSError:
        return []


STARTED_COMMIT = git_commit()  # the code can move on while a long benchmark runs


def record(bench: str, command: str, numbers: dict[str, Any]) -> None:
    """Append one result line to results/results.jsonl."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    line = {
        "bench": bench,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "commit_at_start": STARTED_COMMIT,
        "uncommitted": harvester_changes(),
        "machine": machine(),
        "command": command,
        "numbers": numbers,
    }
    with RESULTS.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


def table(rows: Sequence[dict[str, Any]]) -> str:
    """A small aligned text table."""
    if not rows:
        return ""
    cols = list(rows[0])
    cells = [[_fmt(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(cols)]
    numeric = [all(isinstance(r.get(c), int | float | None) for r in rows) for c in cols]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    for row in cells:
        parts = zip(row, widths, numeric, strict=True)
        lines.append("  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in parts))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


@dataclass
class Run:
    """A finished child process: wall and CPU seconds, peak RSS of the process (MB), output."""

    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run(
    cmd: Sequence[str],
    timeout: float = 3600,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run a command under /usr/bin/time -v: wall time and the child's peak RSS."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        full = [TIME, "-v", "-o", report.name, *cmd]
        started = time.perf_counter()
        done = subprocess.run(
            full, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env
        )
        seconds = time.perf_counter() - started
        rss_kb, cpu = 0, 0.0
        for line in report.read().splitlines():
            if "Maximum resident set size" in line:
                rss_kb = int(line.rsplit(":", 1)[1])
            elif "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.rsplit(":", 1)[1])
    if done.returncode != 0:
        sys.stderr.write(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}\n")
    return Run(seconds, cpu, rss_kb / 1024, done.returncode, done.stdout, done.stderr)


class Provider:
    """benchmarks/provider.py in its own process (so it never shares a GIL with a client)."""

    def __init__(
        self,
        records: int,
        page_size: int = 500,
        sources: int = 1,
        latency: float = 0.0,
        max_seconds: float = 3 * 3600,
        shape: str = "synthetic",
    ) -> None:
        self.args = [
            "--shape",
            shape,
            "--records",
            str(records),
            "--page-size",
            str(page_size),
            "--sources",
            str(sources),
            "--latency",
            str(latency),
            "--max-seconds",
            str(max_seconds),
        ]
        self.names = ["bench"] if sources == 1 else [f"bench{k}" for k in range(1, sources + 1)]
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> Provider:
        cmd = [PYTHON, str(HERE / "provider.py"), "serve", *self.args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # generation of a 1M list takes about a minute
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"provider did not start: {line!r}")
        self.base_url = line.split()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def url(self, name: str = "bench") -> str:
        return f"{self.base_url}/{name}/oai"

    def _admin(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.base_url}/_admin/{path}", timeout=120) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result

    def stats(self) -> dict[str, dict[str, int]]:
        return self._admin("stats")

    def reset(self) -> None:
        self._admin("reset")

    def change(self, name: str = "bench", percent: float = 1.0) -> int:
        return int(self._admin(f"change?repo={name}&percent={percent}")["changed"])


def write_config(path: Path, db: Path, sources: dict[str, str], jobs: int = 4) -> Path:
    """A harvester config for these sources: no politeness delay (everything is local)."""
    lines = [
        f'database = "{db}"',
        "delay = 0",
        "timeout = 120",
        "max_retries = 0",
        f"jobs = {jobs}",
        "",
    ]
    for name, url in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'endpoint = "{url}"', ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def harvester_has(option: str, command: str = "harvest") -> bool:
    """Whether the installed CLI offers an option (e.g. --no-link), read from --help."""
    out = subprocess.run(
        [HARVESTER, command, "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    return option in out


def fresh(path: Path) -> Path:
    """Remove an SQLite file and its WAL/SHM/lock companions."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def db_path(records: int, shape: str = "synthetic") -> Path:
    """The index a full harvest of `records` leaves behind, reused by export/search/renorm."""
    tag = "" if shape == "synthetic" else f"-{shape}"
    return CACHE / "db" / f"ingest-{records}{tag}.db"


# Page size per record shape: the suite's synthetic lists page by 500, a library's by 100.
PAGE_SIZES = {"synthetic": 500, "library": 100}
