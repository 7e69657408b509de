"""The pages: search with facets, one record, the members, statistics.

Each view reads through the store with the request's read-only connection and hands plain
values to a template; everything shown is escaped by the template engine.
"""

from __future__ import annotations

import math
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from harvester.serve.web.charts import bar_chart
from harvester.serve.web.i18n import (
    LOCALES,
    country_name,
    language_name,
    language_tag,
    script_name,
    translations,
)
from harvester.serve.web.params import MAX_RESULTS, BadParameter, SearchParams, parse
from harvester.store.facets import (
    FacetCounts,
    browse,
    facet_counts,
    generation,
    records_by_rowid,
    rowid_bound,
    text_match_rowids,
)
from harvester.store.readonly import Database, QueryTimeout
from harvester.store.search import search as ranked_search
from harvester.store.webpage import cluster_members, harvest_history, member_table, record
from harvester.store.webpage import sources as member_sources

if TYPE_CHECKING:
    from harvester.serve.web.app import WebApp

# Up to this many records, the whole index is counted during a request if the background
# read has not finished yet (well within the budget); past it the page goes without counts.
SMALL_INDEX = 50_000


def N_(message: str) -> str:
    """Marks a message for the catalogue; it is translated where it is shown."""
    return message


class Cache:
    """Answers that cost a scan (whole-index counts, member table), per index generation."""

    def __init__(self, size: int = 256) -> None:
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def peek(self, key: Hashable) -> Any:
        with self._lock:
            return self._entries.get(key)

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value


class Page:
    """One request's locale, links and rendering."""

    def __init__(self, app: WebApp, request: Request, locale: str) -> None:
        self.app = app
        self.request = request
        self.locale = locale
        requested = request.args.get("lang")
        self.lang_param = requested if requested in LOCALES else None
        self.gettext = translations(locale).gettext

    def link(self, path: str, **params: Any) -> str:
        """A link inside the site that keeps the chosen interface language."""
        pairs = [(k, v) for k, v in params.items() if v not in (None, "")]
        if self.lang_param:
            pairs.append(("lang", self.lang_param))
        return path + ("?" + urllib.parse.urlencode(pairs) if pairs else "")

    def switcher(self) -> list[tuple[str, str, str, bool]]:
        """(code, name, link, current) per interface language; each link keeps the query."""
        path = urllib.parse.quote(self.request.path, safe="/:@!$&'()*+,;=-._~")
        links = []
        for code, name in LOCALES.items():
            args = self.request.args.copy()
            args.setlist("lang", [code])
            query = urllib.parse.urlencode(list(args.items(multi=True)))
            links.append((code, name, path + "?" + query, code == self.locale))
        return links

    def render(self, template: str, status: int = 200, **context: Any) -> Response:
        context |= {
            "page": self,
            "locale": self.locale,
            "html_lang": self.locale,
            "language_name": lambda code: language_name(code, self.locale),
            "country_name": lambda code: country_name(code, self.locale),
            "script_name": lambda code: script_name(code, self.locale),
            "language_tag": language_tag,
            "record_url": self.record_url,
        }
        html = self.app.render(self.locale, template, context)
        return Response(html, status=status, mimetype="text/html")

    def error(self, status: int, message: str) -> Response:
        try:
            return self.render("error.html", status=status, status_code=status, message=message)
        except Exception:  # the error page itself failed: say so plainly
            return Response(f"Error {status}", status=status, mimetype="text/plain")

    def record_url(self, source: str, identifier: str) -> str:
        path = "/record/{}/{}".format(
            urllib.parse.quote(source, safe=""), urllib.parse.quote(identifier, safe=":/@")
        )
        return self.link(path)


def _cached(page: Page, db: Database, name: str, key: Hashable, compute: Any) -> Any:
    return page.app.cache.get((generation(db), name, key), compute)


def _sources(page: Page, db: Database) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = _cached(
        page, db, "sources", None, lambda: member_sources(db)
    )
    return result


