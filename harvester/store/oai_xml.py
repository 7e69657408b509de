"""The oai_dc elements and setSpecs of a record, assembled by SQLite.

Building them in Python (decode a dozen JSON lists, escape, join) cost 0.7 ms a record, a
tenth of what a provider that lists ten thousand records a second can spend. SQLite builds
the same text from the stored JSON in C. Values come from parsed XML (lxml refuses the
characters XML cannot carry), so escaping `&`, `<` and `>` is all they need.
"""

from __future__ import annotations

from harvester.models import IDENTIFIER_KINDS

# dc:identifier prefixes that make an identifier actionable (as export.writers.dc_identifiers).
IDENTIFIER_PREFIXES = {
    "doi": "https://doi.org/",
    "isbn": "urn:isbn:",
    "issn": "urn:issn:",
    "handle": "https://hdl.handle.net/",
}
# Characters a setSpec may hold (OAI-PMH.xsd), as a GLOB class of what it may not.
_NOT_SET_CHARACTER = "*[^A-Za-z0-9._~*()!-]*"


def escaped(expression: str) -> str:
    return f"replace(replace(replace({expression}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _each(tag: str, column: str, path: str = "", prefix: str = "", extra: str = "") -> str:
    """Elements for every string of a JSON list column (or a list inside it, at `path`)."""
    source = f"json_each(records.{column}, '{path}')" if path else f"json_each(records.{column})"
    value = f"'{prefix}' || value" if prefix else "value"
    return (
        f"COALESCE((SELECT group_concat('<dc:{tag}>' || {escaped(value)} || '</dc:{tag}>', '') "
        f"FROM {source} WHERE type = 'text' AND value != ''{extra}), '')"
    )


def _list(tag: str, column: str, path: str = "", prefix: str = "", extra: str = "") -> str:
    """Like _each, but a plain list of strings is rewritten as text, without json_each.

    `["a","b"]` becomes `<dc:x>a</dc:x><dc:x>b</dc:x>` by replacing its `","` separators: a
    quote inside a value is escaped (`\\"`), so `","` only ever separates. A list holding a
    backslash (an escape) or anything but strings goes the json_each way. Twenty json_each
    subqueries cost 135 us a record; this is a few string functions.
    """
    text = f"json_extract(records.{column}, '{path}')" if path else f"records.{column}"
    close, open_ = f"</dc:{tag}>", f"<dc:{tag}>{prefix}"
    inner = f"substr({text}, 3, length({text}) - 4)"
    return (
        f"CASE WHEN IFNULL({text}, '[]') = '[]' THEN '' "
        f"WHEN {text} GLOB '[[]\"*\"]' AND instr({text}, '\\') = 0 AND instr({text}, '\"\"') = 0 "
        f"THEN '{open_}' || replace({escaped(inner)}, '\",\"', '{close}{open_}') || '{close}' "
        f"ELSE {_each(tag, column, path, prefix, extra)} END"
    )


def _single(tag: str, expression: str) -> str:
    return (
        f"CASE WHEN IFNULL({expression}, '') = '' THEN '' "
        f"ELSE '<dc:{tag}>' || {escaped(expression)} || '</dc:{tag}>' END"
    )


def dc_elements() -> str:
    """An SQL expression: the Dublin Core elements of a live record, in Dublin Core order."""
    parts = [
        # titles holds the title first; a record without titles may still have a title
        f"CASE WHEN IFNULL(records.titles, '[]') = '[]' THEN {_single('title', 'records.title')} "
        f"ELSE {_list('title', 'titles')} END",
        _list("creator", "creators"),
        _list("subject", "subjects"),
        _list("description", "descriptions"),
        _list("publisher", "publishers"),
        _list("contributor", "contributors"),
        _single("date", "COALESCE(NULLIF(records.date, ''), records.date_raw)"),
        _list("type", "types"),
        _each(  # the member's own terms, where they differ from the DCMI ones
            "type",
            "types_raw",
            extra=" AND value NOT IN (SELECT value FROM json_each(records.types))",
        ),
        _list("format", "formats"),
        *(
            _list("identifier", "identifiers", f"$.{kind}", IDENTIFIER_PREFIXES.get(kind, ""))
            for kind in IDENTIFIER_KINDS
        ),
        _list("source", "sources"),
        _list("language", "languages"),
        _list("relation", "relations"),
        _list("coverage", "coverage"),
        _single("rights", "records.rights"),
        _single("rights", "records.license"),
    ]
    return "(" + " || ".join(parts) + ")"


def set_specs(kind: str, column: str) -> str:
    """An SQL expression: <setSpec>kind:value</setSpec> for each value fit to be a setSpec."""
    return (
        f"COALESCE((SELECT group_concat('<setSpec>{kind}:' || value || '</setSpec>', '') "
        f"FROM json_each(records.{column}) WHERE type = 'text' AND value != '' "
        f"AND NOT value GLOB '{_NOT_SET_CHARACTER}'), '')"
    )
