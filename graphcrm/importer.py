"""CSV folders -> validated Records: every bad row is reported as file:line: field: reason before anything is written.

A folder too big to hold (millions of interactions) is checked whole first, keeping only ids, then read again
and written a chunk at a time (check_folder).
"""

from __future__ import annotations

import math
from sys import intern
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from datetime import date, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from graphcrm.bulk import gc_paused
from graphcrm.csvformat import COLUMNS, FILES, REQUIRED
from graphcrm.errors import ImportFailed, ImportInterrupted, RowError
from graphcrm.sources import SourceSpec, normalise_encoding, stream_table
from graphcrm.times import day_of, moment_of
from graphcrm.model import (
    GRADES, KINDS, ROLES, Client, Coverage, Engagement, Interaction, KnownIds, Membership, Need, Records,
    Staff, Team, Tier,
)

__all__ = ["read_folder", "check_folder", "CheckedFolder", "validate_rows", "MAX_REPORTED_ERRORS", "ImportErrors", "IMPORT_FILES"]

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


_DAYS: dict[str, date] = {}


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

    def ref(self, name: str, required: bool = False) -> str | None:
        """An id that other rows name too (a staff member, a client, a tier): one shared string per id, so the
        763,000 coverage rows of size L hold their ids once, not once per row."""
        value = self.text(name, required)
        return None if value is None else intern(value)

    def date(self, name: str, required: bool = False) -> date | None:
        value = self.text(name, required)
        if value is None:
            return None
        day = _DAYS.get(value)
        if day is None:
            try:
                day = day_of(value)
            except ValueError as exc:
                raise _Bad(name, str(exc)) from None
            if len(_DAYS) < 100_000:                  # a few years of days: one object each, shared by every row
                _DAYS[value] = day
        return day

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
        if value is None:
            return None
        if value not in allowed:
            raise _Bad(name, f"unknown {what} {value!r} (use {', '.join(allowed)})")
        return intern(value)


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
    return Staff(r.ref("id", True), r.text("name"), r.text("email"), r.ref("tier"),
                 r.integer("capacity", minimum=0), joined, left, r.ref("manager"))


def _team(r: _Row) -> Team:
    return Team(r.text("id", True), r.text("name"))


def _membership(r: _Row) -> Membership:
    since, until = _span(r, "since", "until")
    return Membership(r.ref("staff", True), r.ref("team", True), since, until)


def _client(r: _Row) -> Client:
    return Client(r.ref("id", True), r.text("name"), r.ref("industry"), r.choice("grade", GRADES, "grade"),
                  r.number("value"), r.ref("stage"))


def _coverage(r: _Row) -> Coverage:
    since, until = _span(r, "since", "until")
    return Coverage(r.ref("staff", True), r.ref("client", True), r.ref("tier", True),
                    r.choice("role", ROLES, "role"), since, until)


def _engagement(r: _Row) -> Engagement:
    since, until = _span(r, "since", "until")
    return Engagement(r.ref("team", True), r.ref("client", True), since, until)


def _interaction(r: _Row) -> Interaction:
    kind = r.choice("kind", KINDS, "kind", required=True)
    staff_text = r.text("staff") or ""
    if ";" in staff_text:
        staff = tuple(sorted({intern(s.strip()) for s in staff_text.split(";") if s.strip()}))
    else:
        staff = (intern(staff_text),) if staff_text else ()      # one participant, already trimmed: the common case
    grade = r.choice("grade", GRADES, "grade")
    stage = r.ref("stage")
    if kind == "assessment" and grade is None:
        raise _Bad("grade", "an assessment needs a grade (A, B or C)")
    if kind == "handover" and stage is None:
        raise _Bad("stage", "a handover needs the stage (tier key) the client moves to")
    return Interaction(r.text("id", True), r.ref("client", True), kind, r.datetime("at"), staff,
                       r.number("amount"), r.text("summary"), grade, r.number("score"), stage)


