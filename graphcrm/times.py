"""The one parser of days and moments people type (CLI, forms, API bodies, CSV cells), and the organisation's calendar.

Moments are stored in UTC; an `at` written without an offset is local to the organisation's time
zone (DESIGN 13), and the calendar day of a moment is its day in that zone (`day_in`). Rules that
ask "on or before day t" compare moments with `day_start(t + 1)` instead of converting every
moment to a day: the same answer, and the form both stores can use with an index.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphcrm.errors import ConfigError, ParameterError

__all__ = ["day_of", "moment_of", "parse_day", "parse_moment", "zone_named", "day_in", "day_start", "day_end",
           "DayClock", "EPOCH", "micros", "from_micros"]

#: Moments are compared as whole microseconds since this instant (the embedded store's `ts`).
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@lru_cache(maxsize=64)
def zone_named(name: str | None) -> tzinfo:
    """The time zone an IANA name (e.g. 'Asia/Shanghai') stands for; 'UTC' and None are UTC."""
    if name in (None, "", "UTC", "Etc/UTC"):
        return timezone.utc
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"unknown time zone {name!r} (use an IANA name such as UTC, Asia/Shanghai, America/New_York)") from None


def day_in(moment: datetime, zone: tzinfo = timezone.utc) -> date:
    """The calendar day of `moment` in `zone`."""
    return moment.astimezone(zone).date()


def day_start(day: date, zone: tzinfo = timezone.utc) -> datetime:
    """The first instant (UTC) of `day` in `zone`: local midnight (the earlier one when midnight repeats; when
    midnight falls in a gap, fold=0 reads it with the offset before the jump, which is the jump's instant,
    as Neo4j's datetime({date: d, timezone: z}) does)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def day_end(day: date, zone: tzinfo = timezone.utc) -> datetime:
    """The first instant after `day` in `zone`: a moment m is on or before `day` when m < day_end(day)."""
    return day_start(day + timedelta(days=1), zone)


def micros(moment: datetime) -> int:
    """`moment` as whole microseconds since 1970-01-01 UTC (exact, unlike a float timestamp)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class DayClock:
    """Days of many moments in one zone, fast: the local day starts of a span are worked out once.

    `day(us)` gives the calendar day of a moment given in microseconds (see `micros`) by a binary
    search over day starts, which is exact across daylight-saving changes.
    """

    def __init__(self, zone: tzinfo, first: date, last: date):
        from bisect import bisect_right

        self._bisect = bisect_right
        self.first = first
        n = (last - first).days + 2
        self._starts = [micros(day_start(first + timedelta(days=k), zone)) for k in range(n)]
        self._zone = zone

    def day(self, us: int) -> date:
        k = self._bisect(self._starts, us) - 1
        if 0 <= k < len(self._starts) - 1:
            return self.first + timedelta(days=k)
        return day_in(from_micros(us), self._zone)

    def ordinal(self, us: int) -> int:
        """The day's proleptic ordinal (date.toordinal), for arithmetic on days."""
        k = self._bisect(self._starts, us) - 1
        if 0 <= k < len(self._starts) - 1:
            return self.first.toordinal() + k
        return day_in(from_micros(us), self._zone).toordinal()


def day_of(text: str) -> date:
    """A calendar day written YYYY-MM-DD (ValueError otherwise)."""
    if len(text) != 10:
        raise ValueError(f"bad date {text!r} (expected YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r} (expected YYYY-MM-DD)") from None


def moment_of(text: str, zone: tzinfo = timezone.utc) -> datetime:
    """An ISO 8601 date-time (a 'T' or a space between day and time; 'Z' or an offset optional), in UTC.

    Without an offset the time is local to `zone`; a bare date is midnight there.
    """
    try:
        value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"bad date-time {text!r} (expected ISO 8601, e.g. 2025-03-01T09:30:00Z)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def parse_day(value: Any, field: str) -> date | None:
    """A day from a request or a command line; None when absent. Errors name the field."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return day_of(str(value).strip())
    except ValueError:
        raise ParameterError(f"{field}: expected YYYY-MM-DD, got {value!r}") from None


def parse_moment(value: Any, field: str, zone: tzinfo = timezone.utc) -> datetime | None:
    """A moment from a request or a command line; None when absent. Errors name the field."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(timezone.utc)
    try:
        return moment_of(str(value), zone)
    except ValueError:
        raise ParameterError(f"{field}: expected an ISO 8601 date-time (e.g. 2026-03-01T09:30), got {value!r}") from None
