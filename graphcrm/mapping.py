"""Mapping files: import an existing CRM export without editing it (rename, constants, dates, value maps, joins, sums).

The format is documented in README.md ("Mapping files"). A mapping produces rows of the import
format from source CSV files; they then go through the same validation as a plain import, and
every error names the source file and line it came from.
"""

from __future__ import annotations

import ast
import operator
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable

from graphcrm.csvformat import COLUMNS, FILES
from graphcrm.errors import ImportFailed, MappingError, RowError
from graphcrm.importer import ImportErrors, read_table, validate_rows
from graphcrm.model import KnownIds
from graphcrm.model import Records

__all__ = ["Mapping", "load_mapping", "read_mapped", "map_rows"]

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_KINDS = {name: kind for kind, name in FILES.items()} | {kind: kind for kind in FILES}


# --- a small safe arithmetic language for `sum` expressions -----------------------------------
_OPERATORS: dict[type, Callable] = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                                    ast.Div: operator.truediv, ast.USub: operator.neg}


def _compile_expression(text: str, where: str) -> Callable[[dict[str, str]], float]:
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise MappingError(f"{where}: expression {text!r} is not valid arithmetic") from None

    def check(node: ast.AST) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            check(node.left)
            check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            check(node.operand)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            pass
        elif isinstance(node, ast.Name):
            pass
        else:
            raise MappingError(f"{where}: expression {text!r} may use only numbers, column names and + - * /")

    check(tree)

    def evaluate(node: ast.AST, row: dict[str, str]) -> float:
        if isinstance(node, ast.BinOp):
            return _OPERATORS[type(node.op)](evaluate(node.left, row), evaluate(node.right, row))
        if isinstance(node, ast.UnaryOp):
            return _OPERATORS[type(node.op)](evaluate(node.operand, row))
        if isinstance(node, ast.Constant):
            return float(node.value)
        raw = (row.get(node.id) or "").strip()
        if node.id not in row:
            raise ValueError(f"no column {node.id!r}")
        return float(raw) if raw else 0.0

    return lambda row: evaluate(tree, row)


# --- value specs -------------------------------------------------------------------------------
class _Skip(Exception):
    """This source row produces no output row (a `require`d field is empty)."""


@dataclass
class _Source:
    name: str
    rows: list[tuple[int, dict[str, str]]]
    _indexes: dict[str, dict[str, list[dict[str, str]]]] = field(default_factory=dict)

    def index(self, key: str) -> dict[str, list[dict[str, str]]]:
        if key not in self._indexes:
            found: dict[str, list[dict[str, str]]] = {}
            for _, row in self.rows:
                found.setdefault((row.get(key) or "").strip(), []).append(row)
            self._indexes[key] = found
        return self._indexes[key]


def _text_of(spec: str, row: dict[str, str], where: str) -> str:
    """A plain string is a column name; a string with {column} parts is a template (empty if a part is empty)."""
    if "{" not in spec:
        if spec not in row:
            raise ValueError(f"no column {spec!r} in the source")
        return (row.get(spec) or "").strip()
    parts = _TEMPLATE.findall(spec)
    values = {}
    for part in parts:
        if part not in row:
            raise ValueError(f"no column {part!r} in the source")
        values[part] = (row.get(part) or "").strip()
        if not values[part]:
            return ""
    return _TEMPLATE.sub(lambda m: values[m.group(1)], spec)


