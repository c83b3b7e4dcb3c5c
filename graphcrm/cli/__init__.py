"""The `graphcrm` command line (DESIGN section 8): thin commands, grouped by what they touch, over the service and the reports."""

from __future__ import annotations

import logging
import os
import sys

import click

from graphcrm.cli import common
from graphcrm.cli.common import Context
from graphcrm.errors import GraphCRMError, ImportFailed

__all__ = ["main", "run", "cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", "store", metavar="URL", help="sqlite:///file.db (default), bolt://host:7687 or neo4j://host:7687 [env GRAPHCRM_STORE]")
@click.option("--config", "config", metavar="FILE", help="TOML file with policy overrides [env GRAPHCRM_CONFIG, ./graphcrm.toml]")
@click.version_option(package_name="graphcrm")
@click.pass_context
def cli(ctx: click.Context, store: str | None, config: str | None) -> None:
    """graphcrm: who covers which big client at which stage, and where you depend on one person."""
    ctx.obj = Context(store, config)


def _register() -> None:
    from graphcrm.cli import accounts, changes, data, reporting

    for module in (data, reporting, changes, accounts):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and their exit code, never a traceback."""
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


def run() -> None:
    """The `graphcrm` command: main(), then leave at once instead of freeing the heap object by object.

    A command's objects die with its process. At L the embedded store and a report's rows are millions of them,
    and freeing them one at a time took about 2 of the 16 s a CLI report takes. What a normal exit does that
    matters here is done first: both output streams are flushed and logging is shut down; every command has
    already closed its store (a write returns only once committed), which is then kept, not freed
    (common.LEFT_AT_EXIT). `main(argv)` itself exits normally.
    """
    common.LEFT_AT_EXIT = []
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_code(exc.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):       # a reader that stopped early (graphcrm ... | head) is no error
            pass
    logging.shutdown()
    os._exit(code)


def _exit_code(code: object) -> int:
    """The status sys.exit(code) gives: None is 0, a number is itself, anything else is printed and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
