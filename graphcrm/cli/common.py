"""What every command shares: the context (settings, the store and the acting user, opened on demand) and options."""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from typing import Iterator

import click

from graphcrm.config import Settings, load_settings
from graphcrm.errors import ParameterError
from graphcrm.render import FORMATS, Output, render
from graphcrm.times import parse_day, parse_moment

__all__ = ["Context", "let_go_of_kept_stores", "pass_context", "FORMAT", "AS_OF", "PARAM", "AS", "DAY", "MOMENT", "parse_params", "show",
           "split_ids", "done"]


#: Set by the `graphcrm` command (cli.run), which ends its process without tearing the heap down: the stores its
#: command opened are kept here, closed, so that their millions of objects are not freed one by one first.
LEFT_AT_EXIT: list | None = None


def let_go_of_kept_stores() -> None:
    """For a command that goes on serving: the stores it opened before are freed now, not held until it exits."""
    if LEFT_AT_EXIT:
        LEFT_AT_EXIT.clear()


class Context:
    """What every command gets: settings, and a store opened on demand and closed at exit."""

    def __init__(self, store: str | None, config: str | None):
        self.store_option, self.config = store, config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.store_option, self.config)
        return self._settings

    @contextmanager
    def users(self) -> Iterator:
        from graphcrm.stores.users import UserStore, auth_db_for

        users = UserStore(auth_db_for(self.settings.store_url, os.environ.get("GRAPHCRM_AUTH_DB")))
        try:
            yield users
        finally:
            users.close()

    @contextmanager
    def store(self) -> Iterator:
        from graphcrm.stores import open_store

        store = open_store(self.settings.store_url)
        # What the store holds lives as long as the command does: keep it out of every later collection. At L the
        # embedded store holds millions of objects, and each full collection a report's allocations set off would
        # scan them all again (coverage_gaps at L: 17 s with this, 21 to 24 s without, in the same minutes).
        gc.freeze()
        try:
            yield store
        finally:
            store.close()
            if LEFT_AT_EXIT is not None:
                LEFT_AT_EXIT.append(store)     # freed with the process (cli.run), not object by object

    @contextmanager
    def service(self, acting: str | None) -> Iterator:
        """The service layer and the acting user, for the commands that change the graph."""
        from graphcrm.service import Service

        with self.users() as users:
            user = users.require(acting)
            with self.store() as store:
                yield Service(store, self.settings), user


pass_context = click.make_pass_decorator(Context)


class _Day(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        try:
            return parse_day(value, f"--{param.name.replace('_', '-')}" if param else "day")
        except ParameterError as exc:
            self.fail(str(exc).split(": ", 1)[-1], param, ctx)


class _Moment(click.ParamType):
    name = "DATE[THH:MM]"

    def convert(self, value, param, ctx):
        # Without an offset a moment is local to the organisation's time zone (DESIGN 13).
        found = ctx.find_object(Context) if ctx is not None else None
        zone = found.settings.policy.zone if found is not None else None
        try:
            return parse_moment(value, f"--{param.name}" if param else "at", *((zone,) if zone else ()))
        except ParameterError as exc:
            self.fail(str(exc).split(": ", 1)[-1], param, ctx)


DAY = _Day()
MOMENT = _Moment()
FORMAT = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
AS_OF = click.option("--as-of", "as_of", type=DAY, default=None, help="the day to answer for (default today)")
PARAM = click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="report parameter; lists are comma-separated")
AS = click.option("--as", "acting", envvar="GRAPHCRM_USER", metavar="EMAIL", help="the user making the change [env GRAPHCRM_USER]")


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


def show(output: Output, fmt: str) -> None:
    click.echo(render(output, fmt), nl=False)


def split_ids(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def done(change) -> None:
    click.echo(change.message + (f" (audit {change.audit.id})" if change.audit else " (nothing to change)"))
