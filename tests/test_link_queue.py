"""Records waiting to be linked live in a narrow queue; linking never rewrites the record."""

from __future__ import annotations

from conftest import Clock, book, repository, source_for

from harvester.demo.server import DevServer
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.link.run import link_index
from harvester.models import Settings
from harvester.store import Store


def _queued(store: Store) -> list[tuple[str, str]]:
    return [tuple(r) for r in store.db.execute("SELECT * FROM link_queue ORDER BY 1, 2")]


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
    # Back to the layout before m009: a link_pending flag in every record row.
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
