"""The embedded store is honest about its limit: a store past GRAPHCRM_EMBEDDED_MEMORY_MB is refused at open with the
figures and the way out (never a MemoryError or a swap storm), the file is left as it was, and the CLI says it in one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from graphcrm.errors import ConfigError, StoreError
from graphcrm.generator import generate
from graphcrm.stores import open_store
from graphcrm.stores.embedded import memory_budget_mb

from handbuilt import organisation


@pytest.fixture
def stored(tmp_path):
    """An embedded store holding the size-S organisation (2,000 clients, enough to need more than 150 MB + 1)."""
    path = tmp_path / "g.db"
    store = open_store(f"sqlite:///{path}")
    store.write(generate("S", 1))
    counts = store.counts()
    store.close()
    return path, counts


def test_a_store_within_its_budget_opens(stored, monkeypatch):
    path, counts = stored
    monkeypatch.setenv("GRAPHCRM_EMBEDDED_MEMORY_MB", "3072")
    store = open_store(f"sqlite:///{path}")
    assert store.counts() == counts
    store.close()


def test_a_store_past_its_budget_is_refused_with_the_figures_and_the_way_out(stored, monkeypatch):
    path, counts = stored
    monkeypatch.setenv("GRAPHCRM_EMBEDDED_MEMORY_MB", "151")
    with pytest.raises(StoreError) as refused:
        open_store(f"sqlite:///{path}")
    message = str(refused.value)
    assert "too large for the embedded store" in message
    assert "budget is 151 MB (GRAPHCRM_EMBEDDED_MEMORY_MB)" in message
    assert f"{counts['coverage']:,} coverage" in message          # the biggest part, counted
    assert "Neo4j" in message and "graphcrm export" in message
    monkeypatch.setenv("GRAPHCRM_EMBEDDED_MEMORY_MB", "4000")      # a larger budget opens it, as it was
    store = open_store(f"sqlite:///{path}")
    assert store.counts() == counts
    store.close()


def test_a_small_store_fits_a_small_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHCRM_EMBEDDED_MEMORY_MB", "160")
    store = open_store(f"sqlite:///{tmp_path / 'small.db'}")
    store.write(organisation())
    store.close()
    open_store(f"sqlite:///{tmp_path / 'small.db'}").close()


@pytest.mark.parametrize("raw", ["lots", "-5", "0", "2.5"])
def test_a_budget_that_is_not_a_number_of_megabytes_is_a_config_error(raw, monkeypatch):
    monkeypatch.setenv("GRAPHCRM_EMBEDDED_MEMORY_MB", raw)
    with pytest.raises(ConfigError, match="GRAPHCRM_EMBEDDED_MEMORY_MB"):
        memory_budget_mb()


def test_the_cli_refuses_in_one_line(stored):
    path, _ = stored
    env = {**os.environ, "GRAPHCRM_EMBEDDED_MEMORY_MB": "151"}
    env.pop("GRAPHCRM_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", f"sqlite:///{path}", "report", "coverage_gaps"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == StoreError.exit_code
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "too large for the embedded store" in result.stderr
