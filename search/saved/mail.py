"""Alert mail: the SMTP settings, a mailer that retries with backoff, and the message of one saved query.

Settings come from a TOML file (``alerts.toml`` in the index's state folder, or ``$SEARCH_ALERTS_CONFIG``)
and the environment, which wins::

    [smtp]
    host = "smtp.example.gov.cn"      # SEARCH_SMTP_HOST
    port = 587                        # SEARCH_SMTP_PORT (default 587 with starttls, else 25)
    starttls = true                   # SEARCH_SMTP_STARTTLS=1
    user = "search@example.gov.cn"    # SEARCH_SMTP_USER
    password_env = "SMTP_PASSWORD"    # the variable that holds it; or password_file = "/etc/…"; SEARCH_SMTP_PASSWORD
    from = "政府报告检索 <search@example.gov.cn>"  # SEARCH_SMTP_FROM
    cafile = "/etc/ssl/office-ca.pem" # SEARCH_SMTP_CAFILE: a private CA that signed the server's certificate
    [alerts]
    every_minutes = 30                # SEARCH_ALERTS_EVERY; 0: no timer inside `search serve`
    public_url = "https://search.example.gov.cn/"  # where the mails' links point

The password is never stored beside the saved queries and never printed.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path

from search.text.bidi import without_bidi

log = logging.getLogger("search.saved.alerts")

CONFIG_NAME = "alerts.toml"
DEFAULT_EVERY_MINUTES = 30
RETRY_DELAYS = (2.0, 10.0, 60.0)  # seconds before the 2nd, 3rd and 4th attempt
SMTP_TIMEOUT = 20.0


class AlertConfigError(ValueError):
    """The alert settings cannot be used (a one-line reason)."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = SMTP_TIMEOUT
    cafile: str | None = None  # an office CA's certificates, to verify a STARTTLS server (else the system's)

    def __repr__(self) -> str:  # never the password, in a log line or a traceback
        return f"SmtpSettings(host={self.host!r}, port={self.port}, starttls={self.starttls}, user={self.user!r})"


@dataclass(frozen=True)
class AlertSettings:
    smtp: SmtpSettings | None  # None: no mail is sent (no host configured)
    every_minutes: float = DEFAULT_EVERY_MINUTES
    public_url: str | None = None


