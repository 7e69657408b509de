"""The command line as cron and librarians use it: output, exit statuses, demo, lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Clock, book, captured, hold_lock, repository

from harvester.cli import cli
from harvester.demo.server import DevServer, Fault
from harvester.store.lock import lock_path


def write_config(tmp_path: Path, sources: dict[str, str], **settings: object) -> Path:
    lines = [
        f'database = "{tmp_path / "index.db"}"',
        "delay = 0",
        "backoff = 0",
        "max_retry_after = 0",
        "max_retries = 1",
        "timeout = 5",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    for name, url in sources.items():
        lines += ["[[sources]]", f'name = "{name}"', f'endpoint = "{url}"']
    path = tmp_path / "sources.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two_sources(server: DevServer, clock: Clock, tmp_path: Path) -> Path:
    good = repository("good", [book(1), book(2)], clock)
    bad = repository("bad", [book(3)], clock)
    bad.faults.append(
        Fault(
            status=200,
            body=captured("not-oai/httpbun_html_page_for_Identify.xml"),
            times=None,
            headers={"Content-Type": "text/html"},
        )
    )
    return write_config(tmp_path, {"good": server.add(good), "bad": server.add(bad)})


def test_demo_harvests_every_sample_and_status_shows_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HARVESTER_DB", raising=False)
    monkeypatch.delenv("HARVESTER_CONFIG", raising=False)
    runner = CliRunner()
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "harvest.db").exists()
    assert "demo-thai: ok" in result.output
    status = runner.invoke(cli, ["status"])
    assert status.exit_code == 0, status.output
    text = status.output
    for name, records, deleted in [
        ("demo-zenodo", 102, 1),
        ("demo-mit", 58, 0),
        ("demo-thai", 9, 2),
        ("demo-persian", 11, 1),
    ]:
        assert f"{name}: {records} records, {deleted} deleted" in text


def test_one_failing_source_does_not_stop_the_others_and_exits_1(two_sources: Path):
    result = CliRunner().invoke(cli, ["harvest", "--config", str(two_sources), "--quiet"])
    assert result.exit_code == 1
    # --quiet: only the failure is printed, as one line naming the URL.
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("bad: failed")
    assert "HTML page" in lines[0] and "/bad/oai" in lines[0]
    status = CliRunner().invoke(cli, ["status", "--config", str(two_sources), "good"])
    assert "good: 2 records, 0 deleted" in status.output


def test_json_summary_is_machine_readable(two_sources: Path):
    result = CliRunner().invoke(cli, ["harvest", "--config", str(two_sources), "--json", "good"])
    assert result.exit_code == 0
    [summary] = json.loads(result.stdout)
    assert summary["source"] == "good" and summary["status"] == "ok"
    for key in ("pages", "added", "updated", "deleted", "repairs", "duration_seconds", "error"):
        assert key in summary


def test_status_shows_failures(two_sources: Path):
    CliRunner().invoke(cli, ["harvest", "--config", str(two_sources)])
    status = CliRunner().invoke(cli, ["status", "--config", str(two_sources), "bad"])
    assert "failed" in status.output and "error:" in status.output


def test_unknown_source_name_is_a_usage_error(two_sources: Path):
    result = CliRunner().invoke(cli, ["harvest", "--config", str(two_sources), "nope"])
    assert result.exit_code == 2
    assert "no source named nope" in result.output


def test_sources_lists_the_config(two_sources: Path):
    result = CliRunner().invoke(cli, ["sources", "--config", str(two_sources)])
    assert result.exit_code == 0
    assert "2 sources" in result.output and "good" in result.output


def test_identify_describes_an_endpoint(server: DevServer, clock: Clock):
    repo = repository("lib", [book(1, sets=["books"])], clock, repository_name="Test Library")
    url = server.add(repo)
    result = CliRunner().invoke(cli, ["identify", url])
    assert result.exit_code == 0, result.output
    assert "Test Library" in result.output
    assert "oai_dc" in result.output
    assert "books" in result.output


def test_identify_of_a_non_oai_page_is_one_sentence(server: DevServer, clock: Clock):
    repo = repository("web", [], clock)
    repo.faults.append(
        Fault(body=captured("not-oai/httpbun_html_page_for_Identify.xml"), times=None)
    )
    result = CliRunner().invoke(cli, ["identify", server.add(repo)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "not OAI-PMH" in result.output


def test_second_harvest_on_same_index_exits_75_naming_the_holder(two_sources: Path, tmp_path: Path):
    database = tmp_path / "index.db"
    holder = hold_lock(database)
    try:
        result = CliRunner().invoke(cli, ["harvest", "--config", str(two_sources)])
        assert result.exit_code == 75
        assert f"pid {holder.pid}" in result.output
    finally:
        holder.communicate("\n", timeout=10)


def test_stale_lock_of_a_dead_process_is_taken_over(two_sources: Path, tmp_path: Path):
    lock_path(tmp_path / "index.db").write_text("999999\n")
    result = CliRunner().invoke(cli, ["harvest", "--config", str(two_sources), "good"])
    assert result.exit_code == 0
    assert lock_path(tmp_path / "index.db").read_text().strip() == str(os.getpid())


def test_python_dash_m_runs_the_cli():
    result = subprocess.run(
        [sys.executable, "-m", "harvester", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "harvester" in result.stdout


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:  # type: ignore[attr-defined]
        assert f"harvester {name}" in readme, name
