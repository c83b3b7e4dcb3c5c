"""The graph explorer at size M on both stores: opening view to first paint, layout of 2,000 elements, API latency.

Targets (issue 11): the explorer's opening view painted <= 1 s after navigation in headless Chromium; 2,000
elements laid out <= 1 s with the default layout (swim lanes); the other layouts printed for comparison.
Also printed: the neighbourhood and search APIs (median and p95, 8 concurrent clients on loopback) and the
opening view's server time. Baseline in the same process: GET /login (touches no data).
Screenshots of the explorer at size M go to test-artifacts/screenshots/explorer-M-*.png.
"""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import statistics
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import date

from common import ROOT, heading, median_of, neo4j_holding, open_store, organisation_folder

from graphcrm.graphview import Explorer
from graphcrm.importer import read_folder
from graphcrm.webapp import create_app

SHOTS = ROOT / "test-artifacts" / "screenshots"
READY = "() => document.body.dataset.graphReady === '1' && document.body.dataset.firstPaint"


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def api_latency(app, base, records, clients=8, per_client=40):
    """Median and p95 of the neighbourhood API (random nodes, random pages) and of search, under concurrent clients."""
    token = app.extensions["graphcrm"].users.create_token("analyst@demo.example")
    nodes = ([("Client", c.id) for c in random.Random(1).sample(records.clients, 2000)]
             + [("Staff", s.id) for s in records.staff] + [("Team", t.id) for t in records.teams]
             + [("Tier", t.key) for t in records.tiers])
    words = ["holdings", "chen", "a", "contoso", "team", "S01", "C0001", "foods 1"]
    timings = {"neighbourhood": [], "search": []}
    lock = threading.Lock()

    def call(kind, url):
        request = urllib.request.Request(base + url, headers={"Authorization": f"Bearer {token}"})
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            json.loads(response.read())
        with lock:
            timings[kind].append(time.perf_counter() - started)

    def worker(seed):
        rng = random.Random(seed)
        for _ in range(per_client):
            label, key = rng.choice(nodes)
            call("neighbourhood", f"/api/graph/neighbours?label={label}&key={key}&offset={rng.choice([0, 0, 50, 100])}")
            if rng.random() < 0.25:
                call("search", f"/api/graph/find?q={urllib.request.quote(rng.choice(words))}&offset={rng.choice([0, 20])}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {}
    for kind, values in timings.items():
        values.sort()
        out[kind] = (statistics.median(values), values[max(0, int(0.95 * len(values)) - 1)], len(values))
    return out


def in_chromium(base, label, busy_staff, shots):
    """First paint of the opening view (median of 5 loads), then 2,000 real elements laid out by each layout."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1500, "height": 950})
        page.goto(f"{base}/login")
        page.fill("input[name=email]", "manager@demo.example")
        page.fill("input[name=password]", "demo-manager-password")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        paints = []
        for _ in range(6):
            page.goto(f"{base}/graph")
            page.wait_for_function(READY, timeout=120_000)
            paints.append(float(page.evaluate("document.body.dataset.firstPaint")))
        out["first paint of the opening view (median of 5, after one warm-up load)"] = statistics.median(paints[1:])
        out["elements in the opening view"] = page.evaluate("cy.elements().not('.lane').length")
        if shots:
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / "explorer-M-opening.png"))
        # Real neighbourhoods until there are 2,000 elements: the busiest people, page after page.
        for staff in busy_staff:
            if page.evaluate("cy.elements().not('.lane').length") >= 2000:
                break
            page.evaluate(f"explorer.openNode('Staff', {staff!r}).then(() => null)")
            page.wait_for_function(f"() => cy.getElementById('Staff:{staff}').nonempty() && document.body.dataset.graphReady === '1'")
            while page.evaluate(f"cy.getElementById('More:Staff:{staff}').nonempty()") and \
                    page.evaluate("cy.elements().not('.lane').length") < 2000:
                page.evaluate(f"explorer.expand('Staff:{staff}').then(() => null)")
                page.wait_for_function("() => document.body.dataset.graphReady === '1'")
        out["elements laid out"] = page.evaluate("cy.elements().not('.lane').length")
        page.evaluate("cy.$(':selected').unselect() && null")
        if page.locator("#info").is_visible():
            page.click("#info button.close")
        for name in ("lanes", "concentric", "fcose"):
            runs = []
            for _ in range(3):
                runs.append(page.evaluate(f"""async () => {{
                    document.getElementById('layout').value = {name!r};
                    const t = performance.now();
                    await explorer.layout();
                    return performance.now() - t; }}"""))
            out[f"layout '{name}' of those elements (median of 3)"] = statistics.median(runs)
            if shots and name == "lanes":
                page.wait_for_timeout(300)
                page.screenshot(path=str(SHOTS / "explorer-M-2000-elements.png"))
                page.evaluate("cy.zoom({level: 1.1, position: cy.nodes(\"[label = 'Client']\").first().position()}) && null")
                page.wait_for_timeout(300)
                page.screenshot(path=str(SHOTS / "explorer-M-2000-elements-zoomed.png"))
        browser.close()
    return out


def run(label, url, records, tmp, shots):
    started = time.perf_counter()
    app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_DEMO": True, "GRAPHCRM_AUTH_DB": f"{tmp}/auth-{label}.db"})
    state = app.extensions["graphcrm"]
    state.wait_until_warm(timeout=1800)
    heading(f"{label}, size M")
    print(f"  dashboard reports and the explorer's opening view computed in the background "
          f"{time.perf_counter() - started:.1f} s after start")
    client = app.test_client()
    baseline = median_of(lambda: client.get("/login"), runs=9)
    print(f"  GET /login (baseline)                        median {baseline * 1000:7.1f} ms")
    today = date.today()
    explorer = Explorer(state.store, state.settings, state.report, today, None)
    fresh = median_of(explorer.opening_view, runs=5)
    print(f"  opening view computed (reports cached)       median {fresh * 1000:7.1f} ms   ({fresh / baseline:.0f}x baseline)")
    server, base = serve(app)
    latency = api_latency(app, base, records)
    for kind, (median, p95, n) in latency.items():
        print(f"  {kind + ' API':<27} {n:4d} calls  median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"
              f"   ({median / baseline:.0f}x baseline)")
    by_load = [s for s, _ in Counter(c.staff for c in records.coverage if c.until is None).most_common(40)]
    for name, value in in_chromium(base, label, by_load, shots).items():
        unit = "" if name.startswith("elements") else " ms"
        target = "   (target <= 1000 ms)" if name.startswith(("first paint", "layout 'lanes'")) else ""
        print(f"  {name:<72} {value:8,.0f}{unit}{target}")
    server.shutdown()
    state.close()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)       # one line per request would bury the figures
    SHOTS.mkdir(parents=True, exist_ok=True)
    records = read_folder(organisation_folder("M"))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{tmp}/graph.db")
        store.write(records)
        store.close()
        run("embedded", f"sqlite:///{tmp}/graph.db", records, tmp, shots=True)
        neo = neo4j_holding(records)
        url = neo.url
        neo.close()
        run("Neo4j", url, records, tmp, shots=False)


if __name__ == "__main__":
    main()
