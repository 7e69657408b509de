"""The SQLite index. sqlite-utils and SQL live in this package and nowhere else."""

from harvester.store.core import Store, raw_hash, utc_now, utc_now_precise

__all__ = ["Store", "raw_hash", "utc_now", "utc_now_precise"]
