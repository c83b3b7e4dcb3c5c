"""The client page's forms: what each one sends to the service, read from the submitted fields.

A form only carries what a person chose: there is no hidden default that changes state (the
handover stage, the grade and the coverage role are always chosen; a step back to an earlier stage
and an off-tier assignment carry an explicit confirmation). Its fields are checked against the same
pydantic model as the action's API endpoint (graphcrm.webapp.schemas.parse_form); the rules are the
service's. A refusal names its field, so the page shows it beside that field and keeps what was typed.
"""

from __future__ import annotations

from typing import Mapping

from graphcrm.errors import N_, ChangeRefused, Message
from graphcrm.webapp.schemas import parse_form

__all__ = ["FORMS", "submit"]

#: The forms of the client page, in the order they are shown.
FORMS = ("log", "need", "assess", "handover", "assign", "release")

#: What a person must choose on each form (the model would say "Field required"; this says what to choose).
#: The words are in the catalogue (N_), so a refusal reads whole in the user's language.
_CHOSEN = {"log": (("kind", N_("kind of interaction")),), "assess": (("grade", N_("grade")),),
           "handover": (("stage", N_("stage the client moves to")),),
           "assign": (("staff", N_("staff member")), ("tier", N_("stage")), ("role", N_("role"))),
           "release": (("staff", N_("staff member")), ("tier", N_("stage")))}


def submit(action: str, client: str, form: Mapping[str, str], user, service):
    """Run one form through the service; the Change it made, or the refusal (naming the field)."""
    if action not in FORMS:
        raise ChangeRefused(Message("no form {action!r}", action=action))
    for field, what in _CHOSEN.get(action, ()):
        if not (form.get(field) or form.get(f"{field}_id") or "").strip():
            raise ChangeRefused(Message("choose the {what}", field, what=what))
    b = parse_form(action, client, form)           # the organisation's zone comes from the validation context
    if action == "log":
        return service.log_interaction(user, client, b.kind, b.at, b.staff or [], b.summary, b.amount)
    if action == "need":
        return service.record_need(user, client, b.summary, b.detected, b.source, b.staff)
    if action == "assess":
        return service.assess(user, client, b.grade, b.at, b.score, b.summary, b.staff or [])
    if action == "handover":
        return service.handover(user, client, b.stage, b.at, b.summary, b.staff or [], back=b.back)
    if action == "assign":
        return service.assign(user, b.staff, client, b.tier, b.role, b.since, b.exception)
    return service.release(user, b.staff, client, b.tier, b.until)
