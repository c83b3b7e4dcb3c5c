"""Shared helpers for the benchmarks: the size-M organisation on disk, stores, medians."""

from __future__ import annotations

import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from graphcrm.csvformat import FILES  # noqa: E402
from graphcrm.exporter import write_folder  # noqa: E402
from graphcrm.generator import generate  # noqa: E402
from graphcrm.importer import STREAMED, check_folder, read_folder  # noqa: E402
from graphcrm.folderimport import run_import  # noqa: E402
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
    """The Neo4j store, loaded with `records` unless it already holds as many records of each kind."""
    return _neo4j_with(records.counts(), lambda store: store.write(records), "the organisation")


def folder_counts(folder: Path) -> dict[str, int]:
    """Records per kind in a generated folder (its CSV rows), counted once and kept beside it."""
    kept = folder / "counts.json"
    if not kept.is_file():
        counts = {}
        for kind, name in FILES.items():
            with (folder / name).open(newline="", encoding="utf-8") as handle:
                counts[kind] = sum(1 for _ in csv.reader(handle)) - 1
        kept.write_text(json.dumps(counts))
    return json.loads(kept.read_text())


def shape(folder: Path):
    """The organisation's shape (every file but interactions and needs) read whole: what a benchmark picks its
    clients and staff from, without holding millions of interactions."""
    with tempfile.TemporaryDirectory() as tmp:
        for kind, name in FILES.items():
            if kind not in STREAMED:
                os.symlink(folder / name, Path(tmp) / name)
        return read_folder(tmp)


def import_into(store, folder: Path) -> None:
    """The import command's own procedure: check the folder, then write it a chunk at a time."""
    run_import(store, check_folder(folder, store.known_ids()), write=True)


def embedded_holding(size: str = "M", seed: int = 1) -> str:
    """The URL of an embedded store holding the organisation, imported once into bench/out/ and reused."""
    path = OUT / f"{size}-{seed}.db"
    if not path.is_file():
        partial = OUT / f"{size}-{seed}.partial.db"
        for stale in OUT.glob(f"{partial.name}*"):
            stale.unlink()
        print(f"importing size {size} into {path} (once) ...")
        store = open_store(f"sqlite:///{partial}")
        import_into(store, organisation_folder(size, seed))
        store.close()
        partial.rename(path)
    return f"sqlite:///{path}"


def neo4j_loaded(size: str = "M", seed: int = 1):
    """The Neo4j store holding the generated organisation, imported with the import command's procedure unless it
    already holds as many records of each kind."""
    folder = organisation_folder(size, seed)
    return _neo4j_with(folder_counts(folder), lambda store: import_into(store, folder), f"size {size}")


def _neo4j_with(counts: dict[str, int], load: Callable, what: str):
    store = neo4j_store()
    store.init_schema()
    if store.counts() != counts:
        print(f"loading {what} into Neo4j ...")
        store.clear()
        load(store)
    return store
