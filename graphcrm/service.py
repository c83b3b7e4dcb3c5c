"""Every change the business makes: validated, permission-checked inside its transaction, idempotent, audited.

The CLI, the web UI and the API all call these functions, so they cannot disagree. Each change
names what it reads (a `Scope`); the store locks and reads it, and the change's plan checks the
rules (graphcrm.permissions) on exactly what it read and returns what to write, with its audit
entry, in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from graphcrm.config import Settings
from graphcrm.errors import ChangeRefused, Conflict, Message
from graphcrm.model import GRADES, ROLES as COVERAGE_ROLES, AuditEntry, Coverage, Engagement, Interaction, Need, Records
from graphcrm.permissions import (
    LOG_KINDS, User, acts_as_staff, authorise_record, client_stage, off_tier, require, stage_move,
)
from graphcrm.render import to_json_value
from graphcrm.rules import can_end_on, span_active, staff_active
from graphcrm.stores.protocol import Planned, Scope, Snapshot
from graphcrm.times import day_in, parse_moment

__all__ = ["Service", "Change", "LOG_KINDS"]

#: How far in the future an event may be dated (clock skew between a laptop and the server).
_FUTURE_SLACK = timedelta(minutes=5)


@dataclass
class Change:
    """What a service call did: the records it wrote and the audit entry that records it (None: nothing to do)."""

    action: str
    target: str
    records: Records
    audit: AuditEntry | None
    message: str
    plan: Any = None            # an import's ImportPlan: new, changed and unchanged records per kind


def _digest(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(to_json_value(_plain(value)), sort_keys=True, ensure_ascii=False)


def _plain(value: Any) -> Any:
    """Records as dicts of their fields, containers recursively: what `asdict` gives, without its deep copies
    (a fifth of an embedded write's time)."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Service:
    """The write use-cases, over one store. `clock` is injectable so tests control 'now';
    `on_commit` is called after every change that wrote something (the web app clears its caches)."""

    def __init__(self, store, settings: Settings, clock: Callable[[], datetime] | None = None,
                 on_commit: Callable[[], None] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.on_commit = on_commit

    # -- shared steps --------------------------------------------------------------------------
    def _when(self, at: datetime | None) -> datetime:
        now = self.clock()
        if at is None:
            return now
        at = parse_moment(at, "at", self.zone)
        if at > now + _FUTURE_SLACK:
            raise ChangeRefused(Message("{at} is in the future", "at", at=at.isoformat()))
        return at

    def _entry(self, user: User, action: str, target: str, before: Any, after: Any) -> AuditEntry:
        after_json = _json(after)
        return AuditEntry(f"A-{_digest(action, target, after_json)}", self.clock(), user.email, action, target,
                          _json(before), after_json)

    def _apply(self, scope: Scope, plan: Callable[[Snapshot], tuple[Planned | None, Change]]) -> Change:
        """Run `plan` in the store's transaction; it returns what to write (or None) and the Change to report."""
        outcome: list[Change] = []

        def in_transaction(snapshot: Snapshot) -> Planned | None:
            planned, change = plan(snapshot)
            outcome[:] = [change]               # a retried transaction re-plans: keep the last answer
            return planned

        planned = self.store.change(scope, in_transaction)
        if planned is not None and self.on_commit is not None:
            self.on_commit()
        return outcome[0]

    @staticmethod
    def _client(snapshot: Snapshot, client: str) -> Records:
        view = snapshot.clients.get(client)
        if view is None:
            raise ChangeRefused(Message("unknown client {client!r}", "client", client=client))
        return view

    @property
    def zone(self):
        """The organisation's time zone: the days of events and of 'today' are its days."""
        return self.settings.policy.zone

    def _today(self) -> date:
        return day_in(self.clock(), self.zone)

    # -- recording interactions, assessments, handovers and needs ----------------------------
    def log_interaction(self, user: User, client: str, kind: str, at: datetime | None = None,
                        staff: list[str] | None = None, summary: str | None = None, amount: float | None = None,
                        id: str | None = None) -> Change:
        if kind not in LOG_KINDS:
            raise ChangeRefused(Message("{kind!r}: log one of {kinds} (assessments and handovers have their own forms)",
                                        "kind", kind=kind, kinds=", ".join(LOG_KINDS)))
        return self._record(user, client, kind, at, staff, summary, id, amount=amount)

    def assess(self, user: User, client: str, grade: str, at: datetime | None = None, score: float | None = None,
               summary: str | None = None, staff: list[str] | None = None, id: str | None = None) -> Change:
        if grade not in GRADES:
            raise ChangeRefused(Message("{grade!r} is not A, B or C", "grade", grade=grade))
        if score is not None and not 0 <= score <= 100:
            raise ChangeRefused(Message("{score} is not between 0 and 100", "score", score=score))
        return self._record(user, client, "assessment", at, staff, summary, id, grade=grade, score=score)

    def handover(self, user: User, client: str, stage: str, at: datetime | None = None, summary: str | None = None,
                 staff: list[str] | None = None, id: str | None = None, back: bool = False) -> Change:
        """Move the client to `stage`. The stage is always named (there is no default move), and a move to an
        earlier stage happens only with `back` set: the person confirmed that step backwards, by name."""
        if not stage:
            raise ChangeRefused(Message("choose the stage the client moves to", "stage"))

        def check(view: Records, day: date) -> None:
            move = stage_move(view, stage, day, self.zone)
            current = client_stage(view, day, self.zone)
            if move == "unknown":
                raise ChangeRefused(Message("{stage!r} is not a tier ({stages})", "stage", stage=stage,
                                            stages=", ".join(t.key for t in view.tiers)))
            if move == "same":
                raise ChangeRefused(Message("{client} is already in stage {stage!r}", "stage", client=client, stage=stage))
            if move == "back" and not back:
                raise ChangeRefused(Message("this moves {client} back from {current} to the earlier stage {stage}: "
                                            "confirm the step backwards to record it", "confirm",
                                            client=client, current=current, stage=stage))

        return self._record(user, client, "handover", at, staff, summary, id, check=check, stage=stage)

    def _record(self, user: User, client: str, kind: str, at: datetime | None, staff: list[str] | None,
                summary: str | None, id: str | None, check: Callable[[Records, date], None] | None = None,
                **fields: Any) -> Change:
        summary = (summary or "").strip()
        when = self._when(at)
        people = {s.strip() for s in staff or [] if s and s.strip()}
        if acts_as_staff(user):
            people.add(user.staff)          # staff record what they took part in
        participants = tuple(sorted(people))
        scope = Scope(clients=(client,), people=participants, interactions=(id,) if id else ())

        def plan(snapshot: Snapshot):
            view = self._client(snapshot, client)
            day = day_in(when, self.zone)
            if check is not None:
                check(view, day)
            authorise_record(user, kind, view, day, self._today(), self.settings.ownership, self.zone)
            # Checked once the user may record here at all, so a refusal names the rule that matters first.
            if not summary:
                raise ChangeRefused(Message("say what happened in a few words", "summary"))
            if not people:
                # An interaction is something people did: "by" is never empty (a manager names who took part).
                raise ChangeRefused(Message("name at least one staff member who took part", "staff"))
            missing = sorted(people - set(snapshot.people))
            if missing:
                raise ChangeRefused(Message("unknown staff member {staff!r}", "staff", staff=missing[0]))
            stored = snapshot.interactions.get(id) if id else None
            moment = stored.at if stored is not None and at is None else when
            interaction_id = id or f"I-{_digest(client, kind, moment.isoformat(), ';'.join(participants), summary, sorted(fields.items()))}"
            interaction = Interaction(interaction_id, client, kind, moment, participants, summary=summary or None, **fields)
            action = "log" if kind in LOG_KINDS else kind
            entry = self._entry(user, action, f"client:{client}", None, interaction)
            records = Records(interactions=[interaction])
            if stored is not None:
                if stored != interaction:
                    raise Conflict(f"interaction {interaction_id} is already recorded with other content "
                                   f"({_difference(stored, interaction)}); use a new id")
                return None, Change(action, f"client:{client}", records, entry,
                                    f"{kind} {interaction_id} with {client} was already recorded")
            return Planned(records, entry), Change(action, f"client:{client}", records, entry,
                                                   f"recorded {kind} {interaction_id} with {client}")

        return self._apply(scope, plan)

    def record_need(self, user: User, client: str, summary: str, detected: date | None = None, source: str | None = None,
                    staff: str | None = None, id: str | None = None) -> Change:
        today = self._today()
        when = detected or today
        if when > today:
            raise ChangeRefused(Message("{day} is in the future", "detected", day=when.isoformat()))
        if not summary or not summary.strip():
            raise ChangeRefused(Message("a need needs a summary: what the client wants", "summary"))
        captured = user.staff if acts_as_staff(user) else staff      # staff record the needs they captured themselves
        scope = Scope(clients=(client,), people=tuple(p for p in {captured, user.staff} if p), needs=(id,) if id else ())

        def plan(snapshot: Snapshot):
            view = self._client(snapshot, client)
            authorise_record(user, "need", view, when, today, self.settings.ownership, self.zone)
            if captured is not None and captured not in snapshot.people:
                raise ChangeRefused(Message("unknown staff member {staff!r}", "captured", staff=captured))
            stored = snapshot.needs.get(id) if id else None
            day = stored.detected if stored is not None and detected is None else when
            need = Need(id or f"N-{_digest(client, day, summary, captured)}", client, day, summary.strip(), source, captured)
            entry = self._entry(user, "need", f"client:{client}", None, need)
            records = Records(needs=[need])
            if stored is not None:
                if stored != need:
                    raise Conflict(f"need {need.id} is already recorded with other content ({_difference(stored, need)}); "
                                   "use a new id")
                return None, Change("need", f"client:{client}", records, entry, f"need {need.id} of {client} was already recorded")
            return Planned(records, entry), Change("need", f"client:{client}", records, entry,
                                                   f"recorded need {need.id} of {client}")

        return self._apply(scope, plan)

    # -- coverage and teams ------------------------------------------------------------------
    def assign(self, user: User, staff: str, client: str, tier: str, role: str = "lead", since: date | None = None,
               exception: str | None = None) -> Change:
        """Make `staff` cover one stage of `client`. Someone from another tier covers it only as an exception a
        manager confirms with a reason (`exception`): it breaks split authority, so the reason goes in the audit."""
        require(user, "manage", "assign coverage")
        since = since or self._today()
        target = f"client:{client}"
        reason = (exception or "").strip() or None

        def plan(snapshot: Snapshot):
            view = self._client(snapshot, client)
            person = snapshot.staff.get(staff)
            if person is None:
                raise ChangeRefused(Message("unknown staff member {staff!r}", "staff", staff=staff))
            if tier not in {t.key for t in view.tiers}:
                raise ChangeRefused(Message("tier {tier!r} does not exist ({tiers})", "tier", tier=tier,
                                            tiers=", ".join(t.key for t in view.tiers)))
            if role not in COVERAGE_ROLES:
                raise ChangeRefused(Message("role {role!r} is not lead or backup", "role", role=role))
            if not staff_active(person.staff[0], since):
                raise ChangeRefused(Message("{staff} is not active on {since}", "since", staff=staff, since=since.isoformat()))
            if off_tier(person.staff[0], tier) and reason is None:
                raise ChangeRefused(Message(
                    "{staff} works in the {own} tier, not {tier}: covering another tier's stage breaks split authority; "
                    "confirm it as an exception and give the reason", "reason",
                    staff=staff, own=person.staff[0].tier or "no", tier=tier))
            coverage = Coverage(staff, client, tier, role, since, None)
            for existing in view.coverage:
                if existing.identity == coverage.identity and existing.until is None:
                    if existing.role == role:
                        return None, Change("assign", target, Records(), None,
                                            f"{staff} already covers {client} ({tier}) since {since}")
                elif (existing.staff, existing.tier) == (staff, tier) and span_active(existing.since, existing.until, since):
                    raise ChangeRefused(Message("{staff} already covers the {tier} stage of {client} since {since}; "
                                                "release it first", "staff", staff=staff, tier=tier, client=client,
                                                since=str(existing.since)))
            records = Records(coverage=[coverage])
            exceptional = off_tier(person.staff[0], tier)
            entry = self._entry(user, "assign", target, None,
                                {**_plain(coverage), "exception": reason} if exceptional else coverage)
            return Planned(records, entry), Change("assign", target, records, entry,
                                                   f"{staff} covers the {tier} stage of {client} from {since}")

        return self._apply(Scope(clients=(client,), staff=(staff,)), plan)

    def release(self, user: User, staff: str, client: str, tier: str, until: date | None = None) -> Change:
        require(user, "manage", "release coverage")
        until = until or self._today()
        target = f"client:{client}"

        def plan(snapshot: Snapshot):
            view = self._client(snapshot, client)
            mine = [c for c in view.coverage if (c.staff, c.tier) == (staff, tier)]
            if any(c.until == until for c in mine):
                return None, Change("release", target, Records(), None,
                                    f"{staff} already stopped covering {client} ({tier}) on {until}")
            open_ = [c for c in mine if can_end_on(c.since, c.until, until)]
            begun = [c for c in mine if c.since == until and span_active(c.since, c.until, until)]
            if not open_ and begun:
                # Covering from `since` means covering on that day: the earliest a coverage can end is the next day.
                raise ChangeRefused(Message(
                    "{staff} began covering the {tier} stage of {client} on {since}; a coverage ends at the earliest "
                    "the day after it begins ({next})", "until", staff=staff, tier=tier, client=client,
                    since=until.isoformat(), next=(until + timedelta(days=1)).isoformat()))
            if not open_:
                raise ChangeRefused(Message("{staff} does not cover the {tier} stage of {client} on {until}", "staff",
                                            staff=staff, tier=tier, client=client, until=until.isoformat()))
            before = open_[0]
            after = replace(before, until=until)
            records = Records(coverage=[after])
            entry = self._entry(user, "release", target, before, after)
            return Planned(records, entry), Change("release", target, records, entry,
                                                   f"{staff} stops covering the {tier} stage of {client} on {until}")

        return self._apply(Scope(clients=(client,), people=(staff,)), plan)

    def engage(self, user: User, team: str, client: str, since: date | None = None) -> Change:
        require(user, "manage", "move a team onto a client")
        since = since or self._today()
        target = f"client:{client}"

        def plan(snapshot: Snapshot):
            self._client(snapshot, client)
            view = snapshot.teams.get(team)
            if view is None:
                raise ChangeRefused(Message("unknown team {team!r}", "team", team=team))
            if any(e.client == client and span_active(e.since, e.until, since) for e in view.engagements):
                return None, Change("engage", target, Records(), None, f"{team} already engages {client}")
            engagement = Engagement(team, client, since, None)
            records = Records(engagements=[engagement])
            entry = self._entry(user, "engage", target, None, engagement)
            return Planned(records, entry), Change("engage", target, records, entry, f"{team} engages {client} from {since}")

        return self._apply(Scope(clients=(client,), teams=(team,)), plan)

    def disengage(self, user: User, team: str, client: str, until: date | None = None) -> Change:
        require(user, "manage", "move a team off a client")
        until = until or self._today()
        target = f"client:{client}"

        def plan(snapshot: Snapshot):
            view = snapshot.teams.get(team)
            if view is None:
                raise ChangeRefused(Message("unknown team {team!r}", "team", team=team))
            open_ = [e for e in view.engagements if e.client == client and can_end_on(e.since, e.until, until)]
            if not open_:
                raise ChangeRefused(Message("{team} does not engage {client} on {until}", "team", team=team, client=client,
                                            until=until.isoformat()))
            after = replace(open_[0], until=until)
            records = Records(engagements=[after])
            entry = self._entry(user, "disengage", target, open_[0], after)
            return Planned(records, entry), Change("disengage", target, records, entry,
                                                   f"{team} stops engaging {client} on {until}")

        return self._apply(Scope(clients=(client,), teams=(team,)), plan)

    # -- departures --------------------------------------------------------------------------
    def preview_leave(self, user: User, staff: str, on: date):
        """The departure_impact of this person leaving on `on`, with successors: shown before confirming."""
        require(user, "manage", "record a departure")
        if self.store.staff_view(staff) is None:
            raise ChangeRefused(Message("unknown staff member {staff!r}", "staff", staff=staff))
        from graphcrm.reports import run_report

        return run_report(self.store, "departure_impact", on, {"staff": [staff]}, self.settings.policy)

    def leave(self, user: User, staff: str, on: date) -> Change:
        """Record that `staff` leaves on `on`: end their coverage and memberships that day; history stays."""
        require(user, "manage", "record a departure")
        target = f"staff:{staff}"

        def plan(snapshot: Snapshot):
            view = snapshot.staff.get(staff)
            if view is None:
                raise ChangeRefused(Message("unknown staff member {staff!r}", "staff", staff=staff))
            person = view.staff[0]
            if person.left == on:
                return None, Change("leave", target, Records(), None, f"{staff} already leaves on {on}")
            if not staff_active(person, on):
                raise ChangeRefused(Message("{staff} is not active on {on} ({tenure})", "on", staff=staff, on=on.isoformat(),
                                            tenure=_tenure(person)))
            ended_coverage = [replace(c, until=on) for c in view.coverage if can_end_on(c.since, c.until, on)]
            ended_memberships = [replace(m, until=on) for m in view.memberships if can_end_on(m.since, m.until, on)]
            records = Records(staff=[replace(person, left=on)], coverage=ended_coverage, memberships=ended_memberships)
            entry = self._entry(user, "leave", target, {"left": person.left},
                                {"left": on, "coverage_ended": len(ended_coverage), "memberships_ended": len(ended_memberships)})
            return Planned(records, entry), Change(
                "leave", target, records, entry,
                f"{staff} leaves on {on}: {len(ended_coverage)} coverages and {len(ended_memberships)} memberships end")

        # The clients whose coverage ends are locked too: a staff member's write to one of them waits.
        view = self.store.staff_view(staff)
        clients = tuple(sorted({c.client for c in view.coverage})) if view else ()
        return self._apply(Scope(clients=clients, staff=(staff,)), plan)

    # -- coverage plans ------------------------------------------------------------------------------
    def apply_plan(self, user: User, plan, seen: str | None = None) -> Change:
        """Record a coverage_plan result as one audited change: every assignment and release, or none of them.

        `seen` is the fingerprint of the plan the person looked at (the API's; the CLI applies what it just
        printed): a different plan now is refused. Inside the transaction the clients and people the plan
        touches are read again; if a fact it relied on changed, it is refused with the reason; if every row
        is already in the graph, nothing is written (applying twice records it once).
        """
        require(user, "manage", "apply a coverage plan")
        from graphcrm.reports.planapply import plan_records

        fingerprint = plan.summary["fingerprint"]
        if seen is not None and seen != fingerprint:
            raise Conflict(f"the plan is stale: the graph changed since it was shown (fingerprint {seen}, now "
                           f"{fingerprint}); look at the new plan before applying it")
        target = f"plan:{plan.as_of.isoformat()}"
        if not plan.rows:
            return Change("plan", target, Records(), None, f"the plan of {plan.as_of} has nothing to change")
        scope = Scope(clients=tuple(sorted({r["client"] for r in plan.rows})),
                      staff=tuple(sorted({r["staff"] for r in plan.rows})))

        def in_transaction(snapshot: Snapshot):
            outcome = plan_records(plan, snapshot.clients, snapshot.staff)
            if outcome.done:
                return None, Change("plan", target, Records(), None, f"the plan of {plan.as_of} was already applied")
            if outcome.fingerprint != fingerprint:
                raise Conflict(f"the plan is stale: {outcome.reason}; compute it again")
            rows = [[r["action"], r["client"], r["tier"], r["staff"]] for r in plan.rows]
            entry = self._entry(user, "plan", target, None, {"as_of": plan.as_of, "leaving": plan.params.get("leaving") or [],
                                                             "fingerprint": fingerprint, "rows": rows})
            assigned = sum(1 for r in plan.rows if r["action"] == "assign")
            return Planned(outcome.records, entry), Change(
                "plan", target, outcome.records, entry,
                f"applied the plan of {plan.as_of}: {assigned} assignments, {len(plan.rows) - assigned} releases")

        return self._apply(scope, in_transaction)

    # -- bulk imports --------------------------------------------------------------------------------
    def import_records(self, user: User, records: Records, source: str,
                       progress: Callable[[int], None] | None = None, dry_run: bool = False) -> Change:
        """A validated import: the new and changed records upserted (re-importing changes nothing), then one audit
        entry of who imported what. The entry follows the data: it never claims an import that did not complete.
        A dry run only says what would change (`Change.plan`), and writes nothing."""
        from graphcrm.importplan import plan_import

        require(user, "import", "Importing data")
        plan = plan_import(records, self.store.stored_versions(records))
        target = f"import:{source}"
        if dry_run:
            return Change("import", target, plan.changes, None, f"dry run, nothing written: {plan.headline()}", plan)
        if not plan.nothing_changed:
            self.store.write(plan.changes, progress=progress)
        entry = self._entry(user, "import", target, None,
                            {"records": plan.as_dict(), "at": self.clock().isoformat()})
        self.store.write(Records(), audit=entry)
        if self.on_commit is not None and not plan.nothing_changed:
            self.on_commit()
        return Change("import", target, plan.changes, entry, f"imported: {plan.headline()}", plan)

    # -- the audit trail -----------------------------------------------------------------------
    def audit(self, user: User, actor: str | None = None, action: str | None = None, target: str | None = None,
              since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        from graphcrm.permissions import may

        if not may(user, "audit_all"):
            if actor not in (None, user.email):
                require(user, "audit_all", "the audit trail of others")
            actor = user.email
        return self.store.list_audit(actor=actor, action=action, target=target, since=since, limit=limit)


def _tenure(person) -> str:
    if person.left is not None:
        return f"they left on {person.left.isoformat()}"
    if person.joined is not None:
        return f"they join on {person.joined.isoformat()}"
    return "not employed then"


def _difference(stored, new) -> str:
    """The fields in which two records differ, in words: 'client K1 vs K2, summary ...'."""
    parts = []
    for name in stored.__dataclass_fields__:
        a, b = getattr(stored, name), getattr(new, name)
        if a != b:
            parts.append(f"{name} {_shown(a)} vs {_shown(b)}")
    return "; ".join(parts) or "same content"


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return ",".join(value) or "none"
    return repr(value)
