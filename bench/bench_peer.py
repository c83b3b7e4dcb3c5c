"""What an analyst would pick instead: every report as one DuckDB SQL query over the same CSVs, against the embedded store.

Target (issue 13): the embedded store within 3x of this peer on every report. The CSVs are loaded into
DuckDB once (timed apart); each report then runs as one SQL query (bench/peer_sql.py), median of 5
warm runs, and its rows are checked against graphcrm's. truck_factor and brokers need a graph
algorithm, so their peer is the SQL extraction of the active coverage graph plus the same networkx step.
Run: make bench (size M), or python bench/bench_peer.py [M|L]. Needs the `bench` extra (duckdb).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time

from common import heading, median_of, open_store, organisation_folder
from peer_sql import QUERIES, load

from graphcrm.config import Policy
from graphcrm.generator import DEFAULT_ANCHOR
from graphcrm.importer import read_folder
from graphcrm.queries import bind
from graphcrm.reports import catalogue, report_named, run_report

AS_OF = DEFAULT_ANCHOR
POLICY = Policy()


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, abs_tol=1e-9)
    return a == b


def same_rows(ours: list[dict], theirs: list[tuple], columns: list[str]) -> bool:
    if len(ours) != len(theirs):
        return False
    return all(_same(row[c], value) for row, other in zip(ours, theirs) for c, value in zip(columns, other))


def peer_rows(connection, name: str):
    """The peer's answer: one SQL query, or (a networkx report) the SQL extraction plus the same networkx step."""
    if name in QUERIES:
        return connection.execute(QUERIES[name], {"t": AS_OF}).fetchall()
    report = report_named(name)
    keys = ["staff", "client", "tier", "value"]
    rows = [dict(zip(keys, r)) for r in connection.execute(QUERIES["active_coverage"], {"t": AS_OF}).fetchall()]
    tiers = [r[0] for r in connection.execute("SELECT key FROM tiers ORDER BY level, key").fetchall()]
    out = report.finish(rows, bind(report.params, {}, POLICY, owner=name, as_of=AS_OF), lambda: tiers)
    return [tuple(r[c] for c in report.column_names) for r in out]


def main() -> None:
    import duckdb

    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    folder = organisation_folder(size)
    connection = duckdb.connect()
    started = time.perf_counter()
    load(connection, folder)
    loaded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/peer.db")
        store.write(read_folder(folder))
        store.close()
        started = time.perf_counter()
        store = open_store(f"sqlite:///{tmp}/peer.db")
        opened = time.perf_counter() - started
        heading(f"size {size} as of {AS_OF}: DuckDB {duckdb.__version__} SQL over the CSVs vs graphcrm embedded (median of 5 warm)")
        print(f"DuckDB loads the CSVs in {loaded:.2f}s; graphcrm opens its store in {opened:.2f}s")
        print(f"{'report':<18} {'rows':>7} {'duckdb':>9} {'embedded':>9} {'ratio':>7}  same rows   (target: ratio <= 3)")
        for name in catalogue():
            if name not in QUERIES and report_named(name).query != "active_coverage":
                # No SQL peer: departure_impact's successor ranking is a per-client top-3 an analyst would script;
                # the planner's reports (coverage_plan, changes, path) are optimisation and search, measured by
                # bench_planner beside the plain reports they build on.
                continue
            columns = report_named(name).column_names
            ours = run_report(store, name, AS_OF, {}, POLICY).rows
            theirs = peer_rows(connection, name)
            same = same_rows(ours, theirs, columns)
            peer = median_of(lambda: peer_rows(connection, name))
            embedded = median_of(lambda: run_report(store, name, AS_OF, {}, POLICY))
            print(f"{name:<18} {len(ours):>7} {peer * 1000:>7.0f}ms {embedded * 1000:>7.0f}ms {embedded / peer:>6.1f}x  "
                  f"{'yes' if same else 'NO'}")
        store.close()


if __name__ == "__main__":
    main()
