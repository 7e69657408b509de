"""Synthetic catalogues: millions of generated records, built once, served as byte slices.

The records of a repository are generated from a seed, in chunks (on several processes when
asked), and kept as one blob plus an index (offsets, datestamps, deleted flags, set numbers),
in memory or cached on disk and read through mmap. A page is the join of its records' byte
slices, so the server is never the bottleneck of a benchmark.

Records are sorted by datestamp (spread over 2010-2024), so a from/until window is a bisect.
`change` gives a share of the records a new datestamp (now) and a revised title; they move to
the end of the datestamp order, so an incremental run picks up exactly them.

What the records look like is a record shape: a module with `SETS` (set names), `VERSION`
(bumped when its output changes) and `render_record(rng, name, i, stamp)` returning the
<record> element's UTF-8 bytes, whether it is deleted and its set's number. `SHAPES` names the
known ones; any importable module with those three names can be given by its dotted path.
"""

from __future__ import annotations

import bisect
import importlib
import mmap
import os
import random
import re
import threading
import time
from array import array
from collections import OrderedDict
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType
from typing import Any

from harvester.demo.records import Window

SHAPES = {"synthetic": "harvester.demo.mixed", "library": "harvester.demo.library"}
CHUNK = 20_000  # records per generator chunk (the RNG is seeded per chunk: deterministic)
START = int(datetime(2010, 1, 1, tzinfo=UTC).timestamp())
SPAN = int(datetime(2024, 12, 31, tzinfo=UTC).timestamp()) - START

_TITLE = re.compile(rb"<dc:title[^>]*>(.*?)</dc:title>")
_STAMP = re.compile(rb"<datestamp>[^<]*</datestamp>")
_HEADER = re.compile(rb"<header[ >].*?</header>", re.DOTALL)


