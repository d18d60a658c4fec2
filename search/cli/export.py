"""`search query --csv` and `--xlsx FILE`: the web exports' rows (Chinese headers, absolute links) from the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from search.cli.options import UserError


def export_results(engine, request, public_url: str, as_csv: bool, xlsx_file: Path | None) -> None:
    """``query --csv`` (to stdout) and ``--xlsx FILE``: every hit, the web exports' columns and links."""
    import csv
    from dataclasses import replace

    from search.export import HIT_COLUMNS
    from search.export.columns import defused
    from search.export.run import result_rows, results_workbook
    from search.zone import server_zone

    request = replace(request, page=1)
    try:
        if xlsx_file:
            with open(xlsx_file, "wb") as out:
                rows = results_workbook(out, engine, request, public_url, server_zone())
            click.echo(f"wrote {rows} rows to {xlsx_file}", err=as_csv)
        if as_csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(HIT_COLUMNS)
            for row in result_rows(engine, request, public_url):
                writer.writerow(defused(row))  # a CSV opened in Excel runs nothing a document says
    except BrokenPipeError:
        sys.stderr.close()  # `| head`: the reader had enough
    except OSError as exc:
        raise UserError(f"cannot write {xlsx_file or 'the CSV'}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
