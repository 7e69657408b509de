"""A harvester process killed (or interrupted) mid-harvest, then run again, ends exact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Clock, book, repository, rows

from harvester.demo.server import DevServer, Repository
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings, Source
from harvester.store import Store

RECORDS = 60
PAGE = 3


def start_harvest(config: Path) -> subprocess.Popen[str]:
    """The CLI with its pool of worker processes on, in a process group of its own."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harvester",
            "harvest",
            "--config",
            str(config),
            "--quiet",
            "--json",
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_requests(repo: Repository, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while len(repo.list_requests()) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the harvest never got that far"
        time.sleep(0.01)


@pytest.fixture
def slow_repo(server: DevServer, clock: Clock) -> Repository:
    repo = repository(
        "lib", [book(n) for n in range(1, RECORDS + 1)], clock, page_size=PAGE, latency=0.03
    )
    server.add(repo)
    return repo


@pytest.fixture
def config(tmp_path: Path, server: DevServer, settings: Settings) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f'database = "{settings.database}"\ndelay = 0\nbackoff = 0\nmax_retries = 0\n'
        f'[[sources]]\nname = "lib"\nendpoint = "{server.url("lib")}"\n',
        encoding="utf-8",
    )
    return path


def finish(settings: Settings, server: DevServer) -> None:
    source = Source(name="lib", endpoint=server.url("lib"))
    [result] = harvest_all(settings, [source], HarvestOptions())
    assert result.status == "ok", result.error


@pytest.mark.parametrize("kill_after", [1, 4, 11])
def test_kill_9_then_rerun_gives_exactly_the_endpoints_records(
    slow_repo: Repository, config: Path, settings: Settings, server: DevServer, kill_after: int
):
    process = start_harvest(config)
    wait_for_requests(slow_repo, kill_after, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    # The index holds whole pages only, and the checkpoint agrees with them.
    stored = len(rows(settings))
    assert stored % PAGE == 0
    state = Store(settings.database).get_state("lib", "", "oai_dc") or {}
    if stored:
        assert state["resumption_token"] and state["received"] == stored
    assert not state.get("watermark")

    slow_repo.requests.clear()
    finish(settings, server)
    identifiers = [r["identifier"] for r in rows(settings)]
    assert identifiers == sorted(f"oai:test:{n}" for n in range(1, RECORDS + 1))
    if stored:  # resumed from the saved token, not from the start
        assert "resumptionToken" in slow_repo.list_requests()[0]


def test_ctrl_c_commits_the_current_page_and_exits_130(
    slow_repo: Repository, config: Path, settings: Settings, server: DevServer
):
    process = start_harvest(config)
    wait_for_requests(slow_repo, 3, process)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: the workers get it too
    out, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, out + stderr
    assert "interrupted" in stderr

    store = Store(settings.database)
    [run] = list(store.db.table("runs").rows)
    assert run["status"] == "interrupted"
    state = store.get_state("lib", "", "oai_dc") or {}
    assert state["resumption_token"] and state["received"] == run["received"]
    assert len(rows(settings)) == run["received"] < RECORDS

    finish(settings, server)
    assert len(rows(settings)) == RECORDS


def test_a_run_that_fails_midway_resumes_from_its_token(
    server: DevServer, clock: Clock, settings: Settings
):
    from harvester.demo.server import Fault

    repo = repository("lib", [book(n) for n in range(1, 11)], clock, page_size=4)
    source = Source(name="lib", endpoint=server.add(repo))
    repo.faults.append(Fault(status=500, when=lambda p: "resumptionToken" in p, times=1))
    [first] = harvest_all(
        settings.__class__(database=settings.database, delay=0, backoff=0, max_retries=0),
        [source],
        HarvestOptions(),
    )
    assert first.status == "failed"
    repo.requests.clear()
    [second] = harvest_all(settings, [source], HarvestOptions())
    assert second.status == "ok"
    assert "resumptionToken" in repo.list_requests()[0]
    assert len(rows(settings)) == 10
