"""The guard's text layer and its settings: Cypher's lexer as the server has it (checked against the
server), refusals that name their reason or bound, and the [guard] section of the config file."""

from __future__ import annotations

import json

import pytest

from graphcrm.config import load_settings
from graphcrm.errors import ConfigError, QueryRefused
from graphcrm.guard import Limits, check_plan, check_query_text, json_size, plan_measures
from graphcrm.guard.lexer import tokenize


def words(text):
    return [t.text for t in tokenize(text)]


def test_comments_end_where_the_server_ends_them():
    assert words("RETURN 1 // x\rLOAD") == ["RETURN", "1", "LOAD"]
    assert words("RETURN 1 // x\r\nLOAD") == ["RETURN", "1", "LOAD"]
    assert words("RETURN 1 // x\nLOAD") == ["RETURN", "1", "LOAD"]
    assert words("RETURN /* a // b */ 1") == ["RETURN", "1"]
    assert words("RETURN '/* not a comment */' // 'not a string") == ["RETURN", "'/* not a comment */'"]


def test_strings_and_names_follow_cyphers_escapes():
    assert words("RETURN 'it\\'s', \"a\\\"b\", '\\\\'") == ["RETURN", "'it\\'s'", ",", "\"a\\\"b\"", ",", "'\\\\'"]
    tokens = tokenize("RETURN 1 AS `a``b // c`")
    assert tokens[-1].kind == "name" and tokens[-1].text == "a`b // c"
    assert [t.kind for t in tokenize("MATCH (n)-[:R*1..3]->(m) RETURN $p, $`odd name`, 1.5e3")][-5:] == \
        ["param", "punct", "param", "punct", "number"]


@pytest.mark.parametrize("text, reason", [
    ("RETURN 1 // \u2028 x", "U+2028"), ("RETURN 1 // \u2029 x", "U+2029"), ("RETURN 1 // \x85 x", "U+0085"),
    ("RETURN 1 // \x0b x", "U+000B"), ("RETURN 1 // \x0c x", "U+000C"), ("RETURN '\x00'", "U+0000"),
    ("RETURN 1 // \\u000a CREATE (n)", "unicode escapes"), ("RETURN '\\u0027'", "unicode escapes"),
    ("RETURN 1 /* /* */", "nest"), ("RETURN 1 /* x", "unterminated"), ("RETURN 'x", "unterminated"),
    ("RETURN `x", "unterminated"), ("RETURN\u00a01", "ASCII"), ("RETURN 1 AS \u200bx", "U+200B"), ("RETURN $", "$"),
])
def test_anything_two_readers_could_read_two_ways_is_refused(text, reason):
    with pytest.raises(QueryRefused, match=reason.replace("$", r"\$").replace("+", r"\+")):
        tokenize(text)


def test_the_server_reads_comments_and_escapes_as_the_lexer_says(neo4j_session_store):
    """The facts the lexer is built on, asked of the server itself (harmless queries, straight through the driver)."""
    driver = neo4j_session_store.driver

    def columns(query):
        with driver.session(database=neo4j_session_store.database) as session:
            return list(session.run(query).keys())

    assert columns("RETURN 1 AS a // x\r, 2 AS b") == ["a", "b"]          # \r ends a // comment (finding 9)
    assert columns("RETURN 1 AS a // x\r\n, 2 AS b") == ["a", "b"]
    for other in ("\u2028", "\u2029", "\x85", "\x0b", "\x0c"):            # these do not: refused, never guessed at
        assert columns(f"RETURN 1 AS a // x{other}, 2 AS b") == ["a"], repr(other)
    assert columns("RETURN 1 AS a // \\u000a, 2 AS b") == ["a", "b"]      # \u escapes are decoded before the lexer
    assert columns("RETURN 1 /* /* */ AS a") == ["a"]                     # block comments do not nest
    assert columns("RETURN 1 AS `x``y`") == ["x`y"]


def test_refusals_name_the_clause_or_the_procedure():
    cases = {
        "CYPHER 5 SHOW SETTINGS": "CYPHER", "SHOW TRANSACTIONS": "SHOW", "TERMINATE TRANSACTIONS 'x'": "TERMINATE",
        "LOAD CSV FROM 'x' AS l RETURN l": "LOAD CSV", "USE system MATCH (n) RETURN n": "USE",
        "MATCH (n) DETACH DELETE n": "read-only", "CALL apoc.load.json('x')": "apoc.load.json",
        "RETURN apoc.text.join([], '')": "apoc.text.join", "RETURN 1; RETURN 2": "one statement",
        "CALL { RETURN 1 AS x } IN TRANSACTIONS RETURN x": "IN TRANSACTIONS",
    }
    for text, reason in cases.items():
        with pytest.raises(QueryRefused, match=reason):
            check_query_text(text)


def test_keyword_lookalikes_that_are_names_pass():
    for text in ("MATCH (c:Client) RETURN c.load, c.show, c.set", "RETURN {load: 1, create: 2} AS m",
                 "WITH 1 AS load RETURN load", "MATCH (n:Client) WHERE n.name = 'SHOW; LOAD CSV' RETURN n",
                 "MATCH (n:Client) RETURN n.name // SHOW SETTINGS", "RETURN date.truncate('day', date()) AS d"):
        assert check_query_text(text)


