"""The graph explorer's neighbour APIs at size M on both stores, under 8 concurrent clients on loopback.

Target (issue 13): p95 <= 50 ms for /api/graph/neighbours (the explorer's, pages with cards) and for the older
/api/graph/neighbourhood, on both stores. Baseline in the same run and under the same load: GET /login,
which touches no data (the web stack's own floor); each endpoint's p95 is printed beside it, with the ratio.
`--profile` also prints where one client's sequential neighbours requests spend their time (cProfile).
"""

from __future__ import annotations

import cProfile
import json
import logging
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request

from common import heading, neo4j_holding, open_store, organisation_folder

from graphcrm.importer import read_folder
from graphcrm.webapp import create_app

CLIENTS, PER_CLIENT = 8, 40


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def targets(records):
    """The nodes asked for: 2,000 random clients, every person, team and tier (as the explorer's users do)."""
    return ([("Client", c.id) for c in random.Random(1).sample(records.clients, 2000)]
            + [("Staff", s.id) for s in records.staff] + [("Team", t.id) for t in records.teams]
            + [("Tier", t.key) for t in records.tiers])


def latencies(base, token, urls) -> tuple[float, float, int]:
    """Median and p95 of the URLs `urls(rng)` gives, CLIENTS threads at once."""
    timings, lock = [], threading.Lock()

    def worker(seed):
        rng = random.Random(seed)
        for _ in range(PER_CLIENT):
            request = urllib.request.Request(base + urls(rng), headers={"Authorization": f"Bearer {token}"})
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                response.read()
            with lock:
                timings.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timings.sort()
    return statistics.median(timings), timings[max(0, int(0.95 * len(timings)) - 1)], len(timings)


def run(label, url, records, tmp, profile):
    app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_DEMO": True, "GRAPHCRM_AUTH_DB": f"{tmp}/auth-{label}.db"})
    app.extensions["graphcrm"].wait_until_warm()
    token = app.extensions["graphcrm"].users.create_token("analyst@demo.example")
    nodes = targets(records)
    endpoints = {
        "GET /login (baseline)": lambda rng: "/login",
        "/api/graph/neighbours": lambda rng: "/api/graph/neighbours?label={}&key={}&offset={}".format(
            *rng.choice(nodes), rng.choice([0, 0, 50, 100])),
        "/api/graph/neighbourhood": lambda rng: "/api/graph/neighbourhood?label={}&key={}&limit=60".format(*rng.choice(nodes)),
    }
    server, base = serve(app)
    try:
        latencies(base, token, endpoints["/api/graph/neighbours"])          # warm-up: caches, plans, JIT
        heading(f"{label}, size M: {CLIENTS} concurrent clients x {PER_CLIENT} requests (median, p95; target p95 <= 50 ms)")
        figures = {name: latencies(base, token, urls) for name, urls in endpoints.items()}
        floor = figures["GET /login (baseline)"][1]
        for name, (median, p95, n) in figures.items():
            print(f"  {name:<26} median {median * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   p95/login p95 {p95 / floor:5.1f}   ({n} requests)")
        if profile:
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            rng = random.Random(7)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(200):
                client.get(endpoints["/api/graph/neighbours"](rng), headers=headers)
            profiler.disable()
            heading(f"{label}: 200 sequential /api/graph/neighbours requests, cProfile by cumulative time")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        server.shutdown()
        app.extensions["graphcrm"].close()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    profile = "--profile" in sys.argv
    records = read_folder(organisation_folder("M"))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/graph.db")
        store.write(records)
        store.close()
        run("embedded", f"sqlite:///{tmp}/graph.db", records, tmp, profile)
        neo = neo4j_holding(records)
        url = neo.url
        neo.close()
        run("Neo4j", url, records, tmp, profile)


if __name__ == "__main__":
    main()
