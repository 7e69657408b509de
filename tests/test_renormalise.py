"""`harvester renormalise` rebuilds every normalised field from the stored raw XML, offline."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import Clock, repository, rows

from harvester.cli import cli
from harvester.demo.server import DevServer, ServedRecord, dc_metadata
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings, Source
from harvester.store import Store


def test_renormalise_restores_fields_without_the_network(
    server: DevServer, settings: Settings, clock: Clock, tmp_path: Path
):
    records = [
        ServedRecord(
            "oai:th:1",
            "2024-01-01T00:00:00Z",
            dc_metadata(title="จารึกสุโขทัย /", date="พ.ศ. 2526", type="หนังสือ"),
        ),
        ServedRecord(
            "oai:th:2",
            "2024-01-01T00:00:00Z",
            dc_metadata(title="Thai Buddhist art", date="1998", language="eng"),
        ),
        ServedRecord("oai:th:3", "2024-01-01T00:00:00Z", deleted=True),
    ]
    repo = repository("nlt", records, clock)
    url = server.add(repo)
    harvest_all(settings, [Source("nlt", url)], HarvestOptions())
    server.stop()  # from here on there is no endpoint to ask

    # An older mapping stored less: simulate it by wiping the derived columns.
    store = Store(settings.database)
    with store.transaction():
        store.db.execute(
            "UPDATE records SET title = NULL, year = NULL, languages = '[]', types = '[]'"
        )
    store.close()

    config = tmp_path / "sources.toml"
    config.write_text(
        f'database = "{settings.database}"\n[[sources]]\nname = "nlt"\nendpoint = "{url}"\n'
        'default_language = "tha"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["renormalise", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "nlt: 2 records, 2 changed" in result.output
    # what changed, per field: the four wiped columns (types only where the record has one),
    # and the Thai record's language, now inferred from the source's default
    assert "  languages 2, title 2, year 2, language_inferred 1, types 1\n" in result.output

    by_id = {r["identifier"]: r for r in rows(settings)}
    thai = by_id["oai:th:1"]
    assert thai["title"] == "จารึกสุโขทัย"
    assert thai["year"] == 1983 and thai["calendar"] == "buddhist"
    assert thai["languages"] == '["tha"]' and thai["language_inferred"] == 1
    assert thai["types"] == '["Text"]'
    assert by_id["oai:th:2"]["languages"] == '["eng"]'
    assert by_id["oai:th:3"]["deleted"] == 1 and by_id["oai:th:3"]["title"] is None

    again = CliRunner().invoke(cli, ["renormalise", "--config", str(config)])
    assert "nlt: 2 records, 0 changed" in again.output  # deterministic: nothing to rewrite
    assert "languages" not in again.output


def test_renormalise_of_an_unknown_source_is_an_error(
    server: DevServer, settings: Settings, clock: Clock
):
    harvest_all(settings, [Source("a", server.add(repository("a", [], clock)))], HarvestOptions())
    result = CliRunner().invoke(cli, ["renormalise", "nope", "--db", str(settings.database)])
    assert result.exit_code == 2  # a usage error: the index names the sources it has
    assert "no source named nope" in result.output
