"""The command line as a user runs it: real processes, one-line errors, no tracebacks."""

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from graphcrm.exporter import write_folder

from handbuilt import organisation


def run(*args, cwd=None, env=None):
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GRAPHCRM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "graphcrm.cli", *args], capture_output=True, text=True, cwd=cwd, env=full_env)


def assert_one_line_error(result, *fragments, lines=1):
    """Import rejections list one line per bad row plus a summary; every other error is one line."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == lines, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.fixture
def loaded(tmp_path):
    write_folder(organisation(), tmp_path / "org")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    result = run("--store", url, "import", str(tmp_path / "org"))
    assert result.returncode == 0, result.stderr
    return url


def test_generate_import_export_round_trip(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert run("generate", "--size", "S", "--seed", "7", "--out", str(tmp_path / "gen")).returncode == 0
    imported = run("--store", url, "import", str(tmp_path / "gen"))
    assert imported.returncode == 0 and "clients: 300 new, 0 changed, 0 unchanged" in imported.stdout
    assert run("--store", url, "export", str(tmp_path / "back")).returncode == 0
    for name in os.listdir(tmp_path / "gen"):
        assert (tmp_path / "gen" / name).read_text() == (tmp_path / "back" / name).read_text(), name


def test_init_on_both_kinds_of_store(tmp_path, neo4j_settings):
    assert "schema ready" in run("--store", f"sqlite:///{tmp_path / 'x.db'}", "init").stdout
    result = run("--store", neo4j_settings["uri"], "init",
                 env={"NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]})
    assert result.returncode == 0 and "schema ready on neo4j" in result.stdout


def test_bad_import_is_reported_by_line_and_writes_nothing(tmp_path, loaded):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "clients.csv").write_text("id,grade\nK9,Z\n", encoding="utf-8")
    result = run("--store", loaded, "import", str(bad))
    assert_one_line_error(result, "clients.csv:2: grade: unknown grade 'Z'", "nothing was written", lines=2)
    assert result.returncode == 3
    assert "K9" not in run("--store", loaded, "report", "coverage").stdout


def test_report_formats(loaded):
    table = run("--store", loaded, "report", "coverage_gaps", "--as-of", "2026-03-01")
    assert table.returncode == 0 and "shortfall" in table.stdout and "(5 rows" in table.stdout
    doc = json.loads(run("--store", loaded, "report", "departure_impact", "--as-of", "2026-03-01",
                         "--param", "staff=A1", "--format", "json").stdout)
    assert set(doc) == {"report", "as_of", "params", "policy", "rows", "summary"}
    assert doc["as_of"] == "2026-03-01" and doc["params"] == {"staff": ["A1"]}
    assert doc["summary"]["clients_orphaned"] == 2 and doc["policy"]["min_per_tier"]["A"] == 2
    rows = list(csv.DictReader(io.StringIO(run("--store", loaded, "report", "stale_clients", "--as-of", "2026-03-01", "--format", "csv").stdout)))
    assert rows[0] == {"client": "K2", "grade": "A", "last": "2026-02-12", "days_silent": "17", "limit": "14"}
    assert rows[-1]["last"] == "" and rows[-1]["days_silent"] == ""


def test_whatif_is_departure_impact(loaded):
    result = run("--store", loaded, "whatif", "A1", "--as-of", "2026-03-01", "--format", "json")
    assert json.loads(result.stdout)["rows"][0]["successors"] == {"intel": ["A4", "A5"]}
    assert_one_line_error(run("--store", loaded, "whatif", "NOPE"), "unknown staff member 'NOPE'")


def test_csv_output_neutralises_formulas(tmp_path):
    org = organisation()
    from dataclasses import replace

    org.clients[0] = replace(org.clients[0], name="=HYPERLINK(\"http://evil\")")
    write_folder(org, tmp_path / "org")
    url = f"sqlite:///{tmp_path / 'g.db'}"
    run("--store", url, "import", str(tmp_path / "org"))
    out = run("--store", url, "report", "coverage", "--as-of", "2026-03-01", "--format", "csv").stdout
    assert "'=HYPERLINK" in out and "\n=HYPERLINK" not in out


def test_reports_lists_every_report_with_parameters():
    out = run("reports").stdout
    for name in ("coverage", "key_person_risk", "departure_impact", "truck_factor", "brokers", "stalled_stages"):
        assert name in out
    assert "--param staff=..." in out and "[--param by=...]" in out


@pytest.mark.parametrize("args, message", [
    (("report", "nope"), "no report 'nope'"),
    (("report", "coverage", "--param", "colour=red"), "unknown parameter 'colour'"),
    (("report", "departure_impact"), "parameter 'staff' is required"),
    (("report", "coverage", "--as-of", "01/02/2026"), "Invalid value for '--as-of'"),
    (("report", "truck_factor", "--param", "by=height"), "by must be 'count' or 'value'"),
    (("report", "coverage", "--param", "noequals"), "expected KEY=VALUE"),
    (("query", "-e", "MATCH (n) RETURN n"), "ad-hoc Cypher needs Neo4j"),
])
def test_user_errors_are_one_line(loaded, args, message):
    assert_one_line_error(run("--store", loaded, *args), message)


def test_a_missing_import_folder(loaded):
    assert_one_line_error(run("--store", loaded, "import", "/no/such/folder"), "/no/such/folder:0: -: not a folder", lines=2)


def test_bad_store_urls_and_config(tmp_path):
    assert_one_line_error(run("--store", "postgres://x", "init"), "unknown store URL")
    assert_one_line_error(run("--store", "sqlite:////no/such/dir/x.db", "init"), "does not exist")
    assert_one_line_error(run("--store", "bolt://127.0.0.1:1", "init", env={"NEO4J_PASSWORD": "x"}), "cannot reach Neo4j")
    (tmp_path / "bad.toml").write_text("[policy]\nmin_per_tier = {A = 'two'}\n")
    assert_one_line_error(run("--config", str(tmp_path / "bad.toml"), "--store", f"sqlite:///{tmp_path / 'x.db'}", "report", "coverage"),
                          "policy.min_per_tier.A: expected a number")


def test_policy_file_changes_the_report(tmp_path, loaded):
    (tmp_path / "graphcrm.toml").write_text("[policy]\nmin_per_tier = {A = 1}\n")
    result = run("--store", loaded, "report", "coverage_gaps", "--as-of", "2026-03-01", "--format", "json", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert doc["policy"]["min_per_tier"]["A"] == 1 and [r["client"] for r in doc["rows"]] == ["K3"]


def test_query_on_neo4j(neo4j_store, neo4j_settings):
    neo4j_store.write(organisation())
    env = {"NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    url = neo4j_settings["uri"]
    named = run("--store", url, "query", "coverage_gaps", "--param", "as_of=2026-03-01", "--format", "json", env=env)
    assert named.returncode == 0 and len(json.loads(named.stdout)["rows"]) == 5
    adhoc = run("--store", url, "query", "-e", "MATCH (c:Client {id: $id}) RETURN c.name AS name", "--param", "id=K1", env=env)
    assert "Alpha Foods" in adhoc.stdout
    assert_one_line_error(run("--store", url, "query", "-e", "MATCH (n) DETACH DELETE n", env=env), "read-only")
    assert_one_line_error(run("--store", url, "query", "write_clients", env=env), "write query")


def test_change_commands_with_users_and_the_audit_trail(tmp_path, loaded):
    env = {"GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db")}
    assert run("--store", loaded, "users", "add", "Boss@X.org", "--role", "manager", env=env).returncode == 0
    assert "password:" in run("--store", loaded, "users", "add", "a1@x.org", "--role", "staff", "--staff", "A1", env=env).stdout
    assert_one_line_error(run("--store", loaded, "users", "add", "x@x.org", "--role", "staff", "--staff", "NOPE", env=env), "unknown staff member")
    assert_one_line_error(run("--store", loaded, "users", "add", "x@x.org", "--role", "god", env=env), "'god' is not one of")
    ok = run("--store", loaded, "log", "K1", "--kind", "contact", "--at", "2026-02-28T09:00", "--summary", "visit", "--as", "a1@x.org", env=env)
    assert ok.returncode == 0 and "recorded contact" in ok.stdout
    assert_one_line_error(run("--store", loaded, "assess", "K1", "--grade", "A", "--at", "2026-02-28", "--as", "a1@x.org", env=env),
                          "split authority: tier intel (level 1) records need, contact, not assessment")
    assert_one_line_error(run("--store", loaded, "assess", "K1", "--grade", "Z", "--as", "boss@x.org", env=env), "grade: 'Z' is not A, B or C")
    assert_one_line_error(run("--store", loaded, "log", "K9", "--kind", "contact", "--as", "boss@x.org", env=env), "unknown client 'K9'")
    assert_one_line_error(run("--store", loaded, "need", "K1", "--summary", "x", "--detected", "28/02/2026", "--as", "boss@x.org", env=env), "--detected")
    assert_one_line_error(run("--store", loaded, "log", "K1", "--kind", "contact", env=env), "--as EMAIL")
    assert_one_line_error(run("--store", loaded, "log", "K1", "--kind", "contact", "--as", "who@x.org", env=env), "unknown user")
    preview = run("--store", loaded, "leave", "C2", "--on", "2026-03-01", "--as", "boss@x.org", env=env)
    assert "K3" in preview.stdout and "not recorded" in preview.stdout
    done = run("--store", loaded, "leave", "C2", "--on", "2026-03-01", "--yes", "--as", "boss@x.org", env=env)
    assert "C2 leaves on 2026-03-01: 2 coverages and 1 memberships end" in done.stdout
    trail = json.loads(run("--store", loaded, "audit", "--as", "boss@x.org", "--format", "json", env=env).stdout)
    assert [e["action"] for e in trail] == ["leave", "log"] and trail[1]["actor"] == "a1@x.org"


def test_the_command_leaves_at_once_yet_prints_everything_and_keeps_its_write(tmp_path):
    """`graphcrm` (cli.run) ends its process without freeing the heap: every byte of a big output still arrives, in
    every format, the exit status is the command's, and what an import wrote is there for the next process."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    assert run("generate", "--size", "S", "--seed", "3", "--out", str(tmp_path / "gen")).returncode == 0
    assert run("--store", url, "import", str(tmp_path / "gen")).returncode == 0
    table = run("--store", url, "report", "coverage", "--as-of", "2026-11-01")
    as_csv = run("--store", url, "report", "coverage", "--as-of", "2026-11-01", "--format", "csv")
    as_json = run("--store", url, "report", "coverage", "--as-of", "2026-11-01", "--format", "json")
    assert table.returncode == as_csv.returncode == as_json.returncode == 0
    rows = json.loads(as_json.stdout)["rows"]
    assert len(rows) == 900                                          # 300 clients x 3 tiers
    assert len(list(csv.reader(io.StringIO(as_csv.stdout)))) == 1 + len(rows)
    assert table.stdout.rstrip().endswith("(900 rows, coverage as of 2026-11-01)")
    assert run("--store", url, "report", "nosuch").returncode == 2
