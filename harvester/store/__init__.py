"""The SQLite index. sqlite-utils and SQL live in this package and nowhere else."""

from harvester.store.core import (
    PreparedPage,
    Store,
    prepare_page,
    raw_hash,
    utc_now,
    utc_now_precise,
)

__all__ = [
    "PreparedPage",
    "Store",
    "prepare_page",
    "raw_hash",
    "utc_now",
    "utc_now_precise",
]