def _need(r: _Row) -> Need:
    return Need(r.text("id", True), r.ref("client", True), r.date("detected", True), r.text("summary"),
                r.ref("source"), r.ref("staff"))


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
    errors = errors or _Errors()
    records = _build_records(rows, known, errors, notes, zone)
    if errors.total:
        raise ImportFailed(errors.items, errors.total)
    return records


def _build_records(rows: dict[str, list[tuple[str, int, dict[str, str]]]], known: KnownIds | None,
                   errors: "_Errors", notes: dict[tuple[str, str], str] | None = None,
                   zone: tzinfo = timezone.utc) -> Records:
    """validate_rows without the verdict: the good rows' records; every problem went to `errors`."""
    known = known or KnownIds()
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
    return records


def _identity_fields(kind: str) -> str:
    return {"memberships": "staff,team,since", "coverage": "staff,client,tier,since",
            "engagements": "team,client,since", "tiers": "key"}.get(kind, "id")


def _show(identity: tuple) -> str:
    return "(" + ", ".join("null" if v is None else str(v) for v in identity) + ")"


def _referable(records: Records, known: KnownIds) -> dict[str, set[str]]:
    """The ids a reference may name, by kind: those stored already and those the import brings."""
    return {
        "tiers": known.tiers | {t.key for t in records.tiers},
        "staff": known.staff | {s.id for s in records.staff},
        "teams": known.teams | {t.id for t in records.teams},
        "clients": known.clients | {c.id for c in records.clients},
    }


def _unknown_references(kind: str, record, ids: dict[str, set[str]]) -> Iterator[tuple[str, str]]:
    """(field, reason) for each reference of `record` that names nothing."""
    for field_name, target in _REFERENCES.get(kind, ()):
        value = getattr(record, field_name)
        for v in value if isinstance(value, tuple) else (value,):
            if v is not None and v not in ids[target]:
                what = "staff member" if target == "staff" else target.rstrip("s")
                yield field_name, f"unknown {what} {v!r}"


def _check_references(records: Records, origins, known: KnownIds, errors: _Errors) -> None:
    ids = _referable(records, known)
    for kind, refs in _REFERENCES.items():
        errors.kind = kind
        items = getattr(records, kind)
        if not items or all(_all_known(items, field_name, ids[target]) for field_name, target in refs):
            continue                                 # the usual case, checked in bulk; the loop below finds the rows
        for record, (name, line) in zip(items, origins.get(kind, [])):
            for field_name, reason in _unknown_references(kind, record, ids):
                errors.add(name, line, field_name, reason)
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


def _present(folder: Path, encoding: str, prefix: str) -> list[str]:
    """The record kinds whose files a plain import folder holds; ImportFailed when there is nothing to read."""
    if not folder.is_dir():
        raise ImportFailed([RowError(prefix, 0, "-", "not a folder")])
    try:
        normalise_encoding(encoding)
    except ValueError as exc:
        raise ImportFailed([RowError(prefix, 0, "-", f"encoding: {exc}")]) from None
    present = [kind for kind, filename in FILES.items() if (folder / filename).is_file()]
    if not present:
        raise ImportFailed([RowError(prefix, 0, "-", f"no import files (expected any of {', '.join(FILES.values())})")])
    return present


def _read_rows(folder: Path, kinds: Iterable[str], encoding: str, prefix: str, errors: _Errors) -> dict:
    """The rows of these kinds' files as validate_rows takes them, each file read as its rows are taken (so a
    file's cells never sit in memory beside its records); the headers are checked now."""
    rows: dict[str, Iterator[tuple[str, int, dict[str, str]]]] = {}
    for kind in kinds:
        name = f"{prefix}/{FILES[kind]}" if prefix else FILES[kind]
        opened = stream_table(folder, SourceSpec(FILES[kind], encoding), errors.add, name)
        if opened is None or not _header_ok(kind, name, opened[1], errors):
            continue
        rows[kind] = _named_rows(name, opened[1], opened[2])
    return rows


