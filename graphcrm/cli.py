"""The `graphcrm` command line (DESIGN section 8): thin commands over the stores, importer and reports."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from datetime import date
from typing import Iterator

import click

from graphcrm.config import Settings, load_settings
from graphcrm.errors import GraphCRMError, ImportFailed

__all__ = ["main", "cli"]


class Context:
    """What every command gets: settings, and a store opened on demand and closed at exit."""

    def __init__(self, store: str | None, config: str | None):
        self._store_option, self._config = store, config
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self._store_option, self._config)
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
    def service(self, acting: str | None) -> Iterator:
        """The service layer and the acting user, for the commands that change the graph."""
        from graphcrm.service import Service

        with self.users() as users:
            user = users.require(acting)
            with self.store() as store:
                yield Service(store, self.settings), user

    @contextmanager
    def store(self) -> Iterator:
        from graphcrm.stores import open_store

        store = open_store(self.settings.store_url)
        try:
            yield store
        finally:
            store.close()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store", metavar="URL", help="sqlite:///file.db (default), bolt://host:7687 or neo4j://host:7687 [env GRAPHCRM_STORE]")
@click.option("--config", "config", metavar="FILE", help="TOML file with policy overrides [env GRAPHCRM_CONFIG, ./graphcrm.toml]")
@click.version_option(package_name="graphcrm")
@click.pass_context
def cli(ctx: click.Context, store: str | None, config: str | None) -> None:
    """graphcrm: who covers which big client at which stage, and where you depend on one person."""
    ctx.obj = Context(store, config)


@cli.command()
@pass_context
def init(ctx: Context) -> None:
    """Create the schema, constraints and indexes (safe to re-run)."""
    with ctx.store() as store:
        store.init_schema()
        click.echo(f"schema ready on {store.kind} store {store.url}")


@cli.command()
@click.option("--size", type=click.Choice(["S", "M", "L"]), default="S", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--anchor", type=click.DateTime(["%Y-%m-%d"]), default=None, help="the organisation's 'today' (default 2026-11-01, so a seed always gives the same files)")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="folder to write the CSV files to")
def generate(size: str, seed: int, anchor, out: str) -> None:
    """Write a generated organisation as a CSV folder."""
    from graphcrm.exporter import write_folder
    from graphcrm.generator import DEFAULT_ANCHOR, generate as make

    records = make(size, seed, anchor.date() if anchor else DEFAULT_ANCHOR)
    counts = write_folder(records, out)
    click.echo(f"wrote {_describe(counts)} to {out}")


@cli.command("import")
@click.argument("folder", type=click.Path())
@click.option("--mapping", type=click.Path(), help="mapping file for a CRM export (see README)")
@pass_context
def import_(ctx: Context, folder: str, mapping: str | None) -> None:
    """Import a CSV folder (idempotent: re-importing changes nothing)."""
    from graphcrm.importer import read_folder

    with ctx.store() as store:
        store.init_schema()
        if mapping:
            from graphcrm.mapping import read_mapped

            records = read_mapped(folder, mapping, store.known_ids())
        else:
            records = read_folder(folder, store.known_ids())
        total = len(records)
        if sys.stderr.isatty() and total > 10_000:
            with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
                store.write(records, progress=bar.update)
        else:
            store.write(records)
        click.echo(f"imported {_describe(records.counts())} into {store.kind} store {store.url}")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@pass_context
def export(ctx: Context, folder: str) -> None:
    """Write the whole store as a CSV folder (importing it gives the same graph)."""
    from graphcrm.exporter import write_folder

    with ctx.store() as store:
        counts = write_folder(store.read_all(), folder)
    click.echo(f"exported {_describe(counts)} to {folder}")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
_AS_OF = click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="the day to answer for (default today)")
_PARAM = click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="report parameter; lists are comma-separated")


def _print_result(result, fmt: str) -> None:
    from graphcrm.render import render_csv, render_json, render_table, to_json_value

    if fmt == "json":
        click.echo(render_json(result))
    elif fmt == "csv":
        click.echo(render_csv(result.columns, result.rows), nl=False)
    else:
        click.echo(render_table(result.columns, result.rows))
        click.echo(f"({len(result.rows)} rows, {result.report} as of {result.as_of.isoformat()})")
        if result.summary is not None:
            import json

            click.echo("summary: " + json.dumps(to_json_value(result.summary), ensure_ascii=False))


@cli.command("reports")
def reports_() -> None:
    """List the reports with their parameters."""
    from graphcrm.reports import catalogue

    for spec in catalogue().values():
        params = " ".join(f"[--param {p.name}=...]" if not p.required else f"--param {p.name}=..." for p in spec.params)
        click.echo(f"{spec.name:<18} {spec.doc}")
        click.echo(f"{'':<18} graphcrm report {spec.name} [--as-of DATE] {params}".rstrip())
        for p in spec.params:
            default = "" if p.required else f" (default {p.default})"
            click.echo(f"{'':<20} {p.name} ({p.type}): {p.doc}{default}")


@cli.command()
@click.argument("name")
@_AS_OF
@_PARAM
@_FORMAT
@pass_context
def report(ctx: Context, name: str, as_of, params: tuple[str, ...], fmt: str) -> None:
    """Run a named report (see 'graphcrm reports')."""
    from graphcrm.reports import catalogue, run_report
    from graphcrm.errors import UnknownReport

    if name not in catalogue():
        raise UnknownReport(f"no report {name!r} (known: {', '.join(catalogue())})")
    with ctx.store() as store:
        result = run_report(store, name, as_of.date() if as_of else None, _parse_params(params), ctx.settings.policy)
    _print_result(result, fmt)


@cli.command()
@click.argument("staff", nargs=-1, required=True)
@_AS_OF
@_FORMAT
@pass_context
def whatif(ctx: Context, staff: tuple[str, ...], as_of, fmt: str) -> None:
    """What if these staff members left: departure_impact with successors."""
    from graphcrm.errors import ParameterError
    from graphcrm.reports import run_report

    with ctx.store() as store:
        known = store.known_ids().staff
        unknown = [s for s in staff if s not in known]
        if unknown:
            raise ParameterError(f"unknown staff member {unknown[0]!r}")
        result = run_report(store, "departure_impact", as_of.date() if as_of else None, {"staff": list(staff)}, ctx.settings.policy)
    _print_result(result, fmt)


@cli.command()
@click.argument("query", required=False)
@click.option("-e", "expression", metavar="CYPHER", help="ad-hoc read-only Cypher")
@_PARAM
@_FORMAT
@click.option("--timeout", type=float, default=None, help="seconds before the query is stopped (default 30)")
@click.option("--max-rows", type=int, default=None, help="row cap (default 10000)")
@pass_context
def query(ctx: Context, query: str | None, expression: str | None, params: tuple[str, ...], fmt: str,
          timeout: float | None, max_rows: int | None) -> None:
    """Run a named query from cypher/, a .cypher FILE, or -e CYPHER, read-only (Neo4j only)."""
    from graphcrm.analyst import prepare_analyst_query

    if bool(query) == bool(expression):
        raise click.UsageError("give a query NAME or FILE, or -e CYPHER (one of them)")
    with ctx.store() as store:
        result = prepare_analyst_query(store, query, expression, _parse_params(params), ctx.settings.policy,
                                       timeout=timeout, row_cap=max_rows)
    _print_analyst(result, fmt)


def _print_analyst(result, fmt: str) -> None:
    from graphcrm.render import render_csv, render_table, to_json_value
    import json

    rows = [dict(zip(result.columns, row)) for row in result.rows]
    if fmt == "json":
        click.echo(json.dumps({"columns": result.columns, "rows": to_json_value(rows), "truncated": result.truncated},
                              ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(render_csv(result.columns, rows), nl=False)
    else:
        click.echo(render_table(result.columns, rows))
        click.echo(f"({len(rows)} rows{', truncated at the row cap' if result.truncated else ''})")


_AS = click.option("--as", "acting", envvar="GRAPHCRM_USER", metavar="EMAIL", help="the user making the change [env GRAPHCRM_USER]")
_DAY = click.DateTime(["%Y-%m-%d"])
_MOMENT = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])


def _day(value):
    return value.date() if value else None


def _moment(value):
    from datetime import timezone

    return value.replace(tzinfo=timezone.utc) if value else None


def _done(change) -> None:
    click.echo(change.message + (f" (audit {change.audit.id})" if change.audit else " (nothing to change)"))


@cli.command("log")
@click.argument("client")
@click.option("--kind", type=click.Choice(["contact", "communication", "transaction"]), required=True)
@click.option("--at", type=_MOMENT, help="when, UTC (default now)")
@click.option("--staff", "staff", help="participants, comma-separated (staff users are added themselves)")
@click.option("--summary")
@click.option("--amount", type=float)
@click.option("--id", "id_", help="client-supplied id, so a retry cannot record it twice")
@_AS
@pass_context
def log_(ctx: Context, client, kind, at, staff, summary, amount, id_, acting) -> None:
    """Record a contact, communication or transaction with a client."""
    with ctx.service(acting) as (service, user):
        _done(service.log_interaction(user, client, kind, _moment(at), _split(staff), summary, amount, id_))


@cli.command()
@click.argument("client")
@click.option("--grade", required=True, help="A, B or C")
@click.option("--score", type=float)
@click.option("--at", type=_MOMENT)
@click.option("--summary")
@click.option("--id", "id_")
@_AS
@pass_context
def assess(ctx: Context, client, grade, score, at, summary, id_, acting) -> None:
    """Record an assessment (tier 2): the grade holds from that day on."""
    with ctx.service(acting) as (service, user):
        _done(service.assess(user, client, grade, _moment(at), score, summary, id=id_))


@cli.command()
@click.argument("client")
@click.option("--stage", required=True, help="the tier key the client moves to")
@click.option("--at", type=_MOMENT)
@click.option("--summary")
@click.option("--id", "id_")
@_AS
@pass_context
def handover(ctx: Context, client, stage, at, summary, id_, acting) -> None:
    """Hand a client over to another stage (the tier holding the current stage hands it on)."""
    with ctx.service(acting) as (service, user):
        _done(service.handover(user, client, stage, _moment(at), summary, id=id_))


@cli.command()
@click.argument("client")
@click.option("--summary", required=True)
@click.option("--detected", type=_DAY, help="day detected (default today)")
@click.option("--source")
@click.option("--staff", help="who captured it (staff users: themselves)")
@click.option("--id", "id_")
@_AS
@pass_context
def need(ctx: Context, client, summary, detected, source, staff, id_, acting) -> None:
    """Record a need of a client."""
    with ctx.service(acting) as (service, user):
        _done(service.record_need(user, client, summary, _day(detected), source, staff, id_))


@cli.command()
@click.argument("staff")
@click.argument("client")
@click.option("--tier", required=True)
@click.option("--role", type=click.Choice(["lead", "backup"]), default="lead", show_default=True)
@click.option("--since", type=_DAY, help="default today")
@_AS
@pass_context
def assign(ctx: Context, staff, client, tier, role, since, acting) -> None:
    """Make STAFF cover one stage (tier) of CLIENT."""
    with ctx.service(acting) as (service, user):
        _done(service.assign(user, staff, client, tier, role, _day(since)))


@cli.command()
@click.argument("staff")
@click.argument("client")
@click.option("--tier", required=True)
@click.option("--until", type=_DAY, help="last day is the day before (default today)")
@_AS
@pass_context
def release(ctx: Context, staff, client, tier, until, acting) -> None:
    """End STAFF's coverage of one stage of CLIENT (history is kept)."""
    with ctx.service(acting) as (service, user):
        _done(service.release(user, staff, client, tier, _day(until)))


