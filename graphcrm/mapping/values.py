"""How a mapping makes one target value from a source row: a pipeline of steps, run in the order written.

Version 2 (README, "Mapping files"): a table's keys are steps in the order the file writes them,
`column`/`template`/`const`/`value` first. Version 1 keeps its fixed order (lookup, sum, map or
default, date, datetime, round) so version-1 files import as they always did.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from typing import Any, Callable

from graphcrm.errors import MappingError
from graphcrm.mapping.dates import date_step
from graphcrm.mapping.expressions import compile_arithmetic, compile_condition, number_of
from graphcrm.mapping.tables import Source

__all__ = ["Compiler", "Silent", "STOP", "decimal_text"]

Row = list[str]
Value = Callable[[Row], str]
Step = Callable[[str, Row], Any]

TEMPLATE = re.compile(r"\{([^{}]+)\}")
STOP = object()             # a `when` that does not hold: the value is empty and the later steps do not run
_V1_KEYS = {"const", "column", "template", "date", "datetime", "map", "default", "lookup", "sum", "round"}
_V2_KEYS = {"const", "column", "template", "value", "when", "trim", "replace", "map", "else", "lookup", "aggregate", "sum",
            "date", "datetime", "number", "round", "default"}
_BASES = ("column", "template", "const", "value")
_OPS = ("min", "max", "count", "sum", "first", "last")


class Silent(Exception):
    """Refuse this row without a new error: the same problem was already reported once (an ambiguous key)."""


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text: no exponent, no '-0'."""
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def rounded(value: Decimal, digits: int) -> Decimal:
    """Commercial rounding, once: 372.374999595 -> 372.37, 2.675 -> 2.68."""
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


