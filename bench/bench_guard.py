"""The analyst guard: peak memory (RSS) of the CLI and of the web process under big-row queries, what a runaway
costs before it is stopped, and the guard's own overhead. Figures with their baseline, no pass/fail.

Finding 12: 10,000 rows x 1,000 strings took 2.1 GB in the CLI and three console requests 1 GB in the
web process. The byte cap ([guard] max_bytes, default 10 MB) cuts the stream; the baseline is the same
process answering `RETURN 1`, and the same query uncapped at a tenth of the rows shows what the cap saves.
Needs the Neo4j of `scripts/neo4j.sh` (NEO4J_URI / NEO4J_PASSWORD, as `make bench` sets them).
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import ROOT, heading, median_of, neo4j_holding

from graphcrm.errors import QueryRefused, QueryTimeout
from graphcrm.guard import Limits

BIG = ("UNWIND range(1, 100) AS a UNWIND range(1, 100) AS b "
       "RETURN a, b, [j IN range(1, 1000) | 'abcdefghijklmnopqrstuvwxyz0123456789'] AS strings")
TENTH = BIG.replace("UNWIND range(1, 100) AS a", "UNWIND range(1, 10) AS a")
FINDING_11 = "MATCH (a:Staff) " + " ".join(
    f"OPTIONAL MATCH (a)-[:COVERS]->(c{i}:Client)<-[:COVERS]-(s{i}:Staff)" for i in range(1, 7)) + " RETURN count(*)"
MB = 1024 * 1024


def cli(*args: str) -> tuple[float, int, str]:
    """Run the CLI; its peak RSS in MB (from the kernel's accounting of the child), exit code and stderr."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-m", "graphcrm.cli", "--store", os.environ["NEO4J_URI"], *args],
                                 stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(child.pid, 0)
        err.seek(0)
        return usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), err.read().decode()[-300:]


def cli_memory() -> None:
    heading("CLI peak RSS (graphcrm query -e ... --format json), MB")
    base, _, _ = cli("query", "-e", "RETURN 1 AS x", "--format", "json")
    capped, code, err = cli("query", "-e", BIG, "--format", "json")
    tenth, code2, err2 = cli("query", "-e", TENTH, "--format", "json", "--max-bytes", str(10**12))
    assert code == 0 and code2 == 0, (err, err2)
    print(f"  baseline  RETURN 1                                   {base:8.1f}")
    print(f"  10,000 rows x 1,000 strings, capped at 10 MB         {capped:8.1f}   (+{capped - base:.1f} over baseline)")
    print(f"  1,000 rows x 1,000 strings, no byte cap              {tenth:8.1f}   (+{tenth - base:.1f}; x10 rows would be "
          f"~+{10 * (tenth - base):.0f})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hwm(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def web_memory() -> None:
    heading("web process peak RSS (graphcrm serve), MB: three concurrent big-row requests")
    folder = Path(tempfile.mkdtemp(prefix="bench-guard-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHCRM_AUTH_DB": str(folder / "auth.db")}
    base_cmd = [sys.executable, "-m", "graphcrm.cli", "--store", os.environ["NEO4J_URI"]]
    subprocess.run(base_cmd + ["users", "add", "ana@x.org", "--role", "analyst", "--password-stdin"], input="bench-password-1\n",
                   text=True, env=env, check=True, capture_output=True, cwd=folder)
    token = subprocess.run(base_cmd + ["users", "token", "ana@x.org"], text=True, env=env, check=True, capture_output=True,
                           cwd=folder).stdout.strip()
    port = _free_port()
    server = subprocess.Popen(base_cmd + ["serve", "--port", str(port)], env=env, cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base_url + "/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)

        def api(cypher: str) -> dict:
            request = urllib.request.Request(base_url + "/api/query", data=json.dumps({"cypher": cypher}).encode(),
                                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            return json.loads(urllib.request.urlopen(request, timeout=120).read())

        def console(cypher: str) -> int:
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            form = opener.open(base_url + "/login", timeout=30).read().decode()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            opener.open(base_url + "/login?next=/console", urllib.parse.urlencode(
                {"email": "ana@x.org", "password": "bench-password-1", "csrf_token": csrf}).encode(), timeout=30)
            page = opener.open(base_url + "/console", timeout=30).read().decode()
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            return len(opener.open(base_url + "/console", urllib.parse.urlencode(
                {"cypher": cypher, "csrf_token": csrf}).encode(), timeout=120).read())

        def three(fn) -> list:
            out: list = []
            threads = [threading.Thread(target=lambda: out.append(fn(BIG))) for _ in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return out

        api("RETURN 1 AS x")
        console("RETURN 1 AS x")
        base = _hwm(server.pid)
        answers = three(api)
        after_api = _hwm(server.pid)
        pages = three(console)
        after_console = _hwm(server.pid)
        rows = [len(a["rows"]) for a in answers]
        print(f"  baseline after RETURN 1 (API and console)            {base:8.1f}")
        print(f"  3 x /api/query, 10,000 x 1,000 strings, cut at 10 MB {after_api:8.1f}   (+{after_api - base:.1f}; "
              f"rows returned {rows}, cut {answers[0]['cut']})")
        print(f"  3 x console, the same query                          {after_console:8.1f}   (+{after_console - after_api:.1f}; "
              f"pages of {max(pages) / MB:.1f} MB)")
    finally:
        server.terminate()
        server.wait(10)


def runaways(store) -> None:
    heading("runaways: refused before running, or stopped at the limit (seconds)")
    started = time.monotonic()
    try:
        store.analyst_query(FINDING_11, limits=Limits(timeout=5))
    except QueryRefused as exc:
        print(f"  finding 11, default bounds: refused in {time.monotonic() - started:.2f} s ({str(exc)[:90]}...)")
    lifted = Limits(timeout=2, max_estimated_rows=10**15, max_estimated_cost=10**16, max_hops=20, max_cartesian_products=5)
    for query in ("MATCH p = (s:Staff)-[:COVERS*..8]-(x) RETURN count(p)",
                  "MATCH (a:Interaction), (b:Interaction), (c:Staff) WHERE a.id < b.id RETURN count(*)"):
        started = time.monotonic()
        try:
            store.analyst_query(query, limits=lifted)
            print(f"  {query[:60]:60} finished in {time.monotonic() - started:.2f} s (data too small to run away)")
        except QueryTimeout as exc:
            print(f"  {query[:60]:60} stopped after {time.monotonic() - started:.2f} s at a 2 s limit: {exc}")


def overhead(store) -> None:
    heading("the guard's overhead per query (median of 21, seconds)")
    query = "MATCH (c:Client) RETURN c.id AS id ORDER BY id LIMIT 20"
    direct = median_of(lambda: store.driver.execute_query(query, database_=store.database), runs=21)
    guarded = median_of(lambda: store.analyst_query(query), runs=21)
    print(f"  baseline: the driver alone       {direct:.4f}")
    print(f"  through the guard (EXPLAIN, own connection, own transaction lookup) {guarded:.4f}   x{guarded / direct:.1f}")


def main() -> None:
    from graphcrm.generator import generate

    store = neo4j_holding(generate("S", 7))       # the size-S organisation the guard tests use
    try:
        cli_memory()
        web_memory()
        runaways(store)
        overhead(store)
    finally:
        store.close()


if __name__ == "__main__":
    main()