def _named_rows(name: str, header: list[str], rows: Iterator) -> Iterator[tuple[str, int, dict[str, str]]]:
    for line, cells in rows:
        yield name, line, dict(zip(header, cells))


def read_folder(folder: str | Path, known: KnownIds | None = None, encoding: str = "utf-8",
                shown_as: str | None = None, zone: tzinfo = timezone.utc) -> Records:
    """Read and validate a folder of the import format (any file may be absent). Raises ImportFailed on any bad row.

    Files are UTF-8 (with or without a byte-order mark) unless `encoding` names another. Errors name
    the files as `shown_as`/NAME (by default the folder as given); one bad file never hides the
    others' errors.
    """
    folder = Path(folder)
    prefix = str(folder) if shown_as is None else shown_as
    present = _present(folder, encoding, prefix)
    errors = _Errors()
    with gc_paused():
        return validate_rows(_read_rows(folder, present, encoding, prefix, errors), known, errors, zone=zone)


# -- a folder too big to hold: checked whole first, then read again and written a chunk at a time ------------------

#: The files that grow with the organisation's activity (millions of rows at size L); the others, its shape, are
#: small enough to hold (and every reference points into them).
STREAMED = ("interactions", "needs")
#: Records per chunk when a checked folder is read again to be planned and written: ten Neo4j write transactions
#: for its parallel writers to share, one SQLite transaction; about 25 MB of interactions.
CHUNK_ROWS = 50_000


@dataclass
class CheckedFolder:
    """A plain import folder that passed every check: the records of its small files, and its big files, which
    `batches` reads again (the check kept only their ids). A big file that changes in between is refused."""

    folder: Path
    encoding: str
    zone: tzinfo
    records: Records
    streamed: dict[str, tuple[str, tuple[int, int]]] = field(default_factory=dict)   # kind -> (shown name, stamp)
    rows: int = 0                                        # every record the folder brings

    @classmethod
    def holding(cls, records: Records) -> "CheckedFolder":
        """Records already read and checked whole (a mapped CRM export): one batch, nothing to read again."""
        return cls(Path("."), "utf-8", timezone.utc, records, rows=len(records))

    def batches(self, size: int | None = None) -> Iterator[Records]:
        """The small files' records, then each big file in chunks of `size` (CHUNK_ROWS) records, in dependency order."""
        size = size or CHUNK_ROWS
        yield self.records
        for kind, (name, stamp) in self.streamed.items():
            path = self.folder / FILES[kind]
            chunk: list = []
            for record in self._records(kind, name, path, stamp):
                chunk.append(record)
                if len(chunk) == size:
                    yield _records_of(kind, chunk)
                    chunk = []
            if chunk:
                yield _records_of(kind, chunk)

    def _records(self, kind: str, name: str, path: Path, stamp: tuple[int, int]) -> Iterator[Any]:
        """The file's records, read again; ImportInterrupted when it is no longer the file that was checked."""
        if _stamp(path) != stamp:
            raise ImportInterrupted(f"{name} changed after it was checked, so none of it was written (the files "
                                    "before it were, and stay): run the import again")

        def changed(where: str) -> ImportInterrupted:
            return ImportInterrupted(f"{name} changed while it was being written ({where}); what came before was "
                                     "written and stays: run the import again to finish it")

        errors = _Errors()
        opened = stream_table(self.folder, SourceSpec(FILES[kind], self.encoding), errors.add, name)
        if opened is None:
            raise changed("it became unreadable")
        _, header, rows = opened
        build = _BUILDERS[kind]
        line = 1
        for line, cells in rows:
            try:
                record = build(_Row(dict(zip(header, cells)), self.zone))
            except _Bad:
                raise changed(f"line {line}") from None
            if errors.total:
                raise changed(f"line {line}")
            yield record
        if errors.total or _stamp(path) != stamp:
            raise changed(f"after line {line}")


def _records_of(kind: str, items: list) -> Records:
    records = Records()
    setattr(records, kind, items)
    return records


