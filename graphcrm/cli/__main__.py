"""`python -m graphcrm.cli`: the same as the `graphcrm` command."""

from graphcrm.cli import run

run()
