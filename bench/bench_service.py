"""Recording interactions one at a time through the service layer (permission check, audit entry, durable commit).

Targets (issue 13): >= 4,000 per second embedded and >= 500 per second on Neo4j (median of 5 rounds).
Baselines in the same process: the store's raw write of the same one-interaction batch, no service; and the
smallest write there is, an audit entry alone (one statement and its commit: the server's floor for a change).
A change on Neo4j is one transaction of three round trips (lock and read the scope; the write with its
audit entry and the trend points it makes stale; commit), so the ratio to the raw write shows what the service's checks cost.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone

from common import heading, neo4j_store, open_store

from graphcrm.config import Settings
from graphcrm.generator import DEFAULT_ANCHOR, generate
from graphcrm.model import AuditEntry, Interaction, Records
from graphcrm.service import Service
from graphcrm.permissions import User

ROUNDS, PER_ROUND = 5, 200
NOW = datetime.combine(DEFAULT_ANCHOR, datetime.min.time(), tzinfo=timezone.utc)


def rates(store, label: str) -> None:
    records = generate("S", 1)
    store.write(records)
    tiers = {s.id: s.tier for s in records.staff}
    # A tier-1 staff login that actively covers its client's intel stage: the full permission path runs.
    pair = next((c.staff, c.client) for c in records.coverage
                if c.tier == "intel" and tiers[c.staff] == "intel" and c.until is None
                and next(s for s in records.staff if s.id == c.staff).left is None)
    staff_user = User("rep@example.com", "staff", pair[0])
    service = Service(store, Settings(), clock=lambda: NOW)
    medians = {}
    for who in ("staff", "manager"):
        user = staff_user if who == "staff" else User("boss@example.com", "manager")
        per_round = []
        for r in range(ROUNDS):
            started = time.perf_counter()
            for k in range(PER_ROUND):
                service.log_interaction(user, pair[1], "contact", NOW - timedelta(minutes=r * PER_ROUND + k + 1), [pair[0]],
                                        f"{who} bench {r}-{k}")
            per_round.append(PER_ROUND / (time.perf_counter() - started))
        medians[who] = statistics.median(per_round)
    raw = []
    for r in range(ROUNDS):
        started = time.perf_counter()
        for k in range(PER_ROUND):
            store.write(Records(interactions=[Interaction(f"raw-{r}-{k}", pair[1], "contact", NOW, (pair[0],))]))
        raw.append(PER_ROUND / (time.perf_counter() - started))
    # The smallest write a change can be: its audit entry alone, one statement in one transaction.
    floor = []
    for r in range(ROUNDS):
        started = time.perf_counter()
        for k in range(PER_ROUND):
            store.write(Records(), audit=AuditEntry(f"floor-{r}-{k}", NOW, "bench", "floor", pair[1]))
        floor.append(PER_ROUND / (time.perf_counter() - started))
    target = 4000 if label == "embedded" else 500
    print(f"{label}: staff user {medians['staff']:,.0f}/s, manager {medians['manager']:,.0f}/s (target >= {target}/s); "
          f"raw store write {statistics.median(raw):,.0f}/s; service/raw = {medians['staff'] / statistics.median(raw):.2f}; "
          f"an audit entry alone (one statement, one commit) {statistics.median(floor):,.0f}/s")


def main() -> None:
    heading(f"one interaction at a time through the service layer ({ROUNDS} rounds of {PER_ROUND}, medians)")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        rates(store, "embedded")
        store.close()
    store = neo4j_store()
    store.init_schema()
    store.clear()
    rates(store, "neo4j")
    store.close()


if __name__ == "__main__":
    main()
