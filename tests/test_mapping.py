"""Mapping files: the real sample databases import through examples/, and their key-person facts come out right."""

import csv
import os
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from graphcrm.config import Policy
from graphcrm.errors import ConfigError, ImportFailed
from graphcrm.mapping import read_mapped
from graphcrm.reports import run_report

ROOT = Path(__file__).resolve().parent.parent
#: The real sample databases live in shared/ beside the checkout (CI lays it there too).
DATASETS = Path(os.environ.get("GRAPHCRM_DATASETS", ROOT.parent / "shared" / "datasets"))
AS_OF = date(2026, 1, 1)


@pytest.fixture(autouse=True, scope="module")
def _datasets_present():
    if not (DATASETS / "northwind" / "orders.csv").is_file():
        pytest.fail(f"the sample datasets are not at {DATASETS}: put shared/ beside the checkout or set GRAPHCRM_DATASETS",
                    pytrace=False)


def raw(dataset: str, table: str) -> list[dict[str, str]]:
    with (DATASETS / dataset / table).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def facts_of(store):
    load = {r["staff"]: r["clients"] for r in run_report(store, "staff_load", AS_OF, {}, Policy()).rows}
    # Clients by their smallest number of active coverers over the tiers (key_person_risk's bus_factor;
    # its rows leave out single points that policy allows, so the coverage report is read here).
    smallest: dict[str, int] = {}
    for row in run_report(store, "coverage", AS_OF, {}, Policy()).rows:
        smallest[row["client"]] = min(smallest.get(row["client"], row["count"]), row["count"])
    single = {c for c, n in smallest.items() if n == 1}
    uncovered = {c for c, n in smallest.items() if n == 0}
    return load, single, uncovered


def test_northwind(store):
    store.write(read_mapped(DATASETS / "northwind", ROOT / "examples" / "northwind.toml", store.known_ids()))
    orders = raw("northwind", "orders.csv")
    reps = defaultdict(set)           # customer -> employees who took its orders
    for order in orders:
        reps[order["customer_id"]].add(order["employee_id"])
    per_rep = defaultdict(set)
    for customer, employees in reps.items():
        for employee in employees:
            per_rep[employee].add(customer)
    customers = {c["customer_id"] for c in raw("northwind", "customers.csv")}
    load, single, uncovered = facts_of(store)
    assert load == {f"E{e['employee_id']}": len(per_rep[e["employee_id"]]) for e in raw("northwind", "employees.csv")}
    assert single == {c for c, e in reps.items() if len(e) == 1}
    assert uncovered == customers - set(reps)                   # customers who never ordered
    stored = store.read_all()
    assert len(stored.interactions) == len(orders)
    lines = defaultdict(float)
    for line in raw("northwind", "order_details.csv"):
        lines[line["order_id"]] += float(line["unit_price"]) * int(line["quantity"]) * (1 - float(line["discount"]))
    amounts = {i.id: i.amount for i in stored.interactions}
    assert all(abs(amounts[f"O{o}"] - total) < 0.01 for o, total in lines.items())
    managers = {s.id: s.manager for s in stored.staff}
    assert managers == {f"E{e['employee_id']}": (f"E{e['reports_to']}" if e["reports_to"] else None) for e in raw("northwind", "employees.csv")}


def test_chinook(store):
    store.write(read_mapped(DATASETS / "chinook", ROOT / "examples" / "chinook.toml", store.known_ids()))
    customers = raw("chinook", "Customer.csv")
    rep_of = {c["CustomerId"]: c["SupportRepId"] for c in customers}
    per_rep = defaultdict(int)
    for rep in rep_of.values():
        if rep:
            per_rep[rep] += 1
    load, single, uncovered = facts_of(store)
    assert load == {f"E{e['EmployeeId']}": per_rep.get(e["EmployeeId"], 0) for e in raw("chinook", "Employee.csv")}
    assert single == {f"C{c}" for c, rep in rep_of.items() if rep}   # every customer depends on one rep
    assert uncovered == {f"C{c}" for c, rep in rep_of.items() if not rep}
    invoices = raw("chinook", "Invoice.csv")
    stored = store.read_all()
    assert len(stored.interactions) == len(invoices)
    by_id = {i.id: i for i in stored.interactions}
    for invoice in invoices:
        interaction = by_id[f"INV{invoice['InvoiceId']}"]
        assert interaction.staff == (f"E{rep_of[invoice['CustomerId']]}",)      # the join through Customer
        assert interaction.amount == float(invoice["Total"])
    company = next(c for c in customers if c["Company"])
    person = next(c for c in customers if not c["Company"])
    names = {c.id: c.name for c in stored.clients}
    assert names[f"C{company['CustomerId']}"] == company["Company"]
    assert names[f"C{person['CustomerId']}"] == f"{person['FirstName']} {person['LastName']}"


