"""The generator: deterministic, the promised sizes, and the situations the reports exist to find."""

from datetime import date

from graphcrm.config import Policy
from graphcrm.exporter import write_folder
from graphcrm.generator import SIZES, generate
from graphcrm.importer import read_folder
from graphcrm.reports import run_report
from graphcrm.stores import open_store


def test_same_seed_same_organisation_and_different_seed_different():
    assert generate("S", 3).canonical() == generate("S", 3).canonical()
    assert generate("S", 3).canonical() != generate("S", 4).canonical()


def test_size_s_counts():
    counts = generate("S", 1).counts()
    assert counts["staff"] == SIZES["S"].staff and counts["clients"] == SIZES["S"].clients
    assert counts["interactions"] == SIZES["S"].interactions and counts["tiers"] == 3


def test_generated_files_pass_import_validation(tmp_path):
    records = generate("S", 2)
    write_folder(records, tmp_path)
    assert read_folder(tmp_path).canonical() == records.canonical()


def test_the_organisation_has_what_the_reports_look_for():
    anchor = date(2026, 11, 1)
    records = generate("S", 1, anchor)
    store = open_store("sqlite:///:memory:")
    store.write(records)
    policy = Policy()

    def report(name, **params):
        return run_report(store, name, anchor, params, policy).rows

    assert any(s.left for s in records.staff), "leavers"
    assert {i.kind for i in records.interactions} == {"contact", "communication", "transaction", "assessment", "handover"}
    risk = report("key_person_risk")
    assert any(r["end_to_end_owner"] for r in risk), "clients still held end to end"
    assert any(r["concentration_owner"] for r in risk), "interactions concentrated on one person"
    assert any(r["bus_factor"] == 0 for r in risk), "coverage gaps"
    assert report("stale_clients"), "stale clients"
    demand = report("missed_demand")
    assert sum(r["captured"] for r in demand) > 0 and sum(r["missed"] for r in demand) > 0
    assert report("truck_factor") and report("brokers") is not None
    grades = {r["grade"] for r in report("coverage")}
    assert grades == {"A", "B", "C", "ungraded"}
    assert {m.team for m in records.memberships} and report("team_coverage")
    store.close()
