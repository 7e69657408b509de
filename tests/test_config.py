"""A broken config is refused with one line naming file, source and key, and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import cli
from harvester.config import load_config
from harvester.errors import ConfigError

GOOD = """
database = "index.db"
user_agent = "test-agent/1.0"
timeout = 30
max_retries = 2
delay = 0.5
jobs = 3

[[sources]]
name = "nlt"
title = "National Library of Thailand"
institution = "Fine Arts Department"
country = "th"
endpoint = "https://oai.example.org/oai"
sets = ["books", "theses"]
default_language = "tha"

[[sources]]
name = "nlai"
endpoint = "http://nlai.example.org/oai/request"
metadata_prefix = "oai_dc"
enabled = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads_into_frozen_dataclasses(tmp_path: Path):
    config = load_config(write(tmp_path, GOOD), env={})
    assert config.settings.database == Path("index.db")
    assert config.settings.jobs == 3 and config.settings.delay == 0.5
    nlt, nlai = config.sources
    assert (nlt.name, nlt.country, nlt.sets, nlt.metadata_prefix) == (
        "nlt",
        "TH",
        ("books", "theses"),
        "oai_dc",
    )
    assert nlai.enabled is False and nlai.sets == ()
    with pytest.raises(AttributeError):
        nlt.name = "other"  # type: ignore[misc]


def test_precedence_flag_over_env_over_file(tmp_path: Path):
    path = write(tmp_path, GOOD)
    assert load_config(path, env={}).settings.database == Path("index.db")
    env = {"HARVESTER_DB": "from-env.db"}
    assert load_config(path, env=env).settings.database == Path("from-env.db")
    assert load_config(path, env=env, database="flag.db").settings.database == Path("flag.db")
    assert load_config(path, env={}, jobs=7).settings.jobs == 7


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("HARVESTER_CONFIG", str(path))
    monkeypatch.delenv("HARVESTER_DB", raising=False)
    assert load_config().path == path


BAD_CASES = {
    "unknown global key": ("GOOD\ntimeuot = 5", "unknown key 'timeuot'"),
    "unknown source key": (
        '[[sources]]\nname = "a"\nendpoint = "https://x.org/oai"\nendpont = "y"',
        "source 'a': unknown key 'endpont'",
    ),
    "duplicate name": (
        '[[sources]]\nname = "a"\nendpoint = "https://x.org/oai"\n'
        '[[sources]]\nname = "a"\nendpoint = "https://y.org/oai"',
        "source 'a': key 'name' is a duplicate",
    ),
    "bad url": (
        '[[sources]]\nname = "a"\nendpoint = "ftp://x.org/oai"',
        "source 'a': key 'endpoint' must be an http or https URL",
    ),
    "url with arguments": (
        '[[sources]]\nname = "a"\nendpoint = "https://x.org/oai?verb=Identify"',
        "source 'a': key 'endpoint' must be the base URL",
    ),
    "bad country": (
        '[[sources]]\nname = "a"\nendpoint = "https://x.org/oai"\ncountry = "XX"',
        "source 'a': key 'country' must be an ISO 3166-1 alpha-2 code",
    ),
    "wrong type": (
        '[[sources]]\nname = "a"\nendpoint = "https://x.org/oai"\nsets = "books"',
        "source 'a': key 'sets' must be a list of strings",
    ),
    "bool for a number": ("timeout = true", "key 'timeout' must be a number"),
    "negative jobs": ("jobs = 0", "key 'jobs' must be greater than zero"),
    "toml syntax": ('[[sources]]\nname = "a', "TOML syntax error"),
    "missing endpoint": ('[[sources]]\nname = "a"', "source 'a': key 'endpoint' is required"),
    "bad slug": (
        '[[sources]]\nname = "Nat Lib"\nendpoint = "https://x.org/oai"',
        "source 'Nat Lib': key 'name' must be a slug",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_config_is_one_line_with_file_source_key_and_exit_2(tmp_path: Path, case: str):
    text, expected = BAD_CASES[case]
    text = text.replace("GOOD", "")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path, env={})
    message = str(raised.value)
    assert message.startswith(str(path)) and expected in message
    assert "\n" not in message

    result = CliRunner().invoke(cli, ["harvest", "--config", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"Error: {message}"]


def test_missing_config_file_is_exit_2(tmp_path: Path):
    result = CliRunner().invoke(cli, ["sources", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "config file not found" in result.output


def test_broken_config_makes_no_request(tmp_path: Path, server, clock):  # type: ignore[no-untyped-def]
    from conftest import repository

    repo = repository("lib", [], clock)
    url = server.add(repo)
    path = write(
        tmp_path,
        f'[[sources]]\nname = "lib"\nendpoint = "{url}"\n'
        f'[[sources]]\nname = "bad"\nendpoint = "{url}"\ncountry = "ZZ"\n',
    )
    result = CliRunner().invoke(cli, ["harvest", "--config", str(path)])
    assert result.exit_code == 2
    assert repo.requests == []


def test_example_config_is_valid():
    example = Path(__file__).parents[1] / "config" / "sources.example.toml"
    config = load_config(example, env={})
    assert config.sources


def test_read_commands_work_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from harvester.config import load_config_or_defaults

    monkeypatch.chdir(tmp_path)
    assert load_config_or_defaults(env={}).settings.database == Path("harvest.db")
    env = {"HARVESTER_DB": "elsewhere.db"}
    assert load_config_or_defaults(env=env).settings.database == Path("elsewhere.db")
    assert load_config_or_defaults(env=env, database="flag.db").settings.database == Path("flag.db")
    with pytest.raises(ConfigError, match="not found"):  # a named file must exist
        load_config_or_defaults("missing.toml", env={})
