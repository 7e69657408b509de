"""Reads behind the web page's record, members and statistics views."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from harvester.store import rawxml
from harvester.store.jsonlines import LANDING_URL
from harvester.store.reads import _rows
from harvester.store.schema import LINKS, RECORDS_WITH_LINKS

# A cluster of more than this many members is shown cut short: the fuzzy key is capped at 100.
CLUSTER_LIMIT = 200


def sources(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Every member in the index by name, with its title, institution and country."""
    rows = db.execute(
        "SELECT name, title, institution, country, repository_name, endpoint FROM sources "
        "ORDER BY name"
    )
    names = [d[0] for d in rows.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def record(db: sqlite_utils.Database, source: str, identifier: str) -> dict[str, Any] | None:
    """One record with every stored column (raw XML included) and its landing_url, or None."""
    hits = _rows(
        db.execute(
            f"SELECT *, {LANDING_URL} AS landing_url FROM {RECORDS_WITH_LINKS} "
            "WHERE source = ? AND identifier = ?",
            [source, identifier],
        )
    )
    if not hits:
        return None
    hits[0]["raw_xml"] = rawxml.unpack(hits[0].get("raw_xml"))
    return hits[0]


def cluster_members(
    db: sqlite_utils.Database, cluster_id: str, source: str, identifier: str
) -> list[dict[str, Any]]:
    """The other records linked to the same work, live ones first."""
    return _rows(
        db.execute(
            "SELECT source, identifier, title, year, languages, deleted "
            f"FROM {LINKS} JOIN records USING (source, identifier) "
            "WHERE cluster_id = ? AND NOT (source = ? AND identifier = ?) "
            "ORDER BY deleted, source, identifier LIMIT ?",
            [cluster_id, source, identifier, CLUSTER_LIMIT],
        )
    )


def member_table(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Per member: records, deletions, last successful harvest, the last run's error."""
    counts = {
        name: (live, deleted)
        for name, live, deleted in db.execute(
            "SELECT source, SUM(deleted = 0), SUM(deleted = 1) FROM records GROUP BY source"
        )
    }
    last_ok = dict(
        db.execute("SELECT source, MAX(finished) FROM runs WHERE status = 'ok' GROUP BY source")
    )
    last_error = {
        name: error
        for name, error in db.execute(
            "SELECT source, error FROM runs WHERE id IN (SELECT MAX(id) FROM runs GROUP BY source)"
        )
    }
    table = []
    for name, row in sources(db).items():
        live, deleted = counts.get(name, (0, 0))
        table.append(
            row
            | {
                "records": live or 0,
                "deleted": deleted or 0,
                "last_ok": last_ok.get(name),
                "last_error": last_error.get(name),
            }
        )
    return table


def harvest_history(db: sqlite_utils.Database, runs: int = 60) -> list[dict[str, Any]]:
    """Records added, updated and deleted per harvest run (sources started together), oldest first.

    A run of several members writes one `runs` row per member, all started in the same minute.
    """
    rows = db.execute(
        "SELECT substr(started, 1, 16) AS run, SUM(added), SUM(updated), SUM(deleted), "
        "COUNT(*), SUM(status != 'ok') FROM runs GROUP BY run ORDER BY run DESC LIMIT ?",
        [runs],
    ).fetchall()
    return [
        {
            "run": run,
            "added": added or 0,
            "updated": updated or 0,
            "deleted": deleted or 0,
            "members": members,
            "failed": failed or 0,
        }
        for run, added, updated, deleted, members, failed in reversed(rows)
    ]
