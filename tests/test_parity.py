"""Both stores give identical rows for every report on hypothesis-generated organisations."""

import os

from hypothesis import HealthCheck, given, settings

from graphcrm.config import Policy
from graphcrm.reports import catalogue, run_report
from graphcrm.stores import open_store

from strategies import AS_OF_DATES, organisations, report_params as _params

EXAMPLES = int(os.environ.get("GRAPHCRM_PARITY_EXAMPLES", "200"))
POLICY = Policy(concentration_min_interactions=2, concentration_share=0.5)   # so small orgs trip the flags


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=organisations())
def test_every_report_agrees_on_both_stores(neo4j_session_store, records):
    neo4j_session_store.clear()
    neo4j_session_store.write(records)
    embedded = open_store("sqlite:///:memory:")
    try:
        embedded.write(records)
        for as_of in AS_OF_DATES:
            for name in catalogue():
                params = _params(name, records)
                expected = run_report(embedded, name, as_of, params, POLICY)
                got = run_report(neo4j_session_store, name, as_of, params, POLICY)
                assert got.rows == expected.rows, (name, as_of)
                assert got.summary == expected.summary, (name, as_of)
        for name in ("truck_factor",):
            for by in ("count", "value"):
                a = run_report(embedded, name, AS_OF_DATES[-1], {"by": by}, POLICY).rows
                b = run_report(neo4j_session_store, name, AS_OF_DATES[-1], {"by": by}, POLICY).rows
                assert a == b
    finally:
        embedded.close()
