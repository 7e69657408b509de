"""Issue 12, case 4: no silent no-ops. A bad value is a usage error (exit 2) in one line saying
what is wrong and what is accepted; an empty plan is a warning; a mistyped set fails its source.

Also the property: any command given a random bad value for any of its options exits 2, with
one line and no traceback.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import Clock, book, cli_demo, repository
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harvester.cli import cli
from harvester.demo.server import DevServer


@pytest.fixture(scope="module")
def index() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="harvester-usage-"))
    yield cli_demo(directory)
    shutil.rmtree(directory)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args: str) -> tuple[int, str]:
    """The CLI in-process, as `harvester ARGS`; (exit status, stderr)."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stderr


SINCE = "'{}' is not a date; use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, e.g. 2025-01-31"
CASES = [
    (["export", "--since", "yesterday"], SINCE.format("yesterday")),
    (["export", "--since", "31/01/2025"], SINCE.format("31/01/2025")),
    (["export", "--since", "2025-13-01"], SINCE.format("2025-13-01")),
    (["search", "x", "--language", "klingonese"], "'klingonese' is not a language"),
    (["search", "x", "--type", "Nonsense"], "'Nonsense' is not a DCMI type or a term for one"),
    (["search", ""], "the query is empty"),
    (["search", "   "], "the query is empty"),
    (["search", "x", "--year-from", "2020", "--year-to", "2000"], "--year-to 2000 is before"),
    (["search", "x", "--source", "nosuch"], "has no source named nosuch (it has: demo-"),
    (["export", "--source", "nosuch"], "has no source named nosuch (it has: demo-"),
    (["status", "nosuch"], "has no source named nosuch (it has: demo-"),
    (["renormalise", "nosuch"], "has no source named nosuch (it has: demo-"),
    (["harvest", "--from", "2024-13-45"], SINCE.format("2024-13-45")),
    (["harvest", "--from", "2024-02-01", "--until", "2024-01-01"], "--until 2024-01-01 is before"),
    (["harvest", "--full", "--from", "2024-02-01"], "--full cannot be combined"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) or "''" for a, _ in CASES])
def test_a_bad_value_is_a_one_line_usage_error(index: Path, args: list[str], message: str):
    before = digest(index)
    status, stderr = run(*args, "--db", str(index))
    assert status == 2
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr
    assert message in stderr
    assert digest(index) == before


def test_a_language_no_record_has_is_refused_after_an_empty_result(index: Path):
    """Klingon is a real ISO 639 language (tlh), but no record has it: not "No matches."."""
    status, stderr = run("search", "data", "--language", "klingon", "--db", str(index))
    assert status == 2
    assert stderr.startswith("Error: --language tlh: no record in the index has it")
    assert "(its most common: eng" in stderr and stderr.count("\n") == 1


def test_a_filter_value_that_exists_gives_results_not_an_error(index: Path):
    result = CliRunner().invoke(
        cli, ["search", "data", "--language", "English", "--db", str(index)]
    )
    assert result.exit_code == 0 and result.stdout


