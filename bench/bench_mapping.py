"""Mapping imports (issue 12): each figure beside the plain CSV import of the same rows, in the same run.

Targets: a 500,000-row CRM export through a version-2 mapping with two lookups and one aggregate
>= 30,000 rows/s on the embedded store; an .xlsx sheet of 100,000 rows read >= 20,000 rows/s; a
GB18030 export within 10% of the same export in UTF-8. Wall-clock and CPU seconds are printed (the
machine is shared: CPU time is the steadier of the two).
Run: python bench/bench_mapping.py [--rows 500000] [--runs 3]   (medians of --runs; the 500,000-row import runs
--runs - 2 times, at least once). The exports are written once under bench/out/.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path

from common import OUT, heading, open_store

from graphcrm.exporter import write_folder
from graphcrm.generator import generate
from graphcrm.importer import read_folder
from graphcrm.importplan import plan_import
from graphcrm.mapping import read_mapped
from graphcrm.model import KnownIds
from graphcrm.sources import SourceSpec, read_table

MAPPING = """version = 2
[sources]
accounts = { file = "accounts.csv", encoding = "ENCODING" }
users = { file = "users.csv", encoding = "ENCODING" }
orders = { file = "orders.csv", encoding = "ENCODING" }

[[output]]
kind = "tiers"
rows = [{ key = "sales", level = 1, name = "销售" }]

[[output]]
kind = "staff"
source = "users"
[output.columns]
id = "emp_no"
name = "full_name"
tier = { const = "sales" }

[[output]]
kind = "clients"
source = "accounts"
[output.columns]
id = "customer_no"
name = "company"
industry = { column = "sector", map = { "零售" = "retail" }, else = "pass" }
value = { column = "annual_value", number = { thousands = "," } }

[[output]]
kind = "coverage"                      # the account's owner covers it since its first order (the aggregate)
source = "accounts"
require = ["staff"]
[output.columns]
staff = { column = "owner_login", lookup = { source = "users", key = "login", value = "emp_no" } }
client = "customer_no"
tier = { const = "sales" }
role = { const = "lead" }
since = { column = "account_code", aggregate = { source = "orders", key = "account_code", op = "min", value = { column = "order_time", date = "%Y/%m/%d %H:%M" } } }

[[output]]
kind = "interactions"                  # each order: its account and its owner found by lookups
source = "orders"
[output.columns]
id = "order_no"
client = { column = "account_code", lookup = { source = "accounts", key = "account_code", value = "customer_no" } }
staff = { column = "owner_login", lookup = { source = "users", key = "login", value = "emp_no", missing = "empty" } }
kind = { column = "type", map = { visit = "contact", call = "communication", order = "transaction" } }
at = { column = "order_time", datetime = "%Y/%m/%d %H:%M" }
amount = { column = "total", number = { thousands = "," } }
summary = "note"
"""
KINDS = {"contact": "visit", "communication": "call", "transaction": "order"}


def write_export(folder: Path, rows: int, encoding: str) -> None:
    """A CRM export of the size-M organisation's first `rows` contacts, calls and orders, in the CRM's own codes."""
    folder.mkdir(parents=True, exist_ok=True)
    records = generate("M", 1)
    lead = {}
    for c in records.coverage:
        if c.role == "lead" and c.until is None:
            lead.setdefault(c.client, c.staff)

    def write(name, header, body):
        with (folder / name).open("w", encoding=encoding, newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows(body)

    write("users.csv", ["login", "emp_no", "full_name"], [(s.id.lower(), s.id, f"{s.name}（销售）") for s in records.staff])
    write("accounts.csv", ["account_code", "customer_no", "company", "sector", "annual_value", "owner_login"],
          [(f"A-{c.id[1:]}", c.id, f"{c.name} 有限公司", "零售" if c.industry == "retail" else c.industry,
            "" if c.value is None else f"{c.value:,.2f}", lead.get(c.id, "").lower()) for c in records.clients])
    orders = records.interactions[:rows]         # assessments and handovers are exported as visits
    write("orders.csv", ["order_no", "account_code", "owner_login", "type", "order_time", "total", "note"],
          [(i.id, f"A-{i.client[1:]}", i.staff[0].lower() if i.staff else "", KINDS.get(i.kind, "visit"),
            f"{i.at.year}/{i.at.month:02d}/{i.at.day:02d} {i.at.hour:02d}:{i.at.minute:02d}",
            "" if i.amount is None else f"{i.amount:,.2f}", f"客户拜访记录 {i.id}") for i in orders])


def export_folder(rows: int, encoding: str) -> Path:
    folder = OUT / f"crm-export-{rows}-{encoding}"
    if not (folder / "orders.csv").is_file():
        print(f"writing a {rows:,}-row export in {encoding} to {folder} ...")
        write_export(folder, rows, encoding)
    mapping = folder / "mapping.toml"
    mapping.write_text(MAPPING.replace("ENCODING", encoding), encoding="utf-8")
    return folder


def clocked(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def import_once(read) -> tuple[int, float, float]:
    """Read (mapping or plain), plan against the store and write, into a fresh embedded store."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")

        def run():
            records = read(store.known_ids())
            plan = plan_import(records, store.stored_versions(records))
            store.write(plan.changes)
            return len(records)
        try:
            return clocked(run)
        finally:
            store.close()