def test_the_same_mapping_twice_changes_nothing(embedded_store):
    for _ in range(2):
        embedded_store.write(read_mapped(DATASETS / "chinook", ROOT / "examples" / "chinook.toml", embedded_store.known_ids()))
    assert len(embedded_store.read_all().interactions) == len(raw("chinook", "Invoice.csv"))


def _export(tmp_path, rows="id,name,when,rep\n1,Ann,2024-01-05,\n2,Bo,05/01/2024,1\n"):
    (tmp_path / "people.csv").write_text(rows, encoding="utf-8")
    return tmp_path


def _mapping(tmp_path, body):
    path = tmp_path / "m.toml"
    path.write_text('[sources]\npeople = "people.csv"\n' + body, encoding="utf-8")
    return path


def test_row_errors_name_the_source_file_and_line(tmp_path):
    folder = _export(tmp_path)
    mapping = _mapping(tmp_path, '[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\nid = "P{id}"\n'
                                 'joined = { column = "when", date = "%Y-%m-%d" }\nmanager = "P{rep}"\n')
    with pytest.raises(ImportFailed) as caught:
        read_mapped(folder, mapping)
    assert [str(e) for e in caught.value.errors] == [
        f"{folder / 'people.csv'}:3: joined: '05/01/2024' does not match the date format '%Y-%m-%d' ({mapping}, output 1: staff)"]


def test_references_are_checked_after_mapping(tmp_path):
    folder = _export(tmp_path, "id,name,when,rep\n1,Ann,2024-01-05,9\n")
    mapping = _mapping(tmp_path, '[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\nid = "P{id}"\nmanager = "P{rep}"\n')
    with pytest.raises(ImportFailed, match=r"people.csv:2: manager: unknown staff member 'P9'"):
        read_mapped(folder, mapping)


@pytest.mark.parametrize("body, message", [
    ('[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\ncolour = "id"\n', "columns.colour: not a column of staff.csv"),
    ('[[output]]\nkind = "staff"\nsource = "nobody"\n[output.columns]\nid = "id"\n', "source: 'nobody' is not a declared source"),
    ('[[output]]\nkind = "bosses"\n', "kind: 'bosses' is not one of"),
    ('[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\nid = { column = "id", sum = { source = "people", key = "id", expr = "__import__(\'os\')" } }\n',
     "may use only numbers, column names"),
    ('[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\nid = { column = "id", shout = true }\n', "unknown option 'shout'"),
    ('[[output]]\nkind = "staff"\nsource = "people"\n[output.columns]\nid = { column = "id", date = "YYYY" }\n', "is not a strptime format"),
    ('', "no [[output]] tables"),
])
def test_bad_mapping_files_name_the_key(tmp_path, body, message):
    with pytest.raises(ConfigError) as caught:
        read_mapped(_export(tmp_path), _mapping(tmp_path, body))
    assert message in str(caught.value) and "m.toml" in str(caught.value)


def test_value_maps_defaults_and_several_outputs_from_one_source(tmp_path):
    folder = _export(tmp_path, "id,name,level\n1,Ann,gold\n2,Bo,silver\n3,Cy,\n")
    mapping = _mapping(tmp_path, """
[[output]]
kind = "clients"
source = "people"
[output.columns]
id = "K{id}"
name = "name"
grade = { column = "level", map = { gold = "A", silver = "B" }, default = "C" }
[[output]]
kind = "teams"
source = "people"
[output.columns]
id = "T{id}"
name = "Team of {name}"
""")
    records = read_mapped(folder, mapping)
    assert [(c.id, c.grade) for c in records.clients] == [("K1", "A"), ("K2", "B"), ("K3", "C")]
    assert [t.name for t in records.teams] == ["Team of Ann", "Team of Bo", "Team of Cy"]
