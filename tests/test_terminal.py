"""Issue 12, case 8: what the terminal shows. The live line fits the width and disappears,
counts are pluralised, SIGTERM is not told to press Ctrl-C, and `identify` says exactly how
many sets there are, takes a pasted `?verb=Identify` URL, and has `--json`.
"""

from __future__ import annotations

import json
import os
import re
import signal

import pytest
from click.testing import CliRunner
from conftest import Clock, book, repository

from harvester.cli import cli
from harvester.cli.common import ProgressLine, stop_on_signal
from harvester.demo.server import DevServer

DRAWN = re.compile(r"\r([^\r]*?)\x1b\[K")


def test_the_live_line_fits_an_80_column_terminal_and_is_erased(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COLUMNS", "80")
    progress = ProgressLine()
    for name in ("national-library-thailand", "nlc-china", "nlai-iran", "zenodo"):
        progress(name, 1, 50)
        progress(name, 12, 5_880)
    progress.close()
    err = capsys.readouterr().err
    lines = DRAWN.findall(err)
    assert lines and all(len(line) <= 79 for line in lines)
    assert "national-library-thailand: 50 records, 1 page" in lines[0]
    assert "1 pages" not in err and "\n" not in err
    assert err.endswith("\r\x1b[K")  # the last thing drawn erases the line


def test_sigterm_is_not_told_to_press_ctrl_c(capsys: pytest.CaptureFixture[str]):
    with stop_on_signal() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(5)
    err = capsys.readouterr().err
    assert "Stopping after the current page (SIGTERM)." in err
    assert "Ctrl-C" not in err


def sets_repository(clock: Clock, count: int) -> object:
    return repository(
        "lib",
        [book(1)],
        clock,
        set_names={f"set{n:02}": f"Set {n}" for n in range(count)},
    )


def test_identify_says_how_many_sets_there_are(server: DevServer, clock: Clock):
    url = server.add(sets_repository(clock, 5))  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["identify", url])
    assert result.exit_code == 0
    assert "Sets (5):" in result.stdout and "first" not in result.stdout


def test_identify_says_when_it_shows_only_the_first_50(server: DevServer, clock: Clock):
    url = server.add(sets_repository(clock, 60))  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["identify", url])
    assert "Sets (the first 50; the endpoint has more):" in result.stdout
    assert result.stdout.count("\n  set") == 50


def test_a_pasted_identify_url_is_stripped_with_a_note(server: DevServer, clock: Clock):
    url = server.add(sets_repository(clock, 2))  # type: ignore[arg-type]
    result = CliRunner().invoke(cli, ["identify", f"{url}?verb=Identify", "--json"])
    assert result.exit_code == 0
    assert result.stderr == f"Note: using the base URL {url} (dropped ?verb=Identify)\n"
    report = json.loads(result.stdout)
    assert report["sets"] == [["set00", "Set 0"], ["set01", "Set 1"]]
    assert report["sets_truncated"] is False
    assert report["formats"][0]["prefix"] == "oai_dc"
