"""`search trend` and `search kwic`: where, when and how often a phrase occurs (a thin shell over search.text.analyzer)."""

from __future__ import annotations

import csv
import json
import math
import sys

import click

from search.analysis.concordance import KWIC_SORTS, MAX_WIDTH, MIN_WIDTH
from search.analysis.trend import BY, CSV_COLUMNS, MAX_QUERIES, MEASURES, PER, smoothed, trend_rows
from search.cli.options import UserError, engine_of, filter_options, index_option, search_request
from search.errors import SearchError
from search.query import MAX_QUERY_LENGTH

BARS = "▁▂▃▄▅▆▇█"
MEASURE_LABELS = {"documents": "documents", "occurrences": "occurrences", "per_mille": "documents per 1,000"}


def _check_length(queries) -> None:
    for query in queries:
        if len(query) > MAX_QUERY_LENGTH:
            raise UserError(f"a query is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}")


def bar(value: float, top: float) -> str:
    """One glyph for ``value`` on a scale up to ``top``: a space for zero, ▁ for the least above it."""
    if value <= 0 or top <= 0:
        return " "
    return BARS[min(len(BARS), math.ceil(value / top * len(BARS))) - 1]


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@click.command("trend")
@click.argument("queries", nargs=-1, required=True)
@index_option
@click.option("--by", type=click.Choice(BY), default="year", show_default=True, help="Count per year or per month.")
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="documents",
    show_default=True,
    help="What the table shows (the JSON and CSV have all three).",
)
@click.option("--per", type=click.Choice(PER), default=None, help="Also count per district (first appearance too).")
@click.option(
    "--smooth",
    type=click.IntRange(0, 3),
    default=0,
    show_default=True,
    help="Moving average: each point the mean of N periods before to N after (JSON and CSV too).",
)
@filter_options(sort=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--csv", "as_csv", is_flag=True, help="Print CSV rows: query, district, period, documents, occurrences, per_mille."
)
def trend_command(queries, index_dir, by, measure, per, smooth, as_json, as_csv, **filters):
    """How often QUERIES (1 to 6, each any query) occur per year or month, under the filters."""
    _check_length(queries)
    if len(queries) > MAX_QUERIES:
        raise UserError(f"{len(queries)} queries given; a trend compares at most {MAX_QUERIES}")
    engine = engine_of(index_dir)
    try:
        result = smoothed(engine.trend(queries, search_request("", filters), by=by, measure=measure, per=per), smooth)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(trend_rows(result))
    else:
        _print_trend(result)


def _print_trend(result) -> None:
    measure = result.measure
    label = MEASURE_LABELS[measure]
    click.echo(
        f"{' | '.join(result.queries)} · per {result.by} · {label}"
        + (f" · smoothed over {2 * result.smooth + 1} periods" if result.smooth else "")
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    if not result.periods:
        click.echo("no dated document matches")
    top = max((p.value(measure) for s in result.series for p in s.points), default=0)
    width = max(len(q) * 2 for q in result.queries) + 2
    click.echo("")
    if result.periods:
        click.echo("period   " + "".join(_pad(q, width + 10) for q in result.queries))
    for i, period in enumerate(result.periods):
        cells = []
        for s in result.series:
            value = s.points[i].value(measure)
            cells.append(_pad(f"{_number(value):>8} {bar(value, top)}", width + 10))
        click.echo(f"{period:<9}" + "".join(cells))
    if result.periods:
        click.echo("")
    for s in result.series:
        spark = "".join(bar(p.value(measure), top) for p in s.points)
        click.echo(
            f"{s.query}: {s.total_documents} documents, {s.total_occurrences} occurrences"
            f"{f', {s.undated_documents} undated' if s.undated_documents else ''}  {spark}"
        )
        if s.districts:
            _print_districts(s, measure, result.by)


def _print_districts(series, measure: str, by: str) -> None:
    top = max((p.value(measure) for d in series.districts for p in d.points), default=0)
    width = max(len(d.district or "unknown") * 2 for d in series.districts) + 2
    for d in series.districts:
        spark = "".join(bar(p.value(measure), top) for p in d.points)
        name = _pad(d.district or "unknown", width)
        first = d.first_appearance or "undated"
        click.echo(f"  {name} first {first:<10}  {d.total_documents:>6} documents  {spark}")


def _pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal columns (a CJK character takes two)."""
    return text + " " * max(1, width - _columns(text))


def _columns(text: str) -> int:
    """Terminal columns of ``text``: two for a CJK character."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


KWIC_CSV_COLUMNS = ("id", "title", "date", "district", "left", "match", "right", "offset")
CLI_WIDTH = 20


@click.command("kwic")
@click.argument("query")
@index_option
@click.option(
    "--width",
    type=click.IntRange(MIN_WIDTH, MAX_WIDTH),
    default=CLI_WIDTH,
    show_default=True,
    help="Characters of context on each side.",
)
@click.option(
    "--sort",
    "order",
    type=click.Choice(KWIC_SORTS),
    default="date",
    show_default=True,
    help="date: oldest first; left: by the left context read right to left; right: by the right context.",
)
@filter_options(sort=False)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True, help="Lines per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (one page).")
@click.option("--csv", "as_csv", is_flag=True, help="Print every line as CSV (all pages, streamed).")
def kwic_command(query, index_dir, width, order, limit, page, as_json, as_csv, **filters):
    """Every occurrence of QUERY in its result set, in context (a concordance)."""
    _check_length([query])
    if not query.strip():
        raise UserError("give a query", hint="for example: search kwic 老旧小区改造")
    engine = engine_of(index_dir)
    try:
        request = search_request(query, filters, page=page, per_page=limit)
        if as_csv:
            lines = engine.all_lines(request, order, width)
        else:
            result = engine.concordance(request, order, width)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(KWIC_CSV_COLUMNS)
        for line in lines:
            writer.writerow(
                [
                    line.id,
                    line.title,
                    line.date or "",
                    line.district or "",
                    line.left,
                    line.match,
                    line.right,
                    line.offset,
                ]
            )
    elif as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_kwic(result, colour=sys.stdout.isatty())


def _print_kwic(result, colour: bool) -> None:
    first = (result.request.page - 1) * result.request.per_page
    shown = f"{first + 1}–{first + len(result.lines)} of " if result.lines else ""
    click.echo(
        f"{shown}{result.total_occurrences} occurrences in {result.total_documents} documents"
        f" · sorted by {result.order} · read as: {result.read_as}"
    )
    width = max((_columns(line.left) for line in result.lines), default=0)
    for line in result.lines:
        match = click.style(line.match, fg="yellow", bold=True) if colour else f"«{line.match}»"
        left = " " * (width - _columns(line.left)) + line.left
        click.echo(
            f"{left} {match} {line.right}  · {line.date or 'undated'} {line.district or '?'} {line.id}@{line.offset}"
        )
    if result.pages > 1:
        click.echo(f"page {result.request.page} of {result.pages} (--page N)")