def _compile_value(spec: Any, where: str, sources: dict[str, _Source]) -> Callable[[dict[str, str]], str]:
    if isinstance(spec, str):
        return lambda row: _text_of(spec, row, where)
    if isinstance(spec, list):
        options = [_compile_value(s, f"{where}[{n}]", sources) for n, s in enumerate(spec)]

        def first(row):
            for option in options:
                value = option(row)
                if value:
                    return value
            return ""
        return first
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: expected a column name, a template, a list or a table")
    known = {"const", "column", "template", "date", "datetime", "map", "default", "lookup", "sum", "round"}
    unknown = set(spec) - known
    if unknown:
        raise MappingError(f"{where}: unknown option {sorted(unknown)[0]!r} (known: {', '.join(sorted(known))})")
    if "const" in spec:
        constant = "" if spec["const"] is None else str(spec["const"])
        return lambda row: constant
    if "column" in spec:
        base = _compile_value(str(spec["column"]), where, sources)
    elif "template" in spec:
        base = _compile_value(str(spec["template"]), where, sources)
    else:
        raise MappingError(f"{where}: a table needs 'const', 'column' or 'template'")
    steps: list[Callable[[str], str]] = []
    if "lookup" in spec:
        steps.append(_lookup_step(spec["lookup"], f"{where}.lookup", sources))
    if "sum" in spec:
        steps.append(_sum_step(spec["sum"], f"{where}.sum", sources))
    if "map" in spec:
        table = spec["map"]
        if not isinstance(table, dict):
            raise MappingError(f"{where}.map: expected a table of source value = target value")
        table = {str(k): "" if v is None else str(v) for k, v in table.items()}
        default = spec.get("default")

        def mapped(value: str) -> str:
            if value in table:
                return table[value]
            if default is not None:
                return str(default)
            if value == "":
                return ""
            raise ValueError(f"value {value!r} is not in the mapping's map (and there is no default)")
        steps.append(mapped)
    elif "default" in spec:
        fallback = str(spec["default"])
        steps.append(lambda value: value or fallback)
    for key, kind in (("date", "date"), ("datetime", "datetime")):
        if key in spec:
            steps.append(_date_step(str(spec[key]), kind, f"{where}.{key}"))
    if "round" in spec:
        digits = int(spec["round"])
        steps.append(lambda value: "" if value == "" else repr(round(float(value), digits)))

    def value_of(row):
        value = base(row)
        for step in steps:
            value = step(value)
        return value
    return value_of


def _source_of(name: Any, where: str, sources: dict[str, _Source]) -> _Source:
    if name not in sources:
        raise MappingError(f"{where}: unknown source {name!r} (declared: {', '.join(sources) or 'none'})")
    return sources[name]


def _lookup_step(spec: Any, where: str, sources: dict[str, _Source]) -> Callable[[str], str]:
    if not isinstance(spec, dict) or not {"source", "key", "value"} <= set(spec):
        raise MappingError(f"{where}: expected {{ source = ..., key = ..., value = ... }}")
    source = _source_of(spec["source"], where, sources)
    key, value_spec = str(spec["key"]), _compile_value(spec["value"], f"{where}.value", sources)

    def look_up(value: str) -> str:
        if value == "":
            return ""
        matches = source.index(key).get(value)
        if not matches:
            raise ValueError(f"no row of {source.name} has {key} = {value!r}")
        return value_spec(matches[0])
    return look_up


def _sum_step(spec: Any, where: str, sources: dict[str, _Source]) -> Callable[[str], str]:
    if not isinstance(spec, dict) or not {"source", "key", "expr"} <= set(spec):
        raise MappingError(f"{where}: expected {{ source = ..., key = ..., expr = ... }}")
    source = _source_of(spec["source"], where, sources)
    key, expression = str(spec["key"]), _compile_expression(str(spec["expr"]), where)

    def total(value: str) -> str:
        rows = source.index(key).get(value, [])
        return repr(round(sum(expression(r) for r in rows), 6)) if rows else ""
    return total


def _date_step(fmt: str, kind: str, where: str) -> Callable[[str], str]:
    if "%" not in fmt:
        raise MappingError(f"{where}: {fmt!r} is not a strptime format (e.g. '%Y-%m-%d %H:%M:%S')")

    def parse(value: str) -> str:
        if value == "":
            return ""
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            raise ValueError(f"{value!r} does not match the date format {fmt!r}") from None
        if kind == "date":
            return parsed.date().isoformat()
        # Without an offset the time stays local: validation reads it in the organisation's time zone.
        return parsed.isoformat()
    return parse


# --- the mapping itself ------------------------------------------------------------------------
@dataclass
class _Output:
    kind: str
    source: str | None
    columns: dict[str, Callable[[dict[str, str]], str]]
    literal_rows: list[dict[str, str]]
    require: list[str]
    distinct: bool
    where: str


@dataclass
class Mapping:
    path: Path
    sources: dict[str, str]           # name -> file name in the export folder
    outputs: list[dict[str, Any]]     # raw [[output]] tables, compiled once the sources are read


def load_mapping(path: str | Path) -> Mapping:
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"sources", "output", "description"}
    if unknown:
        raise MappingError(f"{path}: unknown key {sorted(unknown)[0]!r} (known: description, sources, output)")
    sources = data.get("sources", {})
    if not isinstance(sources, dict):
        raise MappingError(f"{path}: sources: expected a table of name = \"file.csv\"")
    outputs = data.get("output", [])
    if not isinstance(outputs, list) or not outputs:
        raise MappingError(f"{path}: no [[output]] tables")
    return Mapping(path, {str(k): str(v) for k, v in sources.items()}, outputs)


