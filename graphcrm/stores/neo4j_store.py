"""The Neo4j store: one driver per store, managed transactions, READ routing for reads, named Cypher only."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlsplit, urlunsplit

from neo4j import GraphDatabase, Query, RoutingControl, unit_of_work
from neo4j import exceptions as neo4j_errors

from graphcrm.errors import QueryError, StoreError, StoreUnavailable
from graphcrm.graphindex import GraphIndex
from graphcrm.model import (
    AuditEntry, Client, ClientActivity, Coverage, Directory, Engagement, Interaction, KnownIds, Membership, Need, Records, Staff, Team,
    Tier,
)
from graphcrm.guard import Limits
from graphcrm.paths import cypher_dir
from graphcrm.queries import NamedQuery, library, strip_comments
from graphcrm.rules import records_history_start
from graphcrm.stores.neo4j_analyst import run_analyst_query
from graphcrm.stores.neo4j_values import native, native_rows, row_of
from graphcrm.stores.protocol import AnalystResult, NeighbourPage, NodeCard, Planned, Scope, SearchPage, Snapshot

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
#: Interaction kinds whose rows change a client's grade or stage timeline.
_MILESTONES = ("assessment", "handover")
REQUIRED_CONSTRAINTS = {"tier_key", "staff_id", "team_id", "client_id", "interaction_id", "need_id"}


#: The server's code for a uniqueness constraint refusing a duplicate (errors are told apart by code, never by text).
CONSTRAINT_FAILED = "Neo.ClientError.Schema.ConstraintValidationFailed"

#: The server's codes for a transaction that went past its memory limit, or found the pool used up.
_OUT_OF_MEMORY = {"Neo.ClientError.General.TransactionOutOfMemoryError",
                  "Neo.TransientError.General.MemoryPoolOutOfMemoryError"}


class _TooBigToPack(Exception):
    """A packed read went past the server's memory limit (read_packed then streams the rows)."""


