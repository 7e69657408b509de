"""The index schema, applied through sqlite-utils migrations (never by hand)."""

from __future__ import annotations

import secrets
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from harvester.models import NORMALISED_FIELDS

FTS_COLUMNS = ("title", "creators", "subjects", "descriptions")
JSON_FIELDS = frozenset(k for k, v in NORMALISED_FIELDS.items() if v == "JSON")
RECORD_COLUMNS: tuple[str, ...] = (
    "source",
    "identifier",
    "datestamp",
    "deleted",
    "set_specs",
    *NORMALISED_FIELDS,
    "raw_xml",
    "raw_hash",
    "harvested_at",
    "changed_at",
)
migrations = Migrations("harvester")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("sources").create(
        {
            "name": str,
            "title": str,
            "institution": str,
            "country": str,
            "endpoint": str,
            "metadata_prefix": str,
            "repository_name": str,
            "granularity": str,
            "day_granularity_only": int,
            "earliest_datestamp": str,
            "deleted_record": str,
            "admin_emails": str,
            "identified_at": str,
        },
        pk="name",
    )
    columns: dict[str, Any] = {
        "source": str,
        "identifier": str,
        "datestamp": str,
        "deleted": int,
        "set_specs": str,
    }
    for name, kind in NORMALISED_FIELDS.items():
        columns[name] = int if kind == "INTEGER" else str
    columns.update(
        raw_xml=str,
        raw_hash=str,
        harvested_at=str,
        changed_at=str,
        cluster_id=str,
        cluster_reason=str,
    )
    db.table("records").create(columns, pk=("source", "identifier"), not_null={"deleted"})
    db.table("records").create_index(["source", "deleted"])
    db.table("records").create_index(["changed_at"])
    db.table("records").create_index(["year"])
    db.table("records").create_index(["cluster_id"])
    db.table("records").enable_fts(list(FTS_COLUMNS), tokenize="trigram", create_triggers=True)
    db.table("state").create(
        {
            "source": str,
            "set_spec": str,
            "metadata_prefix": str,
            "watermark": str,
            "window_from": str,
            "window_until": str,
            "manual": int,
            "first_response_date": str,
            "resumption_token": str,
            "cursor": int,
            "complete_list_size": int,
            "expiration_date": str,
            "received": int,
            "pages": int,
            "updated_at": str,
        },
        pk=("source", "set_spec", "metadata_prefix"),
    )
    db.table("runs").create(
        {
            "id": int,
            "source": str,
            "started": str,
            "finished": str,
            "status": str,
            "window_from": str,
            "window_until": str,
            "pages": int,
            "requests": int,
            "received": int,
            "added": int,
            "updated": int,
            "deleted": int,
            "repairs": int,
            "expected": int,
            "error": str,
        },
        pk="id",
    )
    db.table("runs").create_index(["source", "id"])
    db.table("quarantine").create(
        {
            "id": int,
            "source": str,
            "url": str,
            "reason": str,
            "body": bytes,
            "created": str,
        },
        pk="id",
    )


@migrations()
def m002_linking(db: sqlite_utils.Database) -> None:
    """Match keys per record for incremental linking, and a flag for records to (re)link."""
    db.table("match_keys").create(
        {"source": str, "identifier": str, "kind": str, "key": str},
        pk=("source", "identifier", "kind", "key"),
    )
    db.table("match_keys").create_index(["kind", "key"])
    db.table("records").add_column("link_pending", int, not_null_default=0)
    db.execute(
        "CREATE INDEX idx_records_link_pending ON records(source, identifier) "
        "WHERE link_pending = 1"
    )
    db.execute("UPDATE records SET link_pending = 1")


