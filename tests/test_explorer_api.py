"""The graph explorer's endpoints on both stores: the opening view, paging to the end, search, teams, paths, and a
staff user's reach (their clients, their teams, themselves; 403 for the rest) decided on the server."""

from datetime import date, timedelta

import pytest

from graphcrm.config import Policy
from graphcrm.graphview import PATH_MISSING, PATH_REPORT, rank_by_risk
from graphcrm.permissions import User, explorer_reach, may_read_client
from graphcrm.reports import catalogue, run_report
from graphcrm.webapp import create_app

from handbuilt import AS_OF, organisation

DAY = AS_OF.isoformat()
USERS = {"manager": ("boss@x.org", None), "analyst": ("ana@x.org", None), "staff": ("a1@x.org", "A1")}


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    state = application.extensions["graphcrm"]
    for role, (email, staff) in USERS.items():
        state.users.add(email, role, staff, "correct-horse-battery")
    yield application
    state.close()


def client_for(app, role):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.extensions["graphcrm"].users.create_token(USERS[role][0])
    return client


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_json()


def test_the_opening_view_is_the_clients_to_act_on_first_with_their_coverers(app, store):
    view = get(client_for(app, "manager"), f"/api/graph/opening?as_of={DAY}")
    # risk x value: K1 3 x 1000, K3 1 x 500, K4 2 x 200, K2 9 x no value (counts 0, so last despite the highest risk).
    assert [(c["key"], c["risk"]) for c in view["top"]] == [("K1", 3), ("K3", 1), ("K4", 2), ("K2", 9)]
    assert view["top"][0]["name"] == "Alpha Foods"
    assert view["top"][0]["reasons"] == ["one person alone at Intelligence, Planning, where grade A asks for 2"]
    assert view["top"][2]["reasons"] == ["split authority broken: Mia One (M1) covers several stages",
                                         "held end to end by Mia One (M1)"]
    k1 = view["pages"][0]
    assert k1["centre"]["key"] == "K1" and k1["total"] == 6
    assert [(n["node"]["name"], n["tier"]) for n in k1["neighbours"] if n["type"] == "COVERS"] == [
        ("Ann One", "intel"), ("Bo One", "planning"), ("Cy One", "solution"), ("Cy Two", "solution")]
    expected = run_report(store, "key_person_risk", AS_OF, {}, Policy()).rows
    values = store.client_values(["K1", "K2", "K3", "K4"])
    assert [c["key"] for c in view["top"]] == rank_by_risk({r["client"]: r["risk"] for r in expected}, values, sorted(values))


def test_every_client_shown_carries_its_risk_from_key_person_risk(app, store):
    manager = client_for(app, "manager")
    risks = {r["client"]: r["risk"] for r in run_report(store, "key_person_risk", AS_OF, {}, Policy()).rows}
    shown = {}
    for label, key in (("Staff", "M1"), ("Team", "T1"), ("Staff", "B1"), ("Staff", "C2")):
        page = get(manager, f"/api/graph/neighbours?label={label}&key={key}&as_of={DAY}")
        shown.update({n["node"]["key"]: n["node"]["risk"] for n in page["neighbours"] if n["node"]["label"] == "Client"})
    assert shown == {c: risks.get(c, 0) for c in shown} and set(shown) == {"K1", "K2", "K3", "K4"}


def test_neighbours_load_page_by_page_to_the_end(app):
    manager = client_for(app, "manager")
    loaded, offset = [], 0
    while True:
        page = get(manager, f"/api/graph/neighbours?label=Staff&key=M1&as_of={DAY}&offset={offset}&limit=4")
        assert page["total"] == 11 and page["offset"] == offset
        if not page["neighbours"]:
            break
        loaded += [(n["type"], n["node"]["key"], n["tier"]) for n in page["neighbours"]]
        offset += len(page["neighbours"])
    assert len(loaded) == len(set(loaded)) == 11
    get(manager, f"/api/graph/neighbours?label=Staff&key=M1&offset=-1", 400)
    get(manager, f"/api/graph/neighbours?label=Person&key=M1", 400)
    get(manager, f"/api/graph/neighbours?label=Client&key=K99", 404)


def test_search_pages_and_says_when_nothing_matches(app):
    manager = client_for(app, "manager")
    first = get(manager, "/api/graph/find?q=a&limit=5")
    assert first["total"] == 13 and len(first["hits"]) == 5 and first["offset"] == 0
    rest = [get(manager, f"/api/graph/find?q=a&limit=5&offset={o}")["hits"] for o in (5, 10)]
    assert len({h["key"] for h in first["hits"] + rest[0] + rest[1]}) == 13
    assert get(manager, "/api/graph/find?q=nothing-like-this") == {"hits": [], "total": 0, "offset": 0, "text": "nothing-like-this"}


