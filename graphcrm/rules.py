"""The rules of DESIGN sections 4 and 5, written once: active on a day, grade and stage on a day, windows, the key-person flags.

Both stores' Python code, the service, the permission model and the read model call these; the
Cypher side writes the same rules as the patterns listed in cypher/README.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping

from graphcrm.model import Coverage, Interaction, Membership, Staff, Tier

__all__ = [
    "staff_active", "span_active", "coverage_active", "membership_active", "can_end_on",
    "in_window", "window_start", "round3",
    "tiers_in_order", "first_tier", "latest_on_or_before", "grade_on", "stage_on",
    "active_coverers", "client_risk", "risk_flags", "concentration", "concentration_of", "shortfall",
    "history_start", "records_history_start",
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


def round3(x: float | None) -> float | None:
    """Round half up to 3 decimals on the shortest decimal form, as Cypher's round(x, 3) does."""
    if x is None:
        return None
    return float(Decimal(repr(float(x))).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


# -- tiers, grade and stage on a day --------------------------------------------------------------
def tiers_in_order(tiers: Iterable[Tier]) -> list[Tier]:
    """Tiers by stage: level, then key."""
    return sorted(tiers, key=lambda t: (t.level, t.key))


def first_tier(tiers: Iterable[Tier]) -> str | None:
    """The key of the level-1 tier (the first stage); the smallest key if several share level 1."""
    return next((t.key for t in tiers_in_order(tiers) if t.level == 1), None)


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


def stage_on(declared: str | None, handovers: Iterable[Interaction], day: date, first: str | None) -> str | None:
    """Stage of the latest handover on or before `day`; else the declared stage; else the level-1 tier."""
    latest = latest_on_or_before(handovers, day)
    if latest is not None and latest.stage:
        return latest.stage
    return declared or first


# -- coverage and the key-person flags --------------------------------------------------------------
def active_coverers(coverage: Iterable[Coverage], staff: Mapping[str, Staff], day: date) -> dict[str, set[str]]:
    """Tier key -> ids of the staff actively covering that stage on `day` (one client's coverage)."""
    found: dict[str, set[str]] = defaultdict(set)
    for c in coverage:
        if coverage_active(c, staff, day):
            found[c.tier].add(c.staff)
    return found


def concentration(interactions: Iterable[Interaction], t: date, policy) -> tuple[str | None, float | None]:
    """The staff member in >= concentration_share of the client's interactions in the window (DESIGN 5.3), and the share."""
    start = window_start(t, policy.concentration_window_days)      # the window is start < day <= t
    window = [i for i in interactions if start < i.day <= t]
    took_part: dict[str, int] = defaultdict(int)
    for i in window:
        for s in i.staff:
            took_part[s] += 1
    return concentration_of(took_part, len(window), policy)


def concentration_of(took_part: Mapping[str, int], total: int, policy) -> tuple[str | None, float | None]:
    """The concentration rule on counts: `total` interactions in the window, `took_part[s]` of them with s."""
    if total < policy.concentration_min_interactions or not total or not took_part:
        return None, None
    staff, n = min(took_part.items(), key=lambda kv: (-kv[1], kv[0]))
    share = n / total
    if share >= policy.concentration_share:
        return staff, round3(share)
    return None, None


def shortfall(count: int, required: int) -> int:
    """Coverers missing at one stage: required - count, never below 0 (a coverage gap when > 0; the planner's slots)."""
    return max(0, required - count)


def client_risk(coverers: Mapping[str, set[str]], tier_keys: list[str], interactions: Iterable[Interaction], t: date,
                policy, grade: str) -> dict[str, Any]:
    """The key-person flags of one client (DESIGN 5.3): the one home of these rules, for the report and the client page.

    A single-point tier is a flag only where the grade's policy asks for redundancy
    (min_per_tier >= 2): otherwise the same tier's pool replaces that one person.
    `single_point_tiers` lists them either way, as information; `single_point_flag` says whether they count.
    """
    return risk_flags(coverers, tier_keys, policy, grade, *concentration(interactions, t, policy))


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
        return new.day if old is None else min(new.day, old.day)
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
