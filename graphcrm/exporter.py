"""Writes a store's records as the CSV folder format; importing the folder gives the same graph."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from graphcrm.csvformat import COLUMNS, FILES, format_value
from graphcrm.model import Records

__all__ = ["write_folder"]


def write_folder(records: Records, folder: str | Path) -> dict[str, int]:
    """Write every kind to its file (atomically per file: temp file then rename); returns row counts."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, items in records.canonical().items():
        path = folder / FILES[kind]
        tmp = path.with_suffix(".csv.tmp")
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(COLUMNS[kind])
            for item in items:
                writer.writerow([format_value(getattr(item, column)) for column in COLUMNS[kind]])
        os.replace(tmp, path)
        written[kind] = len(items)
    return written
