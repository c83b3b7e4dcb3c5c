"""The planner, changes, trends and chains at size M on both stores, each beside the plain report it builds on.

Targets (issue 10): coverage_plan <= 5 s on each store, and with --leaving of the five busiest people <= 5 s;
changes over 90 days <= 1 s; a 12-point monthly trend <= 10x the slowest single report it includes (ratio
printed; cold = nothing cached, warm = past points cached); path between two random staff p95 <= 200 ms over
100 pairs. Every figure is a median of warm runs (path: p50/p95 of 100 pairs), run in this process beside its
baseline. The organisation is `graphcrm generate --size M --seed 1`, cached under /tmp.

    python bench/bench_planner.py [--only embedded|neo4j] [--runs N] [--parts plan,changes,trend,path]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from common import ROOT, heading, median_of, neo4j_holding, open_store, timed

from graphcrm.config import Policy
from graphcrm.generator import DEFAULT_ANCHOR
from graphcrm.importer import read_folder
from graphcrm.reports import run_report
from graphcrm.reports.trends import run_trend, trend_headlines

AS_OF = DEFAULT_ANCHOR
POLICY = Policy()
FOLDER = Path("/tmp/graphcrm-M-1")
EMBEDDED_DB = Path("/tmp/graphcrm-bench-planner-M-1.db")
PARTS = ("plan", "changes", "trend", "path")


def organisation():
    """The size-M organisation's CSV folder (generated once by the CLI) and its records."""
    if not (FOLDER / "interactions.csv").is_file():
        subprocess.run([sys.executable, "-m", "graphcrm.cli", "generate", "--size", "M", "--seed", "1", "--out", str(FOLDER)],
                       check=True, cwd=ROOT)
    return read_folder(FOLDER)


def embedded(records):
    """The embedded store holding the organisation (its SQLite file is kept under /tmp between runs)."""
    store = open_store(f"sqlite:///{EMBEDDED_DB}")
    if store.counts() != records.counts():
        store.close()
        EMBEDDED_DB.unlink(missing_ok=True)
        store = open_store(f"sqlite:///{EMBEDDED_DB}")
        print("loading the organisation into the embedded store ...")
        store.write(records)
    return store


def busiest(store, n: int) -> list[str]:
    load = run_report(store, "staff_load", AS_OF, {}, POLICY).rows
    return [r["staff"] for r in sorted(load, key=lambda r: (-r["clients"], r["staff"]))[:n]]


def line(what: str, seconds: float, baseline_name: str, baseline: float, target: str) -> None:
    print(f"  {what:<34} {seconds * 1000:>9.0f} ms   beside {baseline_name:<18} {baseline * 1000:>8.0f} ms  "
          f"({seconds / baseline:>5.1f}x)   target {target}")


def bench_store(name: str, store, runs: int, parts: set[str]) -> None:
    heading(f"{name}: size M as of {AS_OF}, median of {runs} warm runs")
    report = lambda n, params: (lambda: run_report(store, n, AS_OF, params, POLICY))      # noqa: E731
    if "plan" in parts:
        bench_plan(store, report, runs)
    if "changes" in parts:
        bench_changes(store, report, runs)
    if "trend" in parts:
        bench_trend(store, report, runs)
    if "path" in parts:
        bench_path(store, report, runs)


def bench_plan(store, report, runs: int) -> None:
    # coverage_plan beside the gaps it fills and the strengths it weighs.
    gaps = median_of(report("coverage_gaps", {}), runs)
    plan = median_of(report("coverage_plan", {}), runs)
    result = run_report(store, "coverage_plan", AS_OF, {}, POLICY)
    line(f"coverage_plan ({len(result.rows)} rows)", plan, "coverage_gaps", gaps, "<= 5 s")
    five = busiest(store, 5)
    impact = median_of(report("departure_impact", {"staff": five}), runs)
    leaving = median_of(report("coverage_plan", {"leaving": five}), runs)
    line("coverage_plan --leaving 5 busiest", leaving, "departure_impact", impact, "<= 5 s")


def bench_changes(store, report, runs: int) -> None:
    # changes over 90 days beside the coverage report.
    coverage = median_of(report("coverage", {}), runs)
    since = (AS_OF - timedelta(days=90)).isoformat()
    changes = median_of(report("changes", {"since": since}), runs)
    line(f"changes, 90 days ({len(run_report(store, 'changes', AS_OF, {'since': since}, POLICY).rows)} rows)",
         changes, "coverage", coverage, "<= 1 s")


def bench_trend(store, report, runs: int) -> None:
    # A 12-point monthly trend beside the slowest report it includes.
    singles = {}
    for entry, headline in trend_headlines():
        params = headline.params(lambda n, p: run_report(store, n, AS_OF, p, POLICY)) if headline.params else {}
        singles.setdefault(entry.name, median_of(report(entry.name, params), max(1, runs // 2)))
    slowest = max(singles, key=singles.get)
    start = AS_OF - timedelta(days=335)
    start = date(start.year, start.month, AS_OF.day)
    cold = median_of(lambda: run_trend(store, start, AS_OF, "month", POLICY, today=start), max(1, runs // 2), warmup=0)
    run_trend(store, start, AS_OF, "month", POLICY, today=AS_OF + timedelta(days=1))          # fills the cache
    warm = median_of(lambda: run_trend(store, start, AS_OF, "month", POLICY, today=AS_OF + timedelta(days=1)), runs)
    print("  single reports: " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in singles.items()))
    line("trend, 12 months, cold", cold, slowest, singles[slowest], "<= 10x")
    line("trend, 12 months, past points cached", warm, slowest, singles[slowest], "<= 10x")


def bench_path(store, report, runs: int) -> None:
    # path between random staff, p50/p95 of 100 pairs, beside the relationships report.
    relationships = median_of(report("relationships", {}), max(1, runs // 2))
    people = sorted({r["staff"] for r in run_report(store, "staff_load", AS_OF, {}, POLICY).rows})
    rng = random.Random(1)
    pairs = [tuple(rng.sample(people, 2)) for _ in range(100)]
    run_report(store, "path", AS_OF, {"from": pairs[0][0], "to": pairs[0][1]}, POLICY)                  # warm up
    times = sorted(timed(lambda a=a, b=b: run_report(store, "path", AS_OF, {"from": a, "to": b}, POLICY)) for a, b in pairs)
    p50, p95 = statistics.median(times), times[94]
    line("path, 100 random staff pairs: p50", p50, "relationships", relationships, "")
    line("path, 100 random staff pairs: p95", p95, "relationships", relationships, "<= 200 ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["embedded", "neo4j"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"--parts: unknown {sorted(parts - set(PARTS))}")
    started = time.perf_counter()
    records = organisation()
    print(f"size M: {len(records.clients)} clients, {len(records.staff)} staff, {len(records.interactions)} interactions "
          f"(read in {time.perf_counter() - started:.0f} s)")
    if args.only != "neo4j":
        store = embedded(records)
        try:
            bench_store("embedded", store, args.runs, parts)
        finally:
            store.close()
    if args.only != "embedded":
        if not os.environ.get("NEO4J_PASSWORD"):
            sys.exit("set NEO4J_URI/NEO4J_PASSWORD (eval \"$(scripts/neo4j.sh env)\"), or run: make bench")
        store = neo4j_holding(records)
        try:
            bench_store("neo4j", store, args.runs, parts)
        finally:
            store.close()


if __name__ == "__main__":
    main()
