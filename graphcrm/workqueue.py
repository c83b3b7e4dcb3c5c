"""A staff member's home: the clients they cover, most urgent first, each with the next thing to do and why.

Urgency, in order: days until the client goes stale (never contacted and overdue first), then open
needs (needs detected after the client's last communication or transaction: nobody has answered
them yet), then whether the client sits in the person's own stage (the handover is theirs to
make), then grade (A first). The next action is always one the permission model lets this person
take today, so the form beside it never ends in a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from graphcrm.config import Settings
from graphcrm.errors import Message
from graphcrm.model import Need, grade_rank
from graphcrm.permissions import LOG_KINDS, User, client_actions, client_stage, stage_choices
from graphcrm.rules import coverage_active, grade_on, latest_on_or_before
from graphcrm.stores.protocol import Scope
from graphcrm.times import day_in

__all__ = ["QueueItem", "work_queue", "SOON_DAYS"]

#: A client this close to its silence limit is contacted next.
SOON_DAYS = 7


@dataclass
class QueueItem:
    client: str
    grade: str
    stage: str | None
    tiers: list[str]                    # the stages of this client the person covers
    role: str | None
    last: date | None                   # day of the last interaction
    days_silent: int | None
    limit: int                          # max_silence_days for the grade
    open_needs: list[Need]
    waiting: bool                       # the client sits in the person's own stage
    days_in_stage: int | None
    stage_limit: int
    actions: list[str]                  # what the person may record for this client today
    next: str | None = None             # the next action: a log kind, "need", "assessment" or "handover"
    why: str = ""                       # that action's reason in one sentence (a Message: the UI translates it)
    stages: list[tuple[str, str]] = field(default_factory=list)     # a handover form's choices

    @property
    def days_to_stale(self) -> int | None:
        """Days left before the client is stale (negative: overdue); None when nobody ever interacted."""
        return None if self.days_silent is None else self.limit - self.days_silent

    def urgency(self) -> tuple[Any, ...]:
        to_stale = -10**9 if self.days_to_stale is None else self.days_to_stale
        return (to_stale, -len(self.open_needs), not self.waiting, grade_rank(self.grade), self.client)


def _day(moment, zone) -> date | None:
    return day_in(moment, zone) if moment is not None else None


def work_queue(store, settings: Settings, user: User, day: date, today: date | None = None) -> list[QueueItem]:
    """The clients `user`'s staff member actively covers on `day`, most urgent first (empty without a staff record)."""
    today = today or date.today()
    if not user.staff:
        return []
    mine = store.views(Scope(staff=(user.staff,))).staff.get(user.staff)
    if mine is None:
        return []
    me = mine.staff[0]
    covering: dict[str, list] = {}
    for c in mine.coverage:
        if coverage_active(c, {me.id: me}, day):
            covering.setdefault(c.client, []).append(c)
    if not covering:
        return []
    clients = sorted(covering)
    views = store.views(Scope(clients=tuple(clients))).clients
    policy = settings.policy
    zone = policy.zone
    activity = store.client_activity(clients, day, policy.timezone)
    items = []
    for client in clients:
        view = views.get(client)
        if view is None:
            continue
        record = view.clients[0]
        assessments = [i for i in view.interactions if i.kind == "assessment"]
        grade = grade_on(record.grade, assessments, day, zone)
        stage = client_stage(view, day, zone)
        handed = latest_on_or_before([i for i in view.interactions if i.kind == "handover"], day, zone)
        seen = activity.get(client)
        last = _day(seen.last, zone) if seen else None
        answered = _day(seen.answered, zone) if seen else None
        needs = [n for n in (seen.needs if seen else []) if answered is None or n.detected > answered]
        tiers = sorted({c.tier for c in covering[client]})
        item = QueueItem(
            client=client, grade=grade, stage=stage, tiers=tiers, role=covering[client][0].role, last=last,
            days_silent=(day - last).days if last else None, limit=policy.max_silence_days[grade], open_needs=needs,
            waiting=stage in tiers, days_in_stage=(day - day_in(handed.at, zone)).days if handed else None,
            stage_limit=policy.stage_limit(stage),
            actions=sorted(client_actions(user, view, today, settings.ownership, zone)),
            stages=stage_choices(view, day, zone))
        item.next, item.why = next_action(item)
        items.append(item)
    items.sort(key=QueueItem.urgency)
    return items


def next_action(item: QueueItem) -> tuple[str | None, str]:
    """The first thing worth doing that this person may do, and why, in one sentence."""
    may = set(item.actions)
    log = next((k for k in LOG_KINDS if k in may), None)
    answer = next((k for k in ("communication", "transaction") if k in may), None)
    if log and item.days_silent is None:
        return log, Message("Nobody has been in touch with this client yet.")
    if log and item.days_to_stale is not None and item.days_to_stale < 0:
        return log, Message("Silent for {days} days; grade {grade} allows {limit}.", days=item.days_silent,
                            grade=item.grade, limit=item.limit)
    if log and item.days_to_stale is not None and item.days_to_stale <= SOON_DAYS:
        return log, Message("Stale in {left} days: silent for {days}, grade {grade} allows {limit}.",
                            left=item.days_to_stale, days=item.days_silent, grade=item.grade, limit=item.limit)
    if answer and item.open_needs:
        latest = item.open_needs[0].summary or item.open_needs[0].id
        if len(item.open_needs) == 1:
            return answer, Message("A need waits for an answer: {summary}.", summary=latest)
        return answer, Message("{count} needs wait for an answer; the latest: {summary}.", count=len(item.open_needs),
                               summary=latest)
    if "handover" in may and item.waiting and item.days_in_stage is not None and item.days_in_stage > item.stage_limit:
        return "handover", Message("In your stage for {days} days; the policy allows {limit}.", days=item.days_in_stage,
                                   limit=item.stage_limit)
    if "assessment" in may and item.grade == "ungraded":
        return "assessment", Message("Not graded yet: the grade decides how it is worked.")
    if log:
        return log, Message("Keep in touch: the next contact is due within {left} days.", left=item.days_to_stale)
    if "need" in may:
        return "need", Message("Record what the client needs next.")
    return None, ""
