"""The cypher/ loader: every packaged file loads, and bad headers fail at load time naming file and line."""

import pytest

from graphcrm.queries import QueryLoadError, library, load_library

VALID = """// name: demo
// kind: read
// doc: A demo query.
// param: as_of date = today -- the day
// column: n -- a number
WITH date($as_of) AS t
RETURN 1 AS n
"""


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_the_packaged_library_loads_with_every_report_documented():
    lib = library()
    reports = {q.name for q in lib.of_kind("report")}
    assert reports == {"coverage", "coverage_gaps", "key_person_risk", "departure_impact", "staff_load",
                       "stale_clients", "missed_demand", "team_coverage", "relationships", "stalled_stages", "portfolio",
                       "changes"}
    for q in lib.of_kind("report"):
        assert q.columns and q.doc and q.param("as_of").default == "today"


def test_a_valid_file(tmp_path):
    write(tmp_path, "demo.cypher", VALID)
    q = load_library(tmp_path)["demo"]
    assert q.params[0].name == "as_of" and q.column_names == ["n"]


@pytest.mark.parametrize("text, message", [
    ("MATCH (n) RETURN n\n", "bad.cypher:1: a query file must start with '// name: <name>'"),
    (VALID.replace("// kind: read", "// kind: magic"), "bad.cypher:2: kind 'magic' is not one of"),
    (VALID.replace("// param: as_of date = today -- the day", "// param: as_of when"), "bad.cypher:4: expected 'param:"),
    (VALID.replace("date = today", "colour = today"), "bad.cypher:4: parameter type 'colour'"),
    (VALID.replace("RETURN 1 AS n", "RETURN $limit AS n"), "bad.cypher:7: parameter $limit is used but not declared"),
    (VALID.replace("WITH date($as_of) AS t\n", ""), "bad.cypher:4: parameter 'as_of' is declared but not used"),
    (VALID.replace("// doc: A demo query.\n", ""), "missing '// doc: ...' line"),
    (VALID.replace("// column: n -- a number", "// colour: n"), "bad.cypher:5: unknown header key 'colour'"),
    (VALID.replace("= today", "= notanumber").replace("date", "int", 1), "default 'notanumber' is not a int"),
])
def test_bad_headers_fail_naming_file_and_line(tmp_path, text, message):
    write(tmp_path, "bad.cypher", text)
    with pytest.raises(QueryLoadError) as caught:
        load_library(tmp_path)
    assert message in str(caught.value)


def test_duplicate_names_fail(tmp_path):
    write(tmp_path, "a.cypher", VALID)
    write(tmp_path, "b.cypher", VALID)
    with pytest.raises(QueryLoadError, match="b.cypher:1: duplicate query name 'demo'"):
        load_library(tmp_path)


def test_parameters_in_strings_and_comments_do_not_count(tmp_path):
    write(tmp_path, "demo.cypher", VALID.replace("RETURN 1 AS n", "RETURN '$nope' AS n // $nor_this"))
    assert load_library(tmp_path)["demo"]


def test_no_python_module_holds_cypher():
    """House rule: queries live in cypher/*.cypher; only the loader reads them."""
    import re
    from pathlib import Path

    pattern = re.compile(r"[\"'](MATCH|MERGE|CREATE|UNWIND|OPTIONAL MATCH|CALL) ")
    root = Path(__file__).resolve().parent.parent / "graphcrm"
    offenders = [str(p) for p in root.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_nothing_outside_the_stores_imports_a_database_driver():
    """House rule: only graphcrm/stores/ talks to neo4j or sqlite3."""
    import re
    from pathlib import Path

    pattern = re.compile(r"^\s*(import (neo4j|sqlite3)\b|from (neo4j|sqlite3)\b)", re.M)
    root = Path(__file__).resolve().parent.parent / "graphcrm"
    offenders = [str(p) for p in root.rglob("*.py") if "stores" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
