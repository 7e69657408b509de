"""Full-text search: one library function for the CLI, the web page and anything else.

``search_page(db, query, filters, limit, offset)`` answers a page of ranked hits and the total.
The query goes through the same folding as the indexed text (``normalise.searchtext``), then:

- each term of a script written with spaces (Latin, Cyrillic, Arabic, Greek, Devanagari...) or
  of Chinese (as overlapping pairs of characters) is looked up in records_search, as a prefix;
- terms in Thai, Lao, Myanmar, Khmer, Japanese kana, Korean and the other scripts written
  without spaces are substrings of the text as catalogued (records_substrings, trigrams; LIKE
  below three characters).

Hits come in three tiers, each ranked by bm25: the query's words as written (folded), then
their stems, then the romanised forms (a Latin query finding Самарканд, 敦煌, or a Cyrillic one
finding the Latin spelling of a name). Each hit says which: ``matched`` is "exact", "stem" or
"romanised"; a query in Arabic script adds "substring" hits last (see ``_inside_words``).
Query syntax is plain text: brackets, stars, dashes, parentheses, OR and NOT are words or
nothing, never operators; double quotes keep words together as a phrase. A query
with no letters or digits finds nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from harvester.normalise.searchtext import query_form, query_romanised, query_stems
from harvester.normalise.unspaced import arabic_letter, unspaced_term
from harvester.store.reads import (
    SearchFilters,
    _decode,
    _filter_sql,
    _like_anywhere,
    _like_patterns,
)
from harvester.store.searchindex import SEARCH_TABLE, SUBSTRING_TABLE

TRIGRAM_TABLE = SUBSTRING_TABLE
TRIGRAM = 3  # the trigram tokenizer cannot match fewer characters
# bm25 is computed for every match before sorting; a common term matches a large share of a big
# index. Ranking the first matches only keeps the answer under 100 ms at a million records.
RANKED_MATCHES = 2000
# bm25 weighs each phrase of the query by how many records hold it, and counts them by reading
# the phrase's every match: 200 ms for a word in 300,000 records of a million, however few are
# ranked. A query with a term matched more often than this is listed instead: records with
# the words in their title first, then the others, each group in index order.
BM25_MATCHES = 5000
# Weights of records_search's columns in bm25: title, creators, subjects, descriptions, stems,
# romanised.
_WEIGHTS = "4.0, 2.0, 2.0, 1.0, 2.0, 2.0"
_EXACT_COLUMNS = "{title creators subjects descriptions}"
TIERS = ("exact", "stem", "romanised", "substring")


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, best first, and how many there are in all.

    ``total`` counts every match when ``total_exact``; otherwise at least that many match
    (a common word in a large index: counting all of them would cost more than the search).
    """

    hits: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    total_exact: bool = True


def search(
    db: sqlite_utils.Database, query: str, filters: SearchFilters, limit: int = 20
) -> list[dict[str, Any]]:
    """The first `limit` hits of ``search_page``."""
    return search_page(db, query, filters, limit).hits


