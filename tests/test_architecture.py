"""The house's structure as tests: imports only run down the layers, one registry entry per report, one home per rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "graphcrm"

#: The layers, lowest first. A module may import from its own layer or a lower one, never a higher one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("graphcrm.errors", "graphcrm.model", "graphcrm.paths", "graphcrm.bulk", "graphcrm.csvformat")),
    ("domain", ("graphcrm.rules", "graphcrm.times", "graphcrm.config", "graphcrm.render", "graphcrm.queries",
                "graphcrm.graphindex", "graphcrm.activity", "graphcrm.guard", "graphcrm.permissions", "graphcrm.generator",
                "graphcrm.exporter", "graphcrm.importer", "graphcrm.mapping", "graphcrm.sources",
                "graphcrm.importplan")),
    ("reports", ("graphcrm.reports",)),
    ("stores", ("graphcrm.stores",)),
    ("application", ("graphcrm.service", "graphcrm.folderimport", "graphcrm.readmodel", "graphcrm.analyst", "graphcrm.graphview",
                     "graphcrm.tables", "graphcrm.workqueue", "graphcrm.portfolio")),
    ("edges", ("graphcrm.cli", "graphcrm.webapp")),
]


def _layer(module: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """Every graphcrm module `path` imports, at any depth (lazy imports inside functions count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("graphcrm")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.startswith("graphcrm"):
                out.append((node.lineno, target))
                # `from graphcrm.reports import analytics` imports the module graphcrm.reports.analytics
                out += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
    return out


def test_every_module_has_a_layer():
    unplaced = [m for m in _modules() if m != "graphcrm" and _layer(m) is None]
    assert unplaced == [], f"place these modules in a layer of tests/test_architecture.py: {unplaced}"


def test_imports_never_run_back_up_a_layer():
    modules = _modules()
    climbs = []
    for module, path in modules.items():
        if module == "graphcrm":
            continue            # the package's face hands on the public API
        mine = _layer(module)
        for line, target in _imports(path, module):
            theirs = _layer(target)
            if target in modules and theirs is not None and mine is not None and theirs > mine:
                climbs.append(f"{path.relative_to(ROOT)}:{line}: {module} ({LAYERS[mine][0]}) imports "
                              f"{target} ({LAYERS[theirs][0]})")
    assert climbs == [], "\n".join(climbs)


def test_the_reports_never_import_a_store():
    for path in (PACKAGE / "reports").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        assert not [t for _, t in _imports(path, module) if t.startswith("graphcrm.stores")], path


# -- the report registry -----------------------------------------------------------------------------
def test_every_report_has_a_twin_and_every_twin_a_report():
    from graphcrm.queries import library
    from graphcrm.reports import catalogue
    from graphcrm.reports.registry import twins

    entries = catalogue()
    queries = {entry.query for entry in entries.values()}
    registered = twins()
    assert sorted(q for q in queries if q not in registered) == [], "reports whose query has no embedded twin"
    assert sorted(q for q in registered if q not in queries) == [], "twins that no report uses"
    report_files = {q.name for q in library() if q.kind in ("report", "extract") and "reports" in q.path.parts}
    assert report_files == queries, "every file in cypher/reports/ belongs to a registry entry, and back"


def test_every_twin_says_which_cypher_file_it_mirrors():
    from graphcrm.queries import library
    from graphcrm.reports.registry import twins

    for query, function in twins().items():
        relative = library()[query].path.relative_to(ROOT).as_posix()
        assert function.__doc__ and relative in function.__doc__, f"{function.__name__} must name {relative}"


def test_no_code_outside_the_registry_asks_which_report_it_is():
    from graphcrm.reports import catalogue

    names = "|".join(catalogue())
    pattern = re.compile(rf"""(==|!=)\s*["']({names})["']|["']({names})["']\s*(==|!=)""")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in PACKAGE.rglob("*.py") if p.name != "entries.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_the_cypher_readme_lists_every_report_with_its_file_and_twin():
    from graphcrm.reports import catalogue

    readme = (ROOT / "cypher" / "README.md").read_text(encoding="utf-8")
    for entry in catalogue().values():
        row = re.search(rf"^\| `{entry.name}` \|.*$", readme, re.M)
        assert row, f"cypher/README.md has no row for {entry.name}"
        assert f"{entry.named.path.relative_to(ROOT / 'cypher').as_posix()}" in row.group(0)
        assert entry.twin.__name__ in row.group(0)


# -- one home for each rule --------------------------------------------------------------------------
_ROLE = r"""["'](?:admin|manager|analyst|staff)["']"""
# A role check, or a tuple of roles ("staff" and "manager" alone are also a record kind and a column).
ROLE_CHECK = re.compile(rf"user\.role\s*(==|!=|in\b|not in\b)|role\s*(==|!=)\s*{_ROLE}|"
                        rf"[\"'](admin|analyst)[\"']\s*,|,\s*[\"'](admin|analyst)[\"']")


@pytest.mark.parametrize("folder", ["graphcrm", "web/templates"])
def test_roles_are_named_only_in_the_permission_module(folder):
    offenders = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p in (ROOT / folder).rglob("*")
                 if p.is_file() and p.suffix in (".py", ".html") and p != PACKAGE / "permissions.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ROLE_CHECK.search(line)]
    assert offenders == [], "\n".join(offenders)


def test_every_error_class_lives_in_errors_py():
    base_names = re.compile(r"^class (\w+)\((\w*(Error|Denied|Refused|Failed|Conflict|Unavailable|Unknown|Timeout)\w*)\)", re.M)
    offenders = [f"{p.relative_to(ROOT)}: {m.group(1)}" for p in PACKAGE.rglob("*.py") if p.name != "errors.py"
                 for m in base_names.finditer(p.read_text(encoding="utf-8")) if not m.group(1).startswith("_")]
    assert offenders == []


def test_every_error_knows_its_exit_code_and_http_status():
    import graphcrm.errors as errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.GraphCRMError):
            assert isinstance(cls.exit_code, int) and cls.exit_code > 0, name
            assert 400 <= cls.http_status <= 599, name


def test_the_store_protocol_is_whole():
    """Both stores implement every method of the protocol; the analyst capability is its own protocol."""
    from graphcrm.stores.embedded import EmbeddedStore
    from graphcrm.stores.neo4j_store import Neo4jStore
    from graphcrm.stores.protocol import AnalystQueries, Store

    methods = [name for name in dir(Store) if not name.startswith("_") and callable(getattr(Store, name, None))]
    assert len(methods) >= 15
    for cls in (EmbeddedStore, Neo4jStore):
        missing = [m for m in methods if not callable(getattr(cls, m, None))]
        assert missing == [], (cls.__name__, missing)
    assert hasattr(Neo4jStore, "analyst_query") and not hasattr(EmbeddedStore, "analyst_query")
    assert "analyst_query" in dir(AnalystQueries)


def test_nobody_picks_a_feature_by_the_store_kind():
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in PACKAGE.rglob("*.py") if "stores" not in p.parts
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\.kind\s*[!=]=\s*[\"'](neo4j|embedded)", line)]
    assert offenders == []
