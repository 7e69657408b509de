"""Link records that describe the same work across members; never delete or alter them.

Each record yields match keys (``match_keys``). Records sharing a key are candidates; clusters are
formed with union-find, key by key, in a fixed order so the result does not depend on the order the
records arrive in:

1. Strong keys, strongest kind first (doi, isbn, issn+title, handle, url), then by value.
2. The fuzzy key (title+creator+year), by value.

A key merges *all* the groups its records are in, or *none* of them when that would be unsafe
(over-merging is worse than under-merging):

- a ``doi`` key always merges;
- any other strong key merges only if no two of its groups carry different DOIs (no DOI in
  common), so a book ISBN repeated on chapter records with their own DOIs links nothing;
- the fuzzy key merges only if no two of its groups carry different DOIs or different ISBNs, and
  no two of its groups contain records of the same source. Duplicates inside one repository are
  therefore linked by strong keys only (same DOI, ISBN, ...), never by the fuzzy key: two records
  of one member with equal title, creator and year are more often volumes or editions than
  copies, and they would make a third member's record ambiguous.
- a key shared by more than ``max_key_records`` records links nothing: such a value (a repository
  home page given as identifier, a series ISSN) is not specific to one work.

A cluster's ``reason`` is the strongest key kind among the links that formed it (order of
``KEY_KINDS``); ``reasons`` lists every kind. Its ``cluster_id`` is a short hash of its smallest
member (``RecordRef`` order), so it stays the same across runs while that member stays in it.
Traditional and simplified Chinese titles are not unified (no conversion tables here); they do
not link by the fuzzy key.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

RecordRef = tuple[str, str]  # (source, identifier)
MatchKey = tuple[str, str]  # (kind, value)
KeysOf = Callable[[RecordRef], Sequence[MatchKey]]
RecordsSharing = Callable[[MatchKey, int], Sequence[RecordRef]]

DOI, ISBN, ISSN_TITLE, HANDLE, URL = "doi", "isbn", "issn+title", "handle", "url"
FUZZY = "title+creator+year"
STRONG_KINDS: tuple[str, ...] = (DOI, ISBN, ISSN_TITLE, HANDLE, URL)
KEY_KINDS: tuple[str, ...] = (*STRONG_KINDS, FUZZY)  # strongest first
DEFAULT_MAX_KEY_RECORDS = 100

_KIND_RANK = {kind: rank for rank, kind in enumerate(KEY_KINDS)}


@dataclass(frozen=True)
class Cluster:
    """Two or more records taken to describe the same work."""

    cluster_id: str
    reason: str
    reasons: tuple[str, ...]
    members: tuple[RecordRef, ...]  # sorted


# --- folding ----------------------------------------------------------------------------------

# Scripts whose combining marks are optional diacritics (accents, harakat, niqqud), as code point
# ranges. Marks after any other base character are kept: in Thai, Lao, Myanmar, Devanagari,
# Bengali, Sinhala, Tibetan, Khmer, ... vowel signs and tone marks are part of the spelling, and
# in Japanese the dakuten distinguishes ka from ga.
_DIACRITIC_SCRIPT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x02FF),  # Basic Latin to Spacing Modifiers (incl. Latin Extended, IPA)
    (0x0370, 0x058F),  # Greek, Cyrillic (+ Supplement), Armenian
    (0x0590, 0x06FF),  # Hebrew, Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x08A0, 0x08FF),  # Arabic Extended-A
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x1E00, 0x1FFF),  # Latin Extended Additional (Vietnamese), Greek Extended
    (0x2C60, 0x2C7F),  # Latin Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0xA720, 0xA7FF),  # Latin Extended-D
    (0xAB30, 0xAB6F),  # Latin Extended-E
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFF),  # Arabic presentation forms-B
)
_RANGE_STARTS = [start for start, _ in _DIACRITIC_SCRIPT_RANGES]

# Arabic-script letters that Persian and Arabic catalogues spell interchangeably.
_ARABIC_VARIANTS = {"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه"}
_DROPPED_LETTERS = frozenset("ـ")  # Arabic tatweel only stretches a word
_BRACKETED = re.compile(r"\[[^\]]*\]")  # ISBD [electronic resource], [Текст], [1990]
_RESPONSIBILITY = re.compile(r"\s/\s")  # ISBD: title / statement of responsibility


def _marks_are_diacritics(char: str) -> bool:
    """True if combining marks after this base character may be dropped."""
    code = ord(char)
    index = bisect_right(_RANGE_STARTS, code) - 1
    return index >= 0 and code <= _DIACRITIC_SCRIPT_RANGES[index][1]


def fold_text(text: str) -> str:
    """Fold width, case, optional diacritics, digits and punctuation; drop all spacing.

    Only letters, marks that carry meaning and numbers survive, so titles spaced, punctuated or
    accented differently fold alike, in every script. Spaces are dropped rather than collapsed
    because Thai, Chinese and Japanese catalogues space words inconsistently.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    strip_marks = True
    for char in unicodedata.normalize("NFKD", folded):
        fold = _CHAR_FOLDS.get(char) or _fold_char(char)
        if fold.is_mark:
            if not strip_marks:
                out.append(char)
            continue
        strip_marks = fold.strips_marks
        out.append(fold.output)
    return unicodedata.normalize("NFC", "".join(out))