@migrations()
def m003_fts_update_only_on_text(db: sqlite_utils.Database) -> None:
    """Re-index a record's text only when that text is updated.

    sqlite-utils' trigger fires on every UPDATE, so flagging a record for linking or setting
    its cluster id rewrote its FTS entry: linking 10,000 records took 13 s, mostly that.
    """
    columns = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    old = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
    new = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
    db.execute('DROP TRIGGER IF EXISTS "records_au"')
    db.execute(
        f'CREATE TRIGGER "records_au" AFTER UPDATE OF {columns} ON "records" BEGIN\n'
        f'  INSERT INTO "records_fts" ("records_fts", rowid, {columns}) '
        f"VALUES('delete', old.rowid, {old});\n"
        f'  INSERT INTO "records_fts" (rowid, {columns}) VALUES (new.rowid, {new});\n'
        "END"
    )


WORDS_TABLE = "records_words"
# Letters, digits and combining marks make up words: without M*, unicode61 cuts Devanagari,
# Bengali or Tamil words at every vowel sign. remove_diacritics 2 folds Latin é, ṭ, ü
# (precomposed or not) to e, t, u; letters that are not a base letter plus a mark (ł, ø, ß),
# Greek accents and Arabic vowel marks stay as they are.
WORDS_TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co M*'"


@migrations()
def m004_word_index(db: sqlite_utils.Database) -> None:
    """A word-level FTS5 index beside the trigram one, for scripts that put spaces between words.

    The trigram index turns a Latin word into a phrase of its trigrams, so "caravanserai" or
    "Dunhuang manuscripts" read the long posting lists of "ara" and "ian": 474 ms p95 for
    Latin queries at a million records. A word index reads one short list per word, matches
    prefixes ("Samarq") and folds diacritics ("Urumqi" finds "Ürümqi"), which trigrams cannot.
    Chinese and Thai have no spaces between words and keep the trigram index.

    External content, kept in sync by triggers like records_fts (the update trigger fires only
    when the text changes, as m003 made it). `content='records'` is in single quotes so that
    sqlite-utils and Datasette, which look for content="records", still find records_fts: the
    index that matches in every script.
    """
    table = WORDS_TABLE
    columns = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
    old = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
    new = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
    tokenize = WORDS_TOKENIZER.replace("'", "''")
    db.execute(
        f'CREATE VIRTUAL TABLE "{table}" USING FTS5 ({columns}, '
        f"tokenize='{tokenize}', content='records')"
    )
    insert = f'INSERT INTO "{table}" (rowid, {columns}) VALUES (new.rowid, {new});'
    command = f'"{table}", rowid, {columns}'  # FTS5 commands go in the column named as the table
    delete = f"INSERT INTO \"{table}\" ({command}) VALUES('delete', old.rowid, {old});"
    db.execute(f'CREATE TRIGGER "{table}_ai" AFTER INSERT ON "records" BEGIN\n  {insert}\nEND')
    db.execute(f'CREATE TRIGGER "{table}_ad" AFTER DELETE ON "records" BEGIN\n  {delete}\nEND')
    db.execute(
        f'CREATE TRIGGER "{table}_au" AFTER UPDATE OF {columns} ON "records" BEGIN\n'
        f"  {delete}\n  {insert}\nEND"
    )
    db.execute(f'INSERT INTO "{table}"("{table}") VALUES(\'rebuild\')')


@migrations()
def m005_provider(db: sqlite_utils.Database) -> None:
    """What `harvester serve` needs: keyset paging in change order, and a signing key.

    The provider lists records by (changed_at, source, identifier) and resumes after the last
    one it sent, so a resumption token is a position, not an OFFSET that shifts when a harvest
    writes between two pages. The key signs those tokens: kept in the index, so tokens survive
    a restart of the server, which opens the index read-only and could not store one itself.
    """
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_records_changed_keyset "
        "ON records(changed_at, source, identifier)"
    )
    db.table("secrets").create({"name": str, "value": str}, pk="name", if_not_exists=True)
    db.execute(
        "INSERT OR IGNORE INTO secrets (name, value) VALUES ('resumption_token_key', ?)",
        [secrets.token_hex(32)],
    )


