"""`search inspect` (what indexing would read from a file, with its evidence) and `search stats` (the
index: documents, files, formats and what was skipped, or its most common metadata values)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from search.cli.options import UserError, engine_of, index_option
from search.engines import Engine
from search.errors import SearchError
from search.ingest.inspect import describe, inspect_file
from search.query import SearchRequest
from search.query.facet_values import REVIEWED, most_common


@click.command("inspect")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--no-manifest", is_flag=True, help="Ignore manifest rows: show what the file alone says.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def inspect_command(files, no_manifest, as_json):
    """Show, without indexing, what would be extracted from each FILE (and each news item in it):
    title, date, district, issuer, 文号, 文种 and topics, each with the evidence line behind it."""
    inspections = [inspect_file(path, use_manifest=not no_manifest) for path in files]
    if as_json:
        click.echo(json.dumps([i.to_json() for i in inspections], ensure_ascii=False, indent=2))
    else:
        for n, inspection in enumerate(inspections):
            if n:
                click.echo("")
            for line in describe(inspection):
                click.echo(line)
    if any(i.problem or i.skipped for i in inspections):
        sys.exit(3)


@click.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--metadata", is_flag=True, help="The most common values of each metadata field, with their counts.")
@click.option(
    "--top", type=click.IntRange(1, 1000), default=15, show_default=True, help="With --metadata: values a field."
)
def stats_command(index_dir, as_json, metadata, top):
    """Documents, files, size and last update of the index (--metadata: its most common values)."""
    try:
        engine = engine_of(index_dir)
        stats = engine.stats()
        summary = _metadata_summary(engine, top) if metadata else None
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    if summary is not None:
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
            return
        for name, title in REVIEWED:
            click.echo(f"{title} ({name})")
            for value, count in summary[name]:
                click.echo(f"  {count:>8}  {value}")
        return
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:          {stats['index']}")
    click.echo(f"documents:      {stats['documents']} (from {stats['files']} files)")
    click.echo(f"size on disk:   {stats['size_bytes'] / 1024:.1f} KiB")
    if "generation" in stats:
        click.echo(f"last update:    {stats['last_update']} (generation {stats['generation']})")
        click.echo(f"schema version: {stats['schema_version']}")
    else:
        click.echo(f"mapping:        version {stats['mapping_version']}")
        click.echo(f"shards:         {stats['shards']} ({stats['replicas']} replicas each), health {stats['health']}")
    if stats.get("formats"):
        _echo_formats(stats["formats"], stats.get("skipped", 0))


def _echo_formats(formats: dict, skipped: int) -> None:
    """The per-format table of ``search stats``: files, documents, and skipped files by reason."""
    click.echo("")
    click.echo(f"{'format':<12} {'files':>7} {'documents':>10} {'skipped':>8}  reasons")
    for suffix, row in formats.items():
        reasons = "; ".join(f"{reason} ({count})" for reason, count in row["skipped"].items())
        click.echo(
            f"{suffix:<12} {row['files']:>7} {row['documents']:>10} {sum(row['skipped'].values()):>8}  {reasons}"
        )
    if skipped:
        click.echo(f"{skipped} files were skipped by the last runs: the web's 未能读取的文件 page lists them")


def _metadata_summary(engine: Engine, top: int) -> dict[str, list]:
    results = engine.search(SearchRequest(per_page=1, sort="newest"))
    return most_common(results.facets, results.total, top)
