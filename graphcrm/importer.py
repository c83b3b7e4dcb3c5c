"""CSV folders -> validated Records: every bad row is reported as file:line: field: reason before anything is written."""

from __future__ import annotations

import math
from itertools import chain
from operator import attrgetter
from datetime import date, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Iterable

from graphcrm.bulk import gc_paused
from graphcrm.csvformat import COLUMNS, FILES, REQUIRED
from graphcrm.errors import ImportFailed, RowError
from graphcrm.sources import SourceSpec, normalise_encoding, read_table
from graphcrm.times import day_of, moment_of
from graphcrm.model import (
    GRADES, KINDS, ROLES, Client, Coverage, Engagement, Interaction, KnownIds, Membership, Need, Records,
    Staff, Team, Tier,
)

__all__ = ["read_folder", "validate_rows", "MAX_REPORTED_ERRORS", "ImportErrors", "IMPORT_FILES"]

MAX_REPORTED_ERRORS = 100          # per file
MAX_KEPT_ERRORS = 1_000
#: The file names of a plain import folder.
IMPORT_FILES = tuple(FILES.values())


class _Bad(ValueError):
    """One field's problem; the caller adds file and line."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(reason)
        self.field_name = field_name
        self.reason = reason


class _Row:
    """Typed access to one CSV row's cells, raising _Bad with the field name. A date-time without an offset is
    local to `zone`, the organisation's time zone."""

    __slots__ = ("cells", "zone")

    def __init__(self, cells: dict[str, str], zone: tzinfo = timezone.utc):
        self.cells = cells
        self.zone = zone

    def text(self, name: str, required: bool = False) -> str | None:
        raw = self.cells.get(name)
        if raw:                                  # the common case first: a value, usually already trimmed
            value = raw.strip()
            if value:
                if "\x00" in value:
                    raise _Bad(name, "contains a NUL character")
                return value
        if required:
            raise _Bad(name, "empty" if name in self.cells else "missing")
        return None

    def date(self, name: str, required: bool = False) -> date | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            return day_of(value)
        except ValueError as exc:
            raise _Bad(name, str(exc)) from None

    def datetime(self, name: str) -> datetime:
        value = self.text(name, True)
        try:
            return moment_of(value, self.zone)
        except ValueError as exc:
            raise _Bad(name, str(exc)) from None

    def number(self, name: str) -> float | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            raise _Bad(name, f"bad number {value!r}") from None
        if not math.isfinite(number):
            raise _Bad(name, f"bad number {value!r} (must be finite)")
        return number

    def integer(self, name: str, required: bool = False, minimum: int | None = None) -> int | None:
        value = self.text(name, required)
        if value is None:
            return None
        try:
            number = int(value)
        except ValueError:
            raise _Bad(name, f"bad whole number {value!r}") from None
        if minimum is not None and number < minimum:
            raise _Bad(name, f"must be at least {minimum}, got {number}")
        return number

    def choice(self, name: str, allowed: Iterable[str], what: str, required: bool = False) -> str | None:
        value = self.text(name, required)
        if value is not None and value not in allowed:
            raise _Bad(name, f"unknown {what} {value!r} (use {', '.join(allowed)})")
        return value


def _span(row: _Row, start: str, end: str) -> tuple[date | None, date | None]:
    since, until = row.date(start), row.date(end)
    if since and until and until <= since:
        raise _Bad(end, f"{end} {until} must be after {start} {since}")
    return since, until


# Each builder turns a row into a record; references are checked afterwards against the whole import.
def _tier(r: _Row) -> Tier:
    return Tier(r.text("key", True), r.integer("level", True, minimum=1), r.text("name"), r.text("duty"))


def _staff(r: _Row) -> Staff:
    joined, left = _span(r, "joined", "left")
    return Staff(r.text("id", True), r.text("name"), r.text("email"), r.text("tier"),
                 r.integer("capacity", minimum=0), joined, left, r.text("manager"))


def _team(r: _Row) -> Team:
    return Team(r.text("id", True), r.text("name"))


def _membership(r: _Row) -> Membership:
    since, until = _span(r, "since", "until")
    return Membership(r.text("staff", True), r.text("team", True), since, until)


def _client(r: _Row) -> Client:
    return Client(r.text("id", True), r.text("name"), r.text("industry"), r.choice("grade", GRADES, "grade"),
                  r.number("value"), r.text("stage"))


def _coverage(r: _Row) -> Coverage:
    since, until = _span(r, "since", "until")
    return Coverage(r.text("staff", True), r.text("client", True), r.text("tier", True),
                    r.choice("role", ROLES, "role"), since, until)


def _engagement(r: _Row) -> Engagement:
    since, until = _span(r, "since", "until")
    return Engagement(r.text("team", True), r.text("client", True), since, until)


