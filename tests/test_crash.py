"""Crash rounds: a writer killed with SIGKILL at random moments (and, on Neo4j, the server too) loses nothing it acknowledged.

Each round starts a writer process that records interactions through the service and prints an
id once the service returned; the test kills it after a random delay, then checks on a fresh
connection that every printed id is stored, that every stored one has its audit entry (a change
and its entry are one transaction: nothing half-written), and on the embedded store that SQLite's
integrity check passes. On Neo4j, every tenth round also kills the database server (a dedicated
one, started by scripts/neo4j.sh for this test) while the writer runs, and restarts it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from graphcrm.stores import open_store

from handbuilt import organisation

ROOT = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).resolve().parent / "crash_writer.py"
ROUNDS = int(os.environ.get("GRAPHCRM_CRASH_ROUNDS", "50"))
SERVER_KILL_EVERY = 10


def _record(store: str, **figures) -> None:
    """bench/bench_crash.py runs these tests with more rounds and reads their figures from this file."""
    path = os.environ.get("GRAPHCRM_CRASH_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"store": store, "rounds": ROUNDS, **figures}) + "\n")


class Writer:
    """A writer process whose acknowledged ids are collected as it prints them."""

    def __init__(self, url: str, prefix: str, env: dict[str, str]):
        self.acknowledged: list[str] = []
        self.process = subprocess.Popen([sys.executable, str(WRITER), url, prefix, "100000"], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, env=env, start_new_session=True)
        self.ready = threading.Event()
        self.first = threading.Event()        # the first acknowledged write: the writer is really writing
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            line = line.strip()
            if line == "ready":
                self.ready.set()
            elif line:
                self.acknowledged.append(line)
                self.first.set()
        self.ready.set()
        self.first.set()

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        self.process.stdout.close()


def _audited_interactions(store) -> set[str]:
    return {json.loads(entry.after)["id"] for entry in store.list_audit(action="log", limit=1_000_000)}


def _check(store, acknowledged: list[str], prefix: str) -> tuple[int, int]:
    """(acknowledged, lost): every acknowledged id is stored with its entry; nothing is stored without one."""
    stored = {i.id for i in store.read_all().interactions if i.id.startswith(prefix)}
    audited = {i for i in _audited_interactions(store) if i.startswith(prefix)}
    lost = [i for i in acknowledged if i not in stored or i not in audited]
    assert lost == [], f"acknowledged but lost: {lost[:5]}"
    assert stored == audited, f"half-written: stored without entry {sorted(stored - audited)[:5]}, entry without record {sorted(audited - stored)[:5]}"
    return len(acknowledged), len(lost)


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
def test_embedded_writer_killed_at_random_moments_loses_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    store = open_store(url)
    store.write(organisation())
    store.close()
    rng = random.Random(20261129)
    total = 0
    for round_ in range(ROUNDS):
        writer = Writer(url, f"e{round_}", _env())
        # The random moment is counted from the first acknowledged write, so a slow start on a busy
        # machine never turns a round into one that tested nothing.
        assert writer.first.wait(120), "the writer did not start writing"
        time.sleep(rng.uniform(0.0, 0.5))
        writer.kill()
        reopened = open_store(url)
        try:
            assert reopened.integrity_check() == "ok"
            total += _check(reopened, writer.acknowledged, f"e{round_}-")[0]
        finally:
            reopened.close()
    _record("embedded", acknowledged=total, lost=0, server_kills=0)
    assert total > ROUNDS, "the writers acknowledged almost nothing: the rounds tested little"


def _neo4j(command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "neo4j.sh"), command], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def crash_server():
    """A Neo4j server of this test's own (the suite's server is never killed), stopped at the end."""
    # Beside the suite's own server (its home and ports shifted), so two checkouts testing at once never share one.
    home = _neo4j("home", _env()).stdout.strip()
    bolt = int(os.environ.get("GRAPHCRM_NEO4J_BOLT_PORT", "7687")) + 10
    http = int(os.environ.get("GRAPHCRM_NEO4J_HTTP_PORT", "7474")) + 30
    env = _env({"GRAPHCRM_NEO4J_HOME": f"{home}-crash", "GRAPHCRM_NEO4J_BOLT_PORT": str(bolt),
                "GRAPHCRM_NEO4J_HTTP_PORT": str(http), "GRAPHCRM_NEO4J_HEAP": "512m", "GRAPHCRM_NEO4J_PAGECACHE": "256m"})
    started = _neo4j("start", env)
    if started.returncode != 0:
        pytest.fail(f"could not start the crash test's Neo4j: {started.stderr.strip()}", pytrace=False)
    settings = dict(line.split("=", 1) for line in _neo4j("env", env).stdout.split())
    env.update(settings)
    yield env
    _neo4j("stop", env)


def _kill_server(env: dict[str, str]) -> None:
    pid = int((Path(env["GRAPHCRM_NEO4J_HOME"]) / "run" / "graphcrm-neo4j.pid").read_text().strip())
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.neo4j
def test_neo4j_writer_and_server_killed_at_random_moments_lose_nothing(crash_server):
    env = crash_server
    url = env["NEO4J_URI"]
    store = open_store(url, user=env["NEO4J_USER"], password=env["NEO4J_PASSWORD"])
    store.init_schema()
    store.clear()
    store.write(organisation())
    store.close()
    rng = random.Random(20261130)
    total = server_kills = 0
    for round_ in range(ROUNDS):
        writer = Writer(url, f"n{round_}", env)
        assert writer.first.wait(120), "the writer did not start writing"
        time.sleep(rng.uniform(0.0, 0.8))
        if round_ % SERVER_KILL_EVERY == SERVER_KILL_EVERY - 1:
            _kill_server(env)           # the database dies under the writer, mid-transaction or between
            server_kills += 1
            writer.process.wait(timeout=120)   # the writer fails on its own once the server is gone
            writer.kill()
            restarted = _neo4j("start", env)
            assert restarted.returncode == 0, restarted.stderr
        else:
            writer.kill()
        reopened = open_store(url, user=env["NEO4J_USER"], password=env["NEO4J_PASSWORD"])
        try:
            total += _check(reopened, writer.acknowledged, f"n{round_}-")[0]
        finally:
            reopened.close()
    _record("neo4j", acknowledged=total, lost=0, server_kills=server_kills)
    assert server_kills == ROUNDS // SERVER_KILL_EVERY and total > ROUNDS
