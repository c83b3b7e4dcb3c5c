"""scripts/neo4j.sh: status, a second start, a stale pid file and a busy port all get clear messages."""

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j.sh"


def run(*args, env=None):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


def test_status_and_second_start(neo4j_session_store):
    status = run("status")
    assert status.returncode == 0 and "online at bolt://127.0.0.1:" in status.stdout
    again = run("start")
    assert again.returncode == 0 and "already running (pid" in again.stderr


def test_stale_pid_file_and_busy_port(tmp_path, neo4j_session_store, neo4j_settings):
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    (home / "run" / "graphcrm-neo4j.pid").write_text("999999\n")
    bolt_port = neo4j_settings["uri"].rsplit(":", 1)[1]          # taken by the running test server
    result = run("start", env={"GRAPHCRM_NEO4J_HOME": str(home), "GRAPHCRM_NEO4J_BOLT_PORT": bolt_port,
                               "GRAPHCRM_NEO4J_HTTP_PORT": "17474"})
    assert "removing stale pid file" in result.stderr
    assert result.returncode == 1 and f"port {bolt_port} on 127.0.0.1 is already in use" in result.stderr
    assert not (home / "run" / "graphcrm-neo4j.pid").exists()


def test_status_and_stop_when_not_running(tmp_path):
    env = {"GRAPHCRM_NEO4J_HOME": str(tmp_path)}
    assert run("status", env=env).returncode == 3
    assert "not running" in run("stop", env=env).stderr
