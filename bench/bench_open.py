"""Opening the embedded store until reports can run, then the networkx graph on first use, in a fresh process each time.

Targets (issue 2): <= 5 s and peak memory <= 2 GB at M; issue 13: a CLI report at L <= 15 s including the open. Baseline in the same process: reading every
row of every table with plain sqlite3 (no objects, no index, no graph).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from common import ROOT, embedded_holding, heading

from graphcrm.generator import DEFAULT_ANCHOR

AS_OF = DEFAULT_ANCHOR.isoformat()
#: A report of the structure alone and one that reads a year of interactions.
CLI_REPORTS = ("coverage_gaps", "key_person_risk")


PROBE = """
import json, sqlite3, sys, time
sys.path.insert(0, {root!r})


def peak_mb():
    # VmHWM starts afresh at exec (ru_maxrss would carry the benchmark's own peak over on Linux)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from graphcrm.stores import open_store
started = time.perf_counter()
store = open_store("sqlite:///" + {path!r})
index = store.snapshot()
ready = time.perf_counter() - started
rss_open = peak_mb()
started = time.perf_counter()
graph = index.graph          # built on first use (the explorer's and other graph work's)
built = time.perf_counter() - started
rss_graph = peak_mb()
interactions = len(index.interactions)
store.close()
started = time.perf_counter()
db = sqlite3.connect({path!r})
for table in ("tier", "staff", "team", "membership", "client", "coverage", "engagement", "interaction", "need"):
    db.execute(f"SELECT * FROM {{table}}").fetchall()
db.close()
raw = time.perf_counter() - started
print(json.dumps({{"open": ready, "raw": raw, "graph": built, "rss_open_mb": rss_open, "rss_mb": rss_graph,
                  "graph_nodes": graph.number_of_nodes(), "graph_edges": graph.number_of_edges(),
                  "interactions": interactions}}))
"""


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    path = embedded_holding(size).removeprefix("sqlite:///")
    heading(f"open the embedded store at size {size} (fresh process per run, 5 runs)")
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT), path=path)],
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    opens = [r["open"] for r in runs]
    raws = [r["raw"] for r in runs]
    last = runs[-1]
    print(f"{last['interactions']:,} interactions stay in SQLite (read through its indexes)")
    print(f"open until reports can run: median {statistics.median(opens):.2f}s (min {min(opens):.2f}, max {max(opens):.2f}), "
          f"peak memory {max(r['rss_open_mb'] for r in runs):,.0f} MB")
    print(f"then the networkx graph on first use ({last['graph_nodes']:,} nodes, {last['graph_edges']:,} edges): "
          f"median {statistics.median(r['graph'] for r in runs):.2f}s, peak memory {max(r['rss_mb'] for r in runs):,.0f} MB")
    print(f"baseline, raw sqlite3 read of every row: median {statistics.median(raws):.2f}s; "
          f"open / raw = {statistics.median(opens) / statistics.median(raws):.1f}x")
    heading(f"a CLI report at size {size}, open included (fresh process, median of 3; target at L <= 15 s)")
    for name in CLI_REPORTS:
        seconds = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", f"sqlite:///{path}", "report", name,
                            "--as-of", AS_OF, "--format", "csv"], capture_output=True, check=True, cwd=ROOT)
            seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        print(f"  graphcrm report {name:<16} {median:6.1f}s   {median / statistics.median(opens):.1f}x the open alone")


if __name__ == "__main__":
    main()