def _compile_output(raw: dict[str, Any], n: int, mapping: Mapping, sources: dict[str, _Source]) -> _Output:
    where = f"{mapping.path}: output[{n}]"
    unknown = set(raw) - {"kind", "source", "columns", "rows", "require", "distinct"}
    if unknown:
        raise MappingError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    kind = _KINDS.get(str(raw.get("kind", "")))
    if kind is None:
        raise MappingError(f"{where}.kind: {raw.get('kind')!r} is not one of {', '.join(FILES)}")
    where = f"{where} ({kind})"
    literal = raw.get("rows")
    if literal is not None:
        if not isinstance(literal, list) or not all(isinstance(r, dict) for r in literal):
            raise MappingError(f"{where}.rows: expected a list of tables")
        for r in literal:
            for column in r:
                if column not in COLUMNS[kind]:
                    raise MappingError(f"{where}.rows: unknown column {column!r} for {kind}")
        return _Output(kind, None, {}, [{k: "" if v is None else str(v) for k, v in r.items()} for r in literal], [], False, where)
    source = raw.get("source")
    if source not in sources:
        raise MappingError(f"{where}.source: {source!r} is not a declared source ({', '.join(sources) or 'none'})")
    columns_spec = raw.get("columns")
    if not isinstance(columns_spec, dict) or not columns_spec:
        raise MappingError(f"{where}.columns: expected a table of target column = value")
    columns = {}
    for column, spec in columns_spec.items():
        if column not in COLUMNS[kind]:
            raise MappingError(f"{where}.columns.{column}: not a column of {FILES[kind]} ({', '.join(COLUMNS[kind])})")
        columns[column] = _compile_value(spec, f"{where}.columns.{column}", sources)
    require = raw.get("require", [])
    if not isinstance(require, list) or any(r not in columns for r in require):
        raise MappingError(f"{where}.require: expected a list of the output's columns")
    return _Output(kind, source, columns, [], list(require), bool(raw.get("distinct", False)), where)


def map_rows(folder: str | Path, mapping: Mapping, errors: ImportErrors) -> dict[str, list[tuple[str, int, dict[str, str]]]]:
    """Every output row, by kind, with the source file and line it came from."""
    folder = Path(folder)
    sources: dict[str, _Source] = {}
    for name, filename in mapping.sources.items():
        path = folder / filename
        if not path.is_file():
            raise ImportFailed([RowError(str(path), 0, "-", f"source {name!r} of {mapping.path.name} is missing")])
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed([RowError(str(path), line, "-", f"not UTF-8 (byte 0x{data[exc.start]:02x})")]) from None
        rows = [(line, cells) for line, cells in read_table(str(path), text, errors) if "__header__" not in cells]
        sources[name] = _Source(str(path), rows)
    outputs = [_compile_output(raw, n, mapping, sources) for n, raw in enumerate(mapping.outputs)]
    produced: dict[str, list[tuple[str, int, dict[str, str]]]] = {}
    for output in outputs:
        target = produced.setdefault(output.kind, [])
        if output.source is None:
            target.extend((str(mapping.path), 0, row) for row in output.literal_rows)
            continue
        source = sources[output.source]
        seen: set[tuple] = set()
        for line, row in source.rows:
            cells: dict[str, str] = {}
            try:
                for column, value_of in output.columns.items():
                    try:
                        cells[column] = value_of(row)
                    except ValueError as exc:
                        errors.add(source.name, line, column, str(exc))
                        raise _Skip from None
                if any(not cells[r] for r in output.require):
                    raise _Skip
            except _Skip:
                continue
            if output.distinct:
                key = tuple(sorted(cells.items()))
                if key in seen:
                    continue
                seen.add(key)
            target.append((source.name, line, cells))
    return produced


def read_mapped(folder: str | Path, mapping_path: str | Path, known: KnownIds | None = None,
                zone: tzinfo = timezone.utc) -> Records:
    """Map a CRM export folder with a mapping file, then validate like any import (nothing written on error)."""
    mapping = load_mapping(mapping_path)
    errors = ImportErrors()
    rows = map_rows(folder, mapping, errors)
    return validate_rows(rows, known, errors, zone)