class _CharFold(NamedTuple):
    is_mark: bool
    output: str  # what the character becomes ("" to drop it)
    strips_marks: bool  # whether marks after it are optional diacritics


# Per-character answers, filled as characters are met: the alphabet of a catalogue is small,
# and looking a character up once beats asking unicodedata for every character of every title.
_CHAR_FOLDS: dict[str, _CharFold] = {}


def _fold_char(char: str) -> _CharFold:
    category = unicodedata.category(char)
    if category[0] == "M":
        fold = _CharFold(True, "", False)
    else:
        output = ""
        if category == "Nd":
            output = str(unicodedata.decimal(char))  # Thai, Persian, Arabic digits -> ASCII
        elif category[0] in "LN" and char not in _DROPPED_LETTERS:
            output = _ARABIC_VARIANTS.get(char, char)
        fold = _CharFold(False, output, _marks_are_diacritics(char))
    _CHAR_FOLDS[char] = fold
    return fold


def fold_title(text: str) -> str:
    """Fold a title for matching; see ``fold_text``.

    ISBD additions copied from MARC into dc:title are removed first: bracketed general material
    designations ("[electronic resource]", "[Текст]") and the statement of responsibility after
    " / ". Traditional and simplified Chinese are not unified.
    """
    text = unicodedata.normalize("NFKC", text)
    title_proper = _RESPONSIBILITY.split(text, maxsplit=1)[0]
    if fold_text(title_proper):
        text = title_proper
    unbracketed = _BRACKETED.sub(" ", text)
    return fold_text(unbracketed) or fold_text(text)


# --- creators ---------------------------------------------------------------------------------

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7AF),  # Hangul Syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Extensions B and later
)
_COMMAS = re.compile(r"[,،、]")
_PARENTHESISED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CJK_ROLES = frozenset({"著", "编著", "編著", "主编", "主編", "编", "編", "译", "譯", "撰", "等"})


_CJK_CHAR = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]")


def _is_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


def _is_initial(token: str) -> bool:
    """Initials such as J., J, Л., Jr. or J.-P. cannot be a family name."""
    letters = sum(1 for char in token if char.isalpha())
    return letters <= 1 or (letters <= 2 and token.endswith("."))


def _cjk_family_name(name: str) -> str:
    """CJK names are written family name first: keep the whole name, minus dates and roles."""
    parts = [part for part in _COMMAS.split(name) if not any(c.isdigit() for c in part)]
    tokens = " ".join(parts).split()
    while len(tokens) > 1 and tokens[-1] in _CJK_ROLES:
        tokens.pop()
    return "".join(tokens)


def family_name(creator: str) -> str:
    """The folded family name of a creator, for the fuzzy key.

    "Family, Given" gives Family; "Given Family" (Latin, Cyrillic, Thai, ...) gives the last
    token that is not an initial ("Толстой Л. Н." -> толстои); a CJK name gives the whole name.
    Names written family-first without a comma in Latin script (Vietnamese, pinyin) give the
    given name instead; that only loses links between records that order the name differently.
    """
    name = _PARENTHESISED.sub(" ", unicodedata.normalize("NFKC", creator)).strip()
    if _is_cjk(name):
        return fold_text(_cjk_family_name(name))
    if _COMMAS.search(name):
        return fold_text(_COMMAS.split(name, maxsplit=1)[0])
    tokens = name.split()
    names = [token for token in tokens if not _is_initial(token)] or tokens
    return fold_text(names[-1]) if names else ""


