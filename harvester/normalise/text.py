"""Text cleaning shared by every field: Unicode, whitespace, HTML and ISBD punctuation.

Every function here is idempotent: cleaning an already cleaned value returns it unchanged,
so records can be re-normalised safely.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence

# C0/C1 control characters that are not whitespace to str.split(): they become spaces so
# that words glued by a stray control byte stay apart.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Invisible characters with no meaning in a catalogue: the BOM/zero-width no-break space and
# the soft hyphen. Zero-width (non-)joiners are kept: Persian, Sinhala and Indic text needs them.
_INVISIBLE = re.compile("[\ufeff\u00ad]")
_UNWANTED = re.compile("[\x00-\x1f\x7f-\x9f\ufeff\u00ad]")
_SPACES = re.compile("  +")


_ASCII_CONTROLS = bytes(range(0x20)) + b"\x7f"
_LONG = 128  # characters from which _long_printable beats a plain str.isprintable


def _long_printable(value: str) -> bool:
    """value.isprintable() for long text, faster on ASCII.

    str.isprintable looks up each character's Unicode category (2.5 µs on a 1 KB abstract);
    printable ASCII is just "no byte below 0x20 or 0x7F", which bytes.translate checks in a
    third of the time. A line break, the usual non-printable character of long text, is
    found first at memchr speed.
    """
    if "\n" in value:
        return False
    if not value.isascii():
        return value.isprintable()
    return len(value.encode("ascii").translate(None, _ASCII_CONTROLS)) == len(value)


def _collapse_spaces(value: str) -> str:
    """Collapse runs of U+0020 and trim them at the ends."""
    if "  " in value:
        value = _SPACES.sub(" ", value)
    return value.strip(" ")


def clean_text(value: str) -> str:
    """Return NFC text with control characters removed and whitespace collapsed.

    Catalogues send line-wrapped titles (arXiv), CRLF references (DSpace) and decomposed
    accents (macOS exports); a search index needs one canonical form of each string.
    """
    if value.isprintable() if len(value) < _LONG else _long_printable(value):
        # No control, format or separator character but U+0020: only runs of spaces and
        # spaces at the ends can need collapsing (inlined: this runs for every value).
        if "  " in value:
            value = _SPACES.sub(" ", value)
        value = value.strip(" ")
    else:
        # Abstracts are made of line breaks, tabs and no-break spaces: replacing those is
        # much cheaper on long text than splitting it into words.
        for space in ("\n", "\r", "\t", "\xa0"):
            if space in value:
                value = value.replace(space, " ")
        value = _collapse_spaces(value)
        if not (value.isprintable() if len(value) < _LONG else _long_printable(value)):
            # Other whitespace, controls, BOM, soft hyphen, or ZWJ/ZWNJ (which are kept).
            value = " ".join(value.split())
            if _UNWANTED.search(value):
                value = " ".join(_INVISIBLE.sub("", _CONTROL.sub(" ", value)).split())
    if value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


# --- HTML in descriptions --------------------------------------------------------------------

# Inline elements vanish without a space ("<i>Homo</i>s" stays one word); every other tag
# (block elements, <br>) separates words. A tag must start with a letter, so "p < 0.05" stays.
# Names are spelled out in lower and upper case: re.IGNORECASE would halve the speed.
_INLINE_NAMES = "a abbr b bdi bdo cite code em font i mark q s small span strong sub sup u var"
_INLINE_ALTERNATIVES = sorted(
    {*_INLINE_NAMES.split(), *_INLINE_NAMES.upper().split()}, key=lambda name: (-len(name), name)
)
# The lookahead on the first letter (implied by the names) spares the 40 alternatives at
# every "<p" and "<li" of an abstract.
_INLINE_FIRST = "".join(sorted({name[0] for name in _INLINE_ALTERNATIVES}))
_INLINE_TAG = re.compile(
    r"</?(?=[" + _INLINE_FIRST + r"])(?:" + "|".join(_INLINE_ALTERNATIVES) + r")(?:\s[^<>]*)?/?>"
)
_TAG = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>)", re.S)
# Markup still to remove: an entity or a tag opening (cheap test before a full pass). Two
# patterns, each opening with a literal the regex engine skips to: one alternation of both
# is tried at every position, ten times slower on a long abstract.
_ENTITY_START = re.compile(r"&[#A-Za-z]")
_TAG_START = re.compile(r"<[A-Za-z/!]")
# The entities _unescape replaces as plain strings.
_COMMON_ENTITY = re.compile(r"&(?:lt|gt|quot|nbsp|#39|amp);")
_RARE_ENTITY = re.compile(r"&(?:quot|nbsp|#39|amp);")
_RARE_REPLACEMENTS = (("&quot;", '"'), ("&nbsp;", "\xa0"), ("&#39;", "'"), ("&amp;", "&"))


def _has_markup(value: str) -> bool:
    """True when an entity or a tag may still be in the value."""
    return ("&" in value and _ENTITY_START.search(value) is not None) or (
        "<" in value and _TAG_START.search(value) is not None
    )


def _replace_common_entities(value: str) -> str:
    """Replace the six entities of _COMMON_ENTITY, "&amp;" last (it can form new ones).

    The other five cannot overlap nor form one another, so their order is free, and each
    str.replace costs a pass over the text even when there is nothing to replace: Zenodo
    sends "&lt;" and "&gt;" in every description, the others seldom, so one search for the
    others decides which of their passes are needed.
    """
    value = value.replace("&lt;", "<").replace("&gt;", ">")
    present = set(_RARE_ENTITY.findall(value))
    for name, char in _RARE_REPLACEMENTS:
        if name in present:
            value = value.replace(name, char)
    return value


def _unescape(value: str) -> str:
    """Unescape HTML entities until none is left (Zenodo escapes its HTML twice)."""
    while "&" in value:
        # The entities that make up nearly all escaped HTML, by plain replacement (fast);
        # html.unescape, a regex with a callback per entity, handles whatever is left.
        # A text whose "&" are all literal ("R & D") skips the six replacements.
        if _COMMON_ENTITY.search(value) is None:
            unescaped = value
        else:
            unescaped = _replace_common_entities(value)
            if "&" not in unescaped:
                return unescaped
        unescaped = html.unescape(unescaped)
        if unescaped == value:
            break
        value = unescaped
    return value


def strip_html(value: str) -> str:
    """Remove HTML markup and entities, keeping the words apart where blocks end."""
    value = _unescape(value)
    while "<" in value:
        stripped = _TAG.sub(" ", _INLINE_TAG.sub("", value))
        if stripped == value:
            break
        value = _unescape(stripped)
    return value


def clean_description(value: str) -> str:
    """Clean a description: HTML removed (escaped or not, any depth), then like any text."""
    if "<" in value or "&" in value:
        value = strip_html(value)
    value = clean_text(value)
    # Repeat until stable so that cleaning a cleaned description never changes it again.
    for _ in range(8):
        if ("<" not in value and "&" not in value) or not _has_markup(value):
            break
        cleaned = clean_text(strip_html(value))
        if cleaned == value:
            break
        value = cleaned
    return value


# --- ISBD / MARC punctuation on titles and names ---------------------------------------------

# ISBD prescribes " /" before the statement of responsibility, " :" before other title
# information, " ;" and " =" between parallel or subsequent titles, and MARC 245/100 fields
# end with "." or ",". When the field is cut out of the record that punctuation dangles.
_TRAILING_MARKS = frozenset(",;:/=")
_TRAILING_PUNCTUATION = frozenset(",;:/=.")  # what _trim_trailing may remove
# AACR2 general material designations in MARC 245 $h: a cataloguer's note, not the title.
_GMD = re.compile(
    r"\s*\[(?:electronic resource|computer file|microform|sound recording|videorecording|"
    r"motion picture|manuscript|graphic|cartographic material|kit|text)\]",
    re.IGNORECASE,
)
# A final token such as "U.S.A." or Thai "พ.ศ.": the last period belongs to the abbreviation.
_DOTTED_ABBREVIATION = re.compile(r"(?:[^\W\d_]{1,3}\.){2,}\Z")
# A personal-name initial ("Smith, J.") or a Cyrillic/Latin two-letter one ("Yu.").
_INITIAL = re.compile(r"[^\W\d_]{1,2}\.\Z")
# Common abbreviations that end a name or a title with their own period (AACR2 appendix B).
_ABBREVIATIONS = frozenset(
    [
        "al",
        "bros",
        "co",
        "corp",
        "dr",
        "ed",
        "eds",
        "esq",
        "etc",
        "hon",
        "inc",
        "jr",
        "ltd",
        "mr",
        "mrs",
        "ms",
        "no",
        "prof",
        "rev",
        "sr",
        "st",
        "vol",
    ]
)


def _keeps_period(value: str, allow_initial: bool) -> bool:
    """True when the final period is part of an abbreviation or an initial."""
    token = value.rsplit(" ", 1)[-1]
    if len(token) <= 3 and allow_initial and token[:-1].isalpha():
        return True  # "Smith, J." / "Ivanov, Yu."
    # Cheap length and count tests first: an abbreviation has at most four letters (casefold
    # never shortens), a dotted one at least two periods, an initial at most two letters.
    if len(token) <= 5 and token[:-1].casefold() in _ABBREVIATIONS:
        return True
    if token.count(".") > 1 and _DOTTED_ABBREVIATION.search(token):
        return True
    return len(token) <= 3 and allow_initial and _INITIAL.match(token) is not None


def _trim_trailing(value: str, allow_initial: bool) -> str:
    """Drop dangling ISBD/MARC punctuation from the end until nothing more can go."""
    while value:
        last = value[-1]
        if last in _TRAILING_MARKS or (
            last == "." and not value.endswith("..") and not _keeps_period(value, allow_initial)
        ):
            value = value[:-1].rstrip()
        else:
            break
    return value


def clean_title(value: str) -> str:
    """Clean a title: text cleaning, GMD removed, dangling ISBD punctuation trimmed.

    Only ASCII ISBD marks are trimmed: CJK and Thai punctuation (。, ฯ, ๆ) is part of the text.
    """
    value = clean_text(value)
    while "[" in value:
        without = " ".join(_GMD.sub("", value).split())
        if without == value:
            break
        value = without
    if value and value[-1] in _TRAILING_PUNCTUATION:
        value = _trim_trailing(value, allow_initial=False)
    return value


def clean_name(value: str) -> str:
    """Clean a personal or corporate name; keeps initials ("Smith, J.") and "1950-" dates."""
    value = clean_text(value)
    if value and value[-1] in _TRAILING_PUNCTUATION:
        value = _trim_trailing(value, allow_initial=True)
    return value


# --- lists -------------------------------------------------------------------------------------


def clean_values(
    values: Sequence[str] | None, cleaner: Callable[[str], str] = clean_text
) -> list[str]:
    """Clean each value and drop empties and duplicates, keeping the first occurrence's place."""
    if not values:
        return []
    if len(values) == 1:
        cleaned = cleaner(values[0])
        return [cleaned] if cleaned else []
    return list(dict.fromkeys(filter(None, map(cleaner, values))))


def character_class(code_points: list[int]) -> str:
    """A regex character class matching exactly the given sorted code points, as ranges."""
    parts: list[str] = []
    start = previous = code_points[0]
    for code_point in [*code_points[1:], -1]:
        if code_point == previous + 1:
            previous = code_point
            continue
        parts.append(f"\\U{start:08x}" + ("" if start == previous else f"-\\U{previous:08x}"))
        start = previous = code_point
    return "[" + "".join(parts) + "]"
