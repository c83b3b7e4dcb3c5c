"""The sources a mapping reads, held in memory: column positions, and the key indexes lookups and aggregates use."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from graphcrm.errors import MappingError
from graphcrm.sources import delimiter_hint

__all__ = ["Source"]


@dataclass
class Source:
    """One source table: its name in the mapping, how errors show it, its header and rows (cells already trimmed)."""

    name: str
    shown: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    positions: dict[str, int] = field(default_factory=dict)
    _indexes: dict[int, dict[str, list[int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = {column: n for n, column in enumerate(self.header)}

    def position(self, column: str, where: str) -> int:
        """Where `column` sits in a row; a missing column is a mapping error that lists the columns there are."""
        if column in self.positions:
            return self.positions[column]
        close = difflib.get_close_matches(column, self.header, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        shown = ", ".join(self.header[:40]) + (f", ... ({len(self.header)} in all)" if len(self.header) > 40 else "")
        raise MappingError(f"{where}: no column {column!r} in {self.shown}{hint} (its columns: {shown})"
                           f"{delimiter_hint(self.header)}")

    def index(self, position: int) -> dict[str, list[int]]:
        """Row numbers (into `rows`) by the value of one column, built once per column."""
        found = self._indexes.get(position)
        if found is None:
            found = {}
            for n, (_, cells) in enumerate(self.rows):
                key = cells[position]
                bucket = found.get(key)
                if bucket is None:
                    found[key] = [n]
                else:
                    bucket.append(n)
            self._indexes[position] = found
        return found

    def lines(self, numbers: list[int], most: int = 5) -> str:
        shown = ", ".join(str(self.rows[n][0]) for n in numbers[:most])
        return shown + (", ..." if len(numbers) > most else "")
