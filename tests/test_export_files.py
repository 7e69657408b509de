"""Issue 12, case 6: export files a user (and a web server) can use, where the user said.

Exports honour the umask for a new file and keep the mode of a file they replace (they used to
be 0600 from mkstemp); a missing directory is refused unless `--mkdir` asks for it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import book, repository, source_for

from harvester.cli import cli
from harvester.demo.server import DevServer
from harvester.harvest.run import harvest_all
from harvester.models import Settings


@pytest.fixture
def index(server: DevServer, settings: Settings, clock: object) -> Path:
    repo = repository("lib", [book(1), book(2)], clock)  # type: ignore[arg-type]
    harvest_all(settings, [source_for(server, repo)])
    return settings.database


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def export(index: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["export", "--db", str(index), *args])
    return result.exit_code, result.stderr


@pytest.mark.parametrize("format_", ["jsonl", "csv", "xml"])
def test_a_new_export_honours_the_umask(index: Path, tmp_path: Path, umask_022: None, format_: str):
    out = tmp_path / f"feed.{format_}"
    status, _ = export(index, "--format", format_, "-o", str(out))
    assert status == 0
    assert mode(out) == 0o644


def test_a_stricter_umask_is_honoured_too(index: Path, tmp_path: Path, umask_022: None):
    os.umask(0o027)
    out = tmp_path / "feed.xml"
    assert export(index, "--format", "xml", "-o", str(out))[0] == 0
    assert mode(out) == 0o640


def test_a_replaced_export_keeps_its_mode(index: Path, tmp_path: Path, umask_022: None):
    out = tmp_path / "feed.xml"
    out.write_text("old feed")
    out.chmod(0o664)
    assert export(index, "--format", "xml", "-o", str(out))[0] == 0
    assert mode(out) == 0o664
    assert out.read_text().startswith("<?xml")


def test_a_missing_directory_is_refused_unless_asked_for(index: Path, tmp_path: Path):
    out = tmp_path / "nonexistent" / "out.jsonl"
    status, stderr = export(index, "-o", str(out))
    assert status == 2
    assert stderr == f"Error: cannot write {out}: no directory {out.parent} (--mkdir creates it)\n"
    assert not out.parent.exists()
    status, _ = export(index, "-o", str(out), "--mkdir")
    assert status == 0 and len(out.read_text().splitlines()) == 2
