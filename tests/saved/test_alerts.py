"""E-mail alerts (issue 23) through a real SMTP server on loopback (aiosmtpd): a new document matching a
saved query is mailed once, with its title and an absolute link; a second check sends nothing; an SMTP
server that is down is retried with backoff and logged, and no page fails."""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from email import message_from_bytes, policy
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller

from search.engines.embedded.commit import index_paths
from search.saved.alerts import AlertStore, AlertTimer, CheckReport, clean_address
from search.saved.mail import AlertConfigError, Mailer, SmtpSettings, load_settings
from tests.web_fixtures import csrf_token, make_app, save, slug_of, soup
from web.saved_views import run_alert_check

PUBLIC = "https://search.example.gov.cn"
NEW_TITLE = "关于老旧小区改造的新通知"


class Inbox:
    """aiosmtpd's handler: every message the server accepted, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def settings_for(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, "govsearch@localhost", timeout=5)


@pytest.fixture
def alert_app(writable_seeds, tmp_path):
    folder, index_dir = writable_seeds
    app = make_app(index_dir, tmp_path / "saved.sqlite3", PUBLIC_URL=PUBLIC + "/")
    client = app.test_client()
    save(client, "旧改", "q=老旧小区")
    response = client.post("/saved/alerts", data={"csrf_token": csrf_token(client), "address": "chu@localhost"})
    assert response.status_code == 303
    return app, client, folder, index_dir


def add_matching_document(folder, index_dir) -> None:
    (folder / "new.txt").write_text(f"{NEW_TITLE}\n\n老旧小区改造又有新进展，今年再改造12个小区。\n", encoding="utf-8")
    index_paths([folder], index_dir)


def new_document_id(app) -> str:
    engine = app.extensions["engine"].pinned()
    try:
        from search.query import SearchRequest

        [hit] = [h for h in engine.all_hits(SearchRequest(q="老旧小区")) if h.title == NEW_TITLE]
        return hit.id
    finally:
        engine.release()


def test_a_new_matching_document_is_mailed_once_with_its_title_and_an_absolute_link(alert_app, smtp_server):
    app, client, folder, index_dir = alert_app
    controller, inbox = smtp_server
    mailer = Mailer(settings_for(controller.port), delays=(0.01,))
    assert run_alert_check(app, mailer).mails == 0  # what matched when alerts began is not news
    add_matching_document(folder, index_dir)
    report = run_alert_check(app, mailer)
    assert (report.mails, report.documents, report.failed) == (1, 1, 0)
    [mail] = inbox.messages
    assert mail["To"] == "chu@localhost" and mail["Subject"] == "【检索提醒】旧改：1 篇新文档"
    text = mail.get_body(("plain",)).get_content()
    doc_id = new_document_id(app)
    assert f"1. {NEW_TITLE}" in text
    assert f"   {PUBLIC}/doc/{doc_id}?q={quote('老旧小区')}" in text.splitlines()
    assert "老旧小区改造又有新进展" in text  # the snippet
    assert f"打开此查询：{PUBLIC}/saved/{slug_of(client, '旧改')}" in text
    assert f'href="{PUBLIC}/doc/{doc_id}?q=' in mail.get_body(("html",)).get_content()
    again = run_alert_check(app, mailer)
    assert (again.mails, len(inbox.messages)) == (0, 1)  # no mail twice for the same document
    assert AlertStore(app.config["SAVED_DB"]).sent(slug_of(client, "旧改")) == [doc_id]
    assert "上次发送" in soup(client.get("/saved")).select_one(".alert-settings").get_text()


def test_smtp_down_is_retried_with_backoff_logged_and_the_pages_still_answer(alert_app, smtp_server, caplog):
    app, client, folder, index_dir = alert_app
    controller, inbox = smtp_server
    run_alert_check(app, Mailer(settings_for(controller.port)))
    add_matching_document(folder, index_dir)
    waits = []
    down = Mailer(settings_for(free_port()), delays=(0.5, 2.0), sleep=waits.append)  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="search.saved.alerts"):
        report = run_alert_check(app, down)
    assert (report.mails, report.failed) == (0, 1)
    assert waits == [0.5, 2.0]
    messages = [r.getMessage() for r in caplog.records]
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING", "ERROR"]
    assert all(m.startswith("alert mail to chu@localhost") for m in messages)
    assert re.search(
        r"SMTP 127\.0\.0\.1:\d+ failed \(attempt 1 of 3: ConnectionRefusedError.*retrying in 0\.5 s", messages[0]
    )
    assert "failed 3 times" in messages[2] and "tried again at the next check" in messages[2]
    page = client.get("/saved")
    assert page.status_code == 200
    assert "邮件服务器暂时无法连接" in soup(page).select_one(".alert-error").get_text()
    later = run_alert_check(app, Mailer(settings_for(controller.port)))  # the server is back: nothing was lost
    assert (later.mails, len(inbox.messages)) == (1, 1)
    assert soup(client.get("/saved")).select_one(".alert-error") is None


def test_a_check_that_hangs_on_smtp_never_blocks_a_request(alert_app):
    app, client, folder, index_dir = alert_app
    add_matching_document(folder, index_dir)
    release = threading.Event()

    class Stuck(Mailer):
        def _send_once(self, message):
            release.wait(10)
            raise TimeoutError("timed out")

    worker = threading.Thread(target=run_alert_check, args=(app, Stuck(settings_for(1), delays=())))
    start = time.monotonic()
    worker.start()
    assert client.get("/saved").status_code == 200 and client.get("/search?q=老旧小区").status_code == 200
    assert time.monotonic() - start < 5
    release.set()
    worker.join(10)


def test_a_query_saved_after_the_address_is_set_starts_from_then(alert_app, smtp_server):
    app, client, folder, index_dir = alert_app
    controller, inbox = smtp_server
    save(client, "稳就业", "q=稳就业")  # its current matches are taken as seen when it is saved
    report = run_alert_check(app, Mailer(settings_for(controller.port)))
    assert (report.mails, report.baselined, inbox.messages) == (0, 0, [])


def test_a_deleted_query_takes_its_log_with_it(alert_app):
    app, client, *_ = alert_app
    slug = slug_of(client, "旧改")
    store = app.extensions["alerts"]
    assert store.has_baseline(slug)
    client.post(f"/saved/{slug}/delete", data={"csrf_token": csrf_token(client)})
    assert not store.has_baseline(slug) and store.logged(slug) == set()


def test_the_address_form_refuses_a_non_address_and_turns_alerts_off(alert_app):
    app, client, *_ = alert_app
    bad = client.post("/saved/alerts", data={"csrf_token": csrf_token(client), "address": "not an address"})
    assert bad.status_code == 400 and "不是有效的电子邮件地址" in bad.get_data(as_text=True)
    off = client.post("/saved/alerts", data={"csrf_token": csrf_token(client), "address": "chu@localhost", "off": "1"})
    assert off.status_code == 303
    assert app.extensions["alerts"].subscription("") is None
    assert client.post("/saved/alerts", data={"address": "x@example.gov.cn"}).status_code == 400  # no CSRF token


@pytest.mark.parametrize("address", ["chu@example.gov.cn", "a.b+c@localhost"])
def test_addresses_that_are_addresses(address):
    assert clean_address(f"  {address} ") == address


def test_cli_alerts_run_mails_through_the_configured_server(writable_seeds, smtp_server, runner, monkeypatch):
    from search.cli.main import main

    folder, index_dir = writable_seeds
    controller, inbox = smtp_server
    monkeypatch.setenv("SEARCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SEARCH_SMTP_PORT", str(controller.port))
    ix = ["--index", str(index_dir)]
    assert runner.invoke(main, ["saved", "add", "旧改", "老旧小区", *ix]).exit_code == 0
    result = runner.invoke(main, ["alerts", "set", "chu@localhost", *ix])
    assert result.output == "alerts for (local owner) go to chu@localhost (1 queries start from now)\n"
    add_matching_document(folder, index_dir)
    first = runner.invoke(main, ["alerts", "run", *ix, "--public-url", PUBLIC])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "chu@localhost: 旧改: 1 new",
        "1 mails, 1 documents, 0 queries started, 0 not sent",
    ]
    assert runner.invoke(main, ["alerts", "run", *ix]).output.splitlines()[-1].startswith("0 mails")
    [mail] = inbox.messages
    assert (
        NEW_TITLE in mail.get_body(("plain",)).get_content()
        and PUBLIC + "/doc/" in mail.get_body(("plain",)).get_content()
    )
    listed = runner.invoke(main, ["alerts", "list", *ix]).output
    assert "(local owner) -> chu@localhost" in listed and "    旧改: 1 documents mailed" in listed


def test_cli_alerts_run_without_smtp_is_one_line(writable_seeds, runner, monkeypatch):
    from search.cli.main import main

    monkeypatch.delenv("SEARCH_SMTP_HOST", raising=False)
    result = runner.invoke(main, ["alerts", "run", "--index", str(writable_seeds[1])])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "error: no SMTP server is configured"


def test_settings_from_the_toml_file_with_the_password_from_the_environment(tmp_path):
    (tmp_path / "alerts.toml").write_text(
        '[smtp]\nhost = "smtp.example.gov.cn"\nstarttls = true\nuser = "s@example.gov.cn"\n'
        'password_env = "GOV_SMTP_PW"\nfrom = "检索 <s@example.gov.cn>"\n[alerts]\nevery_minutes = 15\n',
        encoding="utf-8",
    )
    settings = load_settings(tmp_path, env={"GOV_SMTP_PW": "s3cret"})
    assert (
        settings.smtp.host,
        settings.smtp.port,
        settings.smtp.starttls,
        settings.smtp.user,
        settings.smtp.password,
        settings.smtp.sender,
        settings.every_minutes,
    ) == ("smtp.example.gov.cn", 587, True, "s@example.gov.cn", "s3cret", "检索 <s@example.gov.cn>", 15.0)
    assert "s3cret" not in repr(settings)
    overridden = load_settings(
        tmp_path, env={"GOV_SMTP_PW": "x", "SEARCH_SMTP_PORT": "2525", "SEARCH_SMTP_STARTTLS": "0"}
    )
    assert (overridden.smtp.port, overridden.smtp.starttls) == (2525, False)
    with pytest.raises(AlertConfigError, match="GOV_SMTP_PW is not set"):
        load_settings(tmp_path, env={})
    assert load_settings(tmp_path / "none", env={}).smtp is None


def test_the_timer_runs_checks_on_its_own_thread_and_survives_one_that_breaks():
    calls = []

    def check():
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return CheckReport()

    timer = AlertTimer(check, every=0.05, first_after=0.01)
    timer.start()
    deadline = time.monotonic() + 5
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    timer.stop()
    timer.join(2)
    assert calls[:3] == ["alert-timer"] * 3 and not timer.is_alive()


def test_two_checks_at_once_never_both_run(tmp_path):
    store = AlertStore(tmp_path / "saved.sqlite3")
    assert store.acquire("a") and not store.acquire("b")
    store.release("a")
    assert store.acquire("b")


def test_serve_starts_the_timer_from_the_config_file_and_it_mails(writable_seeds, smtp_server, tmp_path):
    from web.saved_views import start_alert_timer

    folder, index_dir = writable_seeds
    controller, inbox = smtp_server
    config = tmp_path / "alerts.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\n[alerts]\nevery_minutes = 0.005\n', encoding="utf-8"
    )
    app = make_app(index_dir, tmp_path / "saved.sqlite3", ALERTS_CONFIG=str(config), PUBLIC_URL=PUBLIC)
    client = app.test_client()
    save(client, "旧改", "q=老旧小区")
    client.post("/saved/alerts", data={"csrf_token": csrf_token(client), "address": "chu@localhost"})
    timer = start_alert_timer(app)
    try:
        assert timer is not None and timer.name == "alert-timer" and timer.every == 0.3
        add_matching_document(folder, index_dir)
        deadline = time.monotonic() + 20
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # a few more checks: none mails again
    finally:
        timer.stop()
        timer.join(5)
    assert [m["Subject"] for m in inbox.messages] == ["【检索提醒】旧改：1 篇新文档"]


def test_no_timer_without_smtp(web_app):
    from web.saved_views import start_alert_timer

    assert start_alert_timer(web_app) is None


def self_signed(tmp_path):
    """A certificate for 127.0.0.1 and its key (PEM files), made with cryptography (pdfminer.six's dependency)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_starttls_and_login_with_the_offices_ca(tmp_path):
    import ssl

    from aiosmtpd.smtp import AuthResult

    cert_file, key_file = self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"chu" and auth_data.password == b"s3cret")

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        settings = SmtpSettings(
            "127.0.0.1",
            controller.port,
            "govsearch@localhost",
            starttls=True,
            user="chu",
            password="s3cret",
            timeout=5,
            cafile=str(cert_file),
        )
        from search.saved.mail import MailedDocument, alert_message

        message = alert_message(
            "govsearch@localhost",
            "chu@localhost",
            "旧改",
            "老旧小区",
            [MailedDocument(NEW_TITLE, "2026-12-04", "", PUBLIC + "/doc/x")],
            0,
            PUBLIC + "/saved/x",
            PUBLIC + "/saved",
        )
        assert Mailer(settings, delays=()).send(message)
        wrong = SmtpSettings(
            "127.0.0.1", controller.port, "govsearch@localhost", starttls=True, user="chu", password="s3cret", timeout=5
        )  # the system's CAs: the office's certificate is refused
        assert not Mailer(wrong, delays=()).send(message)
    finally:
        controller.stop()
    assert [m["Subject"] for m in inbox.messages] == ["【检索提醒】旧改：1 篇新文档"]
    assert [login[1:] for login in logins] == [(b"chu", b"s3cret")]


def test_a_saved_query_that_no_longer_parses_is_skipped_and_the_others_still_mailed(alert_app, smtp_server, caplog):
    import sqlite3

    app, client, folder, index_dir = alert_app
    controller, inbox = smtp_server
    save(client, "坏的", "q=稳就业")
    with sqlite3.connect(app.config["SAVED_DB"]) as db:  # as a store from another version might hold it
        db.execute("UPDATE saved_query SET args = ? WHERE name = ?", ('[["q", "稳就业"], ["year", "twenty"]]', "坏的"))
    add_matching_document(folder, index_dir)
    with caplog.at_level(logging.WARNING, logger="search.saved.alerts"):
        report = run_alert_check(app, Mailer(settings_for(controller.port)))
    assert (report.mails, [m["Subject"] for m in inbox.messages]) == (1, ["【检索提醒】旧改：1 篇新文档"])
    assert any("'坏的'" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
