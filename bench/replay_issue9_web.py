"""Replays issue 9's findings 1-8 through the web app of whichever graphcrm is first on sys.path; prints one line each.

To see them on the code before the fix:  git worktree add /tmp/old 1cbd563 &&
    PYTHONPATH=/tmp/old .venv/bin/python -W ignore bench/replay_issue9_web.py
and on this checkout:  PYTHONPATH=. .venv/bin/python -W ignore bench/replay_issue9_web.py
"""
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import graphcrm
from graphcrm.webapp import create_app
from graphcrm.stores import open_store
from handbuilt import organisation

print("graphcrm from", Path(graphcrm.__file__).parent)
PASSWORD = "correct-horse-battery"
tmp = Path(tempfile.mkdtemp())


def fresh():
    url = f"sqlite:///{tmp / f'{time.time_ns()}.db'}"
    s = open_store(url); s.write(organisation()); s.close()
    app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_AUTH_DB": str(tmp / f"{time.time_ns()}-auth.db"), "TESTING": True})
    u = app.extensions["graphcrm"].users
    for email, role, staff in [("boss@x.org", "manager", None), ("a1@x.org", "staff", "A1"), ("a2@x.org", "staff", "A2"),
                               ("b2@x.org", "staff", "B2"), ("c2@x.org", "staff", "C2")]:
        u.add(email, role, staff, PASSWORD)
    return app


def bearer(app, email):
    c = app.test_client(); c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.extensions["graphcrm"].users.create_token(email); return c


def csrf(c):
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)


def login(c, email, nxt=""):
    return c.post("/login" + (f"?next={nxt}" if nxt else ""), data={"email": email, "password": PASSWORD, "csrf_token": csrf(c)})


def report(n, ok, detail):
    print(f"finding {n}: {'HOLDS' if ok else 'BROKEN'} - {detail}")


# 1
app = fresh()
r = bearer(app, "a1@x.org").post("/api/clients/K1/interactions", json={"kind": "contact", "summary": "x", "id": "I20"})
r2 = bearer(app, "a1@x.org").post("/api/clients/K1/needs", json={"summary": "x", "id": "N3"})
report(1, r.status_code == 409 and r2.status_code == 409, f"overwrite I20 of K4 from K1 -> {r.status_code}; need N3 -> {r2.status_code}")
# 2
cases = [b'{"kind": "transaction", "amount": NaN}', b'{"kind": "transaction", "amount": "abc"}', rb'{"kind": "contact", "summary": "a\u0000b"}',
         rb'{"kind": "contact", "summary": "\ud800"}', b'{"kind": "contact", "summary": ["x"]}', b'{"kind": "contact", "at": "0001-01-01T00:00:00+05:00"}']
got = []
for raw in cases:
    try:
        got.append(bearer(app, "boss@x.org").post("/api/clients/K1/interactions", data=raw, content_type="application/json").status_code)
    except Exception as exc:
        got.append(type(exc).__name__)
got.append(bearer(app, "boss@x.org").post("/api/clients/K1/assessments", json={"grade": "A", "score": True}).status_code)
try:
    got.append(bearer(app, "boss@x.org").post("/api/query", json={"name": "coverage_gaps", "params": ["x"]}).status_code)
except Exception as exc:
    got.append(type(exc).__name__)
report(2, all(g == 400 for g in got), f"NaN, 'abc', NUL, lone surrogate, list, year 1, score true, params list -> {got}")
# 3
c = app.test_client(); r = login(c, "a2@x.org")
report(3, r.status_code != 302, f"A2 (left 2026-03-01) logs in -> {r.status_code}")
# 4
app = fresh()
b2 = bearer(app, "b2@x.org")
r = b2.get("/api/clients/K1?as_of=2026-02-15"); r2 = b2.post("/api/clients/K1/assessments", json={"grade": "A", "at": "2026-02-15T09:00:00Z"})
report(4, r.status_code == 403 and r2.status_code == 403, f"B2 released from K1: as_of=2026-02-15 -> {r.status_code}; back-dated assessment -> {r2.status_code}")
# 5
c = app.test_client(); login(c, "boss@x.org"); cookie = c.get_cookie("session").value
c.post("/logout", data={"csrf_token": csrf(c)})
c2 = app.test_client(); c2.set_cookie("session", cookie)
report(5, c2.get("/api/me").status_code == 401, f"old session cookie after logout -> {c2.get('/api/me').status_code}")
# 6
res = []
for target in ("/%09/evil.example/phish", "/%0d%0a/x"):
    try:
        r = login(app.test_client(), "boss@x.org", target); res.append((r.status_code, r.headers.get("Location")))
    except Exception as exc:
        res.append(type(exc).__name__)
report(6, all(isinstance(x, tuple) and x[0] == 302 and x[1] == "/" for x in res), f"next=/%09/evil..., next=/%0d%0a/x -> {res}")
# 7
app = fresh()
users = app.extensions["graphcrm"].users
checked = []
real = users.check_password
def counting(email, pw):
    checked.append(1); time.sleep(0.01); return real(email, pw)
users.check_password = counting
clients = [app.test_client() for _ in range(60)]; tokens = [csrf(x) for x in clients]; bar = threading.Barrier(60)
def go(cl, tk):
    bar.wait(); cl.post("/login", data={"email": "boss@x.org", "password": "wrong", "csrf_token": tk})
ts = [threading.Thread(target=go, args=p) for p in zip(clients, tokens)]
[t.start() for t in ts]; [t.join() for t in ts]
report(7, len(checked) <= 10, f"60 concurrent wrong passwords -> {len(checked)} checked")
# 8: a release while a contact is between its check and its write
app = fresh()
state = app.extensions["graphcrm"]
import graphcrm.service as sm
manager, a1 = state.users.get("boss@x.org"), state.users.get("a1@x.org")
svc = getattr(state, "service", None) or sm.Service(state.store, state.settings)
released = threading.Event()
def release():
    svc.release(manager, "A1", "K1", "intel"); released.set()
seen = {}
if hasattr(sm, "authorise_record"):
    real_check = sm.authorise_record
    def hooked(user, action, *a, **k):
        real_check(user, action, *a, **k)
        if user.email == "a1@x.org":
            threading.Thread(target=release).start(); seen["during"] = released.wait(0.5)
    sm.authorise_record = hooked
else:
    real_check = sm.Service._authorise
    def hooked(self, user, action, *a, **k):
        real_check(self, user, action, *a, **k)
        if user.email == "a1@x.org":
            threading.Thread(target=release).start(); seen["during"] = released.wait(0.5)
    sm.Service._authorise = hooked
svc.log_interaction(a1, "K1", "contact", summary="race")
released.wait(30)
report(8, seen.get("during") is False, f"release committed between A1's check and write: {seen.get('during')}")
