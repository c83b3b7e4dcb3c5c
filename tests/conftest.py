"""Shared fixtures: the embedded store, the real local Neo4j server (never skipped), and both at once."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from graphcrm.stores import open_store

ROOT = Path(__file__).resolve().parent.parent


def _neo4j_env() -> dict[str, str]:
    """Connection settings for the local server; starts it with scripts/neo4j.sh when none is given."""
    if os.environ.get("NEO4J_URI") and os.environ.get("NEO4J_PASSWORD"):
        return {"uri": os.environ["NEO4J_URI"], "user": os.environ.get("NEO4J_USER", "neo4j"),
                "password": os.environ["NEO4J_PASSWORD"]}
    script = ROOT / "scripts" / "neo4j.sh"
    started = subprocess.run([str(script), "start"], capture_output=True, text=True)
    if started.returncode != 0:
        pytest.fail(f"could not start Neo4j with scripts/neo4j.sh: {started.stderr.strip()}", pytrace=False)
    env = dict(line.split("=", 1) for line in subprocess.check_output([str(script), "env"], text=True).split())
    return {"uri": env["NEO4J_URI"], "user": env["NEO4J_USER"], "password": env["NEO4J_PASSWORD"]}


@pytest.fixture(scope="session")
def neo4j_settings():
    settings = _neo4j_env()
    os.environ.setdefault("NEO4J_USER", settings["user"])
    os.environ.setdefault("NEO4J_PASSWORD", settings["password"])
    return settings


def _routing_url(bolt_url: str) -> str:
    return "neo4j://" + bolt_url.split("://", 1)[1]


@pytest.fixture(scope="session")
def neo4j_session_store(neo4j_settings):
    try:
        store = open_store(neo4j_settings["uri"], user=neo4j_settings["user"], password=neo4j_settings["password"])
    except Exception as exc:  # a test run without the real server is a failure, never a skip
        pytest.fail(f"Neo4j at {neo4j_settings['uri']} is not reachable: {exc}", pytrace=False)
    store.init_schema()
    yield store
    store.close()


@pytest.fixture
def neo4j_store(neo4j_session_store):
    """The real Neo4j server, emptied for this test."""
    neo4j_session_store.clear()
    return neo4j_session_store


@pytest.fixture
def routing_store(neo4j_settings, neo4j_session_store):
    """The same server through a neo4j:// URL: the routing code path clusters and Aura use."""
    neo4j_session_store.clear()
    store = open_store(_routing_url(neo4j_settings["uri"]), user=neo4j_settings["user"], password=neo4j_settings["password"])
    yield store
    store.close()


@pytest.fixture
def embedded_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'graphcrm.db'}")
    yield store
    store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request):
    """Each test using it runs once per backend."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture(params=["embedded", "neo4j", "routing"])
def any_store(request):
    """Both backends, and Neo4j also through neo4j:// routing."""
    return request.getfixturevalue(f"{request.param}_store")
