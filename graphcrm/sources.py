"""Tables an import reads: CSV files in any encoding and delimiter, `.xlsx` sheets, and uploaded zips, all bounded.

Every reader reports problems as row errors (file, line, field, reason) through the caller's error
collector and never raises on bad bytes: one bad file must not hide the others' errors.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Callable, Iterable, Iterator

from graphcrm.errors import ImportFailed, RowError, TooLarge

__all__ = ["Table", "SourceSpec", "read_table", "stream_table", "normalise_encoding", "suggest_encoding", "unpack_zip",
           "delimiter_hint", "MAX_COLUMNS", "MAX_FIELD", "MAX_UNZIPPED", "MAX_ZIP_MEMBERS", "ENCODINGS"]

#: A header wider than this is refused (real CRM exports have a few hundred columns at most).
MAX_COLUMNS = 2_000
#: The longest cell accepted, in characters (the csv module's own default limit).
MAX_FIELD = 131_072
#: An uploaded zip may unpack to this many bytes at most, counted while unpacking.
MAX_UNZIPPED = 256 * 2**20
MAX_ZIP_MEMBERS = 1_000
#: Encodings a source may name (any Python codec works; these are the ones documented).
ENCODINGS = ("utf-8", "gb18030", "gbk", "utf-16", "latin-1", "cp1252", "big5", "shift_jis")

AddError = Callable[[str, int, str, str], None]


@dataclass(frozen=True)
class SourceSpec:
    """How to read one source: its file, and for CSV the encoding and delimiter, for a workbook the sheet."""

    file: str
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None


@dataclass
class Table:
    """A source read whole: its display name, the header, and rows as (line, cells) with cells padded to the header."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def normalise_encoding(name: str) -> str:
    """The codec to read `name` with ('utf-8' also strips a byte-order mark); ValueError for an unknown one."""
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (e.g. {', '.join(ENCODINGS)})") from None
    return "utf-8-sig" if codec == "utf-8" else codec


def suggest_encoding(data: bytes) -> str | None:
    """The encoding a detector finds most likely for these bytes (charset-normalizer), or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 2**20]).best()
    return None if best is None else best.encoding


def _decode_problem(name: str, data: bytes, encoding: str) -> tuple[int, str]:
    """(line, reason) for bytes that do not decode: where, which byte, and the likely encoding."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = suggest_encoding(data)
        hint = f"; it looks like {guess}: set encoding = \"{guess}\"" if guess and guess != encoding else ""
        return line, f"not {_show_codec(encoding)} (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}"
    return 1, f"not {_show_codec(encoding)}"