@cli.command()
@click.argument("team")
@click.argument("client")
@click.option("--since", type=_DAY)
@_AS
@pass_context
def engage(ctx: Context, team, client, since, acting) -> None:
    """Move a team onto a client."""
    with ctx.service(acting) as (service, user):
        _done(service.engage(user, team, client, _day(since)))


@cli.command()
@click.argument("team")
@click.argument("client")
@click.option("--until", type=_DAY)
@_AS
@pass_context
def disengage(ctx: Context, team, client, until, acting) -> None:
    """Move a team off a client."""
    with ctx.service(acting) as (service, user):
        _done(service.disengage(user, team, client, _day(until)))


@cli.command()
@click.argument("staff")
@click.option("--on", "on", type=_DAY, required=True, help="the day they leave")
@click.option("--yes", is_flag=True, help="confirm: without it, only the impact is shown")
@_FORMAT
@_AS
@pass_context
def leave(ctx: Context, staff, on, yes, fmt, acting) -> None:
    """Show the impact of STAFF leaving; with --yes, record it (coverage and memberships end that day)."""
    with ctx.service(acting) as (service, user):
        impact = service.preview_leave(user, staff, on.date())
        _print_result(impact, fmt)
        if not yes:
            click.echo("not recorded: run again with --yes to confirm")
            return
        _done(service.leave(user, staff, on.date()))


