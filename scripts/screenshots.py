"""Screenshots of every page at a generated size (S, M, ...) in headless Chromium: test-artifacts/screenshots/.

    .venv/bin/python scripts/screenshots.py M

The organisation is generated (seed 1, as of the generator's anchor day) into a temporary embedded
store; a manager, an admin and a staff member with clients log in. Every page the manager reaches is
taken, plus the staff member's work queue and client page, and the admin's import page.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import logging

from werkzeug.serving import make_server

from graphcrm.generator import DEFAULT_ANCHOR, generate
from graphcrm.stores import open_store
from graphcrm.webapp import create_app

OUT = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
DAY = DEFAULT_ANCHOR.isoformat()


def main(size: str) -> None:
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)      # one line per page, not one per request
    started = time.perf_counter()
    records = generate(size, 1)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        store = open_store(url)
        store.write(records)
        store.close()
        app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_DEMO": True, "GRAPHCRM_AUTH_DB": f"{tmp}/auth.db"})
        app.extensions["graphcrm"].wait_until_warm()
        print(f"size {size}: {len(records.clients):,} clients ready in {time.perf_counter() - started:.0f} s")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        busy = max(records.clients, key=lambda c: c.value or 0).id
        staff = records.staff[1].id
        pages = {"dashboard": f"/?as_of={DAY}", "portfolio": f"/portfolio?as_of={DAY}",
                 "portfolio-p50": f"/portfolio?as_of={DAY}&page=50&size=25", "reports": "/reports",
                 "report-key_person_risk": f"/reports/key_person_risk?as_of={DAY}&sort=risk&desc=1",
                 "report-departure_impact": f"/reports/departure_impact?as_of={DAY}&staff={staff}",
                 "client": f"/clients/{busy}?as_of={DAY}", "staff": f"/staff/{staff}?as_of={DAY}",
                 "graph": "/graph", "console": "/console", "audit": "/audit"}
        OUT.mkdir(parents=True, exist_ok=True)
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--disable-gpu", "--no-sandbox"])
            for role, wanted in (("manager", pages), ("admin", {"import": "/import"}), ("staff", {"my-work": f"/?as_of={DAY}"})):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(f"{base}/login")
                page.fill("input[name=email]", f"{role}@demo.example")
                page.fill("input[name=password]", f"demo-{role}-password")
                page.click("button[type=submit]")
                page.wait_for_url(f"{base}/")
                for name, path in wanted.items():
                    response = page.goto(base + path)
                    if name == "graph":
                        page.wait_for_function("() => document.body.dataset.graphReady === '1'", timeout=60_000)
                    if page.locator("#trend").count():
                        page.wait_for_function("() => document.getElementById('trend').dataset.ready", timeout=120_000)
                    target = OUT / f"ui-{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=name not in ("portfolio", "report-key_person_risk"))
                    print(f"  {response.status} {path:<60} -> {target.relative_to(OUT.parent.parent)}")
                page.close()
            browser.close()
        server.shutdown()
        app.extensions["graphcrm"].close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "S")
