"""Linking through the index equals linking everything at once, whatever changed in between."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from harvester.link import run, whole
from harvester.link.clusters import link_closed, link_records
from harvester.link.keys import DEFAULT_MAX_KEY_RECORDS, MatchKey, RecordRef, match_keys
from harvester.link.run import link_index
from harvester.normalise.identifiers import own_identifiers
from harvester.store import Store

ISBNS = ["9780306406157", "9781861972712", "9780198526636"]
CAP = 4  # a small cap, so that keys shared by too many records occur often


def _random_record(rng: random.Random) -> dict[str, Any]:
    """Few values of each kind, so that records share DOIs, ISBNs, URLs and fuzzy keys often."""
    identifiers = [f"oai:x:{rng.randrange(10**6)}"]
    if rng.random() < 0.3:
        identifiers.append(f"https://doi.org/10.1/{rng.randrange(4)}")
    if rng.random() < 0.3:
        identifiers.append(f"ISBN {rng.choice(ISBNS)}")
    if rng.random() < 0.3:
        identifiers.append(f"http://u{rng.randrange(2)}.example.org/r")
    return {"deleted": rng.random() < 0.1, **_random_title(rng), "identifier": identifiers}


def _random_title(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.5:
        return {"title": f"Title {rng.randrange(4)}", "creators": ["Li, Wei"], "year": 2000}
    # A title of its own: no fuzzy key in common.
    return {"title": f"Alone {rng.randrange(10**6)}", "creators": ["Li, Wei"], "year": 2001}


def _save(store: Store, ref: RecordRef, record: dict[str, Any], *, keyed: bool = False) -> None:
    """Write a record as a harvest leaves it: the row, and its place in the link queue, with
    its keys (as the page workers queue them) or without (as `renormalise` does)."""
    store.db.execute(
        "INSERT INTO records (source, identifier, deleted, title, titles, creators, year, dc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, identifier) DO UPDATE SET "
        "deleted = excluded.deleted, title = excluded.title, titles = excluded.titles, "
        "creators = excluded.creators, year = excluded.year, dc = excluded.dc",
        [
            *ref,
            int(record["deleted"]),
            record["title"],
            json.dumps([record["title"]]),
            json.dumps(record["creators"]),
            record["year"],
            json.dumps({"identifier": record["identifier"]}),
        ],
    )
    keys = json.dumps(_keys(record)) if keyed else None
    store.db.execute(
        "INSERT INTO link_queue VALUES (?, ?, ?) "
        "ON CONFLICT (source, identifier) DO UPDATE SET keys = excluded.keys",
        [*ref, keys],
    )


def _keys(record: dict[str, Any]) -> list[MatchKey]:
    identifiers = own_identifiers({"identifier": record["identifier"]})
    return match_keys({**record, "identifiers": identifiers})


def _stored(store: Store) -> tuple[dict[RecordRef, Any], dict[RecordRef, set[MatchKey]]]:
    clusters = {
        (s, i): (c, r)
        for s, i, c, r in store.db.execute(
            "SELECT source, identifier, cluster_id, cluster_reason "
            "FROM records LEFT JOIN record_links USING (source, identifier)"
        )
    }
    keys: dict[RecordRef, set[MatchKey]] = {}
    for s, i, kind, key in store.db.execute("SELECT * FROM match_keys"):
        keys.setdefault((s, i), set()).add((kind, key))
    return clusters, keys


def _as_linking_everything(
    store: Store, records: dict[RecordRef, dict[str, Any]], cap: int = DEFAULT_MAX_KEY_RECORDS
) -> None:
    """The index holds the clusters and keys that linking all `records` at once gives."""
    keys = {ref: _keys(record) for ref, record in records.items()}
    expected = link_records(keys.items(), max_key_records=cap)
    clusters, stored_keys = _stored(store)
    assert clusters == {
        ref: (c.cluster_id, c.reason) if (c := expected[ref]) else (None, None) for ref in records
    }
    assert stored_keys == {ref: set(k) for ref, k in keys.items() if k}


@pytest.mark.parametrize("seed", range(12))
def test_linking_in_batches_equals_linking_everything(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    refs = [(f"m{rng.randrange(4)}", f"oai:{i}") for i in range(40)]
    current: dict[RecordRef, dict[str, Any]] = {}
    store = Store(tmp_path / "index.db")
    try:
        for _step in range(8):
            for ref in rng.sample(refs, rng.randrange(1, 16)):
                if ref in current and rng.random() < 0.4:  # an edit: the fuzzy key only
                    current[ref] = {**current[ref], **_random_title(rng)}
                else:
                    current[ref] = _random_record(rng)
                _save(store, ref, current[ref], keyed=rng.random() < 0.5)
            full = rng.random() < 0.3
            if full:
                store.mark_all_for_linking()
            # A long queue is linked work by work, as --full does, with the keys queued.
            monkeypatch.setattr(run, "STAGE_ABOVE", rng.choice([0, 5, 10**6]))
            # Works gathered whole, or cut short (linked as records sharing keys around).
            monkeypatch.setattr(run, "EXPAND_LIMIT", rng.choice([1, 2, 20]))
            # --full keys spans of records in worker processes, or in this one.
            monkeypatch.setattr(whole, "SPAN", rng.choice([3, 10, 10**4]))
            link_index(
                store,
                batch=rng.randrange(1, 8),
                full=full,
                max_key_records=CAP,
                workers=rng.choice([1, 2]),
            )

            _as_linking_everything(store, current, CAP)
            assert store.db.execute("SELECT count(*) FROM link_queue").fetchone() == (0,)
    finally:
        store.close()


def test_a_record_whose_shared_doi_changed_is_unlinked_and_so_is_its_partner(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "index.db")
    one, other = ("nlc", "oai:1"), ("ncl", "oai:2")
    shared = {"deleted": False, "creators": [], "year": None}
    try:
        _save(store, one, {**shared, "title": "A", "identifier": ["https://doi.org/10.9/x"]})
        _save(store, other, {**shared, "title": "B", "identifier": ["https://doi.org/10.9/x"]})
        assert link_index(store).clusters == 1
        clusters, _ = _stored(store)
        assert clusters[one] == clusters[other] != (None, None)

        # Now the first record's DOI is its own: both keys it holds are held by nobody else.
        _save(store, one, {**shared, "title": "A", "identifier": ["https://doi.org/10.9/y"]})
        link_index(store)
        clusters, keys = _stored(store)
        assert clusters == {one: (None, None), other: (None, None)}
        assert keys == {one: {("doi", "10.9/y")}, other: {("doi", "10.9/x")}}
    finally:
        store.close()


def test_full_linking_recomputes_clusters_whose_keys_did_not_change(tmp_path: Path) -> None:
    store = Store(tmp_path / "index.db")
    refs = [("nlc", "oai:1"), ("ncl", "oai:2"), ("nlk", "oai:3")]
    record = {"deleted": False, "title": "A", "creators": [], "year": None}
    try:
        for ref in refs:
            _save(store, ref, {**record, "identifier": ["https://doi.org/10.9/x"]})
        link_index(store, batch=1)
        linked, _ = _stored(store)
        assert len(set(linked.values())) == 1
        # A cluster id from other rules: a plain run re-keys only what changed ...
        store.db.execute("UPDATE record_links SET cluster_id = 'stale'")
        store.db.execute("INSERT INTO link_queue VALUES ('ncl', 'oai:2', NULL)")
        assert link_index(store).rekeyed == 1
        # ... the full run recomputes every cluster, whether or not its keys changed.
        store.mark_all_for_linking()
        assert link_index(store, batch=1, full=True).rekeyed == 3
        assert _stored(store)[0] == linked
    finally:
        store.close()


def _random_index(store: Store, rng: random.Random, records: int) -> dict[RecordRef, Any]:
    """Records of four members saved and linked, some of them deleted again (rowid gaps)."""
    current = {(f"m{rng.randrange(4)}", f"oai:{i}"): _random_record(rng) for i in range(records)}
    for ref, record in current.items():
        _save(store, ref, record, keyed=True)
    gone = rng.sample(sorted(current), records // 10)
    for ref in gone:
        store.db.execute("DELETE FROM records WHERE source = ? AND identifier = ?", ref)
        store.db.execute("DELETE FROM link_queue WHERE source = ? AND identifier = ?", ref)
        del current[ref]
    link_index(store, max_key_records=CAP)
    store.mark_all_for_linking()
    return current


@pytest.mark.parametrize("workers", [1, 2])
def test_full_linking_keyed_in_worker_processes_equals_linking_everything(
    workers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`link --full` keys spans of records in worker processes (or in this one): the index
    ends as linking everything at once, whatever span the records of a work fall in."""
    monkeypatch.setattr(whole, "SPAN", 7)
    spans: list[int] = []
    real = whole._stage_in_pool

    def counted(*args: Any) -> int:
        spans.append(real(*args))
        return spans[-1]

    monkeypatch.setattr(whole, "_stage_in_pool", counted)
    store = Store(tmp_path / "index.db")
    try:
        current = _random_index(store, random.Random(workers), 120)
        result = link_index(store, batch=5, full=True, max_key_records=CAP, workers=workers)
        assert result.rekeyed == len(current)
        _as_linking_everything(store, current, CAP)
        assert store.db.execute("SELECT count(*) FROM link_queue").fetchone() == (0,)
    finally:
        store.close()
    # Every span went through the pool when asked for workers, none otherwise.
    assert spans == ([18] if workers == 2 else [])


