"""The Neo4j store: one driver per store, managed transactions, READ routing for reads, named Cypher only."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlsplit, urlunsplit

import neo4j
from neo4j import GraphDatabase, Query, RoutingControl, unit_of_work
from neo4j import exceptions as neo4j_errors
from neo4j.time import Date as Neo4jDate, DateTime as Neo4jDateTime

from graphcrm.errors import QueryError, QueryRefused, StoreError, StoreUnavailable
from graphcrm.guard import ALLOWED_PROCEDURES, DEFAULT_ROW_CAP, DEFAULT_TIMEOUT, check_query_text
from graphcrm.importer import KnownIds
from graphcrm.model import (
    AuditEntry, Client, Coverage, Engagement, Interaction, Membership, Need, Records, Staff, Team, Tier,
)
from graphcrm.queries import NamedQuery, library

__all__ = ["Neo4jStore", "native"]

#: Rows per write transaction: large enough to amortise round trips, small enough for the
#: server's per-transaction memory limit.
BATCH_ROWS = 5000

_WRITES = [
    ("tiers", "write_tiers"), ("staff", "write_staff"), ("teams", "write_teams"),
    ("memberships", "write_memberships"), ("clients", "write_clients"), ("coverage", "write_coverage"),
    ("engagements", "write_engagements"), ("interactions", "write_interactions"), ("needs", "write_needs"),
]
_EXPORTS = {
    "tiers": ("export_tiers", Tier), "staff": ("export_staff", Staff), "teams": ("export_teams", Team),
    "memberships": ("export_memberships", Membership), "clients": ("export_clients", Client),
    "coverage": ("export_coverage", Coverage), "engagements": ("export_engagements", Engagement),
    "interactions": ("export_interactions", Interaction), "needs": ("export_needs", Need),
}
REQUIRED_CONSTRAINTS = {"tier_key", "staff_id", "team_id", "client_id", "interaction_id", "need_id"}


_PLAIN = (str, int, float, bool, type(None))


def native(value: Any) -> Any:
    """Driver temporal values to Python's (dates stay dates; datetimes become UTC-aware)."""
    if type(value) in _PLAIN:      # most values: return before any isinstance chain
        return value
    if isinstance(value, Neo4jDateTime):
        value = value.to_native()
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, Neo4jDate):
        return value.to_native()
    if isinstance(value, list):
        return [native(v) for v in value]
    if isinstance(value, dict):
        return {k: native(v) for k, v in value.items()}
    return value


def _row_of(record: Any) -> dict[str, Any]:
    """A record as a query parameter map. Dates and date-times travel as ISO strings and the
    write queries turn them into native values with date()/datetime(): the driver's own temporal
    encoding costs more than the rest of a bulk import put together."""
    out = {}
    for name in record.__dataclass_fields__:
        value = getattr(record, name)
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        out[name] = value
    return out


