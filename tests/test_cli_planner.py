"""graphcrm plan, trend and whatif as a user runs them (real processes)."""

import json
import os
from datetime import date
import subprocess
import sys

import pytest

from graphcrm.exporter import write_folder

import planbuilt
from handbuilt import organisation


def run(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    full_env.pop("GRAPHCRM_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "graphcrm.cli", *args], capture_output=True, text=True, env=full_env)


def load(tmp_path, records, name):
    write_folder(records, tmp_path / name)
    url = f"sqlite:///{tmp_path / (name + '.db')}"
    assert run("--store", url, "import", str(tmp_path / name)).returncode == 0
    return url


def test_plan_shows_the_plan_and_applies_it_once(tmp_path):
    url = load(tmp_path, planbuilt.capacity_limited(), "cap")
    env = {"GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db")}
    assert run("--store", url, "users", "add", "boss@x.org", "--role", "manager", env=env).returncode == 0
    assert run("--store", url, "users", "add", "ana@x.org", "--role", "analyst", env=env).returncode == 0
    doc = json.loads(run("--store", url, "plan", "--as-of", "2026-03-01", "--format", "json").stdout)
    assert [(r["client"], r["tier"], r["staff"]) for r in doc["rows"]] == [
        ("A1", "intel", "I1"), ("A1", "intel", "I2"), ("A1", "planning", "P2"), ("B1", "intel", "I1")]
    assert doc["summary"]["after"] == {"coverage_gaps": 1, "key_person_risk": 1}
    refused = run("--store", url, "plan", "--as-of", "2026-03-01", "--apply", "--as", "ana@x.org", env=env)
    assert refused.returncode != 0 and "only managers and admins may apply a coverage plan" in refused.stderr
    applied = run("--store", url, "plan", "--as-of", "2026-03-01", "--apply", "--as", "boss@x.org", env=env)
    assert applied.returncode == 0 and "applied the plan of 2026-03-01: 4 assignments, 0 releases (audit A-" in applied.stdout
    again = run("--store", url, "plan", "--as-of", "2026-03-01", "--apply", "--as", "boss@x.org", env=env)
    assert again.returncode == 0 and "(nothing to change)" in again.stdout and "(0 rows" in again.stdout


def test_whatif_shows_the_repair(tmp_path):
    url = load(tmp_path, planbuilt.leaver(), "leaver")
    table = run("--store", url, "whatif", "L", "--as-of", "2026-03-01").stdout
    assert "The plan that would repair it" in table and "Replaces Lou, who is leaving" in table
    doc = json.loads(run("--store", url, "whatif", "L", "--as-of", "2026-03-01", "--format", "json").stdout)
    assert doc["report"] == "departure_impact" and [r["staff"] for r in doc["plan"]["rows"]] == ["I2"]
    assert doc["plan"]["summary"]["unfilled"] == 1


def test_trend_and_its_cache(tmp_path):
    url = load(tmp_path, organisation(), "org")
    first = json.loads(run("--store", url, "trend", "--from", "2025-12-01", "--to", "2026-03-01", "--format", "json").stdout)
    assert [p["day"] for p in first["points"]] == ["2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"]
    assert first["points"][-1]["coverage_gaps"] == 3 and first["computed"] == 4
    second = json.loads(run("--store", url, "trend", "--from", "2025-12-01", "--to", "2026-03-01", "--format", "json").stdout)
    past = sum(1 for p in first["points"] if date.fromisoformat(p["day"]) < date.today())
    assert second["cached"] == past and second["points"] == first["points"]    # days before today come from the cache
    bad = run("--store", url, "trend", "--from", "2026-03-01", "--to", "2025-12-01")
    assert bad.returncode != 0 and "is after to" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("args, message", [
    (("report", "path", "--param", "from=A1", "--param", "to=NOPE"), "to: no person, client or team has the id 'NOPE'"),
    (("report", "changes", "--as-of", "2026-03-01", "--param", "since=2026-04-01"), "must be before as_of"),
    (("plan", "--leaving", "GHOST"), "unknown staff member 'GHOST'"),
])
def test_bad_arguments_are_one_line(tmp_path, args, message):
    url = load(tmp_path, organisation(), "org")
    result = run("--store", url, *args)
    assert result.returncode != 0 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
