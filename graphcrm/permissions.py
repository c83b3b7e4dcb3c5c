"""Who may do what (DESIGN sections 1 and 9): the one place that answers "may this user do this here, on this day".

The service enforces these answers inside the write transaction; the pages, the API and the CLI
ask the same functions which forms, buttons and links to show, so nobody is offered what will be
refused. Roles and their capabilities are written here and nowhere else.

Split authority: a staff member records only for clients whose stage of their own tier they
actively cover, both today and on the day of the event, and only what their tier owns
(`[ownership]` in the config); a handover is made by the tier holding the client's current stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timezone, tzinfo
from typing import Iterable, Mapping

from graphcrm.errors import PermissionDenied, UserError
from graphcrm.model import Records, Staff
from graphcrm.rules import coverage_active, first_tier, membership_active, span_active, staff_active, stage_on

__all__ = [
    "User", "ROLES", "CAPABILITIES", "RECORD_ACTIONS", "LOG_KINDS", "MANAGE_ACTIONS",
    "may", "require", "refusal", "authorise_record", "client_actions", "may_read_client", "require_read_client",
    "may_read_staff", "require_read_staff", "acts_as_staff", "check_login", "Reach", "explorer_reach",
]

ROLES = ("admin", "manager", "analyst", "staff")

#: Capability -> the roles that have it.
CAPABILITIES: dict[str, frozenset[str]] = {
    "read_all": frozenset({"admin", "manager", "analyst"}),     # dashboard, reports, graph, every client and staff page
    "console": frozenset({"admin", "manager", "analyst"}),      # the Cypher console and named queries
    "audit_all": frozenset({"admin", "manager", "analyst"}),    # everyone's audit entries (staff: their own)
    "explore": frozenset({"admin", "manager", "analyst", "staff"}),  # the graph explorer (staff: within their Reach)
    "manage": frozenset({"admin", "manager"}),                  # coverage, teams, departures, plans; record anything
    "import": frozenset({"admin"}),                             # bulk imports
    "users": frozenset({"admin"}),                              # logins and tokens
}

#: What each capability is called in a refusal ("<what> is for ...").
_WHO = {
    "read_all": "managers, analysts and admins; staff see the clients they cover",
    "console": "managers, analysts and admins",
    "audit_all": "managers, analysts and admins; staff see only their own changes in the audit trail",
    "explore": "every user (staff see themselves, their teams and the clients they may read)",
    "manage": "only managers and admins",
    "import": "only admins",
    "users": "only admins",
}

LOG_KINDS = ("contact", "communication", "transaction")
#: What can be recorded about a client; each tier owns some of these (split authority).
RECORD_ACTIONS = LOG_KINDS + ("need", "assessment", "handover")
#: Changes to who covers or engages a client: managers and admins only.
MANAGE_ACTIONS = ("assign", "release", "engage", "disengage")


@dataclass(frozen=True)
class User:
    email: str
    role: str
    staff: str | None = None       # the staff member this login is (required for the staff role)

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"


def acts_as_staff(user: User) -> bool:
    """A staff login records as its own staff member: it takes part in what it logs and captures the needs it records."""
    return user.role == "staff" and bool(user.staff)


def check_login(role: str, staff: str | None) -> None:
    """A login's role must exist, and a staff login must say which staff member it is."""
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (use {', '.join(ROLES)})")
    if role == "staff" and not staff:
        raise UserError("a staff user needs --staff ID (the staff member they are)")


# -- capabilities --------------------------------------------------------------------------------
def may(user: User | None, capability: str) -> bool:
    return user is not None and user.role in CAPABILITIES[capability]


def require(user: User, capability: str, what: str) -> None:
    """Raise PermissionDenied naming who may, unless `user` has `capability`."""
    if not may(user, capability):
        who = _WHO[capability]
        if capability == "manage":
            raise PermissionDenied(f"only managers and admins may {what} (you are {user.role})")
        raise PermissionDenied(f"{what} is for {who}")


# -- recording about a client (split authority) -----------------------------------------------------
def refusal(user: User, action: str, view: Records, day: date, today: date,
            ownership: Mapping[int, Iterable[str]], zone: tzinfo = timezone.utc) -> str | None:
    """Why `user` may not record `action` for the client of `view` dated `day` (None: they may).

    `view` is the client's view: the client, every tier, its coverage with the coverers' staff
    records, and its handovers. `today` is when the change is made: a person's authority is the
    one they hold now, whatever day the event is dated. Days are the organisation's (`zone`).
    """
    if may(user, "manage"):
        return None
    if action in MANAGE_ACTIONS:
        return f"only managers and admins may {action} (you are {user.role})"
    if user.role != "staff":
        return f"{user.role}s read but do not record (rule: staff, managers and admins record)"
    if not user.staff:
        return "this staff login is not linked to a staff member"
    client = view.clients[0].id
    # Everyone who covers or covered the client is in its view; anyone else covers nothing of it.
    me = next((s for s in view.staff if s.id == user.staff), None)
    if me is None:
        return f"split authority: {user.staff} does not cover {client}"
    if not staff_active(me, today):
        return f"split authority: {user.staff} is no longer active, so records nothing"
    levels = {t.key: t.level for t in view.tiers}
    tier = me.tier
    if tier not in levels:
        return f"split authority: {user.staff} has no tier, so owns no stage"
    if action == "handover":
        # The tier that holds the client's current stage is the one that hands it on.
        current = client_stage(view, day, zone)
        if current != tier:
            return f"split authority: {client} is in stage {current!r}; only its {current} tier hands it on, not {tier}"
    else:
        owned = tuple(ownership.get(levels[tier], ()))
        if action not in owned:
            return f"split authority: tier {tier} (level {levels[tier]}) records {', '.join(owned) or 'nothing'}, not {action}"
    staff = {s.id: s for s in view.staff}
    for when in sorted({day, today}):
        covers = any(c.staff == user.staff and c.tier == tier and coverage_active(c, staff, when) for c in view.coverage)
        if not covers:
            return f"split authority: {user.staff} does not actively cover the {tier} stage of {client} on {when}"
    return None


