"""`search saved …`: list, add, run and delete saved queries (the same ones as the web UI's /saved).

Its own module, as ``cli_analysis`` and ``cli_access``: the commands of one concern together,
registered on ``search.cli.main.main``; the saved-query store is imported only when one of them runs.
"""

from __future__ import annotations

import json
import sys

import click

from search.cli.options import UserError, engine_of, filter_options, index_option, print_results, search_request
from search.errors import SearchError
from search.query import MAX_PER_PAGE


@click.group("saved")
def saved_group():
    """Saved queries (the same ones as the web UI's /saved): list, add, run, delete."""


def _saved_store(index_dir):
    """The index's engine and its saved queries (an error if there is no index)."""
    from search.saved.store import SavedQueries, store_path

    engine = engine_of(index_dir)
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
    from search.saved.store import SavedQueryError

    try:
        return store.find(name)
    except SavedQueryError as exc:
        raise UserError(str(exc), hint="`search saved list` shows the saved queries") from exc


@saved_group.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def saved_list_command(index_dir, as_json):
    """Saved queries with their current hit counts and new documents since last viewed."""
    from search.export import describe_request

    engine, store = _saved_store(index_dir)
    rows = []
    for saved in store.all():
        counted = _or_user_error(engine.saved_count, store, saved)
        rows.append(
            {
                "name": saved.name,
                "slug": saved.slug,
                "query": " ".join(f"{k}={v}" for k, v in saved.args),
                "in_words": describe_request(saved.request),
                "total": counted.total,
                "new": counted.new,
                "last_viewed": saved.last_viewed,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no saved queries (add one with `search saved add NAME QUERY`)")
    for row in rows:
        new = f", {row['new']} new" if row["new"] else ""
        click.echo(f"{row['name']}  [{row['slug']}]  {row['total']} documents{new}  ·  {row['in_words']}")


@saved_group.command("add")
@click.argument("name")
@click.argument("query", default="")
@index_option
@filter_options
def saved_add_command(name, query, index_dir, **filters):
    """Save QUERY (with filters) under NAME."""
    from search.saved.alerts import AlertStore, start_alerts
    from search.saved.store import SavedQueryError

    engine, store = _saved_store(index_dir)
    try:
        saved = store.add(name, search_request(query, filters))
    except (SavedQueryError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    alerts = AlertStore(store.path)
    if alerts.subscription(saved.owner) is not None:  # what it matches now is not news for its alerts
        _or_user_error(lambda: start_alerts(engine, store, alerts, saved.owner, saved=saved))
    click.echo(f"saved {saved.name!r} as {saved.slug} (web: /saved/{saved.slug}, feed: /saved/{saved.slug}.atom)")


@saved_group.command("run")
@click.argument("name")
@index_option
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
    print_results(results, colour=sys.stdout.isatty())


@saved_group.command("delete")
@click.argument("name")
@index_option
def saved_delete_command(name, index_dir):
    """Delete the saved query NAME (or slug)."""
    _, store = _saved_store(index_dir)
    saved = _saved_or_error(store, name)
    store.delete(saved.slug)
    from search.saved.alerts import AlertStore

    AlertStore(store.path).forget(saved.slug)
    click.echo(f"deleted {saved.name!r}")


# -- e-mail alerts ---------------------------------------------------------------------


@click.group("alerts")
def alerts_group():
    """E-mail alerts: each saved query's new documents, mailed once to its owner's address."""


def _alert_stores(index_dir):
    from search.saved.alerts import AlertStore

    engine, saved = _saved_store(index_dir)
    return engine, saved, AlertStore(saved.path)


def _cli_actor(state_dir):
    """Who an owner is for a check run from the command line: the account's actor (its groups), the
    machine's owner for "", else a reader without groups (a header-mode user: what everyone may see)."""
    from search.access import LOCAL_OWNER, Actor
    from search.access.users import UserStore, store_path

    path = store_path(state_dir)
    accounts = UserStore(path) if path.exists() else None

    def actor_of(owner: str):
        if owner == "":
            return LOCAL_OWNER
        user = accounts.get(owner) if accounts is not None else None
        return user.actor if user is not None else Actor(owner)

    return actor_of


@alerts_group.command("set")
@click.argument("address")
@click.option("--owner", default="", show_default="the machine's owner", help="The user whose queries are mailed.")
@index_option
def alerts_set_command(address, owner, index_dir):
    """Mail OWNER's saved queries' new documents to ADDRESS (what they match now is not mailed)."""
    from search.saved.alerts import AlertAddressError, start_alerts

    engine, saved, alerts = _alert_stores(index_dir)
    try:
        subscription = alerts.set_address(owner, address)
    except AlertAddressError as exc:
        raise UserError(str(exc)) from exc
    who = _cli_actor(engine.state_dir())(owner)
    taken = _or_user_error(lambda: start_alerts(engine, saved, alerts, owner, visible=engine.visible_to(who)))
    click.echo(f"alerts for {owner or '(local owner)'} go to {subscription.address} ({taken} queries start from now)")


@alerts_group.command("off")
@click.option("--owner", default="", show_default="the machine's owner")
@index_option
def alerts_off_command(owner, index_dir):
    """Stop mailing OWNER's alerts."""
    _, _, alerts = _alert_stores(index_dir)
    click.echo("alerts off" if alerts.clear_address(owner) else "no alerts were set")


@alerts_group.command("list")
@index_option
def alerts_list_command(index_dir):
    """Who gets alerts, where, and how many documents each query has mailed."""
    _, saved, alerts = _alert_stores(index_dir)
    subscriptions = alerts.subscriptions()
    if not subscriptions:
        click.echo("no alerts (set one with `search alerts set ADDRESS`)")
    for sub in subscriptions:
        error = f"  ·  last error: {sub.last_error}" if sub.last_error else ""
        click.echo(f"{sub.owner or '(local owner)'} -> {sub.address}  ·  last sent: {sub.last_sent or 'never'}{error}")
        for query in saved.all(sub.owner):
            click.echo(f"    {query.name}: {len(alerts.sent(query.slug))} documents mailed")


@alerts_group.command("run")
@index_option
@click.option("--public-url", metavar="URL", help="Where the mails' links point (default: the config's public_url).")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=str),
    help="The alerts TOML file (default: alerts.toml beside the index, or $SEARCH_ALERTS_CONFIG).",
)
def alerts_run_command(index_dir, public_url, config_file):
    """Check every saved query with an address now and mail its new documents (for cron; `search serve`
    does it on a timer).  Exit status 3 when a mail could not be sent (it is tried again next run)."""
    from search.saved.alerts import check_alerts
    from search.saved.mail import AlertConfigError, Mailer, load_settings

    engine, saved, alerts = _alert_stores(index_dir)
    try:
        settings = load_settings(engine.state_dir(), config_file=config_file)
    except AlertConfigError as exc:
        raise UserError(str(exc), hint="see `search alerts --help` and the README's alerts section") from exc
    if settings.smtp is None:
        raise UserError("no SMTP server is configured", hint="set [smtp] host in alerts.toml or $SEARCH_SMTP_HOST")
    base = public_url or settings.public_url or "http://127.0.0.1:8000"
    report = _or_user_error(
        check_alerts, engine, saved, alerts, Mailer(settings.smtp), base, _cli_actor(engine.state_dir())
    )
    if report.skipped:
        click.echo("another check is running; nothing done")
        return
    for line in report.lines:
        click.echo(line)
    click.echo(
        f"{report.mails} mails, {report.documents} documents, {report.baselined} queries started, "
        f"{report.failed} not sent"
    )
    if report.failed:
        sys.exit(3)
