"""Commands that manage logins, kept in the local auth database (never in Neo4j): users add, list and token."""

from __future__ import annotations

import sys

import click

from graphcrm.cli.common import Context, pass_context
from graphcrm.errors import ParameterError
from graphcrm.permissions import ROLES

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
@click.argument("email")
@pass_context
def users_token(ctx: Context, email) -> None:
    """Create an API token for EMAIL (send it as 'Authorization: Bearer TOKEN')."""
    with ctx.users() as store:
        click.echo(store.create_token(email))


@users.command("list")
@pass_context
def users_list(ctx: Context) -> None:
    """List users and their roles."""
    with ctx.users() as store:
        for user in store.all():
            click.echo(f"{user.email:<40} {user.role:<8} {user.staff or ''}")


COMMANDS = (users,)