class Compiler:
    """Compiles value specs of one mapping file against its sources (`version` decides the table grammar)."""

    def __init__(self, version: int, sources: dict[str, Source]):
        self.version = version
        self.sources = sources

    # -- plain strings, lists, tables ------------------------------------------------------
    def value(self, spec: Any, where: str, source: Source) -> Value:
        if isinstance(spec, str):
            return self.text(spec, where, source)
        if isinstance(spec, list):
            if not spec:
                raise MappingError(f"{where}: an empty list")
            options = [self.value(s, f"{where}[{n + 1}]", source) for n, s in enumerate(spec)]

            def first(row: Row) -> str:
                for option in options:
                    value = option(row)
                    if value:
                        return value
                return ""
            return first
        if not isinstance(spec, dict):
            raise MappingError(f"{where}: expected a column name, a template, a list or a table")
        if self.version == 1:
            return self._v1_table(spec, where, source)
        return self._v2_table(spec, where, source)

    def text(self, spec: str, where: str, source: Source) -> Value:
        """A column name, or a template of {column} parts (empty when any part is empty)."""
        if "{" not in spec:
            return itemgetter(source.position(spec, where))
        pieces = TEMPLATE.split(spec)
        literals = pieces[0::2]
        positions = [source.position(name, where) for name in pieces[1::2]]
        if len(positions) == 1:
            (position,), (before, after) = positions, literals
            return lambda row: before + value + after if (value := row[position]) else ""

        def filled(row: Row) -> str:
            out = [literals[0]]
            for position, literal in zip(positions, literals[1:]):
                value = row[position]
                if not value:
                    return ""
                out.append(value)
                out.append(literal)
            return "".join(out)
        return filled

    def _literal_or_template(self, spec: Any, where: str, source: Source) -> Value:
        """A fallback value: a string with {column} parts is a template, else a literal; {const = ...} a literal."""
        if isinstance(spec, dict) and set(spec) == {"const"}:
            constant = str(spec["const"])
            return lambda row: constant
        if isinstance(spec, dict) and set(spec) == {"template"}:
            spec = str(spec["template"])
        elif not isinstance(spec, (str, int, float)) or isinstance(spec, bool):
            raise MappingError(f"{where}: expected a text, a template or {{ const = ... }}")
        spec = str(spec)
        if TEMPLATE.search(spec):
            return self.text(spec, where, source)
        return lambda row: spec

    def _fallback(self, spec: Any, where: str, source: Source, what: str) -> Step:
        """What a map's `else` or a lookup's `missing` gives: error (default), pass, empty, a literal or a template."""
        if spec is None or spec == "error":
            def refuse(value: str, row: Row) -> str:
                raise ValueError(what.format(value=value))
            return refuse
        if spec == "pass":
            return lambda value, row: value
        if spec == "empty":
            return lambda value, row: ""
        make = self._literal_or_template(spec, where, source)
        return lambda value, row: make(row)

    # -- version 2: steps in the order written ----------------------------------------------
    def _v2_table(self, spec: dict, where: str, source: Source) -> Value:
        unknown = [k for k in spec if k not in _V2_KEYS]
        if unknown:
            raise MappingError(f"{where}: unknown step {unknown[0]!r} (steps: {', '.join(sorted(_V2_KEYS))})")
        if "else" in spec and "map" not in spec:
            raise MappingError(f"{where}.else: 'else' belongs to a 'map' step")
        keys = [k for k in spec if k != "else"]
        bases = [k for k in keys if k in _BASES]
        if len(bases) != 1:
            raise MappingError(f"{where}: a value needs exactly one of column, template, const or value (found {len(bases)})")
        if any(k != "when" for k in keys[:keys.index(bases[0])]):
            raise MappingError(f"{where}: {bases[0]!r} must come first (only 'when' may precede it)")
        before: list[Step] = []
        steps: list[Step] = []
        base: Value | None = None
        for key in keys:
            at = f"{where}.{key}"
            if key in _BASES:
                base = self._base(key, spec[key], at, source)
                continue
            step = self._step(key, spec[key], at, source, spec)
            (steps if base is not None else before).append(step)
        return _pipeline(before, base, steps)

    def _base(self, key: str, spec: Any, where: str, source: Source) -> Value:
        if key == "const":
            constant = "" if spec is None else str(spec)
            return lambda row: constant
        if key == "value":
            return self.value(spec, where, source)
        if not isinstance(spec, str):
            raise MappingError(f"{where}: expected a string")
        return self.text(spec, where, source) if key == "template" else itemgetter(source.position(spec, where))

    def _step(self, key: str, spec: Any, where: str, source: Source, table: dict) -> Step:
        if key == "when":
            holds = compile_condition(spec, where, lambda c: source.position(c, where))
            return lambda value, row: value if holds(row) else STOP
        if key == "trim":
            if spec is not True:
                raise MappingError(f"{where}: write trim = true")
            return lambda value, row: " ".join(value.split())
        if key == "replace":
            if not isinstance(spec, dict) or not spec or "" in spec:
                raise MappingError(f"{where}: expected a table of text = replacement (e.g. {{ \"、\" = \";\" }})")
            pairs = [(str(k), str(v)) for k, v in spec.items()]

            def replaced(value: str, row: Row) -> str:
                for old, new in pairs:
                    value = value.replace(old, new)
                return value
            return replaced
        if key == "map":
            return self._map(spec, where, source, table.get("else"), v1_default=None)
        if key == "lookup":
            return self._lookup(spec, where, source)
        if key in ("aggregate", "sum"):
            if key == "sum":
                spec = {**spec, "op": "sum"} if isinstance(spec, dict) else spec
            return self._aggregate(spec, where)
        if key in ("date", "datetime"):
            return date_step(spec, key, where, aware_utc=False, with_row=True)
        if key == "number":
            return _number_step(spec, where)
        if key == "round":
            return _number_step({"round": spec}, where)
        if key == "default":
            make = self._literal_or_template(spec, where, source)
            return lambda value, row: value if value else make(row)
        raise MappingError(f"{where}: unknown step")           # unreachable: keys were checked

    def _map(self, spec: Any, where: str, source: Source, otherwise: Any, v1_default: str | None) -> Step:
        if not isinstance(spec, dict):
            raise MappingError(f"{where}: expected a table of source value = target value")
        table = {str(k): "" if v is None else str(v) for k, v in spec.items()}
        if v1_default is not None:          # version 1: the default stands for every value not in the map
            return lambda value, row: table.get(value, v1_default)
        fallback = self._fallback(otherwise, f"{where[:where.rfind('.')]}.else", source,
                                  "{value!r} is not in the map (add it, or set else = \"pass\", a value or a template)")

        def mapped(value: str, row: Row) -> str:
            found = table.get(value)
            if found is not None:
                return found
            return "" if value == "" else fallback(value, row)
        return mapped

    def _target(self, spec: Any, where: str, needs: set[str]) -> tuple[Source, int]:
        if not isinstance(spec, dict) or not needs <= set(spec):
            raise MappingError(f"{where}: expected {{ {', '.join(f'{n} = ...' for n in sorted(needs))} }}")
        name = spec["source"]
        if name not in self.sources:
            raise MappingError(f"{where}.source: unknown source {name!r} (declared: {', '.join(self.sources) or 'none'})")
        target = self.sources[name]
        return target, target.position(str(spec["key"]), f"{where}.key")

    def _lookup(self, spec: Any, where: str, source: Source) -> Step:
        target, key = self._target(spec, where, {"source", "key", "value"})
        allowed = {"source", "key", "value", "missing", "pick"} if self.version == 2 else {"source", "key", "value"}
        extra = set(spec) - allowed
        if extra:
            raise MappingError(f"{where}: unknown option {sorted(extra)[0]!r} (options: {', '.join(sorted(allowed))})")
        pick = spec.get("pick", "first" if self.version == 1 else None)
        if pick not in (None, "first", "last"):
            raise MappingError(f"{where}.pick: expected \"first\" or \"last\"")
        value_of = self.value(spec["value"], f"{where}.value", target)
        missing = self._fallback(spec.get("missing"), f"{where}.missing", source,
                                 f"no row of {target.shown} has {spec['key']} = {{value!r}}")
        index, rows, reported = target.index(key), target.rows, set()

        def look_up(value: str, row: Row) -> str:
            if value == "":
                return ""
            hits = index.get(value)
            if not hits:
                return missing(value, row)
            if len(hits) > 1 and pick is None:
                if value in reported:
                    raise Silent
                reported.add(value)
                raise ValueError(f"{spec['key']} = {value!r} matches {len(hits)} rows of {target.shown} "
                                 f"(lines {target.lines(hits)}): set pick = \"first\" or \"last\" (reported once)")
            return value_of(rows[hits[-1] if pick == "last" else hits[0]][1])
        return look_up

    def _aggregate(self, spec: Any, where: str) -> Step:
        target, key = self._target(spec, where, {"source", "key", "op"})
        extra = set(spec) - {"source", "key", "op", "value", "expr", "where"}
        if extra:
            raise MappingError(f"{where}: unknown option {sorted(extra)[0]!r} (options: source, key, op, value, expr, where)")
        op = spec["op"]
        if op not in _OPS:
            raise MappingError(f"{where}.op: {op!r} is not one of {', '.join(_OPS)}")
        resolve = lambda column: target.position(column, where)  # noqa: E731
        if "expr" in spec:
            compute = compile_arithmetic(spec["expr"], f"{where}.expr", resolve)
            value_of = lambda row: decimal_text(compute(row))  # noqa: E731
        elif "value" in spec:
            value_of = self.value(spec["value"], f"{where}.value", target)
        elif op == "count":
            value_of = None
        else:
            raise MappingError(f"{where}: '{op}' needs a value (or expr) to aggregate")
        keep = compile_condition(spec["where"], f"{where}.where", resolve) if "where" in spec else None
        index, rows = target.index(key), target.rows

        def aggregate(value: str, row: Row) -> str:
            if value == "":
                return ""
            matching = [rows[n][1] for n in index.get(value, ())]
            if keep is not None:
                matching = [r for r in matching if keep(r)]
            if value_of is None:
                return str(len(matching))
            values = [v for v in map(value_of, matching) if v != ""]
            if op == "count":
                return str(len(values))
            if not values:
                return ""
            if op == "first":
                return values[0]
            if op == "last":
                return values[-1]
            if op == "sum":
                return decimal_text(sum((number_of(v, "sum") for v in values), Decimal(0)))
            try:
                numbers = [Decimal(v) for v in values]
                chosen = (min if op == "min" else max)(range(len(values)), key=numbers.__getitem__)
                return values[chosen]
            except ArithmeticError:              # not all numbers: as text (ISO dates and times sort as text)
                return (min if op == "min" else max)(values)
        return aggregate

    # -- version 1: the fixed order of the first mapping files -----------------------------------
    def _v1_table(self, spec: dict, where: str, source: Source) -> Value:
        unknown = set(spec) - _V1_KEYS
        if unknown:
            raise MappingError(f"{where}: unknown option {sorted(unknown)[0]!r} (known: {', '.join(sorted(_V1_KEYS))})")
        if "const" in spec:
            constant = "" if spec["const"] is None else str(spec["const"])
            return lambda row: constant
        if "column" not in spec and "template" not in spec:
            raise MappingError(f"{where}: a table needs 'const', 'column' or 'template'")
        base = self.text(str(spec.get("column", spec.get("template"))), where, source)
        default = spec.get("default")
        if default is not None and TEMPLATE.search(str(default)):
            raise MappingError(f"{where}.default: {default!r} would be written as it is (a version-1 default is "
                               "literal); write version = 2 and use else = \"pass\" or a template")
        steps: list[Step] = []
        if "lookup" in spec:
            steps.append(self._lookup(spec["lookup"], f"{where}.lookup", source))
        if "sum" in spec:
            steps.append(self._aggregate({**spec["sum"], "op": "sum"} if isinstance(spec["sum"], dict) else spec["sum"],
                                         f"{where}.sum"))
        if "map" in spec:
            if default is not None:
                steps.append(self._map(spec["map"], f"{where}.map", source, None, v1_default=str(default)))
            else:
                steps.append(self._map(spec["map"], f"{where}.map", source, None, v1_default=None))
        elif default is not None:
            fallback = str(default)
            steps.append(lambda value, row: value or fallback)
        for key in ("date", "datetime"):
            if key in spec:
                steps.append(date_step(spec[key], key, f"{where}.{key}", aware_utc=True, strict_format=True, with_row=True))
        if "round" in spec:
            steps.append(_number_step({"round": spec["round"]}, f"{where}.round"))
        return _pipeline([], base, steps)


