"""The networkx reports against slow, obviously-correct oracles on random coverage graphs."""

from collections import defaultdict

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from graphcrm.config import Policy
from graphcrm.reports.analytics import CoverageExtract, brokers, coverage_graph, truck_factor
from graphcrm.rules import round3


@st.composite
def extracts(draw):
    tiers = [f"t{k}" for k in range(draw(st.integers(1, 3)))]
    staff = [f"S{n}" for n in range(draw(st.integers(1, 8)))]
    clients = [f"C{n}" for n in range(draw(st.integers(1, 10)))]
    edges = sorted(set(draw(st.lists(st.tuples(st.sampled_from(staff), st.sampled_from(clients), st.sampled_from(tiers)), max_size=30))))
    values = {c: draw(st.one_of(st.none(), st.integers(0, 100).map(float))) for c in clients}
    return CoverageExtract(tiers, edges, values)


def naive_brokers(extract):
    graph = coverage_graph(extract)
    rows = []
    for node in nx.articulation_points(graph):
        if node[0] != "Staff":
            continue
        component = nx.node_connected_component(graph, node)
        rest = graph.subgraph(component - {node})
        pieces = [(len(p), sum(1 for v in p if v[0] == "Client")) for p in nx.connected_components(rest)]
        clients = sum(1 for v in component if v[0] == "Client")
        rows.append({"staff": node[1], "split": len(pieces) - 1, "clients_cut_off": clients - max(pieces)[1]})
    return sorted(rows, key=lambda r: (-r["split"], r["staff"]))


def naive_truck(extract, by, policy):
    covered = defaultdict(lambda: defaultdict(set))
    for s, c, k in extract.edges:
        covered[c][k].add(s)
    full = [c for c in covered if all(covered[c].get(k) for k in extract.tiers)]
    measure = {c: 1.0 if by == "count" else float(extract.values.get(c) or 0) for c in full}
    total = sum(measure.values())
    load = defaultdict(set)
    for s, c, _ in extract.edges:
        load[s].add(c)
    candidates = {s for c in full for k in extract.tiers for s in covered[c][k]}
    removed, rows, orphaned_clients = set(), [], set()

    def orphaned_after(gone):
        return {c for c in full if any(not (covered[c][k] - gone) for k in extract.tiers)}

    while total > 0 and candidates - removed and sum(measure[c] for c in orphaned_clients) < policy.truck_target * total:
        def gain(s):
            return sum(measure[c] for c in orphaned_after(removed | {s}) - orphaned_clients)
        best = min(candidates - removed, key=lambda s: (-gain(s), -len(load[s]), s))
        removed.add(best)
        orphaned_clients = orphaned_after(removed)
        orphaned = sum(measure[c] for c in orphaned_clients)
        rows.append({"step": len(rows) + 1, "staff": best, "orphaned": orphaned if by == "value" else int(orphaned),
                     "orphaned_share": round3(orphaned / total)})
    return rows


@settings(max_examples=300, deadline=None)
@given(extracts())
def test_brokers_match_removing_each_node(extract):
    assert brokers(extract) == naive_brokers(extract)


@settings(max_examples=300, deadline=None)
@given(extracts(), st.sampled_from(["count", "value"]), st.sampled_from([0.3, 0.5, 1.0]))
def test_truck_factor_matches_recomputing_everything(extract, by, target):
    policy = Policy(truck_target=target)
    assert truck_factor(extract, by, policy) == naive_truck(extract, by, policy)


def test_a_star_and_a_chain():
    star = CoverageExtract(["t"], [("S1", "C1", "t"), ("S1", "C2", "t"), ("S1", "C3", "t")], {})
    assert brokers(star) == [{"staff": "S1", "split": 2, "clients_cut_off": 2}]
    chain = CoverageExtract(["t"], [("S1", "C1", "t"), ("S1", "C2", "t"), ("S2", "C2", "t"), ("S2", "C3", "t"), ("S2", "C4", "t")], {})
    assert brokers(chain) == [{"staff": "S2", "split": 2, "clients_cut_off": 2}, {"staff": "S1", "split": 1, "clients_cut_off": 1}]


@given(st.one_of(st.floats(min_value=-1e12, max_value=1e12),
                 st.integers(-10**9, 10**9).map(lambda k: k / 10_000),          # four decimals: every tie
                 st.integers(-10**6, 10**6).map(lambda k: k / 10_000 + 0.00005)))
def test_round3_is_cyphers_half_up_on_the_shortest_form(x):
    """round3 takes round() off a tie; it must give what Decimal half-up on repr gives (Cypher's round(x, 3))."""
    from decimal import ROUND_HALF_UP, Decimal
    assert round3(x) == float(Decimal(repr(x)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    assert round3(0.0625) == 0.063 and round3(-1.2345) == -1.235 and round3(2.0005) == 2.001