@lru_cache(maxsize=1)
def _packed_rows() -> str:
    """The wrapper that sends a query's rows back as one list (see Neo4jStore.read_packed), without its comments
    (they name the placeholders)."""
    return strip_comments((cypher_dir() / "wrappers" / "packed_rows.cypher.in").read_text(encoding="utf-8"))


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
        self._driver_url, self._auth = driver_url, (user, password)
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
        """Run a named query that reads (its kind routes it to a reader) and return rows with Python values."""
        named = self._readable(name)
        with self._read_errors(name):
            records, _, keys = self._driver.execute_query(
                self._query(named, timeout), parameters_=params or {}, database_=self.database,
                routing_=RoutingControl.READ,
            )
        return [{k: native(v) for k, v in zip(keys, r.values())} for r in records]

    def read_packed(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a named query that reads, as read() does, with its rows sent back packed in one record.

        The same rows in the same order: the query runs whole inside cypher/wrappers/packed_rows.cypher.in.
        For queries that return thousands of rows (reports, extractions), where the driver's per-record
        cost is most of the time. The server holds the packed rows until they are sent (a query that sorts
        holds them all anyway); a result too big for the server's per-transaction memory is streamed instead.
        """
        named = self._readable(name)
        columns = named.column_names
        text = _packed_rows().replace("{columns}", ", ".join(f"`{c}`" for c in columns)).replace("{query}", named.text)

        @unit_of_work(metadata={"app": "graphcrm", "query": named.name})
        def packed(tx):
            try:
                return tx.run(text, params or {}).single(strict=True)["rows"]
            except neo4j_errors.Neo4jError as exc:
                if exc.code in _OUT_OF_MEMORY:
                    # Not the driver's to retry (the same rows would not fit again): stream them instead.
                    raise _TooBigToPack() from None
                raise

        try:
            with self._read_errors(name), self._driver.session(database=self.database) as session:
                rows = session.execute_read(packed)
        except _TooBigToPack:
            return self.read(name, params)
        return native_rows(columns, rows)

    def _readable(self, name: str) -> NamedQuery:
        named = self.queries[name]
        if named.writes:
            raise StoreError(f"{name} is a {named.kind} query; it runs in a write transaction")
        return named

    @contextmanager
    def _read_errors(self, name: str):
        """The server's and the network's errors of a read, as ours."""
        try:
            yield
        except neo4j_errors.Neo4jError as exc:
            raise QueryError(f"{name}: {exc.message or exc}") from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
            raise StoreUnavailable(f"{self.url}: {_first_line(exc)}") from None

    def _write_steps(self, records: Records, audit: AuditEntry | None = None,
                     forget_from: date | None = None) -> list[Callable[[Any], Any]]:
        """The steps (each run with the transaction) that upsert `records`, in dependency order.

        The change's audit entry (write_audit) and the trend points it makes stale (forget_trend_points, from day
        `forget_from` on) are unit subqueries run at the head of the first write statement: they cost no round
        trip of their own and are never apart from the change.
        """
        steps: list[Callable[[Any], Any]] = []
        head, extra = self._head(audit, forget_from)
        for kind, name in _WRITES:
            items = getattr(records, kind)
            if not items:
                continue
            rows = [row_of(r) for r in items]
            if kind == "interactions":
                steps.append(lambda tx, rows=rows, head=head, extra=extra:
                             self._upsert_interactions(tx, rows, head, extra))
            else:
                steps.append(_step_text(head + self.queries[name].text, {"rows": rows, **extra}))
            head, extra = "", {}                       # only the first step carries them
            if kind == "staff":
                steps.append(_step(self.queries["write_reports_to"],
                                   {"rows": [{"id": s.id, "manager": s.manager} for s in items]}))
        if head:                                       # nothing to write but the head itself
            steps.append(_step_text(head, extra))
        return steps

    def _head(self, audit: AuditEntry | None, forget_from: date | None) -> tuple[str, dict[str, Any]]:
        """write_audit and forget_trend_points (unit subqueries both), to head another write statement, and the
        parameters they take."""
        text, params = "", {}
        if audit is not None:
            text += self.queries["write_audit"].text + "\n"
            params["entry"] = row_of(audit)
        if forget_from is not None:
            text += self.queries["forget_trend_points"].text + "\n"
            params.update(_forget_params(forget_from))
        return text, params

    @property
    def _locked_views(self) -> str:
        """lock_scope then views, as one statement: both take the scope's parameters."""
        return self.queries["lock_scope"].text + "\n" + self.queries["views"].text

    def _upsert_interactions(self, tx, rows: list[dict[str, Any]], head: str = "", extra: dict | None = None) -> None:
        """Upsert interactions, then recompute the timelines the write says changed (in the same transaction):
        a new contact only widens its client's first/last moments, inside the write itself. `head` and
        `extra` are a statement to run first and its parameters (the change's audit entry)."""
        params = {"rows": rows, **(extra or {})}
        stale = {row["refresh"] for row in _fetch_text(tx, head + self.queries["write_interactions"].text, params)}
        _refresh_timelines(tx, self.queries["refresh_timelines"], stale)

    def _create_interactions(self, tx, rows: list[dict[str, Any]]) -> None:
        """Create new interactions; the clients that got an assessment or handover have their timelines refreshed."""
        _fetch(tx, self.queries["create_interactions"], {"rows": rows})
        _refresh_timelines(tx, self.queries["refresh_timelines"],
                           {row["client"] for row in rows if row["kind"] in _MILESTONES})

    def _write_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        self._in_write_transaction(name, lambda tx: _run_steps(tx, [_step(self.queries[name], {"rows": rows})]))

    def _in_write_transaction(self, label: str, work_in: Callable[[Any], Any]) -> Any:
        """Run `work_in(tx)` in one managed write transaction (retried on transient errors, so it must be repeatable)."""

        @unit_of_work(metadata={"app": "graphcrm", "query": label})
        def work(tx):
            return work_in(tx)

        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except neo4j_errors.Neo4jError as exc:
            raise StoreError(f"{label}: {exc.message or exc}", code=exc.code) from None
        except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired) as exc:
            raise StoreUnavailable(f"{self.url}: {_first_line(exc)}") from None

    # -- the views a change is checked against, and the change itself --------------------------------
    def _views(self, run, scope: Scope) -> Snapshot:
        rows = run(self.queries["views"], {
            "clients": list(scope.clients), "staff": list(scope.staff), "teams": list(scope.teams),
            "people": list(scope.people), "interactions": list(scope.interactions), "needs": list(scope.needs)})
        row = rows[0]
        tiers = [Tier(t["key"], t["level"], t["name"], t["duty"]) for t in row["tiers"]]
        snapshot = Snapshot(tiers)
        for view in row["clients"]:
            client = Client(**view["client"])
            snapshot.clients[client.id] = Records(
                tiers=tiers, clients=[client],
                coverage=[Coverage(client=client.id, **c) for c in view["coverage"]],
                staff=sorted((Staff(**s) for s in view["staff"]), key=lambda s: s.id),
                interactions=[Interaction(m["id"], client.id, m["kind"], m["at"], tuple(m["staff"]), grade=m["grade"],
                                          score=m["score"], stage=m["stage"], summary=m["summary"])
                              for m in view["milestones"]],
                engagements=[Engagement(e["team"], client.id, e["since"], e["until"]) for e in view["engagements"]])
        for view in row["staff"]:
            person = Staff(**view["staff"])
            snapshot.staff[person.id] = Records(
                tiers=tiers, staff=[person], coverage=[Coverage(staff=person.id, **c) for c in view["coverage"]],
                memberships=[Membership(person.id, m["team"], m["since"], m["until"]) for m in view["memberships"]])
        for view in row["teams"]:
            team = Team(**view["team"])
            snapshot.teams[team.id] = Records(tiers=tiers, teams=[team], engagements=[
                Engagement(team.id, e["client"], e["since"], e["until"]) for e in view["engagements"]])
        snapshot.people = {p["id"]: Staff(**p) for p in row["people"]}
        snapshot.interactions = {i["id"]: Interaction(**{**i, "staff": tuple(i["staff"])}) for i in row["interactions"]}
        snapshot.needs = {n["id"]: Need(**n) for n in row["needs"]}
        return snapshot

    def _read_views(self, scope: Scope) -> Snapshot:
        return self._views(lambda named, params: self.read(named.name, params), scope)

    def change(self, scope: Scope, plan: Callable[[Snapshot], Planned | None]) -> Planned | None:
        """Lock the scope, read it, plan and write, all in one write transaction (retried whole on a transient error).

        Three round trips: lock and read the scope in one statement (lock_scope heads views), the write
        with its audit entry in the write's first statement, then the commit. The permission check in
        `plan` runs between the first two, inside the transaction, against the locked scope.
        """
        self.ensure_schema()

        def work(tx):
            snapshot = self._views(lambda _views, params: _fetch_text(tx, self._locked_views, params), scope)
            planned = plan(snapshot)
            if planned is not None:
                # What the change overwrites was read with the scope: it says which days it can change.
                start = records_history_start(planned.records, _stored_in(snapshot))
                _run_steps(tx, self._write_steps(planned.records, planned.audit, start))
            return planned

        return self._in_write_transaction("change", work)

    # -- reads for the service, the pages and the API ----------------------------------------------
    def list_audit(self, actor: str | None = None, action: str | None = None, target: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        rows = self.read("list_audit", {"actor": actor, "action": action, "target": target,
                                        "since": since.isoformat() if since else None, "max": limit})
        return [AuditEntry(**row) for row in rows]

    def tiers(self) -> list[Tier]:
        return self._read_views(Scope()).tiers

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        return self.read("search_nodes", {"text": text, "max": limit})

    def neighbourhood(self, label: str, key: str, as_of: date, limit: int = 50) -> dict[str, Any] | None:
        rows = self.read("neighbourhood", {"label": label, "key": key, "as_of": as_of, "max": limit})
        return rows[0] if rows else None

    # -- the graph explorer's reads ---------------------------------------------------------------
    def node_cards(self, nodes: list[tuple[str, str]], as_of: date) -> list[NodeCard]:
        if not nodes:
            return []
        return self.read("node_cards", {"nodes": [{"label": label, "key": key} for label, key in nodes], "as_of": as_of})

    def neighbourhood_page(self, label: str, key: str, as_of: date, offset: int = 0,
                           limit: int = 50) -> NeighbourPage | None:
        rows = self.read("neighbourhood_page", {"label": label, "key": key, "as_of": as_of, "offset": offset, "max": limit})
        return rows[0] if rows else None

    def search_page(self, text: str, offset: int = 0, limit: int = 20, within: list[str] | None = None) -> SearchPage:
        return self.read("search_page", {"text": text, "within": within, "offset": offset, "max": limit})[0]

    def client_values(self, clients: list[str]) -> dict[str, float | None]:
        return {row["client"]: row["value"] for row in self.read("client_values", {"clients": clients})}

    def teams(self) -> list[Team]:
        return [Team(**row) for row in self.read("export_teams")]

    def client_timeline(self, client: str, limit: int = 200) -> tuple[list[Interaction], list[Need]]:
        rows = self.read("client_timeline", {"client": client, "max": limit})
        if not rows:
            return [], []
        interactions = [Interaction(i["id"], client, i["kind"], i["at"], tuple(i["staff"]), i["amount"], i["summary"],
                                    i["grade"], i["score"], i["stage"]) for i in rows[0]["interactions"]]
        needs = [Need(n["id"], client, n["detected"], n["summary"], n["source"], n["staff"]) for n in rows[0]["needs"]]
        return interactions, needs

    def existing_staff(self, ids: list[str]) -> set[str]:
        return set(self._read_views(Scope(people=tuple(ids))).people)

    def views(self, scope: Scope) -> Snapshot:
        return self._read_views(scope)

    def client_activity(self, clients: list[str], as_of: date, zone: str = "UTC") -> dict[str, ClientActivity]:
        rows = self.read("client_activity", {"clients": sorted(set(clients)), "as_of": as_of,
                                             "timezone": zone}) if clients else []
        return {row["client"]: ClientActivity(row["client"], row["last"], row["answered"], [Need(**n) for n in row["needs"]])
                for row in rows}

    def existing_ids(self, kind: str, ids: list[str]) -> set[str]:
        if kind not in ("staff", "clients", "teams"):
            raise StoreError(f"existing_ids: unknown kind {kind!r}")
        return {row["id"] for row in self.read("existing_ids", {"kind": kind, "ids": list(ids)})} if ids else set()

    def directory(self) -> Directory:
        found = Directory()
        for row in self.read("directory"):
            getattr(found, row["kind"])[row["id"]] = row["name"]
        return found

    def client_view(self, client: str) -> Records | None:
        return self._read_views(Scope(clients=(client,))).clients.get(client)

    def staff_view(self, staff: str) -> Records | None:
        return self._read_views(Scope(staff=(staff,))).staff.get(staff)

    def team_view(self, team: str) -> Records | None:
        return self._read_views(Scope(teams=(team,))).teams.get(team)

    # -- bulk writes ---------------------------------------------------------------------------
    def _write_interactions(self, chunk: list[Interaction]) -> None:
        """Create the interactions not stored yet (the bulk of an import), upsert the others."""
        existing = {row["id"] for row in self.read("existing_interactions", {"ids": [i.id for i in chunk]})}
        fresh = [row_of(i) for i in chunk if i.id not in existing]
        known = [row_of(i) for i in chunk if i.id in existing]
        if fresh:
            try:
                self._in_write_transaction("create_interactions", lambda tx: self._create_interactions(tx, fresh))
            except StoreError as exc:
                if exc.code != CONSTRAINT_FAILED:
                    raise
                known += fresh          # a concurrent writer stored some of them first
        if known:
            self._in_write_transaction("write_interactions", lambda tx: self._upsert_interactions(tx, known))

    # -- Store protocol ----------------------------------------------------------------------
    def init_schema(self) -> None:
        schema = self.queries["schema"]
        with self._driver.session(database=self.database) as session:
            for statement in schema.statements:
                session.run(Query(statement, metadata={"app": "graphcrm", "query": "schema"})).consume()
            # A database written before the client timelines existed gets them now (nothing to do otherwise).
            session.run(self._query(self.queries["upgrade_timelines"])).consume()
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
        # A bulk write does not read what it overwrites, so it may have changed any day.
        forget_from = date.min if len(records) else None
        if audit is not None:
            steps = self._write_steps(records, audit, forget_from)
            self._in_write_transaction("change:" + audit.action, lambda tx: _run_steps(tx, steps))
            if progress:
                progress(len(records))
            return
        for kind, name in _WRITES:
            items = getattr(records, kind)
            for chunk in _chunks(items):
                if kind == "interactions":
                    self._write_interactions(chunk)
                else:
                    self._write_rows(name, [row_of(r) for r in chunk])
                if progress:
                    progress(len(chunk))
            if kind == "staff":
                # Managers can come later in the same file than their reports.
                for chunk in _chunks(items):
                    self._write_rows("write_reports_to", [{"id": s.id, "manager": s.manager} for s in chunk])
        if forget_from is not None:
            forget = _step(self.queries["forget_trend_points"], _forget_params(forget_from))
            self._in_write_transaction("forget_trend_points", forget)

    @contextmanager
    def bulk(self):
        """Nothing to put off: Neo4j keeps its indexes up to date in each write transaction at no great cost."""
        yield

    # -- trend points: cached figures of past days, dropped when history is edited ---------------------------
    @contextmanager
    def organisation(self):
        """The whole organisation read once into memory (trends compute many days from it), and the epoch read first."""
        epoch = self.read("trend_points", {"keys": []})[0]["epoch"]
        index = GraphIndex()
        index.apply(self.read_all())
        yield index, epoch

    def trend_points(self, keys: list[str]) -> dict[str, dict]:
        row = self.read("trend_points", {"keys": keys})[0]
        return {p["key"]: json.loads(p["figures"]) for p in row["points"]}

    def save_trend_points(self, points: dict[str, tuple[date, dict]], epoch: int) -> bool:
        rows = [{"key": k, "day": d.isoformat(), "figures": json.dumps(f, sort_keys=True)} for k, (d, f) in points.items()]
        self.ensure_schema()

        def work(tx):
            return _fetch(tx, self.queries["save_trend_points"], {"epoch": epoch, "points": rows})

        saved = self._in_write_transaction("save_trend_points", work)
        return bool(saved) and saved[0]["saved"] == len(rows)

    def report_rows(self, report, bound) -> list[dict[str, Any]]:
        """The report's .cypher file (or its extraction query), with the parameters it declares, rows packed."""
        named = self.queries[report.query]
        return self.read_packed(named.name, bound.query_params(named))

    def analyst_query(self, text: str, params: dict[str, Any] | None = None, limits: Limits | None = None,
                      trusted: bool = False) -> AnalystResult:
        """Analysts' own read-only Cypher, through every layer of the guard (graphcrm.stores.neo4j_analyst)."""
        return run_analyst_query(self._analyst_driver, self.database, text, params, limits, trusted)

    def _analyst_driver(self, address: Any = None):
        """A driver of its own for one analyst query (its connection may be closed under a runaway), to the
        store's URL or, given a cluster member's address, straight to that member."""
        url = self._driver_url
        if address is not None:
            scheme = urlsplit(url).scheme.replace("neo4j", "bolt")
            url = f"{scheme}://{address}"
        return GraphDatabase.driver(url, auth=self._auth, connection_acquisition_timeout=10, connection_timeout=5,
                                    max_connection_pool_size=2, notifications_min_severity="OFF")

    def known_ids(self) -> KnownIds:
        found = {row["kind"]: set(row["ids"]) for row in self.read("known_ids")}
        return KnownIds(**found)

    def stored_versions(self, records: Records) -> Records:
        """Read by identity with cypher/reads/stored_records.cypher, BATCH_ROWS identities per query."""
        found = Records()
        for kind, items in records.kinds():
            cls, out = _EXPORTS[kind][1], getattr(found, kind)
            for chunk in _chunks(items):
                params: dict[str, list] = {name: [] for name in _EXPORTS}
                params[kind] = [_identity_param(record) for record in chunk]
                for item in self.read("stored_records", params)[0][kind]:
                    if kind == "interactions":
                        item["staff"] = tuple(item["staff"])
                    out.append(cls(**item))
        return found

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


def _step(named: NamedQuery, params: dict[str, Any]) -> Callable[[Any], None]:
    """One write query as a step of a transaction."""
    return _step_text(named.text, params)


def _step_text(text: str, params: dict[str, Any]) -> Callable[[Any], None]:
    return lambda tx: tx.run(text, params).consume()


def _run_steps(tx, steps: list[Callable[[Any], Any]]) -> None:
    for step in steps:
        step(tx)


def _refresh_timelines(tx, named: NamedQuery, clients: set[str]) -> None:
    if clients:
        tx.run(named.text, {"clients": sorted(clients)}).consume()


def _fetch(tx, named: NamedQuery, params: dict[str, Any]) -> list[dict[str, Any]]:
    return _fetch_text(tx, named.text, params)


def _fetch_text(tx, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = tx.run(text, params)
    keys = result.keys()
    return [{k: native(v) for k, v in zip(keys, record.values())} for record in result]


def _stored_in(snapshot: Snapshot):
    """old_of(kind, record) over the records a change read: the stored version of what it writes, if it read it."""
    stored: dict[tuple, Any] = {}
    views = [*snapshot.clients.values(), *snapshot.staff.values(), *snapshot.teams.values()]
    for view in views:
        for kind, items in view.kinds():
            for item in items:
                stored[(kind, item.identity)] = item
    for person in snapshot.people.values():
        stored[("staff", person.identity)] = person
    for interaction in snapshot.interactions.values():
        stored[("interactions", interaction.identity)] = interaction
    for need in snapshot.needs.values():
        stored[("needs", need.identity)] = need
    return lambda kind, record: stored.get((kind, record.identity))


def _identity_param(record) -> Any:
    """A record's identity as the stored_records query takes it: the id, or a map with `since` as ISO text."""
    identity = record.identity
    if len(identity) == 1:
        return identity[0]
    names = [n for n in record.__dataclass_fields__][:len(identity) - 1] + ["since"]
    return {n: (v.isoformat() if hasattr(v, "isoformat") else v) for n, v in zip(names, identity)}


def _chunks(items: list) -> Iterable[list]:
    for start in range(0, len(items), BATCH_ROWS):
        yield items[start:start + BATCH_ROWS]


def _forget_params(start: date) -> dict[str, Any]:
    """forget_trend_points' parameters for a write that can change day `start` and every day after it."""
    return {"from": start.isoformat(), "edited": start < date.today()}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
