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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from harvester.link.keys import (
    DEFAULT_MAX_KEY_RECORDS,
    DOI,
    FUZZY,
    ISBN,
    KEY_KINDS,
    MatchKey,
    RecordRef,
    StoredKeys,
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
    """The key graph after the changes: the stored (previous) state overlaid with new keys.

    The store is read in batches, a whole frontier of records or keys per call, and only for
    what earlier reads do not already tell: when every stored record of a key is one whose keys
    were read, the key's records are known without asking.
    """

    def __init__(
        self,
        changes: Mapping[RecordRef, Sequence[MatchKey]],
        stored: StoredKeys,
        max_key_records: int,
        old_keys: Mapping[RecordRef, Sequence[MatchKey]] | None,
    ) -> None:
        self.changes = {ref: tuple(dict.fromkeys(keys)) for ref, keys in changes.items()}
        self.stored = stored
        self.cap = max_key_records
        self.stored_keys: dict[RecordRef, tuple[MatchKey, ...]] = {}
        self.holders: dict[MatchKey, set[RecordRef]] = {}  # read records having each key
        if old_keys is None:
            old_keys = stored.match_keys_of(list(self.changes))
        self._remember(old_keys, self.changes)
        self.gained: dict[MatchKey, set[RecordRef]] = {}
        touched: dict[MatchKey, int] = {}
        for ref, keys in self.changes.items():
            for key in keys:
                self.gained.setdefault(key, set()).add(ref)
            for key in set(keys) | set(self.stored_keys[ref]):
                touched[key] = touched.get(key, 0) + 1
        # Records of a key are counted up to this: a key having more had more than the cap
        # before and, the changes being fewer, still has now; it links nothing either time.
        self.limit = self.cap + 1 + max(touched.values(), default=0)
        self._members: dict[MatchKey, tuple[list[RecordRef], list[RecordRef] | None]] = {}
        self._lookup(touched)

    def _remember(
        self, found: Mapping[RecordRef, Sequence[MatchKey]], refs: Iterable[RecordRef]
    ) -> None:
        for ref in refs:
            self.stored_keys[ref] = keys = tuple(found.get(ref, ()))
            for key in keys:
                self.holders.setdefault(key, set()).add(ref)

    def _load(self, refs: Iterable[RecordRef]) -> None:
        missing = [ref for ref in refs if ref not in self.stored_keys]
        if missing:
            self._remember(self.stored.match_keys_of(missing), missing)

    def keys_now(self, ref: RecordRef) -> Sequence[MatchKey]:
        return self.changes[ref] if ref in self.changes else self.stored_keys[ref]

    def _lookup(self, keys: Iterable[MatchKey]) -> None:
        """Learn each key's (records before, if active then; records now, or None if inactive)."""
        keys = [key for key in keys if key not in self._members]
        if not keys:
            return
        counts = self.stored.count_sharing(keys, self.limit)
        unread = {
            key
            for key in keys
            if 0 < counts.get(key, 0) < self.limit and counts[key] != len(self.holders.get(key, ()))
        }
        read = self.stored.records_sharing(unread) if unread else {}
        for key in keys:
            if counts.get(key, 0) >= self.limit:
                self._members[key] = ([], None)
                continue
            old = list(read.get(key, ())) if key in unread else sorted(self.holders.get(key, ()))
            now = [ref for ref in old if ref not in self.changes]
            now += sorted(self.gained.get(key, ()))
            before = old if len(old) <= self.cap else []
            self._members[key] = (before, now if len(now) <= self.cap else None)

    def members_now(self, key: MatchKey) -> list[RecordRef] | None:
        return self._members[key][1]

    def seeds_of(self, ref: RecordRef) -> set[RecordRef]:
        """A changed record and every record that shared an active key with it, before or now."""
        found = {ref}
        for key in set(self.changes[ref]) | set(self.stored_keys[ref]):
            before, now = self._members[key]
            found.update(before)
            found.update(now or ())
        return found

    def closure(self, seeds: Iterable[RecordRef]) -> dict[RecordRef, Sequence[MatchKey]]:
        """The seeds and everything connected to them through active keys, with their keys.

        Breadth first, so each step reads the keys of a whole frontier at once.
        """
        region: dict[RecordRef, Sequence[MatchKey]] = {}
        frontier = set(seeds)
        while frontier:
            self._load(frontier)
            keys: set[MatchKey] = set()
            for ref in frontier:
                region[ref] = self.keys_now(ref)
                keys.update(region[ref])
            self._lookup(keys)
            frontier = {
                other
                for key in keys
                for other in self.members_now(key) or ()
                if other not in region
            }
        return region


def relink(
    changes: Mapping[RecordRef, Sequence[MatchKey]],
    stored: StoredKeys,
    *,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
    old_keys: Mapping[RecordRef, Sequence[MatchKey]] | None = None,
) -> dict[RecordRef, Cluster | None]:
    """Recompute only the clusters that the changed records touch (before or after the change).

    ``changes`` maps each added, changed or deleted record to its new keys (``[]`` when deleted).
    ``stored`` reads the keys of the previous linking, not yet updated with ``changes``;
    ``old_keys``, if the caller has read them, are the changed records' stored keys. The result
    maps every record whose cluster may have changed to its cluster (None: not linked); it equals
    what ``link_records`` gives on everything. Memory is proportional to the affected clusters
    and the keys around them.

    Most changed records share no key with any other record, before or after: they are unlinked,
    and no cluster needs forming for them (the fast path of a nightly run and of ``--full``).
    """
    view = _KeyView(changes, stored, max_key_records, old_keys)
    found: dict[RecordRef, Cluster | None] = {}
    seeds: set[RecordRef] = set()
    for ref in view.changes:
        around = view.seeds_of(ref)
        if len(around) == 1:
            found[ref] = None
        else:
            seeds |= around
    if seeds:
        found.update(_link_region(view.closure(seeds), view.members_now))
    return found


def link_closed(
    region: Mapping[RecordRef, Sequence[MatchKey]],
    *,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
    common: Collection[MatchKey] = (),
) -> dict[RecordRef, Cluster | None]:
    """Link records no other record shares a key with (whole works), as `link_records` does.

    Nothing outside the region can take part, so the records of each key are read off the
    region itself: no graph of changes over a previous state to keep (`relink`), half the
    time on `link --full`. `common` keys link nothing (held by too many records outside).
    """
    holders: dict[MatchKey, list[RecordRef]] = {}
    for ref, keys in region.items():
        for key in dict.fromkeys(keys):
            holders.setdefault(key, []).append(ref)

    def members_of(key: MatchKey) -> list[RecordRef] | None:
        refs = holders.get(key)
        return None if refs is None or len(refs) > max_key_records or key in common else refs

    return _link_region(region, members_of)


class _NothingStored:
    """The store of an index never linked: no keys, but those known to be too common."""

    def __init__(self, common: Collection[MatchKey] = ()) -> None:
        self.common = common

    def match_keys_of(self, refs: Collection[RecordRef]) -> dict[RecordRef, list[MatchKey]]:
        return {}

    def count_sharing(self, keys: Collection[MatchKey], limit: int) -> dict[MatchKey, int]:
        return {key: limit for key in keys if key in self.common}

    def records_sharing(self, keys: Collection[MatchKey]) -> dict[MatchKey, list[RecordRef]]:
        return {}


def link_records(
    items: Iterable[tuple[RecordRef, Sequence[MatchKey]]],
    *,
    max_key_records: int = DEFAULT_MAX_KEY_RECORDS,
    common: Collection[MatchKey] = (),
) -> dict[RecordRef, Cluster | None]:
    """Link a whole set of records in memory; every given record maps to its cluster or None.

    `common` keys are held by more than `max_key_records` records outside `items` too: they
    link nothing, though a record's DOIs and ISBNs among them still keep unsafe merges apart.
    """
    return relink(dict(items), _NothingStored(common), max_key_records=max_key_records)
