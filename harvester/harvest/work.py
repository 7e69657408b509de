"""The pure part of a page's way: read its records, normalise and key them, build index rows.

It runs in worker processes (see `pool`), so it takes and returns plain picklable data: the
body in, rows out. Each record is read and normalised exactly once, here.
"""

from __future__ import annotations

import os
import signal
import threading
import time

from harvester import normalise
from harvester.link.keys import record_keys
from harvester.models import RawRecord, Record, Source
from harvester.oai.client import read_body
from harvester.store import PreparedPage, prepare_page


def to_record(source: Source, raw: RawRecord) -> Record:
    """A harvested record with its normalised fields."""
    # Status wins: a deleted header is a tombstone even when the endpoint still sends metadata.
    deleted = raw.header.deleted
    fields = {} if deleted else normalise.normalise_dc(raw.dc, source.default_language)
    return Record(source=source.name, header=raw.header, raw_xml=raw.xml, fields=fields)


def prepare_records(source: Source, records: tuple[RawRecord, ...]) -> PreparedPage:
    """The page's rows, with each record's match keys: keyed here, on every core, the link
    step need not read the record back."""
    prepared = [to_record(source, raw) for raw in records]
    keys = {r.header.identifier: record_keys(r.fields, r.header.deleted) for r in prepared}
    return prepare_page(source.name, prepared, keys)


def prepare_body(source: Source, url: str, body: bytes) -> PreparedPage:
    """Rows of one ListRecords body, ready for `Store.save_page`."""
    return prepare_records(source, read_body(body, url).records)


def start_worker(harvester_pid: int) -> None:
    """Initialise a worker process: Ctrl-C is the harvester's to handle, and no orphans.

    A terminal sends SIGINT to the whole process group; the harvester finishes the current
    page and stops the pool, so a worker must not die of it first. If the harvester is killed
    (kill -9), nothing would tell the idle workers (nor their fork server, which waits for
    them): they look for it twice a second and leave when it is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while _alive(harvester_pid):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the number: ours is gone
        return False
    return True
