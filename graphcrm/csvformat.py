"""The CSV folder format of DESIGN section 7: file names, columns, and how values are written."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

__all__ = ["FILES", "COLUMNS", "REQUIRED", "format_value"]

#: Record kind -> file name, in dependency order.
FILES = {
    "tiers": "tiers.csv",
    "staff": "staff.csv",
    "teams": "teams.csv",
    "memberships": "memberships.csv",
    "clients": "clients.csv",
    "coverage": "coverage.csv",
    "engagements": "engagements.csv",
    "interactions": "interactions.csv",
    "needs": "needs.csv",
}

COLUMNS = {
    "tiers": ("key", "level", "name", "duty"),
    "staff": ("id", "name", "email", "tier", "capacity", "joined", "left", "manager"),
    "teams": ("id", "name"),
    "memberships": ("staff", "team", "since", "until"),
    "clients": ("id", "name", "industry", "grade", "value", "stage"),
    "coverage": ("staff", "client", "tier", "role", "since", "until"),
    "engagements": ("team", "client", "since", "until"),
    "interactions": ("id", "client", "staff", "kind", "at", "amount", "summary", "grade", "score", "stage"),
    "needs": ("id", "client", "summary", "detected", "source", "staff"),
}

#: Columns a file must have (the others may be left out and are then null).
REQUIRED = {
    "tiers": ("key", "level"),
    "staff": ("id",),
    "teams": ("id",),
    "memberships": ("staff", "team"),
    "clients": ("id",),
    "coverage": ("staff", "client", "tier"),
    "engagements": ("team", "client"),
    "interactions": ("id", "client", "kind", "at"),
    "needs": ("id", "client", "detected"),
}


def format_value(value: Any) -> str:
    """A value as written to a CSV cell: ISO dates, `Z` for UTC, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ";".join(value)
    if isinstance(value, datetime):
        text = value.astimezone(timezone.utc).isoformat()
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)
