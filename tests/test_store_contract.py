"""The Store contract, run against the embedded store, Neo4j over bolt:// and Neo4j over neo4j:// routing."""

from dataclasses import replace
from datetime import date, timedelta

from graphcrm.config import Policy
from graphcrm.exporter import write_folder
from graphcrm.generator import DEFAULT_ANCHOR, generate
from graphcrm.importer import read_folder
from graphcrm.model import Client, Coverage, Interaction, Records, Staff, Team
from graphcrm.queries import bind
from graphcrm.reports import catalogue
from graphcrm.stores import open_store

from handbuilt import organisation


def test_what_is_written_reads_back_the_same(any_store):
    records = organisation()
    any_store.write(records)
    assert any_store.read_all().canonical() == records.canonical()
    assert any_store.counts() == records.counts()


def test_writing_again_changes_nothing(any_store):
    records = organisation()
    any_store.write(records)
    any_store.write(records)
    assert any_store.read_all().canonical() == records.canonical()


def test_a_write_updates_by_identity_and_keeps_history(any_store):
    records = organisation()
    any_store.write(records)
    changed = Records(
        clients=[replace(records.clients[0], name="Alpha Foods Ltd", grade=None)],
        coverage=[replace(records.coverage[0], until=date(2026, 6, 1), role="backup"),
                  # same person, same stage, after a break: a new coverage, not an update
                  Coverage("A1", "K1", "intel", "lead", date(2026, 9, 1))],
        interactions=[replace(records.interactions[1], staff=("C1",), summary="moved")],
        needs=[replace(records.needs[0], client="K2", staff=None)],
        staff=[replace(records.staff[1], tier="planning", manager=None)],
    )
    any_store.write(changed)
    stored = any_store.read_all()
    assert next(c for c in stored.clients if c.id == "K1").name == "Alpha Foods Ltd"
    assert next(c for c in stored.clients if c.id == "K1").grade is None
    covers = sorted((c for c in stored.coverage if (c.staff, c.client, c.tier) == ("A1", "K1", "intel")), key=lambda c: c.since)
    assert [(c.since, c.until, c.role) for c in covers] == [
        (date(2025, 1, 1), date(2026, 6, 1), "backup"), (date(2026, 9, 1), None, "lead")]
    assert next(i for i in stored.interactions if i.id == "I02").staff == ("C1",)
    need = next(n for n in stored.needs if n.id == "N1")
    assert (need.client, need.staff) == ("K2", None)
    a1 = next(s for s in stored.staff if s.id == "A1")
    assert (a1.tier, a1.manager) == ("planning", None)
    assert len(stored.coverage) == len(records.coverage) + 1


def test_a_null_since_is_an_identity_of_its_own(any_store):
    records = organisation()
    any_store.write(Records(tiers=records.tiers, staff=records.staff, clients=records.clients))
    open_ended = Coverage("A1", "K1", "intel", "lead", None, None)
    dated = Coverage("A1", "K1", "intel", "lead", date(2025, 1, 1), None)
    any_store.write(Records(coverage=[open_ended, dated]))
    any_store.write(Records(coverage=[replace(open_ended, until=date(2025, 1, 1))]))
    stored = sorted(any_store.read_all().coverage, key=lambda c: (c.since is not None, c.since or date.min))
    assert [(c.since, c.until) for c in stored] == [(None, date(2025, 1, 1)), (date(2025, 1, 1), None)]


def test_managers_may_come_after_their_reports(any_store):
    any_store.write(Records(staff=[Staff("X1", manager="X2"), Staff("X2")]))
    assert {s.id: s.manager for s in any_store.read_all().staff} == {"X1": "X2", "X2": None}


def test_known_ids(any_store):
    any_store.write(organisation())
    known = any_store.known_ids()
    assert known.tiers == {"intel", "planning", "solution"}
    assert known.clients == {"K1", "K2", "K3", "K4"} and "M1" in known.staff and known.teams == {"T1", "T2", "T3"}


