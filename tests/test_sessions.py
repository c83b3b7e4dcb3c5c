"""Logins, sessions and tokens (issue 9, findings 3, 5, 6, 7): revocable sessions, expiring tokens, departed staff
shut out, redirects that stay on the site, and login limits counted before the password is checked."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from graphcrm.webapp import create_app
from graphcrm.webapp.security import safe_next

from handbuilt import organisation

PASSWORD = "correct-horse-battery"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def app(embedded_store, tmp_path):
    embedded_store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": embedded_store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"),
                              "TESTING": True})
    users = application.extensions["graphcrm"].users
    users.add("boss@x.org", "manager", None, PASSWORD)
    users.add("a1@x.org", "staff", "A1", PASSWORD)
    users.add("a2@x.org", "staff", "A2", PASSWORD)            # A2 left on 2026-03-01
    yield application
    application.extensions["graphcrm"].close()


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)


def login(client, email, password=PASSWORD, next_="", address="127.0.0.1"):
    return client.post("/login" + (f"?next={next_}" if next_ else ""),
                       data={"email": email, "password": password, "csrf_token": _csrf(client)},
                       environ_base={"REMOTE_ADDR": address})


# -- finding 5: sessions and tokens ------------------------------------------------------------------
def test_a_session_cookie_opens_nothing_after_logout(app):
    client = app.test_client()
    assert login(client, "boss@x.org").status_code == 302
    stolen = client.get_cookie("session").value
    assert client.get("/api/me").status_code == 200
    client.post("/logout", data={"csrf_token": _csrf(client)})
    replay = app.test_client()
    replay.set_cookie("session", stolen)               # the cookie as it was before logging out
    assert replay.get("/api/me").status_code == 401
    assert replay.get("/clients/K1").headers["Location"].startswith("/login")


@pytest.mark.parametrize("change", ["password", "role", "staff"])
def test_a_new_password_role_or_staff_link_ends_every_session(app, change):
    users = app.extensions["graphcrm"].users
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "a1@x.org")
    login(laptop, "a1@x.org")
    assert phone.get("/api/me").status_code == laptop.get("/api/me").status_code == 200
    users.add("a1@x.org", *{"password": ("staff", "A1", "another-long-password"), "role": ("manager", "A1", PASSWORD),
                             "staff": ("staff", "A4", PASSWORD)}[change])
    assert phone.get("/api/me").status_code == laptop.get("/api/me").status_code == 401


def test_re_saving_a_user_unchanged_keeps_their_sessions(app):
    client = app.test_client()
    login(client, "boss@x.org")
    app.extensions["graphcrm"].users.add("boss@x.org", "manager", None, PASSWORD)
    assert client.get("/api/me").status_code == 200


def test_sessions_and_tokens_are_stored_as_digests(app):
    users = app.extensions["graphcrm"].users
    client = app.test_client()
    login(client, "boss@x.org")
    token = users.create_token("boss@x.org")
    stored = users._db.execute("SELECT digest FROM api_token UNION ALL SELECT digest FROM login_session").fetchall()
    assert len(stored) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", d) for (d,) in stored)
    assert token not in str(stored)


def test_tokens_expire(app):
    users = app.extensions["graphcrm"].users
    short = users.create_token("boss@x.org", days=1 / 86400)          # one second
    client = app.test_client()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    time.sleep(1.2)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {short}"}).status_code == 401
    assert [t.expired for t in users.tokens("boss@x.org")] == [True]


def test_tokens_are_listed_and_revoked_from_the_command_line(app, tmp_path, embedded_store):
    users = app.extensions["graphcrm"].users
    token = users.create_token("boss@x.org")
    keep = users.create_token("a1@x.org")
    env = {"GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "PATH": "/usr/bin:/bin"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "graphcrm.cli", "--store", embedded_store.url, "users", "token", *args],
                              capture_output=True, text=True, env=env)

    listed = cli("--list", "boss@x.org")
    assert listed.returncode == 0 and "boss@x.org" in listed.stdout and "a1@x.org" not in listed.stdout
    token_id = listed.stdout.split()[0]
    assert re.fullmatch(r"[0-9a-f]{12}", token_id) and token not in listed.stdout
    made = cli("a1@x.org", "--expires", "7")
    assert made.returncode == 0
    assert users.tokens("a1@x.org")[-1].expires - users.tokens("a1@x.org")[-1].created == timedelta(days=7)
    assert cli("--revoke", token_id).returncode == 0
    client = app.test_client()
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {keep}"}).status_code == 200
    missing = cli("--revoke", "000000000000")
    assert missing.returncode != 0 and "no token" in missing.stderr and "Traceback" not in missing.stderr


def test_an_auth_database_from_before_expiry_gets_expiring_tokens(tmp_path):
    import sqlite3

    from graphcrm.stores.users import UserStore

    path = tmp_path / "old-auth.db"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE app_user (email TEXT PRIMARY KEY, role TEXT NOT NULL, staff TEXT, password TEXT NOT NULL, "
                      "created TEXT NOT NULL); CREATE TABLE api_token (digest TEXT PRIMARY KEY, email TEXT NOT NULL, "
                      "created TEXT NOT NULL); INSERT INTO api_token VALUES ('ab' || hex(randomblob(31)), 'x@x.org', "
                      "'2020-01-01T00:00:00+00:00');")
    old.commit()
    old.close()
    users = UserStore(str(path))
    [token] = users.tokens()
    assert token.expired and token.expires.date() == date(2020, 3, 31)
    users.close()


# -- finding 3: departed staff ---------------------------------------------------------------------
def test_someone_who_left_cannot_log_in(app):
    response = login(app.test_client(), "a2@x.org")
    assert response.status_code == 200 and "has left" in response.text


def test_a_departure_ends_open_sessions_and_tokens_at_once(app):
    state = app.extensions["graphcrm"]
    client = app.test_client()
    login(client, "a1@x.org")
    token = state.users.create_token("a1@x.org")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/clients/K1").status_code == 200
    assert app.test_client().get("/api/clients/K1", headers=bearer).status_code == 200
    manager = state.users.get("boss@x.org")
    state.service.leave(manager, "A1", date.today() + timedelta(days=1))      # leaving tomorrow: still here today
    assert client.get("/api/clients/K1").status_code == 200
    state.service.leave(manager, "A1", date.today())                          # leaving today: gone now
    assert client.get("/api/clients/K1").status_code == 401
    assert app.test_client().get("/api/clients/K1", headers=bearer).status_code == 401
    assert client.get("/").headers["Location"].startswith("/login")
    assert "has left" in login(app.test_client(), "a1@x.org").text


# -- finding 6: redirects after login stay on the site ----------------------------------------------
@pytest.mark.parametrize("target", [
    "/%09/evil.example/phish", "/%0d%0a/x", "/%0a/evil.example", "%09/%09/evil.example", "/%5Cevil.example",
    "%5C%5Cevil.example", "//evil.example", "///evil.example", "/\\evil.example", "https://evil.example",
    "https:evil.example", "javascript:alert(1)", "%20//evil.example", "/%00/evil.example", "%0b//evil.example",
    "http:/\\evil.example", "/%09%09/evil.example",
])
def test_login_never_redirects_off_the_site(app, target):
    response = login(app.test_client(), "boss@x.org", next_=target)
    assert response.status_code == 302, (target, response.status_code)
    assert response.headers["Location"] == "/", (target, response.headers["Location"])


@pytest.mark.parametrize("target, expected", [("/clients/K1", "/clients/K1"), ("/reports/coverage?as_of=2026-03-01",
                                                                                 "/reports/coverage?as_of=2026-03-01")])
def test_login_goes_on_to_a_local_page(app, target, expected):
    from urllib.parse import quote

    response = login(app.test_client(), "boss@x.org", next_=quote(target, safe=""))
    assert response.headers["Location"] == expected


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="/\\\t\n\r .:@%e\x00\x0b\x1f?#\u3002", max_size=12))
def test_a_redirect_target_is_local_or_refused(target):
    from urllib.parse import urljoin, urlsplit

    cleaned = safe_next(target)
    if cleaned is None:
        return
    # What a browser would do with it: no tabs or line breaks, backslash as slash; the host stays ours.
    browser_view = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    assert urlsplit(urljoin("http://graphcrm.local/start", browser_view)).netloc == "graphcrm.local", target
    assert cleaned.startswith("/") and not cleaned.startswith("//")


# -- finding 7: login limits counted before the password check --------------------------------------
def _count_checks(app):
    users = app.extensions["graphcrm"].users
    checked = []
    real = users.check_password

    def counting(email, password):
        checked.append(email)
        time.sleep(0.01)                      # widen the window a racing check-then-count would slip through
        return real(email, password)

    users.check_password = counting
    return checked


def test_sixty_concurrent_wrong_passwords_check_at_most_the_limit(app):
    checked = _count_checks(app)
    clients = [app.test_client() for _ in range(60)]
    tokens = [_csrf(c) for c in clients]
    start = threading.Barrier(60)
    statuses = []

    def guess(client, token):
        start.wait()
        response = client.post("/login", data={"email": "boss@x.org", "password": "wrong-guess", "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    limit = app.extensions["graphcrm_throttle"].account.amount
    assert len(checked) <= limit == 10, f"{len(checked)} passwords checked of 60 concurrent guesses (limit {limit})"
    assert statuses.count(429) == 60 - len(checked) and statuses.count(200) == len(checked)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "login-throttle.txt").write_text(
        f"60 concurrent wrong passwords for one account: {len(checked)} checked, {statuses.count(429)} refused with 429\n")


def test_an_address_at_its_limit_locks_only_itself_out(app):
    users = app.extensions["graphcrm"].users
    users.add("someone0@x.org", "analyst", None, PASSWORD)
    attacker = app.test_client()
    limit = app.extensions["graphcrm_throttle"].address.amount
    answers = [login(attacker, f"someone{n}@x.org", "guess", address="10.0.0.66").status_code for n in range(limit + 5)]
    assert answers[:limit] == [200] * limit and set(answers[limit:]) == {429}
    # Everyone else, elsewhere, logs in as usual, also into an account the attacker tried.
    for email in ("boss@x.org", "a1@x.org", "someone0@x.org"):
        assert login(app.test_client(), email, address="10.0.0.7").status_code == 302, email


def test_an_account_is_limited_across_addresses(app):
    checked = _count_checks(app)
    for n in range(10):
        assert login(app.test_client(), "boss@x.org", "guess", address=f"10.1.0.{n}").status_code == 200
    assert login(app.test_client(), "boss@x.org", PASSWORD, address="10.1.0.99").status_code == 429
    assert len(checked) == 10


def test_a_successful_login_clears_its_accounts_count_but_not_its_addresses(app):
    for _ in range(9):
        assert login(app.test_client(), "boss@x.org", "guess").status_code == 200
    assert login(app.test_client(), "boss@x.org").status_code == 302
    for _ in range(9):                                  # a fresh budget for the account's owner
        assert login(app.test_client(), "boss@x.org", "guess").status_code == 200
    limit = app.extensions["graphcrm_throttle"].address.amount
    used = 19
    answers = [login(app.test_client(), "a1@x.org").status_code for _ in range(limit - used + 1)]
    assert answers[-1] == 429 and set(answers[:-1]) == {302}      # the address count kept every attempt