def write_config(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_an_empty_config_warns_that_there_is_nothing_to_harvest(tmp_path: Path):
    config = write_config(tmp_path / "sources.toml", f'database = "{tmp_path / "i.db"}"\n')
    status, stderr = run("harvest", "--quiet", "--config", str(config))
    assert status == 0
    assert stderr == f"Warning: nothing to harvest: {config}: it has no [[sources]]\n"
    assert not (tmp_path / "i.db").exists()


def test_only_disabled_sources_warn_and_name_them(tmp_path: Path):
    config = write_config(
        tmp_path / "sources.toml",
        f'database = "{tmp_path / "i.db"}"\n'
        '[[sources]]\nname = "nlt"\nendpoint = "http://127.0.0.1:9/oai"\nenabled = false\n',
    )
    status, stderr = run("harvest", "--config", str(config))
    assert status == 0
    assert stderr == (
        f"Warning: nothing to harvest: {config}: every source is disabled (nlt); "
        "name one to harvest it anyway\n"
    )


def test_a_default_language_that_is_no_language_is_a_config_error(tmp_path: Path):
    config = write_config(
        tmp_path / "sources.toml",
        '[[sources]]\nname = "nlt"\nendpoint = "http://127.0.0.1:9/oai"\n'
        'default_language = "klingonese"\n',
    )
    status, stderr = run("sources", "--config", str(config))
    assert status == 2
    assert stderr == (
        f"Error: {config}: source 'nlt': key 'default_language': 'klingonese' is not a "
        "language; use an ISO 639 code or an English name, e.g. eng, ru or Persian\n"
    )


def test_a_mistyped_set_fails_its_source_naming_the_sets_offered(
    server: DevServer, clock: Clock, tmp_path: Path
):
    repo = repository("lib", [book(1, sets=("history",)), book(2, sets=("maps",))], clock)
    url = server.add(repo)
    config = write_config(
        tmp_path / "sources.toml",
        f'database = "{tmp_path / "i.db"}"\ndelay = 0\nmax_retries = 0\n'
        f'[[sources]]\nname = "lib"\nendpoint = "{url}"\nsets = ["history", "histroy"]\n',
    )
    result = CliRunner().invoke(cli, ["harvest", "--config", str(config)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"lib: failed, 2 pages, 1 received (1 new, 0 updated, 0 deleted) - set 'histroy' is "
        f"not offered by {url} (ListSets has 2: history, maps)\n"
    )


# -- the property: any bad option value of any command is exit 2 and one line -------------

# A value that no option of the given kind accepts.
BAD_VALUES = {
    "int": st.sampled_from(["x", "1.5", "", "one", "0x"]),
    "float": st.sampled_from(["x", "", "fast", "1,5"]),
    "date": st.text(alphabet="0123456789-/:TZ ayesterd", min_size=1, max_size=12).filter(
        lambda s: not _is_iso(s)
    ),
    "choice": st.text(alphabet="abcxyz", min_size=1, max_size=6).filter(
        lambda s: s not in ("csv", "xml", "jsonl")
    ),
    "language": st.sampled_from(["klingonese", "xx", "zz1", "qqq", "notalanguage"]),
    "type": st.sampled_from(["Nonsense", "zzz", "12", "Bookish"]),
    "country": st.sampled_from(["XX", "USA", "1", "Uzbekistan", "zz"]),
    "script": st.sampled_from(["Abcd", "Latin", "Han", "x", "Zzzzz"]),
}


def _is_iso(text: str) -> bool:
    from harvester.cli.params import _parse_moment

    return _parse_moment(text) is not None


def _out_of_range(kind: click.IntRange | click.FloatRange) -> st.SearchStrategy[str]:
    values = ["x", "one"] + (["1.5"] if isinstance(kind, click.IntRange) else [])
    if kind.min is not None:
        values += [str(kind.min - 1), str(kind.min - 100)]
        if getattr(kind, "min_open", False):
            values.append(str(kind.min))
    if kind.max is not None:
        values += [str(kind.max + 1)]
    return st.sampled_from(values)


def _bad_options() -> list[tuple[str, str, str]]:
    """(command, option, kind) for every option of every command that checks its value."""
    found = []
    for name, command in sorted(cli.commands.items()):  # type: ignore[attr-defined]
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            kind = param.type.name
            if isinstance(param.type, click.IntRange | click.FloatRange):
                kind = f"range {param.type.min} {param.type.max}"
                BAD_VALUES[kind] = _out_of_range(param.type)
            if kind in BAD_VALUES:
                found.append((name, param.opts[-1], kind))
    return found


BAD_OPTIONS = _bad_options()


def test_the_property_covers_every_checked_option():
    covered = {(c, o) for c, o, _ in BAD_OPTIONS}
    assert {("export", "--since"), ("search", "--language"), ("search", "--type")} <= covered
    assert {("harvest", "--from"), ("harvest", "--until"), ("search", "--limit")} <= covered
    assert {("export", "--format"), ("harvest", "--jobs"), ("identify", "--timeout")} <= covered
    assert {("search", "--country"), ("search", "--script")} <= covered


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_bad_option_value_is_exit_2_in_one_line(data: st.DataObject):
    command, option, kind = data.draw(st.sampled_from(BAD_OPTIONS))
    value = data.draw(BAD_VALUES[kind])
    args = [command, "x"] if command in ("search", "identify") else [command]
    result = CliRunner().invoke(cli, [*args, f"{option}={value}", "--db", "/nonexistent/i.db"])
    assert result.exit_code == 2, (command, option, value, result.output)
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"Error: harvester {command}: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