def test_teams_are_all_teams_for_managers_and_their_own_for_staff(app):
    assert get(client_for(app, "analyst"), "/api/graph/teams") == [
        {"key": "T1", "name": "Alpha team"}, {"key": "T2", "name": "Beta team"}, {"key": "T3", "name": "Empty team"}]
    assert get(client_for(app, "staff"), "/api/graph/teams") == [{"key": "T1", "name": "Alpha team"}]


def test_path_finding_runs_the_path_report_or_says_it_is_not_there_yet(app):
    answer = get(client_for(app, "manager"), f"/api/graph/path?from=A1&to=K4&as_of={DAY}")
    if PATH_REPORT in catalogue():
        assert answer["available"] is True
        for chain in answer["chains"]:
            assert chain["steps"][0]["id"] == "A1" and chain["steps"][-1]["id"] == "K4"
    else:
        assert answer == {"available": False, "message": PATH_MISSING, "chains": []}
    get(client_for(app, "manager"), "/api/graph/path?from=A1", 400)
    get(client_for(app, "staff"), "/api/graph/path?from=A1&to=K1", 403)


def test_a_staff_user_explores_only_their_reach_today(app):
    staff = client_for(app, "staff")           # A1: covers K1 and K2 (intel), member of T1, which engages K1 and K2
    view = get(staff, "/api/graph/opening")
    assert [c["key"] for c in view["top"]] == ["K1", "K2"]
    nodes = {(n["node"]["label"], n["node"]["key"]): n["node"]["open"] for p in view["pages"] for n in p["neighbours"]}
    assert nodes[("Staff", "B1")] is False and nodes[("Team", "T1")] is True
    assert {key for (label, key) in nodes if label == "Client"} <= {"K1", "K2"}
    assert get(staff, "/api/graph/neighbours?label=Client&key=K2")["centre"]["open"] is True
    assert get(staff, "/api/graph/neighbours?label=Team&key=T1")["total"] > 0
    assert get(staff, "/api/graph/neighbours?label=Staff&key=A1")["total"] > 0
    for label, key in (("Client", "K3"), ("Client", "K4"), ("Staff", "B1"), ("Team", "T2"), ("Tier", "intel")):
        refused = get(staff, f"/api/graph/neighbours?label={label}&key={key}", 403)
        assert "you may open yourself, your teams and the clients you may read" in refused["error"]
    assert "today's graph only" in get(staff, f"/api/graph/opening?as_of={DAY}", 403)["error"]
    hits = get(staff, "/api/graph/find?q=a&limit=50")["hits"]
    assert {(h["label"], h["key"]) for h in hits} == {("Client", "K1"), ("Client", "K2"), ("Staff", "A1"), ("Team", "T1")}
    assert get(staff, "/api/graph/find?q=Gamma")["total"] == 0


def test_the_explorer_page_is_offered_to_every_role(app):
    for role in USERS:
        page = client_for(app, role).get("/graph")
        assert page.status_code == 200 and 'id="cy"' in page.get_data(as_text=True)
    text = client_for(app, "staff").get("/graph").get_data(as_text=True)
    assert "Your clients to act on first" in text and 'id="path"' not in text
    assert '<option value="T2">' not in text and '<option value="T1">Alpha team (T1)</option>' in text


@pytest.mark.parametrize("day", [AS_OF, AS_OF + timedelta(days=120), date(2025, 6, 1)])
def test_a_staff_reach_is_the_rule_of_may_read_client(store, day):
    records = organisation()
    store.write(records)
    for person in records.staff:
        user = User(f"{person.id}@x.org", "staff", person.id)
        me = store.staff_view(person.id)
        teams = [store.team_view(t.id) for t in records.teams]
        reach = explorer_reach(user, me, teams, day)
        readable = {c.id for c in records.clients if may_read_client(user, store.client_view(c.id), me, day)}
        assert reach.clients == readable, (person.id, day)
        assert reach.covered <= reach.clients


def test_the_opening_view_follows_a_change(app):
    manager = client_for(app, "manager")
    assert [c["key"] for c in get(manager, f"/api/graph/opening?as_of={DAY}")["top"]] == ["K1", "K3", "K4", "K2"]
    # A second coverer at K1's two single-point stages: K1 no longer needs acting on.
    for staff, tier in (("A4", "intel"), ("B2", "planning")):
        response = manager.post("/api/coverage", json={"staff": staff, "client": "K1", "tier": tier, "since": DAY})
        assert response.status_code == 200, response.get_data(as_text=True)
    assert [c["key"] for c in get(manager, f"/api/graph/opening?as_of={DAY}")["top"]] == ["K3", "K4", "K2"]