def median_import(read, runs: int) -> tuple[int, float, float]:
    results = [import_once(read) for _ in range(runs)]
    return results[0][0], statistics.median(r[1] for r in results), statistics.median(r[2] for r in results)


def show(label: str, rows: int, wall: float, cpu: float) -> float:
    print(f"{label:<44} {rows:>9,} rows  {wall:7.2f} s wall  {cpu:7.2f} s cpu  {rows / wall:>9,.0f} rows/s wall  "
          f"{rows / cpu:>9,.0f} rows/s cpu")
    return rows / cpu


def big_mapping(rows: int, runs: int) -> None:
    heading(f"mapping import of a {rows:,}-row export (2 lookups, 1 aggregate) vs plain CSV of the same rows, embedded")
    folder = export_folder(rows, "utf-8")
    mapped = read_mapped(folder, folder / "mapping.toml", KnownIds())
    plain = OUT / f"crm-export-{rows}-plain"
    if not (plain / "interactions.csv").is_file():
        write_folder(mapped, plain)
    n, wall, cpu = median_import(lambda known: read_mapped(folder, folder / "mapping.toml", known), runs)
    mapping_rate = show("mapping import (export rows)", rows, wall, cpu)
    show("mapping import (records written)", n, wall, cpu)
    n2, wall2, cpu2 = median_import(lambda known: read_folder(plain, known), runs)
    plain_rate = show("plain CSV import of the same records", n2, wall2, cpu2)
    print(f"mapping / plain: {cpu / cpu2:.2f}x the time; {rows / wall:,.0f} export rows/s wall "
          f"(target >= 30,000); {mapping_rate:,.0f} rows/s cpu vs plain {plain_rate:,.0f}")


def workbook(rows: int, runs: int) -> None:
    heading(f"an .xlsx sheet of {rows:,} rows, read, vs the same rows as CSV")
    import xlsxwriter

    folder = export_folder(rows, "utf-8")
    book = folder / "orders.xlsx"
    if not book.is_file():
        print(f"writing {book} ...")
        with (folder / "orders.csv").open(encoding="utf-8", newline="") as handle:
            table = list(csv.reader(handle))
        out = xlsxwriter.Workbook(str(book), {"constant_memory": True})
        sheet = out.add_worksheet("orders")
        for r, row in enumerate(table):
            sheet.write_row(r, 0, row)
        out.close()
    noop = lambda *a: None  # noqa: E731
    def median_read(file: str) -> tuple[float, float]:
        timings = [clocked(lambda: read_table(folder, SourceSpec(file), noop))[1:] for _ in range(runs)]
        return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)

    xwall, xcpu = median_read("orders.xlsx")
    cwall, ccpu = median_read("orders.csv")
    show(".xlsx sheet read (python-calamine)", rows, xwall, xcpu)
    show("the same rows read from CSV", rows, cwall, ccpu)
    print(f".xlsx read: {rows / xwall:,.0f} rows/s wall (target >= 20,000); {xcpu / ccpu:.1f}x the CPU time of CSV")
    xlsx_mapping = (folder / "mapping.toml").read_text(encoding="utf-8").replace(
        'orders = { file = "orders.csv", encoding = "utf-8" }', 'orders = { file = "orders.xlsx", sheet = "orders" }')
    (folder / "mapping-xlsx.toml").write_text(xlsx_mapping, encoding="utf-8")
    n, wall, cpu = median_import(lambda known: read_mapped(folder, folder / "mapping-xlsx.toml", known), 1)
    show("mapping import with orders from the .xlsx", rows, wall, cpu)
    n, wall2, cpu2 = median_import(lambda known: read_mapped(folder, folder / "mapping.toml", known), 1)
    show("mapping import with orders from the CSV", rows, wall2, cpu2)


def encodings(rows: int, runs: int) -> None:
    heading(f"the same {rows:,}-row export in GB18030 and in UTF-8, mapping import, embedded")
    utf8, gb = export_folder(rows, "utf-8"), export_folder(rows, "gb18030")
    n, uwall, ucpu = median_import(lambda known: read_mapped(utf8, utf8 / "mapping.toml", known), runs)
    show("UTF-8 export", rows, uwall, ucpu)
    n, gwall, gcpu = median_import(lambda known: read_mapped(gb, gb / "mapping.toml", known), runs)
    show("GB18030 export", rows, gwall, gcpu)
    print(f"GB18030 / UTF-8: {gcpu / ucpu:.3f} (CPU), {gwall / uwall:.3f} (wall); target <= 1.10")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    big_mapping(args.rows, max(1, args.runs - 2))
    workbook(100_000, args.runs)
    encodings(100_000, args.runs)


if __name__ == "__main__":
    main()
