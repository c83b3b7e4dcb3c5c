"""Helpers for bulk work on millions of records: pausing the cyclic garbage collector, reading ahead in a thread."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from queue import Empty, Full, Queue
from typing import Iterable, Iterator, TypeVar

__all__ = ["gc_paused", "prefetched"]

T = TypeVar("T")
_DONE = object()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a bulk load.

    Our records hold no reference cycles, but creating millions of them triggers repeated full
    collections that re-scan the whole heap; pausing it cuts loading time at size M by a third.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def prefetched(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """`items`, made by a background thread at most `depth` ahead of the consumer.

    An import reads and parses its next chunk while the database writes this one (a driver or SQLite
    call waiting on I/O releases the GIL). Memory stays bounded by `depth` + 1 items. An exception in
    the producer is raised in the consumer; a consumer that stops early stops the producer.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, _DONE))
        except BaseException as exc:  # handed to the consumer, which raises it
            put((False, exc))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            try:
                ok, item = queue.get(timeout=0.1)
            except Empty:
                if not thread.is_alive() and queue.empty():
                    raise RuntimeError("the prefetching thread ended without a result") from None
                continue
            if not ok:
                raise item  # type: ignore[misc]
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
