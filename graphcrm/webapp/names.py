"""Names first (DESIGN 9): what templates call to show a client, person, team or tier by name, and whether to link it.

A link is offered only where the permission model lets this user follow it: a staff member sees
their co-workers' names, not links that end in "Not allowed".
"""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g

from graphcrm.model import Directory
from graphcrm.permissions import may, may_read_staff
from graphcrm.webapp.security import current_user

__all__ = ["init_app", "directory", "readable_clients"]


def directory() -> Directory:
    """The names of this request (read once per change by the app, shared by every request)."""
    if "directory" not in g:
        g.directory = current_app.extensions["graphcrm"].directory()
    return g.directory


def readable_clients() -> set[str] | None:
    """The clients this user may open today (None: every client)."""
    if "readable_clients" not in g:
        from graphcrm.readmodel import readable_clients as compute

        user = current_user()
        g.readable_clients = None if user is None or may(user, "read_all") else compute(
            current_app.extensions["graphcrm"].store, user, date.today())
    return g.readable_clients


def may_open_client(client: str | None) -> bool:
    readable = readable_clients()
    return client is not None and (readable is None or client in readable)


def may_open_staff(staff: str | None) -> bool:
    user = current_user()
    return staff is not None and user is not None and may_read_staff(user, staff)


def may_open_graph(node: str) -> bool:
    """Whether "Show in the graph" opens `node` ("Client:K1", "Staff:S1") for this user: a staff user's explorer
    reaches themselves and the clients they may read (a client page they see), not their co-workers."""
    user = current_user()
    if user is None or not may(user, "explore"):
        return False
    if may(user, "read_all"):
        return True
    label, _, key = node.partition(":")
    return label == "Client" and may_open_client(key) or label == "Staff" and key == user.staff


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(names=directory, may_open_client=may_open_client, may_open_staff=may_open_staff,
                                 may_open_graph=may_open_graph)
