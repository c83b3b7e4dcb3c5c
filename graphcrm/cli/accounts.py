"""Commands that manage logins, kept in the local auth database (never in Neo4j): users add, list and token."""

from __future__ import annotations

import sys

import click

from graphcrm.cli.common import Context, pass_context
from graphcrm.errors import ParameterError
from graphcrm.permissions import ROLES
from graphcrm.stores.users import DEFAULT_TOKEN_DAYS

__all__ = ["COMMANDS"]


@click.group()
def users() -> None:
    """Manage logins (kept in the local auth database, never in Neo4j)."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--staff", "staff", help="the staff member this login is (required for --role staff)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input (else one is generated)")
@pass_context
def users_add(ctx: Context, email, role, staff, password_stdin) -> None:
    """Add or update a user; prints a generated password when none is given."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if staff:
        with ctx.store() as store:
            if not store.existing_staff([staff]):
                raise ParameterError(f"unknown staff member {staff!r}")
    with ctx.users() as store:
        chosen = store.add(email, role, staff, password)
    click.echo(f"user {email.lower()} ({role}{', staff ' + staff if staff else ''}) saved"
               + ("" if password_stdin else f"; password: {chosen}"))


@users.command("token")
@click.argument("email", required=False)
@click.option("--expires", "days", type=click.FloatRange(min=0, min_open=True, max=3660), default=DEFAULT_TOKEN_DAYS,
              show_default=True, help="days until the new token stops working")
@click.option("--list", "listing", is_flag=True, help="list tokens (of EMAIL, or everyone's) with their ids and expiry")
@click.option("--revoke", "revoke", metavar="ID", help="revoke a token by the id --list shows (or by the token itself)")
@pass_context
def users_token(ctx: Context, email, days, listing, revoke) -> None:
    """Create an API token for EMAIL (send it as 'Authorization: Bearer TOKEN'); --list and --revoke ID manage them.

    Only a digest of each token is stored: a token is shown once, when it is made.
    """
    if listing and revoke:
        raise ParameterError("give --list or --revoke, not both")
    with ctx.users() as store:
        if listing:
            for token in store.tokens(email):
                state = "expired" if token.expired else "expires"
                click.echo(f"{token.id}  {token.email:<40} created {token.created:%Y-%m-%d %H:%M}  "
                           f"{state} {token.expires:%Y-%m-%d %H:%M} UTC")
        elif revoke:
            if not store.revoke_token(revoke):
                raise ParameterError(f"no token {revoke!r} (see graphcrm users token --list)")
            click.echo(f"token {revoke if len(revoke) <= 12 else revoke[:6] + '...'} revoked")
        elif not email:
            raise ParameterError("say whose token to make: graphcrm users token EMAIL")
        else:
            click.echo(store.create_token(email, days))


@users.command("list")
@pass_context
def users_list(ctx: Context) -> None:
    """List users and their roles."""
    with ctx.users() as store:
        for user in store.all():
            click.echo(f"{user.email:<40} {user.role:<8} {user.staff or ''}")


COMMANDS = (users,)
