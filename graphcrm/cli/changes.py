"""Commands that change the graph through the service, as a named user: log, assess, handover, need, coverage, teams, leave, audit."""

from __future__ import annotations

import click

from graphcrm.cli.common import AS, DAY, FORMAT, MOMENT, Context, done, pass_context, show, split_ids
from graphcrm.permissions import LOG_KINDS
from graphcrm.render import audit_output, report_output

__all__ = ["COMMANDS"]


@click.command("log")
@click.argument("client")
@click.option("--kind", type=click.Choice(LOG_KINDS), required=True)
@click.option("--at", type=MOMENT, help="when (default now); without an offset, local to the organisation's time zone")
@click.option("--staff", "staff", help="participants, comma-separated (staff users are added themselves)")
@click.option("--summary")
@click.option("--amount", type=float)
@click.option("--id", "id_", help="client-supplied id, so a retry cannot record it twice")
@AS
@pass_context
def log_(ctx: Context, client, kind, at, staff, summary, amount, id_, acting) -> None:
    """Record a contact, communication or transaction with a client."""
    with ctx.service(acting) as (service, user):
        done(service.log_interaction(user, client, kind, at, split_ids(staff), summary, amount, id_))


@click.command()
@click.argument("client")
@click.option("--grade", required=True, help="A, B or C")
@click.option("--score", type=float)
@click.option("--at", type=MOMENT)
@click.option("--summary")
@click.option("--id", "id_")
@AS
@pass_context
def assess(ctx: Context, client, grade, score, at, summary, id_, acting) -> None:
    """Record an assessment (tier 2): the grade holds from that day on."""
    with ctx.service(acting) as (service, user):
        done(service.assess(user, client, grade, at, score, summary, id=id_))


@click.command()
@click.argument("client")
@click.option("--stage", required=True, help="the tier key the client moves to")
@click.option("--at", type=MOMENT)
@click.option("--summary")
@click.option("--id", "id_")
@AS
@pass_context
def handover(ctx: Context, client, stage, at, summary, id_, acting) -> None:
    """Hand a client over to another stage (the tier holding the current stage hands it on)."""
    with ctx.service(acting) as (service, user):
        done(service.handover(user, client, stage, at, summary, id=id_))


@click.command()
@click.argument("client")
@click.option("--summary", required=True)
@click.option("--detected", type=DAY, help="day detected (default today)")
@click.option("--source")
@click.option("--staff", help="who captured it (staff users: themselves)")
@click.option("--id", "id_")
@AS
@pass_context
def need(ctx: Context, client, summary, detected, source, staff, id_, acting) -> None:
    """Record a need of a client."""
    with ctx.service(acting) as (service, user):
        done(service.record_need(user, client, summary, detected, source, staff, id_))


@click.command()
@click.argument("staff")
@click.argument("client")
@click.option("--tier", required=True)
@click.option("--role", type=click.Choice(["lead", "backup"]), default="lead", show_default=True)
@click.option("--since", type=DAY, help="default today")
@AS
@pass_context
def assign(ctx: Context, staff, client, tier, role, since, acting) -> None:
    """Make STAFF cover one stage (tier) of CLIENT."""
    with ctx.service(acting) as (service, user):
        done(service.assign(user, staff, client, tier, role, since))


@click.command()
@click.argument("staff")
@click.argument("client")
@click.option("--tier", required=True)
@click.option("--until", type=DAY, help="last day is the day before (default today)")
@AS
@pass_context
def release(ctx: Context, staff, client, tier, until, acting) -> None:
    """End STAFF's coverage of one stage of CLIENT (history is kept)."""
    with ctx.service(acting) as (service, user):
        done(service.release(user, staff, client, tier, until))


@click.command()
@click.argument("team")
@click.argument("client")
@click.option("--since", type=DAY)
@AS
@pass_context
def engage(ctx: Context, team, client, since, acting) -> None:
    """Move a team onto a client."""
    with ctx.service(acting) as (service, user):
        done(service.engage(user, team, client, since))


@click.command()
@click.argument("team")
@click.argument("client")
@click.option("--until", type=DAY)
@AS
@pass_context
def disengage(ctx: Context, team, client, until, acting) -> None:
    """Move a team off a client."""
    with ctx.service(acting) as (service, user):
        done(service.disengage(user, team, client, until))


@click.command()
@click.argument("staff")
@click.option("--on", "on", type=DAY, required=True, help="the day they leave")
@click.option("--yes", is_flag=True, help="confirm: without it, only the impact is shown")
@FORMAT
@AS
@pass_context
def leave(ctx: Context, staff, on, yes, fmt, acting) -> None:
    """Show the impact of STAFF leaving; with --yes, record it (coverage and memberships end that day)."""
    with ctx.service(acting) as (service, user):
        show(report_output(service.preview_leave(user, staff, on)), fmt)
        if not yes:
            click.echo("not recorded: run again with --yes to confirm")
            return
        done(service.leave(user, staff, on))


@click.command()
@click.option("--actor")
@click.option("--action")
@click.option("--target", help="e.g. client:C0001 (a prefix)")
@click.option("--since", type=MOMENT)
@click.option("--limit", type=int, default=50, show_default=True)
@FORMAT
@AS
@pass_context
def audit(ctx: Context, actor, action, target, since, limit, fmt, acting) -> None:
    """List the audit trail, newest first."""
    with ctx.service(acting) as (service, user):
        entries = service.audit(user, actor, action, target, since, limit)
    show(audit_output(entries), fmt)


COMMANDS = (log_, assess, handover, need, assign, release, engage, disengage, leave, audit)
