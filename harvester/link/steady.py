"""Changes of match keys that provably leave every cluster as stored, told without forming any.

The common change in a linked index is an edited title (or creator, or year) of a record whose
cluster its identifiers formed: its fuzzy key changes, the work it belongs to does not. Forming
its cluster again means reading the keys of every other member and of every key they hold
(about 750 us a record in clusters of ten at 1M records); this check costs one counting query.

Why a record ``r`` of stored cluster ``C`` that passes the check keeps every cluster as stored
(the rules are those of ``harvester.link.clusters``):

1. Only fuzzy keys of ``r`` change, so every strong key has the records it had, and each
   forming group carries the DOIs and ISBNs it carried.
2. ``r`` holds a strong key ``s`` whose records are exactly ``C`` (no more than the cap). After
   the DOI keys are applied, groups that carry DOIs carry disjoint sets (a DOI's records are
   in one group) and no later key may merge two of them; so when ``s`` is applied its groups
   carry no two different DOIs (else they could never end in one cluster, as they did in
   ``C``) and ``s`` merges them: ``C`` is one group before any fuzzy key is applied. Nothing
   up to then changed (1), and ``s`` keeps its records: this holds after the change too.
3. Every fuzzy key ``r`` loses or gains is held, before and after, by records of ``C`` only:
   applied to one group, it merges nothing either time, and every other key is applied to the
   same groups as before.

Other changes of the same batch are formed as usual (``relink``); the caller checks that none
of them reached a checked cluster (a record of ``C`` among the records they affect), and forms
again with everything if one did.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from harvester.link.keys import FUZZY, KEY_KINDS, MatchKey, RecordRef

KeyInCluster = tuple[str, str, str]  # (cluster id, kind, key)


class ClusterKeyCounts(Protocol):
    def key_reach(
        self, items: Collection[KeyInCluster], limit: int
    ) -> Mapping[KeyInCluster, tuple[int, int]]:
        """For each (cluster, key): the records having the key and those of them in the
        cluster, counted up to `limit`."""
        ...

    def cluster_sizes(self, cluster_ids: Collection[str], limit: int) -> Mapping[str, int]:
        """The records of each cluster, counted up to `limit`."""
        ...


def steady_changes(
    changes: Mapping[RecordRef, Sequence[MatchKey]],
    old_keys: Mapping[RecordRef, Sequence[MatchKey]],
    current: Mapping[RecordRef, tuple[Any, ...]],
    stored: ClusterKeyCounts,
    max_key_records: int,
) -> dict[RecordRef, str]:
    """The changed records whose new keys leave every cluster as stored, with their cluster id.

    `changes` are the records whose keys changed (new keys), `old_keys` their stored keys,
    `current` their stored (cluster id, reason). Strong keys are tried strongest first, one a
    round: the first spans the cluster nearly always.
    """
    gained: dict[MatchKey, set[RecordRef]] = {}
    lost: dict[MatchKey, set[RecordRef]] = {}
    sets = {ref: (set(keys), set(old_keys.get(ref, ()))) for ref, keys in changes.items()}
    for ref, (new, old) in sets.items():
        for key in new - old:
            gained.setdefault(key, set()).add(ref)
        for key in old - new:
            lost.setdefault(key, set()).add(ref)
    spoiled: set[str] = set()  # clusters with a change the check cannot vouch for
    tries: dict[RecordRef, tuple[str, list[MatchKey]]] = {}
    edited: dict[RecordRef, tuple[str, set[MatchKey]]] = {}
    for ref, (new, old) in sets.items():
        cluster_id = current.get(ref, (None,))[0]
        if cluster_id is None:
            continue
        if any(kind != FUZZY for kind, _ in new ^ old):
            spoiled.add(cluster_id)
            continue
        # A strong key another change adds a record to or takes one from proves nothing.
        strong = [k for k in new & old if k[0] != FUZZY and k not in gained and k not in lost]
        tries[ref] = (cluster_id, sorted(strong, key=_strongest_first, reverse=True))
        edited[ref] = (cluster_id, new ^ old)
    limit = max_key_records + 2
    sizes = stored.cluster_sizes({cid for cid, _ in tries.values()}, limit)
    asked = {(cid, *key) for cid, fuzzy in edited.values() for key in fuzzy}
    spanned: set[RecordRef] = set()
    reach: dict[KeyInCluster, tuple[int, int]] = {}
    while tries:
        round_ = {ref: (cid, strong.pop()) for ref, (cid, strong) in tries.items() if strong}
        asked |= {(cid, *key) for cid, key in round_.values()}
        reach.update(stored.key_reach(asked, limit))
        asked = set()
        for ref, (cid, key) in round_.items():
            if _spans(reach.get((cid, *key)), sizes.get(cid, 0), max_key_records):
                spanned.add(ref)
        tries = {ref: tried for ref, tried in tries.items() if ref not in spanned and tried[1]}
    found: dict[RecordRef, str] = {}
    for ref, (cid, fuzzy) in edited.items():
        if ref in spanned and _fuzzy_within(cid, fuzzy, reach, gained, current, limit):
            found[ref] = cid
        else:
            spoiled.add(cid)
    return {ref: cid for ref, cid in found.items() if cid not in spoiled}


def _strongest_first(key: MatchKey) -> tuple[int, str]:
    return (KEY_KINDS.index(key[0]), key[1])


def _fuzzy_within(
    cid: str,
    fuzzy: set[MatchKey],
    reach: Mapping[KeyInCluster, tuple[int, int]],
    gained: Mapping[MatchKey, set[RecordRef]],
    current: Mapping[RecordRef, tuple[Any, ...]],
    limit: int,
) -> bool:
    """Point 3: every record of each fuzzy key lost or gained, stored or gaining it in this
    batch, is of the cluster."""
    return all(_within(reach.get((cid, *key)), limit) for key in fuzzy) and all(
        current.get(other, (None,))[0] == cid for key in fuzzy for other in gained.get(key, ())
    )


def _spans(counts: tuple[int, int] | None, size: int, cap: int) -> bool:
    """The key's records are exactly the cluster's, and few enough to link."""
    return counts is not None and counts[0] == counts[1] == size <= cap


def _within(counts: tuple[int, int] | None, limit: int) -> bool:
    """Every stored record of the key is in the cluster (or it has none). A key counted up to
    the limit is not vouched for: the batch's changes may bring it under the cap."""
    return counts is None or counts[0] == counts[1] < limit
