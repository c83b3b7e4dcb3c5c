"""The graph explorer's store reads: hand-checked answers on the hand-built organisation on both stores, and the
same answers from both stores on hypothesis-generated organisations."""

import os
from datetime import date

from hypothesis import HealthCheck, given, settings

from graphcrm.model import Client
from graphcrm.stores import open_store

from handbuilt import AS_OF, organisation
from strategies import AS_OF_DATES, organisations

EXAMPLES = int(os.environ.get("GRAPHCRM_EXPLORER_PARITY_EXAMPLES", "40"))


def _n(kind, key, tier=None, role=None, outgoing=False, label="Staff"):
    return {"type": kind, "outgoing": outgoing, "tier": tier, "role": role, "label": label, "key": key}


def test_a_clients_neighbours_are_its_active_coverers_by_stage_and_its_teams(store):
    store.write(organisation())
    page = store.neighbourhood_page("Client", "K1", AS_OF, 0, 50)
    # A2 left on as_of and B2's planning coverage ended on it; T2 engages K1 from as_of on.
    assert page == {"total": 6, "neighbours": [
        _n("COVERS", "A1", "intel", "lead"), _n("COVERS", "B1", "planning", "lead"),
        _n("COVERS", "C1", "solution", "lead"), _n("COVERS", "C2", "solution", "backup"),
        _n("ENGAGES", "T1", label="Team"), _n("ENGAGES", "T2", label="Team")]}


def test_one_person_covering_three_stages_is_three_neighbours_and_pages_cut_anywhere(store):
    store.write(organisation())
    whole = store.neighbourhood_page("Staff", "M1", AS_OF, 0, 50)
    assert whole["total"] == 11
    assert whole["neighbours"][:4] == [
        _n("COVERS", "K4", "intel", "lead", True, "Client"), _n("COVERS", "K4", "planning", "lead", True, "Client"),
        _n("COVERS", "K4", "solution", "lead", True, "Client"), _n("IN_TIER", "solution", outgoing=True, label="Tier")]
    # Only active people report to M1 on as_of: A2 has left, A3 has not joined yet.
    assert [n["key"] for n in whole["neighbours"][4:]] == ["A1", "A4", "A5", "B1", "B2", "C1", "C2"]
    pages = [store.neighbourhood_page("Staff", "M1", AS_OF, offset, 3) for offset in range(0, 12, 3)]
    assert [n for p in pages for n in p["neighbours"]] == whole["neighbours"]
    assert {p["total"] for p in pages} == {11}
    assert store.neighbourhood_page("Staff", "M1", AS_OF, 11, 3) == {"total": 11, "neighbours": []}


def test_a_tier_shows_its_active_people_and_a_departed_person_nothing(store):
    store.write(organisation())
    assert [n["key"] for n in store.neighbourhood_page("Tier", "intel", AS_OF)["neighbours"]] == ["A1", "A4", "A5"]
    assert store.neighbourhood_page("Staff", "A2", AS_OF) == {"total": 0, "neighbours": []}
    assert store.neighbourhood_page("Staff", "A2", date(2026, 2, 1))["total"] == 4
    assert store.neighbourhood_page("Client", "nobody", AS_OF) is None
    assert store.neighbourhood_page("Tier", "K1", AS_OF) is None


def test_cards_carry_the_grade_and_stage_of_the_day(store):
    store.write(organisation())
    cards = store.node_cards([("Client", "K2"), ("Client", "K4"), ("Staff", "A2"), ("Team", "T1"),
                              ("Tier", "planning"), ("Client", "nobody")], AS_OF)
    assert cards == [
        # K2's later assessment (grade C on 2026-03-02) is not yet true on as_of; no handover: the first stage.
        {"label": "Client", "key": "K2", "name": "Beta Bank", "grade": "A", "stage": "intel", "value": None,
         "tier": None, "level": None, "left": None},
        {"label": "Client", "key": "K4", "name": "Delta Hotels", "grade": "C", "stage": "planning", "value": 200.0,
         "tier": None, "level": None, "left": None},
        {"label": "Staff", "key": "A2", "name": "Ann Two", "grade": None, "stage": None, "value": None,
         "tier": "intel", "level": None, "left": AS_OF},
        {"label": "Team", "key": "T1", "name": "Alpha team", "grade": None, "stage": None, "value": None,
         "tier": None, "level": None, "left": None},
        {"label": "Tier", "key": "planning", "name": "Planning", "grade": None, "stage": None, "value": None,
         "tier": "planning", "level": 2, "left": None},
    ]
    assert store.node_cards([("Client", "K2")], date(2026, 3, 2))[0]["grade"] == "C"
    assert store.node_cards([], AS_OF) == []


def test_search_pages_through_every_match_exact_ones_first(store):
    records = organisation()
    records.clients.append(Client("K5", "Empty Team Lunches"))
    store.write(records)
    assert store.search_page("empty team") == {"total": 2, "hits": [
        {"label": "Team", "key": "T3", "name": "Empty team"}, {"label": "Client", "key": "K5", "name": "Empty Team Lunches"}]}
    everything = store.search_page("a", 0, 100)
    assert everything["total"] == len(everything["hits"]) == 14
    pages = [store.search_page("a", offset, 4) for offset in range(0, 16, 4)]
    assert [h for p in pages for h in p["hits"]] == everything["hits"]
    assert store.search_page("ZZZ") == {"total": 0, "hits": []}
    assert store.search_page("a", 0, 20, ["Client:K1", "Staff:A1", "Team:T9"]) == {"total": 2, "hits": [
        {"label": "Client", "key": "K1", "name": "Alpha Foods"}, {"label": "Staff", "key": "A1", "name": "Ann One"}]}


def test_values_and_teams(store):
    store.write(organisation())
    assert store.client_values(["K1", "K2", "K9"]) == {"K1": 1000.0, "K2": None}
    assert [(t.id, t.name) for t in store.teams()] == [("T1", "Alpha team"), ("T2", "Beta team"), ("T3", "Empty team")]


def _nodes(records):
    return ([("Client", c.id) for c in records.clients] + [("Staff", s.id) for s in records.staff]
            + [("Team", t.id) for t in records.teams] + [("Tier", t.key) for t in records.tiers] + [("Client", "none")])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=organisations())
def test_the_explorer_reads_agree_on_both_stores(neo4j_session_store, records):
    neo = neo4j_session_store
    neo.clear()
    neo.write(records)
    embedded = open_store("sqlite:///:memory:")
    try:
        embedded.write(records)
        nodes = _nodes(records)
        for as_of in AS_OF_DATES:
            assert neo.node_cards(nodes, as_of) == embedded.node_cards(nodes, as_of), as_of
            for label, key in nodes:
                for offset, limit in ((0, 50), (1, 2)):
                    assert (neo.neighbourhood_page(label, key, as_of, offset, limit)
                            == embedded.neighbourhood_page(label, key, as_of, offset, limit)), (label, key, as_of)
        some = [f"{label}:{key}" for label, key in nodes[::2]]
        for text in ("s", "C1", "t", "1", "zz"):
            for within in (None, some):
                for offset, limit in ((0, 20), (1, 2)):
                    assert neo.search_page(text, offset, limit, within) == embedded.search_page(text, offset, limit, within)
        ids = [c.id for c in records.clients] + ["none"]
        assert neo.client_values(ids) == embedded.client_values(ids)
        assert neo.teams() == embedded.teams()
    finally:
        embedded.close()