# --- identifiers ------------------------------------------------------------------------------

_DOI_PREFIX = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_HANDLE_PREFIX = re.compile(r"^(?:hdl:\s*|info:hdl/|https?://hdl\.handle\.net/)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_doi(value: str) -> str | None:
    """Bare lowercase DOI ("10.x/y"); DOIs are case-insensitive. None if it is not one."""
    doi = _DOI_PREFIX.sub("", value.strip()).strip().lower()
    return doi if doi.startswith("10.") and "/" in doi else None


def normalise_handle(value: str) -> str | None:
    """Bare lowercase handle ("prefix/suffix"); handles are case-insensitive in ASCII."""
    handle = _HANDLE_PREFIX.sub("", value.strip()).strip().lower()
    return handle if "/" in handle and " " not in handle else None


def normalise_isbn(value: str) -> str | None:
    """ISBN-13 digits with a valid check digit (ISBN-10 converted); None otherwise."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        if sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits)) % 11:
            return None
        digits = "978" + digits[:9]
        return digits + str(-sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10)
    if re.fullmatch(r"97[89]\d{10}", digits):
        total = sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))
        return digits if total % 10 == 0 else None
    return None


def normalise_issn(value: str) -> str | None:
    """ISSN as NNNN-NNNC with a valid check character; None otherwise."""
    chars = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"\d{7}[\dX]", chars):
        return None
    total = sum((8 - i) * int(c) for i, c in enumerate(chars[:7]))
    check = (11 - total % 11) % 11
    return f"{chars[:4]}-{chars[4:]}" if chars[7] == ("X" if check == 10 else str(check)) else None


def normalise_url(value: str) -> str | None:
    """URL without scheme, default port, fragment or trailing slash; lowercase host."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp") or not parts.hostname:
        return None
    host = parts.hostname
    if port is not None and str(port) != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    url = host + parts.path.rstrip("/")
    return f"{url}?{parts.query}" if parts.query else url


# --- match keys -------------------------------------------------------------------------------


def _values(identifiers: Mapping[str, Any], kind: str) -> list[str]:
    values = identifiers.get(kind) or []
    return [str(v) for v in values] if isinstance(values, list | tuple) else [str(values)]


def _identifier_keys(identifiers: Mapping[str, Any], title: str) -> list[MatchKey]:
    """Strong keys, in KEY_KINDS order; DOI and handle URLs count as DOIs and handles."""
    found: dict[str, list[str]] = {kind: [] for kind in STRONG_KINDS}
    found[DOI] += [d for v in _values(identifiers, "doi") if (d := normalise_doi(v))]
    found[ISBN] += [i for v in _values(identifiers, "isbn") if (i := normalise_isbn(v))]
    if title:
        issns = (normalise_issn(v) for v in _values(identifiers, "issn"))
        found[ISSN_TITLE] += [f"{issn}|{title}" for issn in issns if issn]
    found[HANDLE] += [h for v in _values(identifiers, "handle") if (h := normalise_handle(v))]
    for value in _values(identifiers, "url"):
        url = normalise_url(value)
        if url is None:
            continue
        host = url.split("/", 1)[0]
        if host in ("doi.org", "dx.doi.org") and (doi := normalise_doi(value)):
            found[DOI].append(doi)
        elif host == "hdl.handle.net" and (handle := normalise_handle(value)):
            found[HANDLE].append(handle)
        else:
            found[URL].append(url)
    return [(kind, value) for kind in STRONG_KINDS for value in dict.fromkeys(found[kind])]


def _fuzzy_key(row: Mapping[str, Any], title: str) -> MatchKey | None:
    creators = row.get("creators") or []
    year = row.get("year")
    if not (title and creators and isinstance(year, int | str) and str(year).strip()):
        return None
    family = family_name(str(creators[0]))
    return (FUZZY, f"{title}|{family}|{str(year).strip()}") if family else None