@migrations()
def m006_source_default_language(db: sqlite_utils.Database) -> None:
    """Keep each source's default_language in the index, beside the records it labelled.

    `renormalise` without the config used to drop every inferred language and re-stamp the
    records as changed. An index from before is given the language its inferred records carry.
    """
    db.table("sources").add_column("default_language", str)
    db.execute(
        "UPDATE sources SET default_language = (SELECT json_extract(r.languages, '$[0]') "
        "FROM records r WHERE r.source = sources.name AND r.language_inferred = 1 LIMIT 1)"
    )


@migrations(transactional=False)
def m007_folded_search_index(db: sqlite_utils.Database) -> None:
    """records_search: folded, stemmed and romanised text in place of records_words.

    A reader's Arabic kaf, Simplified characters, missing tone marks or Latin keyboard now find
    the record (see normalise.searchtext). records_words held the text as catalogued and only
    the tokenizer's folding; its cost at ingest pays for most of the new table's. The trigram
    index (records_fts) stays: Datasette's search box and substring matches in Thai, Lao,
    Myanmar and the other scripts written without spaces use it.

    Not one transaction: filling the new table at a million records takes minutes, so it goes
    in batches of one transaction each, and runs again from the start if interrupted (the
    migration is recorded only at the end).
    """
    from harvester.store import searchindex  # the table's home; it imports this module

    with db.atomic():
        for trigger in ("ai", "ad", "au"):
            db.execute(f'DROP TRIGGER IF EXISTS "{WORDS_TABLE}_{trigger}"')
        db.execute(f'DROP TABLE IF EXISTS "{WORDS_TABLE}"')
        searchindex.create_table(db)
        searchindex.create_substring_table(db)  # written beside it since m010
    searchindex.rebuild(db, db.atomic)


@migrations(transactional=False)
def m008_search_stems_tagged(db: sqlite_utils.Database) -> None:
    """Stems carry their stemmer ("07librari"), so an Indonesian stem never meets an English one.

    Rebuilds the search index only when it holds stems from before (an index that m007 filled
    with the tagged stems is left alone).
    """
    from harvester.store import searchindex

    old = db.execute(
        f"SELECT 1 FROM {searchindex.SEARCH_TABLE} "
        "WHERE stems != '' AND stems NOT GLOB '[0-9][0-9]*' LIMIT 1"
    ).fetchone()
    if old is not None:
        searchindex.rebuild(db, db.atomic)


LINK_QUEUE = "link_queue"


@migrations()
def m009_link_queue(db: sqlite_utils.Database) -> None:
    """Records waiting to be linked: a narrow table of their own instead of a flag in the row.

    Clearing `records.link_pending` after linking rewrote each whole record (raw XML, JSON,
    about 7 KB) to change one integer; a row here is the record's key and nothing else.
    """
    db.execute(
        f"CREATE TABLE {LINK_QUEUE} (source TEXT NOT NULL, identifier TEXT NOT NULL, "
        "PRIMARY KEY (source, identifier)) WITHOUT ROWID"
    )
    db.execute(
        f"INSERT INTO {LINK_QUEUE} (source, identifier) "
        "SELECT source, identifier FROM records WHERE link_pending = 1"
    )
    db.execute("DROP INDEX IF EXISTS idx_records_link_pending")
    db.execute("ALTER TABLE records DROP COLUMN link_pending")


