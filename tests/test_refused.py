"""Issue 12, case 7: a closed port fails fast, cause first, and `status` remembers it.

A refused connection is tried three times (not max_retries times with minutes of backoff),
and the line says what happened in words, not urllib3's repr cut before its cause.
"""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from harvester.cli import cli


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_closed_port_fails_after_three_tries_cause_first(tmp_path: Path):
    port = closed_port()
    config = tmp_path / "sources.toml"
    config.write_text(
        f'database = "{tmp_path / "index.db"}"\nmax_retries = 5\nbackoff = 0\ndelay = 0\n'
        f'[[sources]]\nname = "closed"\nendpoint = "http://127.0.0.1:{port}/oai"\n'
    )
    result = CliRunner().invoke(cli, ["harvest", "--quiet", "--config", str(config)])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"closed: failed: connection refused by 127.0.0.1:{port} (after 3 tries, 0 s)\n"
    )

    for _ in range(2):  # sources that have only ever failed are still shown, with their error
        CliRunner().invoke(cli, ["harvest", "--config", str(config)])
    status = CliRunner().invoke(cli, ["status", "--config", str(config)])
    assert status.exit_code == 0
    assert status.stdout.splitlines()[0] == "closed: 0 records, 0 deleted"
    assert f"  error: connection refused by 127.0.0.1:{port} (after 3 tries, 0 s)" in status.stdout


def test_serve_on_a_busy_port_is_one_line(tmp_path: Path):
    from harvester.store import Store

    Store(tmp_path / "index.db").close()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["serve", "--db", str(tmp_path / "index.db"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
