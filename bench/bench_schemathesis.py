"""A long schemathesis run (every check, tests/apifuzz/hooks.py) against the API on the embedded store and on Neo4j.

`make test` runs a bounded one (tests/test_schemathesis.py); this one generates up to EXAMPLES cases per
operation and phase. Prints the figures per store: operations, cases, failures, errors, seconds.

    python bench/bench_schemathesis.py [EXAMPLES]      (default 300; Neo4j from NEO4J_URI / NEO4J_PASSWORD)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from common import ROOT, neo4j_store

sys.path.insert(0, str(ROOT / "tests"))

from apifuzz.run import figures, run_schemathesis, serve  # noqa: E402
from handbuilt import organisation  # noqa: E402

from graphcrm.stores import open_store  # noqa: E402
from graphcrm.webapp import create_app  # noqa: E402


def run(url: str, examples: int, tmp: Path) -> dict:
    app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_AUTH_DB": str(tmp / "auth.db"), "TESTING": True})
    state = app.extensions["graphcrm"]
    state.users.add("admin@x.org", "admin", None, "correct-horse-battery")
    base, stop = serve(app)
    try:
        report, _ = run_schemathesis(base, state.users.create_token("admin@x.org"), examples, tmp / "report", seed=7)
    finally:
        stop()
        state.close()
    return report


def main() -> int:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        embedded = open_store(f"sqlite:///{tmp / 'st.db'}")
        embedded.write(organisation())
        embedded.close()
        targets = [("embedded", f"sqlite:///{tmp / 'st.db'}")]
        if os.environ.get("NEO4J_PASSWORD"):
            store = neo4j_store()
            store.init_schema()
            store.clear()
            store.write(organisation())
            targets.append(("neo4j", store.url))
            store.close()
        for name, url in targets:
            (tmp / name).mkdir()
            report = run(url, examples, tmp / name)
            print(f"schemathesis {name:<8} -n {examples}: {figures(report)}")
            failed |= bool(report["failures"] or report["errors"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
