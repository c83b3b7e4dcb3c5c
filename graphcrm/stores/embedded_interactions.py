"""The embedded store's interactions, read from SQLite through covering indexes instead of held in memory.

`ts` is the interaction's moment in whole microseconds since 1970 UTC (graphcrm.times.micros), kept
beside the ISO `at` so that windows and "latest before" are integer ranges on an index:
`interaction_client_ts (client, ts, staff)` answers one client's questions, `interaction_ts (ts,
client, staff)` a window over every client, `interaction_milestone` the assessments and handovers.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from typing import Iterable, Iterator

from graphcrm.activity import WindowRow
from graphcrm.model import Interaction

__all__ = ["SqliteInteractions", "COLUMNS", "interaction_row", "staff_in", "staff_out", "at_out"]

COLUMNS = ("id", "client", "kind", "at", "staff", "amount", "summary", "grade", "score", "stage")
_SELECT = "SELECT id, client, kind, at, staff, amount, summary, grade, score, stage FROM interaction"
_CHUNK = 500


def staff_out(value: tuple[str, ...]) -> str:
    return ";".join(value)


def staff_in(value: str) -> tuple[str, ...]:
    return tuple(value.split(";")) if value else ()


def at_out(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()


def interaction_row(row: tuple) -> Interaction:
    i, client, kind, at, staff, amount, summary, grade, score, stage = row
    return Interaction(i, client, kind, datetime.fromisoformat(at), staff_in(staff), amount, summary, grade, score, stage)


class SqliteInteractions:
    """graphcrm.activity.InteractionSource over the embedded store's SQLite connection (and its lock)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self._db, self._lock = db, lock

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def by_ids(self, ids: Iterable[str]) -> dict[str, Interaction]:
        ids = list(ids)
        found: dict[str, Interaction] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._rows(f"{_SELECT} WHERE id IN ({marks})", chunk):
                found[row[0]] = interaction_row(row)
        return found

    def of_client(self, client: str) -> list[Interaction]:
        return [interaction_row(r) for r in self._rows(f"{_SELECT} WHERE client = ? ORDER BY ts, id", (client,))]

    def every(self) -> Iterator[Interaction]:
        return (interaction_row(r) for r in self._rows(_SELECT))

    def count(self) -> int:
        return self._rows("SELECT count(*) FROM interaction")[0][0]

    def milestones(self) -> Iterator[Interaction]:
        return (interaction_row(r) for r in self._rows(f"{_SELECT} WHERE kind IN ('assessment', 'handover')"))

    def window(self, start: int, end: int) -> Iterator[WindowRow]:
        rows = self._rows("SELECT client, ts, staff FROM interaction WHERE ts >= ? AND ts < ?", (start, end))
        return ((client, ts, tuple(staff.split(";")) if staff else ()) for client, ts, staff in rows)

    def client_window(self, client: str, start: int, end: int) -> list[tuple[str, ...]]:
        rows = self._rows("SELECT staff FROM interaction WHERE client = ? AND ts >= ? AND ts < ?", (client, start, end))
        return [staff_in(staff) for (staff,) in rows]

    def span(self) -> dict[str, tuple[int, int]]:
        rows = self._rows("SELECT client, min(ts), max(ts) FROM interaction GROUP BY client")
        return {client: (first, last) for client, first, last in rows}

    def span_of(self, clients: list[str]) -> dict[str, tuple[int, int]]:
        out = {}
        for client in clients:
            first, last = self._rows("SELECT min(ts), max(ts) FROM interaction WHERE client = ?", (client,))[0]
            if first is not None:
                out[client] = (first, last)
        return out

    def last_before(self, client: str, end: int) -> int | None:
        return self._rows("SELECT max(ts) FROM interaction WHERE client = ? AND ts < ?", (client, end))[0][0]

    def add(self, interactions: list[Interaction]) -> list[Interaction]:
        """Nothing to hold: the store wrote them, and tells the index what they replaced."""
        return []
