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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from harvester.link.keys import (
    DEFAULT_MAX_KEY_RECORDS,
    DOI,
    FUZZY,
    ISBN,
    KEY_KINDS,
    KeysOf,
    MatchKey,
    RecordRef,
    RecordsSharing,
)

_KIND_RANK = {kind: rank for rank, kind in enumerate(KEY_KINDS)}


@dataclass(frozen=True)
class Cluster:
    """Two or more records taken to describe the same work."""

    cluster_id: str
    reason: str
    reasons: tuple[str, ...]
    members: tuple[RecordRef, ...]  # sorted


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
