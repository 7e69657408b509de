"""`harvester serve` as a user runs it: a real process, a real port, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from serving import build_demo_index


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_index(tmp_path_factory.mktemp("cli") / "demo.db")


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harvester", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_serve_prints_its_url_answers_and_stops_cleanly_on_sigterm(demo_db: Path):
    process = start("--db", str(demo_db), "--port", "0")
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith(f"Serving {demo_db} at http://127.0.0.1:")
        url = line.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "?verb=Identify", timeout=10) as response:
            assert b"<Identify>" in response.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.wait()


def test_a_missing_index_is_one_line_and_exit_2(tmp_path: Path):
    process = start("--db", str(tmp_path / "none.db"), "--port", "0")
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert err.strip().splitlines() == [
        f"Error: no index at {tmp_path / 'none.db'}; run `harvester harvest` or "
        "`harvester demo` first"
    ]
    assert not (tmp_path / "none.db").exists()


def test_a_bad_serve_table_is_a_config_error(tmp_path: Path, demo_db: Path):
    config = tmp_path / "sources.toml"
    config.write_text("[serve]\npage_size = 100000\n", encoding="utf-8")
    process = start("--db", str(demo_db), "--config", str(config))
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "[serve]: key 'page_size' must be between 1 and 1000" in err
