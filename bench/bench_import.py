"""Import of size M: embedded rows/s, Neo4j Bolt rows/s against a naive one-row-per-transaction loop and neo4j-admin import.

Targets (issue 2): embedded >= 50,000 rows/s; Neo4j over Bolt >= 10,000 rows/s and >= 10x the naive
loop; the ratio to `neo4j-admin database import full` is printed (no target yet).
Run: make bench, or python bench/bench_import.py with NEO4J_* set.
"""

from __future__ import annotations

import sys
import csv
import os
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, heading, neo4j_store, open_store, organisation_folder, timed

from graphcrm.importer import read_folder
from graphcrm.model import Records


def embedded(folder: Path) -> float:
    heading("embedded store (SQLite + networkx)")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/bench.db")
        started = time.perf_counter()
        records = read_folder(folder, store.known_ids())
        parsed = time.perf_counter()
        store.write(records)
        done = time.perf_counter()
        store.close()
    rows = len(records)
    print(f"rows: {rows:,}   parse+validate {parsed - started:.2f}s   write {done - parsed:.2f}s   total {done - started:.2f}s")
    print(f"embedded import: {rows / (done - started):,.0f} rows/s (target >= 50,000)")
    return rows / (done - started)


def neo4j(folder: Path) -> tuple[float, float, Records]:
    heading("Neo4j over Bolt (batched UNWIND + MERGE)")
    store = neo4j_store()
    store.init_schema()
    store.clear()
    started = time.perf_counter()
    records = read_folder(folder, store.known_ids())
    store.write(records)
    elapsed = time.perf_counter() - started
    rate = len(records) / elapsed
    print(f"rows: {len(records):,}   total {elapsed:.1f}s   {rate:,.0f} rows/s (target >= 10,000)")
    # Baseline in the same process: the same write query, one row per transaction, on a sample
    # of interactions (the bulk of the rows) that are already stored (so it measures MERGE cost).
    sample = records.interactions[:1500]
    naive = timed(lambda: [store.write(Records(interactions=[row])) for row in sample])
    naive_rate = len(sample) / naive
    print(f"naive one-row-per-transaction MERGE loop: {naive_rate:,.0f} rows/s on {len(sample)} rows")
    print(f"batched / naive: {rate / naive_rate:.1f}x (target >= 10x)")
    store.close()
    return rate, elapsed, records


def _admin_csvs(records: Records, folder: Path) -> list[str]:
    """The same graph in neo4j-admin's header format; returns the import tool's arguments."""
    def write(name, header, rows):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(header)
            w.writerows(rows)
        return str(folder / name)

    def d(v):
        return "" if v is None else v.isoformat()

    args = [
        "--nodes=Tier=" + write("tiers.csv", ["key:ID(Tier)", "level:int", "name", "duty"], [(t.key, t.level, t.name, t.duty) for t in records.tiers]),
        "--nodes=Staff=" + write("staff.csv", ["id:ID(Staff)", "name", "email", "capacity:int", "joined:date", "left:date"],
                                 [(s.id, s.name, s.email, s.capacity, d(s.joined), d(s.left)) for s in records.staff]),
        "--nodes=Team=" + write("teams.csv", ["id:ID(Team)", "name"], [(t.id, t.name) for t in records.teams]),
        "--nodes=Client=" + write("clients.csv", ["id:ID(Client)", "name", "industry", "grade", "value:double", "stage"],
                                  [(c.id, c.name, c.industry, c.grade, c.value, c.stage) for c in records.clients]),
        "--nodes=Interaction=" + write("interactions.csv", ["id:ID(Interaction)", "kind", "at:datetime", "amount:double", "summary", "grade", "score:double", "stage"],
                                       [(i.id, i.kind, i.at.isoformat(), i.amount, i.summary, i.grade, i.score, i.stage) for i in records.interactions]),
        "--nodes=Need=" + write("needs.csv", ["id:ID(Need)", "detected:date", "summary", "source"],
                                [(n.id, d(n.detected), n.summary, n.source) for n in records.needs]),
        "--relationships=IN_TIER=" + write("in_tier.csv", [":START_ID(Staff)", ":END_ID(Tier)"], [(s.id, s.tier) for s in records.staff if s.tier]),
        "--relationships=REPORTS_TO=" + write("reports_to.csv", [":START_ID(Staff)", ":END_ID(Staff)"], [(s.id, s.manager) for s in records.staff if s.manager]),
        "--relationships=MEMBER_OF=" + write("member_of.csv", [":START_ID(Staff)", ":END_ID(Team)", "since:date", "until:date"],
                                             [(m.staff, m.team, d(m.since), d(m.until)) for m in records.memberships]),
        "--relationships=COVERS=" + write("covers.csv", [":START_ID(Staff)", ":END_ID(Client)", "tier", "role", "since:date", "until:date"],
                                          [(c.staff, c.client, c.tier, c.role, d(c.since), d(c.until)) for c in records.coverage]),
        "--relationships=ENGAGES=" + write("engages.csv", [":START_ID(Team)", ":END_ID(Client)", "since:date", "until:date"],
                                           [(e.team, e.client, d(e.since), d(e.until)) for e in records.engagements]),
        "--relationships=WITH=" + write("with.csv", [":START_ID(Interaction)", ":END_ID(Client)"], [(i.id, i.client) for i in records.interactions]),
        "--relationships=PARTICIPATED=" + write("participated.csv", [":START_ID(Staff)", ":END_ID(Interaction)"],
                                                [(s, i.id) for i in records.interactions for s in i.staff]),
        "--relationships=HAS_NEED=" + write("has_need.csv", [":START_ID(Client)", ":END_ID(Need)"], [(n.client, n.id) for n in records.needs]),
        "--relationships=CAPTURED=" + write("captured.csv", [":START_ID(Staff)", ":END_ID(Need)"], [(n.staff, n.id) for n in records.needs if n.staff]),
    ]
    return args


def admin_import(records: Records, bolt_seconds: float) -> None:
    heading("neo4j-admin database import full (offline tool, same data, a separate database)")
    home = subprocess.run([str(ROOT / "scripts" / "neo4j.sh"), "home"], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        args = _admin_csvs(records, Path(tmp))
        env = {**os.environ, "NEO4J_HOME": home, "NEO4J_CONF": f"{home}/conf"}
        command = ["java", "-Xmx2g", "-cp", f"{home}/lib/*", "org.neo4j.cli.AdminTool", "database", "import", "full",
                   "benchimport", "--overwrite-destination", "--id-type=string", "--threads=2",
                   f"--report-file={tmp}/import.report", *args]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env)
        elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print("neo4j-admin import failed:", (result.stderr or result.stdout).strip().splitlines()[-3:])
        return
    print(f"neo4j-admin import: {elapsed:.1f}s ({len(records) / elapsed:,.0f} rows/s, JVM start included)")
    print(f"our Bolt import / neo4j-admin: {bolt_seconds / elapsed:.1f}x the time")


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    folder = organisation_folder(size)
    print(f"organisation: size {size} from {folder}")
    embedded(folder)
    _, seconds, records = neo4j(folder)
    admin_import(records, seconds)


if __name__ == "__main__":
    main()
