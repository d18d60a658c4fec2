"""`search compare` (keyness of two sides) and `search emerging` (terms that rose in a period).

Each side of a comparison is written as the web's URL parameters: ``--a 'year=2024' --b 'year=2023'``,
``--a 'q=稳就业&district=二七区'``; a side B left out is the rest of the archive.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from urllib.parse import parse_qsl

import click

from search.analysis.emerging import DEFAULT_MIN_FREQ as EMERGING_MIN_FREQ
from search.analysis.emerging import SORTS as EMERGING_SORTS
from search.analysis.keyness import DEFAULT_MIN_FREQ, MIN_LL_CHOICES, SIDES, SORTS
from search.analysis.sides import BY
from search.cli.options import (
    UserError,
    engine_of,
    filter_options,
    index_option,
    search_request,
)
from search.errors import SearchError
from search.export.phrases import (
    COMPARE_COLUMNS,
    EMERGING_COLUMNS,
    compare_rows,
    emerging_rows,
)
from search.query import SearchRequest

SIDE_KEYS = ("q", "mode", "district", "topic", "issuer", "type", "docno", "year", "month", "from", "to", "variants")


def side_request(text: str, name: str) -> SearchRequest:
    """A side as URL parameters (``year=2024&district=二七区``) -> its request; UserError names what is wrong."""
    pairs = parse_qsl(text or "", keep_blank_values=False)
    unknown = sorted({k for k, _ in pairs if k not in SIDE_KEYS})
    if unknown:
        raise UserError(f"--{name}: unknown parameter {unknown[0]!r}", hint=f"use {', '.join(SIDE_KEYS)}")

    class Args(dict):
        def getlist(self, key):
            return [v for k, v in pairs if k == key]

    try:
        return SearchRequest.from_args(Args(pairs))
    except ValueError as exc:
        raise UserError(f"--{name}: {exc}") from exc


@click.command("compare")
@index_option
@click.option(
    "--a",
    "side_a",
    required=True,
    metavar="PARAMS",
    help="Side A as URL parameters: 'year=2024', 'q=稳就业&district=二七区'.",
)
@click.option(
    "--b",
    "side_b",
    default="",
    metavar="PARAMS",
    help="Side B the same way; left out: the rest of the archive. B never holds A's documents.",
)
@click.option(
    "--min-freq",
    type=click.IntRange(1, 10_000),
    default=DEFAULT_MIN_FREQ,
    show_default=True,
    help="Occurrences on both sides together a phrase needs.",
)
@click.option(
    "--side",
    type=click.Choice(SIDES),
    default="a",
    show_default=True,
    help="a: phrases A uses more; b: phrases B uses more; all: both.",
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="ll",
    show_default=True,
    help="ll: log-likelihood; ratio: log ratio; freq: frequency.",
)
@click.option(
    "--min-ll",
    type=click.Choice([f"{v:g}" for v in MIN_LL_CHOICES]),
    default="3.84",
    show_default=True,
    help="Least log-likelihood (3.84: p < 0.05; 6.63: 0.01; 10.83: 0.001; 15.13: 0.0001).",
)
@click.option("--with-concentrated", is_flag=True, help="Also list phrases one document carries.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=30, show_default=True, help="Phrases per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (one page).")
@click.option("--csv", "as_csv", is_flag=True, help="Print every phrase (all pages) as CSV, the web's columns.")
@click.option(
    "--xlsx",
    "xlsx_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every phrase (all pages) to this .xlsx file.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default="http://127.0.0.1:8000",
    show_default=True,
    help="Where the CSV/xlsx links point.",
)
def compare_command(
    index_dir,
    side_a,
    side_b,
    min_freq,
    side,
    sort,
    min_ll,
    with_concentrated,
    limit,
    page,
    as_json,
    as_csv,
    xlsx_file,
    public_url,
):
    """Keyness: the 2-8 character phrases side A uses more (or less) than side B (log-likelihood, log ratio)."""
    a, b = side_request(side_a, "a"), side_request(side_b, "b")
    engine = engine_of(index_dir)
    try:
        result = engine.compare(a, b, min_freq=min_freq)
        rows = result.select(side, sort, float(min_ll), with_concentrated)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    base = public_url.rstrip("/")
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(COMPARE_COLUMNS)
        writer.writerows(compare_rows(result, rows, a, b, base))
        return
    if xlsx_file:
        from search.export.phrase_sheets import compare_workbook

        with open(xlsx_file, "wb") as out:
            written = compare_workbook(out, result, rows, a, b, base)
        click.echo(f"{written} phrases written to {xlsx_file}")
        return
    shown = rows[(page - 1) * limit : page * limit]
    if as_json:
        data = result.to_json(shown)
        data.update(
            {"side": side, "sort": sort, "min_ll": float(min_ll), "total": len(rows), "page": page, "per_page": limit}
        )
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _print_compare(result, shown, len(rows), page, limit)


def _print_compare(result, shown, total: int, page: int, limit: int) -> None:
    for name, info in (("A", result.a), ("B", result.b)):
        counted = f" ({info.counted:,} counted)" if info.sampled else ""
        click.echo(f"{name}: {info.label} · {info.documents:,} documents{counted} · {info.characters:,} characters")
    for side, note in result.side_notes:
        click.echo(f"note: side {side}: {note}")
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"{total} phrases · {result.took_ms:.0f} ms")
    click.echo(
        f"{'phrase':<10} {'LL':>10} {'log2':>7} {'A freq':>7} {'A/10k':>8} {'A docs':>6} {'A DP':>5}"
        f" {'B freq':>7} {'B/10k':>8} {'B docs':>6} {'B DP':>5}"
    )
    for p in result.rows(shown):
        mark = " *" if p.concentrated else ""
        click.echo(
            f"{_pad(p.phrase, 10)} {p.ll:>10.2f} {p.log_ratio:>7.2f} {p.a.freq:>7} {p.a.per_10k:>8.2f}"
            f" {p.a.docs:>6} {_dp(p.a.dp):>5} {p.b.freq:>7} {p.b.per_10k:>8.2f} {p.b.docs:>6} {_dp(p.b.dp):>5}{mark}"
        )
    pages = max(1, -(-total // limit))
    if pages > 1:
        click.echo(f"page {page} of {pages} (--page N)")


def _dp(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pad(text: str, width: int) -> str:
    columns = sum(2 if ord(c) > 0x2E80 else 1 for c in text)
    return text + " " * max(1, width - columns)


@click.command("emerging")
@index_option
@click.option("--period", metavar="YYYY|YYYY-MM", help="The year (or month) to show; left out: every period.")
@click.option("--by", type=click.Choice(BY), default="year", show_default=True)
@filter_options(sort=False)
@click.option("--query", "q", default="", help="Only documents matching this query.")
@click.option(
    "--min-freq",
    type=click.IntRange(1, 10_000),
    default=EMERGING_MIN_FREQ,
    show_default=True,
    help="Occurrences in the period a phrase needs.",
)
@click.option(
    "--sort",
    type=click.Choice(EMERGING_SORTS),
    default="z",
    show_default=True,
    help="z: burst; ratio: log ratio to the earlier rate; freq: frequency in the period.",
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True, help="Terms per period.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print JSON (one object per period, one per line without --period)."
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: the web's columns, with the period first.")
@click.option("--public-url", metavar="URL", default="http://127.0.0.1:8000", show_default=True)
def emerging_command(index_dir, period, by, q, min_freq, sort, limit, as_json, as_csv, public_url, **filters):
    """Emerging terms: the phrases whose frequency rose most in a period against every period before it."""
    engine = engine_of(index_dir)
    try:
        request = search_request(q, filters)
        counts = engine.emerging(request, by=by, min_freq=min_freq)
        periods = [period] if period else list(counts.period_names[1:])
        results = [counts.terms(p) for p in periods]
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    base = public_url.rstrip("/")
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("时期", *EMERGING_COLUMNS))
        for result in results:
            for row in emerging_rows(result.sorted(sort)[:limit], request, by, result.period, base):
                writer.writerow((result.period, *row))
        return
    for result in results:
        if as_json:
            click.echo(
                json.dumps(
                    result.to_json(result.sorted(sort)[:limit]), ensure_ascii=False, indent=2 if period else None
                )
            )
            continue
        info = next(p for p in result.periods if p.period == result.period)
        click.echo(
            f"{result.period}: {info.documents:,} documents ({info.counted:,} counted), "
            f"{info.characters:,} characters; before it {result.prior_characters:,} characters"
        )
        for note in result.notes:
            click.echo(f"note: {note}")
        for t in result.sorted(sort)[:limit]:
            click.echo(
                f"  {_pad(t.phrase, 12)} z {t.z:>8.2f}  log2 {t.log_ratio:>6.2f}  {t.freq:>5} now"
                f" ({t.clusters} docs), {t.prior_freq:>5} before  first {t.first_period}"
            )
        if not result.terms:
            click.echo("  (no phrase rose)")
