"""Opening the embedded store at size M until it is ready for graph work, in a fresh process each time.

Target (issue 2): <= 5 s and peak memory <= 2 GB. Baseline in the same process: reading every
row of every table with plain sqlite3 (no objects, no index, no graph).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile

from common import ROOT, heading, open_store, organisation_folder

from graphcrm.importer import read_folder

PROBE = """
import json, resource, sqlite3, sys, time
sys.path.insert(0, {root!r})
started = time.perf_counter()
db = sqlite3.connect({path!r})
for table in ("tier", "staff", "team", "membership", "client", "coverage", "engagement", "interaction", "need"):
    db.execute(f"SELECT * FROM {{table}}").fetchall()
db.close()
raw = time.perf_counter() - started
from graphcrm.stores import open_store
started = time.perf_counter()
store = open_store("sqlite:///" + {path!r})
index = store.snapshot()
ready = time.perf_counter() - started
print(json.dumps({{"open": ready, "raw": raw, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "graph_nodes": index.graph.number_of_nodes(), "graph_edges": index.graph.number_of_edges(),
                  "interactions": len(index.interactions)}}))
"""


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    folder = organisation_folder(size)
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/bench.db"
        store = open_store(f"sqlite:///{path}")
        store.write(read_folder(folder))
        store.close()
        heading(f"open the embedded store at size {size} (fresh process per run, 5 runs)")
        runs = []
        for _ in range(5):
            out = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT), path=path)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout))
    opens = [r["open"] for r in runs]
    raws = [r["raw"] for r in runs]
    last = runs[-1]
    print(f"graph ready: {last['graph_nodes']:,} nodes, {last['graph_edges']:,} edges in networkx; {last['interactions']:,} interactions indexed")
    print(f"open until ready: median {statistics.median(opens):.2f}s (min {min(opens):.2f}, max {max(opens):.2f}) (target <= 5 s)")
    print(f"peak memory of that process: {max(r['rss_mb'] for r in runs):,.0f} MB (target <= 2048 MB)")
    print(f"baseline, raw sqlite3 read of every row: median {statistics.median(raws):.2f}s; "
          f"open / raw = {statistics.median(opens) / statistics.median(raws):.1f}x")


if __name__ == "__main__":
    main()