def _interaction(r: _Row) -> Interaction:
    kind = r.choice("kind", KINDS, "kind", required=True)
    staff_text = r.text("staff") or ""
    if ";" in staff_text:
        staff = tuple(sorted({s.strip() for s in staff_text.split(";") if s.strip()}))
    else:
        staff = (staff_text,) if staff_text else ()      # one participant, already trimmed: the common case
    grade = r.choice("grade", GRADES, "grade")
    stage = r.text("stage")
    if kind == "assessment" and grade is None:
        raise _Bad("grade", "an assessment needs a grade (A, B or C)")
    if kind == "handover" and stage is None:
        raise _Bad("stage", "a handover needs the stage (tier key) the client moves to")
    return Interaction(r.text("id", True), r.text("client", True), kind, r.datetime("at"), staff,
                       r.number("amount"), r.text("summary"), grade, r.number("score"), stage)


def _need(r: _Row) -> Need:
    return Need(r.text("id", True), r.text("client", True), r.date("detected", True), r.text("summary"),
                r.text("source"), r.text("staff"))


_BUILDERS: dict[str, Callable[[_Row], Any]] = {
    "tiers": _tier, "staff": _staff, "teams": _team, "memberships": _membership, "clients": _client,
    "coverage": _coverage, "engagements": _engagement, "interactions": _interaction, "needs": _need,
}

#: (record field, kind it refers to) per record kind.
_REFERENCES = {
    "staff": (("tier", "tiers"), ("manager", "staff")),
    "memberships": (("staff", "staff"), ("team", "teams")),
    "clients": (("stage", "tiers"),),
    "coverage": (("staff", "staff"), ("client", "clients"), ("tier", "tiers")),
    "engagements": (("team", "teams"), ("client", "clients")),
    "interactions": (("client", "clients"), ("staff", "staff"), ("stage", "tiers")),
    "needs": (("client", "clients"), ("staff", "staff")),
}


class _Errors:
    """Row errors collected across a whole import: all counted, the first MAX_REPORTED_ERRORS of each file kept
    (so one file with thousands of bad rows never hides another file's errors), MAX_KEPT_ERRORS in all."""

    def __init__(self) -> None:
        self.items: list[RowError] = []
        self.total = 0
        self.per_file: dict[str, int] = {}
        self.kind = ""           # the record kind being checked (a _Noted collector reads it)

    def add(self, file: str, line: int, field_name: str, reason: str) -> None:
        self.total += 1
        seen = self.per_file.get(file, 0)
        self.per_file[file] = seen + 1
        if seen < MAX_REPORTED_ERRORS and len(self.items) < MAX_KEPT_ERRORS:
            self.items.append(RowError(file, line, field_name, reason))


ImportErrors = _Errors
RECORD_ORDER = tuple(FILES)


def _header_ok(kind: str, name: str, header: list[str], errors: "_Errors") -> bool:
    unknown = [h for h in header if h not in COLUMNS[kind]]
    missing = [c for c in REQUIRED[kind] if c not in header]
    for column in unknown:
        errors.add(name, 1, column, f"unknown column (known: {', '.join(COLUMNS[kind])})")
    for column in missing:
        errors.add(name, 1, column, "missing column")
    return not (unknown or missing)


def validate_rows(rows: dict[str, list[tuple[str, int, dict[str, str]]]], known: KnownIds | None = None,
                  errors: "_Errors | None" = None, notes: dict[tuple[str, str], str] | None = None,
                  zone: tzinfo = timezone.utc) -> Records:
    """Validate rows of cells by kind, each with the file and line it came from; the one check all imports share.

    `notes` adds a word to the errors of rows of one (kind, file): a mapping names the output that made them.
    A date-time without an offset is local to `zone`, the organisation's time zone.
    """
    known = known or KnownIds()
    errors = errors or _Errors()
    if notes:
        errors = _Noted(errors, notes)
    records = Records()
    origins: dict[str, list[tuple[str, int]]] = {}
    for kind in RECORD_ORDER:
        if kind not in rows:
            continue
        build = _BUILDERS[kind]
        errors.kind = kind
        seen: dict[tuple, tuple[str, int]] = {}
        items = getattr(records, kind)
        kind_origins = origins.setdefault(kind, [])
        for name, line, cells in rows[kind]:
            try:
                record = build(_Row(cells, zone))
            except _Bad as bad:
                errors.add(name, line, bad.field_name, bad.reason)
                continue
            identity = record.identity
            if identity in seen:
                first_name, first_line = seen[identity]
                where = f"line {first_line}" if first_name == name else f"{first_name}:{first_line}"
                errors.add(name, line, _identity_fields(kind), f"duplicate identity {_show(identity)} (first at {where})")
                continue
            seen[identity] = (name, line)
            items.append(record)
            kind_origins.append((name, line))
    _check_references(records, origins, known, errors)
    if errors.total:
        raise ImportFailed(errors.items, errors.total)
    return records


