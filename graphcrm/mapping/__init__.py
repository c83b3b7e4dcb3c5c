"""Mapping files: import an existing CRM export as it is (CSV in any encoding, .xlsx sheets) into the import format.

The format is documented in README.md ("Mapping files"). A mapping produces rows of the import
format from its sources; they then go through the same validation as a plain import. Problems
with the mapping itself (a missing column, a bad step) are reported once, before any row is read;
problems with a row name the source file and line and the mapping's output that made it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timezone, tzinfo
from pathlib import Path
from typing import Any, Callable

from graphcrm.bulk import gc_paused
from graphcrm.csvformat import COLUMNS, FILES
from graphcrm.errors import ImportFailed, MappingError
from graphcrm.importer import ImportErrors, validate_rows
from graphcrm.mapping.expressions import compile_condition
from graphcrm.mapping.tables import Source
from graphcrm.mapping.values import Compiler, Silent
from graphcrm.model import KnownIds, Records
from graphcrm.sources import SourceSpec, normalise_encoding, read_table

__all__ = ["Mapping", "load_mapping", "read_mapped", "map_rows", "MAX_MAPPING_BYTES"]

#: A mapping file larger than this is refused before it is parsed.
MAX_MAPPING_BYTES = 1 * 2**20
_KINDS = {name: kind for kind, name in FILES.items()} | {kind: kind for kind in FILES}
_TOP = {"version", "description", "sources", "output"}
_SOURCE_KEYS = {"file", "encoding", "delimiter", "sheet"}


@dataclass
class Mapping:
    path: Path
    shown: str                         # how messages name the mapping file
    version: int
    sources: dict[str, SourceSpec]     # name -> how to read it from the export folder
    outputs: list[dict[str, Any]]      # raw [[output]] tables, compiled once the sources are read

    def files(self) -> list[str]:
        """The export's files this mapping reads."""
        return sorted({spec.file for spec in self.sources.values()})


@dataclass
class _Output:
    number: int
    kind: str
    note: str
    source: Source | None
    columns: list[tuple[str, Callable]]
    required: list[tuple[str, Callable]]
    where: Callable | None
    literal_rows: list[dict[str, str]]
    distinct: bool


def load_mapping(path: str | Path, shown_as: str | None = None) -> Mapping:
    """Read and check a mapping file's structure (its steps are checked once the sources' columns are known)."""
    path = Path(path)
    shown = shown_as or str(path)
    if not path.is_file():
        raise MappingError(f"{shown}: mapping file not found")
    data = path.read_bytes()
    if len(data) > MAX_MAPPING_BYTES:
        raise MappingError(f"{shown}: {len(data):,} bytes; a mapping file has at most {MAX_MAPPING_BYTES:,}")
    try:
        table = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{shown}: not valid TOML: {exc}") from None
    except RecursionError:
        raise MappingError(f"{shown}: not valid TOML: nested too deeply") from None
    unknown = set(table) - _TOP
    if unknown:
        raise MappingError(f"{shown}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(_TOP))})")
    version = table.get("version", 1)
    if version not in (1, 2) or isinstance(version, bool):
        raise MappingError(f"{shown}: version: {version!r} is not 1 or 2")
    raw_sources = table.get("sources", {})
    if not isinstance(raw_sources, dict):
        raise MappingError(f"{shown}: sources: expected a table of name = \"file.csv\"")
    sources = {str(name): _source_spec(spec, f"{shown}: sources.{name}") for name, spec in raw_sources.items()}
    outputs = table.get("output", [])
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, dict) for o in outputs):
        raise MappingError(f"{shown}: no [[output]] tables")
    return Mapping(path, shown, version, sources, outputs)


def _source_spec(spec: Any, where: str) -> SourceSpec:
    if isinstance(spec, str):
        return SourceSpec(spec)
    if not isinstance(spec, dict) or "file" not in spec or set(spec) - _SOURCE_KEYS:
        raise MappingError(f"{where}: expected \"file.csv\" or {{ file = ..., encoding = ..., delimiter = ..., sheet = ... }}")
    encoding, delimiter = str(spec.get("encoding", "utf-8")), str(spec.get("delimiter", ","))
    try:
        normalise_encoding(encoding)
    except ValueError as exc:
        raise MappingError(f"{where}.encoding: {exc}") from None
    delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise MappingError(f"{where}.delimiter: expected one character (e.g. \";\" or \"\\t\"), got {delimiter!r}")
    sheet = spec.get("sheet")
    return SourceSpec(str(spec["file"]), encoding, delimiter, None if sheet is None else str(sheet))


def _read_sources(folder: Path, mapping: Mapping, prefix: str, errors: ImportErrors) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    unusable = False
    for name, spec in mapping.sources.items():
        if not (folder / spec.file).is_file():
            present = sorted(p.name for p in folder.iterdir() if p.is_file())[:30] if folder.is_dir() else []
            raise MappingError(f"{mapping.shown}: sources.{name}: {spec.file} is not in the export "
                               f"(files there: {', '.join(present) or 'none'})")
        shown = f"{prefix}/{spec.file}" if prefix else spec.file
        table = read_table(folder, spec, errors.add, shown)
        if table is None:
            unusable = True
            continue
        strip = str.strip
        rows = [(line, list(map(strip, cells))) for line, cells in table.rows]
        sources[name] = Source(name, table.name, table.header, rows)
    # A source whose bytes did not all decode is still mapped (its own and the others' row errors are
    # shown too); one without a usable header cannot be.
    if unusable:
        raise ImportFailed(errors.items, errors.total)
    return sources


