"""Who is asking and what the responses carry: sessions, API tokens, departures, CSRF, login throttling, redirects, headers."""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request, session
from flask.json.provider import DefaultJSONProvider
from flask_wtf.csrf import CSRFProtect
from limits import parse as parse_limit
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from graphcrm.permissions import User, active_person

__all__ = ["init_app", "current_user", "login_required", "LoginThrottle", "Departures", "safe_next", "csrf",
           "StrictJSONProvider"]

csrf = CSRFProtect()

#: No inline script or style anywhere: every script is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing NaN and infinity (they are not JSON: a client's parser would fail on them)."""

    def dumps(self, obj, **kwargs):
        kwargs.setdefault("allow_nan", False)
        return super().dumps(obj, **kwargs)


class LoginThrottle:
    """Login attempts counted per account and per client address with `limits` (Flask-Limiter's engine).

    Every attempt is counted BEFORE its password is checked, in one atomic step per limit, so a burst
    of concurrent guesses cannot all pass the check while the count lags behind. The address limit is
    counted first and is higher than the account limit: one address can exhaust at most a few
    accounts' budgets and then only locks itself out, never the other addresses. A successful login
    clears its account's count (only the password's owner can do that); the address count stays, so
    logging into one's own account does not buy more guesses at others (see README, Security).
    """

    def __init__(self, account: str = "10 per 5 minutes", address: str = "50 per 5 minutes", storage: str = "memory://"):
        self.account, self.address = parse_limit(account), parse_limit(address)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def attempt(self, email: str, address: str) -> bool:
        """Record one login attempt; False when this address or this account is over its limit (then do not check)."""
        return (self._limiter.hit(self.address, "login-address", address)
                and self._limiter.hit(self.account, "login-account", email))

    def succeeded(self, email: str) -> None:
        self._limiter.clear(self.account, "login-account", email)


class Departures:
    """Whether a login's staff member is still active today, read from the store at most once a minute per person.

    `forget()` is called after every committed change (the app's commit hook), so a departure recorded
    through graphcrm applies to the very next request; one recorded elsewhere, within a minute.
    """

    def __init__(self, store, ttl: float = 60.0):
        self.store, self.ttl = store, ttl
        self._seen: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._seen.clear()

    def active(self, user: User, today: date | None = None) -> bool:
        if not user.staff:
            return True                       # a login that is nobody on the staff never leaves
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(user.staff)
        if seen is None or now - seen[0] > self.ttl:
            view = self.store.staff_view(user.staff)
            seen = (now, view.staff[0] if view else None)
            with self._lock:
                self._seen[user.staff] = seen
        return active_person(seen[1], today or date.today())


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None) -> str | None:
    """The local path a login may go on to, read as a browser reads a URL; None when it would leave the site.

    Browsers drop tabs and line breaks anywhere in a URL, trim spaces and control characters at its
    ends and treat a backslash as a slash, so "/\\t/evil.example" is "//evil.example" to them: normalise
    first, then accept only a path that starts with exactly one slash and names no scheme or host.
    """
    if not target:
        return None
    cleaned = re.sub(r"[\t\n\r]", "", target).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
                                                    "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    cleaned = cleaned.replace("\\", "/")
    if _CONTROL.search(cleaned) or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned


def current_user() -> User | None:
    """The user of this request: a valid bearer token or a live session, of someone who has not left; else None."""
    if "user" not in g:
        g.user = None
        state = current_app.extensions["graphcrm"]
        header = request.headers.get("Authorization", "")
        user = None
        if header.startswith("Bearer "):
            user = state.users.user_for_token(header[7:].strip())
            g.token_auth = True
        elif session.get("sid"):
            user = state.users.user_for_session(session["sid"])
        if user is not None and not current_app.extensions["graphcrm_departures"].active(user):
            user = None                       # from their `left` day on, nobody acts as a departed person
        g.user = user
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            if request.path.startswith("/api/"):
                abort(401, "not logged in (or the session or token was revoked, expired, or belongs to someone who left)")
            from flask import redirect, url_for

            return redirect(url_for("pages.login", next=request.path))
        return view(*args, **kwargs)
    return wrapped


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.json = StrictJSONProvider(app)
    app.config.setdefault("GRAPHCRM_LOGIN_LIMITS", {})
    app.extensions["graphcrm_throttle"] = LoginThrottle(**app.config["GRAPHCRM_LOGIN_LIMITS"])
    state = app.extensions["graphcrm"]
    departures = Departures(state.store)
    app.extensions["graphcrm_departures"] = departures
    state.on_change(departures.forget)
    proxies = int(app.config.get("GRAPHCRM_TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind a reverse proxy every request comes from the proxy: read the client's address from
        # X-Forwarded-For (only as many hops as there are trusted proxies), or one address is everyone.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    @app.before_request
    def check_csrf():
        # Every state-changing request made with a session cookie carries a CSRF token; API calls
        # authenticated by a bearer token carry no cookie, so a forged cross-site request has no power.
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.headers.get("Authorization", "").startswith("Bearer "):
            csrf.protect()

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.vary.add("Cookie")
        if g.get("user") is not None or request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "private, no-store"
        return response
