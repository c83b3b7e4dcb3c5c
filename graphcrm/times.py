"""The one parser of days and moments people type (CLI, forms, API bodies, CSV cells): ISO 8601, naive means UTC."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any

from graphcrm.errors import ParameterError

__all__ = ["day_of", "moment_of", "parse_day", "parse_moment"]


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
