"""The manager's views of the whole book: the coverage grid (clients x tiers) and the ten clients to act on first.

Both are made from report rows (`run(name, params)` runs a report for the day, cached by the web
app), so they read the same on either store. Colours are against policy: a stage is green when it
has `min_per_tier[grade]` active coverers, amber when it has fewer but some, red when none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from graphcrm.config import Policy
from graphcrm.errors import N_, Message
from graphcrm.model import GRADE_ORDER, Directory
from graphcrm.tables import Column

__all__ = ["grid_rows", "grid_columns", "cell_status", "top_clients", "FLAGS", "rag", "AMBER_SHARE", "Priority"]

Run = Callable[[str, dict[str, Any]], list[dict[str, Any]]]

#: The key-person flags (DESIGN 5.3), as the grid's risk filter offers them.
FLAGS = ("no_coverer", "single_point", "split_authority", "end_to_end", "concentration")
#: A headline figure is amber while at most this share of clients fails the policy, red beyond it.
AMBER_SHARE = 0.1


def cell_status(count: int, required: int) -> str:
    """A stage against policy: 'ok' (enough coverers), 'short' (some, fewer than required), 'none'."""
    if count >= required:
        return "ok"
    return "short" if count else "none"


def rag(failing: int, total: int) -> str:
    """Green when no client fails the policy, amber while at most AMBER_SHARE of them do, red beyond."""
    if failing == 0:
        return "green"
    return "amber" if total and failing / total <= AMBER_SHARE else "red"


def flags_of(risk_row: dict[str, Any] | None, policy: Policy) -> list[str]:
    """The flags of one key_person_risk row, by name (a single point counts only where the grade asks for two)."""
    if not risk_row:
        return []
    out = []
    if risk_row["bus_factor"] == 0:
        out.append("no_coverer")
    if risk_row["single_point_tiers"] and policy.min_per_tier[risk_row["grade"]] >= 2:
        out.append("single_point")
    if risk_row["multi_tier_staff"]:
        out.append("split_authority")
    if risk_row["end_to_end_owner"]:
        out.append("end_to_end")
    if risk_row["concentration_owner"]:
        out.append("concentration")
    return out


def grid_rows(run: Run, tier_keys: list[str], policy: Policy) -> list[dict[str, Any]]:
    """One row per client: its facts, risk and flags, and per tier the active coverers and their status."""
    stages: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in run("coverage", {}):
        stages[row["client"]][row["tier"]] = row["staff"]
    risks = {row["client"]: row for row in run("key_person_risk", {})}
    rows = []
    for fact in run("portfolio", {}):
        client, grade = fact["client"], fact["grade"]
        required = policy.min_per_tier[grade]
        covered = stages.get(client, {})
        risk_row = risks.get(client)
        row = {**fact, "risk": risk_row["risk"] if risk_row else 0, "flags": flags_of(risk_row, policy),
               "required": required, "coverers": sorted({s for staff in covered.values() for s in staff})}
        for key in tier_keys:
            staff = covered.get(key, [])
            row[f"tier:{key}"] = staff
            row[f"status:{key}"] = cell_status(len(staff), required)
        row["short_stages"] = sum(1 for key in tier_keys if row[f"status:{key}"] != "ok")
        rows.append(row)
    return rows


def grid_columns(tier_keys: list[str], directory: Directory) -> list[Column]:
    """The grid's columns: facts, then one per tier (by stage), then what only filters read."""
    columns = [
        Column("client", N_("Client"), N_("the client, by name; its id beside it"), "client"),
        Column("grade", N_("Grade"), N_("grade on the day: latest assessment, else declared, else ungraded"), "grade"),
        Column("stage", N_("Stage"), N_("stage on the day: latest handover's, else declared, else the first tier"), "tier"),
        Column("value", N_("Value"), N_("client value"), "money"),
        Column("risk", N_("Risk"), N_("weight of the grade x number of key-person flags"), "number"),
    ]
    for key in tier_keys:
        columns.append(Column(f"tier:{key}", directory.name("tiers", key) or key,
                              N_("active coverers of this stage; green: as many as the grade's policy asks, "
                                 "amber: fewer, red: none"), "staff_list"))
    columns += [Column("teams", N_("Teams"), N_("teams engaging the client"), "team_list"),
                Column("flags", N_("Flags"), N_("key-person flags"), "list"),
                Column("coverers", N_("Coverers"), N_("everyone covering any stage"), "staff_list"),
                Column("short_stages", N_("Stages below policy"), N_("stages with fewer coverers than the policy asks"),
                       "number")]
    return columns


