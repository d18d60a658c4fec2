"""`search saved …`: list, add, run and delete saved queries (the same ones as the web UI's /saved).

Its own module, as ``cli_analysis`` and ``cli_access``: the commands of one concern together,
registered on ``search.cli.main``; the saved-query store is imported only when one of them runs.
"""

from __future__ import annotations

import json
import sys

import click

from .cli import UserError, _engine, _filter_options, _index_option, _print_results, _search_request
from .errors import SearchError
from .query import MAX_PER_PAGE


@click.group("saved")
def saved_group():
    """Saved queries (the same ones as the web UI's /saved): list, add, run, delete."""


def _saved_store(index_dir):
    """The index's engine and its saved queries (an error if there is no index)."""
    from .saved import SavedQueries, store_path

    engine = _engine(index_dir)
    try:
        return engine, SavedQueries(store_path(engine.state_dir()))
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc


def _or_user_error(operation, *args):
    """``operation(*args)``; a SearchError (an engine that cannot, a cluster gone) is one line."""
    try:
        return operation(*args)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc


def _saved_or_error(store, name):
    from .saved import SavedQueryError

    try:
        return store.find(name)
    except SavedQueryError as exc:
        raise UserError(str(exc), hint="`search saved list` shows the saved queries") from exc


@saved_group.command("list")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def saved_list_command(index_dir, as_json):
    """Saved queries with their current hit counts and new documents since last viewed."""
    engine, store = _saved_store(index_dir)
    rows = []
    for saved in store.all():
        counted = _or_user_error(engine.saved_count, store, saved)
        rows.append({"name": saved.name, "slug": saved.slug, "query": " ".join(f"{k}={v}" for k, v in saved.args),
                     "total": counted.total, "new": counted.new, "last_viewed": saved.last_viewed})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no saved queries (add one with `search saved add NAME QUERY`)")
    for row in rows:
        new = f", {row['new']} new" if row["new"] else ""
        click.echo(f"{row['name']}  [{row['slug']}]  {row['total']} documents{new}  ·  {row['query'] or '(all documents)'}")


@saved_group.command("add")
@click.argument("name")
@click.argument("query", default="")
@_index_option
@_filter_options
def saved_add_command(name, query, index_dir, **filters):
    """Save QUERY (with filters) under NAME."""
    from .saved import SavedQueryError

    _, store = _saved_store(index_dir)
    try:
        saved = store.add(name, _search_request(query, filters))
    except (SavedQueryError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"saved {saved.name!r} as {saved.slug} (web: /saved/{saved.slug}, feed: /saved/{saved.slug}.atom)")


@saved_group.command("run")
@click.argument("name")
@_index_option
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (as `search query --json`, plus `saved`).")
def saved_run_command(name, index_dir, limit, page, as_json):
    """Run the saved query NAME (or slug); counts as viewing it."""
    from dataclasses import replace

    engine, store = _saved_store(index_dir)
    saved = _saved_or_error(store, name)
    results = _or_user_error(engine.search, replace(saved.request, per_page=limit, page=page))
    new = _or_user_error(engine.saved_count, store, saved).new
    _or_user_error(engine.mark_viewed, store, saved)
    if as_json:
        data = results.to_json()
        data["saved"] = {"name": saved.name, "slug": saved.slug, "new": new}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"{saved.name} · {new} new since last viewed")
    _print_results(results, colour=sys.stdout.isatty())


@saved_group.command("delete")
@click.argument("name")
@_index_option
def saved_delete_command(name, index_dir):
    """Delete the saved query NAME (or slug)."""
    _, store = _saved_store(index_dir)
    saved = _saved_or_error(store, name)
    store.delete(saved.slug)
    click.echo(f"deleted {saved.name!r}")