def test_full_linking_keys_the_rest_itself_when_a_worker_dies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process that dies (killed, out of memory) costs speed, not the run."""

    class DyingPool:
        """Keys the first six spans, then breaks as a pool whose worker died does."""

        given = 0

        def __init__(self, *args: Any) -> None:
            pass

        def submit(self, work: Any, *args: Any) -> Future[Any]:
            DyingPool.given += 1
            if DyingPool.given > 6:
                raise BrokenProcessPool("a worker died")
            future: Future[Any] = Future()
            future.set_result(work(*args))
            return future

        def shutdown(self, **kwargs: Any) -> None:
            pass

    monkeypatch.setattr(whole, "SPAN", 7)
    monkeypatch.setattr(whole, "process_pool", DyingPool)
    store = Store(tmp_path / "index.db")
    try:
        current = _random_index(store, random.Random(5), 120)
        assert link_index(store, full=True, max_key_records=CAP, workers=2).rekeyed == len(current)
        _as_linking_everything(store, current, CAP)
    finally:
        store.close()
    assert DyingPool.given == 7  # two spans staged from the pool, the rest by this process


def _work_record(rng: random.Random, work: int) -> dict[str, Any]:
    """A member's record of a work: its DOI or ISBN mostly, a title of a small common pool."""
    identifiers = [f"oai:w{work}:{rng.randrange(10**6)}"]
    if rng.random() < 0.7:
        identifiers.append(f"https://doi.org/10.2/{work}")
    if rng.random() < 0.3:
        identifiers.append(f"ISBN {ISBNS[work % len(ISBNS)]}")
    return {"deleted": rng.random() < 0.05, **_random_title(rng), "identifier": identifiers}