def _identity_fields(kind: str) -> str:
    return {"memberships": "staff,team,since", "coverage": "staff,client,tier,since",
            "engagements": "team,client,since", "tiers": "key"}.get(kind, "id")


def _show(identity: tuple) -> str:
    return "(" + ", ".join("null" if v is None else str(v) for v in identity) + ")"


def _check_references(records: Records, origins, known: KnownIds, errors: _Errors) -> None:
    ids = {
        "tiers": known.tiers | {t.key for t in records.tiers},
        "staff": known.staff | {s.id for s in records.staff},
        "teams": known.teams | {t.id for t in records.teams},
        "clients": known.clients | {c.id for c in records.clients},
    }
    for kind, refs in _REFERENCES.items():
        errors.kind = kind
        items = getattr(records, kind)
        if not items or all(_all_known(items, field_name, ids[target]) for field_name, target in refs):
            continue                                 # the usual case, checked in bulk; the loop below finds the rows
        for record, (name, line) in zip(items, origins.get(kind, [])):
            for field_name, target in refs:
                value = getattr(record, field_name)
                values = value if isinstance(value, tuple) else (value,)
                for v in values:
                    if v is not None and v not in ids[target]:
                        what = "staff member" if target == "staff" else target.rstrip("s")
                        errors.add(name, line, field_name, f"unknown {what} {v!r}")
    errors.kind = "staff"
    _check_manager_cycles(records, origins, errors)


def _all_known(items: list, field_name: str, known: set[str]) -> bool:
    values = set(map(attrgetter(field_name), items))
    if values and isinstance(next(iter(values)), tuple):
        values = set(chain.from_iterable(values))
    values.discard(None)
    return values <= known


def _check_manager_cycles(records: Records, origins, errors: _Errors) -> None:
    manager = {s.id: s.manager for s in records.staff}
    origin_of = dict(zip((s.id for s in records.staff), origins.get("staff", [])))
    for start in manager:
        seen, current = set(), start
        while current is not None and current in manager:
            if current in seen:
                if current == start:
                    name, line = origin_of[start]
                    errors.add(name, line, "manager", f"{start!r} reports to themselves through a cycle")
                break
            seen.add(current)
            current = manager[current]


class _Noted:
    """An error collector that appends the note of a row's (kind, file) to its reason."""

    def __init__(self, errors: _Errors, notes: dict[tuple[str, str], str]):
        self.inner, self.notes, self.kind = errors, notes, ""
        self.items = errors.items

    @property
    def total(self) -> int:
        return self.inner.total

    def add(self, file: str, line: int, field_name: str, reason: str) -> None:
        note = self.notes.get((self.kind, file))
        self.inner.add(file, line, field_name, f"{reason} ({note})" if note else reason)


def read_folder(folder: str | Path, known: KnownIds | None = None, encoding: str = "utf-8",
                shown_as: str | None = None, zone: tzinfo = timezone.utc) -> Records:
    """Read and validate a folder of the import format (any file may be absent). Raises ImportFailed on any bad row.

    Files are UTF-8 (with or without a byte-order mark) unless `encoding` names another. Errors name
    the files as `shown_as`/NAME (by default the folder as given); one bad file never hides the
    others' errors.
    """
    folder = Path(folder)
    prefix = str(folder) if shown_as is None else shown_as
    if not folder.is_dir():
        raise ImportFailed([RowError(prefix, 0, "-", "not a folder")])
    try:
        normalise_encoding(encoding)
    except ValueError as exc:
        raise ImportFailed([RowError(prefix, 0, "-", f"encoding: {exc}")]) from None
    errors = _Errors()
    rows: dict[str, list[tuple[str, int, dict[str, str]]]] = {}
    present = [kind for kind, filename in FILES.items() if (folder / filename).is_file()]
    if not present:
        raise ImportFailed([RowError(prefix, 0, "-", f"no import files (expected any of {', '.join(FILES.values())})")])
    with gc_paused():
        for kind in present:
            name = f"{prefix}/{FILES[kind]}" if prefix else FILES[kind]
            table = read_table(folder, SourceSpec(FILES[kind], encoding), errors.add, name)
            if table is None or not _header_ok(kind, name, table.header, errors):
                continue
            header = table.header
            rows[kind] = [(name, line, dict(zip(header, cells))) for line, cells in table.rows]
        return validate_rows(rows, known, errors, zone=zone)