def search_page(
    db: sqlite_utils.Database,
    query: str,
    filters: SearchFilters,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Ranked hits `offset` to `offset + limit` for a query in any script (see the module doc)."""
    terms = parse_query(query)
    if not terms or limit < 1:
        return SearchResults()
    split = _Split.of(terms)
    indexed, others, substrings, short = split.indexed, split.others, split.substrings, split.short
    want = offset + limit
    cap = RANKED_MATCHES if want <= RANKED_MATCHES else None
    if indexed:
        matches = [_TermMatch.of(term) for term in indexed]
        plan = _tier_matches(matches)
        within = " AND ".join(map(_quoted, substrings)) if substrings else None
        listed = want if _common(db, SEARCH_TABLE, [m.alternatives for m in matches]) else None
        ranked, every_tier = _ranked_tiers(db, plan, filters, cap, within, short, want, listed)
        if len(ranked) < want and cap is not None and listed is None:
            ranked, every_tier = _ranked_tiers(db, plan, filters, None, within, short, want)
        if every_tier and (cap is None or len(ranked) < min(cap, 100)):
            total, exact = len(ranked), True  # nothing was cut short
        else:
            total, exact = _total(db, plan, filters, within, short)
        if split.arabic and len(ranked) < want:
            seen = {rowid for rowid, _, _ in ranked}
            extra = _inside_words(db, indexed, filters, cap, seen, want)
            ranked += extra
            total += len(extra)
        elif split.arabic:  # a full page: matches inside words are left uncounted
            exact = False
    elif not short:
        match = " AND ".join(map(_quoted, substrings))
        listed = want if _common(db, TRIGRAM_TABLE, list(map(_quoted, substrings))) else None
        scored = _ranked(db, TRIGRAM_TABLE, "", match, filters, cap, None, (), listed)
        if len(scored) < want and cap is not None and listed is None:
            scored = _ranked(db, TRIGRAM_TABLE, "", match, filters, None, None, ())
        ranked = [(rowid, score, "exact") for rowid, score in scored]
        total, exact = len(ranked), cap is None or len(ranked) < cap
    else:
        ranked = _scanned(db, others, filters, want)
        total, exact = len(ranked), len(ranked) < want
    page = ranked[offset:want]
    return SearchResults(_hits(db, page), max(total, len(ranked)), exact)


def match_sql(query: str, filters: SearchFilters) -> tuple[str, list[Any]]:
    """SELECT of the rowids of the live records the query and filters match: every hit
    ``search_page`` can return, for counting facets. An empty query keeps every record the
    filters keep (browsing); a query of syntax characters only matches nothing."""
    where, params = _filter_sql(filters)
    terms = parse_query(query)
    if not terms:
        if query.strip():
            return "SELECT r.rowid FROM records r WHERE 0", []
        return f"SELECT r.rowid FROM records r WHERE {where}", params
    split = _Split.of(terms)
    if not split.indexed and split.short:
        like = _like_anywhere(len(split.others))
        return (
            f"SELECT r.rowid FROM records r WHERE {like} AND {where}",
            [*_like_patterns(split.others, 4), *params],
        )
    if split.indexed:
        table = SEARCH_TABLE
        match = _tier_matches([_TermMatch.of(term) for term in split.indexed]).everything
    else:
        table, match = TRIGRAM_TABLE, " AND ".join(map(_quoted, split.substrings))
    restrict, restrict_args = "", list[Any]()
    if split.indexed:  # the other terms narrow the word match
        within = " AND ".join(map(_quoted, split.substrings)) if split.substrings else None
        where, params, restrict, restrict_args = _narrowing(filters, within, split.short)
    args: list[Any] = [match, *restrict_args]
    sql = (
        f"SELECT r.rowid FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? {restrict}) AS m "
        f"JOIN records r ON r.rowid = m.rowid WHERE {where}"
    )
    if split.arabic:
        inside, inside_params = _filter_sql(filters)
        sql += (
            f" UNION SELECT r.rowid FROM (SELECT rowid FROM {TRIGRAM_TABLE} "
            f"WHERE {TRIGRAM_TABLE} MATCH ?) AS t JOIN records r ON r.rowid = t.rowid "
            f"WHERE {inside}"
        )
        return sql, [*args, *params, " AND ".join(map(_quoted, split.indexed)), *inside_params]
    return sql, [*args, *params]


def text_match_rowids(db: sqlite_utils.Database, query: str) -> list[int] | None:
    """Rowids the query's terms match in the full-text indexes alone (live or not).

    None when the query needs a LIKE scan of the records (a short term) or has no terms:
    then ``match_sql`` is no dearer. For the web page's in-memory facet columns, which apply
    the filters and drop deleted records themselves.
    """
    terms = parse_query(query)
    if not terms:
        return None
    split = _Split.of(terms)
    if split.short:
        return None
    substrings = " AND ".join(map(_quoted, split.substrings))
    if split.indexed:
        plan = _tier_matches([_TermMatch.of(term) for term in split.indexed])
        sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
        args: list[Any] = [plan.everything]
        if substrings:
            sql += (
                f" AND +rowid IN (SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?)"
            )
            args.append(substrings)
        if split.arabic:
            sql += f" UNION SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?"
            args.append(" AND ".join(map(_quoted, split.indexed)))
    else:
        sql = f"SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?"
        args = [substrings]
    return [rowid for (rowid,) in db.execute(sql, args)]


@dataclass(frozen=True)
class _Split:
    """A query's terms by where they are looked up."""

    indexed: list[str]  # records_search
    others: list[str]  # the text as catalogued: substrings
    substrings: list[str]  # the others of three characters or more: trigrams
    short: list[str]  # the others below three characters: LIKE
    arabic: bool  # every term in Arabic script: substring matches come last

    @classmethod
    def of(cls, terms: Sequence[str]) -> _Split:
        indexed = [term for term in terms if not unspaced_term(term)]
        others = [term for term in terms if unspaced_term(term)]
        return cls(
            indexed,
            others,
            [term for term in others if len(term) >= TRIGRAM],
            [term for term in others if len(term) < TRIGRAM],
            bool(indexed) and not others and all(map(_arabic_script, indexed)),
        )


# --- the query -----------------------------------------------------------------------------------

_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHARACTER = re.compile(r"[^\W_]")


def parse_query(query: str) -> list[str]:
    """The query's terms: words, or "quoted phrases"; terms with no letter or digit dropped."""
    terms = []
    for phrase, word in _TERM.findall(query):
        term = " ".join(phrase.split()) if phrase else word  # a word keeps a stray quote
        if _WORD_CHARACTER.search(query_form(term)) is not None:
            terms.append(term)
    return terms


def _quoted(text: str) -> str:
    """The text as an FTS5 string: its tokens must all occur, side by side and in order."""
    return '"' + text.replace('"', '""') + '"'


def _last_word_length(text: str) -> int:
    """Length of the last run of letters, digits and marks: the word the tokenizer reads last."""
    end = len(text)
    while end and not _word_character(text[end - 1]):
        end -= 1
    start = end
    while start and _word_character(text[start - 1]):
        start -= 1
    return end - start


def _word_character(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Co"  # the search tokenizer's categories


def _prefix(folded: str) -> str:
    """The folded term as a phrase, its last word a prefix: a one-letter Latin or Cyrillic
    last word is matched whole (a one-letter prefix reads most of the index); a single
    Chinese character is a prefix of the pairs that start with it."""
    quoted = _quoted(folded)
    last = folded.split()[-1] if folded.split() else ""
    if _last_word_length(folded) > 1 or (last and not last.isascii() and len(last) == 1):
        return quoted + "*"
    return quoted


@dataclass(frozen=True)
class _TermMatch:
    """One query term's FTS5 alternatives, per tier ("" when the tier adds nothing)."""

    exact: str
    stem: str
    romanised: str

    @classmethod
    def of(cls, term: str) -> _TermMatch:
        folded = query_form(term)
        exact = f"{_EXACT_COLUMNS} : {_prefix(folded)}"
        stems = [s for s in query_stems(folded) if s]
        stem = "stems : (" + " OR ".join(map(_quoted, stems)) + ")" if stems else ""
        if folded.isascii():
            romanised = f"latin : {_prefix(folded)}"
        else:
            latin = query_romanised(term)
            romanised = f"{{title creators}} : {_prefix(latin)}" if latin else ""
        return cls(exact, stem, romanised)

    @property
    def alternatives(self) -> str:
        """Every phrase this term may match, in any tier."""
        return " OR ".join(part for part in (self.exact, self.stem, self.romanised) if part)


def _tier_matches(terms: Sequence[_TermMatch]) -> _Plan:
    """(tier, FTS5 query) for each tier that can add matches, in rank order, and their union."""
    exact = " AND ".join(f"({t.exact})" for t in terms)
    plan = [("exact", exact)]
    everything = exact
    with_stems = exact
    if any(t.stem for t in terms):
        with_stems = " AND ".join(f"({t.exact}{f' OR {t.stem}' if t.stem else ''})" for t in terms)
        plan.append(("stem", f"({with_stems}) NOT ({exact})"))
    if any(t.romanised for t in terms):
        everything = " AND ".join(f"({t.alternatives})" for t in terms)
        plan.append(("romanised", f"({everything}) NOT ({with_stems})"))
    else:
        everything = with_stems
    return _Plan(plan, everything)


@dataclass(frozen=True)
class _Plan:
    tiers: list[tuple[str, str]]
    everything: str


def _arabic_script(term: str) -> bool:
    return len(term) >= TRIGRAM and all(arabic_letter(c) for c in term if c.isalpha())


def _inside_words(
    db: sqlite_utils.Database,
    terms: Sequence[str],
    filters: SearchFilters,
    cap: int | None,
    seen: set[int],
    want: int,
) -> Ranked:
    """Arabic-script terms inside words, as catalogued (الکتاب, شمس‌الدین, کتابخانه): Arabic
    and Persian attach the article, conjunctions and prepositions to the noun and write
    compounds solid, so after the folded words come substring matches of the trigram index."""
    match = " AND ".join(map(_quoted, terms))
    listed = want + len(seen) if _common(db, TRIGRAM_TABLE, list(map(_quoted, terms))) else None
    rows = _ranked(db, TRIGRAM_TABLE, "", match, filters, cap, None, (), listed)
    return [(rowid, score, "substring") for rowid, score in rows if rowid not in seen]


def _narrowing(
    filters: SearchFilters, within: str | None, like: Sequence[str], rowid: str = "rowid"
) -> tuple[str, list[Any], str, list[Any]]:
    """What every match query adds to its MATCH: (the WHERE over `records r` and its
    parameters, the trigram restriction on the FTS table's `rowid` and its parameters).

    `within` is a trigram match the records must also satisfy, `like` short terms they must
    contain somewhere. `+rowid`: an expression, not a constraint the FTS table would evaluate
    by running its MATCH once per rowid of the list; the list is built once and probed.
    """
    where, params = _filter_sql(filters)
    restrict, restrict_args = "", list[Any]()
    if within is not None:
        restrict = (
            f"AND +{rowid} IN (SELECT rowid FROM {TRIGRAM_TABLE} WHERE {TRIGRAM_TABLE} MATCH ?)"
        )
        restrict_args = [within]
    if like:
        where += " AND " + _like_anywhere(len(like))
        params = [*params, *_like_patterns(like, 4)]
    return where, params, restrict, restrict_args


# --- ranking -------------------------------------------------------------------------------------

Ranked = list[tuple[int, float, str]]  # (records.rowid, bm25 score, tier)


def _ranked_tiers(
    db: sqlite_utils.Database,
    plan: _Plan,
    filters: SearchFilters,
    cap: int | None,
    within: str | None,
    like: Sequence[str],
    want: int,
    listed: int | None = None,
) -> tuple[Ranked, bool]:
    """The tiers' hits in order, and whether every tier was read: once the page is full, the
    lower tiers cannot reach it (the total is then counted, not listed)."""
    ranked: Ranked = []
    for number, (tier, match) in enumerate(plan.tiers):
        if len(ranked) >= want:
            return ranked, number == len(plan.tiers)
        rows = _ranked(db, SEARCH_TABLE, _WEIGHTS, match, filters, cap, within, like, listed)
        ranked += [(rowid, score, tier) for rowid, score in rows]
    return ranked, True


def _ranked(
    db: sqlite_utils.Database,
    table: str,
    weights: str,
    match: str,
    filters: SearchFilters,
    cap: int | None,
    within: str | None,
    like: Sequence[str],
    listed: int | None = None,
) -> list[tuple[int, float]]:
    """(rowid, score) of the matches, best first: the first `cap` matches ranked, or all.

    `within` is a trigram match the records must also satisfy, `like` short terms they must
    contain (both are checked before the cap counts a match, or after it, like the filters).
    With `listed`, the first `listed` matches instead, unranked (score 0): title matches
    first (see BM25_MATCHES).
    """
    where, params, restrict, restrict_args = _narrowing(filters, within, like)
    args: list[Any] = [match, *restrict_args]
    if listed is not None:
        return _listed(db, table, args, restrict, where, params, listed)
    capped = ""
    if cap is not None:
        capped = "LIMIT ?"
        args.append(cap)
    bm25 = f"bm25({table}, {weights})" if weights else f"bm25({table})"
    # Both indexes hold live records only (a tombstone's text is emptied), so without filters
    # the records table is not read at all: 2,000 rows joined cost more than the search.
    join = "" if where == _LIVE else f"JOIN records r ON r.rowid = m.rowid WHERE {where}"
    sql = (
        f"SELECT m.rowid, m.score FROM "
        f"(SELECT rowid, {bm25} AS score FROM {table} "
        f"WHERE {table} MATCH ? {restrict} {capped}) AS m {join} ORDER BY m.score"
    )
    if not join:
        params = []
    return [(rowid, score) for rowid, score in db.execute(sql, [*args, *params])]


def _listed(
    db: sqlite_utils.Database,
    table: str,
    args: list[Any],
    restrict: str,
    where: str,
    params: list[Any],
    limit: int,
) -> list[tuple[int, float]]:
    """The first `limit` matches the filters keep, those with every term in the title first.

    Nested column filters intersect in FTS5, so `title : (...)` keeps a phrase's matches in
    the title only. Without ORDER BY, each query stops at its LIMIT.
    """
    match, rest = args[0], args[1:]
    join = "" if where == _LIVE else f"JOIN records r ON r.rowid = m.rowid WHERE {where}"
    sql = (
        f"SELECT m.rowid FROM (SELECT rowid FROM {table} WHERE {table} MATCH ? {restrict}) AS m "
        f"{join} LIMIT ?"
    )

    def first(expression: str, count: int) -> list[int]:
        values = [expression, *rest, *(params if join else []), count]
        return [rowid for (rowid,) in db.execute(sql, values)]

    in_title = f"title : ({match})"
    found = first(match, limit + 1)
    if len(found) <= limit:  # every match: sort out the title ones by rowid look-ups
        if not found:
            return []
        marks = ",".join("?" * len(found))
        titled = {
            rowid
            for (rowid,) in db.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH ? AND rowid IN ({marks})",
                [in_title, *found],
            )
        }
        ordered = [r for r in found if r in titled] + [r for r in found if r not in titled]
        return [(rowid, 0.0) for rowid in ordered]
    listed = dict.fromkeys(first(in_title, limit), 0.0)
    if len(listed) < limit:
        for rowid in first(match, limit + len(listed)):
            listed.setdefault(rowid, 0.0)
    return list(listed.items())[:limit]


def _common(db: sqlite_utils.Database, table: str, expressions: Sequence[str]) -> bool:
    """Whether any of these FTS5 expressions has more than BM25_MATCHES matches."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)"
    return any(
        db.execute(sql, [expression, BM25_MATCHES + 1]).fetchone()[0] > BM25_MATCHES
        for expression in expressions
    )


COUNT_LIMIT = 1000  # beyond this many matches the total is given as "at least"


def _total(
    db: sqlite_utils.Database,
    plan: _Plan,
    filters: SearchFilters,
    within: str | None,
    like: Sequence[str],
) -> tuple[int, bool]:
    """All matches of the query (every tier), counted up to COUNT_LIMIT."""
    where, params, restrict, restrict_args = _narrowing(filters, within, like, "s.rowid")
    args: list[Any] = [plan.everything, *restrict_args]
    if where == _LIVE:
        join, params = "", []
    else:
        join = f"JOIN records r ON r.rowid = s.rowid WHERE {where} AND"
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {SEARCH_TABLE} s {join or 'WHERE'} "
        f"{SEARCH_TABLE} MATCH ? {restrict} LIMIT ?)"
    )
    if join:
        (count,) = db.execute(sql, [*params, *args, COUNT_LIMIT]).fetchone()
    else:
        (count,) = db.execute(sql, [*args, COUNT_LIMIT]).fetchone()
    return count, count < COUNT_LIMIT


_LIVE = "r.deleted = 0"  # what _filter_sql gives for no filters


_RESULT_COLUMNS = (
    "r.rowid, r.source, r.identifier, r.title, r.creators, r.year, r.languages, r.types"
)


def _hits(db: sqlite_utils.Database, page: Ranked) -> list[dict[str, Any]]:
    """The records of a page of ranked rowids, in that order, each with its score and tier."""
    if not page:
        return []
    marks = ",".join("?" * len(page))
    cursor = db.execute(
        f"SELECT {_RESULT_COLUMNS} FROM records r WHERE r.rowid IN ({marks})",
        [rowid for rowid, _, _ in page],
    )
    names = [d[0] for d in cursor.description]
    rows = {row[0]: _decode(dict(zip(names, row, strict=True))) for row in cursor}
    hits = []
    for rowid, score, tier in page:
        row = rows.get(rowid)
        if row is not None:
            del row["rowid"]
            hits.append({**row, "score": score, "matched": tier})
    return hits


def _scanned(
    db: sqlite_utils.Database, terms: list[str], filters: SearchFilters, want: int
) -> Ranked:
    """Below three characters there is no trigram: scan, title matches first.

    Without ORDER BY the scan stops as soon as `want` rows are found, which for a common
    two-character Thai or Korean word is almost at once.
    """
    where, params = _filter_sql(filters)
    patterns = _like_patterns(terms)
    in_title = " AND ".join("IFNULL(r.title, '') LIKE ? ESCAPE '\\'" for _ in terms)
    hits: Ranked = [
        (rowid, 0.0, "exact")
        for (rowid,) in db.execute(
            f"SELECT r.rowid FROM records r WHERE {in_title} AND {where} LIMIT ?",
            [*patterns, *params, want],
        )
    ]
    if len(hits) < want:
        found = {rowid for rowid, _, _ in hits}
        more = db.execute(
            f"SELECT r.rowid FROM records r "
            f"WHERE NOT ({in_title}) AND {_like_anywhere(len(terms))} AND {where} LIMIT ?",
            [*patterns, *_like_patterns(terms, 4), *params, want],
        )
        hits += [(rowid, 1.0, "exact") for (rowid,) in more if rowid not in found]
    return hits[:want]
