"""Concurrent writers and a killed import, on both stores: no duplicates, nothing acknowledged is lost."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from graphcrm.config import Settings
from graphcrm.exporter import write_folder
from graphcrm.generator import generate
from graphcrm.service import Service
from graphcrm.stores import open_store
from graphcrm.permissions import User

from handbuilt import organisation

MANAGER = User("boss@x.org", "manager")
NOW = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def _open_like(store, tmp_path):
    """A second connection to the same store, as another process or web worker would hold."""
    if store.kind == "embedded":
        return open_store(store.url)
    return open_store(os.environ["NEO4J_URI"])


def test_eight_concurrent_writers_never_duplicate_and_lose_nothing(store, tmp_path, neo4j_settings):
    store.write(organisation())
    acknowledged: list[tuple[str, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        own = _open_like(store, tmp_path) if store.kind == "neo4j" else store
        service = Service(own, Settings(), clock=lambda: NOW)
        rng = random.Random(n)
        try:
            for k in range(25):
                # Half the writes reuse ids another writer also sends: a retry or a double click.
                shared = rng.random() < 0.5
                iid = f"shared-{k}" if shared else f"w{n}-{k}"
                at = NOW - timedelta(hours=k + 1)
                change = service.log_interaction(MANAGER, rng.choice(["K1", "K2", "K3", "K4"]) if not shared else "K1",
                                                 "contact", at, ["A1"], f"call {k}", id=iid)
                need = service.record_need(MANAGER, "K2", f"need {k}", date(2026, 2, 1), id=f"need-{k}" if shared else f"need-w{n}-{k}")
                with lock:
                    acknowledged.append(("interaction", change.records.interactions[0].id))
                    acknowledged.append(("need", need.records.needs[0].id))
        except BaseException as exc:  # surfaced below
            failures.append(exc)
        finally:
            if own is not store:
                own.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:1]
    stored = store.read_all()
    interaction_ids = [i.id for i in stored.interactions]
    need_ids = [n.id for n in stored.needs]
    assert len(interaction_ids) == len(set(interaction_ids)) and len(need_ids) == len(set(need_ids))
    assert {i for kind, i in acknowledged if kind == "interaction"} <= set(interaction_ids)
    assert {i for kind, i in acknowledged if kind == "need"} <= set(need_ids)
    # Exactly the acknowledged writes were added: no duplicates under other ids, nothing extra.
    assert len(interaction_ids) == len(organisation().interactions) + len({i for k, i in acknowledged if k == "interaction"})
    assert len(need_ids) == len(organisation().needs) + len({i for k, i in acknowledged if k == "need"})
    if store.kind == "neo4j":
        counts = store.driver.execute_query("MATCH (i:Interaction) WITH i.id AS id, count(*) AS n WHERE n > 1 RETURN count(*) AS dupes",
                                            database_=store.database).records[0]["dupes"]
        assert counts == 0
    else:
        assert store.integrity_check() == "ok"


def _big_folder(tmp_path):
    """About 137,000 rows: size M without its interactions (they would make the test slow, not harder)."""
    records = generate("M", 5)
    records.interactions = []
    folder = tmp_path / "big"
    write_folder(records, folder)
    return folder, records


def _kill_during_import(url: str, folder, env: dict) -> None:
    process = subprocess.Popen([sys.executable, "-m", "graphcrm.cli", "--store", url, "import", str(folder)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(random.Random(url).uniform(2.0, 3.5))          # parsing takes ~1.5 s; writes follow
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.slow
def test_killed_import_then_rerun_gives_the_clean_graph_embedded(tmp_path):
    folder, records = _big_folder(tmp_path)
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    _kill_during_import(url, folder, dict(os.environ))
    killed = open_store(url)
    try:
        # One SQLite transaction: the kill leaves all of the import or none of it, never a part.
        assert sum(killed.counts().values()) in (0, len(records))
        assert killed.integrity_check() == "ok"
    finally:
        killed.close()
    rerun = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", url, "import", str(folder)], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    store = open_store(url)
    try:
        assert store.integrity_check() == "ok"
        assert store.read_all().canonical() == records.canonical()
    finally:
        store.close()


@pytest.mark.slow
def test_killed_import_then_rerun_gives_the_clean_graph_neo4j(tmp_path, neo4j_store, neo4j_settings):
    folder, records = _big_folder(tmp_path)
    env = {**os.environ, "NEO4J_USER": neo4j_settings["user"], "NEO4J_PASSWORD": neo4j_settings["password"]}
    _kill_during_import(neo4j_settings["uri"], folder, env)
    partial = neo4j_store.counts()
    rerun = subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", neo4j_settings["uri"], "import", str(folder)],
                           capture_output=True, text=True, env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert neo4j_store.read_all().canonical() == records.canonical()
    assert sum(partial.values()) < len(records)          # the kill really interrupted it
