"""Worker processes for pure, CPU-bound work: a harvest's pages, `link --full`'s keys.

Pure Python work holds the GIL: one process uses one core however many threads it runs. The
workers come from a fork server that imported the harvester once, so starting one is cheap
and no lock held by another thread of the parent is copied into it. Ctrl-C is the parent's to
handle (it finishes or rolls back what is under way), and a worker whose parent was killed
leaves by itself.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def default_workers() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def start_fork_server(preload: str) -> multiprocessing.context.ForkServerContext:
    """Start the fork server (if no pool of this process started it yet) and return its
    context; `preload` is the module it imports first: one that ignores Ctrl-C at import, so
    that a worker ignores it from its first instruction, not only from its initializer on."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([preload])
    multiprocessing.forkserver.ensure_running()
    return context


def process_pool(workers: int, preload: str) -> ProcessPoolExecutor:
    """A pool of `workers` processes from the fork server, each set up by `start_worker`."""
    return ProcessPoolExecutor(
        workers,
        mp_context=start_fork_server(preload),
        initializer=start_worker,
        initargs=(os.getpid(),),
    )


def start_worker(parent_pid: int) -> None:
    """Initialise a worker process: Ctrl-C is the parent's to handle, and no orphans.

    A terminal sends SIGINT to the whole process group; the parent finishes its step and
    stops the pool, so a worker must not die of it first. If the parent is killed (kill -9),
    nothing would tell the idle workers (nor their fork server, which waits for them): they
    look for it twice a second and leave when it is gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while _alive(parent_pid):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether the process runs: not gone, not someone else's, not a zombie (killed, and
    its own parent has not reaped it yet: it still answers signals)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the number: ours is gone
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read()
    except OSError:  # no /proc here: the signal is all there is to go by
        return True
    return fields[fields.rfind(b")") + 2 :][:1] != b"Z"
