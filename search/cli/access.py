"""The access subcommands: ``search users …`` (accounts for ``serve --auth local``) and ``search audit``.

The CLI runs on the machine itself, as the index's owner: it sees every
document and manages every account.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from search.access.actor import ROLES
from search.access.audit import AuditLog, audit_line, log_path
from search.access.users import UserError as AccountError
from search.access.users import UserStore, store_path
from search.cli.options import UserError
from search.errors import SearchError


def _index_option(func):
    return click.option(
        "--index",
        "index_dir",
        callback=_state_folder,
        default=lambda: os.environ.get("SEARCH_INDEX", "index"),
        show_default="index/ (or $SEARCH_INDEX)",
        help="Index folder (the accounts and the audit log live beside it), or an OpenSearch index URL "
        "(they live in its local state folder, $SEARCH_STATE).",
    )(func)


def _state_folder(ctx, param, value) -> Path:
    """The folder of the accounts and the audit log: the index folder, or a URL index's state folder."""
    from search.engines import open_engine
    from search.engines.opensearch.cluster import is_index_url

    if not is_index_url(value):
        return Path(value)
    try:
        return open_engine(value).state_dir()
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc


def serve_auth_config(
    host: str, auth_mode: str | None, auth_header: str, trusted_proxies, session_hours: int, public_url: str | None
) -> dict:
    """The web app's auth settings for ``search serve``; refuses an open network bind without a mode."""
    error = UserError
    loopback = _is_loopback(host)
    if auth_mode is None:
        if not loopback:
            raise error(
                f"listening on {host} opens the search to the network, so it needs an auth mode",
                hint="add --auth local (accounts: `search users add`), --auth header (behind a single "
                "sign-on proxy), or --auth none to let anyone who reaches the port in",
            )
        auth_mode = "none"
    if auth_mode == "none" and not loopback:
        click.echo(
            f"warning: --auth none on {host}: anyone who can reach this port can read every document "
            "and change every saved query",
            err=True,
        )
    if auth_mode == "header":
        if not trusted_proxies:
            raise error(
                "--auth header needs --trusted-proxy IP (the single sign-on proxy's address)",
                hint="only requests from that address are believed about the user",
            )
        for proxy in trusted_proxies:
            try:
                ipaddress.ip_address(proxy)
            except ValueError as exc:
                raise error(f"--trusted-proxy {proxy!r} is not an IP address") from exc
    return {
        "AUTH_MODE": auth_mode,
        "AUTH_HEADER": auth_header,
        "TRUSTED_PROXIES": list(trusted_proxies),
        "SESSION_HOURS": session_hours,
        "SESSION_COOKIE_SECURE": bool(public_url and public_url.startswith("https://")),
    }


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- users ------------------------------------------------------------------------------


@click.group("users")
def users_group():
    """Accounts for `search serve --auth local` (and roles and groups for --auth header)."""


def _store(index_dir: Path) -> UserStore:
    if not Path(index_dir).is_dir():
        raise UserError(f"no index in {index_dir}", hint="build it with `search index` first")
    return UserStore(store_path(index_dir))


def _password(password_stdin: bool, confirm: bool = True) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("password", hide_input=True, confirmation_prompt=confirm)


@users_group.command("add")
@click.argument("name")
@_index_option
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="reader",
    show_default=True,
    help="reader: searches and keeps own saved queries; admin: sees every document, query and user.",
)
@click.option(
    "--groups", default="", metavar="G1,G2", help="Groups, for documents restricted by the manifest's access column."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def users_add_command(name, index_dir, role, groups, password_stdin):
    """Add the account NAME (asks for its password)."""
    store = _store(index_dir)
    try:
        user = store.add(name, _password(password_stdin), role=role, groups=groups)
    except AccountError as exc:
        raise UserError(str(exc)) from exc
    click.echo(f"added {user.name} ({user.role}{', groups: ' + ','.join(sorted(user.groups)) if user.groups else ''})")


@users_group.command("passwd")
@click.argument("name")
@_index_option
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
def users_passwd_command(name, index_dir, password_stdin):
    """Set a new password for NAME (and clear its failed logins)."""
    try:
        _store(index_dir).set_password(name, _password(password_stdin))
    except AccountError as exc:
        raise UserError(str(exc), hint="`search users list` shows the accounts") from exc
    click.echo(f"password of {name} changed")


@users_group.command("set")
@click.argument("name")
@_index_option
@click.option("--role", type=click.Choice(ROLES))
@click.option("--groups", metavar="G1,G2", help="The new groups (replacing the old; '' for none).")
def users_set_command(name, index_dir, role, groups):
    """Change the role or groups of NAME."""
    try:
        user = _store(index_dir).update(name, role=role, groups=groups)
    except AccountError as exc:
        raise UserError(str(exc), hint="`search users list` shows the accounts") from exc
    click.echo(f"{user.name}: {user.role}, groups: {','.join(sorted(user.groups)) or '-'}")


@users_group.command("list")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def users_list_command(index_dir, as_json):
    """Every account with its role and groups."""
    rows = [
        {"name": u.name, "role": u.role, "groups": sorted(u.groups), "created": u.created}
        for u in _store(index_dir).all()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no accounts (add one with `search users add NAME`)")
    for row in rows:
        click.echo(
            f"{row['name']}  {row['role']}  groups: {','.join(row['groups']) or '-'}  since {row['created'][:10]}"
        )


@users_group.command("remove")
@click.argument("name")
@_index_option
def users_remove_command(name, index_dir):
    """Remove the account NAME (signed out at once; its saved queries stay, for an admin to see)."""
    try:
        _store(index_dir).remove(name)
    except AccountError as exc:
        raise UserError(str(exc), hint="`search users list` shows the accounts") from exc
    click.echo(f"removed {name}")


# -- audit ------------------------------------------------------------------------------


@click.command("audit")
@_index_option
@click.option("--user", help="Only this user's events.")
@click.option("--since", metavar="DATE", help="From this date or time on (2026-11-29, 2026-11-29T08:00), UTC.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line, as stored.")
def audit_command(index_dir, user, since, as_json):
    """The audit log: searches, views, downloads, exports, logins and saved-query changes."""
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since)
        except ValueError as exc:
            raise UserError(f"--since {since!r} is not a date", hint="e.g. 2026-11-29 or 2026-11-29T08:00") from exc
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    log = AuditLog(log_path(index_dir))
    count = 0
    for entry in log.entries(user=user, since=start):
        count += 1
        if as_json:
            click.echo(json.dumps(entry, ensure_ascii=False))
            continue
        click.echo(audit_line(entry))  # escaped: a query holding a newline prints as one line
    if not count and not as_json:
        click.echo("no audit entries" + (" match" if user or since else ""))
