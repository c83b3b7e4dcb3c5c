"""The Flask application factory: one store and one auth database per app, blueprints for pages and the JSON API."""

from __future__ import annotations

import os
import secrets
import threading
from datetime import date
from typing import Any, Callable

from flask import Flask

from graphcrm.config import load_settings
from graphcrm.errors import ConfigError
from graphcrm.paths import web_dir

__all__ = ["create_app", "GraphCRMApp"]


class GraphCRMApp:
    """Per-app state in app.extensions['graphcrm']: the store, users, settings and a report cache."""

    def __init__(self, store, users, settings, demo_logins: list[tuple[str, str, str]], warm: bool = True):
        from graphcrm.service import Service

        self.store, self.users, self.settings = store, users, settings
        #: The one service of this app: every write from a page or the API goes through it, and each
        #: committed change clears the report cache.
        self.service = Service(store, settings, on_commit=self.changed)
        self.warm = warm                 # compute the dashboard in the background (off in tests)
        self.demo_logins = demo_logins
        self._cache: dict[tuple, Any] = {}
        self._computing: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self._warming = threading.Lock()
        self._listeners: list = []

    def on_change(self, listener) -> None:
        """Call `listener()` after every committed change too (e.g. the departure check forgets what it read)."""
        self._listeners.append(listener)

    def changed(self) -> None:
        """Called after every committed change: cached results are stale; today's dashboard is recomputed in the background."""
        with self._lock:
            self._cache.clear()
        for listener in self._listeners:
            listener()
        self.warm_in_background()

    def report(self, name: str, as_of: date, params: dict[str, Any]):
        """A report result, computed once per (report, day, parameters) until the next change."""
        from graphcrm.reports import run_report

        key = (name, as_of, tuple(sorted((k, str(v)) for k, v in params.items())))
        return self.cached(key, lambda: run_report(self.store, name, as_of, params, self.settings.policy))

    def directory(self):
        """Every client, staff member, team and tier with its name (pages show names), read once until the next change."""
        return self.cached(("directory",), self.store.directory)

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()`, once per key until the next change; a second request for the same key waits for the first."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:                  # a second request for the same report waits for the first
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            result = compute()
            with self._lock:
                if len(self._cache) > 200:
                    self._cache.clear()
                self._cache[key] = result
                self._computing.pop(key, None)
        return result

    def remember(self, key: tuple, compute):
        """A result derived from the store (e.g. the graph explorer's opening view), kept until the next change."""
        return self.cached(("remember",) + key, compute)

    def wait_until_warm(self, timeout: float = 600.0) -> bool:
        """Block until a background warm-up (if any) has finished; True when it did within the timeout."""
        if self._warming.acquire(timeout=timeout):
            self._warming.release()
            return True
        return False

    def warm_in_background(self) -> None:
        if self.warm and self._warming.acquire(blocking=False):
            def work():
                try:
                    self.warm_dashboard()
                finally:
                    self._warming.release()
            threading.Thread(target=work, name="graphcrm-warm", daemon=True).start()

    def warm_dashboard(self) -> None:
        """Compute today's dashboard and the explorer's opening view ahead of the first visit (errors surface on that visit instead)."""
        from graphcrm import readmodel

        today = date.today()
        try:
            names = self.directory()
            self.cached(("dashboard", today), lambda: readmodel.dashboard(
                lambda name, params: self.report(name, today, params).rows, today, self.settings.policy, names))
            # The graph explorer opens on the clients to act on first: ready before the first visit too.
            from graphcrm.graphview import Explorer, opening_key

            explorer = Explorer(self.store, self.settings, self.report, today, None, self.remember)
            self.remember(opening_key(explorer), explorer.opening_view)
        except Exception:
            return

    def close(self) -> None:
        self.warm = False
        self.wait_until_warm(timeout=120)          # never close the store under a running warm-up
        self.store.close()
        self.users.close()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    folder = web_dir()
    app = Flask(__name__, template_folder=str(folder / "templates"), static_folder=str(folder / "static"))
    app.config.update(
        GRAPHCRM_STORE=None, GRAPHCRM_CONFIG=None, GRAPHCRM_DEMO=False, GRAPHCRM_AUTH_DB=None,
        GRAPHCRM_SESSION_HOURS=float(os.environ.get("GRAPHCRM_SESSION_HOURS") or 12),
        GRAPHCRM_TRUSTED_PROXIES=int(os.environ.get("GRAPHCRM_TRUSTED_PROXIES") or 0),
        GRAPHCRM_LOGIN_LIMITS={"storage": os.environ.get("GRAPHCRM_LOGIN_LIMITS_STORAGE") or "memory://"},
        SECRET_KEY=os.environ.get("GRAPHCRM_SECRET_KEY"),
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("GRAPHCRM_SECURE_COOKIES") == "1",
        MAX_CONTENT_LENGTH=64 * 1024 * 1024, MAX_FORM_PARTS=200,
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,
    )
    if test_config:
        app.config.update(test_config)
    if app.debug:
        raise ConfigError("graphcrm refuses to run with the Flask debugger on (it executes code for whoever reaches it)")
    if not app.config["SECRET_KEY"]:
        # No configured key: a random one, so sessions end with the process; set GRAPHCRM_SECRET_KEY to keep them.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    if len(str(app.config["SECRET_KEY"])) < 16:
        raise ConfigError("GRAPHCRM_SECRET_KEY is too short (at least 16 characters)")

    from graphcrm.stores import open_store
    from graphcrm.stores.users import UserStore, auth_db_for

    settings = load_settings(app.config["GRAPHCRM_STORE"], app.config["GRAPHCRM_CONFIG"])
    store = open_store(settings.store_url)
    users = UserStore(auth_db_for(settings.store_url, app.config["GRAPHCRM_AUTH_DB"] or os.environ.get("GRAPHCRM_AUTH_DB")))
    demo_logins = _demo_users(store, users) if app.config["GRAPHCRM_DEMO"] else []
    app.extensions["graphcrm"] = GraphCRMApp(store, users, settings, demo_logins, warm=not app.config.get("TESTING"))

    from graphcrm import permissions
    from graphcrm.webapp import api, browsing, errors, explorer, formatting, i18n, names, pages, security
    from graphcrm.webapp.security import current_user

    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    names.init_app(app)
    # Templates ask the permission model what to show: {% if may('manage') %}...
    app.jinja_env.globals["may"] = lambda capability: permissions.may(current_user(), capability)
    app.register_blueprint(pages.bp)
    app.register_blueprint(browsing.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(explorer.bp)
    # The dashboard runs six reports; at size M the first visit would otherwise wait seconds for them.
    app.extensions["graphcrm"].warm_in_background()
    return app


def _demo_users(store, users) -> list[tuple[str, str, str]]:
    """One login per role for the demo (shown on the login page in demo mode only)."""
    from graphcrm.errors import GraphCRMError
    from graphcrm.permissions import ROLES, check_login
    from graphcrm.rules import coverage_active, first_tier

    today = date.today()
    intel = first_tier(store.tiers())
    covering = None
    for staff_id in sorted(store.known_ids().staff):
        # The staff login is a tier-1 person who covers a tier-1 stage today, so its forms do something.
        view = store.staff_view(staff_id)
        person = view.staff[0]
        if person.tier == intel and any(c.tier == intel and coverage_active(c, {person.id: person}, today)
                                        for c in view.coverage):
            covering = staff_id
            break
    shown = []
    for role in ROLES:
        # Every role that needs no staff member gets one login; the staff role, the person found above.
        staff = None
        try:
            check_login(role, None)
        except GraphCRMError:
            if covering is None:
                continue
            staff = covering
        email, password = f"{role}@demo.example", f"demo-{role}-password"
        users.add(email, role, staff, password)
        shown.append((email, password, role + (f" ({staff})" if staff else "")))
    return shown