@pytest.mark.parametrize("seed", range(8))
def test_edited_titles_of_linked_works_link_as_linking_everything(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Members' records of the same works, their titles edited again and again: the edits
    that provably keep every cluster (`link.steady`) skip forming, and the result still equals
    linking everything at once."""
    rng = random.Random(seed)
    works = {(f"m{m}", f"oai:{w}"): w for w in range(12) for m in range(rng.randrange(1, 5))}
    current = {ref: _work_record(rng, work) for ref, work in works.items()}
    steady_seen: list[dict[RecordRef, str]] = []
    real = run.steady_changes

    def spied(*args: Any, **kwargs: Any) -> dict[RecordRef, str]:
        steady_seen.append(real(*args, **kwargs))
        return steady_seen[-1]

    monkeypatch.setattr(run, "steady_changes", spied)
    store = Store(tmp_path / "index.db")
    try:
        for ref, record in current.items():
            _save(store, ref, record, keyed=True)
        link_index(store, max_key_records=CAP)
        for _step in range(10):
            for ref in rng.sample(sorted(works), rng.randrange(1, 8)):
                if rng.random() < 0.8:
                    current[ref] = {**current[ref], **_random_title(rng)}
                else:
                    current[ref] = _work_record(rng, works[ref])
                _save(store, ref, current[ref], keyed=rng.random() < 0.8)
            link_index(store, batch=rng.randrange(1, 10), max_key_records=CAP)

            _as_linking_everything(store, current, CAP)
    finally:
        store.close()
    assert any(steady_seen), "no edit took the steady path"


def _linked(store: Store, records: dict[RecordRef, dict[str, Any]]) -> None:
    """Save and link `records`, then check the index against linking everything at once."""
    for ref, record in records.items():
        _save(store, ref, record, keyed=True)
    link_index(store)


def test_a_title_edit_that_joins_a_record_edited_with_it_forms_the_cluster(
    tmp_path: Path,
) -> None:
    """Two edits of one batch meet on a new fuzzy key: one record of a DOI cluster, one
    record alone. The first edit alone would keep every cluster; together they do not."""
    plain = {"deleted": False, "creators": ["Li, Wei"], "year": 2000}
    doi = ["https://doi.org/10.9/x"]
    records = {
        ("nlc", "oai:1"): {**plain, "title": "Silk", "identifier": doi},
        ("ncl", "oai:2"): {**plain, "title": "Silk", "identifier": doi},
        ("nlk", "oai:3"): {**plain, "title": "Other", "identifier": []},
    }
    store = Store(tmp_path / "index.db")
    try:
        _linked(store, records)
        records[("nlc", "oai:1")]["title"] = records[("nlk", "oai:3")]["title"] = "Roads"
        _linked(store, {ref: records[ref] for ref in [("nlc", "oai:1"), ("nlk", "oai:3")]})
        _as_linking_everything(store, records)
        assert len({cluster for cluster, _ in _stored(store)[0].values()}) == 1
    finally:
        store.close()


def test_a_title_edit_in_a_cluster_formed_by_its_titles_is_formed_again(tmp_path: Path) -> None:
    """The handle of three records has as many records as the cluster, but one of them is
    outside it (its DOI differs): the cluster is its fuzzy key's, and an edit leaves it."""
    plain = {"deleted": False, "creators": ["Li, Wei"], "year": 2000, "title": "Silk"}
    handle, doi_x, doi_y = "http://hdl.handle.net/1/2", "https://doi.org/10.9/x", "10.9/y"
    records = {
        ("nlc", "oai:1"): {**plain, "identifier": [handle, doi_x]},
        ("ncl", "oai:2"): {**plain, "identifier": [handle]},
        ("nlk", "oai:3"): {**plain, "identifier": []},
        ("nlm", "oai:4"): {
            **plain,
            "title": "Other",
            "identifier": [handle, f"https://doi.org/{doi_y}"],
        },
    }
    store = Store(tmp_path / "index.db")
    try:
        _linked(store, records)
        assert len({cluster for cluster, _ in _stored(store)[0].values()}) == 2
        records[("nlc", "oai:1")]["title"] = "Roads"
        _linked(store, {("nlc", "oai:1"): records[("nlc", "oai:1")]})
        _as_linking_everything(store, records)
        assert _stored(store)[0][("nlc", "oai:1")] == (None, None)
    finally:
        store.close()


def test_a_title_edit_in_a_cluster_another_change_splits_is_formed_again(tmp_path: Path) -> None:
    """One handle holds three records together; another member's record, of another DOI,
    gains the ISBN of one of them in the same batch, so the handle no longer links (two
    DOIs): the edited title, which tied the remaining two, counts again."""
    plain: dict[str, Any] = {"deleted": False, "creators": ["Li, Wei"], "year": 2000}
    handle, isbn = "http://hdl.handle.net/1/2", f"ISBN {ISBNS[0]}"
    records: dict[RecordRef, dict[str, Any]] = {
        ("nlc", "oai:1"): {
            **plain,
            "title": "Silk",
            "identifier": [handle, "https://doi.org/10.9/x"],
        },
        ("ncl", "oai:2"): {**plain, "title": "Silk", "identifier": [handle]},
        ("nlk", "oai:3"): {**plain, "title": "Roads", "identifier": [handle, isbn]},
        ("nlm", "oai:4"): {**plain, "title": "Other", "identifier": ["https://doi.org/10.9/y"]},
    }
    store = Store(tmp_path / "index.db")
    try:
        _linked(store, records)
        records[("nlc", "oai:1")]["title"] = "Edited"
        records[("nlm", "oai:4")]["identifier"].append(isbn)
        _linked(store, {ref: records[ref] for ref in [("nlc", "oai:1"), ("nlm", "oai:4")]})
        _as_linking_everything(store, records)
        assert _stored(store)[0][("ncl", "oai:2")] == (None, None)
    finally:
        store.close()


@pytest.mark.parametrize("seed", range(20))
def test_whole_works_linked_alone_equal_linking_them_with_everything(seed: int) -> None:
    """`link_closed`, the fast way of `link --full` for whole works, gives what `link_records`
    gives, with keys too common elsewhere kept from linking but not from the safety checks."""
    rng = random.Random(seed)
    region = {(f"m{rng.randrange(4)}", f"oai:{i}"): _keys(_random_record(rng)) for i in range(30)}
    held = sorted({key for keys in region.values() for key in keys})
    common = set(rng.sample(held, rng.randrange(0, min(4, len(held)) + 1)))
    assert link_closed(region, max_key_records=CAP, common=common) == link_records(
        region.items(), max_key_records=CAP, common=common
    )


# `harvester link --full` in a process of its own, each span's staging slowed down, so that
# a signal finds its worker processes keying.
_SLOW_FULL_LINK = """
import sys, time
from harvester.cli import main
from harvester.link import whole
whole.SPAN = 5
real = whole._stage
def slow(*args):
    print("staging", flush=True)
    time.sleep(0.1)
    real(*args)
whole._stage = slow
sys.argv = ["harvester", "link", "--full", "--db", sys.argv[1], "--workers", "2"]
main()
"""


def _start_slow_full_link(database: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_FULL_LINK, str(database)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    for _ in range(3):  # staging, the workers keying ahead of it
        assert process.stdout.readline() == "staging\n", process.communicate()
    return process


def _group_gone(group: int) -> bool:
    """Whether every process of the group (the command, its workers, their fork server) left."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signal_", [signal.SIGINT, signal.SIGKILL])
def test_full_linking_stopped_while_keying_leaves_no_process_and_reruns_whole(
    signal_: signal.Signals, tmp_path: Path
) -> None:
    """Ctrl-C (to the whole group, as a terminal sends it) exits 130 in one line; kill -9 of
    the command alone leaves no worker behind. Either way nothing was saved yet: every
    record is still queued, and the next `link --full` ends as linking everything at once."""
    database = tmp_path / "index.db"
    store = Store(database)
    try:
        current = _random_index(store, random.Random(7), 120)
    finally:
        store.close()
    process = _start_slow_full_link(database)
    if signal_ == signal.SIGINT:
        os.killpg(process.pid, signal_)
    else:
        process.send_signal(signal_)
    _, stderr = process.communicate(timeout=20)
    assert _group_gone(process.pid)
    if signal_ == signal.SIGINT:
        assert process.returncode == 130
        assert stderr.strip() == "Interrupted."
    store = Store(database)
    try:
        queued = store.db.execute("SELECT count(*) FROM link_queue").fetchone()[0]
        assert queued == len(current)
        link_index(store, full=True, max_key_records=CAP)
        _as_linking_everything(store, current, CAP)
    finally:
        store.close()
