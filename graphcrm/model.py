"""The graph model of DESIGN section 3 as dataclasses, and `Records`, a batch of them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Iterator

__all__ = [
    "Tier", "Staff", "Team", "Membership", "Client", "Coverage", "Engagement",
    "Interaction", "Need", "Records", "RECORD_TYPES", "GRADES", "GRADE_ORDER",
    "KINDS", "ROLES", "grade_rank", "AuditEntry", "KnownIds",
]

GRADES = ("A", "B", "C")
#: Grades sort A, B, C, ungraded (DESIGN section 4).
GRADE_ORDER = ("A", "B", "C", "ungraded")
KINDS = ("contact", "communication", "transaction", "assessment", "handover")
ROLES = ("lead", "backup")


def grade_rank(grade: str) -> int:
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else len(GRADE_ORDER)


@dataclass(frozen=True, slots=True)
class Tier:
    key: str
    level: int
    name: str | None = None
    duty: str | None = None

    @property
    def identity(self) -> tuple:
        return (self.key,)


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    name: str | None = None
    email: str | None = None
    tier: str | None = None          # IN_TIER
    capacity: int | None = None
    joined: date | None = None
    left: date | None = None
    manager: str | None = None       # REPORTS_TO

    @property
    def identity(self) -> tuple:
        return (self.id,)


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str | None = None

    @property
    def identity(self) -> tuple:
        return (self.id,)


@dataclass(frozen=True, slots=True)
class Membership:
    staff: str
    team: str
    since: date | None = None
    until: date | None = None

    @property
    def identity(self) -> tuple:
        return (self.staff, self.team, self.since)


@dataclass(frozen=True, slots=True)
class Client:
    id: str
    name: str | None = None
    industry: str | None = None
    grade: str | None = None
    value: float | None = None
    stage: str | None = None

    @property
    def identity(self) -> tuple:
        return (self.id,)


@dataclass(frozen=True, slots=True)
class Coverage:
    staff: str
    client: str
    tier: str
    role: str | None = None
    since: date | None = None
    until: date | None = None

    @property
    def identity(self) -> tuple:
        return (self.staff, self.client, self.tier, self.since)


@dataclass(frozen=True, slots=True)
class Engagement:
    team: str
    client: str
    since: date | None = None
    until: date | None = None

    @property
    def identity(self) -> tuple:
        return (self.team, self.client, self.since)


@dataclass(frozen=True, slots=True)
class Interaction:
    id: str
    client: str
    kind: str
    at: datetime                      # timezone-aware, UTC
    staff: tuple[str, ...] = ()       # participants, sorted, distinct
    amount: float | None = None
    summary: str | None = None
    grade: str | None = None
    score: float | None = None
    stage: str | None = None

    @property
    def identity(self) -> tuple:
        return (self.id,)

    @property
    def day(self) -> date:
        """The calendar day of `at` in UTC. The rules use the organisation's day instead:
        graphcrm.times.day_in(at, zone), or a moment bound (graphcrm.times.day_end)."""
        return self.at.date()


@dataclass(frozen=True, slots=True)
class Need:
    id: str
    client: str
    detected: date
    summary: str | None = None
    source: str | None = None
    staff: str | None = None          # CAPTURED

    @property
    def identity(self) -> tuple:
        return (self.id,)


#: Record kinds in dependency order: a record only refers to kinds before it.
RECORD_TYPES: dict[str, type] = {
    "tiers": Tier,
    "staff": Staff,
    "teams": Team,
    "memberships": Membership,
    "clients": Client,
    "coverage": Coverage,
    "engagements": Engagement,
    "interactions": Interaction,
    "needs": Need,
}


@dataclass
class Records:
    """A batch of records of every kind: what an import writes and an export reads."""

    tiers: list[Tier] = field(default_factory=list)
    staff: list[Staff] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    engagements: list[Engagement] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)

    def kinds(self) -> Iterator[tuple[str, list]]:
        for f in fields(self):
            yield f.name, getattr(self, f.name)

    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.kinds()}

    def __len__(self) -> int:
        return sum(len(items) for _, items in self.kinds())

    def canonical(self) -> dict[str, list]:
        """Every record of every kind, sorted by identity: equal graphs give equal values."""
        return {name: sorted(items, key=lambda r: _sort_key(r.identity)) for name, items in self.kinds()}


def _sort_key(identity: tuple) -> tuple:
    # None sorts before any value so identities with a null `since` compare cleanly.
    return tuple((0, "") if v is None else (1, v.isoformat() if hasattr(v, "isoformat") else v) for v in identity)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change to the graph: who made it, when, what it touched, and the state before and after."""

    id: str
    at: datetime
    actor: str
    action: str
    target: str
    before: str | None = None     # JSON text
    after: str | None = None      # JSON text


@dataclass
class KnownIds:
    """Ids already in the store, so an import may refer to records it does not carry itself."""

    tiers: set[str] = field(default_factory=set)
    staff: set[str] = field(default_factory=set)
    teams: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)