def stamp_of(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def record_shape(shape: str) -> ModuleType:
    """The module generating records of this shape (a name in SHAPES or a dotted path)."""
    return importlib.import_module(SHAPES.get(shape, shape))


def _chunk(args: tuple[str, str, int, int, int]) -> tuple[list[bytes], list[int], bytes, bytes]:
    """Records [start, start+CHUNK) of a repository: XML, datestamps, deleted flags, sets."""
    shape, name, seed, n, start = args
    render = record_shape(shape).render_record
    rng = random.Random(f"{seed}:{name}:{start}")
    step = max(1, SPAN // n)
    blobs, stamps, deleted, sets = [], [], bytearray(), bytearray()
    for i in range(start, min(n, start + CHUNK)):
        epoch = START + i * step + (i * 2654435761) % step  # sorted: i*step <= t < (i+1)*step
        data, gone, set_no = render(rng, name, i, stamp_of(epoch))
        blobs.append(data)
        stamps.append(epoch)
        deleted.append(gone)
        sets.append(set_no)
    return blobs, stamps, bytes(deleted), bytes(sets)


class _Built:
    """A repository's generated records: one blob and its index."""

    def __init__(self, n: int) -> None:
        self.offsets = array("q", [0])
        self.stamps = array("q")
        self.deleted = bytearray()
        self.sets = bytearray()
        self.n = n

    def add(self, chunk: tuple[list[bytes], list[int], bytes, bytes], out: Any) -> None:
        blobs, stamps, deleted, sets = chunk
        for data in blobs:
            out.write(data)
            self.offsets.append(self.offsets[-1] + len(data))
        self.stamps.extend(stamps)
        self.deleted += deleted
        self.sets += sets


def _generate(shape: str, name: str, seed: int, n: int, workers: int, out: Any) -> _Built:
    built = _Built(n)
    jobs = [(shape, name, seed, n, start) for start in range(0, n, CHUNK)]
    if workers <= 1 or len(jobs) == 1:
        for job in jobs:
            built.add(_chunk(job), out)
        return built
    with Pool(workers) as pool:
        for chunk in pool.imap(_chunk, jobs):
            built.add(chunk, out)
    return built


def _cached(shape: str, name: str, seed: int, n: int, workers: int, cache: Path) -> Path:
    """Generate a repository's records into the cache unless they are there; the blob's path."""
    cache.mkdir(parents=True, exist_ok=True)
    module = record_shape(shape)
    tag = "" if shape == "synthetic" else f"-{shape.replace('.', '_')}"
    blob = cache / f"{name}-s{seed}-n{n}-v{getattr(module, 'VERSION', 1)}{tag}.bin"
    index = blob.with_suffix(".idx")
    if blob.exists() and index.exists():
        return blob
    tmp = blob.with_suffix(".tmp")
    with tmp.open("wb") as out:
        built = _generate(shape, name, seed, n, workers, out)
    with index.with_suffix(".idxtmp").open("wb") as out:
        out.write(n.to_bytes(8, "little"))
        built.offsets.tofile(out)
        built.stamps.tofile(out)
        out.write(built.deleted)
        out.write(built.sets)
    os.replace(tmp, blob)
    os.replace(index.with_suffix(".idxtmp"), index)
    return blob


class _Blob:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)


class SyntheticCatalogue:
    """A repository's generated records, sorted by datestamp; a catalogue for protocol.Repository.

    With `cache`, the records are built once into that folder and read through mmap (a million
    take about a minute to build, then open at once); without, they are built in memory.
    """

    def __init__(
        self,
        name: str,
        records: int,
        *,
        seed: int = 1,
        shape: str = "synthetic",
        cache: Path | None = None,
        workers: int = 1,
    ) -> None:
        self.name, self.n, self.seed = name, records, seed
        self.set_names: tuple[str, ...] = tuple(record_shape(shape).SETS)
        self._file: Any = None
        self.data: bytes | mmap.mmap
        if cache is None:
            blob = _Blob()
            built = _generate(shape, name, seed, records, workers, blob)
            self.data = b"".join(blob.parts)
            self.offsets, self.base_stamps = built.offsets, built.stamps
            self.deleted, self.sets = bytes(built.deleted), bytes(built.sets)
        else:
            self._open(_cached(shape, name, seed, records, workers, cache))
        self.overlay: dict[int, bytes] = {}  # changed records: index -> new XML
        self.order: array[int] | None = None  # None: identity order (nothing changed)
        self.keys = self.base_stamps  # datestamp of each position in `order`
        self.generation = 0
        self.lock = threading.Lock()
        self._windows: OrderedDict[tuple[Any, ...], tuple[int, int, array[int] | None]] = (
            OrderedDict()
        )

    def _open(self, blob: Path) -> None:
        n = self.n
        with blob.with_suffix(".idx").open("rb") as f:
            if int.from_bytes(f.read(8), "little") != n:
                raise ValueError(f"{blob} holds another number of records")
            self.offsets = array("q")
            self.offsets.fromfile(f, n + 1)
            self.base_stamps = array("q")
            self.base_stamps.fromfile(f, n)
            self.deleted = f.read(n)
            self.sets = f.read(n)
        self._file = blob.open("rb")
        self.data = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)

    # the Catalogue protocol --------------------------------------------------------------
    def set_specs(self) -> tuple[str, ...]:
        return self.set_names

    def count(self, window: Window) -> int:
        lo, hi, picked = self._positions(window)
        return len(picked) if picked is not None else hi - lo

    def page(self, window: Window, offset: int, limit: int, headers_only: bool) -> bytes:
        data = self._page(self._positions(window), offset, limit)
        return b"".join(_HEADER.findall(data)) if headers_only else data

    # ----------------------------------------------------------------------------------------
    def record(self, i: int) -> bytes:
        data = self.overlay.get(i)
        return data if data is not None else self.data[self.offsets[i] : self.offsets[i + 1]]

    def change(self, percent: float) -> int:
        """Give `percent` % of the live records a new datestamp (now) and a revised title."""
        with self.lock:
            self.generation += 1
            rng = random.Random(f"{self.seed}:{self.name}:change:{self.generation}")
            count = max(1, round(self.n * percent / 100))
            chosen = sorted(i for i in rng.sample(range(self.n), count) if not self.deleted[i])
            now = int(time.time())
            stamp = f"<datestamp>{stamp_of(now)}</datestamp>".encode()
            title = f" (revised {self.generation})</dc:title>".encode()
            for i in chosen:
                data = _STAMP.sub(stamp, self.record(i), count=1)
                data = _TITLE.sub(lambda m: m.group(0)[:-11] + title, data, count=1)
                self.overlay[i] = data
            moved = set(chosen)
            old = self.order if self.order is not None else range(self.n)
            keys = self.keys
            kept = [(p, i) for p, i in enumerate(old) if i not in moved]
            self.order = array("q", [i for _, i in kept] + chosen)
            self.keys = array("q", [keys[p] for p, _ in kept] + [now] * len(chosen))
            self._windows.clear()
            return len(chosen)

    def _positions(self, window: Window) -> tuple[int, int, array[int] | None]:
        """Positions [lo, hi) of the datestamp order in the window, or those of its set."""
        keys = self.keys
        lo = bisect.bisect_left(keys, _epoch(window.from_, False)) if window.from_ else 0
        hi = bisect.bisect_right(keys, _epoch(window.until, True)) if window.until else len(keys)
        hi = max(lo, hi)
        if not window.set_spec:
            return lo, hi, None
        if window.set_spec not in self.set_names:
            return 0, 0, None
        key = (self.generation, lo, hi, window.set_spec)
        with self.lock:
            if key in self._windows:
                self._windows.move_to_end(key)
                return self._windows[key]
        want = self.set_names.index(window.set_spec)
        order = self.order
        picked = array(
            "q",
            (p for p in range(lo, hi) if self.sets[order[p] if order is not None else p] == want),
        )
        result = (0, len(picked), picked)
        with self.lock:
            self._windows[key] = result
            while len(self._windows) > 16:
                self._windows.popitem(last=False)
        return result

    def _page(self, positions: tuple[int, int, array[int] | None], cursor: int, size: int) -> bytes:
        lo, hi, picked = positions
        if picked is not None:
            start, stop = cursor, min(len(picked), cursor + size)
            idx: Any = (picked[p] for p in range(start, stop))
            if self.order is not None:
                order = self.order
                idx = (order[p] for p in idx)
            return b"".join(self.record(i) for i in idx)
        start, stop = lo + cursor, min(hi, lo + cursor + size)
        if self.order is not None:
            return b"".join(self.record(i) for i in self.order[start:stop])
        # untouched records: one contiguous slice of the blob
        return self.data[self.offsets[start] : self.offsets[stop]] if stop > start else b""


def _epoch(value: str, end: bool) -> int:
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        return int(day.timestamp()) + (86399 if end else 0)
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