def match_keys(row: Mapping[str, Any]) -> list[MatchKey]:
    """The keys a record can be linked by: strong identifier keys first, then the fuzzy key."""
    if row.get("deleted"):
        return []
    titles = [row.get("title"), *(row.get("titles") or [])]
    title = next((f for t in titles if t and (f := fold_title(str(t)))), "")
    keys = _identifier_keys(row.get("identifiers") or {}, title)
    fuzzy = _fuzzy_key(row, title)
    return [*keys, fuzzy] if fuzzy else keys


# --- clustering -------------------------------------------------------------------------------


def cluster_id_for(members: Iterable[RecordRef]) -> str:
    """Deterministic id of a cluster: a short hash of its smallest member."""
    source, identifier = min(members)
    digest = hashlib.blake2b(f"{source}\x1f{identifier}".encode(), digest_size=8)
    return digest.hexdigest()


@dataclass
class _Group:
    """What the fuzzy and strong-key safety checks need to know about a forming cluster."""

    members: list[RecordRef]
    dois: set[str]
    isbns: set[str]
    kinds: set[str] = field(default_factory=set)

    @property
    def sources(self) -> set[str]:
        return {source for source, _ in self.members}


def _differ(one: set[str], other: set[str]) -> bool:
    """Both carry identifiers of a kind and have none in common."""
    return bool(one) and bool(other) and one.isdisjoint(other)


class _Linker:
    """Union-find over one closed region of records (every active key's records are in it)."""

    def __init__(self, region: Mapping[RecordRef, Sequence[MatchKey]]) -> None:
        self.parent: dict[RecordRef, RecordRef] = {ref: ref for ref in region}
        self.groups: dict[RecordRef, _Group] = {}
        for ref, keys in region.items():
            dois = {value for kind, value in keys if kind == DOI}
            isbns = {value for kind, value in keys if kind == ISBN}
            self.groups[ref] = _Group([ref], dois, isbns)

    def find(self, ref: RecordRef) -> RecordRef:
        root = ref
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[ref] != root:  # path compression
            self.parent[ref], ref = root, self.parent[ref]
        return root

    def apply(self, kind: str, refs: Sequence[RecordRef]) -> None:
        """Merge the groups of refs through one key, or leave them all apart if unsafe."""
        roots = sorted({self.find(ref) for ref in refs})
        if len(roots) < 2 or not self._safe(kind, [self.groups[root] for root in roots]):
            return
        keep = roots[0]
        for root in roots[1:]:
            self._union(keep, root)
        self.groups[keep].kinds.add(kind)

    def _safe(self, kind: str, groups: list[_Group]) -> bool:
        if kind == DOI:
            return True
        for i, one in enumerate(groups):
            for other in groups[i + 1 :]:
                if _differ(one.dois, other.dois):
                    return False
                if kind == FUZZY and (
                    _differ(one.isbns, other.isbns) or not one.sources.isdisjoint(other.sources)
                ):
                    return False
        return True

    def _union(self, keep: RecordRef, root: RecordRef) -> None:
        self.parent[root] = keep
        merged, gone = self.groups[keep], self.groups.pop(root)
        merged.members += gone.members
        merged.dois |= gone.dois
        merged.isbns |= gone.isbns
        merged.kinds |= gone.kinds

    def result(self) -> dict[RecordRef, Cluster | None]:
        found: dict[RecordRef, Cluster | None] = {}
        for group in self.groups.values():
            if len(group.members) < 2:
                found[group.members[0]] = None
                continue
            members = tuple(sorted(group.members))
            reasons = tuple(sorted(group.kinds, key=_KIND_RANK.__getitem__))
            cluster = Cluster(cluster_id_for(members), reasons[0], reasons, members)
            found.update(dict.fromkeys(members, cluster))
        return found


def _key_order(key: MatchKey) -> tuple[int, str]:
    return (_KIND_RANK.get(key[0], len(KEY_KINDS)), key[1])


def _link_region(
    region: Mapping[RecordRef, Sequence[MatchKey]],
    members_of: Callable[[MatchKey], Sequence[RecordRef] | None],
) -> dict[RecordRef, Cluster | None]:
    """Cluster a closed region: apply every active key in the fixed key order."""
    linker = _Linker(region)
    keys = {key for keys in region.values() for key in keys if key[0] in _KIND_RANK}
    for key in sorted(keys, key=_key_order):
        refs = members_of(key)
        if refs and len(refs) >= 2:
            linker.apply(key[0], refs)
    return linker.result()


