"""Who knows whom (DESIGN 12): chains on the hand-built organisation by hand, and against every simple path, on both stores."""

from collections import defaultdict

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from graphcrm.config import Policy
from graphcrm.errors import ParameterError
from graphcrm.reports import run_report
from graphcrm.rules import coverage_active, in_window, membership_active, round3, span_active, staff_active
from graphcrm.stores import open_store

from handbuilt import AS_OF, organisation
from strategies import AS_OF_DATES, organisations

POLICY = Policy()


@pytest.fixture
def org(store):
    store.write(organisation())
    return store


def chains(store, a, b, **params):
    rows = run_report(store, "path", AS_OF, {"from": a, "to": b, **params}, POLICY).rows
    return [(r["rank"], r["hops"], r["strength"], [(s["id"], s["via"]) for s in r["steps"]]) for r in rows]


def test_three_chains_of_two_steps_one_through_a_team(org):
    # A1 knows K1 (1.724: 9 and 4 days ago) and K2 (1.121: 35 and 17 days ago); C1 knows K1 (0.955) and covers K2;
    # both are in T1. Three chains of two steps, the strongest first.
    assert chains(org, "A1", "C1") == [
        (1, 2, 2.679, [("A1", None), ("K1", "knows"), ("C1", "knows")]),
        (2, 2, 1.121, [("A1", None), ("K2", "knows"), ("C1", "coverage")]),
        (3, 2, 0.0, [("A1", None), ("T1", "membership"), ("C1", "membership")]),
    ]
    first = run_report(org, "path", AS_OF, {"from": "A1", "to": "C1"}, POLICY).rows[0]["steps"][0]
    assert first == {"id": "A1", "name": "Ann One", "label": "Staff", "via": None}


def test_chains_to_a_team(org):
    # T2 engages K1 from as_of; A5 knows only K2 (0.675), whose people reach K1.
    assert chains(org, "A5", "T2") == [
        (1, 4, 3.951, [("A5", None), ("K2", "knows"), ("B1", "knows"), ("K1", "knows"), ("T2", "engagement")]),
        (2, 4, 3.52, [("A5", None), ("K2", "knows"), ("A1", "knows"), ("K1", "knows"), ("T2", "engagement")]),
        (3, 4, 1.63, [("A5", None), ("K2", "knows"), ("C1", "coverage"), ("K1", "knows"), ("T2", "engagement")]),
    ]


def test_no_chain_within_max_hops(org):
    # B2 reaches K2 only through K3, C2 and K1: five steps.
    assert chains(org, "B2", "K2", max_hops=4) == []
    five = chains(org, "B2", "K2", max_hops=5)
    assert [c[1] for c in five] == [5, 5, 5] and five[0][3][:4] == [("B2", None), ("K3", "coverage"), ("C2", "coverage"), ("K1", "coverage")]
    # M1 and K4 are a world apart from K3.
    assert chains(org, "K3", "K4") == []


def test_unknown_or_equal_ends_are_errors(org):
    with pytest.raises(ParameterError, match="from: no person, client or team has the id 'X9'"):
        chains(org, "X9", "K1")
    with pytest.raises(ParameterError, match="to: no person"):
        chains(org, "K1", "nobody")
    with pytest.raises(ParameterError, match="the same"):
        chains(org, "K1", "K1")
    with pytest.raises(ParameterError, match="max_hops must be at least 1"):
        chains(org, "K1", "K2", max_hops=0)


# -- against every simple path of the day's graph, built from the records alone ------------------------------------
def _day_graph(records, day, window):
    staff = {s.id: s for s in records.staff}
    graph = nx.Graph()
    for c in records.coverage:
        if coverage_active(c, staff, day):
            graph.add_edge(("Staff", c.staff), ("Client", c.client), via="coverage", strength=0)
    for m in records.memberships:
        if membership_active(m, staff, day):
            graph.add_edge(("Staff", m.staff), ("Team", m.team), via="membership", strength=0)
    for e in records.engagements:
        if span_active(e.since, e.until, day):
            graph.add_edge(("Team", e.team), ("Client", e.client), via="engagement", strength=0)
    shared = defaultdict(list)
    for i in sorted(records.interactions, key=lambda i: i.id):
        if in_window(i.day, day, window):
            for s in i.staff:
                if staff_active(staff.get(s), day):
                    shared[(s, i.client)].append(i)
    for (s, client), found in shared.items():
        strength = round3(sum(0.5 ** ((day - i.day).days / 30) for i in found))
        graph.add_edge(("Staff", s), ("Client", client), via="knows", strength=int(round(strength * 1000)))
    return graph


def _every_chain(graph, a, b, max_hops):
    if a not in graph or b not in graph:
        return []
    found = []
    for chain in nx.all_simple_paths(graph, a, b, cutoff=max_hops):
        strength = sum(graph.edges[x, y]["strength"] for x, y in zip(chain, chain[1:]))
        found.append(((len(chain) - 1, -strength, [(n[1], n[0]) for n in chain]), chain))
    found.sort(key=lambda f: f[0])
    return [(len(c) - 1, round3(-k[1] / 1000), [(n[1], graph.edges[c[i - 1], n]["via"] if i else None) for i, n in enumerate(c)])
            for k, c in found[:3]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=organisations(), day=st.sampled_from(AS_OF_DATES), pick=st.integers(0, 100), max_hops=st.integers(1, 7))
def test_the_chains_are_the_three_best_simple_paths(neo4j_session_store, records, day, pick, max_hops):
    nodes = [("Staff", s.id) for s in records.staff] + [("Client", c.id) for c in records.clients] + \
            [("Team", t.id) for t in records.teams]
    a, b = nodes[pick % len(nodes)], nodes[(pick // 3 + 1) % len(nodes)]
    if a == b:
        return
    expected = _every_chain(_day_graph(records, day, POLICY.concentration_window_days), a, b, max_hops)
    embedded = open_store("sqlite:///:memory:")
    neo4j_session_store.clear()
    neo4j_session_store.write(records)
    try:
        embedded.write(records)
        for store in (embedded, neo4j_session_store):
            rows = run_report(store, "path", day, {"from": a[1], "to": b[1], "max_hops": max_hops}, POLICY).rows
            assert [(r["hops"], r["strength"], [(s["id"], s["via"]) for s in r["steps"]]) for r in rows] == expected, store.kind
    finally:
        embedded.close()