def _show_codec(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "utf_8": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16"}.get(encoding, encoding)


def _cells(name: str, lines: Iterable[str], delimiter: str, add: AddError) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of CSV text (any iterable of its lines), line being the physical line the record starts on."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a cell longer than {MAX_FIELD:,} characters"
            add(name, line, "-", f"malformed CSV ({reason})")
            return
        yield line, cells
        line = reader.line_num + 1


def _read_csv(path: Path, name: str, spec: SourceSpec, add: AddError) -> tuple[list[str], Iterator] | None:
    data = path.read_bytes()
    encoding = normalise_encoding(spec.encoding)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        line, reason = _decode_problem(name, data, encoding)
        add(name, line, "-", reason)
        # Read on with replacement characters, so this file's own row errors and the other files'
        # references to its ids are still checked.
        text = data.decode(encoding, errors="replace")
    if encoding in ("utf-16", "utf_16") and text.startswith("\ufeff"):
        text = text[1:]
    rows = _cells(name, io.StringIO(text, newline=""), spec.delimiter, add)
    first = next(rows, None)
    if first is None:
        return None
    return first[1], rows


def _stream_csv(path: Path, name: str, spec: SourceSpec, add: AddError) -> tuple[list[str], Iterator] | None:
    """Like _read_csv, reading the file as the rows are taken (a big file is never held whole). Bytes that do not
    decode are reported as _read_csv does (the whole file is read then, on that rare path only) and the reading
    goes on from the next row with replacement characters."""
    encoding = normalise_encoding(spec.encoding)

    def rows() -> Iterator[tuple[int, list[str]]]:
        given, errors = 0, "strict"
        while True:
            try:
                with path.open(encoding=encoding, errors=errors, newline="") as handle:
                    for line, cells in _cells(name, handle, spec.delimiter, add):
                        if line > given:                   # after a restart, the rows already given are skipped
                            given = line
                            yield line, cells
                return
            except UnicodeDecodeError:
                line, reason = _decode_problem(name, path.read_bytes(), encoding)
                add(name, line, "-", reason)
                errors = "replace"

    numbered = rows()
    first = next(numbered, None)
    if first is None:
        return None
    return first[1], numbered


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold: whole numbers without '.0', dates in ISO 8601."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    return "" if value is None else str(value)


def _read_sheet(path: Path, name: str, spec: SourceSpec, add: AddError) -> tuple[str, list[str], Iterator] | None:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged or foreign files
        add(name, 0, "-", f"not a readable .xlsx workbook ({type(exc).__name__})")
        return None
    sheets = workbook.sheet_names
    if spec.sheet is not None and spec.sheet not in sheets:
        add(name, 0, "-", f"no sheet {spec.sheet!r} (sheets: {', '.join(sheets)})")
        return None
    sheet = workbook.get_sheet_by_name(spec.sheet if spec.sheet is not None else sheets[0])
    shown = f"{name}[{sheet.name}]"
    start = sheet.start[0] if sheet.start else 0

    def rows():
        for offset, values in enumerate(sheet.iter_rows()):
            cells = [_cell_text(v) for v in values]
            if any(len(c) > MAX_FIELD for c in cells):     # CSV cells are bounded by the csv module itself
                add(shown, start + offset + 1, "-", f"a cell longer than {MAX_FIELD:,} characters")
                continue
            yield start + offset + 1, cells

    numbered = rows()
    first = next(numbered, None)
    if first is None:
        return None
    return shown, first[1], numbered


def read_table(folder: Path, spec: SourceSpec, add: AddError, shown_as: str | None = None) -> Table | None:
    """Read one source whole (CSV or .xlsx by its extension). Problems go to `add`; None when nothing is usable."""
    opened = stream_table(folder, spec, add, shown_as, whole=True)
    if opened is None:
        return None
    name, header, rows = opened
    return Table(name, header, list(rows))


def stream_table(folder: Path, spec: SourceSpec, add: AddError, shown_as: str | None = None,
                 whole: bool = False) -> tuple[str, list[str], Iterator[tuple[int, list[str]]]] | None:
    """One source's (display name, header, rows), the rows checked as read_table checks them but given one at a
    time; a CSV file is read as they are taken unless `whole`. Problems go to `add`; None when nothing is usable."""
    path = folder / spec.file
    name = shown_as if shown_as is not None else spec.file
    if spec.file.lower().endswith((".xlsx", ".xlsm")):
        found = _read_sheet(path, name, spec, add)
        if found is None:
            return None
        name, header, rows = found
    else:
        found = (_read_csv if whole else _stream_csv)(path, name, spec, add)
        if found is None:
            return None
        header, rows = found
    header = [h.strip() for h in header]
    while header and header[-1] == "" and len(header) > 1:
        header.pop()                            # spreadsheets often leave empty trailing header cells
    if len(header) > MAX_COLUMNS:
        add(name, 1, "-", f"the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read")
        return None
    problems = _header_problems(header)
    for column, reason in problems:
        add(name, 1, column, reason)
    if problems:
        return None
    return name, header, _padded(name, header, rows, delimiter_hint(header, spec.delimiter), add)


def _padded(name: str, header: list[str], rows: Iterator, hint: str, add: AddError) -> Iterator[tuple[int, list[str]]]:
    """The rows with cells padded (or trimmed of empty cells) to the header's width; blank rows skipped."""
    width = len(header)
    for line, cells in rows:
        count = len(cells)
        if count != width:
            if count > width:
                if any(c.strip() for c in cells[width:]):
                    add(name, line, "-", f"{count} cells but the header has {width} columns{hint}")
                    continue
                cells = cells[:width]
            else:
                if not any(c.strip() for c in cells):
                    continue                     # a blank line
                cells = cells + [""] * (width - count)
        else:
            first = cells[0]
            if (not first or first.isspace()) and not "".join(cells).strip():
                continue                         # a row of empty cells (",,,")
        yield line, cells


def _header_problems(header: list[str]) -> list[tuple[str, str]]:
    counts = Counter(header)              # linear: a 100,000-column header once took 99 s with list.count
    return [(column or "(empty)", "column appears twice") for column, n in counts.items() if n > 1]


def delimiter_hint(header: list[str], delimiter: str = ",") -> str:
    """A hint when a header came out as one column that holds another delimiter ('' otherwise)."""
    if len(header) != 1:
        return ""
    for candidate, word, written in ((";", "';'", ";"), ("\t", "tabs", "\\t"), ("|", "'|'", "|"), (",", "','", ",")):
        if candidate != delimiter and candidate in header[0]:
            return f"; the header is one column holding {word}: set delimiter = \"{written}\""
    return ""


def unpack_zip(data: bytes, folder: Path, limit: int = MAX_UNZIPPED, suffixes: tuple[str, ...] = (".csv", ".xlsx"),
               shown_as: str = "upload.zip") -> list[str]:
    """Unpack the members with these suffixes into `folder` (flat), counting real bytes as they come out.

    Declared sizes are checked first (an honest bomb is refused at once) but never trusted: the
    count of bytes actually written stops a zip that lies about them. Raises ImportFailed for a
    file that is not a zip or is damaged, TooLarge past the limit. Returns the names written.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ImportFailed([RowError(shown_as, 0, "-", "not a zip file, or a damaged one")]) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise TooLarge(f"{shown_as}: {len(members):,} files in the zip; at most {MAX_ZIP_MEMBERS:,}")
        wanted = [m for m in members if m.filename.lower().endswith(suffixes)]
        if sum(m.file_size for m in wanted) > limit:
            raise TooLarge(f"{shown_as}: unpacks to more than {limit // 2**20} MB")
        written, total = [], 0
        for member in wanted:
            target = folder / Path(member.filename.replace("\\", "/")).name
            try:
                with archive.open(member) as source, target.open("wb") as out:
                    while chunk := source.read(2**20):
                        total += len(chunk)
                        if total > limit:
                            raise TooLarge(f"{shown_as}: unpacks to more than {limit // 2**20} MB")
                        out.write(chunk)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
                reason = "encrypted" if isinstance(exc, RuntimeError) else "damaged or truncated"
                raise ImportFailed([RowError(shown_as, 0, Path(member.filename).name, f"{reason}: cannot unpack it")]) from None
            except Exception as exc:  # zlib.error and bz2/lzma errors of a corrupt stream
                if isinstance(exc, TooLarge):
                    raise
                raise ImportFailed([RowError(shown_as, 0, Path(member.filename).name, "damaged: cannot unpack it")]) from None
            written.append(target.name)
    return written
