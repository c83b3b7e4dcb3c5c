"""The embedded store: SQLite (WAL, synchronous=FULL) is the durable record, a GraphIndex in memory serves reads.

Interactions are not held in memory: the GraphIndex reads them through SQLite's covering indexes
(graphcrm.stores.embedded_interactions). What is held (the structure, needs, assessments and
handovers) is estimated before loading, and a store past the memory budget is refused with a clear
message instead of exhausting the machine (GRAPHCRM_EMBEDDED_MEMORY_MB, default 3072).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from graphcrm.bulk import gc_paused
from graphcrm.errors import ConfigError, StoreError
from graphcrm.graphindex import GraphIndex
from graphcrm.model import (
    AuditEntry, Client, ClientActivity, Coverage, Directory, Engagement, Interaction, KnownIds, Membership, Need, Records, Staff, Team,
    Tier,
)
from graphcrm.rules import records_history_start, span_active, staff_active
from graphcrm.stores import embedded_explorer as explorer_reads
from graphcrm.stores.embedded_interactions import SqliteInteractions, at_out, staff_in, staff_out
from graphcrm.stores.protocol import NeighbourPage, NodeCard, Planned, Scope, SearchPage, Snapshot
from graphcrm.times import day_end, micros, zone_named

__all__ = ["EmbeddedStore"]

_SCHEMA = Path(__file__).with_name("embedded_schema.sql")

# One table per record kind: (table, columns, record type). Column order = dataclass field order.
_TABLES: dict[str, tuple[str, tuple[str, ...], type]] = {
    "tiers": ("tier", ("key", "level", "name", "duty"), Tier),
    "staff": ("staff", ("id", "name", "email", "tier", "capacity", "joined", "left", "manager"), Staff),
    "teams": ("team", ("id", "name"), Team),
    "memberships": ("membership", ("staff", "team", "since", "until"), Membership),
    "clients": ("client", ("id", "name", "industry", "grade", "value", "stage"), Client),
    "coverage": ("coverage", ("staff", "client", "tier", "role", "since", "until"), Coverage),
    "engagements": ("engagement", ("team", "client", "since", "until"), Engagement),
    "interactions": ("interaction", ("id", "client", "kind", "at", "staff", "amount", "summary", "grade", "score", "stage"), Interaction),
    "needs": ("need", ("id", "client", "detected", "summary", "source", "staff"), Need),
}
_KEYS = {
    "tiers": ("key",), "staff": ("id",), "teams": ("id",), "memberships": ("staff", "team", "since"),
    "clients": ("id",), "coverage": ("staff", "client", "tier", "since"),
    "engagements": ("team", "client", "since"), "interactions": ("id",), "needs": ("id",),
}
_DATES = {"joined", "left", "since", "until", "detected"}
_KEY_DATES = {"since"}


def _date_out(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _key_date_out(value: date | None) -> str:
    return "" if value is None else value.isoformat()


_datetime_out = at_out
_staff_out, _staff_in = staff_out, staff_in


def _date_in(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _converters(kind: str, direction: str) -> list[tuple[int, Callable]]:
    """(column position, converter) for the columns that are not stored as they are held."""
    _, columns, _ = _TABLES[kind]
    out = []
    for position, column in enumerate(columns):
        if kind == "interactions" and column == "staff":
            out.append((position, _staff_out if direction == "out" else _staff_in))
        elif column == "at":
            out.append((position, _datetime_out if direction == "out" else datetime.fromisoformat))
        elif column in _KEY_DATES:
            out.append((position, _key_date_out if direction == "out" else _date_in))
        elif column in _DATES:
            out.append((position, _date_out if direction == "out" else _date_in))
    return out


# Only a few columns need converting; doing just those keeps loading 500,000 interactions fast.
_OUT = {kind: _converters(kind, "out") for kind in _TABLES}
_IN = {kind: _converters(kind, "in") for kind in _TABLES}


#: Rough bytes of memory per record held by the GraphIndex (record, identity, index entries), measured at size M.
_BYTES_HELD = {"tier": 600, "staff": 900, "team": 400, "membership": 700, "client": 450, "coverage": 750,
               "engagement": 650, "need": 550, "milestone": 800}
_DEFAULT_BUDGET_MB = 3072
#: A write carrying at least this many interactions into an empty table rebuilds the indexes after it.
_BULK_ROWS = 50_000


def memory_budget_mb() -> int:
    """The embedded store's memory budget in MB: GRAPHCRM_EMBEDDED_MEMORY_MB, else 3,072."""
    raw = os.environ.get("GRAPHCRM_EMBEDDED_MEMORY_MB", "").strip()
    if not raw:
        return _DEFAULT_BUDGET_MB
    if not raw.isdigit() or int(raw) == 0:
        raise ConfigError(f"GRAPHCRM_EMBEDDED_MEMORY_MB={raw!r}: give the embedded store's memory budget as a whole "
                          "number of megabytes, e.g. 3072")
    return int(raw)


