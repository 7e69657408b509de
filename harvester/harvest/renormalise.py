"""Rebuild every normalised field from the stored raw XML, offline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from harvester import normalise
from harvester.models import Source
from harvester.store import Store


@dataclass(frozen=True)
class RenormaliseResult:
    source: str
    records: int
    changed: int
    # {normalised field: records whose value of it changed}, most changed first
    fields: dict[str, int] = field(default_factory=dict)


def renormalise_sources(
    store: Store,
    sources: Sequence[Source],
    progress: Callable[[str, int], None] | None = None,
) -> list[RenormaliseResult]:
    """Re-run normalisation on every live record of each source; changed rows are re-linked.

    Each source's settings (its default_language) are stored with it, so a later run without
    the config normalises the same way: see `indexed_source`.
    """
    results = []
    for source in sources:
        store.save_default_language(source.name, source.default_language)
        seen = changed = 0
        fields: dict[str, int] = {}
        for batch in store.iter_raw(source.name):
            updates = [
                (
                    identifier,
                    normalise.normalise_record(
                        normalise.parse_record_xml(raw_xml), source.default_language
                    ),
                )
                for identifier, raw_xml in batch
            ]
            changed += store.update_fields(source.name, updates, fields)
            seen += len(batch)
            if progress is not None:
                progress(source.name, seen)
        by_count = dict(sorted(fields.items(), key=lambda item: (-item[1], item[0])))
        results.append(RenormaliseResult(source.name, seen, changed, by_count))
    return results


def indexed_source(store: Store, name: str) -> Source:
    """A source as the index knows it, with the settings its records were normalised with."""
    row = store.source_row(name) or {}
    return Source(
        name=name, endpoint=row.get("endpoint") or "", default_language=row.get("default_language")
    )
