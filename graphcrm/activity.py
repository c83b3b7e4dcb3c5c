"""Where the GraphIndex finds interactions: the protocol a store implements, and an in-memory one.

Interactions are by far the most numerous records (5,000,000 at size L). The embedded store keeps
them in SQLite and answers these questions with its indexes instead of holding them all as Python
objects; a GraphIndex built from Records alone keeps them in memory (`MemoryInteractions`). Moments
are whole microseconds since 1970 UTC (`graphcrm.times.micros`), so a window is a range of integers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Iterator, Protocol

from graphcrm.model import Interaction
from graphcrm.times import micros

__all__ = ["InteractionSource", "MemoryInteractions", "MILESTONE_KINDS", "WindowRow"]

#: Interaction kinds that change a client's grade or stage: kept in memory by the GraphIndex.
MILESTONE_KINDS = ("assessment", "handover")
#: One interaction in a window: (client, moment in microseconds, participants).
WindowRow = tuple[str, int, tuple[str, ...]]


class InteractionSource(Protocol):
    """What the GraphIndex asks about interactions (the embedded store answers from SQLite)."""

    def by_ids(self, ids: Iterable[str]) -> dict[str, Interaction]:
        """The stored interactions among `ids`."""

    def of_client(self, client: str) -> list[Interaction]:
        """Every interaction of one client."""

    def every(self) -> Iterator[Interaction]:
        """Every interaction (an export; slow at size L)."""

    def count(self) -> int:
        """How many interactions are stored."""

    def milestones(self) -> Iterator[Interaction]:
        """Every assessment and handover."""

    def window(self, start: int, end: int) -> Iterator[WindowRow]:
        """The interactions with start <= moment < end."""

    def client_window(self, client: str, start: int, end: int) -> list[tuple[str, ...]]:
        """The participants of each of one client's interactions with start <= moment < end."""

    def span(self) -> dict[str, tuple[int, int]]:
        """Client -> (first, last) moment of its interactions, for the clients that have any."""

    def span_of(self, clients: list[str]) -> dict[str, tuple[int, int]]:
        """span() for some clients only (those without interactions are left out)."""

    def last_before(self, client: str, end: int) -> int | None:
        """The latest moment < end of one client's interactions, or None."""

    def add(self, interactions: list[Interaction]) -> list[Interaction]:
        """Take note of upserted interactions (already durable); returns the versions they replaced."""


class MemoryInteractions:
    """Every interaction in memory: for a GraphIndex built from Records, without a store behind it."""

    def __init__(self) -> None:
        self._by_id: dict[str, Interaction] = {}
        self._by_client: dict[str, dict[str, Interaction]] = defaultdict(dict)

    def add(self, interactions: list[Interaction]) -> list[Interaction]:
        replaced = []
        for i in interactions:
            old = self._by_id.get(i.id)
            if old is not None:
                replaced.append(old)
                self._by_client[old.client].pop(old.id, None)
            self._by_id[i.id] = i
            self._by_client[i.client][i.id] = i
        return replaced

    def by_ids(self, ids: Iterable[str]) -> dict[str, Interaction]:
        return {i: self._by_id[i] for i in ids if i in self._by_id}

    def of_client(self, client: str) -> list[Interaction]:
        return list(self._by_client.get(client, {}).values())

    def every(self) -> Iterator[Interaction]:
        return iter(list(self._by_id.values()))

    def count(self) -> int:
        return len(self._by_id)

    def milestones(self) -> Iterator[Interaction]:
        return (i for i in self._by_id.values() if i.kind in MILESTONE_KINDS)

    def window(self, start: int, end: int) -> Iterator[WindowRow]:
        for i in self._by_id.values():
            us = micros(i.at)
            if start <= us < end:
                yield i.client, us, i.staff

    def client_window(self, client: str, start: int, end: int) -> list[tuple[str, ...]]:
        return [i.staff for i in self._by_client.get(client, {}).values() if start <= micros(i.at) < end]

    def span(self) -> dict[str, tuple[int, int]]:
        out = {}
        for client, items in self._by_client.items():
            if items:
                moments = [micros(i.at) for i in items.values()]
                out[client] = (min(moments), max(moments))
        return out

    def span_of(self, clients: list[str]) -> dict[str, tuple[int, int]]:
        everything = self.span()
        return {c: everything[c] for c in clients if c in everything}

    def last_before(self, client: str, end: int) -> int | None:
        moments = [us for i in self._by_client.get(client, {}).values() if (us := micros(i.at)) < end]
        return max(moments) if moments else None
