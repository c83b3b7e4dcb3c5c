"""The planner, change and trend reports give the same answers on both stores, with the parameters test_parity does not try."""

import os
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st

from graphcrm.config import Policy
from graphcrm.reports import run_report
from graphcrm.reports.trends import run_trend
from graphcrm.stores import open_store

from strategies import AS_OF_DATES, organisations

EXAMPLES = max(100, int(os.environ.get("GRAPHCRM_PARITY_EXAMPLES", "200")) // 2)
POLICY = Policy(concentration_min_interactions=2, concentration_share=0.5, default_capacity=3)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=organisations(), day=st.sampled_from(AS_OF_DATES), leavers=st.integers(0, 3), pick=st.integers(0, 50))
def test_plans_changes_and_trends_agree_on_both_stores(neo4j_session_store, records, day, leavers, pick):
    neo4j_session_store.clear()
    neo4j_session_store.write(records)
    embedded = open_store("sqlite:///:memory:")
    try:
        embedded.write(records)
        staff = [s.id for s in records.staff]
        runs = [("coverage_plan", {"leaving": staff[:leavers]}),
                ("coverage_plan", {"leaving": staff[-leavers:] if leavers else [], "min_per_tier": '{"C": 2}'}),
                ("changes", {"since": "2025-01-01", "client": records.clients[pick % len(records.clients)].id}),
                ("changes", {"since": "2025-06-30", "staff": staff[pick % len(staff)]})]
        for name, params in runs:
            if name == "changes" and date.fromisoformat(params["since"]) >= day:
                continue
            a = run_report(embedded, name, day, params, POLICY)
            b = run_report(neo4j_session_store, name, day, params, POLICY)
            assert a.rows == b.rows, (name, params)
            assert a.summary == b.summary, (name, params)
        today = date(2026, 3, 2)
        a = run_trend(embedded, date(2025, 12, 1), date(2026, 3, 1), "month", POLICY, today=today)
        b = run_trend(neo4j_session_store, date(2025, 12, 1), date(2026, 3, 1), "month", POLICY, today=today)
        assert a.points == b.points and a.series == b.series
    finally:
        embedded.close()