class Neo4jStore:
    """Neo4j over Bolt (`bolt://`) or with routing (`neo4j://`, clusters and Aura)."""

    kind = "neo4j"

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 database: str | None = None, check_schema: bool = True):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.database = database or (query.get("database") or [None])[0] or os.environ.get("NEO4J_DATABASE") or "neo4j"
        self.url = url
        driver_url = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        user = user or os.environ.get("NEO4J_USER") or "neo4j"
        password = password if password is not None else os.environ.get("NEO4J_PASSWORD")
        if not password:
            raise StoreUnavailable(f"{url}: set NEO4J_PASSWORD (and NEO4J_USER) to connect")
        self.queries = library()
        self._driver = GraphDatabase.driver(
            driver_url, auth=(user, password),
            connection_acquisition_timeout=10, connection_timeout=5, max_transaction_retry_time=15,
            # Product queries are reviewed files; the server's hints are for analysts' own queries.
            notifications_min_severity="OFF",
            # Reports return up to tens of thousands of rows; pull them in few round trips.
            fetch_size=20_000,
        )
        try:
            self._driver.verify_connectivity()
        except neo4j_errors.AuthError:
            self._driver.close()
            raise StoreUnavailable(f"{url}: authentication failed for user {user!r}") from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as exc:
            self._driver.close()
            raise StoreUnavailable(f"{url}: cannot reach Neo4j ({_first_line(exc)})") from None
        # Writes check once that the uniqueness constraints exist (see ensure_schema).
        self._checked_schema = not check_schema

    # -- running named queries --------------------------------------------------------------
    def _query(self, named: NamedQuery, timeout: float | None = None) -> Query:
        return Query(named.text, metadata={"app": "graphcrm", "query": named.name}, timeout=timeout)

    def read(self, name: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> list[dict[str, Any]]:
        """Run a named read query (READ routing) and return plain rows with Python values."""
        named = self.queries[name]
        try:
            records, _, keys = self._driver.execute_query(
                self._query(named, timeout), parameters_=params or {},
                database_=self.database, routing_=RoutingControl.READ,
            )
        except neo4j_errors.Neo4jError as exc:
            raise QueryError(f"{name}: {exc.message or exc}") from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
            raise StoreUnavailable(f"{self.url}: {_first_line(exc)}") from None
        return [{k: native(v) for k, v in zip(keys, r.values())} for r in records]

    def _write_change(self, records: Records, audit: AuditEntry) -> None:
        steps: list[tuple[NamedQuery, dict[str, Any]]] = []
        for kind, name in _WRITES:
            items = getattr(records, kind)
            if items:
                steps.append((self.queries[name], {"rows": [_row_of(r) for r in items]}))
                if kind == "staff":
                    steps.append((self.queries["write_reports_to"], {"rows": [{"id": s.id, "manager": s.manager} for s in items]}))
        steps.append((self.queries["write_audit"], {"entry": _row_of(audit)}))

        self._in_write_transaction("change:" + audit.action, steps)

    def list_audit(self, actor: str | None = None, action: str | None = None, target: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        rows = self.read("list_audit", {"actor": actor, "action": action, "target": target,
                                        "since": since.isoformat() if since else None, "max": limit})
        return [AuditEntry(**row) for row in rows]

    def tiers(self) -> list[Tier]:
        return [Tier(row["key"], row["level"], row["name"]) for row in self.read("tier_keys")]

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        return self.read("search_nodes", {"text": text, "max": limit})

    def neighbourhood(self, label: str, key: str, as_of: date, limit: int = 50) -> dict[str, Any] | None:
        rows = self.read("neighbourhood", {"label": label, "key": key, "as_of": as_of, "max": limit})
        return rows[0] if rows else None

    def client_timeline(self, client: str, limit: int = 200) -> tuple[list[Interaction], list[Need]]:
        rows = self.read("client_timeline", {"client": client, "max": limit})
        if not rows:
            return [], []
        interactions = [Interaction(i["id"], client, i["kind"], i["at"], tuple(i["staff"]), i["amount"], i["summary"],
                                    i["grade"], i["score"], i["stage"]) for i in rows[0]["interactions"]]
        needs = [Need(n["id"], client, n["detected"], n["summary"], n["source"], n["staff"]) for n in rows[0]["needs"]]
        return interactions, needs

    def existing_staff(self, ids: list[str]) -> set[str]:
        return {row["id"] for row in self.read("existing_staff", {"ids": list(ids)})}

    def client_view(self, client: str) -> Records | None:
        rows = self.read("client_view", {"client": client})
        if not rows:
            return None
        row = rows[0]
        return Records(
            tiers=self.tiers(), clients=[Client(**row["client"])],
            coverage=[Coverage(client=client, **c) for c in row["coverage"]],
            staff=[Staff(s["id"], tier=s["tier"], joined=s["joined"], left=s["left"]) for s in row["staff"]],
            interactions=[Interaction(m["id"], client, m["kind"], m["at"], tuple(sorted(m["staff"])), grade=m["grade"], stage=m["stage"])
                          for m in row["milestones"]],
            engagements=[Engagement(e["team"], client, e["since"], e["until"]) for e in row["engagements"]])

    def staff_view(self, staff: str) -> Records | None:
        rows = self.read("staff_view", {"staff": staff})
        if not rows:
            return None
        row = rows[0]
        return Records(
            tiers=self.tiers(), staff=[Staff(**{**row["staff"], "tier": row["tier"], "manager": row["manager"]})],
            coverage=[Coverage(staff=staff, **c) for c in row["coverage"]],
            memberships=[Membership(staff, m["team"], m["since"], m["until"]) for m in row["memberships"]])

    def team_view(self, team: str) -> Records | None:
        rows = self.read("team_view", {"team": team})
        if not rows:
            return None
        row = rows[0]
        return Records(tiers=self.tiers(), teams=[Team(**row["team"])],
                       engagements=[Engagement(team, e["client"], e["since"], e["until"]) for e in row["engagements"]])

    def _write_interactions(self, chunk: list[Interaction]) -> None:
        """Create the interactions not stored yet (the bulk of an import), upsert the others."""
        existing = {row["id"] for row in self.read("existing_interactions", {"ids": [i.id for i in chunk]})}
        fresh = [_row_of(i) for i in chunk if i.id not in existing]
        known = [_row_of(i) for i in chunk if i.id in existing]
        if fresh:
            try:
                self._write_rows("create_interactions", fresh)
            except StoreError as exc:
                if "already exists" not in str(exc):
                    raise
                known += fresh          # a concurrent writer stored some of them first
        if known:
            self._write_rows("write_interactions", known)

    def _write_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        self._in_write_transaction(name, [(self.queries[name], {"rows": rows})])

    def _in_write_transaction(self, label: str, steps: list[tuple[NamedQuery, dict[str, Any]]]) -> None:
        """Run named queries in one managed write transaction (retried on transient errors; all are MERGE-safe)."""

        @unit_of_work(metadata={"app": "graphcrm", "query": label})
        def work(tx):
            for named, params in steps:
                tx.run(named.text, params).consume()

        try:
            with self._driver.session(database=self.database) as session:
                session.execute_write(work)
        except neo4j_errors.Neo4jError as exc:
            raise StoreError(f"{label}: {exc.message or exc}") from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
            raise StoreUnavailable(f"{self.url}: {_first_line(exc)}") from None

    # -- Store protocol ----------------------------------------------------------------------
    def init_schema(self) -> None:
        schema = self.queries["schema"]
        with self._driver.session(database=self.database) as session:
            for statement in schema.statements:
                session.run(Query(statement, metadata={"app": "graphcrm", "query": "schema"})).consume()
        self._checked_schema = True

    def ensure_schema(self) -> None:
        """Refuse to write without the uniqueness constraints that keep MERGE free of duplicates."""
        if self._checked_schema:
            return
        present = {row["name"] for row in self.read("schema_check")}
        missing = REQUIRED_CONSTRAINTS - present
        if missing:
            raise StoreError(f"{self.url}: missing constraints {', '.join(sorted(missing))}; run 'graphcrm init' first")
        self._checked_schema = True

    def write(self, records: Records, progress: Callable[[int], None] | None = None,
              audit: AuditEntry | None = None) -> None:
        """Upsert in dependency order, BATCH_ROWS rows per managed write transaction (retried safely: MERGE).

        A change with an audit entry (one business change, a handful of records) is written in a
        single transaction together with its entry: both are stored, or neither.
        """
        self.ensure_schema()
        if audit is not None:
            self._write_change(records, audit)
            if progress:
                progress(len(records))
            return
        for kind, name in _WRITES:
            items = getattr(records, kind)
            for chunk in _chunks(items):
                if kind == "interactions":
                    self._write_interactions(chunk)
                else:
                    self._write_rows(name, [_row_of(r) for r in chunk])
                if progress:
                    progress(len(chunk))
            if kind == "staff":
                # Managers can come later in the same file than their reports.
                for chunk in _chunks(items):
                    self._write_rows("write_reports_to", [{"id": s.id, "manager": s.manager} for s in chunk])

    def report_rows(self, name: str, as_of: date, params: dict[str, Any], policy) -> list[dict[str, Any]]:
        from graphcrm.reports import policy_params

        named = self.queries[name]
        wanted = {p.name for p in named.params}
        bound = {k: v for k, v in {**policy_params(policy), **params, "as_of": as_of}.items() if k in wanted}
        rows = self.read(name, bound)
        if name == "departure_impact":
            # Cypher returns successors as [{tier, staff}]; the report's contract is an object.
            for row in rows:
                row["successors"] = {pair["tier"]: pair["staff"] for pair in row["successors"]}
        return rows

    def coverage_extract(self, as_of: date):
        from graphcrm.reports.analytics import CoverageExtract

        tiers = [row["key"] for row in self.read("tier_keys")]
        rows = self.read("active_coverage", {"as_of": as_of})
        return CoverageExtract(tiers, [(r["staff"], r["client"], r["tier"]) for r in rows],
                               {r["client"]: r["value"] for r in rows})

    def analyst_query(self, text: str, params: dict[str, Any] | None = None,
                      timeout: float = DEFAULT_TIMEOUT, row_cap: int = DEFAULT_ROW_CAP) -> AnalystResult:
        """Run an analyst's ad-hoc Cypher only if every guard layer agrees it reads and nothing more."""
        body = check_query_text(text)
        params = params or {}
        try:
            with self._driver.session(database=self.database) as session:
                # Planned in a default-mode session: a READ session may reject planning a write,
                # which must still count as "not read-only" rather than as an error.
                summary = session.run(_explain(body), params).consume()
        except neo4j_errors.Neo4jError as exc:
            raise QueryError(f"the query does not plan: {exc.message or exc}") from None
        if summary.query_type != "r":
            kind = {"rw": "reads and writes", "w": "writes", "s": "changes the schema"}.get(summary.query_type, summary.query_type)
            raise QueryRefused(f"the planner says this query {kind}; analyst queries must be read-only")
        for procedure in _procedures_in(summary.plan):
            if procedure.lower() not in ALLOWED_PROCEDURES:
                raise QueryRefused(f"procedure {procedure} is not on the allow-list")

        @unit_of_work(timeout=timeout, metadata={"app": "graphcrm", "query": "analyst"})
        def work(tx):
            result = tx.run(body, params)
            keys = list(result.keys())
            rows, truncated = [], False
            for record in result:
                if len(rows) >= row_cap:
                    truncated = True
                    break
                rows.append([_plain(record[k]) for k in keys])
            return keys, rows, truncated

        try:
            with self._driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                keys, rows, truncated = session.execute_read(work)
        except neo4j_errors.Neo4jError as exc:
            code = exc.code or ""
            if "TransactionTimedOut" in code or "Terminated" in code:
                raise QueryError(f"the query was stopped after the {timeout:g}s time limit") from None
            if "AccessMode" in code or "Forbidden" in code:
                raise QueryRefused(f"the server refused a write in a read-only transaction: {exc.message}") from None
            raise QueryError(f"the query failed: {exc.message or exc}") from None
        return AnalystResult(keys, rows, truncated)

    def known_ids(self) -> KnownIds:
        found = {row["kind"]: set(row["ids"]) for row in self.read("known_ids")}
        return KnownIds(**found)

    def read_all(self) -> Records:
        records = Records()
        for kind, (name, cls) in _EXPORTS.items():
            for row in self.read(name):
                if kind == "interactions":
                    row["staff"] = tuple(row["staff"])
                getattr(records, kind).append(cls(**row))
        return records

    def counts(self) -> dict[str, int]:
        """Counted by the server, in the order of Records (reading every record to count it cost seconds at size M)."""
        found = {row["kind"]: row["n"] for row in self.read("counts")}
        return {kind: found.get(kind, 0) for kind in Records().counts()}

    def clear(self) -> None:
        """Delete every node (tests and benchmarks only), in batches of auto-commit transactions."""
        with self._driver.session(database=self.database) as session:
            for name in ("clear_relationships", "clear_nodes"):
                session.run(self._query(self.queries[name])).consume()

    def close(self) -> None:
        self._driver.close()

    @property
    def driver(self):
        return self._driver


@dataclass
class AnalystResult:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def _explain(body: str) -> str:
    return "EXPLAIN " + body


def _procedures_in(plan) -> Iterable[str]:
    """Names of the procedures a plan calls (ProcedureCall operators), walking the whole tree."""
    if not plan:
        return
    stack = [plan]
    while stack:
        node = stack.pop()
        operator = str(node.get("operatorType", ""))
        if operator.startswith("ProcedureCall"):
            details = str(node.get("args", {}).get("Details", ""))
            name = details.split("(")[0].strip()
            yield name or "unknown"
        stack.extend(node.get("children", []))


def _plain(value: Any) -> Any:
    """Driver values to our own plain types: nodes, relationships and paths become tagged dicts."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        return {"_kind": "node", "id": value.element_id, "labels": sorted(value.labels),
                "properties": {k: native(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"_kind": "relationship", "id": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node else None,
                "end": value.end_node.element_id if value.end_node else None,
                "properties": {k: native(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return {"_kind": "path", "nodes": [_plain(n) for n in value.nodes],
                "relationships": [_plain(r) for r in value.relationships]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return native(value)


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH_ROWS):
        yield items[start:start + BATCH_ROWS]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