def _counts(page: Page, db: Database, params: SearchParams) -> FacetCounts | None:
    """Exact facet counts of the match set, or None when they cannot be had in time.

    Counting costs time in proportion to the matches. Within FACET_SECONDS they are counted
    and cached (paging through one search repeats them); a query matching a large share of a
    big index gets its results without counts rather than a slow page. The counts of the
    whole index come from a background count (see WholeIndexCounts).
    """
    current = generation(db)
    whole = not params.q and not params.filtered
    if whole:
        ready = page.app.whole_index.get(current)
        if ready is not None or rowid_bound(db) > SMALL_INDEX:
            return ready  # a large index waits for the background read
    key = (current, "facets", params.q, params.filters)
    cache = page.app.cache
    found: FacetCounts | None = cache.peek(key)
    if found is not None:
        return found
    try:
        with page.app.index().deadline(page.app.facet_seconds):
            counts = _counted_in_memory(page, db, params, current) or facet_counts(
                db, params.q, params.filters
            )
    except QueryTimeout:
        return None
    if whole:  # a small index: counted in time, no need to wait for the background count
        page.app.whole_index.put(current, counts)
    return cache.get(key, lambda: counts)


def _counted_in_memory(
    page: Page, db: Database, params: SearchParams, current: Hashable
) -> FacetCounts | None:
    """Counts from the in-memory facet columns, when they are current and the query's
    matches come from the full-text indexes alone."""
    columns = page.app.whole_index.columns(current)
    if columns is None:
        return None
    if params.q:
        rowids: Sequence[int] | None = text_match_rowids(db, params.q)
        if rowids is None or not columns.covers(rowids):
            return None
    else:
        rowids = range(len(columns.deleted))
    countries = {name: m.get("country") or "" for name, m in _sources(page, db).items()}
    return columns.count(rowids, params.filters, countries)


# --- search -----------------------------------------------------------------------------------


