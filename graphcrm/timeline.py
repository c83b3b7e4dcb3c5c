"""The rules of time (DESIGN section 4), written once: active on a day, grade and stage on a day, windows, rounding."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from graphcrm.model import Interaction, Staff

__all__ = [
    "staff_active", "span_active", "in_window", "window_start", "round3",
    "latest_on_or_before", "grade_on", "stage_on",
]


def staff_active(staff: Staff | None, day: date) -> bool:
    """Active on `day`: `joined` null or <= day, and `left` null or > day."""
    if staff is None:
        return False
    return (staff.joined is None or staff.joined <= day) and (staff.left is None or staff.left > day)


def span_active(since: date | None, until: date | None, day: date) -> bool:
    """A coverage, membership or engagement span is active when since <= day < until (nulls open)."""
    return (since is None or since <= day) and (until is None or until > day)


def window_start(day: date, days: int) -> date:
    """The window of `days` days up to `day` holds d with window_start < d <= day."""
    return day - timedelta(days=days)


def in_window(d: date, day: date, days: int) -> bool:
    return window_start(day, days) < d <= day


def round3(x: float | None) -> float | None:
    """Round half up to 3 decimals on the shortest decimal form, as Cypher's round(x, 3) does."""
    if x is None:
        return None
    return float(Decimal(repr(float(x))).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def latest_on_or_before(interactions: Iterable[Interaction], day: date) -> Interaction | None:
    """The latest interaction (by `at`, then id) whose day is on or before `day`."""
    best = None
    for i in interactions:
        if i.day <= day and (best is None or (i.at, i.id) > (best.at, best.id)):
            best = i
    return best


def grade_on(declared: str | None, assessments: Iterable[Interaction], day: date) -> str:
    """Grade of the latest assessment on or before `day`; else the declared grade; else 'ungraded'."""
    latest = latest_on_or_before(assessments, day)
    if latest is not None and latest.grade:
        return latest.grade
    return declared or "ungraded"


def stage_on(declared: str | None, handovers: Iterable[Interaction], day: date, first_tier: str | None) -> str | None:
    """Stage of the latest handover on or before `day`; else the declared stage; else the level-1 tier."""
    latest = latest_on_or_before(handovers, day)
    if latest is not None and latest.stage:
        return latest.stage
    return declared or first_tier
