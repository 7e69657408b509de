"""Issue 12, cases 2, 3 and 5: what every command does with files that are not (writable) indexes.

A text file, someone else's SQLite database, a read-only directory and a busy index: each gets
one line and the right exit status, and a file that is not ours is left byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import cli_demo, hold_lock

from harvester.cli import cli
from harvester.store import Store
from harvester.store.lock import lock_path
from harvester.store.opening import APPLICATION_ID, schema_version

READERS = [
    ["status"],
    ["status", "--json"],
    ["search", "data"],
    ["stats"],
    ["export"],
]
WRITERS = [["link"], ["renormalise"], ["link", "--full"]]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def siblings(path: Path) -> list[str]:
    """Files beside `path` other than itself: journals, WAL, shared memory, lock files."""
    return sorted(p.name for p in path.parent.iterdir() if p != path)


def foreign_database(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE patrons (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO patrons (name) VALUES ('Nizami')")
    conn.commit()
    conn.close()
    return path


def cli_run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def demo_index() -> Iterator[Path]:
    """A demo index in a directory that other users may enter (pytest's tmp dirs are 0700)."""
    directory = Path(tempfile.mkdtemp(prefix="harvester-ro-"))
    directory.chmod(0o755)
    database = cli_demo(directory)
    (directory / "harvest.db.lock").unlink()
    yield database
    shutil.rmtree(directory)


@pytest.mark.parametrize("command", READERS + WRITERS, ids=" ".join)
def test_someone_elses_database_is_refused_and_left_byte_identical(
    tmp_path: Path, command: list[str]
):
    other = foreign_database(tmp_path / "other.sqlite")
    before = digest(other)
    status, output = cli_run(*command, "--db", str(other))
    assert status == 2
    refusal = f"{other} is an SQLite database but not a harvester index; it was left unchanged"
    assert output == f"Error: {refusal}\n"
    assert digest(other) == before
    assert siblings(other) == []  # no WAL, no journal, no lock file


def test_harvest_and_demo_refuse_someone_elses_database(tmp_path: Path):
    other = foreign_database(tmp_path / "other.sqlite")
    before = digest(other)
    config = tmp_path / "sources.toml"
    config.write_text('[[sources]]\nname = "x"\nendpoint = "http://127.0.0.1:9/oai"\n')
    for command in (["harvest", "--config", str(config)], ["demo"]):
        status, output = cli_run(*command, "--db", str(other))
        assert status == 2, output
        assert output.splitlines()[-1].endswith("not a harvester index; it was left unchanged")
    assert digest(other) == before
    assert siblings(other) == ["sources.toml"]


@pytest.mark.parametrize("command", READERS + WRITERS, ids=" ".join)
def test_a_text_file_is_one_line_no_traceback_and_no_lock_file(tmp_path: Path, command: list[str]):
    notes = tmp_path / "notes.txt"
    notes.write_text("Meeting notes: harvest Zenodo on Friday.\n")
    result = subprocess.run(
        [sys.executable, "-m", "harvester", *command, "--db", str(notes)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == f"Error: {notes} is not a harvester index (not an SQLite database)\n"
    assert notes.read_text() == "Meeting notes: harvest Zenodo on Friday.\n"
    assert siblings(notes) == []


def test_only_a_new_or_empty_file_becomes_an_index(tmp_path: Path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new.db"):
        Store(path).close()
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        conn.close()


def test_an_index_from_before_the_marker_is_recognised_and_stamped(tmp_path: Path):
    database = tmp_path / "old.db"
    Store(database).close()
    conn = sqlite3.connect(database)
    conn.execute("PRAGMA application_id = 0")
    conn.execute("PRAGMA user_version = 0")
    conn.commit()
    conn.close()
    status, output = cli_run("status", "--db", str(database))
    assert status == 0, output
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


def test_read_commands_on_a_missing_index_say_so_and_create_nothing(tmp_path: Path):
    missing = tmp_path / "none.db"
    for command in READERS + WRITERS:
        status, output = cli_run(*command, "--db", str(missing))
        assert status == 2
        assert output.startswith(f"Error: no index at {missing}; run `harvester harvest`")
    assert list(tmp_path.iterdir()) == []


def as_other_user(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI where it may read the index but not write it or its directory.

    The directory and its files are made read-only. Root ignores file permissions through its
    capabilities, so as root the command runs without them (setpriv drops CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH): still root, so it can read the interpreter and the checkout wherever
    they live, but bound by the permission bits like anyone else.
    """
    command = [sys.executable, "-m", "harvester", *args]
    env = {**os.environ, "HOME": str(cwd), "PYTHONDONTWRITEBYTECODE": "1"}
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop write permission")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    modes = {path: path.stat().st_mode for path in cwd.iterdir()}
    for path in modes:
        path.chmod(0o444)
    cwd.chmod(0o555)
    try:
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    finally:
        cwd.chmod(0o755)
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_read_commands_work_on_a_read_only_index_in_a_read_only_directory(
    demo_index: Path, command: list[str]
):
    before, files = digest(demo_index), siblings(demo_index)
    result = as_other_user([*command, "--db", str(demo_index)], demo_index.parent)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout  # the demo index is not empty
    assert digest(demo_index) == before and siblings(demo_index) == files


@pytest.mark.parametrize(
    "command", [*WRITERS, ["harvest", "--config", "sources.toml"]], ids=" ".join
)
def test_writers_on_a_read_only_directory_fail_in_one_line(demo_index: Path, command: list[str]):
    (demo_index.parent / "sources.toml").write_text(
        '[[sources]]\nname = "x"\nendpoint = "http://127.0.0.1:9/oai"\n'
    )
    before, files = digest(demo_index), siblings(demo_index)
    result = as_other_user([*command, "--db", str(demo_index)], demo_index.parent)
    assert result.returncode == 2
    assert result.stderr == f"Error: cannot write the index {demo_index}: Permission denied\n"
    assert digest(demo_index) == before and siblings(demo_index) == files


def test_every_writer_takes_the_lock_and_readers_never_wait(tmp_path: Path):
    database = tmp_path / "index.db"
    Store(database).close()
    holder = hold_lock(database)
    try:
        config = tmp_path / "sources.toml"
        config.write_text('[[sources]]\nname = "x"\nendpoint = "http://127.0.0.1:9/oai"\n')
        writers = [*WRITERS, ["harvest", "--config", str(config)], ["demo"]]
        for command in writers:
            status, output = cli_run(*command, "--db", str(database))
            assert status == 75, (command, output)
            assert output.splitlines()[-1] == (
                f"Error: another harvester command (pid {holder.pid}) is writing to {database}; "
                f"try again when it has finished (lock file {lock_path(database)})"
            )
        for command in READERS:
            status, output = cli_run(*command, "--db", str(database))
            assert status == 0, (command, output)
    finally:
        holder.communicate("\n", timeout=10)