def search(page: Page, db: Database) -> Response:
    params = parse(page.request.args.to_dict(flat=False), list(LOCALES))
    members = _sources(page, db)
    for name in params.sources:
        if name not in members:
            raise BadParameter(f"there is no member named {name!r}")
    if params.q:
        hits = ranked_search(db, params.q, params.filters, params.offset + params.limit)
        hits = hits[params.offset :]
    else:
        hits = _browse(page, db, params)
    counts = _counts(page, db, params)
    if counts is not None:
        total: int | None = counts.total
        known = counts.total
    else:  # not counted: offer the pages the hits so far reach, and one more if this is full
        total = None
        known = params.offset + len(hits) + (1 if len(hits) == params.limit else 0)
    pages = min(math.ceil(known / params.limit), MAX_RESULTS // params.limit)
    return page.render(
        "search.html",
        params=params,
        hits=[_hit(page, hit, members) for hit in hits],
        total=total,
        facets=_facets(page, params, counts, members) if counts is not None else [],
        active=_active_filters(page, params, members),
        pages=pages,
        page_numbers=_page_window(params.page, pages),
    )


def _browse(page: Page, db: Database, params: SearchParams) -> list[dict[str, Any]]:
    """The newest records the filters keep: from the in-memory columns when they are current."""
    columns = page.app.whole_index.columns(generation(db))
    if columns is None:
        return browse(db, params.filters, params.limit, params.offset)
    countries = {name: m.get("country") or "" for name, m in _sources(page, db).items()}
    rowids = columns.newest(params.filters, countries, params.offset, params.limit)
    return records_by_rowid(db, rowids)


def _hit(page: Page, hit: dict[str, Any], members: dict[str, dict[str, Any]]) -> dict[str, Any]:
    member = members.get(hit["source"], {})
    languages = hit.get("languages") or []
    return {
        "title": hit.get("title"),
        "url": page.record_url(hit["source"], hit["identifier"]),
        "lang": language_tag(languages[0]) if languages else None,
        "creators": hit.get("creators") or [],
        "year": hit.get("year"),
        "types": hit.get("types") or [],
        "languages": [language_name(code, page.locale) for code in languages],
        "member": member.get("title") or hit["source"],
        "country": country_name(member.get("country") or "", page.locale),
    }


def _facets(
    page: Page, params: SearchParams, counts: FacetCounts, members: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Sections of (label, count, link, active) values, commonest first."""
    locale = page.locale
    c = counts.counts
    by_country: dict[str, int] = {}
    for name, count in c["source"].items():
        code = (members.get(name, {}).get("country") or "").upper()
        if code:
            by_country[code] = by_country.get(code, 0) + count

    def section(key: str, title: str, items: list[tuple[str, int, str, bool]]) -> dict[str, Any]:
        items.sort(key=lambda item: (-item[1], item[0]))
        return {"key": key, "title": title, "items": items[:15], "more": len(items) > 15}

    sections = [
        section(
            "source",
            N_("Member"),
            [
                (
                    members.get(name, {}).get("title") or name,
                    n,
                    params.adding_source(name),
                    name in params.sources,
                )
                for name, n in c["source"].items()
            ],
        ),
        section(
            "country",
            N_("Country"),
            [
                (country_name(code, locale), n, params.url(country=code), code == params.country)
                for code, n in by_country.items()
            ],
        ),
        section(
            "language",
            N_("Language"),
            [
                (language_name(code, locale), n, params.url(language=code), code == params.language)
                for code, n in c["language"].items()
            ],
        ),
        section(
            "type",
            N_("Type"),
            [(t, n, params.url(type=t), t == params.type) for t, n in c["type"].items()],
        ),
        section(
            "script",
            N_("Script"),
            [
                (script_name(code, locale), n, params.url(script=code), code == params.script)
                for code, n in c["script"].items()
            ],
        ),
    ]
    decades = [
        (
            f"{decade}–{decade + 9}",
            n,
            params.url(year_from=decade, year_to=decade + 9),
            params.year_from == decade and params.year_to == decade + 9,
        )
        for decade, n in sorted(c["decade"].items(), reverse=True)
    ]
    sections.append({"key": "decade", "title": N_("Decade"), "items": decades, "more": False})
    return [s for s in sections if s["items"]]


def _active_filters(
    page: Page, params: SearchParams, members: dict[str, dict[str, Any]]
) -> list[tuple[str, str, str]]:
    """(facet title, value, link without it) for every filter in force."""
    locale = page.locale
    active = [
        (N_("Member"), members.get(name, {}).get("title") or name, params.removing_source(name))
        for name in params.sources
    ]
    if params.country:
        active.append(
            (N_("Country"), country_name(params.country, locale), params.url(country=None))
        )
    if params.language:
        active.append(
            (N_("Language"), language_name(params.language, locale), params.url(language=None))
        )
    if params.type:
        active.append((N_("Type"), params.type, params.url(type=None)))
    if params.script:
        active.append((N_("Script"), script_name(params.script, locale), params.url(script=None)))
    if params.year_from is not None:
        active.append((N_("From year"), str(params.year_from), params.url(year_from=None)))
    if params.year_to is not None:
        active.append((N_("To year"), str(params.year_to), params.url(year_to=None)))
    return active


def _page_window(current: int, pages: int, width: int = 4) -> list[int]:
    return list(range(max(1, current - width), min(pages, current + width) + 1))


# --- record -----------------------------------------------------------------------------------

# (label, normalised field, Dublin Core element its original came from)
RECORD_FIELDS: tuple[tuple[str, str, str], ...] = (
    (N_("Title"), "titles", "title"),
    (N_("Creators"), "creators", "creator"),
    (N_("Contributors"), "contributors", "contributor"),
    (N_("Subjects"), "subjects", "subject"),
    (N_("Description"), "descriptions", "description"),
    (N_("Publishers"), "publishers", "publisher"),
    (N_("Date"), "date", "date"),
    (N_("Type"), "types", "type"),
    (N_("Language"), "languages", "language"),
    (N_("Format"), "formats", "format"),
    (N_("Relations"), "relations", "relation"),
    (N_("Coverage"), "coverage", "coverage"),
    (N_("Source"), "sources", "source"),
    (N_("Rights"), "rights", "rights"),
)
TEXT_FIELDS = frozenset({"titles", "creators", "contributors", "subjects", "descriptions"})
RESOLVERS = {"doi": "https://doi.org/", "handle": "https://hdl.handle.net/"}


def record_page(page: Page, db: Database, source: str, identifier: str) -> Response:
    row = record(db, source, identifier)
    if row is None:
        raise NotFound()
    members = _sources(page, db)
    member = members.get(source, {"name": source, "title": source, "country": ""})
    languages = row.get("languages") or []
    others = []
    if row.get("cluster_id"):
        for other in cluster_members(db, row["cluster_id"], source, identifier):
            other["url"] = page.record_url(other["source"], other["identifier"])
            other["member"] = members.get(other["source"], {}).get("title") or other["source"]
            other_languages = other.get("languages") or []
            other["lang"] = language_tag(other_languages[0]) if other_languages else None
            others.append(other)
    return page.render(
        "record.html",
        row=row,
        member=member,
        lang=language_tag(languages[0]) if languages else None,
        fields=_record_fields(page, row),
        identifiers=_identifier_links(row.get("identifiers") or {}),
        landing=row.get("landing_url"),
        others=others,
        search_member=page.link("/", source=source),
    )


def _record_fields(page: Page, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Each normalised field with its values and, where normalisation changed them, the
    values as the member sent them."""
    dc = row.get("dc") or {}
    fields = []
    for label, name, element in RECORD_FIELDS:
        value = row.get(name)
        if name == "titles" and not value and row.get("title"):
            value = [row["title"]]
        values = [str(v) for v in (value if isinstance(value, list) else [value]) if v]
        shown = values
        if name == "languages":
            shown = [f"{language_name(code, page.locale)} ({code})" for code in values]
            if row.get("language_inferred"):
                shown = [f"{text} *" for text in shown]
        original = [str(v) for v in dc.get(element, []) if v]
        if name == "date" and row.get("date_raw"):
            original = [row["date_raw"]]
        if not values and not original:
            continue
        fields.append(
            {
                "label": label,
                "name": name,
                "values": shown,
                "text": name in TEXT_FIELDS,
                "original": original if original != values else [],
            }
        )
    if row.get("calendar") and row["calendar"] != "gregorian":
        fields.append(
            {
                "label": N_("Calendar"),
                "name": "calendar",
                "values": [row["calendar"]],
                "text": False,
                "original": [],
            }
        )
    scripts = row.get("scripts") or []
    if scripts:
        fields.append(
            {
                "label": N_("Script"),
                "name": "scripts",
                "values": [script_name(code, page.locale) for code in scripts],
                "text": False,
                "original": [],
            }
        )
    return fields


def _identifier_links(identifiers: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(kind, value, link or None): DOIs and handles through their resolvers, web URLs as is."""
    links: list[tuple[str, str, str | None]] = []
    for kind, values in identifiers.items():
        for value in values or []:
            text = str(value)
            if kind in RESOLVERS:
                href: str | None = RESOLVERS[kind] + text
            elif text.lower().startswith(("http://", "https://")):
                href = text
            else:
                href = None
            links.append((kind, text, href))
    return links


# --- members and statistics -------------------------------------------------------------------


def members(page: Page, db: Database) -> Response:
    table = _cached(page, db, "members", None, lambda: member_table(db))
    return page.render("members.html", members=table)


def stats(page: Page, db: Database) -> Response:
    locale = page.locale
    everything = SearchParams(lang=page.lang_param)
    whole = _counts(page, db, everything)
    if whole is None:
        return page.render("stats.html", charts=[], history=[], counting=True)
    counts = whole.counts
    members = _sources(page, db)
    by_country: dict[str, int] = {}
    for name, n in counts["source"].items():
        code = (members.get(name, {}).get("country") or "").upper() or "?"
        by_country[code] = by_country.get(code, 0) + n

    def commonest(items: dict[Any, int]) -> list[tuple[Any, int]]:
        return sorted(items.items(), key=lambda item: (-item[1], str(item[0])))

    history = _cached(page, db, "history", None, lambda: harvest_history(db))
    gettext = page.gettext
    charts = [
        bar_chart(
            gettext("Records per member"),
            [
                (members.get(k, {}).get("title") or k, n, everything.adding_source(k))
                for k, n in commonest(counts["source"])
            ],
        ),
        bar_chart(
            gettext("Records per country"),
            [
                (country_name(k, locale), n, everything.url(country=k) if k != "?" else None)
                for k, n in commonest(by_country)
            ],
        ),
        bar_chart(
            gettext("Records per decade"),
            [
                (f"{k}–{k + 9}", n, everything.url(year_from=k, year_to=k + 9))
                for k, n in sorted(counts["decade"].items())
            ],
            limit=60,
        ),
        bar_chart(
            gettext("Records per language"),
            [
                (language_name(k, locale), n, everything.url(language=k))
                for k, n in commonest(counts["language"])
            ],
        ),
        bar_chart(
            gettext("Records per type"),
            [(k, n, everything.url(type=k)) for k, n in commonest(counts["type"])],
        ),
        bar_chart(
            gettext("Records per script"),
            [
                (script_name(k, locale), n, everything.url(script=k))
                for k, n in commonest(counts["script"])
            ],
        ),
        bar_chart(
            gettext("Records added per harvest run"),
            [(run["run"].replace("T", " "), run["added"], None) for run in history],
            limit=60,
        ),
    ]
    return page.render("stats.html", charts=charts, history=history)