def authorise_record(user: User, action: str, view: Records, day: date, today: date,
                     ownership: Mapping[int, Iterable[str]], zone: tzinfo = timezone.utc) -> None:
    reason = refusal(user, action, view, day, today, ownership, zone)
    if reason is not None:
        raise PermissionDenied(reason)


def client_stage(view: Records, day: date, zone: tzinfo = timezone.utc) -> str | None:
    """The client's stage on `day` (in `zone`), from its view (latest handover, else declared, else the first tier)."""
    handovers = [i for i in view.interactions if i.kind == "handover"]
    return stage_on(view.clients[0].stage, handovers, day, first_tier(view.tiers), zone)


def client_actions(user: User, view: Records, today: date, ownership: Mapping[int, Iterable[str]],
                   zone: tzinfo = timezone.utc) -> set[str]:
    """Everything `user` may do to this client today: the forms and buttons a page offers."""
    actions = {a for a in RECORD_ACTIONS if refusal(user, a, view, today, today, ownership, zone) is None}
    if may(user, "manage"):
        actions |= set(MANAGE_ACTIONS)
    return actions


# -- reading ---------------------------------------------------------------------------------------
def may_read_client(user: User, client_view: Records, my_view: Records | None, today: date) -> bool:
    """Staff read the clients they actively cover today and those their active teams engage today.

    Decided on today, whatever day a page shows: a released or departed person reads nothing of
    the client, in the past either.
    """
    if may(user, "read_all"):
        return True
    if user.role != "staff" or not user.staff or my_view is None:
        return False
    me = my_view.staff[0]
    staff = {me.id: me, **{s.id: s for s in client_view.staff}}
    if any(c.staff == user.staff and coverage_active(c, staff, today) for c in client_view.coverage):
        return True
    teams = {m.team for m in my_view.memberships if membership_active(m, {me.id: me}, today)}
    return any(e.team in teams and span_active(e.since, e.until, today) for e in client_view.engagements)


def require_read_client(user: User, client_view: Records, my_view: Records | None, today: date) -> None:
    if not may_read_client(user, client_view, my_view, today):
        raise PermissionDenied(f"you do not cover {client_view.clients[0].id} and none of your teams engages it")


def may_read_staff(user: User, staff: str) -> bool:
    return may(user, "read_all") or (user.role == "staff" and user.staff == staff)


def require_read_staff(user: User, staff: str) -> None:
    if not may_read_staff(user, staff):
        raise PermissionDenied("staff see their own page only")


def active_person(person: Staff | None, today: date) -> bool:
    """Whether a staff login may still act at all: its staff member has not left."""
    return person is not None and staff_active(person, today)


# -- the graph explorer ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """What a staff user may see and open in the graph explorer today: themselves, their active teams and the
    clients they may read (the rule of may_read_client, for all their clients at once)."""

    staff: str
    teams: frozenset[str]
    clients: frozenset[str]            # every client they may read: covered today, or engaged today by one of their teams
    covered: frozenset[str]            # the clients they cover today: their own clients

    def may_open(self, label: str, key: str) -> bool:
        """Whether they may open this node (see its neighbours): themselves, one of their teams, a client they may read."""
        return ((label == "Staff" and key == self.staff) or (label == "Team" and key in self.teams)
                or (label == "Client" and key in self.clients))

    def nodes(self) -> list[str]:
        """The nodes they may open, as 'Label:key' (what their search looks through)."""
        return sorted([f"Staff:{self.staff}"] + [f"Team:{t}" for t in self.teams] + [f"Client:{c}" for c in self.clients])


def explorer_reach(user: User, my_view: Records | None, team_views: Iterable[Records], today: date) -> Reach | None:
    """None when `user` reads the whole graph; else their Reach. `team_views` are the views of the teams they belong to.

    Decided on today, like may_read_client: a released or departed person reaches nothing.
    """
    if may(user, "read_all"):
        return None
    if not may(user, "explore") or not user.staff or my_view is None:
        raise PermissionDenied("The graph explorer is for " + _WHO["explore"] + "; this login is not linked to a staff member")
    me = my_view.staff[0]
    people = {me.id: me}
    covered = {c.client for c in my_view.coverage if coverage_active(c, people, today)}
    teams = {m.team for m in my_view.memberships if membership_active(m, people, today)}
    engaged = {e.client for view in team_views for e in view.engagements
               if e.team in teams and span_active(e.since, e.until, today)}
    return Reach(me.id, frozenset(teams), frozenset(covered | engaged), frozenset(covered))