def _stamp(path: Path) -> tuple[int, int]:
    found = path.stat()
    return found.st_size, found.st_mtime_ns


def check_folder(folder: str | Path, known: KnownIds | None = None, encoding: str = "utf-8",
                 shown_as: str | None = None, zone: tzinfo = timezone.utc) -> CheckedFolder:
    """Check a folder as read_folder does, holding the big files' ids only (not their records): the same errors,
    every one before anything is written. Raises ImportFailed on any bad row."""
    folder = Path(folder)
    prefix = str(folder) if shown_as is None else shown_as
    present = _present(folder, encoding, prefix)
    known = known or KnownIds()
    errors = _Errors()
    with gc_paused():
        small = [kind for kind in present if kind not in STREAMED]
        records = _build_records(_read_rows(folder, small, encoding, prefix, errors), known, errors, zone=zone)
        checked = CheckedFolder(folder, encoding, zone, records, rows=len(records))
        ids = _referable(records, known)
        for kind in (kind for kind in present if kind in STREAMED):
            name = f"{prefix}/{FILES[kind]}" if prefix else FILES[kind]
            stamp = _stamp(folder / FILES[kind])
            errors.kind = kind
            opened = stream_table(folder, SourceSpec(FILES[kind], encoding), errors.add, name)
            if opened is None or not _header_ok(kind, name, opened[1], errors):
                continue
            spec = SourceSpec(FILES[kind], encoding)
            again = lambda spec=spec, name=name: stream_table(folder, spec, _Errors().add, name)[2]  # noqa: E731
            checked.rows += _check_streamed(kind, name, opened[1], opened[2], ids, zone, errors, again)
            checked.streamed[kind] = (name, stamp)
    if errors.total:
        raise ImportFailed(errors.items, errors.total)
    return checked


def _check_streamed(kind: str, name: str, header: list[str], rows: Iterator, ids: dict[str, set[str]],
                    zone: tzinfo, errors: _Errors, again: Callable[[], Iterator]) -> int:
    """Check one big file row by row, keeping only its identities; the number of good rows. `again` reads the
    file's rows once more from the start (needed only to name where a repeated identity first came)."""
    build = _BUILDERS[kind]
    seen: set = set()
    repeated: list[tuple[int, tuple]] = []
    pending: list[tuple[int, Any]] = []                       # (line, record) whose references are not checked yet

    def check_references() -> None:
        records = [record for _, record in pending]
        if not all(_all_known(records, field_name, ids[target]) for field_name, target in _REFERENCES[kind]):
            for line, record in pending:                     # rare: find the rows
                for field_name, reason in _unknown_references(kind, record, ids):
                    errors.add(name, line, field_name, reason)
        pending.clear()

    for line, cells in rows:
        try:
            record = build(_Row(dict(zip(header, cells)), zone))
        except _Bad as bad:
            errors.add(name, line, bad.field_name, bad.reason)
            continue
        identity = record.identity
        key = identity[0] if len(identity) == 1 else identity     # a bare id: a 1-tuple costs 48 bytes more, 5M times
        if key in seen:
            repeated.append((line, identity))
            continue
        seen.add(key)
        pending.append((line, record))
        if len(pending) == CHUNK_ROWS:
            check_references()
    check_references()
    if repeated:
        first = _first_lines(kind, header, again(), {identity for _, identity in repeated}, zone)
        for line, identity in repeated:
            errors.add(name, line, _identity_fields(kind), f"duplicate identity {_show(identity)} (first at line {first[identity]})")
    return len(seen)


def _first_lines(kind: str, header: list[str], rows: Iterator, wanted: set[tuple], zone: tzinfo) -> dict[tuple, int]:
    """The line each of the `wanted` identities first comes on."""
    build, first = _BUILDERS[kind], {}
    for line, cells in rows:
        try:
            identity = build(_Row(dict(zip(header, cells)), zone)).identity
        except _Bad:
            continue
        if identity in wanted and identity not in first:
            first[identity] = line
    return first
