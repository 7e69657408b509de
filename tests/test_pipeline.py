"""The threads around the harvest keep order, pass failures on and stop cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from harvester.harvest.pipeline import OrderedWriter, Prefetch


def test_prefetch_keeps_order_and_runs_in_another_thread() -> None:
    threads = set()

    def numbers() -> Iterator[int]:
        for n in range(50):
            threads.add(threading.current_thread().name)
            yield n

    assert list(Prefetch(numbers())) == list(range(50))
    assert threads == {"prefetch"}


def test_prefetch_raises_the_producers_error_where_it_happened() -> None:
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 broke")

    seen = []
    with pytest.raises(ValueError, match="page 3 broke"):
        for item in Prefetch(failing()):
            seen.append(item)
    assert seen == [1, 2]


def test_prefetch_close_stops_an_endless_producer() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    pages = Prefetch(endless(), depth=2)
    assert next(iter(pages)) == 0
    pages.close()
    assert closed.wait(2)


def test_writer_runs_writes_in_order_and_reports_each_once() -> None:
    done: list[int] = []
    order: list[int] = []
    writer: OrderedWriter[int] = OrderedWriter(done.append, depth=2)

    def write(n: int) -> int:
        order.append(n)
        return n * 10

    for n in range(20):
        writer.submit(write, n)
    writer.drain()
    writer.close()
    assert order == list(range(20))
    assert done == [n * 10 for n in range(20)]


def test_writer_failure_surfaces_and_nothing_after_it_is_written() -> None:
    done: list[int] = []
    ran: list[int] = []
    writer: OrderedWriter[int] = OrderedWriter(done.append, depth=5)

    def write(n: int) -> int:
        ran.append(n)
        if n == 3:
            raise RuntimeError("disk full")
        return n

    with pytest.raises(RuntimeError, match="disk full"):
        for n in range(6):
            writer.submit(write, n)
        writer.drain()
    writer.close()
    assert done == [0, 1, 2]
    assert ran == [0, 1, 2, 3]  # pages after the failed one are never written


def test_depth_zero_runs_inline_in_the_callers_thread() -> None:
    threads: set[str] = set()

    def numbers() -> Iterator[int]:
        threads.add(threading.current_thread().name)
        yield from range(3)

    assert list(Prefetch(numbers(), depth=0)) == [0, 1, 2]
    assert threads == {threading.current_thread().name}

    done: list[str] = []
    writer: OrderedWriter[str] = OrderedWriter(done.append, depth=0)
    writer.submit(lambda: threading.current_thread().name)
    assert done == [threading.current_thread().name]  # written before submit returned
    writer.close()