def _flag(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def load_settings(
    state_dir: Path | str | None = None, env: Mapping[str, str] = os.environ, config_file: Path | str | None = None
) -> AlertSettings:
    """The alert settings from the config file (when there is one) and ``env``; AlertConfigError when unusable."""
    path = Path(config_file or env.get("SEARCH_ALERTS_CONFIG") or (Path(state_dir) / CONFIG_NAME if state_dir else ""))
    table = _config_table(path)
    smtp, alerts = table.get("smtp", {}), table.get("alerts", {})
    host = env.get("SEARCH_SMTP_HOST") or smtp.get("host")
    every = env.get("SEARCH_ALERTS_EVERY") or alerts.get("every_minutes", DEFAULT_EVERY_MINUTES)
    try:
        every = float(every)
    except ValueError:
        raise AlertConfigError(f"every_minutes must be a number, not {every!r}") from None
    public_url = env.get("SEARCH_PUBLIC_URL") or alerts.get("public_url")
    if not host:
        return AlertSettings(None, every, public_url)
    return AlertSettings(_smtp_settings(host, smtp, env), every, public_url)


def _config_table(path: Path) -> dict:
    """The config file's TOML table; empty when there is no file; AlertConfigError when it cannot be read."""
    if not (str(path) and path.is_file()):
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AlertConfigError(f"cannot read {path}: {exc}") from exc


def _smtp_settings(host: str, smtp: dict, env: Mapping[str, str]) -> SmtpSettings:
    """The SMTP server's settings: ``env`` first, then the config file's [smtp] table."""
    starttls = _flag(env.get("SEARCH_SMTP_STARTTLS", smtp.get("starttls", False)))
    try:
        port = int(env.get("SEARCH_SMTP_PORT") or smtp.get("port") or (587 if starttls else 25))
    except ValueError:
        raise AlertConfigError("the SMTP port must be a whole number") from None
    user = env.get("SEARCH_SMTP_USER") or smtp.get("user")
    password = _password(smtp, env)
    sender = env.get("SEARCH_SMTP_FROM") or smtp.get("from") or user or f"govsearch@{host}"
    cafile = env.get("SEARCH_SMTP_CAFILE") or smtp.get("cafile")
    return SmtpSettings(host, port, sender, starttls, user, password, cafile=cafile)


def _password(smtp: dict, env: Mapping[str, str]) -> str | None:
    """The SMTP password: given, or from the variable ``password_env`` names, or from ``password_file``."""
    password = env.get("SEARCH_SMTP_PASSWORD") or smtp.get("password")
    if not password and smtp.get("password_env"):
        password = env.get(smtp["password_env"])
        if password is None:
            raise AlertConfigError(f"the SMTP password variable {smtp['password_env']} is not set")
    if not password and smtp.get("password_file"):
        try:
            password = Path(smtp["password_file"]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AlertConfigError(f"cannot read the SMTP password file: {exc.strerror or exc}") from exc
    return password


class Mailer:
    """Sends a message through the SMTP server, retrying with backoff; a failure is logged, never raised."""

    def __init__(
        self,
        settings: SmtpSettings,
        delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.settings = settings
        self.delays = tuple(delays)
        self.sleep = sleep

    def _send_once(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=s.cafile))
            if s.user and s.password:
                smtp.login(s.user, s.password)
            smtp.send_message(message)

    def send(self, message: EmailMessage) -> bool:
        """True once the server accepted the message; False after the last attempt failed."""
        attempts = len(self.delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                self._send_once(message)
                return True
            except (OSError, smtplib.SMTPException) as exc:
                where = f"{self.settings.host}:{self.settings.port}"
                if attempt == attempts:
                    log.error(
                        "alert mail to %s not sent: SMTP %s failed %d times (last: %s); it is tried again "
                        "at the next check",
                        message["To"],
                        where,
                        attempts,
                        _reason(exc),
                    )
                    return False
                delay = self.delays[attempt - 1]
                log.warning(
                    "alert mail to %s: SMTP %s failed (attempt %d of %d: %s); retrying in %g s",
                    message["To"],
                    where,
                    attempt,
                    attempts,
                    _reason(exc),
                    delay,
                )
                self.sleep(delay)
        return False


def _reason(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


@dataclass(frozen=True)
class MailedDocument:
    title: str
    meta: str  # 发文机关 · 日期 · 区域
    snippet: str
    link: str


def alert_message(
    sender: str,
    to: str,
    name: str,
    search: str,
    documents: Sequence[MailedDocument],
    more: int,
    saved_link: str,
    list_link: str,
) -> EmailMessage:
    """The mail of one saved query's new documents (plain text, with an HTML twin); bidi controls
    are left out of what it shows (``search.text.bidi``), as on the web."""
    count = len(documents) + more
    name, search = without_bidi(name), without_bidi(search)
    documents = [
        MailedDocument(without_bidi(d.title), without_bidi(d.meta), without_bidi(d.snippet), d.link) for d in documents
    ]
    message = EmailMessage()
    message["Subject"] = f"【检索提醒】{name}：{count} 篇新文档"
    message["From"], message["To"] = sender, to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="govsearch")
    lines = [f"保存的查询“{name}”（{search}）有 {count} 篇新文档：", ""]
    for n, doc in enumerate(documents, 1):
        lines += (
            [f"{n}. {doc.title}", f"   {doc.meta}"]
            + ([f"   {doc.snippet}"] if doc.snippet else [])
            + [f"   {doc.link}", ""]
        )
    if more:
        lines += [f"另有 {more} 篇，请打开查询查看：{saved_link}", ""]
    lines += [f"打开此查询：{saved_link}", f"管理保存的查询和邮件提醒：{list_link}"]
    message.set_content("\n".join(lines))
    items = "".join(
        f'<li><a href="{escape(d.link)}">{escape(d.title)}</a><br><small>{escape(d.meta)}</small>'
        + (f"<br>{escape(d.snippet)}" if d.snippet else "")
        + "</li>"
        for d in documents
    )
    extra = f'<p>另有 {more} 篇，<a href="{escape(saved_link)}">打开查询查看</a>。</p>' if more else ""
    message.add_alternative(
        f"<p>保存的查询“{escape(name)}”（{escape(search)}）有 {count} 篇新文档：</p><ol>{items}</ol>{extra}"
        f'<p><a href="{escape(saved_link)}">打开此查询</a> · <a href="{escape(list_link)}">管理保存的查询和邮件提醒</a></p>',
        subtype="html",
    )
    return message
