"""The rules of DESIGN sections 4 and 5, written once: active on a day, grade and stage on a day, windows, the key-person flags.

Both stores' Python code, the service, the permission model and the read model call these; the
Cypher side writes the same rules as the patterns listed in cypher/README.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping

from graphcrm.model import Coverage, Interaction, Membership, Staff, Tier
from graphcrm.times import day_end

UTC = timezone.utc

__all__ = [
    "staff_active", "span_active", "coverage_active", "membership_active", "can_end_on",
    "in_window", "window_start", "window_moments", "round3",
    "tiers_in_order", "first_tier", "latest_on_or_before", "grade_on", "stage_on", "grade_of", "stage_of",
    "active_coverers", "active_staff_ids", "coverers_by_client", "client_risk", "risk_flags", "concentration",
    "concentration_of", "shortfall", "history_start", "records_history_start",
]


# -- active on a day ------------------------------------------------------------------------
def staff_active(staff: Staff | None, day: date) -> bool:
    """Active on `day`: `joined` null or <= day, and `left` null or > day."""
    if staff is None:
        return False
    return (staff.joined is None or staff.joined <= day) and (staff.left is None or staff.left > day)


def span_active(since: date | None, until: date | None, day: date) -> bool:
    """A coverage, membership or engagement span is active when since <= day < until (nulls open)."""
    return (since is None or since <= day) and (until is None or until > day)


def coverage_active(coverage: Coverage, staff: Mapping[str, Staff], day: date) -> bool:
    """A coverage is active on `day` when its span is and so is its staff member."""
    return span_active(coverage.since, coverage.until, day) and staff_active(staff.get(coverage.staff), day)


def membership_active(membership: Membership, staff: Mapping[str, Staff], day: date) -> bool:
    """A membership is active on `day` when its span is and so is its staff member."""
    return span_active(membership.since, membership.until, day) and staff_active(staff.get(membership.staff), day)


def can_end_on(since: date | None, until: date | None, day: date) -> bool:
    """A span can be ended on `day` (until = day) when it is active that day and began before it."""
    return span_active(since, until, day) and (since is None or since < day)


# -- windows and rounding -----------------------------------------------------------------------
def window_start(day: date, days: int) -> date:
    """The window of `days` days up to `day` holds d with window_start < d <= day."""
    return day - timedelta(days=days)


def in_window(d: date, day: date, days: int) -> bool:
    return window_start(day, days) < d <= day


def window_moments(day: date, days: int, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """The window of `days` days up to `day` as moments: an interaction is in it when start <= at < end.

    The same days as in_window on the interaction's calendar day in `zone`, without converting each `at`.
    """
    return day_end(window_start(day, days), zone), day_end(day, zone)


def round3(x: float | None) -> float | None:
    """Round half up to 3 decimals on the shortest decimal form, as Cypher's round(x, 3) does."""
    if x is None:
        return None
    x = float(x)
    scaled = x * 1000.0
    # Away from a tie (k + 0.5 thousandths) by more than the product's rounding error, x and its shortest decimal
    # form lie on the same side of it (a tie between them would be a shorter, or as short and nearer, form of x),
    # so half up on that form is the nearest thousandth, which floor() finds and one correctly rounded division
    # makes the float of. Only near a tie is the decimal form itself needed (Decimal costs ten times as much).
    if abs(scaled) < 1e15 and abs(scaled - math.floor(scaled) - 0.5) > abs(scaled) * 1e-12 + 1e-9:
        return math.floor(scaled + 0.5) / 1000.0
    return float(Decimal(repr(x)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


# -- tiers, grade and stage on a day --------------------------------------------------------------
def tiers_in_order(tiers: Iterable[Tier]) -> list[Tier]:
    """Tiers by stage: level, then key."""
    return sorted(tiers, key=lambda t: (t.level, t.key))


def first_tier(tiers: Iterable[Tier]) -> str | None:
    """The key of the level-1 tier (the first stage); the smallest key if several share level 1."""
    return next((t.key for t in tiers_in_order(tiers) if t.level == 1), None)


def latest_on_or_before(interactions: Iterable[Interaction], day: date, zone: tzinfo = UTC) -> Interaction | None:
    """The latest interaction (by `at`, then id) whose calendar day in `zone` is on or before `day`."""
    end = day_end(day, zone)
    best = None
    for i in interactions:
        if i.at < end and (best is None or (i.at, i.id) > (best.at, best.id)):
            best = i
    return best


def grade_on(declared: str | None, assessments: Iterable[Interaction], day: date, zone: tzinfo = UTC) -> str:
    """Grade of the latest assessment on or before `day`; else the declared grade; else 'ungraded'."""
    return grade_of(latest_on_or_before(assessments, day, zone), declared)


def grade_of(latest: Interaction | None, declared: str | None) -> str:
    """The grade given the latest assessment on or before the day (found by any means, e.g. a timeline)."""
    if latest is not None and latest.grade:
        return latest.grade
    return declared or "ungraded"


def stage_of(latest: Interaction | None, declared: str | None, first: str | None) -> str | None:
    """The stage given the latest handover on or before the day (found by any means, e.g. a timeline)."""
    if latest is not None and latest.stage:
        return latest.stage
    return declared or first


def stage_on(declared: str | None, handovers: Iterable[Interaction], day: date, first: str | None,
             zone: tzinfo = UTC) -> str | None:
    """Stage of the latest handover on or before `day`; else the declared stage; else the level-1 tier."""
    return stage_of(latest_on_or_before(handovers, day, zone), declared, first)


# -- coverage and the key-person flags --------------------------------------------------------------
def active_staff_ids(staff: Mapping[str, Staff], day: date) -> set[str]:
    """Ids of the staff active on `day` (staff_active)."""
    return {sid for sid, s in staff.items() if (s.joined is None or s.joined <= day) and (s.left is None or s.left > day)}


def coverers_by_client(coverage: Iterable[Coverage], active: set[str], day: date) -> dict[str, dict[str, set[str]]]:
    """client -> tier key -> ids of staff actively covering that stage on `day` (coverage_active over a whole
    organisation at once; `active` is active_staff_ids for the same day)."""
    found: dict[str, dict[str, set[str]]] = {}
    for c in coverage:
        if c.staff in active and (c.since is None or c.since <= day) and (c.until is None or c.until > day):
            tiers = found.get(c.client)
            if tiers is None:
                tiers = found[c.client] = {}
            staff = tiers.get(c.tier)
            if staff is None:
                tiers[c.tier] = {c.staff}
            else:
                staff.add(c.staff)
    return found


def active_coverers(coverage: Iterable[Coverage], staff: Mapping[str, Staff], day: date) -> dict[str, set[str]]:
    """Tier key -> ids of the staff actively covering that stage on `day` (one client's coverage)."""
    found: dict[str, set[str]] = defaultdict(set)
    for c in coverage:
        if coverage_active(c, staff, day):
            found[c.tier].add(c.staff)
    return found


def concentration(interactions: Iterable[Interaction], t: date, policy, zone: tzinfo | None = None
                  ) -> tuple[str | None, float | None]:
    """The staff member in >= concentration_share of the client's interactions in the window (DESIGN 5.3), and the share."""
    start, end = window_moments(t, policy.concentration_window_days, zone or policy.zone)
    return concentration_of([i.staff for i in interactions if start <= i.at < end], policy)


def concentration_of(window: list[tuple[str, ...]], policy) -> tuple[str | None, float | None]:
    """concentration() given the participants of each of the client's interactions in the window."""
    if len(window) < policy.concentration_min_interactions or not window:
        return None, None
    took_part: dict[str, int] = defaultdict(int)
    for staff in window:
        for s in staff:
            took_part[s] += 1
    if not took_part:
        return None, None
    staff, n = min(took_part.items(), key=lambda kv: (-kv[1], kv[0]))
    share = n / len(window)
    if share >= policy.concentration_share:
        return staff, round3(share)
    return None, None


def shortfall(count: int, required: int) -> int:
    """Coverers missing at one stage: required - count, never below 0 (a coverage gap when > 0; the planner's slots)."""
    return max(0, required - count)


def client_risk(coverers: Mapping[str, set[str]], tier_keys: list[str], interactions: Iterable[Interaction], t: date,
                policy, grade: str, window: list[tuple[str, ...]] | None = None) -> dict[str, Any]:
    """The key-person flags of one client (DESIGN 5.3): the one home of these rules, for the report and the client page.

    A single-point tier is a flag only where the grade's policy asks for redundancy
    (min_per_tier >= 2): otherwise the same tier's pool replaces that one person.
    `single_point_tiers` lists them either way, as information; `single_point_flag` says whether they count.
    `window`, when given, is the participants of the client's interactions in the concentration window
    (already chosen, e.g. by a store's index); otherwise they are picked from `interactions`.
    """
    conc_owner, conc_share = (concentration_of(window, policy) if window is not None
                              else concentration(interactions, t, policy))
    return risk_flags(coverers, tier_keys, policy, grade, conc_owner, conc_share)


def risk_flags(coverers: Mapping[str, set[str]], tier_keys: list[str], policy, grade: str,
               conc_owner: str | None, conc_share: float | None) -> dict[str, Any]:
    """client_risk once the concentration owner is known (the planner re-judges coverage it changes, not interactions)."""
    counts = [len(coverers.get(k, ())) for k in tier_keys]
    bus_factor = min(counts) if counts else 0
    single = [k for k, n in zip(tier_keys, counts) if n == 1]
    single_flag = bool(single) and policy.min_per_tier[grade] >= 2
    tiers_of: dict[str, set[str]] = defaultdict(set)
    for key, staff in coverers.items():
        for s in staff:
            tiers_of[s].add(key)
    multi = sorted(s for s, ts in tiers_of.items() if len(ts) >= 2)
    everything = set(tier_keys)
    owners = sorted(s for s, ts in tiers_of.items() if len(everything) >= 2 and ts >= everything)
    owner = owners[0] if owners else None
    flags = sum((bus_factor == 0, single_flag, bool(multi), owner is not None, conc_owner is not None))
    return {"bus_factor": bus_factor, "single_point_tiers": single, "multi_tier_staff": multi, "end_to_end_owner": owner,
            "concentration_owner": conc_owner, "concentration_share": conc_share, "flags": flags,
            "single_point_flag": single_flag}


# -- which days a write can change ------------------------------------------------------------------------
def history_start(new: Any, old: Any) -> date | None:
    """The first day on which writing `new` over `old` (the stored record of that identity, or None) can change
    what a report says; None when it changes nothing, date.min when every day (an undated fact changed).

    A span (joined/left, since/until) changes the days between its old and new ends; an interaction or a need
    its own day. Anything else about a record (a tier, a name, a capacity, a declared grade) has no date, so
    it may change any day. Caches of past figures (trends) are dropped from this day on.
    """
    if old == new:
        return None
    dated = {"Staff": ("joined", "left"), "Coverage": ("since", "until"), "Membership": ("since", "until"),
             "Engagement": ("since", "until")}
    kind = type(new).__name__
    if kind == "Interaction":
        # Its calendar day is its day in the organisation's zone, never more than a day before its UTC day
        # (zones run from UTC-12 to UTC+14): a day early keeps the cache honest in every zone.
        first = new.day if old is None else min(new.day, old.day)
        return first - timedelta(days=1)
    if kind == "Need":
        return new.detected if old is None else min(new.detected, old.detected)
    if kind not in dated:
        return date.min
    start_field, end_field = dated[kind]
    if old is None:
        return getattr(new, start_field) or date.min
    others = [f for f in new.__dataclass_fields__ if f not in (start_field, end_field)]
    if any(getattr(new, f) != getattr(old, f) for f in others):
        return date.min
    changed = []
    for field_name, open_end in ((start_field, date.min), (end_field, None)):
        a, b = getattr(old, field_name), getattr(new, field_name)
        if a != b:
            changed += [open_end if v is None else v for v in (a, b) if v is not None or open_end is not None]
    return min(changed) if changed else None


def records_history_start(records, old_of) -> date | None:
    """history_start over a batch; `old_of(kind, record)` finds the stored record with the same identity."""
    starts = [s for kind, items in records.kinds() for r in items if (s := history_start(r, old_of(kind, r))) is not None]
    return min(starts) if starts else None