def _pipeline(before: list[Step], base: Value, steps: list[Step]) -> Value:
    if not before and not steps:
        return base
    if not before and len(steps) == 1:
        (step,) = steps
        return lambda row: "" if (value := step(base(row), row)) is STOP else value

    def run(row: Row) -> str:
        for step in before:
            if step("", row) is STOP:
                return ""
        value = base(row)
        for step in steps:
            value = step(value, row)
            if value is STOP:
                return ""
        return value
    return run


def _number_step(spec: Any, where: str) -> Step:
    """Parse a number written with any decimal mark and thousands separator; round once when asked."""
    if spec is True:
        spec = {}
    if not isinstance(spec, dict) or set(spec) - {"decimal", "thousands", "round"}:
        raise MappingError(f"{where}: expected true or {{ decimal = \",\", thousands = \".\", round = 2 }}")
    mark, thousands, digits = str(spec.get("decimal", ".")), str(spec.get("thousands", "")), spec.get("round")
    if digits is not None and (not isinstance(digits, int) or isinstance(digits, bool) or not 0 <= digits <= 12):
        raise MappingError(f"{where}: round must be a whole number of digits from 0 to 12")
    if len(mark) != 1 or mark == thousands:
        raise MappingError(f"{where}: decimal must be one character, different from thousands")

    def number(value: str, row: Row) -> str:
        if value == "":
            return ""
        text = value.replace(thousands, "") if thousands else value
        parsed = number_of(text.replace(mark, ".") if mark != "." else text, "number")
        return decimal_text(rounded(parsed, digits) if digits is not None else parsed)
    return number
