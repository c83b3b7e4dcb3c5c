"""Numbers, money, shares and dates for people, in the request's language (Babel): the one place the UI formats a value.

Every filter takes None and shows a dash, so a template never writes its own "if none" branch.
Money uses `[organisation] currency` (DESIGN 13); without one, values are plain grouped numbers.
Moments are shown to the minute in the organisation's time zone, never with microseconds.
"""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_compact_currency, format_compact_decimal, format_currency, format_decimal, format_percent
from flask import Flask, current_app
from flask_babel import get_locale, gettext, ngettext

__all__ = ["init_app", "money", "money_short", "percent", "number", "day", "moment", "days", "grade", "BLANK"]

BLANK = "—"


def _locale():
    return get_locale() or "en"


def _currency() -> str | None:
    return current_app.extensions["graphcrm"].settings.currency


def _zone() -> tzinfo:
    """The organisation's time zone: the UI shows moments on its clock."""
    return current_app.extensions["graphcrm"].settings.policy.zone


def money(value: Any) -> str:
    """A client's value or a sum of values: whole units, grouped, with the organisation's currency sign."""
    if value is None:
        return BLANK
    currency = _currency()
    if currency:
        return format_currency(round(float(value)), currency, format="¤#,##0", currency_digits=False, locale=_locale())
    return format_decimal(round(float(value)), format="#,##0", locale=_locale())


def money_short(value: Any) -> str:
    """Money in a headline figure: 5.6M, 556.8万."""
    if value is None:
        return BLANK
    currency = _currency()
    if currency:
        return format_compact_currency(float(value), currency, fraction_digits=1, locale=_locale())
    return format_compact_decimal(float(value), fraction_digits=1, locale=_locale())


def percent(share: Any) -> str:
    """A share (0.184) as a percentage (18.4%)."""
    if share is None:
        return BLANK
    return format_percent(float(share), format="#,##0.#%", locale=_locale())


def number(value: Any) -> str:
    """A count or a measure: grouped, at most 3 decimals, no trailing zeros."""
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return format_decimal(value, format="#,##0.###", locale=_locale())


def day(value: Any) -> str:
    """A calendar day in words (1 Mar 2026, 2026年3月1日); a moment shows its day on the organisation's clock."""
    if value is None or value == "":
        return BLANK
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    return format_date(value, "medium", locale=_locale())


def moment(value: Any) -> str:
    """A moment to the minute on the organisation's clock: never seconds or microseconds."""
    if value is None:
        return BLANK
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(_zone())
    return f"{format_date(local.date(), 'medium', locale=_locale())} {format_time(local, 'HH:mm', locale=_locale())}"


def days(value: Any) -> str:
    if value is None:
        return BLANK
    return ngettext("%(num)s day", "%(num)s days", int(value))      # Flask-Babel fills num itself


def grade(value: Any) -> str:
    """A grade as shown: A, B, C, or 'ungraded' in words."""
    if value in (None, "", "ungraded"):
        return gettext("ungraded")
    return str(value)


def init_app(app: Flask) -> None:
    from graphcrm.tables import label_of

    app.jinja_env.filters.update(money=money, money_short=money_short, percent=percent, number=number, day=day,
                                 moment=moment, days=days, grade=grade, words=label_of)
    app.jinja_env.globals.update(BLANK=BLANK)
