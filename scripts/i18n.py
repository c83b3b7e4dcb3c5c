"""Keep the UI's message catalogues whole: find every string the UI shows, merge them into each language, list the gaps.

    .venv/bin/python scripts/i18n.py extract    # update web/translations/*/LC_MESSAGES/messages.po (translations kept)
    .venv/bin/python scripts/i18n.py check      # list what has no translation (tests/test_i18n.py runs the same check)

Strings come from three places: the templates (`_()`, `ngettext()`), the Python code (`gettext`, `N_`, `Message`,
and the page name given to `require`), and the report registry (each report's name in words, its description, its
columns' names and meanings, its parameters' names and meanings), so a new report or column cannot go untranslated.
The app compiles the .po files when it starts (graphcrm.webapp.i18n): there is no compiled file to keep.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TRANSLATIONS = ROOT / "web" / "translations"
PYTHON_KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "Message": None, "require": (3,), "lazy_gettext": None}
#: Python modules whose words reach the UI; the CLI's own modules stay English and are left out.
PYTHON = ["graphcrm/service.py", "graphcrm/permissions.py", "graphcrm/queries.py", "graphcrm/tables.py",
          "graphcrm/portfolio.py", "graphcrm/workqueue.py", "graphcrm/readmodel.py", "graphcrm/reports/__init__.py",
          "graphcrm/webapp/*.py"]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)(?:![rsa])?(?::[^}]*)?\}")


def _add(catalog: Catalog, msgid, where: str, line: int = 0) -> None:
    if not msgid or (isinstance(msgid, str) and not msgid.strip()):
        return
    existing = catalog.get(msgid if isinstance(msgid, str) else msgid[0])
    if existing is not None:
        existing.locations.append((where, line))
    else:
        catalog.add(msgid, locations=[(where, line)])


def _registry_words(catalog: Catalog) -> None:
    from graphcrm.permissions import ROLES
    from graphcrm.reports import catalogue
    from graphcrm.tables import label_of
    from graphcrm.webapp.params import CHOICES

    for spec in catalogue().values():
        where = f"registry:{spec.name}"
        _add(catalog, label_of(spec.name), where)
        _add(catalog, spec.doc, where)
        for name, doc in spec.columns:
            _add(catalog, label_of(name), where)
            _add(catalog, doc, where)
        for param in spec.params:
            _add(catalog, label_of(param.name), where)
            _add(catalog, param.doc, where)
    for words in [*ROLES, *(c for choices in CHOICES.values() for c in choices), "lead", "backup",
                  "tiers", "staff", "teams", "memberships", "clients", "coverage", "engagements", "interactions", "needs"]:
        _add(catalog, words, "registry:words")


def template_catalog() -> Catalog:
    """Every message the UI can show, with where it comes from."""
    catalog = Catalog(project="graphcrm", msgid_bugs_address="", charset="utf-8")
    for pattern in PYTHON:
        for path in sorted(ROOT.glob(pattern)):
            with path.open("rb") as handle:
                for line, msgid, _comments, _context in extract("python", handle, PYTHON_KEYWORDS):
                    _add(catalog, msgid, path.relative_to(ROOT).as_posix(), line)
    jinja = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}
    for path in sorted((ROOT / "web" / "templates").glob("*.html")):
        with path.open("rb") as handle:
            for line, msgid, _comments, _context in extract("jinja2.ext:babel_extract", handle, DEFAULT_KEYWORDS,
                                                            options=jinja):
                _add(catalog, msgid, path.relative_to(ROOT).as_posix(), line)
    _registry_words(catalog)
    return catalog


def languages() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def update() -> None:
    template = template_catalog()
    with (TRANSLATIONS / "messages.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True)
    for po in languages():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalog, ignore_obsolete=True, sort_output=True, width=120)
        print(f"{po.relative_to(ROOT)}: {len(gaps(po, template))} messages without a translation")


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def gaps(po: Path, template: Catalog | None = None) -> list[str]:
    """Messages of the UI that `po` does not translate, or translates with other placeholders than the English."""
    template = template or template_catalog()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parent.parent.name)
    found = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = catalog.get(ids[0])
        strings = translated.string if translated is not None else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(strings):
            found.append(f"untranslated: {ids[0]!r}")
            continue
        for text in strings:
            if placeholders(text) != placeholders(ids[0]):
                found.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    return found


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        update()
        return 0
    if argv[:1] == ["check"]:
        problems = [f"{po.relative_to(ROOT)}: {gap}" for po in languages() for gap in gaps(po)]
        print("\n".join(problems) or "every message is translated")
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