@cli.command()
@click.option("--actor")
@click.option("--action")
@click.option("--target", help="e.g. client:C0001 (a prefix)")
@click.option("--since", type=_MOMENT)
@click.option("--limit", type=int, default=50, show_default=True)
@_FORMAT
@_AS
@pass_context
def audit(ctx: Context, actor, action, target, since, limit, fmt, acting) -> None:
    """List the audit trail, newest first."""
    from graphcrm.render import render_csv, render_table, to_json_value
    import json
    from dataclasses import asdict

    with ctx.service(acting) as (service, user):
        entries = service.audit(user, actor, action, target, _moment(since), limit)
    rows = [asdict(e) for e in entries]
    columns = ["at", "actor", "action", "target", "before", "after", "id"]
    if fmt == "json":
        click.echo(json.dumps(to_json_value(rows), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(render_csv(columns, rows), nl=False)
    else:
        click.echo(render_table(columns, rows, max_width=60))


@cli.group()
def users() -> None:
    """Manage logins (kept in the local auth database, never in Neo4j)."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "analyst", "staff"]), required=True)
@click.option("--staff", "staff", help="the staff member this login is (required for --role staff)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input (else one is generated)")
@pass_context
def users_add(ctx: Context, email, role, staff, password_stdin) -> None:
    """Add or update a user; prints a generated password when none is given."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if staff:
        with ctx.store() as store:
            if not store.existing_staff([staff]):
                from graphcrm.errors import ParameterError
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


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


@cli.command()
@click.option("--size", type=click.Choice(["S", "M", "L"]), default="S", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="load the organisation and stop (no web server)")
@pass_context
def demo(ctx: Context, size: str, seed: int, port: int, host: str, no_serve: bool) -> None:
    """Load a generated organisation (anchored on today) and serve the UI."""
    from graphcrm.generator import generate as make

    records = make(size, seed, date.today())
    with ctx.store() as store:
        store.init_schema()
        store.write(records)
        click.echo(f"loaded a generated organisation ({_describe(records.counts())}) into {store.kind} store {store.url}")
        _demo_summary(store, ctx.settings)
    if no_serve:
        return
    _serve(ctx, host, port, demo=True)


def _demo_summary(store, settings: Settings) -> None:
    from graphcrm.reports import run_report

    today = date.today()
    for name in ("coverage_gaps", "key_person_risk", "stale_clients"):
        result = run_report(store, name, today, {}, settings.policy)
        click.echo(f"  {name}: {len(result.rows)} rows   (graphcrm report {name})")


def _serve(ctx: Context, host: str, port: int, demo: bool = False) -> None:
    from graphcrm.webapp import create_app

    app = create_app({"GRAPHCRM_STORE": ctx.settings.store_url, "GRAPHCRM_CONFIG": ctx._config, "GRAPHCRM_DEMO": demo})
    for email, password, role in app.extensions["graphcrm"].demo_logins:
        click.echo(f"  demo login: {email} / {password} ({role})")
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        app.extensions["graphcrm"].close()


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@pass_context
def serve(ctx: Context, host: str, port: int) -> None:
    """Serve the web UI and the JSON API on the configured store."""
    _serve(ctx, host, port)


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit, never a traceback."""
    try:
        cli.main(args=argv, prog_name="graphcrm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("graphcrm: aborted", err=True)
        sys.exit(130)
    except click.exceptions.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx is not None else "graphcrm"
        click.echo(f"graphcrm: {exc.format_message()} (see '{path} --help')", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.ClickException as exc:
        click.echo(f"graphcrm: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except ImportFailed as exc:
        for error in exc.errors:
            click.echo(f"graphcrm: {error}", err=True)
        if exc.total > len(exc.errors):
            click.echo(f"graphcrm: ... and {exc.total - len(exc.errors)} more errors", err=True)
        click.echo(f"graphcrm: import rejected ({exc.total} bad rows); nothing was written", err=True)
        sys.exit(exc.exit_code)
    except GraphCRMError as exc:
        click.echo(f"graphcrm: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("graphcrm: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug or an unexpected failure: still one line, unless debugging
        if os.environ.get("GRAPHCRM_DEBUG"):
            raise
        click.echo(f"graphcrm: internal error: {type(exc).__name__}: {exc} (set GRAPHCRM_DEBUG=1 for details)", err=True)
        sys.exit(70)


if __name__ == "__main__":
    main()
