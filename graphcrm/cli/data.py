"""Commands that move whole organisations: init, generate, import, export, demo and serve."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import date, timezone, tzinfo

import click

from graphcrm.cli.common import DAY, Context, let_go_of_kept_stores, pass_context
from graphcrm.errors import ParameterError
from graphcrm.folderimport import run_import
from graphcrm.importplan import ImportPlan
from graphcrm.model import KnownIds

__all__ = ["COMMANDS"]


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "nothing"


@click.command()
@pass_context
def init(ctx: Context) -> None:
    """Create the schema, constraints and indexes (safe to re-run)."""
    with ctx.store() as store:
        store.init_schema()
        click.echo(f"schema ready on {store.kind} store {store.url}")


@click.command()
@click.option("--size", type=click.Choice(["S", "M", "L"]), default="S", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--anchor", type=DAY, default=None, help="the organisation's 'today' (default 2026-11-01, so a seed always gives the same files)")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True, help="folder to write the CSV files to")
def generate(size: str, seed: int, anchor, out: str) -> None:
    """Write a generated organisation as a CSV folder."""
    from graphcrm.exporter import write_folder
    from graphcrm.generator import DEFAULT_ANCHOR, generate as make

    records = make(size, seed, anchor or DEFAULT_ANCHOR)
    counts = write_folder(records, out)
    click.echo(f"wrote {_describe(counts)} to {out}")


@click.command("import")
@click.argument("folder", type=click.Path())
@click.option("--mapping", type=click.Path(), help="mapping file for a CRM export (see README)")
@click.option("--encoding", default="utf-8", show_default=True,
              help="encoding of a plain import folder's files (gb18030, gbk, utf-16, latin-1...); a mapping names its own")
@click.option("--dry-run", is_flag=True, help="check everything and say what would be new, changed or unchanged; write nothing")
@pass_context
def import_(ctx: Context, folder: str, mapping: str | None, encoding: str, dry_run: bool) -> None:
    """Import a CSV folder, or a CRM export with --mapping (idempotent: re-importing changes nothing).

    Prints what was new, changed and unchanged per kind. This is the operator's own access to the
    store (like restoring a backup), outside the app's logins; imports made by app users, on the
    import page, go through the service and are audited.
    """
    from graphcrm.stores import store_exists

    url = ctx.settings.store_url
    zone = ctx.settings.policy.zone          # an `at` without an offset is local to the organisation
    if store_exists(url):
        with ctx.store() as store:
            store.init_schema()
            checked = _check(folder, mapping, encoding, store.known_ids(), zone)
            _import_into(store, checked, dry_run)
        return
    # A new embedded database is created only once the import has passed every check: a rejected
    # import (or a dry run) must not leave behind a file holding nothing but the schema.
    checked = _check(folder, mapping, encoding, KnownIds(), zone)
    if dry_run:
        _report(f"dry run against {url} (it does not exist yet; nothing written)", _planned(None, checked))
        return
    with ctx.store() as store:
        store.init_schema()
        _import_into(store, checked, dry_run)


def _check(folder: str, mapping: str | None, encoding: str, known: KnownIds, zone: tzinfo = timezone.utc):
    """Every check of the import, before anything is written: a mapped export is read whole, a plain folder's big
    files are checked keeping only their ids (and read again, a chunk at a time, when written)."""
    from graphcrm.importer import CheckedFolder, check_folder

    if mapping:
        if encoding != "utf-8":
            raise ParameterError("--encoding: a mapping file names the encoding of each source itself")
        from graphcrm.mapping import read_mapped

        return CheckedFolder.holding(read_mapped(folder, mapping, known, zone=zone))
    return check_folder(folder, known, encoding=encoding, zone=zone)


def _import_into(store, checked, dry_run: bool) -> None:
    if dry_run:
        _report(f"dry run against {store.kind} store {store.url} (nothing written)", _planned(store, checked))
        return
    _report(f"imported into {store.kind} store {store.url}", _planned(store, checked, write=True))


def _planned(store, checked, write: bool = False) -> ImportPlan:
    """The import planned (and with `write`, written) batch by batch, with a progress bar on a terminal."""
    shown = write and sys.stderr.isatty() and checked.rows > 10_000
    with (click.progressbar(length=checked.rows, label="importing", file=sys.stderr) if shown else nullcontext()) as bar:
        return run_import(store, checked, write, progress=bar.update if bar is not None else None)


def _report(title: str, plan) -> None:
    click.echo(f"{title}: {plan.headline()}")
    for line in plan.lines():
        click.echo(f"  {line}")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@pass_context
def export(ctx: Context, folder: str) -> None:
    """Write the whole store as a CSV folder (importing it gives the same graph)."""
    from graphcrm.exporter import write_folder

    with ctx.store() as store:
        counts = write_folder(store.read_all(), folder)
    click.echo(f"exported {_describe(counts)} to {folder}")


@click.command()
@click.option("--size", type=click.Choice(["S", "M", "L"]), default="S", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="load the organisation and stop (no web server)")
@pass_context
def demo(ctx: Context, size: str, seed: int, port: int, host: str, no_serve: bool) -> None:
    """Load a generated organisation (anchored on today) and serve the UI."""
    from graphcrm.generator import generate as make
    from graphcrm.reports import run_report

    records = make(size, seed, date.today())
    with ctx.store() as store:
        store.init_schema()
        store.write(records)
        click.echo(f"loaded a generated organisation ({_describe(records.counts())}) into {store.kind} store {store.url}")
        for name in ("coverage_gaps", "key_person_risk", "stale_clients"):
            result = run_report(store, name, date.today(), {}, ctx.settings.policy)
            click.echo(f"  {name}: {len(result.rows)} rows   (graphcrm report {name})")
    if not no_serve:
        _serve(ctx, host, port, demo=True)


def _serve(ctx: Context, host: str, port: int, demo: bool = False) -> None:
    from graphcrm.webapp import create_app

    let_go_of_kept_stores()       # demo's loading store: the server opens its own
    app = create_app({"GRAPHCRM_STORE": ctx.settings.store_url, "GRAPHCRM_CONFIG": ctx.config, "GRAPHCRM_DEMO": demo})
    for email, password, role in app.extensions["graphcrm"].demo_logins:
        click.echo(f"  demo login: {email} / {password} ({role})")
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    try:
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        app.extensions["graphcrm"].close()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@pass_context
def serve(ctx: Context, host: str, port: int) -> None:
    """Serve the web UI and the JSON API on the configured store."""
    _serve(ctx, host, port)


COMMANDS = (init, generate, import_, export, demo, serve)
