"""Who is asking and what the responses carry: sessions, API tokens, CSRF, login throttling, security headers."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from functools import wraps

from flask import Flask, abort, current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from graphcrm.permissions import User

__all__ = ["init_app", "current_user", "login_required", "LoginThrottle", "csrf"]

csrf = CSRFProtect()

#: No inline script or style anywhere: every script is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class LoginThrottle:
    """At most `limit` failed logins per account (and per client address) in `window` seconds."""

    def __init__(self, limit: int = 10, window: float = 300.0):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque:
        failures = self._failures[key]
        while failures and failures[0] < time.monotonic() - self.window:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            return any(len(self._recent(k)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._recent(k).append(time.monotonic())


def current_user() -> User | None:
    if "user" not in g:
        g.user = None
        state = current_app.extensions["graphcrm"]
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            g.user = state.users.user_for_token(header[7:].strip())
            g.token_auth = True
        elif session.get("user"):
            g.user = state.users.get(session["user"])
    return g.user


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            if request.path.startswith("/api/"):
                abort(401)
            from flask import redirect, url_for

            return redirect(url_for("pages.login", next=request.path))
        return view(*args, **kwargs)
    return wrapped


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.extensions["graphcrm_throttle"] = LoginThrottle()

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
