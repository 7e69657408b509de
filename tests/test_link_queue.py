"""Records waiting to be linked live in a narrow queue; linking never rewrites the record."""

from __future__ import annotations

import json
from typing import Any

from conftest import Clock, book, repository, source_for

from harvester.demo.server import DevServer
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.link.keys import record_keys
from harvester.link.run import link_index
from harvester.models import Settings
from harvester.store import Store, links


def _queued(store: Store) -> list[tuple[str, str]]:
    rows = store.db.execute("SELECT source, identifier FROM link_queue ORDER BY 1, 2")
    return [tuple(r) for r in rows]


def test_a_harvest_queues_what_it_wrote_and_linking_empties_the_queue(
    server: DevServer, clock: Clock, settings: Settings
):
    source = source_for(server, repository("lib", [book(n) for n in range(1, 6)], clock))
    harvest_all(settings, [source], HarvestOptions(), link=False)
    store = Store(settings.database)
    try:
        assert len(_queued(store)) == 5
        before = store.db.execute("SELECT rowid, changed_at FROM records").fetchall()
        assert link_index(store).rekeyed == 5
        assert _queued(store) == []
        # Linking left the records themselves alone (no rewrite, same change stamps).
        assert store.db.execute("SELECT rowid, changed_at FROM records").fetchall() == before
        store.mark_all_for_linking()
        assert len(_queued(store)) == 5
    finally:
        store.close()


def test_an_index_from_before_the_queue_keeps_its_pending_records(
    server: DevServer, clock: Clock, settings: Settings
):
    source = source_for(server, repository("lib", [book(n) for n in range(1, 4)], clock))
    harvest_all(settings, [source], HarvestOptions())
    store = Store(settings.database)
    db = store.db
    # Back to the layout before m009: a link_pending flag in every record row (and the cluster
    # ids there too, as before m012).
    _before_link_table(db)
    db.execute("DROP TABLE link_queue")
    db.execute("ALTER TABLE records ADD COLUMN link_pending INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE records SET link_pending = 1 WHERE identifier = 'oai:test:2'")
    db.execute(
        "CREATE INDEX idx_records_link_pending ON records(source, identifier) "
        "WHERE link_pending = 1"
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_link_queue'")
    db.conn.commit()
    store.close()

    store = Store(settings.database)
    try:
        assert _queued(store) == [("lib", "oai:test:2")]
        columns = {c.name for c in store.db.table("records").columns}
        assert "link_pending" not in columns
        assert link_index(store).rekeyed == 1
    finally:
        store.close()


def _before_link_table(db: Any) -> None:
    """The layout before m012: cluster ids in the record rows, a queue of keys only."""
    db.execute("ALTER TABLE records ADD COLUMN cluster_id TEXT")
    db.execute("ALTER TABLE records ADD COLUMN cluster_reason TEXT")
    db.execute(
        "UPDATE records SET (cluster_id, cluster_reason) = (SELECT cluster_id, cluster_reason "
        "FROM record_links l WHERE l.source = records.source "
        "AND l.identifier = records.identifier)"
    )
    db.execute("CREATE INDEX idx_records_cluster_id ON records (cluster_id)")
    db.execute("DROP TABLE record_links")
    db.execute("ALTER TABLE link_queue DROP COLUMN keys")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_link_table'")


def _clusters(store: Store) -> list[tuple[str, str, str | None, str | None]]:
    return [
        tuple(r)
        for r in store.db.execute(
            "SELECT source, identifier, cluster_id, cluster_reason "
            "FROM records LEFT JOIN record_links USING (source, identifier) ORDER BY 1, 2"
        )
    ]


def test_an_index_from_before_the_link_table_keeps_its_clusters(
    server: DevServer, clock: Clock, settings: Settings
):
    first = source_for(server, repository("one", [book(1), book(2)], clock))
    second = source_for(server, repository("two", [book(1), book(3)], clock))
    harvest_all(settings, [first, second], HarvestOptions())
    store = Store(settings.database)
    linked = _clusters(store)
    assert sum(cluster is not None for _, _, cluster, _ in linked) == 2
    _before_link_table(store.db)
    store.db.execute("INSERT INTO link_queue VALUES ('two', 'oai:test:3')")
    store.db.conn.commit()
    store.close()

    store = Store(settings.database)
    try:
        assert _clusters(store) == linked
        assert {c.name for c in store.db.table("records").columns}.isdisjoint(
            {"cluster_id", "cluster_reason"}
        )
        assert store.db.execute("SELECT * FROM link_queue").fetchall() == [
            ("two", "oai:test:3", None)
        ]
        assert link_index(store).rekeyed == 1
        assert _clusters(store) == linked
    finally:
        store.close()


def test_a_harvest_queues_each_record_with_the_keys_linking_would_give_it(
    server: DevServer, clock: Clock, settings: Settings
):
    records = [book(1), book(2), book(3, deleted=True)]
    source = source_for(server, repository("lib", records, clock))
    harvest_all(settings, [source], HarvestOptions(), link=False)
    store = Store(settings.database)
    try:
        queued = {
            identifier: json.loads(keys)
            for identifier, keys in store.db.execute("SELECT identifier, keys FROM link_queue")
        }
        assert len(queued) == 3
        assert queued["oai:test:3"] == []
        for row in links.pending_after(store.db, None, 10):
            assert [tuple(k) for k in queued[row["identifier"]]] == record_keys(row, row["deleted"])
        assert any(queued.values())
    finally:
        store.close()


def test_linking_gives_back_the_page_cache_and_checkpoint_it_widened(
    server: DevServer, clock: Clock, settings: Settings, monkeypatch: Any
):
    source = source_for(server, repository("lib", [book(1), book(2)], clock))
    harvest_all(settings, [source], HarvestOptions(), link=False)
    store = Store(settings.database)

    def pragmas() -> tuple[int, int]:
        cache = store.db.execute("PRAGMA cache_size").fetchone()[0]
        return cache, store.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    seen: list[tuple[int, int]] = []

    def looking(write: Any) -> Any:
        def write_and_look(*args: Any) -> Any:
            seen.append(pragmas())
            return write(*args)

        return write_and_look

    try:
        before = pragmas()
        # Both ways a record is linked: alone, in SQL, and through `relink`.
        monkeypatch.setattr(store, "save_links", looking(store.save_links))
        monkeypatch.setattr(store, "link_lonely", looking(store.link_lonely))
        assert link_index(store).rekeyed == 2
        assert seen and all(cache < before[0] and ck > before[1] for cache, ck in seen)
        assert pragmas() == before
    finally:
        store.close()