class _KeyView:
    """The key graph after the changes: the stored (previous) state overlaid with new keys."""

    def __init__(
        self,
        changes: Mapping[RecordRef, Sequence[MatchKey]],
        keys_of: KeysOf,
        records_sharing: RecordsSharing,
        max_key_records: int,
    ) -> None:
        self.changes = {ref: tuple(dict.fromkeys(keys)) for ref, keys in changes.items()}
        self.keys_of = keys_of
        self.records_sharing = records_sharing
        self.cap = max_key_records
        self.old_keys = {ref: tuple(keys_of(ref)) for ref in self.changes}
        self.gained: dict[MatchKey, set[RecordRef]] = {}
        self.touched: dict[MatchKey, int] = {}
        for ref, keys in self.changes.items():
            for key in keys:
                self.gained.setdefault(key, set()).add(ref)
            for key in set(keys) | set(self.old_keys[ref]):
                self.touched[key] = self.touched.get(key, 0) + 1
        self._members: dict[MatchKey, tuple[list[RecordRef], list[RecordRef] | None]] = {}

    def keys_now(self, ref: RecordRef) -> Sequence[MatchKey]:
        return self.changes[ref] if ref in self.changes else self.keys_of(ref)

    def _lookup(self, key: MatchKey) -> tuple[list[RecordRef], list[RecordRef] | None]:
        """(records before, if the key was active then; records now, or None if inactive)."""
        if key not in self._members:
            limit = self.cap + 1 + self.touched.get(key, 0)
            old = list(self.records_sharing(key, limit))
            if len(old) >= limit:  # inactive before and, changes being fewer, now too
                self._members[key] = ([], None)
            else:
                now = [ref for ref in old if ref not in self.changes]
                now += sorted(self.gained.get(key, ()))
                before = old if len(old) <= self.cap else []
                self._members[key] = (before, now if len(now) <= self.cap else None)
        return self._members[key]

    def members_now(self, key: MatchKey) -> list[RecordRef] | None:
        return self._lookup(key)[1]

    def seeds(self) -> set[RecordRef]:
        """Changed records and every record that shared a key with them, before or now."""
        found = set(self.changes)
        for ref, keys in self.changes.items():
            for key in set(keys) | set(self.old_keys[ref]):
                before, now = self._lookup(key)
                found.update(before)
                found.update(now or ())
        return found

    def closure(self) -> dict[RecordRef, Sequence[MatchKey]]:
        """The seeds and everything connected to them through active keys, with their keys."""
        region: dict[RecordRef, Sequence[MatchKey]] = {}
        pending = list(self.seeds())
        while pending:
            ref = pending.pop()
            if ref in region:
                continue
            region[ref] = keys = self.keys_now(ref)
            for key in keys:
                pending += [other for other in self.members_now(key) or () if other not in region]
        return region


def relink(
    changes: Mapping[RecordRef, Sequence[MatchKey]],
    keys_of: KeysOf,
    records_sharing: RecordsSharing,
    *,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
) -> dict[RecordRef, Cluster | None]:
    """Recompute only the clusters that the changed records touch (before or after the change).

    ``changes`` maps each added, changed or deleted record to its new keys (``[]`` when deleted).
    ``keys_of(ref)`` and ``records_sharing(key, limit)`` read the *stored* keys, i.e. the state of
    the previous linking, not yet updated with ``changes``; ``records_sharing`` returns the records
    having that key, at most ``limit`` of them. The result maps every record whose cluster may have
    changed to its cluster (None: not linked); it equals what ``link_records`` gives on everything.
    Memory is proportional to the affected clusters and the keys around them.
    """
    view = _KeyView(changes, keys_of, records_sharing, max_key_records)
    return _link_region(view.closure(), view.members_now)


def link_records(
    items: Iterable[tuple[RecordRef, Sequence[MatchKey]]],
    *,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
) -> dict[RecordRef, Cluster | None]:
    """Link a whole set of records in memory; every given record maps to its cluster or None."""
    changes = dict(items)
    return relink(changes, lambda ref: (), lambda key, limit: (), max_key_records=max_key_records)
