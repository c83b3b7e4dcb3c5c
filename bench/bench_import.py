"""The import command at size M or L on both stores: wall time, rows/s and the client's peak memory, beside
`neo4j-admin database import full` of the same graph and a naive one-row-per-transaction Bolt loop.

Targets: issue 2, embedded >= 50,000 rows/s and Neo4j over Bolt >= 10,000 rows/s and >= 10x the naive
loop; issue 13, Neo4j within 2x neo4j-admin's time, and at L the embedded import <= 2 min at <= 3 GB and
the Neo4j import <= 4 min with the client <= 1 GB. Each import is `graphcrm import FOLDER` in a fresh
process, as a user runs it (the folder is checked whole, then written a chunk at a time).
Run: make bench [SIZE=L], or python bench/bench_import.py [M|L] with NEO4J_* set.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, heading, neo4j_store, organisation_folder, timed

from graphcrm.importer import read_folder
from graphcrm.model import Records

TARGETS = {"M": {"embedded": (None, None), "neo4j": (None, None)},
           "L": {"embedded": (120, 3 * 1024), "neo4j": (240, 1024)}}        # (seconds, peak MB)

#: The import command in a fresh interpreter that prints its own peak memory (VmHWM) when it exits.
RUN_IMPORT = """
import atexit, runpy, sys
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            print("PEAK_MB", int(line.split()[1]) / 1024, file=sys.stderr)
atexit.register(peak)
sys.argv = ["graphcrm", *sys.argv[1:]]
runpy.run_module("graphcrm.cli", run_name="__main__")
"""


def run_import(url: str, folder: Path) -> tuple[float, float, str]:
    """(seconds, peak MB, what it printed) of `graphcrm --store URL import FOLDER` in a fresh process."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN_IMPORT, "--store", url, "import", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"import into {url} failed:\n{done.stderr[-2000:]}")
    peak = max(float(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK_MB"))
    return seconds, peak, done.stdout


def verdict(size: str, store: str, seconds: float, peak: float) -> str:
    limit_s, limit_mb = TARGETS.get(size, {}).get(store, (None, None))
    if limit_s is None:
        return ""
    met = seconds <= limit_s and peak <= limit_mb
    return f"   target <= {limit_s // 60:g} min at <= {limit_mb:,} MB: {'met' if met else 'MISSED'}"


def imported_rows(printed: str) -> int:
    """Records the import brought, from its report ('  clients: 2 new, 1 changed, 297 unchanged')."""
    found = re.findall(r"^  \w+: (\d+) new, (\d+) changed, (\d+) unchanged$", printed, flags=re.M)
    return sum(int(n) for row in found for n in row)


def embedded(folder: Path, size: str) -> int:
    heading("embedded store (SQLite + networkx): graphcrm import, fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak, printed = run_import(f"sqlite:///{tmp}/bench.db", folder)
    rows = imported_rows(printed)
    print(f"rows: {rows:,}   {seconds:.1f}s   {rows / seconds:,.0f} rows/s (target >= 50,000)   "
          f"client peak {peak:,.0f} MB{verdict(size, 'embedded', seconds, peak)}")
    return rows


def neo4j(folder: Path, rows: int, size: str) -> float:
    heading("Neo4j over Bolt: graphcrm import, fresh process (batched UNWIND + MERGE)")
    store = neo4j_store()
    store.init_schema()
    store.clear()
    seconds, peak, _ = run_import(os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"), folder)
    rate = rows / seconds
    print(f"rows: {rows:,}   {seconds:.1f}s   {rate:,.0f} rows/s (target >= 10,000)   "
          f"client peak {peak:,.0f} MB{verdict(size, 'neo4j', seconds, peak)}")
    # Baseline in the same process: the same write, one row per transaction, on interactions already stored
    # (so it measures the MERGE path), the first 1,500 of the folder.
    with tempfile.TemporaryDirectory() as tmp:
        with (folder / "interactions.csv").open(encoding="utf-8") as source:
            Path(tmp, "interactions.csv").write_text("".join(line for _, line in zip(range(1_501), source)), encoding="utf-8")
        sample = read_folder(tmp, store.known_ids()).interactions
    naive = timed(lambda: [store.write(Records(interactions=[row])) for row in sample])
    naive_rate = len(sample) / naive
    print(f"naive one-row-per-transaction MERGE loop: {naive_rate:,.0f} rows/s on {len(sample)} rows")
    print(f"batched / naive: {rate / naive_rate:.1f}x (target >= 10x)")
    store.close()
    return seconds


def _admin_csvs(folder: Path, out: Path) -> list[str]:
    """The folder's graph in neo4j-admin's header format, converted a row at a time; the import tool's arguments."""
    def rows(name):
        path = folder / name
        if not path.is_file():
            return
        with path.open(newline="", encoding="utf-8-sig") as handle:
            yield from csv.DictReader(handle)

    args: list[str] = []

    def write(flag, label, name, header, source, convert):
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            w = csv.writer(handle)
            w.writerow(header)
            for row in source:
                w.writerows(convert(row))
        args.append(f"--{flag}={label}={out / name}")

    one = lambda *cols: (lambda r: [[r[c] for c in cols]])        # noqa: E731
    write("nodes", "Tier", "tiers.csv", ["key:ID(Tier)", "level:int", "name", "duty"], rows("tiers.csv"),
          one("key", "level", "name", "duty"))
    write("nodes", "Staff", "staff.csv", ["id:ID(Staff)", "name", "email", "capacity:int", "joined:date", "left:date"],
          rows("staff.csv"), one("id", "name", "email", "capacity", "joined", "left"))
    write("relationships", "IN_TIER", "in_tier.csv", [":START_ID(Staff)", ":END_ID(Tier)"], rows("staff.csv"),
          lambda r: [[r["id"], r["tier"]]] if r["tier"] else [])
    write("relationships", "REPORTS_TO", "reports_to.csv", [":START_ID(Staff)", ":END_ID(Staff)"], rows("staff.csv"),
          lambda r: [[r["id"], r["manager"]]] if r["manager"] else [])
    write("nodes", "Team", "teams.csv", ["id:ID(Team)", "name"], rows("teams.csv"), one("id", "name"))
    write("nodes", "Client", "clients.csv", ["id:ID(Client)", "name", "industry", "grade", "value:double", "stage"],
          rows("clients.csv"), one("id", "name", "industry", "grade", "value", "stage"))
    write("relationships", "MEMBER_OF", "member_of.csv", [":START_ID(Staff)", ":END_ID(Team)", "since:date", "until:date"],
          rows("memberships.csv"), one("staff", "team", "since", "until"))
    write("relationships", "COVERS", "covers.csv",
          [":START_ID(Staff)", ":END_ID(Client)", "tier", "role", "since:date", "until:date"],
          rows("coverage.csv"), one("staff", "client", "tier", "role", "since", "until"))
    write("relationships", "ENGAGES", "engages.csv", [":START_ID(Team)", ":END_ID(Client)", "since:date", "until:date"],
          rows("engagements.csv"), one("team", "client", "since", "until"))
    write("nodes", "Interaction", "interactions.csv",
          ["id:ID(Interaction)", "kind", "at:datetime", "amount:double", "summary", "grade", "score:double", "stage"],
          rows("interactions.csv"), one("id", "kind", "at", "amount", "summary", "grade", "score", "stage"))
    write("relationships", "WITH", "with.csv", [":START_ID(Interaction)", ":END_ID(Client)"], rows("interactions.csv"),
          one("id", "client"))
    write("relationships", "PARTICIPATED", "participated.csv", [":START_ID(Staff)", ":END_ID(Interaction)"],
          rows("interactions.csv"), lambda r: [[s, r["id"]] for s in r["staff"].split(";") if s])
    write("nodes", "Need", "needs.csv", ["id:ID(Need)", "detected:date", "summary", "source"], rows("needs.csv"),
          one("id", "detected", "summary", "source"))
    write("relationships", "HAS_NEED", "has_need.csv", [":START_ID(Client)", ":END_ID(Need)"], rows("needs.csv"),
          one("client", "id"))
    write("relationships", "CAPTURED", "captured.csv", [":START_ID(Staff)", ":END_ID(Need)"], rows("needs.csv"),
          lambda r: [[r["staff"], r["id"]]] if r["staff"] else [])
    return args


def admin_import(folder: Path, rows: int, bolt_seconds: float) -> None:
    heading("neo4j-admin database import full (offline tool, same graph, a separate database)")
    home = subprocess.run([str(ROOT / "scripts" / "neo4j.sh"), "home"], capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        args = _admin_csvs(folder, Path(tmp))
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
    print(f"neo4j-admin import: {elapsed:.1f}s ({rows / elapsed:,.0f} rows/s, JVM start included)")
    print(f"graphcrm import over Bolt / neo4j-admin: {bolt_seconds / elapsed:.1f}x the time (target <= 2x)")


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    folder = organisation_folder(size)
    print(f"organisation: size {size} from {folder}")
    rows = embedded(folder, size)
    seconds = neo4j(folder, rows, size)
    admin_import(folder, rows, seconds)


if __name__ == "__main__":
    main()
