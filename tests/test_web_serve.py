"""`harvester serve` shows the web page at `/`, and `harvester demo` says how to see it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from harvester.cli import cli


def test_harvester_serve_shows_the_page_at_the_root(web_index: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "harvester", "serve", "--db", str(web_index), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        line = process.stdout.readline()
        assert line.startswith("The web page: http://127.0.0.1:")
        url = line.split(": ", 1)[1].strip()
        query = urllib.parse.urlencode({"q": "อยุธยา", "lang": "en"})
        with urllib.request.urlopen(f"{url}?{query}", timeout=10) as response:
            html = response.read().decode()
        assert "ประวัติศาสตร์กรุงศรีอยุธยา" in html and "Silk Road Digital Library" in html
        with urllib.request.urlopen(url + "oai?verb=Identify", timeout=10) as response:
            assert b"<Identify>" in response.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.wait()


def test_the_demo_ends_by_saying_how_to_see_the_page(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    tail = result.output.strip().splitlines()[-3:]
    assert tail == [
        "See it in a browser (search, facets, record pages):",
        f"  harvester serve --db {tmp_path / 'demo.db'}",
        "  then open http://127.0.0.1:8080/",
    ]
