"""The ``search`` command: a thin shell over the library, one module a command group.

``core`` (index, query, serve), ``files`` (inspect, stats), ``saved`` (saved queries and alerts),
``analysis`` (trend, kwic), ``access`` (users, audit), ``export`` (query --csv/--xlsx); ``options``
holds what they share.  This module only assembles the group.
"""

from __future__ import annotations

import os
import sys

import click

from search.cli.access import audit_command, users_group
from search.cli.analysis import kwic_command, trend_command
from search.cli.core import index_command, query_command, serve_command
from search.cli.files import inspect_command, stats_command
from search.cli.phrases import compare_command, emerging_command
from search.cli.saved import alerts_group, saved_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govsearch", prog_name="search", message="%(prog)s %(version)s")
def main():
    """Exact phrase search over Chinese government reports."""


for _command in (
    index_command,
    query_command,
    serve_command,
    inspect_command,
    stats_command,
    saved_group,
    alerts_group,
    trend_command,
    kwic_command,
    users_group,
    audit_command,
    compare_command,
    emerging_command,
):
    main.add_command(_command)


def run() -> None:
    """Entry point: no traceback reaches a user; SEARCH_DEBUG=1 shows it."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("SEARCH_DEBUG"):
            raise
        click.echo(f"error: unexpected {exc.__class__.__name__}: {exc}", err=True)
        click.echo("hint: run again with SEARCH_DEBUG=1 to see the details, and report it", err=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