def _upsert_sql(kind: str) -> str:
    table, columns, _ = _TABLES[kind]
    if kind == "interactions":
        columns = columns + ("ts",)
    keys = _KEYS[kind]
    quoted = [f'"{c}"' for c in columns]
    updates = [f'"{c}" = excluded."{c}"' for c in columns if c not in keys] or ['"{0}" = excluded."{0}"'.format(keys[0])]
    return (f'INSERT INTO {table} ({", ".join(quoted)}) VALUES ({", ".join("?" for _ in columns)}) '
            f'ON CONFLICT ({", ".join(keys)}) DO UPDATE SET {", ".join(updates)}')


class EmbeddedStore:
    """SQLite + networkx. A write returns only after its SQLite transaction has committed."""

    kind = "embedded"

    def __init__(self, url: str, path: str):
        self.url = url
        self.path = path
        try:
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        # Readers (web threads) and writers share one connection and one in-memory index.
        self._lock = threading.RLock()
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed write survives power loss too, not only a crash (WAL+NORMAL does not).
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._migrate()
            self._db.executescript(_SCHEMA.read_text(encoding="utf-8"))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{path} is not a graphcrm database: {exc}") from None
        try:
            self._check_budget()
        except (StoreError, ConfigError):
            self._db.close()
            raise
        self.interactions = SqliteInteractions(self._db, self._lock)
        self.index = GraphIndex(self.interactions)
        with gc_paused():
            self.index.apply(self._read_sqlite(interactions=False))
            self.index.load_milestones(self.interactions.milestones())

    def _migrate(self) -> None:
        """A version-1 file (before `ts`) gets the column, filled from `at`, before the schema's indexes need it."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(interaction)")}
        if version >= 2 or not columns or "ts" in columns:
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("ALTER TABLE interaction ADD COLUMN ts INTEGER NOT NULL DEFAULT 0")
        rows = self._db.execute("SELECT rowid, at FROM interaction").fetchall()
        self._db.executemany("UPDATE interaction SET ts = ? WHERE rowid = ?",
                             [(micros(datetime.fromisoformat(at)), rowid) for rowid, at in rows])
        self._db.execute("COMMIT")

    def _check_budget(self) -> None:
        """Refuse, with the figures, a store whose structure would not fit the memory budget once loaded."""
        budget_mb = memory_budget_mb()
        counts = {table: self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in _BYTES_HELD if table != "milestone"}
        counts["milestone"] = self._db.execute(
            "SELECT count(*) FROM interaction WHERE kind IN ('assessment', 'handover')").fetchone()[0]
        needed_mb = sum(_BYTES_HELD[t] * n for t, n in counts.items()) / 2**20 + 150   # + the interpreter and libraries
        if needed_mb > budget_mb:
            biggest = ", ".join(f"{n:,} {t}" for t, n in sorted(counts.items(), key=lambda kv: -kv[1]*_BYTES_HELD[kv[0]])[:3])
            raise StoreError(
                f"{self.path}: too large for the embedded store: opening it needs about {needed_mb:,.0f} MB "
                f"({biggest}, ...) and the budget is {budget_mb:,} MB (GRAPHCRM_EMBEDDED_MEMORY_MB). "
                "Move this organisation to Neo4j (graphcrm export, then import into a bolt:// or neo4j:// store).")

    # -- Store protocol ------------------------------------------------------------------
    def init_schema(self) -> None:
        """The schema is created on open; nothing more to do."""

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def write(self, records: Records, progress: Callable[[int], None] | None = None,
              audit: AuditEntry | None = None) -> None:
        """Upsert every record (and its audit entry) in one SQLite transaction, then update memory."""
        with self._lock:
            self._write_locked(records, progress, audit)

    def change(self, scope: Scope, plan: Callable[[Snapshot], Planned | None]) -> Planned | None:
        """Read the scope, plan and write under the store's lock: nothing can change in between."""
        with self._lock:
            planned = plan(self._snapshot(scope))
            if planned is not None:
                self._write_locked(planned.records, None, planned.audit)
            return planned

    def _snapshot(self, scope: Scope) -> Snapshot:
        g = self.index
        stored = self.interactions.by_ids(scope.interactions) if scope.interactions else {}
        return Snapshot(
            tiers=g.tiers_by_level(),
            clients={c: v for c in scope.clients if (v := self.client_view(c)) is not None},
            staff={s: v for s in scope.staff if (v := self.staff_view(s)) is not None},
            teams={t: v for t in scope.teams if (v := self.team_view(t)) is not None},
            people={s: g.staff[s] for s in scope.people if s in g.staff},
            interactions=stored,
            needs={n: g.needs[n] for n in scope.needs if n in g.needs},
        )

    def _write_locked(self, records: Records, progress: Callable[[int], None] | None,
                      audit: AuditEntry | None) -> None:
        """One SQLite transaction (the caller holds the lock), then the in-memory index."""
        replaced: dict[str, tuple[str, str]] = {}
        try:
            self._db.execute("BEGIN IMMEDIATE")
            if records.interactions:
                replaced = self._stored_kinds([i.id for i in records.interactions])
            # Which days the write can change, from what it overwrites (the interactions it replaces read in bulk).
            overwritten = self.interactions.by_ids(list(replaced)) if replaced else {}
            start = records_history_start(records, lambda kind, r: self._stored(kind, r, overwritten))
            if start is not None:
                self._forget_trends(start)
            for kind, items in records.kinds():
                if not items:
                    continue
                if kind == "interactions" and not replaced and len(items) >= _BULK_ROWS:
                    self._bulk_load_interactions(items)
                else:
                    self._write_kind(kind, items)
                if progress:
                    progress(len(items))
            if audit is not None:
                self._db.execute(
                    "INSERT OR IGNORE INTO audit (id, at, actor, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (audit.id, _datetime_out(audit.at), audit.actor, audit.action, audit.target, audit.before, audit.after))
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        with gc_paused():
            self.index.apply(records, replaced)

    def _bulk_load_interactions(self, items: list) -> None:
        """Many new interactions into a table without them (a first import): the interaction indexes are dropped and
        rebuilt after the insert, in the same transaction; sorting once is much faster than inserting into
        three B-trees row by row."""
        if not self._no_interactions():
            self._write_kind("interactions", items)
            return
        indexes = self._drop_interaction_indexes()
        self._write_kind("interactions", items)
        for _, sql in indexes:
            self._db.execute(sql)

    def _no_interactions(self) -> bool:
        return bool(self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM interaction)").fetchone()[0])

    def _drop_interaction_indexes(self) -> list[tuple[str, str]]:
        """Drop the interaction table's secondary indexes; their (name, CREATE statement)s, to build them again."""
        indexes = self._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'interaction' "
                                   "AND sql IS NOT NULL").fetchall()
        for name, _ in indexes:
            self._db.execute(f'DROP INDEX "{name}"')
        return indexes

    @contextmanager
    def bulk(self):
        """A first import, a chunk at a time: its interactions go into a table without secondary indexes, built once
        at the end (at size L, inserting 5M rows into three B-trees row by row took longer than the rest of the
        import). An import stopped part-way gets them back when the store is next opened: the schema makes them."""
        with self._lock:
            indexes = self._drop_interaction_indexes() if self._no_interactions() else []
        try:
            yield
        finally:
            if indexes:
                with self._lock:
                    self._db.execute("BEGIN IMMEDIATE")
                    for _, sql in indexes:
                        self._db.execute(sql)
                    self._db.execute("COMMIT")

    def _stored_kinds(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        """(client, kind) of the interactions among `ids` already stored: what an upsert replaces."""
        if self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM interaction)").fetchone()[0]:
            return {}
        found = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self._db.execute(f"SELECT id, client, kind FROM interaction WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((i, (client, kind)) for i, client, kind in rows)
        return found

    def _stored(self, kind: str, record, interactions: dict[str, Interaction]):
        """The record stored under `record`'s identity (None: a new one): from memory, or the `interactions` read."""
        g = self.index
        table = {"tiers": g.tiers, "staff": g.staff, "teams": g.teams, "clients": g.clients,
                 "memberships": g.memberships, "coverage": g.coverage, "engagements": g.engagements,
                 "interactions": interactions, "needs": g.needs}[kind]
        identity = record.identity
        return table.get(identity[0] if len(identity) == 1 else identity)

    def _forget_trends(self, start: date) -> None:
        """Inside a write: trend points from `start` on are stale; an edit of days before today also moves
        the history epoch, so a trend computed from what was read before cannot be saved (save_trend_points)."""
        self._db.execute("DELETE FROM trend_point WHERE day >= ?", (start.isoformat(),))
        if start < date.today():
            self._db.execute("UPDATE trend_history SET epoch = epoch + 1 WHERE id = 1")

    @contextmanager
    def organisation(self):
        """The organisation in memory and the history epoch, held still (the store's lock) while in use."""
        with self._lock:
            yield self.index, self._db.execute("SELECT epoch FROM trend_history WHERE id = 1").fetchone()[0]

    def trend_points(self, keys: list[str]) -> dict[str, dict]:
        with self._lock:
            found = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                for key, figures in self._db.execute(f"SELECT key, figures FROM trend_point WHERE key IN ({marks})", chunk):
                    found[key] = json.loads(figures)
            return found

    def save_trend_points(self, points: dict[str, tuple[date, dict]], epoch: int) -> bool:
        """Keep computed points, unless history was edited since `epoch` was read (they may be stale then)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                current = self._db.execute("SELECT epoch FROM trend_history WHERE id = 1").fetchone()[0]
                if current == epoch:
                    self._db.executemany("INSERT OR REPLACE INTO trend_point (key, day, figures) VALUES (?, ?, ?)",
                                         [(k, d.isoformat(), json.dumps(f, sort_keys=True)) for k, (d, f) in points.items()])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return current == epoch

    def _write_kind(self, kind: str, items: list) -> None:
        _, columns, _ = _TABLES[kind]
        convert = _OUT[kind]
        rows = []
        for item in items:
            values = [getattr(item, c) for c in columns]
            for position, out in convert:
                values[position] = out(values[position])
            if kind == "interactions":
                values.append(micros(item.at))
            rows.append(values)
        self._db.executemany(_upsert_sql(kind), rows)

    def read_all(self) -> Records:
        with self._lock:
            return self._read_sqlite()

    def _read_sqlite(self, interactions: bool = True) -> Records:
        records = Records()
        for kind, (table, columns, cls) in _TABLES.items():
            if kind == "interactions":
                if interactions:
                    records.interactions.extend(self.interactions.every())
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            convert = _IN[kind]
            items = getattr(records, kind)
            for row in self._db.execute(f"SELECT {quoted} FROM {table}"):
                values = list(row)
                for position, back in convert:
                    values[position] = back(values[position])
                items.append(cls(*values))
        return records

    def list_audit(self, actor: str | None = None, action: str | None = None, target: str | None = None,
                   since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        # One static query: a null filter matches everything, and a filter is a part of the text in any case
        # (`assess` finds `assessment`), as in cypher/reads/list_audit.cypher.
        since_text = _datetime_out(since) if since is not None else None
        with self._lock:
            rows = self._db.execute(
                "SELECT id, at, actor, action, target, before, after FROM audit "
                "WHERE (:actor IS NULL OR instr(lower(actor), lower(:actor)) > 0) "
                "AND (:action IS NULL OR instr(lower(action), lower(:action)) > 0) "
                "AND (:target IS NULL OR instr(lower(target), lower(:target)) > 0) "
                "AND (:since IS NULL OR at >= :since) ORDER BY at DESC, id DESC LIMIT :max",
                {"actor": actor, "action": action, "target": target, "since": since_text, "max": limit}).fetchall()
        return [AuditEntry(r[0], datetime.fromisoformat(r[1]), *r[2:]) for r in rows]

    def tiers(self) -> list[Tier]:
        with self._lock:
            return self.index.tiers_by_level()

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        needle = text.lower()
        with self._lock:
            g = self.index
            found = [{"label": label, "key": r.id, "name": r.name}
                     for label, table in (("Client", g.clients), ("Staff", g.staff), ("Team", g.teams))
                     for r in table.values() if needle in r.id.lower() or needle in (r.name or "").lower()]
        found.sort(key=lambda r: (r["key"] != text, r["label"], r["key"]))
        return found[:limit]

    def _node_card(self, node: tuple[str, str]) -> dict[str, Any]:
        label, key = node
        g = self.index
        card = {"label": label, "key": key, "name": None, "level": None, "grade": None, "value": None, "tier": None}
        if label == "Client" and key in g.clients:
            c = g.clients[key]
            card.update(name=c.name, grade=c.grade, value=c.value)
        elif label == "Staff" and key in g.staff:
            card.update(name=g.staff[key].name, tier=g.staff[key].tier)
        elif label == "Team" and key in g.teams:
            card.update(name=g.teams[key].name)
        elif label == "Tier" and key in g.tiers:
            card.update(name=g.tiers[key].name, level=g.tiers[key].level, tier=key)
        return card

    def neighbourhood(self, label: str, key: str, as_of: date, limit: int = 50) -> dict[str, Any] | None:
        """The node and its neighbours over structural relationships active on as_of (as neighbourhood.cypher)."""
        with self._lock:
            g = self.index
            table = {"Client": g.clients, "Staff": g.staff, "Team": g.teams, "Tier": g.tiers}.get(label, {})
            if key not in table:
                return None
            found = set()
            for kind, outgoing, tier, other, since, until, _ in self._edges(label, key):
                if not span_active(since, until, as_of):
                    continue
                if kind in ("COVERS", "MEMBER_OF") and not all(
                        staff_active(g.staff.get(x[1]), as_of) for x in ((label, key), other) if x[0] == "Staff"):
                    continue
                found.add((kind, outgoing, tier, other))
            ordered = sorted(found, key=lambda f: (f[0], f[3][0], f[3][1], f[2] is None, f[2] or ""))
            neighbours = [{"type": t, "outgoing": o, "tier": tier, "node": self._node_card(other)}
                          for t, o, tier, other in ordered]
            return {"centre": self._node_card((label, key)), "neighbours": neighbours[:limit], "total": len(neighbours)}

    def _edges(self, label: str, key: str):
        """(type, outgoing, tier, other node, since, until, role) of every structural relationship of a node, from the indexes."""
        g = self.index
        if label == "Client":
            for c in g.coverage_by_client.get(key, {}).values():
                yield "COVERS", False, c.tier, ("Staff", c.staff), c.since, c.until, c.role
            for e in g.engagements_by_client.get(key, {}).values():
                yield "ENGAGES", False, None, ("Team", e.team), e.since, e.until, None
        elif label == "Staff":
            person = g.staff[key]
            for c in g.coverage_by_staff.get(key, {}).values():
                yield "COVERS", True, c.tier, ("Client", c.client), c.since, c.until, c.role
            for m in g.memberships_by_staff.get(key, {}).values():
                yield "MEMBER_OF", True, None, ("Team", m.team), m.since, m.until, None
            if person.tier and person.tier in g.tiers:
                yield "IN_TIER", True, None, ("Tier", person.tier), None, None, None
            if person.manager and person.manager in g.staff:
                yield "REPORTS_TO", True, None, ("Staff", person.manager), None, None, None
            for other in g.staff.values():
                if other.manager == key:
                    yield "REPORTS_TO", False, None, ("Staff", other.id), None, None, None
        elif label == "Team":
            for m in g.memberships_by_team.get(key, {}).values():
                yield "MEMBER_OF", False, None, ("Staff", m.staff), m.since, m.until, None
            for e in g.engagements_by_team.get(key, {}).values():
                yield "ENGAGES", True, None, ("Client", e.client), e.since, e.until, None
        elif label == "Tier":
            for other in g.staff.values():
                if other.tier == key:
                    yield "IN_TIER", False, None, ("Staff", other.id), None, None, None

    # -- the graph explorer's reads (graphcrm/stores/embedded_explorer.py) ------------------------------
    def node_cards(self, nodes: list[tuple[str, str]], as_of: date) -> list[NodeCard]:
        with self._lock:
            return explorer_reads.node_cards(self.index, nodes, as_of)

    def neighbourhood_page(self, label: str, key: str, as_of: date, offset: int = 0,
                           limit: int = 50) -> NeighbourPage | None:
        with self._lock:
            g = self.index
            if key not in {"Client": g.clients, "Staff": g.staff, "Team": g.teams, "Tier": g.tiers}.get(label, {}):
                return None
            return explorer_reads.neighbourhood_page(g, self._edges(label, key), (label, key), as_of, offset, limit)

    def search_page(self, text: str, offset: int = 0, limit: int = 20, within: list[str] | None = None) -> SearchPage:
        with self._lock:
            return explorer_reads.search_page(self.index, text, offset, limit, within)

    def client_values(self, clients: list[str]) -> dict[str, float | None]:
        with self._lock:
            return explorer_reads.client_values(self.index, clients)

    def teams(self) -> list[Team]:
        with self._lock:
            return sorted(self.index.teams.values(), key=lambda t: t.id)

    def client_timeline(self, client: str, limit: int = 200) -> tuple[list[Interaction], list[Need]]:
        with self._lock:
            g = self.index
            interactions = sorted(self.interactions.of_client(client), key=lambda i: (i.at, i.id), reverse=True)
            needs = sorted(g.needs_by_client.get(client, {}).values(), key=lambda n: (n.detected, n.id), reverse=True)
        return interactions[:limit], needs

    def existing_staff(self, ids: list[str]) -> set[str]:
        with self._lock:
            return {i for i in ids if i in self.index.staff}

    def views(self, scope: Scope) -> Snapshot:
        with self._lock:
            return self._snapshot(scope)

    def client_activity(self, clients: list[str], as_of: date, zone: str = "UTC") -> dict[str, ClientActivity]:
        """As cypher/reads/client_activity.cypher, from the index and the interactions in SQLite."""
        end = day_end(as_of, zone_named(zone))
        found: dict[str, ClientActivity] = {}
        with self._lock:
            g = self.index
            for client in sorted(set(clients)):
                if client not in g.clients:
                    continue
                done = [i for i in self.interactions.of_client(client) if i.at < end]
                answers = [i.at for i in done if i.kind in ("communication", "transaction")]
                needs = sorted((n for n in g.needs_by_client.get(client, {}).values() if n.detected <= as_of),
                               key=lambda n: (n.detected, n.id), reverse=True)
                found[client] = ClientActivity(client, max((i.at for i in done), default=None), max(answers, default=None),
                                               needs)
        return found

    def existing_ids(self, kind: str, ids: list[str]) -> set[str]:
        with self._lock:
            table = {"staff": self.index.staff, "clients": self.index.clients, "teams": self.index.teams}[kind]
            return {i for i in ids if i in table}

    def directory(self) -> Directory:
        with self._lock:
            g = self.index
            return Directory({k: c.name for k, c in g.clients.items()}, {k: s.name for k, s in g.staff.items()},
                             {k: t.name for k, t in g.teams.items()}, {k: t.name for k, t in g.tiers.items()})

    def client_view(self, client: str) -> Records | None:
        with self._lock:
            g = self.index
            if client not in g.clients:
                return None
            coverage = list(g.coverage_by_client.get(client, {}).values())
            milestones = [i for kind in ("assessment", "handover") for i in g.milestones_by_client[kind].get(client, {}).values()]
            return Records(tiers=g.tiers_by_level(), clients=[g.clients[client]], coverage=coverage,
                           staff=[g.staff[s] for s in sorted({c.staff for c in coverage})],
                           interactions=milestones, engagements=list(g.engagements_by_client.get(client, {}).values()))

    def staff_view(self, staff: str) -> Records | None:
        with self._lock:
            g = self.index
            if staff not in g.staff:
                return None
            return Records(tiers=g.tiers_by_level(), staff=[g.staff[staff]],
                           coverage=list(g.coverage_by_staff.get(staff, {}).values()),
                           memberships=list(g.memberships_by_staff.get(staff, {}).values()))

    def team_view(self, team: str) -> Records | None:
        with self._lock:
            g = self.index
            if team not in g.teams:
                return None
            return Records(tiers=g.tiers_by_level(), teams=[g.teams[team]],
                           engagements=list(g.engagements_by_team.get(team, {}).values()))

    def known_ids(self) -> KnownIds:
        with self._lock:
            i = self.index
            return KnownIds(set(i.tiers), set(i.staff), set(i.teams), set(i.clients))

    def stored_versions(self, records: Records) -> Records:
        """Looked up in memory (the index holds every structural record by identity, one id for the node kinds);
        interactions are read from SQLite by id, 500 per query."""
        found = Records()
        with self._lock:
            for kind, items in records.kinds():
                if kind == "interactions":
                    stored = self.interactions.by_ids(i.id for i in items)
                    found.interactions.extend(stored[i.id] for i in items if i.id in stored)
                    continue
                table, out = getattr(self.index, kind), getattr(found, kind)
                by_id = len(_KEYS[kind]) == 1
                for item in items:
                    stored = table.get(item.identity[0] if by_id else item.identity)
                    if stored is not None:
                        out.append(stored)
        return found

    def counts(self) -> dict[str, int]:
        with self._lock:
            g = self.index
            return {"tiers": len(g.tiers), "staff": len(g.staff), "teams": len(g.teams),
                    "memberships": len(g.memberships), "clients": len(g.clients), "coverage": len(g.coverage),
                    "engagements": len(g.engagements), "interactions": self.interactions.count(), "needs": len(g.needs)}

    def integrity_check(self) -> str:
        with self._lock:
            return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def report_rows(self, report, bound) -> list[dict[str, Any]]:
        """The report's twin over the in-memory organisation (the registry hands it over with the report)."""
        if report.twin is None:
            raise StoreError(f"{report.name}: no embedded twin of {report.query}")
        with self._lock:
            return report.twin(self.index, bound)

    def snapshot(self) -> GraphIndex:
        """The in-memory graph the embedded reports read (hold `reading()` while using it)."""
        return self.index

    def reading(self):
        return self._lock
