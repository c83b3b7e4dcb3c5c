"""Dates and date-times as exports write them: strptime formats (a fast path for the numeric ones), ISO 8601, Excel serials."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from graphcrm.errors import MappingError

__all__ = ["date_step"]

#: Excel's day 0 (serials count days from here; the 1900 leap-year bug makes this the right origin after 1900-03-01).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_FAST = {"Y": r"(?P<Y>\d{4})", "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "H": r"(?P<H>\d{1,2})",
         "M": r"(?P<M>\d{1,2})", "S": r"(?P<S>\d{1,2})", "f": r"(?P<f>\d{1,6})"}
_CACHE_LIMIT = 100_000


def _fast_parser(fmt: str) -> Callable[[str], datetime] | None:
    """A regex equivalent of strptime for formats of %Y %m %d %H %M %S %f and literals (5x faster); else None."""
    pattern, n = [], 0
    seen = set()
    while n < len(fmt):
        char = fmt[n]
        if char == "%":
            directive = fmt[n + 1:n + 2]
            if directive == "%":
                pattern.append("%")
            elif directive in _FAST and directive not in seen:
                pattern.append(_FAST[directive])
                seen.add(directive)
            else:
                return None
            n += 2
        elif char.isspace():
            pattern.append(r"\s+")
            while n < len(fmt) and fmt[n].isspace():
                n += 1
        else:
            pattern.append(re.escape(char))
            n += 1
    if not {"Y", "m", "d"} <= seen:
        return None
    compiled = re.compile("".join(pattern))
    match = compiled.fullmatch
    order = [compiled.groupindex[name] for name in "YmdHMS" if name in compiled.groupindex]
    if "f" in compiled.groupindex:
        fraction = compiled.groupindex["f"]

        def precise(text: str) -> datetime:
            found = match(text)
            if found is None:
                raise ValueError(text)
            parts = [int(found.group(n)) for n in order] + [0] * (6 - len(order))
            return datetime(*parts, int(found.group(fraction).ljust(6, "0")))
        return precise
    if order == sorted(order):                     # Y m d H M S in this order: one call unpacks them
        def parse(text: str) -> datetime:
            found = match(text)
            if found is None:
                raise ValueError(text)
            return datetime(*map(int, found.groups()))
        return parse

    def reordered(text: str) -> datetime:
        found = match(text)
        if found is None:
            raise ValueError(text)
        return datetime(*[int(found.group(n)) for n in order])
    return reordered


def _parser(fmt: str, where: str) -> Callable[[str], datetime]:
    if fmt == "iso":
        return lambda text: datetime.fromisoformat(text.replace("z", "Z"))
    if fmt == "excel":
        def serial(text: str) -> datetime:
            days = float(text)
            if not 0 < days < 2_958_466:          # 9999-12-31
                raise ValueError(text)
            return _EXCEL_EPOCH + timedelta(days=days)
        return serial
    if "%" not in fmt:
        raise MappingError(f"{where}: {fmt!r} is not a strptime format (e.g. '%Y-%m-%d %H:%M:%S'), 'iso' or 'excel'")
    fast = _fast_parser(fmt)
    if fast is not None:
        return fast
    try:
        datetime.strptime("", fmt)
    except ValueError as exc:
        if "bad directive" in str(exc) or "stray %" in str(exc):
            raise MappingError(f"{where}: {fmt!r} is not a valid strptime format ({exc})") from None
    return lambda text: datetime.strptime(text, fmt)


def date_step(spec: Any, kind: str, where: str, aware_utc: bool, strict_format: bool = False,
              with_row: bool = False) -> Callable[..., str]:
    """A converter of a cell to an ISO date (kind 'date') or date-time ('datetime'); empty stays empty.

    Several formats are tried in turn, then ISO 8601 (a workbook's date cells arrive in ISO form).
    A date-time without an offset is written without one, so the importer reads it as it reads any
    such time (`aware_utc`: version 1 wrote UTC, as it always has). `strict_format`: version 1's one format.
    `with_row`: the converter takes (value, row), as a pipeline step does, and ignores the row.
    """
    formats = spec if isinstance(spec, list) else [spec]
    if not formats or not all(isinstance(f, str) for f in formats) or (strict_format and len(formats) != 1):
        raise MappingError(f"{where}: expected a format string{'' if strict_format else ' or a list of them'}")
    if strict_format and "%" not in formats[0]:
        raise MappingError(f"{where}: {formats[0]!r} is not a strptime format (e.g. '%Y-%m-%d %H:%M:%S')")
    parsers = [_parser(f, where) for f in formats]
    if not strict_format and "iso" not in formats:
        parsers.append(_parser("iso", where))
    shown = formats[0] if len(formats) == 1 else " or ".join(formats)
    cache: dict[str, str] = {}

    def write(parsed: datetime) -> str:
        if kind == "date":
            return parsed.date().isoformat()
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc).isoformat() if aware_utc else parsed.isoformat()
        return parsed.isoformat() if aware_utc else parsed.astimezone(timezone.utc).isoformat()

    def convert(value: str, row: Any = None) -> str:
        if value == "":
            return ""
        found = cache.get(value)
        if found is not None:
            return found
        for parse in parsers:
            try:
                parsed = parse(value)
            except (ValueError, OverflowError):
                continue
            if isinstance(parsed, date) and not isinstance(parsed, datetime):
                parsed = datetime.combine(parsed, datetime.min.time())
            text = write(parsed)
            if len(cache) < _CACHE_LIMIT:
                cache[value] = text
            return text
        raise ValueError(f"{value!r} does not match the date format {shown!r}")
    return convert