@migrations(transactional=False)
def m010_substring_index(db: sqlite_utils.Database) -> None:
    """records_substrings, the trigram index of only the text matched as substrings, in place
    of records_fts, the trigram index of every title, creator, subject and description.

    Search reads trigrams only for terms in scripts written without spaces (Thai, Lao,
    Myanmar, ...) and for Arabic-script words inside longer words; everything else goes through
    records_search. Tokenizing every long Latin or Cyrillic description into trigrams cost
    93 us and 1.6 KB a record, more than writing the record itself, for entries no query read.

    In batches of one transaction each, like m007; an interrupted run starts again.
    """
    from harvester.store import searchindex

    with db.atomic():
        for trigger in ("records_ai", "records_ad", "records_au"):
            db.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
        db.execute('DROP TABLE IF EXISTS "records_fts"')
        searchindex.create_substring_table(db)
        db.execute(f'DELETE FROM "{searchindex.SUBSTRING_TABLE}"')
    searchindex.rebuild_substrings(db, db.atomic)


@migrations()
def m011_narrower_link_keys(db: sqlite_utils.Database) -> None:
    """match_keys without a rowid, and no second index on changed_at.

    match_keys kept each key three times: in the table, in its primary key's index and in the
    (kind, key) index, 770 bytes a library record. As a WITHOUT ROWID table the primary key
    is the table. idx_records_changed_at repeats the first column of the keyset index
    (changed_at, source, identifier), which answers every query on changed_at.
    """
    db.execute(
        "CREATE TABLE match_keys_narrow (source TEXT NOT NULL, identifier TEXT NOT NULL, "
        "kind TEXT NOT NULL, key TEXT NOT NULL, "
        "PRIMARY KEY (source, identifier, kind, key)) WITHOUT ROWID"
    )
    db.execute(
        "INSERT OR IGNORE INTO match_keys_narrow SELECT source, identifier, kind, key "
        "FROM match_keys WHERE source IS NOT NULL AND identifier IS NOT NULL "
        "AND kind IS NOT NULL AND key IS NOT NULL"
    )
    db.execute("DROP TABLE match_keys")
    db.execute("ALTER TABLE match_keys_narrow RENAME TO match_keys")
    db.execute('CREATE INDEX "idx_match_keys_kind_key" ON "match_keys" ("kind", "key")')
    db.execute("DROP INDEX IF EXISTS idx_records_changed_at")


LINKS = "record_links"
# A records query that needs each record's cluster: `SELECT *` over it gives the record's
# columns, then cluster_id and cluster_reason (NULL for a record in no cluster).
RECORDS_WITH_LINKS = f"records LEFT JOIN {LINKS} USING (source, identifier)"


@migrations()
def m012_link_table(db: sqlite_utils.Database) -> None:
    """Cluster ids in a narrow table of their own, one row per linked record; queued records
    carry the match keys the harvest computed for them.

    In the `records` row, setting a record's cluster id rewrote the whole row (raw XML, JSON,
    about 3 KB) and reading the cluster ids of a work's other members read theirs: 760 us a
    record whose keys change inside a cluster of ten at a million records. A record in no
    cluster (most of them) has no row here.

    `link_queue.keys` (JSON, NULL: compute them from the record) lets the page workers key
    the records they normalise, on both cores, instead of the link step reading every new
    record back and keying it on one.
    """
    db.execute(
        f"CREATE TABLE {LINKS} (source TEXT NOT NULL, identifier TEXT NOT NULL, "
        "cluster_id TEXT NOT NULL, cluster_reason TEXT, PRIMARY KEY (source, identifier)) "
        "WITHOUT ROWID"
    )
    db.execute(
        f"INSERT INTO {LINKS} SELECT source, identifier, cluster_id, cluster_reason "
        "FROM records WHERE cluster_id IS NOT NULL ORDER BY source, identifier"
    )
    db.execute(f'CREATE INDEX "idx_{LINKS}_cluster" ON {LINKS} (cluster_id)')
    db.execute("DROP INDEX IF EXISTS idx_records_cluster_id")
    db.execute("ALTER TABLE records DROP COLUMN cluster_id")
    db.execute("ALTER TABLE records DROP COLUMN cluster_reason")
    db.execute(f"ALTER TABLE {LINK_QUEUE} ADD COLUMN keys TEXT")
