"""Issue 12, cases 1 and 9: the demo tells the truth, and renormalise changes nothing by itself.

Everything normalisation needs (a source's default_language) is stored with the source, so
`renormalise` of unchanged data is a no-op with or without the config; and a default language
labels only records whose title is in a script that language is written in.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def harvester(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harvester", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("demo")
    result = harvester("demo", "--quiet", "--db", "harvest.db", cwd=directory)
    assert result.returncode == 0, result.stderr
    return directory / "harvest.db"


def snapshot(database: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(database)
    try:
        return conn.execute(
            "SELECT source, identifier, languages, language_inferred, changed_at FROM records "
            "ORDER BY source, identifier"
        ).fetchall()
    finally:
        conn.close()


def test_renormalise_without_a_config_changes_nothing(demo: Path):
    before = snapshot(demo)
    result = harvester("renormalise", "--db", str(demo), cwd=demo.parent)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("linked")]
    assert lines and all(line.endswith(" records, 0 changed") for line in lines), lines
    assert snapshot(demo) == before


def test_a_default_language_labels_only_titles_in_its_script(demo: Path):
    conn = sqlite3.connect(demo)
    rows = conn.execute(
        "SELECT title, scripts, languages, language_inferred FROM records "
        "WHERE source = 'demo-zenodo' AND deleted = 0"
    ).fetchall()
    conn.close()
    han_or_cyrillic = [r for r in rows if r[1] in ('["Hani"]', '["Cyrl"]')]
    assert han_or_cyrillic, "the demo has Chinese and Cyrillic titles"
    for title, _, languages, inferred in han_or_cyrillic:
        assert not (inferred and languages == '["eng"]'), title
    latin = [r for r in rows if r[1] == '["Latn"]' and r[3]]
    assert latin and all(r[2] == '["eng"]' for r in latin)


def test_the_demo_links_works_across_members(demo: Path):
    conn = sqlite3.connect(demo)
    clusters = conn.execute(
        "SELECT cluster_reason, COUNT(DISTINCT source) FROM record_links "
        "GROUP BY cluster_id ORDER BY cluster_reason"
    ).fetchall()
    conn.close()
    assert clusters == [("doi", 2), ("isbn", 2), ("title+creator+year", 2)]
    merged = harvester("export", "--merged", "--db", str(demo), cwd=demo.parent)
    assert merged.returncode == 0
    assert merged.stdout.count('"cluster_id":"') == 3  # three works, one line each


def test_the_demo_writes_its_config_beside_its_index(demo: Path):
    config = demo.with_suffix(".toml")
    listed = harvester("sources", "--config", str(config), cwd=demo.parent)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{config}: 4 sources, index {demo}")
    again = harvester("renormalise", "--config", str(config), cwd=Path("/"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(", 0 changed") == 4


def test_without_a_config_harvest_says_where_one_comes_from(tmp_path: Path):
    result = harvester("harvest", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "Error: config/sources.toml: config file not found; pass --config FILE or set "
        "HARVESTER_CONFIG (config/sources.example.toml documents every key; "
        "`harvester demo` writes one)\n"
    )
