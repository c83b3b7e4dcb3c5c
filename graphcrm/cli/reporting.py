"""Commands that read: the report catalogue, a report, a departure what-if, the coverage plan, trends, and analysts' own Cypher."""

from __future__ import annotations

import click

from graphcrm.cli.common import AS, AS_OF, DAY, FORMAT, PARAM, Context, done, parse_params, pass_context, show, split_ids
from graphcrm.render import Output, analyst_output, json_text, report_output, to_json_value

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
    """What if these staff members left: departure_impact with successors, and the plan that would repair it."""
    from graphcrm.reports import run_report

    with ctx.store() as store:
        impact = run_report(store, "departure_impact", as_of, {"staff": list(staff)}, ctx.settings.policy)
        plan = run_report(store, "coverage_plan", impact.as_of, {"leaving": list(staff)}, ctx.settings.policy)
    repair = repair_output(plan)
    if fmt == "json":
        document = {**report_output(impact).document, "plan": repair.document}
        click.echo(json_text(document))
        return
    show(report_output(impact), fmt)
    if fmt == "table":
        click.echo(f"\nThe plan that would repair it (coverage_plan with leaving={','.join(staff)}):")
        show(repair, fmt)


def repair_output(plan) -> Output:
    """A departure's repair: the plan's rows that replace the leavers (reason leaving), with the plan's summary."""
    output = report_output(plan)
    rows = [r for r in plan.rows if r["reason"] == "leaving"]
    output.rows = rows
    output.document = {**output.document, "rows": to_json_value(rows)}
    output.footer = [f"({len(rows)} of the plan's {len(plan.rows)} rows replace the leavers)", *output.footer[1:]]
    return output


@click.command()
@click.option("--leaving", help="staff treated as gone on the day, comma-separated")
@AS_OF
@FORMAT
@click.option("--apply", "apply_", is_flag=True, help="record the whole plan as one audited change (managers)")
@AS
@pass_context
def plan(ctx: Context, leaving: str | None, as_of, fmt: str, apply_: bool, acting: str | None) -> None:
    """The coverage plan: who should take which open stage (exactly the best plan), and off-tier coverage to release."""
    from graphcrm.reports import run_report

    params = {"leaving": split_ids(leaving) or []}
    if not apply_:
        with ctx.store() as store:
            result = run_report(store, "coverage_plan", as_of, params, ctx.settings.policy)
        show(report_output(result), fmt)
        return
    with ctx.service(acting) as (service, user):
        from graphcrm.permissions import require

        require(user, "manage", "apply a coverage plan")
        result = run_report(service.store, "coverage_plan", as_of, params, ctx.settings.policy)
        show(report_output(result), fmt)
        done(service.apply_plan(user, result))


@click.command()
@click.option("--from", "start", type=DAY, required=True, help="the first day")
@click.option("--to", "end", type=DAY, required=True, help="the last day")
@click.option("--every", type=click.Choice(["week", "month"]), default="month", show_default=True)
@FORMAT
@pass_context
def trend(ctx: Context, start, end, every: str, fmt: str) -> None:
    """Every report's headline figures from one day to another (past days come from a cache)."""
    from graphcrm.reports.trends import run_trend

    with ctx.store() as store:
        result = run_trend(store, start, end, every, ctx.settings.policy)
    show(trend_output(result), fmt)


def trend_output(result) -> Output:
    footer = [f"({len(result.points)} points; {result.computed} computed, {result.cached} from the cache)"]
    for s in result.series:
        footer.append(f"  {s['key']}: {s['label']} (report {s['report']})")
    return Output(result.columns, result.points, to_json_value(result.document()), footer)


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


COMMANDS = (reports_, report, whatif, plan, trend, query)
