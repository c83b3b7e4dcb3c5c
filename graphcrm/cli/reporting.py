"""Commands that read: the report catalogue, a report, a departure what-if, and analysts' own Cypher."""

from __future__ import annotations

import click

from graphcrm.cli.common import AS_OF, FORMAT, PARAM, Context, parse_params, pass_context, show
from graphcrm.render import analyst_output, report_output

__all__ = ["COMMANDS"]


@click.command("reports")
def reports_() -> None:
    """List the reports with their parameters."""
    from graphcrm.reports import catalogue

    for report in catalogue().values():
        params = " ".join(f"[--param {p.name}=...]" if not p.required else f"--param {p.name}=..." for p in report.user_params)
        click.echo(f"{report.name:<18} {report.doc}")
        click.echo(f"{'':<18} graphcrm report {report.name} [--as-of DATE] {params}".rstrip())
        for p in report.user_params:
            default = "" if p.required else f" (default {p.default})"
            click.echo(f"{'':<20} {p.name} ({p.type}): {p.doc}{default}")
        if report.policy_params:
            click.echo(f"{'':<20} policy settings it takes: {', '.join(p.name for p in report.policy_params)}")


@click.command()
@click.argument("name")
@AS_OF
@PARAM
@FORMAT
@pass_context
def report(ctx: Context, name: str, as_of, params: tuple[str, ...], fmt: str) -> None:
    """Run a named report (see 'graphcrm reports')."""
    from graphcrm.reports import report_named, run_report

    report_named(name)                     # an unknown name fails before the store is opened
    with ctx.store() as store:
        result = run_report(store, name, as_of, parse_params(params), ctx.settings.policy)
    show(report_output(result), fmt)


@click.command()
@click.argument("staff", nargs=-1, required=True)
@AS_OF
@FORMAT
@pass_context
def whatif(ctx: Context, staff: tuple[str, ...], as_of, fmt: str) -> None:
    """What if these staff members left: departure_impact with successors."""
    from graphcrm.reports import run_report

    with ctx.store() as store:
        result = run_report(store, "departure_impact", as_of, {"staff": list(staff)}, ctx.settings.policy)
    show(report_output(result), fmt)


@click.command()
@click.argument("query", required=False)
@click.option("-e", "expression", metavar="CYPHER", help="ad-hoc read-only Cypher")
@PARAM
@FORMAT
@click.option("--timeout", type=float, default=None, help="seconds before the query is stopped (default 30; [guard] timeout)")
@click.option("--max-rows", type=int, default=None, help="rows before the result is cut (default 10000; [guard] max_rows)")
@click.option("--max-bytes", type=int, default=None,
              help="bytes of JSON before the result is cut (default 10000000; [guard] max_bytes)")
@pass_context
def query(ctx: Context, query: str | None, expression: str | None, params: tuple[str, ...], fmt: str,
          timeout: float | None, max_rows: int | None, max_bytes: int | None) -> None:
    """Run a named query from cypher/, a .cypher FILE, or -e CYPHER, read-only through the guard (Neo4j only)."""
    from graphcrm.analyst import run_analyst_query

    if bool(query) == bool(expression):
        raise click.UsageError("give a query NAME or FILE, or -e CYPHER (one of them)")
    limits = ctx.settings.guard.with_overrides(timeout=timeout, max_rows=max_rows, max_bytes=max_bytes)
    with ctx.store() as store:
        result = run_analyst_query(store, query, expression, parse_params(params), ctx.settings.policy,
                                   limits=limits, allow_files=True)
    show(analyst_output(result), fmt)


COMMANDS = (reports_, report, whatif, query)
