"""Read queries over the index: full-text search, streamed export rows, statistics."""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from harvester.store.jsonlines import LANDING_URL
from harvester.store.schema import JSON_FIELDS, WORDS_TABLE

# Columns an export row carries (raw_xml stays in the index).
EXPORT_COLUMNS = (
    "source",
    "identifier",
    "datestamp",
    "deleted",
    "set_specs",
    "cluster_id",
    "cluster_reason",
    "harvested_at",
    "changed_at",
)
TRIGRAM = 3  # the trigram tokenizer cannot match fewer characters


@dataclass(frozen=True)
class SearchFilters:
    sources: tuple[str, ...] = ()
    language: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    type: str | None = None
    country: str | None = None  # ISO 3166 code of the member's country
    script: str | None = None  # ISO 15924 code, e.g. Arab, Hani, Thai


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name, value in row.items():
        if (name in JSON_FIELDS or name == "set_specs") and isinstance(value, str):
            row[name] = json.loads(value)
    if "deleted" in row:
        row["deleted"] = bool(row["deleted"])
    if row.get("language_inferred") is not None:
        row["language_inferred"] = bool(row["language_inferred"])
    return row


def _filter_sql(filters: SearchFilters) -> tuple[str, list[Any]]:
    clauses: list[str] = ["r.deleted = 0"]
    params: list[Any] = []
    if filters.sources:
        clauses.append(f"r.source IN ({','.join('?' * len(filters.sources))})")
        params += list(filters.sources)
    if filters.language:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.languages) WHERE value = ?)")
        params.append(filters.language)
    if filters.type:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.types) WHERE value = ?)")
        params.append(filters.type)
    if filters.country:
        clauses.append("r.source IN (SELECT name FROM sources WHERE country = ?)")
        params.append(filters.country)
    if filters.script:
        clauses.append("EXISTS (SELECT 1 FROM json_each(r.scripts) WHERE value = ?)")
        params.append(filters.script)
    if filters.year_from is not None:
        clauses.append("r.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("r.year <= ?")
        params.append(filters.year_to)
    return " AND ".join(clauses), params


_RESULT_COLUMNS = "r.source, r.identifier, r.title, r.creators, r.year, r.languages, r.types"


def search(
    db: sqlite_utils.Database, query: str, filters: SearchFilters, limit: int = 20
) -> list[dict[str, Any]]:
    """Ranked matches in titles, creators, subjects and descriptions, in any script.

    Each term goes to the index that suits its script. Chinese, Japanese, Thai and the other
    scripts written without spaces between words need substring matches, so a word is found
    inside an unsegmented title: their terms of three or more characters go through the FTS5
    trigram index, shorter ones through LIKE. Terms in scripts that separate words with spaces
    (Latin, Cyrillic, Greek, Devanagari...) go through the word index as prefixes,
    Latin diacritics folded: "Samarq" finds Samarqand, "Urumqi" Ürümqi. A trigram phrase for
    a long word reads the posting lists of its commonest trigrams (474 ms p95 for Latin queries
    at a million records); the word index reads one list per word. A query mixing both is
    ranked by its words and restricted to the records the other terms match.
    """
    terms = query.split()
    if not terms:
        return []
    words: list[str] = []
    others: list[str] = []
    for term in terms:
        (words if _in_words(term) else others).append(term)
    substrings = [term for term in others if len(term) >= TRIGRAM]
    short = [term for term in others if len(term) < TRIGRAM]
    if words:
        match = " AND ".join(_word_phrase(term) for term in words)
        within = _substring_match(substrings) if substrings else None
        return _ranked(db, WORDS_TABLE, match, filters, limit, within=within, like=short)
    if not short:
        return _ranked(db, TRIGRAM_TABLE, _substring_match(substrings), filters, limit)
    return _scanned(db, others, filters, limit)


TRIGRAM_TABLE = "records_fts"
# Letters of these scripts come without spaces between words, or with words that carry what
# a search term leaves out (Arabic and Persian ال, و, ب and Hebrew ה, ו, ב attached to the
# noun; Korean compounds such as 국립중앙도서관), so their terms are matched as substrings.
# Recognised by the first words of their Unicode names ("THAI CHARACTER KO KAI").
_UNSPACED_SCRIPTS = (
    "CJK ",
    "IDEOGRAPHIC ",
    "KANGXI ",
    "HIRAGANA ",
    "KATAKANA",  # also KATAKANA-HIRAGANA PROLONGED SOUND MARK
    "HALFWIDTH KATAKANA ",
    "BOPOMOFO ",
    "YI ",
    "THAI ",
    "LAO ",
    "KHMER ",
    "MYANMAR ",
    "TIBETAN ",
    "TAI ",  # Tai Tham, Tai Le, Tai Viet
    "NEW TAI LUE ",
    "BALINESE ",
    "JAVANESE ",
    "ARABIC ",
    "SYRIAC ",
    "HEBREW ",
    "HANGUL ",
)


@functools.lru_cache(maxsize=4096)
def _unspaced(letter: str) -> bool:
    return unicodedata.name(letter, "").startswith(_UNSPACED_SCRIPTS)


def _in_words(term: str) -> bool:
    """Whether a term goes to the word index: it has letters, none of an unspaced script.

    Terms without letters (years, other numbers) keep the substring match, which finds them
    inside Chinese text too ("109" in 民國109年).
    """
    letters = [c for c in term if c.isalpha()]
    return bool(letters) and not any(_unspaced(c) for c in letters)


def _word_phrase(term: str) -> str:
    """The term as one quoted phrase, its last word a prefix: `"al-Biruni"*`.

    The tokenizer reads "O'Brien", "al-Biruni" or "10.5281/zenodo" as several words; quoted
    together they must be adjacent and in that order, which finds the records containing the
    term (and "al Biruni"). A one-letter last word is matched whole: a one-letter prefix reads
    most of the index ("a"* AND "silk"* took 12 times as long as "a" AND "silk"* at 100k).
    """
    quoted = _quoted(term)
    return quoted + "*" if len(_last_word(term)) > 1 else quoted


def _last_word(term: str) -> str:
    """The last run of letters, digits and marks: the word the tokenizer would read last."""
    end = len(term)
    while end and not _word_character(term[end - 1]):
        end -= 1
    start = end
    while start and _word_character(term[start - 1]):
        start -= 1
    return term[start:end]


def _word_character(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Co"  # WORDS_TOKENIZER's categories


def _quoted(term: str) -> str:
    """The term as an FTS5 string: its tokens must all occur, side by side and in order."""
    return '"' + term.replace('"', '""') + '"'


def _substring_match(terms: Sequence[str]) -> str:
    return " AND ".join(map(_quoted, terms))


# bm25 is computed for every match before sorting; a common term matches a large share of a big
# index. Ranking the first matches only keeps the answer under 100 ms at a million records.
RANKED_MATCHES = 2000


def _ranked(
    db: sqlite_utils.Database,
    table: str,
    match: str,
    filters: SearchFilters,
    limit: int,
    *,
    within: str | None = None,
    like: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The best-ranked `limit` of the first RANKED_MATCHES matches, or of all if that is short.

    `within` is a trigram match the records must also satisfy, `like` short terms they must
    contain (both are checked before the cap counts a match, or after it, like the filters).
    """
    hits = _ranked_once(db, table, match, filters, limit, RANKED_MATCHES, within, like)
    if len(hits) < limit:  # the cap may have cut off matches the filters keep: look at all
        hits = _ranked_once(db, table, match, filters, limit, None, within, like)
    return hits


def _ranked_once(
    db: sqlite_utils.Database,
    table: str,
    match: str,
    filters: SearchFilters,
    limit: int,
    cap: int | None,
    within: str | None,
    like: Sequence[str],
) -> list[dict[str, Any]]:
    where, params = _filter_sql(filters)
    args: list[Any] = [match]
    restrict = ""
    if within is not None:
        # `+rowid`: an expression, not a constraint the FTS table would evaluate by running
        # its MATCH once per rowid of the list; the list is built once and probed instead.
        restrict = (
            f"AND +rowid IN (SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?)"
        )
        args.append(within)
    capped = ""
    if cap is not None:
        capped = "LIMIT ?"
        args.append(cap)
    if like:
        where += " AND " + _like_anywhere(len(like))
        params = [*params, *_like_patterns(like, 4)]
    sql = (
        f"SELECT {_RESULT_COLUMNS}, m.score FROM "
        f"(SELECT rowid, bm25({table}) AS score FROM {table} "
        f"WHERE {table} MATCH ? {restrict} {capped}) AS m "
        f"JOIN records r ON r.rowid = m.rowid WHERE {where} ORDER BY m.score LIMIT ?"
    )
    return _rows(db.execute(sql, [*args, *params, limit]))


def _like_patterns(terms: Sequence[str], repeat: int = 1) -> list[str]:
    """`%term%` for LIKE ... ESCAPE '\\', each repeated (once per column it is tried on)."""
    patterns = [
        "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        for term in terms
    ]
    return [pattern for pattern in patterns for _ in range(repeat)]


def _like_anywhere(terms: int) -> str:
    """Each of `terms` patterns in one of the four searched columns."""
    return " AND ".join(
        "(r.title LIKE ? ESCAPE '\\' OR r.creators LIKE ? ESCAPE '\\' "
        "OR r.subjects LIKE ? ESCAPE '\\' OR r.descriptions LIKE ? ESCAPE '\\')"
        for _ in range(terms)
    )


def _scanned(
    db: sqlite_utils.Database, terms: list[str], filters: SearchFilters, limit: int
) -> list[dict[str, Any]]:
    """Below three characters there is no trigram: scan, title matches first.

    Without ORDER BY the scan stops as soon as `limit` rows are found, which for a common
    two-character Chinese word is almost at once.
    """
    where, params = _filter_sql(filters)
    patterns = _like_patterns(terms)
    in_title = " AND ".join("IFNULL(r.title, '') LIKE ? ESCAPE '\\'" for _ in terms)
    hits = _rows(
        db.execute(
            f"SELECT {_RESULT_COLUMNS}, 0 AS score FROM records r "
            f"WHERE {in_title} AND {where} LIMIT ?",
            [*patterns, *params, limit],
        )
    )
    if len(hits) < limit:
        found = {(h["source"], h["identifier"]) for h in hits}
        more = _rows(
            db.execute(
                f"SELECT {_RESULT_COLUMNS}, 1 AS score FROM records r "
                f"WHERE NOT ({in_title}) AND {_like_anywhere(len(terms))} AND {where} LIMIT ?",
                [*patterns, *_like_patterns(terms, 4), *params, limit],
            )
        )
        hits += [h for h in more if (h["source"], h["identifier"]) not in found]
    return hits[:limit]


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [_decode(dict(zip(names, row, strict=True))) for row in cursor]


@dataclass(frozen=True)
class ExportSelection:
    """Which records an export takes.

    With `by_cluster`, members of one cluster come together, and `since` keeps every cluster
    with a member changed since that time, so a merged feed carries whole works.
    """

    sources: tuple[str, ...] = ()
    since: str | None = None
    include_deleted: bool = False
    by_cluster: bool = False


def export_where(selection: ExportSelection) -> tuple[list[str], list[Any]]:
    """The WHERE clauses and parameters of an export, shared by every export path."""
    clauses: list[str] = []
    params: list[Any] = []
    if selection.sources:
        clauses.append(f"source IN ({','.join('?' * len(selection.sources))})")
        params += list(selection.sources)
    if not selection.include_deleted:
        clauses.append("deleted = 0")
    since = selection.since
    if since:
        if selection.by_cluster:
            clauses.append(
                "(changed_at >= ? OR cluster_id IN "
                "(SELECT cluster_id FROM records WHERE changed_at >= ? AND cluster_id IS NOT NULL))"
            )
            params += [since, since]
        else:
            clauses.append("changed_at >= ?")
            params.append(since)
    return clauses, params


def where_sql(clauses: Sequence[str]) -> str:
    return f"WHERE {' AND '.join(clauses)}" if clauses else ""


def iter_export_rows(
    db: sqlite_utils.Database,
    selection: ExportSelection,
    *,
    fields: Sequence[str] = (),
    linked_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Stream records for export, one at a time (the cursor is never fetched whole).

    `linked_only` keeps the records that belong to a cluster. Rows grouped by cluster carry
    the record's `landing_url` for the member list of their work.
    """
    clauses, params = export_where(selection)
    if linked_only:
        clauses.append("cluster_id IS NOT NULL")
    order = "cluster_id, source, identifier" if selection.by_cluster else "source, identifier"
    landing = [f"{LANDING_URL} AS landing_url"] if selection.by_cluster else []
    columns = ", ".join([*EXPORT_COLUMNS, *fields, *landing])
    cursor = db.conn.execute(
        f"SELECT {columns} FROM records {where_sql(clauses)} ORDER BY {order}", params
    )
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield _decode(dict(zip(names, row, strict=True)))


def stats(db: sqlite_utils.Database, source: str | None = None) -> dict[str, Any]:
    """Records, deletions, linking, languages, year range and types for one source or all."""
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    live_where = f"{where} {'AND' if where else 'WHERE'} deleted = 0"
    live, deleted, linked, clusters, first, last = db.execute(
        "SELECT COALESCE(SUM(deleted = 0), 0), COALESCE(SUM(deleted = 1), 0), "
        "COALESCE(SUM(deleted = 0 AND cluster_id IS NOT NULL), 0), "
        "COUNT(DISTINCT cluster_id), MIN(year), MAX(year) "
        f"FROM records {where}",
        params,
    ).fetchone()
    return {
        "source": source or "*",
        "records": live,
        "deleted": deleted,
        "clusters": clusters,
        "linked_records": linked,
        "linked_share": round(linked / live, 4) if live else 0.0,
        "year_range": [first, last],
        "languages": _top(db, "languages", live_where, params),
        "types": _top(db, "types", live_where, params),
    }


def _top(
    db: sqlite_utils.Database, column: str, where: str, params: list[Any], limit: int = 10
) -> dict[str, int]:
    rows = db.execute(
        f"SELECT j.value, COUNT(*) FROM records, json_each(records.{column}) AS j {where} "
        "GROUP BY j.value ORDER BY COUNT(*) DESC, j.value LIMIT ?",
        [*params, limit],
    ).fetchall()
    return {value: count for value, count in rows}
