"""Every report on both stores (median of 5 warm runs at M, one warm run at L), each beside the floor of streaming
every COVERS row over Bolt. The stores are loaded once with the import command's procedure (bench/common.py).

Targets (issue 13): at M every report <= 1.5 s on Neo4j (truck_factor <= 3 s) and <= 0.5 s embedded
(truck_factor <= 1.5 s); at L every report <= 5 s on Neo4j (truck_factor <= 20 s) and a running
embedded store <= 5 s (truck_factor <= 20 s). The baseline, run in the same process: reading all
COVERS relationships (staff, client, tier, role, since, until) into Python over Bolt (the named query
export_coverage), one record per row: the floor that a report returning every row sat on; and the same rows
packed in one record (Neo4jStore.read_packed), the way the store now sends every report's rows.
Run: make bench [SIZE=L], or python bench/bench_reports.py [M|L] with NEO4J_* set.
"""

from __future__ import annotations

import sys
import time

from common import embedded_holding, heading, median_of, neo4j_loaded, open_store, organisation_folder, shape

from graphcrm.config import Policy
from graphcrm.generator import DEFAULT_ANCHOR
from graphcrm.reports import catalogue, run_report

AS_OF = DEFAULT_ANCHOR
POLICY = Policy()
TARGETS = {"M": ((1.5, 3.0), (0.5, 1.5)), "L": ((5.0, 20.0), (5.0, 20.0))}     # (neo4j, embedded): (each, truck)


#: Measured by bench/bench_planner.py beside the plain reports they build on (issue 10's own targets).
PLANNER = ("coverage_plan", "changes", "path")


def params_for(name: str, one_staff: str) -> dict:
    return {"staff": [one_staff]} if name == "departure_impact" else {}


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    runs = 5 if size == "M" else 1                 # at L one warm run after the first (a report there takes seconds)
    load: dict[str, int] = {}
    for c in shape(organisation_folder(size)).coverage:
        load[c.staff] = load.get(c.staff, 0) + 1
    busiest = max(load, key=lambda s: (load[s], s))
    neo = neo4j_loaded(size)
    emb = open_store(embedded_holding(size))
    floor = median_of(lambda: neo.read("export_coverage"), runs=runs)
    packed = median_of(lambda: neo.read_packed("export_coverage"), runs=runs)
    (neo_each, neo_truck), (emb_each, emb_truck) = TARGETS[size]
    heading(f"reports at size {size} as of {AS_OF} (median of {runs} warm runs); departure_impact for {busiest}")
    print(f"floor: all {len(neo.read('export_coverage')):,} COVERS rows streamed to Python over Bolt: {floor * 1000:.0f} ms "
          f"a record each; {packed * 1000:.0f} ms packed in one record as the reports are sent ({floor / packed:.1f}x faster)")
    print(f"{'report':<18} {'rows':>7} {'embedded':>10} {'neo4j':>9} {'neo4j/floor':>12}  targets (embedded / neo4j)")
    for name in [n for n in catalogue() if n not in PLANNER]:
        params = params_for(name, busiest)
        rows = len(run_report(emb, name, AS_OF, params, POLICY).rows)
        e = median_of(lambda: run_report(emb, name, AS_OF, params, POLICY), runs=runs, warmup=0)
        n = median_of(lambda: run_report(neo, name, AS_OF, params, POLICY), runs=runs)
        t_emb, t_neo = (emb_truck, neo_truck) if name == "truck_factor" else (emb_each, neo_each)
        met = ("ok" if e <= t_emb else "MISSED") + " / " + ("ok" if n <= t_neo else "MISSED")
        print(f"{name:<18} {rows:>7} {e * 1000:>8.0f}ms {n * 1000:>7.0f}ms {n / floor:>11.1f}x  "
              f"<= {t_emb:g} s / <= {t_neo:g} s: {met}", flush=True)
    emb.close()
    neo.close()


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - started:.0f} s)")
