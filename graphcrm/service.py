"""Every change the business makes: validated, checked against the acting user's role and tier, idempotent, audited.

The CLI, the web UI and the API all call these functions, so they cannot disagree. Split
authority (DESIGN sections 1 and 9) lives here and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from graphcrm.config import Settings
from graphcrm.errors import GraphCRMError
from graphcrm.model import (
    GRADES, ROLES as COVERAGE_ROLES, AuditEntry, Coverage, Engagement, Interaction, Need, Records,
)
from graphcrm.render import to_json_value
from graphcrm.timeline import span_active, staff_active, stage_on
from graphcrm.stores.users import User

__all__ = ["Service", "PermissionDenied", "ChangeRefused", "Change", "LOG_KINDS"]

LOG_KINDS = ("contact", "communication", "transaction")
_MANAGING = ("admin", "manager")
#: How far in the future an event may be dated (clock skew between a laptop and the server).
_FUTURE_SLACK = timedelta(minutes=5)


class PermissionDenied(GraphCRMError):
    """The acting user may not make this change; the message names the rule."""

    exit_code = 5


class ChangeRefused(GraphCRMError):
    """The change itself is wrong: unknown client, bad grade, a date that makes no sense."""

    exit_code = 2


@dataclass
class Change:
    """What a service call did: the records it wrote and the audit entry that records it."""

    action: str
    target: str
    records: Records
    audit: AuditEntry | None
    message: str


def _digest(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    return json.dumps(to_json_value(value), sort_keys=True, ensure_ascii=False)


class Service:
    """The write use-cases, over one store. `clock` is injectable so tests control 'now'."""

    def __init__(self, store, settings: Settings, clock: Callable[[], datetime] | None = None):
        self.store = store
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    # -- shared checks ---------------------------------------------------------------------
    def _client_view(self, client: str) -> Records:
        view = self.store.client_view(client)
        if view is None:
            raise ChangeRefused(f"unknown client {client!r}")
        return view

    def _staff_view(self, staff: str) -> Records:
        view = self.store.staff_view(staff)
        if view is None:
            raise ChangeRefused(f"unknown staff member {staff!r}")
        return view

    def _require_managing(self, user: User, what: str) -> None:
        if user.role not in _MANAGING:
            raise PermissionDenied(f"only managers and admins may {what} (you are {user.role})")

    def _when(self, at: datetime | None) -> datetime:
        now = self.clock()
        if at is None:
            return now
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        if at > now + _FUTURE_SLACK:
            raise ChangeRefused(f"{at.isoformat()} is in the future")
        return at.astimezone(timezone.utc)

    def _authorise(self, user: User, action: str, view: Records, day: date) -> None:
        """Split authority: staff record only for clients whose stage of their own tier they actively cover,
        and only what their tier owns. Managers and admins may record anything; analysts nothing."""
        if user.role in _MANAGING:
            return
        if user.role != "staff":
            raise PermissionDenied(f"{user.role}s read but do not record (rule: staff, managers and admins record)")
        if not user.staff:
            raise PermissionDenied("this staff login is not linked to a staff member")
        client = view.clients[0].id
        # Everyone who covers or covered the client is in its view; anyone else covers nothing of it.
        me = next((s for s in view.staff if s.id == user.staff), None)
        if me is None:
            raise PermissionDenied(f"split authority: {user.staff} does not cover {client}")
        if not staff_active(me, self.clock().date()):
            raise PermissionDenied(f"split authority: {user.staff} is no longer active, so records nothing")
        tier_key = me.tier
        levels = {t.key: t.level for t in view.tiers}
        if tier_key not in levels:
            raise PermissionDenied(f"split authority: {user.staff} has no tier, so owns no stage")
        if action == "handover":
            # The tier that holds the client's current stage is the one that hands it on.
            current = self._stage(view, day)
            if current != tier_key:
                raise PermissionDenied(f"split authority: {client} is in stage {current!r}; only its {current} tier hands it on, "
                                       f"not {tier_key}")
        else:
            owned = self.settings.ownership.get(levels[tier_key], ())
            if action not in owned:
                raise PermissionDenied(f"split authority: tier {tier_key} (level {levels[tier_key]}) records "
                                       f"{', '.join(owned) or 'nothing'}, not {action}")
        covers = any(c.staff == user.staff and c.tier == tier_key and span_active(c.since, c.until, day) for c in view.coverage)
        if not covers or not staff_active(me, day):
            raise PermissionDenied(f"split authority: {user.staff} does not actively cover the {tier_key} stage of {client} on {day}")

    @staticmethod
    def _stage(view: Records, day: date) -> str | None:
        first = next((t.key for t in sorted(view.tiers, key=lambda t: (t.level, t.key)) if t.level == 1), None)
        handovers = [i for i in view.interactions if i.kind == "handover"]
        return stage_on(view.clients[0].stage, handovers, day, first)

    def _participants(self, user: User, staff: list[str] | None, view: Records) -> tuple[str, ...]:
        people = set(staff or [])
        if user.role == "staff" and user.staff:
            people.add(user.staff)          # staff record what they took part in
        unknown = people - {s.id for s in view.staff}          # the client's coverers need no look-up
        missing = sorted(unknown - self.store.existing_staff(sorted(unknown))) if unknown else []
        if missing:
            raise ChangeRefused(f"unknown staff member {missing[0]!r}")
        return tuple(sorted(people))

    def _commit(self, user: User, action: str, target: str, records: Records, before: Any, after: Any, message: str) -> Change:
        after_json = _json(after)
        entry = AuditEntry(f"A-{_digest(action, target, after_json)}", self.clock(), user.email, action, target,
                           _json(before), after_json)
        self.store.write(records, audit=entry)
        return Change(action, target, records, entry, message)

    # -- recording interactions, assessments, handovers and needs ----------------------------
    def log_interaction(self, user: User, client: str, kind: str, at: datetime | None = None,
                        staff: list[str] | None = None, summary: str | None = None, amount: float | None = None,
                        id: str | None = None) -> Change:
        if kind not in LOG_KINDS:
            raise ChangeRefused(f"kind {kind!r}: log one of {', '.join(LOG_KINDS)} (assessments and handovers have their own commands)")
        return self._record(user, client, kind, at, staff, summary, id, amount=amount)

    def assess(self, user: User, client: str, grade: str, at: datetime | None = None, score: float | None = None,
               summary: str | None = None, staff: list[str] | None = None, id: str | None = None) -> Change:
        if grade not in GRADES:
            raise ChangeRefused(f"grade {grade!r} is not A, B or C")
        if score is not None and not 0 <= score <= 100:
            raise ChangeRefused(f"score {score} is not between 0 and 100")
        return self._record(user, client, "assessment", at, staff, summary, id, grade=grade, score=score)

    def handover(self, user: User, client: str, stage: str, at: datetime | None = None, summary: str | None = None,
                 staff: list[str] | None = None, id: str | None = None) -> Change:
        view = self._client_view(client)
        when = self._when(at)
        if stage not in {t.key for t in view.tiers}:
            raise ChangeRefused(f"stage {stage!r} is not a tier ({', '.join(t.key for t in view.tiers)})")
        current = self._stage(view, when.date())
        if stage == current:
            raise ChangeRefused(f"{client} is already in stage {stage!r}")
        return self._record(user, client, "handover", when, staff, summary, id, stage=stage, view=view)

    def _record(self, user: User, client: str, kind: str, at: datetime | None, staff: list[str] | None,
                summary: str | None, id: str | None, view: Records | None = None, **fields: Any) -> Change:
        view = view or self._client_view(client)
        when = self._when(at)
        self._authorise(user, kind, view, when.date())
        people = self._participants(user, staff, view)
        interaction_id = id or f"I-{_digest(client, kind, when.isoformat(), ';'.join(people), summary, sorted(fields.items()))}"
        interaction = Interaction(interaction_id, client, kind, when, people, summary=summary, **fields)
        return self._commit(user, "log" if kind in LOG_KINDS else kind, f"client:{client}", Records(interactions=[interaction]),
                            None, interaction, f"recorded {kind} {interaction_id} with {client}")

    def record_need(self, user: User, client: str, summary: str, detected: date | None = None, source: str | None = None,
                    staff: str | None = None, id: str | None = None) -> Change:
        view = self._client_view(client)
        today = self.clock().date()
        detected = detected or today
        if detected > today:
            raise ChangeRefused(f"detected {detected} is in the future")
        if not summary or not summary.strip():
            raise ChangeRefused("a need needs a summary")
        self._authorise(user, "need", view, detected)
        if user.role == "staff":
            staff = user.staff          # a staff member records the needs they captured themselves
        if staff is not None and not self.store.existing_staff([staff]):
            raise ChangeRefused(f"unknown staff member {staff!r}")
        need = Need(id or f"N-{_digest(client, detected, summary, staff)}", client, detected, summary.strip(), source, staff)
        return self._commit(user, "need", f"client:{client}", Records(needs=[need]), None, need,
                            f"recorded need {need.id} of {client}")

    # -- coverage and teams ------------------------------------------------------------------
    def assign(self, user: User, staff: str, client: str, tier: str, role: str = "lead", since: date | None = None) -> Change:
        self._require_managing(user, "assign coverage")
        since = since or self.clock().date()
        view = self._client_view(client)
        person = self._staff_view(staff).staff[0]
        if tier not in {t.key for t in view.tiers}:
            raise ChangeRefused(f"tier {tier!r} does not exist ({', '.join(t.key for t in view.tiers)})")
        if role not in COVERAGE_ROLES:
            raise ChangeRefused(f"role {role!r} is not lead or backup")
        if not staff_active(person, since):
            raise ChangeRefused(f"{staff} is not active on {since}")
        coverage = Coverage(staff, client, tier, role, since, None)
        for existing in view.coverage:
            if existing.identity == coverage.identity and existing.until is None:
                if existing.role == role:
                    return Change("assign", f"client:{client}", Records(), None, f"{staff} already covers {client} ({tier}) since {since}")
            elif (existing.staff, existing.tier) == (staff, tier) and span_active(existing.since, existing.until, since):
                raise ChangeRefused(f"{staff} already covers the {tier} stage of {client} since {existing.since}; release it first")
        return self._commit(user, "assign", f"client:{client}", Records(coverage=[coverage]), None, coverage,
                            f"{staff} covers the {tier} stage of {client} from {since}")

    def release(self, user: User, staff: str, client: str, tier: str, until: date | None = None) -> Change:
        self._require_managing(user, "release coverage")
        until = until or self.clock().date()
        view = self._client_view(client)
        mine = [c for c in view.coverage if (c.staff, c.tier) == (staff, tier)]
        if any(c.until == until for c in mine):
            return Change("release", f"client:{client}", Records(), None, f"{staff} already stopped covering {client} ({tier}) on {until}")
        open_ = [c for c in mine if span_active(c.since, c.until, until) and (c.since is None or c.since < until)]
        if not open_:
            raise ChangeRefused(f"{staff} does not cover the {tier} stage of {client} on {until}")
        before = open_[0]
        after = replace(before, until=until)
        return self._commit(user, "release", f"client:{client}", Records(coverage=[after]), before, after,
                            f"{staff} stops covering the {tier} stage of {client} on {until}")

    def engage(self, user: User, team: str, client: str, since: date | None = None) -> Change:
        self._require_managing(user, "move a team onto a client")
        since = since or self.clock().date()
        self._client_view(client)
        view = self.store.team_view(team)
        if view is None:
            raise ChangeRefused(f"unknown team {team!r}")
        engagement = Engagement(team, client, since, None)
        if any(e.client == client and span_active(e.since, e.until, since) for e in view.engagements):
            return Change("engage", f"client:{client}", Records(), None, f"{team} already engages {client}")
        return self._commit(user, "engage", f"client:{client}", Records(engagements=[engagement]), None, engagement,
                            f"{team} engages {client} from {since}")

    def disengage(self, user: User, team: str, client: str, until: date | None = None) -> Change:
        self._require_managing(user, "move a team off a client")
        until = until or self.clock().date()
        view = self.store.team_view(team)
        if view is None:
            raise ChangeRefused(f"unknown team {team!r}")
        open_ = [e for e in view.engagements if e.client == client and span_active(e.since, e.until, until)
                 and (e.since is None or e.since < until)]
        if not open_:
            raise ChangeRefused(f"{team} does not engage {client} on {until}")
        after = replace(open_[0], until=until)
        return self._commit(user, "disengage", f"client:{client}", Records(engagements=[after]), open_[0], after,
                            f"{team} stops engaging {client} on {until}")

    # -- departures --------------------------------------------------------------------------
    def preview_leave(self, user: User, staff: str, on: date):
        """The departure_impact of this person leaving on `on`, with successors: shown before confirming."""
        self._require_managing(user, "record a departure")
        self._staff_view(staff)
        from graphcrm.reports import run_report

        return run_report(self.store, "departure_impact", on, {"staff": [staff]}, self.settings.policy)

    def leave(self, user: User, staff: str, on: date) -> Change:
        """Record that `staff` leaves on `on`: end their coverage and memberships that day; history stays."""
        self._require_managing(user, "record a departure")
        view = self._staff_view(staff)
        person = view.staff[0]
        if person.left == on:
            return Change("leave", f"staff:{staff}", Records(), None, f"{staff} already leaves on {on}")
        if not staff_active(person, on):
            raise ChangeRefused(f"{staff} is not active on {on} (joined {person.joined}, left {person.left})")
        ended_coverage = [replace(c, until=on) for c in view.coverage
                          if span_active(c.since, c.until, on) and (c.since is None or c.since < on)]
        ended_memberships = [replace(m, until=on) for m in view.memberships
                             if span_active(m.since, m.until, on) and (m.since is None or m.since < on)]
        after_person = replace(person, left=on)
        records = Records(staff=[after_person], coverage=ended_coverage, memberships=ended_memberships)
        return self._commit(user, "leave", f"staff:{staff}", records, {"left": person.left},
                            {"left": on, "coverage_ended": len(ended_coverage), "memberships_ended": len(ended_memberships)},
                            f"{staff} leaves on {on}: {len(ended_coverage)} coverages and {len(ended_memberships)} memberships end")

    # -- the audit trail -----------------------------------------------------------------------
    def audit(self, user: User, actor: str | None = None, action: str | None = None, target: str | None = None,
              since: datetime | None = None, limit: int = 100) -> list[AuditEntry]:
        if user.role == "staff":
            if actor not in (None, user.email):
                raise PermissionDenied("staff see only their own changes in the audit trail")
            actor = user.email
        return self.store.list_audit(actor=actor, action=action, target=target, since=since, limit=limit)
