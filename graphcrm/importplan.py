"""What an import changes: each incoming record is new, changed or unchanged against its stored version.

Every import says so in these words (a re-import says nothing changed), a dry run says it without
writing, and only the new and changed records are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphcrm.model import Records

__all__ = ["ImportPlan", "plan_import"]


@dataclass
class ImportPlan:
    records: Records                     # everything the import brings, validated
    changes: Records                     # the new and changed records: what a write stores
    counts: dict[str, tuple[int, int, int]] = field(default_factory=dict)   # kind -> (new, changed, unchanged)

    @property
    def nothing_changed(self) -> bool:
        return not any(new or changed for new, changed, _ in self.counts.values())

    def add(self, part: "ImportPlan") -> None:
        """Count a further part of the same import (a chunk of a big folder); its records are not kept."""
        for kind, figures in part.counts.items():
            before = self.counts.get(kind, (0, 0, 0))
            self.counts[kind] = tuple(a + b for a, b in zip(before, figures))  # type: ignore[assignment]

    def totals(self) -> tuple[int, int, int]:
        return tuple(sum(c[i] for c in self.counts.values()) for i in range(3))  # type: ignore[return-value]

    def lines(self) -> list[str]:
        """One line per kind the import brings: 'clients: 2 new, 1 changed, 297 unchanged'."""
        return [f"{kind}: {new} new, {changed} changed, {same} unchanged" for kind, (new, changed, same) in self.counts.items()]

    def headline(self) -> str:
        new, changed, same = self.totals()
        if not self.counts:
            return "no records"
        if self.nothing_changed:
            return f"nothing changed ({same} records unchanged)"
        return f"{new} new, {changed} changed, {same} unchanged"

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {kind: {"new": n, "changed": c, "unchanged": u} for kind, (n, c, u) in self.counts.items()}


def plan_import(records: Records, stored: Records) -> ImportPlan:
    """Compare incoming records with their stored versions (`stored`, by identity) and keep what differs."""
    changes = Records()
    counts: dict[str, tuple[int, int, int]] = {}
    for kind, items in records.kinds():
        if not items:
            continue
        before = {r.identity: r for r in getattr(stored, kind)}
        out = getattr(changes, kind)
        new = changed = 0
        for record in items:
            old = before.get(record.identity)
            if old is None:
                new += 1
                out.append(record)
            elif old != record:
                changed += 1
                out.append(record)
        counts[kind] = (new, changed, len(items) - new - changed)
    return ImportPlan(records, changes, counts)