def _compile_output(raw: dict[str, Any], n: int, mapping: Mapping, compiler: Compiler) -> _Output:
    where = f"{mapping.shown}: output {n}"
    allowed = {"kind", "source", "columns", "rows", "require", "distinct"} | ({"where"} if mapping.version == 2 else set())
    unknown = set(raw) - allowed
    if unknown:
        raise MappingError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(allowed))})")
    kind = _KINDS.get(str(raw.get("kind", "")))
    if kind is None:
        raise MappingError(f"{where}.kind: {raw.get('kind')!r} is not one of {', '.join(FILES)}")
    where = f"{where} ({kind})"
    note = f"{mapping.shown}, output {n}: {kind}"
    literal = raw.get("rows")
    if literal is not None:
        if not isinstance(literal, list) or not all(isinstance(r, dict) for r in literal):
            raise MappingError(f"{where}.rows: expected a list of tables")
        for r in literal:
            for column in r:
                if column not in COLUMNS[kind]:
                    raise MappingError(f"{where}.rows: unknown column {column!r} for {kind}")
        rows = [{k: "" if v is None else str(v) for k, v in r.items()} for r in literal]
        return _Output(n, kind, note, None, [], [], None, rows, False)
    name = raw.get("source")
    if name not in mapping.sources:
        raise MappingError(f"{where}.source: {name!r} is not a declared source ({', '.join(mapping.sources) or 'none'})")
    source = compiler.sources[name]
    spec = raw.get("columns")
    if not isinstance(spec, dict) or not spec:
        raise MappingError(f"{where}.columns: expected a table of target column = value")
    columns = []
    for column, value in spec.items():
        if column not in COLUMNS[kind]:
            raise MappingError(f"{where}.columns.{column}: not a column of {FILES[kind]} ({', '.join(COLUMNS[kind])})")
        columns.append((column, compiler.value(value, f"{where}.columns.{column}", source)))
    require = raw.get("require", [])
    if not isinstance(require, list) or any(r not in spec for r in require):
        raise MappingError(f"{where}.require: expected a list of the output's columns")
    condition = None
    if "where" in raw:
        condition = compile_condition(raw["where"], f"{where}.where", lambda c: source.position(c, f"{where}.where"))
    required = [(c, f) for c, f in columns if c in require]
    others = [(c, f) for c, f in columns if c not in require]
    return _Output(n, kind, note, source, others, required, condition, [], bool(raw.get("distinct", False)))


def _compile(mapping: Mapping, sources: dict[str, Source]) -> list[_Output]:
    """Every output, or one MappingError listing every problem found (each missing column once)."""
    compiler = Compiler(mapping.version, sources)
    outputs, problems = [], []
    for n, raw in enumerate(mapping.outputs, 1):
        try:
            outputs.append(_compile_output(raw, n, mapping, compiler))
        except MappingError as exc:
            problems.append(str(exc))
    if problems:
        raise MappingError("; ".join(dict.fromkeys(problems)))
    return outputs


Produced = dict[str, list[tuple[str, int, dict[str, str]]]]


def _run(output: _Output, target: list, errors: ImportErrors) -> None:
    """The rows one output makes from its source, in source order; a failing row is reported and left out."""
    source, note, add = output.source, output.note, errors.add
    required, columns, condition = output.required, output.columns, output.where
    seen: set[tuple] = set()
    shown = source.shown
    for line, row in source.rows:
        column = "where"
        try:
            if condition is not None and not condition(row):
                continue
            cells = {}
            for column, value_of in required:          # bug 8: a skipped row's other columns are never made
                value = value_of(row)
                if not value:
                    break
                cells[column] = value
            else:
                for column, value_of in columns:
                    cells[column] = value_of(row)
                if output.distinct:
                    key = tuple(cells.values())
                    if key in seen:
                        continue
                    seen.add(key)
                target.append((shown, line, cells))
        except ValueError as exc:
            add(shown, line, column, f"{exc} ({note})")
        except Silent:
            continue


def map_rows(folder: str | Path, mapping: Mapping, errors: ImportErrors,
             shown_as: str | None = None) -> tuple[Produced, dict[tuple[str, str], str]]:
    """Every output row, by kind, with the source file and line it came from; and the note naming each output."""
    folder = Path(folder)
    prefix = str(folder) if shown_as is None else shown_as
    sources = _read_sources(folder, mapping, prefix, errors)
    outputs = _compile(mapping, sources)
    produced: Produced = {}
    notes: dict[tuple[str, str], str] = {}
    for output in outputs:
        target = produced.setdefault(output.kind, [])
        if output.source is None:
            shown = f"{mapping.shown} output {output.number}"
            target.extend((shown, n, row) for n, row in enumerate(output.literal_rows, 1))
            continue
        notes.setdefault((output.kind, output.source.shown), output.note)
        _run(output, target, errors)
    return produced, notes


def read_mapped(folder: str | Path, mapping_path: str | Path, known: KnownIds | None = None,
                shown_as: str | None = None, mapping_shown_as: str | None = None, zone: tzinfo = timezone.utc) -> Records:
    """Map a CRM export folder with a mapping file, then validate like any import (nothing written on error).

    `shown_as` is how errors name the export folder (default: as given; "" names files alone),
    `mapping_shown_as` how they name the mapping file; a date-time written without an offset is local to `zone`.
    """
    mapping = load_mapping(mapping_path, mapping_shown_as)
    errors = ImportErrors()
    with gc_paused():
        rows, notes = map_rows(folder, mapping, errors, shown_as)
        return validate_rows(rows, known, errors, notes, zone)
