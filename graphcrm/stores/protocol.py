"""The `Store` protocol every backend implements, the analyst-query capability, and the types a change is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Protocol, runtime_checkable

from graphcrm.model import AuditEntry, Interaction, KnownIds, Need, Records, Staff, Tier

if TYPE_CHECKING:
    from graphcrm.graphindex import GraphIndex
    from graphcrm.queries import Bound
    from graphcrm.reports.registry import Report

__all__ = ["Store", "AnalystQueries", "AnalystResult", "Scope", "Snapshot", "Planned"]


@dataclass(frozen=True)
class Scope:
    """What a change reads before it writes. The store locks these records for the change's
    transaction, so what the permission check saw is what the write lands on."""

    clients: tuple[str, ...] = ()           # client views (coverage with its staff, milestones, engagements)
    staff: tuple[str, ...] = ()             # staff views (the person, coverage, memberships)
    teams: tuple[str, ...] = ()             # team views (engagements)
    people: tuple[str, ...] = ()            # staff records only (participants, the acting person)
    interactions: tuple[str, ...] = ()      # interactions stored under these ids
    needs: tuple[str, ...] = ()             # needs stored under these ids


@dataclass
class Snapshot:
    """The records of a Scope, read inside the change's transaction. Missing ids are simply absent."""

    tiers: list[Tier]
    clients: dict[str, Records] = field(default_factory=dict)
    staff: dict[str, Records] = field(default_factory=dict)
    teams: dict[str, Records] = field(default_factory=dict)
    people: dict[str, Staff] = field(default_factory=dict)
    interactions: dict[str, Interaction] = field(default_factory=dict)
    needs: dict[str, Need] = field(default_factory=dict)


@dataclass
class Planned:
    """What a change writes: records and the audit entry that records them, in one transaction."""

    records: Records
    audit: AuditEntry


@dataclass
class AnalystResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool
    #: Why the result stopped early, when it did ("rows", "bytes").
    cut: str | None = None


@runtime_checkable
class Store(Protocol):
    """What every backend offers; the same contract tests run against each."""

    kind: str
    url: str

    # -- life cycle and bulk data -------------------------------------------------------------
    def init_schema(self) -> None:
        """Create constraints and indexes (idempotent)."""

    def close(self) -> None:
        """Release connections and files."""

    def write(self, records: Records, progress: Callable[[int], None] | None = None,
              audit: AuditEntry | None = None) -> None:
        """Upsert a batch; returns only once it is durably stored. With `audit`, records and entry are one transaction."""

    def change(self, scope: Scope, plan: Callable[[Snapshot], Planned | None]) -> Planned | None:
        """Read `scope` and write what `plan` makes of it, in one transaction with the scope locked.

        `plan` may be called more than once (a transaction retried after a transient error), so it
        must only compute. It returns None when there is nothing to write, or raises to refuse.
        """

    def read_all(self) -> Records:
        """Every record, as stored."""

    def counts(self) -> dict[str, int]:
        """How many records of each kind."""

    def known_ids(self) -> KnownIds:
        """Ids (keys for tiers) already stored, by kind."""

    # -- reads for the service, the pages and the API ----------------------------------------------
    def tiers(self) -> list[Tier]:
        """Every tier, by level then key."""

    def existing_staff(self, ids: list[str]) -> set[str]:
        """The ids among `ids` that name a stored staff member."""

    def client_view(self, client: str) -> Records | None:
        """One client with its coverage (and the coverers' staff records), milestones and engagements."""

    def staff_view(self, staff: str) -> Records | None:
        """One staff member with their coverage and memberships."""

    def team_view(self, team: str) -> Records | None:
        """One team with its engagements."""

    def client_timeline(self, client: str, limit: int = 200) -> tuple[list[Interaction], list[Need]]:
        """A client's interactions (newest first, at most `limit`) and needs."""

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Clients, staff and teams whose id or name contains `text`."""

    def neighbourhood(self, label: str, key: str, as_of: date, limit: int = 50) -> dict[str, Any] | None:
        """A node and its neighbours over the structural relationships active on `as_of`."""

    def list_audit(self, actor: str | None = None, action: str | None = None, target: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        """The audit trail, newest first, filtered."""

    # -- reports ------------------------------------------------------------------------------
    def report_rows(self, report: "Report", bound: "Bound") -> list[dict[str, Any]]:
        """The rows of `report.query` (its .cypher file on Neo4j, its registered twin on the embedded store)."""

    # -- trends: the organisation read once for many days, and cached figures of past days ------------------
    def organisation(self) -> "ContextManager[tuple[GraphIndex, int]]":
        """The whole organisation in memory, held still while in use, and the history epoch read before it."""

    def trend_points(self, keys: list[str]) -> dict[str, dict]:
        """Cached trend figures by key. Every write drops the points of the days it can change
        (graphcrm.rules.history_start); a write reaching back before today also moves the epoch."""

    def save_trend_points(self, points: dict[str, tuple[date, dict]], epoch: int) -> bool:
        """Cache figures of past days, unless the epoch moved since `epoch` (then nothing is kept: False)."""


@runtime_checkable
class AnalystQueries(Protocol):
    """A store that can run an analyst's own read-only Cypher (Neo4j); the embedded store cannot."""

    def analyst_query(self, text: str, params: dict[str, Any] | None = None, timeout: float | None = None,
                      row_cap: int | None = None) -> AnalystResult:
        """Run guarded, read-only Cypher and return plain rows."""
