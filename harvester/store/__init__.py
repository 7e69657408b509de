"""The SQLite index. sqlite-utils and SQL live in this package and nowhere else."""

from harvester.store.index import (
    PreparedPage,
    Store,
    prepare_page,
    raw_hash,
    utc_now,
    utc_now_precise,
)
from harvester.store.reads import ExportSelection, SearchFilters

__all__ = [
    "ExportSelection",
    "PreparedPage",
    "SearchFilters",
    "Store",
    "prepare_page",
    "raw_hash",
    "utc_now",
    "utc_now_precise",
]
