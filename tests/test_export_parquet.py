"""Parquet export, read back by the engines a user moves to: DuckDB and pyarrow."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from serving import build_demo_index

from harvester.cli import cli
from harvester.export import parquet


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_index(tmp_path_factory.mktemp("parquet") / "demo.db")


def export(db: Path, out: Path, *args: str) -> None:
    result = CliRunner().invoke(
        cli, ["export", "--db", str(db), "--format", "parquet", "-o", str(out), *args]
    )
    assert result.exit_code == 0, result.output


def index_count(db: Path, where: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM records WHERE {where}").fetchone()[0])


def test_pyarrow_reads_the_same_fields_as_json_lines(demo_db: Path, tmp_path: Path):
    out = tmp_path / "records.parquet"
    export(demo_db, out)
    jsonl = tmp_path / "records.jsonl"
    CliRunner().invoke(cli, ["export", "--db", str(demo_db), "-o", str(jsonl)])
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]

    table = pq.read_table(out)
    assert table.num_rows == len(lines) == index_count(demo_db, "deleted = 0")
    assert set(table.column_names) == set(lines[0])
    assert str(table.schema.field("languages").type) == "list<element: string>"
    assert str(table.schema.field("year").type) == "int64"
    by_key = {(r["source"], r["identifier"]): r for r in table.to_pylist()}
    for line in lines:
        row = by_key[(line["source"], line["identifier"])]
        assert row["title"] == line["title"]
        assert row["creators"] == line["creators"]
        assert row["languages"] == line["languages"]
        assert row["year"] == line["year"]
        assert {k: v for k, v in row["identifiers"].items() if v} == {
            k: v for k, v in line["identifiers"].items() if v
        }
        assert dict(row["dc"]) == line["dc"]


def test_duckdb_queries_lists_and_scripts(demo_db: Path, tmp_path: Path):
    out = tmp_path / "records.parquet"
    export(demo_db, out, "--include-deleted")
    con = duckdb.connect()
    counted = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE deleted) FROM read_parquet(?)", [str(out)]
    ).fetchone()
    assert counted is not None
    total, deleted = counted
    assert (total, deleted) == (index_count(demo_db, "1"), index_count(demo_db, "deleted = 1"))
    found = con.execute(
        "SELECT count(*) FROM read_parquet(?) WHERE list_contains(languages, 'tha')", [str(out)]
    ).fetchone()
    assert found is not None
    thai = found[0]
    with sqlite3.connect(demo_db) as conn:
        expected = conn.execute(
            "SELECT COUNT(*) FROM records WHERE deleted = 0 AND "
            "EXISTS (SELECT 1 FROM json_each(languages) WHERE value = 'tha')"
        ).fetchone()[0]
    assert thai == expected > 0
    tombstone = con.execute(
        "SELECT title, languages FROM read_parquet(?) WHERE deleted LIMIT 1", [str(out)]
    ).fetchone()
    assert tombstone == (None, None)  # a tombstone carries its header only, as in JSON Lines


def test_merged_rows_list_their_members(demo_db: Path, tmp_path: Path):
    out = tmp_path / "works.parquet"
    export(demo_db, out, "--merged")
    table = pq.read_table(out)
    assert "members" in table.column_names and "dc" not in table.column_names
    rows = table.to_pylist()
    assert sum(len(r["members"] or [1]) for r in rows) == index_count(demo_db, "deleted = 0")


def test_rows_are_written_in_row_groups(demo_db: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 50)
    out = tmp_path / "records.parquet"
    export(demo_db, out)
    metadata = pq.ParquetFile(out).metadata
    assert metadata.num_row_groups == -(-metadata.num_rows // 50) > 1


def test_parquet_needs_an_output_file(demo_db: Path):
    result = CliRunner().invoke(cli, ["export", "--db", str(demo_db), "--format", "parquet"])
    assert result.exit_code != 0
    assert "name the file with -o FILE" in result.output
