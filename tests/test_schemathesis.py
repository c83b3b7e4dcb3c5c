"""schemathesis against /api/openapi.json, every check, on both stores: 0 server errors, 0 schema violations.

A bounded run (a minute or two); bench/bench_schemathesis.py runs longer. Figures go to
test-artifacts/schemathesis-<store>.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphcrm.webapp import create_app

from handbuilt import organisation
from apifuzz.run import figures, run_schemathesis, serve

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
EXAMPLES = {"embedded": 30, "neo4j": 15}


@pytest.mark.slow
def test_schemathesis_finds_nothing(store, tmp_path, request):
    store.write(organisation())
    app = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    state = app.extensions["graphcrm"]
    state.users.add("admin@x.org", "admin", None, "correct-horse-battery")
    base, stop = serve(app)
    try:
        kind = request.node.callspec.params["store"]
        report, output = run_schemathesis(base, state.users.create_token("admin@x.org"), EXAMPLES[kind], tmp_path / "report")
    finally:
        stop()
        state.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{kind}.txt").write_text(figures(report) + "\n", encoding="utf-8")
    assert report["complete"] and report["operations"]["tested"] == report["operations"]["total"] >= 16, output[-3000:]
    assert report["failures"] == [] and report["errors"] == [], output[-6000:]
    assert report["test_cases"]["generated"] >= 300, figures(report)
