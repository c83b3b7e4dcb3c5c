"""The UI's two languages (DESIGN 13): English and Simplified Chinese through Flask-Babel.

The catalogues are the `.po` files under web/translations/; they are compiled in memory when the
app starts (a few milliseconds), so a fresh clone, an editable install and a wheel all work with
no build step and no compiled `.mo` file can go stale. The language of a request is, in order:
the user's own choice (the switch in the header, kept in a cookie), `[organisation] locale`, the
browser's Accept-Language, English. The CLI never comes here: it stays English.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel import Locale
from babel.support import Translations
from flask import Flask, current_app, request
from flask_babel import Babel, get_locale, gettext

from graphcrm.errors import N_, Message
from graphcrm.paths import web_dir

__all__ = ["init_app", "LANGUAGES", "LANGUAGE_COOKIE", "load_catalogues", "translated", "current_language", "SCRIPT_WORDS",
           "script_words"]

#: Babel's name of each language the UI speaks -> the config file's name and the name shown in the switch.
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("en", "English"), "zh_CN": ("zh-CN", "简体中文")}
LANGUAGE_COOKIE = "graphcrm_language"
_DOMAIN = "messages"


def translations_dir() -> Path:
    return web_dir() / "translations"


def load_catalogues(folder: Path | None = None) -> dict[str, Translations]:
    """Every language's catalogue, compiled from its .po file in memory (English is the source: no catalogue)."""
    folder = folder or translations_dir()
    compiled: dict[str, Translations] = {"en": Translations()}
    for po in sorted(folder.glob(f"*/LC_MESSAGES/{_DOMAIN}.po")):
        language = po.parent.parent.name
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalogue, use_fuzzy=False)
        buffer.seek(0)
        compiled[language] = Translations(fp=buffer, domain=_DOMAIN)
    return compiled


def _from_config(name: str | None) -> str | None:
    return next((babel for babel, (config, _) in LANGUAGES.items() if config == name), None)


def choose_language() -> str:
    """The language of this request: the user's choice, the organisation's setting, the browser's, English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    configured = _from_config(current_app.extensions["graphcrm"].settings.locale)
    if configured:
        return configured
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"], default="en")
    return "zh_CN" if best.startswith("zh") else "en"


def current_language() -> str:
    """The request's language as a key of LANGUAGES (Babel parses "zh_CN" as zh_Hans_CN: the same language)."""
    locale = get_locale()
    if locale is None:
        return "en"
    return next((code for code in LANGUAGES if Locale.parse(code) == locale), "en")


def translated(message: Any) -> str:
    """A service or permission message in the request's language: its template translated, then filled.

    A `Message` names the field it is about; the field's label is translated too. Anything else
    is shown as it is (it is data, or already in words).
    """
    if not isinstance(message, Message):
        return str(message)
    text = gettext(message.template)
    # Values that are words (a capability's "who", a page's name) are in the catalogue too; ids and dates are not,
    # and gettext hands those back as they are.
    values = {k: gettext(v) if isinstance(v, str) and v else v for k, v in message.values.items()}
    try:
        text = text.format(**values) if values else text
    except (KeyError, IndexError, ValueError):
        text = str(message)            # a translation that lost a placeholder: the English is still right
    if message.field:
        return f"{gettext(field_label(message.field))}: {text}"
    return text


def field_label(field: str) -> str:
    """The words a form shows for one of its fields (the same words the catalogue translates)."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


#: Form fields as a person reads them; the catalogue translates these words.
FIELD_LABELS = {
    "summary": N_("Summary"), "staff": N_("Participants"), "kind": N_("Kind"), "at": N_("When"),
    "amount": N_("Amount"), "grade": N_("Grade"), "score": N_("Score"), "stage": N_("To stage"),
    "confirm": N_("Confirmation"), "tier": N_("Stage"), "role": N_("Role"), "since": N_("From"), "until": N_("Until"),
    "reason": N_("Reason for the exception"), "detected": N_("Detected"), "source": N_("Source"),
    "captured": N_("Captured by"), "on": N_("Leaves on"), "client": N_("Client"), "team": N_("Team"),
    "filter": N_("Filter"), "sort": N_("Sort"),
}


#: The words the page scripts show (web/static/js/words.js: t()); {name} is filled in by the script.
SCRIPT_WORDS = [
    N_("Teams · {count}"), N_("Clients · {count}"), N_("Staff without a tier · {count}"), N_("{tier} staff · {count}"),
    N_("looking…"), N_("No chain within reach between these two."), N_("{n} chains, best first:"), N_("1 chain:"),
    N_("1 hop, strength {strength}: {chain}"), N_("{hops} hops, strength {strength}: {chain}"),
    N_("Client"), N_("Staff member"), N_("Team"), N_("Tier"), N_("close"), N_("grade {grade}"), N_("stage: {stage}"),
    N_("value {value}"), N_("{tier} tier"), N_("no tier"), N_("left on {day}"), N_("stage {level}"),
    N_("key-person risk {risk}"), N_("no key-person risk"), N_("{loaded} of {total} neighbours shown"),
    N_("Show neighbours"), N_("Load {n} more"), N_("Focus"), N_("Unpin"), N_("Pin"), N_("Hide"), N_("Path from here"),
    N_("Path to here"), N_("Open the client page"), N_("Open the staff page"), N_("No results for “{text}”."),
    N_("{first}–{last} of {total} for “{text}”"), N_("no value"), N_("Show {n} hidden"),
    N_("No client has a key-person risk flag."), N_(" {key} · risk {risk} × value {value}"),
    N_("The result has no nodes or relationships to draw."), N_("{first} twelve months ago"),
    N_("The trend could not be worked out: {reason}"),
]


def script_words() -> dict[str, str]:
    """The scripts' words translated into the request's language (none on English pages: the scripts' own text)."""
    if current_language() == "en":
        return {}
    return {text: gettext(text) for text in SCRIPT_WORDS}


def init_app(app: Flask) -> None:
    babel = Babel(app, locale_selector=choose_language, default_domain=_DOMAIN)
    # Flask-Babel caches a catalogue per (locale, domain) on its domain; filling that cache here is
    # what "compiled at start" means: it never looks for .mo files on disk.
    with app.app_context():
        cache = babel.domain_instance.cache
    for language, catalogue in load_catalogues().items():
        # Flask-Babel looks a catalogue up by the parsed locale's name ("zh_CN" is parsed as zh_Hans_CN).
        cache[(str(Locale.parse(language)), _DOMAIN)] = catalogue
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language, translated=translated,
                                 script_words=script_words,
                                 field_label=field_label)
    # Words that come as data from the code (a column's name in words, a flag): translated where they are shown.
    app.jinja_env.filters.update(translate=lambda text: gettext(text) if text else text, translated=translated)