def test_text_bounds_name_the_bound_and_its_value():
    finding_11 = "MATCH (a:Staff) " + " ".join(
        f"OPTIONAL MATCH (a)-[:COVERS]->(c{i}:Client)<-[:COVERS]-(s{i}:Staff)" for i in range(1, 7)) + " RETURN count(*)"
    with pytest.raises(QueryRefused, match=r"MATCH clauses is 7, above max_match_clauses = 6"):
        check_query_text(finding_11)
    assert check_query_text(finding_11, Limits(max_match_clauses=7))       # the plan's bounds then decide
    with pytest.raises(QueryRefused, match=r"range\(\) is 2,001, above max_range = 1,000"):
        check_query_text("UNWIND range(0, 2000) AS x RETURN x")
    assert check_query_text("UNWIND range(0, 2000, 4) AS x RETURN x")
    with pytest.raises(QueryRefused, match="max_iteration_depth = 1"):
        check_query_text("RETURN [a IN [1, 2] | [b IN [3] | a + b]]")
    assert check_query_text("RETURN [a IN [1, 2] | [b IN [3] | a + b]]", Limits(max_iteration_depth=2))
    with pytest.raises(QueryRefused, match="max_query_chars"):
        check_query_text("RETURN 1" + " " * 30, Limits(max_query_chars=20))
    assert check_query_text("RETURN [a IN [1] | [b IN [2] | b]]", trusted=True)    # reviewed files: bounds do not apply


def _plan(name, details="", rows=1.0, children=()):
    return {"operatorType": f"{name}@neo4j", "args": {"Details": details, "EstimatedRows": rows}, "children": list(children)}


def test_plan_bounds_name_the_bound_and_what_the_plan_says():
    join = _plan("ProduceResults", rows=1, children=[_plan("EagerAggregation", "count(*)", 1, [
        _plan("NodeRightOuterHashJoin", "a", 2.1e14, [_plan("NodeByLabelScan", "a:Staff", 30), _plan("Expand(All)", "(a)-->(b)", 4000)])])])
    measured = plan_measures(join)
    assert measured["estimated_rows"] == 2.1e14 and measured["largest_operator"] == "NodeRightOuterHashJoin"
    with pytest.raises(QueryRefused, match=r"NodeRightOuterHashJoin\) is 210,000,000,000,000, above max_estimated_rows"):
        check_plan("r", join, Limits())
    with pytest.raises(QueryRefused, match="max_joins = 0"):
        check_plan("r", join, Limits(max_joins=0))
    unbounded = _plan("ProduceResults", children=[_plan("VarLengthExpand(All)", "(a)-[anon_0*2..]->(b)")])
    with pytest.raises(QueryRefused, match="unbounded variable-length"):
        check_plan("r", unbounded, Limits())
    bounded = _plan("ProduceResults", children=[_plan("Repeat(Trail)", "(a) (...){1, 12} (b)")])
    with pytest.raises(QueryRefused, match="is 12, above max_hops = 10"):
        check_plan("r", bounded, Limits())
    with pytest.raises(QueryRefused, match="not a read operator"):
        check_plan("r", _plan("ProduceResults", children=[_plan("LoadCSV", "line")]), Limits())
    with pytest.raises(QueryRefused, match="apoc.load.json"):
        check_plan("r", _plan("ProcedureCall", "apoc.load.json($url) :: (value :: MAP)"), Limits())
    with pytest.raises(QueryRefused, match="writes"):
        check_plan("w", _plan("ProduceResults"), Limits())
    check_plan("r", _plan("ProcedureCall", "db.labels() :: (label :: STRING)"), Limits())


def test_the_guard_section_of_the_config_file(tmp_path):
    config = tmp_path / "graphcrm.toml"
    config.write_text("[guard]\ntimeout = 5\nmax_bytes = 1000000\nmax_match_clauses = 8\n", encoding="utf-8")
    limits = load_settings(config=config, environ={}).guard
    assert (limits.timeout, limits.max_bytes, limits.max_match_clauses, limits.max_rows) == (5.0, 1_000_000, 8, 10_000)
    assert limits.with_overrides(timeout=2.5, max_rows=None).timeout == 2.5
    for bad, message in (("max_bytes = 'lots'", "expected a number"), ("max_rows = 0", "at least 1"),
                         ("colour = 1", "unknown guard setting"), ("timeout = -1", "more than 0"),
                         ("max_hops = 1.5", "whole number")):
        config.write_text(f"[guard]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_settings(config=config, environ={})


def test_json_size_measures_what_the_api_sends():
    for value in ({"a": [1, 2.5, None, True, "é"], "b": {"c": "x\u4e2d"}}, [], "", [[1], {"k": False}]):
        assert json_size(value) == len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def test_the_readme_documents_every_bound_with_its_default():
    import re
    from dataclasses import fields
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("[guard]\n"):]
    for field in fields(Limits):
        default = getattr(Limits(), field.name)
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        assert re.search(rf"^{field.name} = {shown}\s", block, re.M), field.name
