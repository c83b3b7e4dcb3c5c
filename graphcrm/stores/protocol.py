"""The `Store` protocol every backend implements, the analyst-query capability, and the types a change is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Protocol, TypedDict, runtime_checkable

from graphcrm.model import AuditEntry, ClientActivity, Directory, Interaction, KnownIds, Need, Records, Staff, Team, Tier

if TYPE_CHECKING:
    from graphcrm.graphindex import GraphIndex
    from graphcrm.guard import Limits
    from graphcrm.queries import Bound
    from graphcrm.reports.registry import Report

__all__ = ["Store", "AnalystQueries", "AnalystResult", "Scope", "Snapshot", "Planned",
           "NodeCard", "Neighbour", "NeighbourPage", "SearchHit", "SearchPage"]


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


class NodeCard(TypedDict):
    """What the graph explorer shows of a node on a day (cypher/reads/node_cards.cypher)."""

    label: str                 # Client, Staff, Team or Tier
    key: str                   # the id (a tier's key)
    name: str | None
    grade: str | None          # a client's grade on the day (A, B, C or ungraded)
    stage: str | None          # a client's stage on the day (a tier key)
    value: float | None        # a client's value
    tier: str | None           # a staff member's tier key; a tier's own key
    level: int | None          # a tier's level
    left: date | None          # the day a staff member left


class Neighbour(TypedDict):
    """One active relationship of a node, seen from it (cypher/reads/neighbourhood_page.cypher)."""

    type: str                  # COVERS, MEMBER_OF, ENGAGES, IN_TIER or REPORTS_TO
    outgoing: bool             # the relationship starts at the node asked about
    tier: str | None           # the stage a coverage covers
    role: str | None           # a coverage's role: lead when any active coverage of that stage is lead, else backup
    label: str                 # the neighbour's label and key
    key: str


class NeighbourPage(TypedDict):
    neighbours: list[Neighbour]
    total: int                 # neighbours in all, across every page


class SearchHit(TypedDict):
    label: str
    key: str
    name: str | None


class SearchPage(TypedDict):
    hits: list[SearchHit]
    total: int                 # matches in all, across every page


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

    def bulk(self) -> ContextManager[None]:
        """Around a long series of writes (an import a chunk at a time): the store may put off upkeep until the end.
        Each write inside is still whole and durable; only the series is faster."""

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

    def stored_versions(self, records: Records) -> Records:
        """The stored records with the identities of `records` (identities not stored are left out).

        An import compares them with what it brings to tell new, changed and unchanged records.
        """

    # -- reads for the service, the pages and the API ----------------------------------------------
    def tiers(self) -> list[Tier]:
        """Every tier, by level then key."""

    def existing_staff(self, ids: list[str]) -> set[str]:
        """The ids among `ids` that name a stored staff member."""

    def existing_ids(self, kind: str, ids: list[str]) -> set[str]:
        """The ids among `ids` that name a stored record of `kind` ("staff", "clients" or "teams")."""

    def directory(self) -> Directory:
        """Every client, staff member, team and tier by id with its name (the UI shows names first)."""

    def client_view(self, client: str) -> Records | None:
        """One client with its coverage (and the coverers' staff records), milestones and engagements."""

    def views(self, scope: Scope) -> Snapshot:
        """The records of `scope` in one read, as a change would see them, but without locking anything (pages)."""

    def client_activity(self, clients: list[str], as_of: date, zone: str = "UTC") -> dict[str, ClientActivity]:
        """For each of `clients` that exists: its last interaction, last communication or transaction, and needs, up to
        `as_of` (an interaction's day is its day in `zone`, an IANA name)."""

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

    # -- reads for the graph explorer --------------------------------------------------------------
    def node_cards(self, nodes: list[tuple[str, str]], as_of: date) -> list[NodeCard]:
        """A card for each (label, key) that exists, in the order asked: names, and grade/stage on `as_of` for clients."""

    def neighbourhood_page(self, label: str, key: str, as_of: date, offset: int = 0,
                           limit: int = 50) -> NeighbourPage | None:
        """Neighbours `offset` to `offset + limit` of a node over the relationships active on `as_of`; None: no such node."""

    def search_page(self, text: str, offset: int = 0, limit: int = 20,
                    within: list[str] | None = None) -> SearchPage:
        """One page of the clients, staff and teams whose id or name contains `text`, exact matches first.

        `within` limits the search to those nodes ('Label:key'), e.g. what a staff user may see.
        """

    def client_values(self, clients: list[str]) -> dict[str, float | None]:
        """The value of each of `clients` that exists."""

    def teams(self) -> list[Team]:
        """Every team, by id."""

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

    def analyst_query(self, text: str, params: dict[str, Any] | None = None, limits: Limits | None = None,
                      trusted: bool = False) -> AnalystResult:
        """Run guarded, read-only Cypher within `limits` and return plain rows (`trusted`: a reviewed file of cypher/)."""