# -- the ten clients to act on first -----------------------------------------------------------------------
@dataclass
class Priority:
    client: str
    grade: str
    value: float | None
    risk: int
    score: float                      # risk x value: what is at stake
    flags: list[str]
    reasons: list[str]                # one clause per flag (Messages: the UI translates them)


def _who(directory: Directory, staff: str) -> str:
    return directory.name("staff", staff) or staff


def _stage(directory: Directory, tier: str) -> str:
    return directory.name("tiers", tier) or tier


def reasons_for(risk_row: dict[str, Any], stages: dict[str, list[str]], policy: Policy, directory: Directory) -> list[str]:
    """Why a client is at risk, in words a manager reads, naming people and stages (one clause per flag).

    A client held end to end is said to be so once: the same person's single points and several stages are that.
    """
    grade = risk_row["grade"]
    owner = risk_row["end_to_end_owner"]
    out: list[str] = []
    if owner:
        out.append(Message("Held end to end by {person}.", person=_who(directory, owner)))
    if risk_row["bus_factor"] == 0:
        empty = [_stage(directory, k) for k, staff in stages.items() if not staff]
        out.append(Message("Nobody covers {stages}.", stages=", ".join(empty)))
    if risk_row["single_point_tiers"] and policy.min_per_tier[grade] >= 2:
        for tier in risk_row["single_point_tiers"]:
            alone = (stages.get(tier) or ["?"])[0]
            if alone != owner:
                out.append(Message("Only {person} covers {stage}, where grade {grade} asks for {required}.",
                                   person=_who(directory, alone), stage=_stage(directory, tier), grade=grade,
                                   required=policy.min_per_tier[grade]))
    several = [s for s in risk_row["multi_tier_staff"] if s != owner]
    if len(several) == 1:
        out.append(Message("{person} covers several stages: split authority is broken.", person=_who(directory, several[0])))
    elif several:
        out.append(Message("{people} cover several stages: split authority is broken.",
                           people=", ".join(_who(directory, s) for s in several)))
    if risk_row["concentration_owner"]:
        out.append(Message("{person} took part in {share}% of recent interactions.",
                           person=_who(directory, risk_row["concentration_owner"]),
                           share=round(100 * (risk_row["concentration_share"] or 0))))
    return out


def top_clients(run: Run, policy: Policy, directory: Directory, limit: int = 10) -> list[Priority]:
    """The clients to act on first: highest risk x value, then highest risk, then id; each with its reasons."""
    facts = {row["client"]: row for row in run("portfolio", {})}
    risky = [row for row in run("key_person_risk", {}) if row["risk"] > 0]

    def score(row):
        value = facts.get(row["client"], {}).get("value") or 0.0
        return row["risk"] * value

    chosen = sorted(risky, key=lambda r: (-score(r), -r["risk"], r["client"]))[:limit]
    if not chosen:
        return []
    wanted = {row["client"] for row in chosen}
    stages: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in run("coverage", {}):
        if row["client"] in wanted:
            stages[row["client"]][row["tier"]] = row["staff"]
    return [Priority(row["client"], row["grade"], facts.get(row["client"], {}).get("value"), row["risk"], score(row),
                     flags_of(row, policy), reasons_for(row, stages[row["client"]], policy, directory)) for row in chosen]


def by_grade(run: Run) -> dict[str, int]:
    """Clients per grade on the day (every grade, zeros included)."""
    counts = {g: 0 for g in GRADE_ORDER}
    for row in run("portfolio", {}):
        counts[row["grade"]] = counts.get(row["grade"], 0) + 1
    return counts