def test_unicode_and_odd_text_survive(any_store):
    records = organisation()
    weird = "Ünïcødé 名前 'quoted' \"double\" ; comma, newline\nand $dollar {brace} `tick`"
    records.clients[0] = replace(records.clients[0], name=weird, value=1e15 + 0.5)
    records.interactions[0] = replace(records.interactions[0], summary=weird * 50)
    any_store.write(records)
    stored = any_store.read_all()
    assert next(c for c in stored.clients if c.id == "K1").name == weird
    assert next(c for c in stored.clients if c.id == "K1").value == 1e15 + 0.5
    assert next(i for i in stored.interactions if i.id == "I01").summary == weird * 50


def test_export_then_import_gives_the_same_graph_across_stores(store, tmp_path, embedded_store):
    records = organisation()
    store.write(records)
    write_folder(store.read_all(), tmp_path / "out")
    fresh = open_store(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        fresh.write(read_folder(tmp_path / "out"))
        assert fresh.read_all().canonical() == records.canonical()
    finally:
        fresh.close()


def test_embedded_writes_are_durable_and_the_database_is_sound(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    first = open_store(url)
    first.write(organisation())
    assert first._db.execute("PRAGMA synchronous").fetchone()[0] == 2      # FULL
    assert first._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    first.close()
    reopened = open_store(url)
    try:
        assert reopened.read_all().canonical() == organisation().canonical()
        assert reopened.integrity_check() == "ok"
        # The in-memory index is rebuilt from SQLite on open, and reports read it.
        assert len(reopened.index.coverage) == len(organisation().coverage)
        assert reopened.index.graph.number_of_edges() > 0
    finally:
        reopened.close()


def test_a_failed_embedded_write_leaves_nothing_behind(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'g.db'}")
    try:
        bad = organisation()
        bad.interactions.append(Interaction("I99", "K1", "contact", None, ()))   # `at` NOT NULL in SQLite
        try:
            store.write(bad)
        except Exception:
            pass
        else:
            raise AssertionError("the write should have failed")
        assert store.counts() == Records().counts()
        assert store.read_all().canonical() == Records().canonical()
    finally:
        store.close()


def test_neo4j_refuses_to_write_without_constraints(neo4j_settings, neo4j_session_store):
    import pytest

    from graphcrm.errors import StoreError

    neo4j_session_store.clear()
    neo4j_session_store.driver.execute_query("DROP CONSTRAINT need_id IF EXISTS", database_=neo4j_session_store.database)
    try:
        fresh = open_store(neo4j_settings["uri"], user=neo4j_settings["user"], password=neo4j_settings["password"])
        with pytest.raises(StoreError, match="need_id"):
            fresh.write(organisation())
        fresh.close()
    finally:
        neo4j_session_store.init_schema()


def test_neo4j_unreachable_or_bad_password_is_one_clear_error(neo4j_settings):
    import pytest

    from graphcrm.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="authentication failed"):
        open_store(neo4j_settings["uri"], user="neo4j", password="wrong-password-123")
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        open_store("bolt://127.0.0.1:1", user="neo4j", password="x")


def test_search_neighbourhood_and_timeline_agree_on_both_stores(neo4j_store, embedded_store):
    from handbuilt import AS_OF

    lonely = Records(clients=[Client("K9", "Nobody covers me")], teams=[Team("T9", "No members")], staff=[Staff("Z1", "Gone", left=AS_OF)])
    for s in (neo4j_store, embedded_store):
        s.write(organisation())
        s.write(lonely)
    for label, key in (("Client", "K9"), ("Team", "T9"), ("Staff", "Z1")):
        found = neo4j_store.neighbourhood(label, key, AS_OF, 10)
        assert found == embedded_store.neighbourhood(label, key, AS_OF, 10) and found["total"] == 0 and found["centre"]["key"] == key
    for text in ("k1", "Ann", "team", "zzz", "T1"):
        assert neo4j_store.search(text) == embedded_store.search(text), text
    for label, key in (("Client", "K1"), ("Staff", "B1"), ("Team", "T2"), ("Tier", "intel"), ("Staff", "A2"), ("Client", "nope")):
        for limit in (50, 2):
            assert neo4j_store.neighbourhood(label, key, AS_OF, limit) == embedded_store.neighbourhood(label, key, AS_OF, limit), (label, key)
    k1 = embedded_store.neighbourhood("Client", "K1", AS_OF, 50)
    assert {(n["type"], n["node"]["key"], n["tier"]) for n in k1["neighbours"]} == {
        ("COVERS", "A1", "intel"), ("COVERS", "B1", "planning"), ("COVERS", "C1", "solution"), ("COVERS", "C2", "solution"),
        ("ENGAGES", "T1", None), ("ENGAGES", "T2", None)}        # A2 left and B2's coverage ended on as_of
    assert embedded_store.neighbourhood("Tier", "intel", AS_OF, 2)["total"] == 5 and len(embedded_store.neighbourhood("Tier", "intel", AS_OF, 2)["neighbours"]) == 2
    assert neo4j_store.client_timeline("K2") == embedded_store.client_timeline("K2")
    interactions, needs = embedded_store.client_timeline("K2")
    assert interactions[0].id == "I16" and [n.id for n in needs] == ["N6", "N4"]


def test_neo4j_sends_every_report_packed_with_the_rows_and_order_it_streams(neo4j_store):
    """report_rows runs each report's file inside cypher/wrappers/packed_rows.cypher.in: the same rows, in the
    same order, as the file run as is (one record per row), on a day with data and on one before any."""
    records = generate("S", 2)
    neo4j_store.write(records)
    busiest, other = sorted({c.staff for c in records.coverage},
                            key=lambda s: (-sum(c.staff == s for c in records.coverage), s))[:2]
    compared = 0
    for as_of in (DEFAULT_ANCHOR, date(2000, 1, 1)):
        given = {"departure_impact": {"staff": [busiest]}, "changes": {"since": as_of - timedelta(days=90)},
                 "path": {"from": busiest, "to": other}}
        for name, report in catalogue().items():
            values = given.get(name, {})
            bound = bind(report.params, values, Policy(), owner=name, as_of=as_of)
            named = neo4j_store.queries[report.query]
            params = bound.query_params(named)
            streamed = neo4j_store.read(named.name, params)
            packed = neo4j_store.report_rows(report, bound)
            assert packed == streamed, (name, as_of)
            compared += len(streamed)
    assert compared > 5_000           # the comparison saw real rows, not only empty results


def test_neo4j_streams_a_report_whose_packed_rows_pass_the_servers_memory_limit(neo4j_store, monkeypatch):
    """A result too big for the server's per-transaction memory once packed (1 GB on the test server) is sent a
    record at a time instead: the same rows, no error. The wrapper here is made too big on purpose."""
    from graphcrm.stores import neo4j_store as module

    neo4j_store.write(organisation())
    report = catalogue()["coverage"]
    bound = bind(report.params, {}, Policy(), owner="coverage", as_of=date(2026, 3, 1))
    expected = neo4j_store.report_rows(report, bound)
    oversized = module._packed_rows().replace(
        "RETURN collect([{columns}]) AS rows",
        "WITH collect([{columns}]) AS rows\nCALL () { UNWIND range(1, 300000000) AS x RETURN collect(toString(x)) AS many }\n"
        "RETURN rows + many[0..0] AS rows")
    assert oversized != module._packed_rows()
    monkeypatch.setattr(module, "_packed_rows", lambda: oversized)
    streamed, read = [], neo4j_store.read
    monkeypatch.setattr(neo4j_store, "read", lambda name, params=None: streamed.append(name) or read(name, params))
    assert neo4j_store.report_rows(report, bound) == expected
    assert streamed == ["coverage"] and expected
