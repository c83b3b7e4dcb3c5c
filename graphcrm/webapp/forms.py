"""The client page's forms: what each one sends to the service, read from the submitted fields.

A form only carries what a person chose: there is no hidden default that changes state (the
handover stage, the grade and the coverage role are always chosen; a step back to an earlier stage
and an off-tier assignment carry an explicit confirmation). A value that does not parse is refused
naming its field, like every refusal of the service, so the page can show it beside that field and
keep everything the person typed.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Callable, Mapping

from graphcrm.errors import ChangeRefused, GraphCRMError, Message
from graphcrm.permissions import LOG_KINDS
from graphcrm.times import parse_day, parse_moment

__all__ = ["FORMS", "submit", "people"]

#: The forms of the client page, in the order they are shown.
FORMS = ("log", "need", "assess", "handover", "assign", "release")


def people(raw: str | None) -> list[str]:
    """Staff ids from a participants field: commas, semicolons or spaces between them."""
    return [part for part in (raw or "").replace(";", ",").replace(" ", ",").split(",") if part]


def _number(form: Mapping[str, str], field: str) -> float | None:
    raw = (form.get(field) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", ""))
    except ValueError:
        raise ChangeRefused(Message("expected a number, got {value!r}", field, value=raw)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ChangeRefused(Message("expected a number, got {value!r}", field, value=raw))
    return value


def _day(form: Mapping[str, str], field: str) -> date | None:
    try:
        return parse_day(form.get(field), field)
    except GraphCRMError:
        raise ChangeRefused(Message("expected a day (YYYY-MM-DD), got {value!r}", field, value=form.get(field))) from None


def _moment(form: Mapping[str, str], zone: tzinfo) -> datetime | None:
    try:
        return parse_moment(form.get("at"), "at", zone)
    except GraphCRMError:
        raise ChangeRefused(Message("expected a day and a time, got {value!r}", "at", value=form.get("at"))) from None


def _chosen(form: Mapping[str, str], field: str, what: str) -> str:
    value = (form.get(field) or "").strip()
    if not value:
        raise ChangeRefused(Message("choose the {what}", field, what=what))
    return value


def submit(action: str, client: str, form: Mapping[str, str], user, service, zone: tzinfo):
    """Run one form through the service; the Change it made, or the service's refusal (naming the field)."""
    text: Callable[[str], str | None] = lambda field: (form.get(field) or "").strip() or None  # noqa: E731
    if action == "log":
        kind = _chosen(form, "kind", "kind of interaction")
        if kind not in LOG_KINDS:
            raise ChangeRefused(Message("{kind!r} is not a kind of interaction", "kind", kind=kind))
        return service.log_interaction(user, client, kind, _moment(form, zone), people(form.get("staff")), text("summary"),
                                       _number(form, "amount"))
    if action == "need":
        return service.record_need(user, client, form.get("summary") or "", _day(form, "detected"), text("source"),
                                   text("captured"))
    if action == "assess":
        return service.assess(user, client, _chosen(form, "grade", "grade"), _moment(form, zone), _number(form, "score"),
                              text("summary"), people(form.get("staff")))
    if action == "handover":
        return service.handover(user, client, _chosen(form, "stage", "stage the client moves to"), _moment(form, zone),
                                text("summary"), people(form.get("staff")), back=form.get("confirm") == "back")
    if action == "assign":
        return service.assign(user, _chosen(form, "staff", "staff member"), client, _chosen(form, "tier", "stage"),
                              _chosen(form, "role", "role"), _day(form, "since"), text("reason"))
    if action == "release":
        return service.release(user, _chosen(form, "staff", "staff member"), client, _chosen(form, "tier", "stage"),
                               _day(form, "until"))
    raise ChangeRefused(Message("no form {action!r}", action=action))
