"""Every report at size M on both stores, median of 5 warm runs.

Targets (issue 3): each <= 2 s on Neo4j and <= 1 s embedded (truck_factor <= 10 s);
departure_impact for one staff member <= 300 ms on both. Each Neo4j time is also printed as a ratio
to a plain count of all COVERS relationships run in the same process.
"""

from __future__ import annotations

import tempfile

from common import heading, median_of, neo4j_holding, open_store, organisation_folder

from graphcrm.config import Policy
from graphcrm.generator import DEFAULT_ANCHOR
from graphcrm.importer import read_folder
from graphcrm.reports import catalogue, run_report

AS_OF = DEFAULT_ANCHOR
POLICY = Policy()


def params_for(name: str, one_staff: str) -> dict:
    return {"staff": [one_staff]} if name == "departure_impact" else {}


def main() -> None:
    folder = organisation_folder("M")
    records = read_folder(folder)
    busiest = max(records.staff, key=lambda s: sum(1 for c in records.coverage if c.staff == s.id)).id
    neo = neo4j_holding(records)
    with tempfile.TemporaryDirectory() as tmp:
        emb = open_store(f"sqlite:///{tmp}/bench.db")
        emb.write(records)
        baseline = median_of(lambda: neo.driver.execute_query("MATCH ()-[r:COVERS]->() RETURN count(r) AS n", database_=neo.database))
        heading(f"reports at size M as of {AS_OF} (median of 5 warm runs); departure_impact for {busiest}")
        print(f"Neo4j baseline, count of all COVERS: {baseline * 1000:.1f} ms")
        print(f"{'report':<18} {'rows':>7} {'embedded':>10} {'neo4j':>9} {'neo4j/baseline':>15}  targets")
        for name in catalogue():
            params = params_for(name, busiest)
            rows = len(run_report(emb, name, AS_OF, params, POLICY).rows)
            e = median_of(lambda: run_report(emb, name, AS_OF, params, POLICY))
            n = median_of(lambda: run_report(neo, name, AS_OF, params, POLICY))
            target = "<=10 s both" if name == "truck_factor" else ("<=300 ms both" if name == "departure_impact" else "<=1 s / <=2 s")
            print(f"{name:<18} {rows:>7} {e * 1000:>8.0f}ms {n * 1000:>7.0f}ms {n / baseline:>14.0f}x  {target}")
        emb.close()
    neo.close()


if __name__ == "__main__":
    main()
