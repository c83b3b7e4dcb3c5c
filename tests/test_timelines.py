"""The per-client timelines the write path keeps (grades, stages, first and last interaction) stay right after every kind of write."""

from dataclasses import replace
from datetime import datetime, timezone

from graphcrm.config import Settings
from graphcrm.model import Client, Coverage, Interaction, Records, Staff, Tier
from graphcrm.permissions import User
from graphcrm.service import Service
from graphcrm.stores import open_store
from graphcrm.times import from_micros, micros

UTC = timezone.utc
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
BOSS = User("boss@example.com", "manager")


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _organisation() -> Records:
    return Records(
        tiers=[Tier("intel", 1), Tier("planning", 2)],
        staff=[Staff("S1", tier="intel"), Staff("S2", tier="planning")],
        clients=[Client("K1", grade="C"), Client("K2"), Client("K3", grade="B")],
        coverage=[Coverage("S1", "K1", "intel"), Coverage("S2", "K1", "planning"), Coverage("S1", "K2", "intel")],
        interactions=[
            Interaction("I1", "K1", "contact", _at(1), ("S1",)),
            Interaction("I2", "K1", "assessment", _at(2), ("S2",), grade="A"),
            Interaction("I3", "K1", "assessment", _at(2), ("S2",), grade="B"),       # same moment: the larger id is later
            Interaction("I4", "K1", "handover", _at(3), ("S1",), stage="planning"),
            Interaction("I5", "K2", "contact", _at(4), ("S1",)),
        ])


def _expected(records: Records, clients: list[str]) -> dict[str, dict]:
    """What the timelines must hold, worked out from the records themselves."""
    out = {}
    for cid in clients:
        mine = sorted((i for i in records.interactions if i.client == cid), key=lambda i: (i.at, i.id))
        assessments = [i for i in mine if i.kind == "assessment"]
        handovers = [i for i in mine if i.kind == "handover"]
        out[cid] = {"assessed": [i.at for i in assessments], "grades": [i.grade or "" for i in assessments],
                    "handed": [i.at for i in handovers], "stages": [i.stage or "" for i in handovers],
                    "first": mine[0].at if mine else None, "last": mine[-1].at if mine else None}
    return out


def _kept(store, clients: list[str]) -> dict[str, dict]:
    """What the store keeps: on Neo4j the client node's properties, embedded the GraphIndex's timelines and spans."""
    if store.kind == "neo4j":
        return {row.pop("client"): row for row in store.read("client_timelines", {"clients": clients})}
    g = store.index
    out = {}
    for cid in clients:
        assessed, handed = g.timeline("assessment", cid).items, g.timeline("handover", cid).items
        span = g.span().get(cid)
        out[cid] = {"assessed": [i.at for i in assessed], "grades": [i.grade or "" for i in assessed],
                    "handed": [i.at for i in handed], "stages": [i.stage or "" for i in handed],
                    "first": from_micros(span[0]) if span else None, "last": from_micros(span[1]) if span else None}
    return out


def _check(store):
    clients = ["K1", "K2", "K3"]
    assert _kept(store, clients) == _expected(store.read_all(), clients)
    if store.kind == "embedded":             # and the same as a store opened afresh on the file computes
        fresh = open_store(store.url)
        try:
            assert _kept(fresh, clients) == _kept(store, clients)
        finally:
            fresh.close()


def test_timelines_after_import_changes_and_reimport(store):
    records = _organisation()
    store.write(records)                                             # a first import: the create path
    _check(store)
    service = Service(store, Settings(), clock=lambda: NOW)
    service.assess(BOSS, "K2", "C", at=_at(5))                       # one change through the service
    service.handover(BOSS, "K2", "planning", at=_at(6))
    service.log_interaction(BOSS, "K3", "contact", at=_at(1, 8))
    _check(store)
    # A re-import that moves an assessment to another client, moves a moment and adds a new interaction.
    moved = [replace(records.interactions[1], client="K3"), replace(records.interactions[0], at=_at(9)),
             Interaction("I9", "K1", "assessment", _at(1, 7), ("S2",), grade="C")]
    store.write(Records(interactions=moved))
    _check(store)
    store.write(Records(interactions=moved))                         # re-importing the same changes nothing
    _check(store)
    kept = _kept(store, ["K1"])["K1"]
    assert kept["grades"] == ["C", "B"] and kept["first"] == _at(1, 7) and kept["last"] == _at(9)


def test_a_bulk_import_of_many_clients_keeps_every_timeline(store):
    staff = Staff("S1", tier="intel")
    clients = [Client(f"K{n}") for n in range(40)]
    interactions = [Interaction(f"I{n:03d}", f"K{n % 40}", "assessment" if n % 3 == 0 else "contact",
                                _at(1 + n % 20, n % 24), ("S1",), grade="ABC"[n % 3] if n % 3 == 0 else None)
                    for n in range(400)]
    store.write(Records(tiers=[Tier("intel", 1)], staff=[staff], clients=clients, interactions=interactions))
    ids = [c.id for c in clients]
    assert _kept(store, ids) == _expected(store.read_all(), ids)
    assert micros(_kept(store, ["K0"])["K0"]["first"]) == micros(min(i.at for i in interactions if i.client == "K0"))
