"""Shared helpers for the benchmarks: the size-M organisation on disk, stores, medians."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from graphcrm.exporter import write_folder  # noqa: E402
from graphcrm.generator import generate  # noqa: E402
from graphcrm.stores import open_store  # noqa: E402


def organisation_folder(size: str = "M", seed: int = 1) -> Path:
    """The generated organisation as CSV, written once and reused by every benchmark."""
    folder = OUT / f"{size}-{seed}"
    if not (folder / "interactions.csv").is_file():
        write_folder(generate(size, seed), folder)
    return folder


def neo4j_store():
    url = os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687")
    if not os.environ.get("NEO4J_PASSWORD"):
        sys.exit("set NEO4J_URI/NEO4J_PASSWORD (eval \"$(scripts/neo4j.sh env)\"), or run: make bench")
    return open_store(url)


def timed(fn: Callable) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(fn: Callable, runs: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    return statistics.median(timed(fn) for _ in range(runs))


def heading(text: str) -> None:
    print(f"\n== {text}")


def neo4j_holding(records):
    """The Neo4j store, loaded with `records` unless it already holds exactly them."""
    store = neo4j_store()
    store.init_schema()
    if store.counts() != records.counts():
        print("loading the organisation into Neo4j ...")
        store.clear()
        store.write(records)
    return store
