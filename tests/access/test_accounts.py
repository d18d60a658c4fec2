"""Accounts and roles: the user store, `search users`, `search serve --auth`, login, header SSO,
saved queries owned per user with share links and feed tokens, and the audit log."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from search.access.audit import AuditLog
from search.access.users import LOCK_AFTER, UserStore
from search.cli.main import main
from search.saved.store import SavedQueries
from tests.web_fixtures import csrf_token, make_app, soup

PASSWORD = "correct horse battery"
ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def store(tmp_path):
    return UserStore(tmp_path / "users.sqlite3")


# -- the store ------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(store):
    store.add("zhang", PASSWORD, groups="财务, 人事")
    stored = store._run("SELECT password_hash FROM user WHERE name = 'zhang'")[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert store.login("zhang", PASSWORD).user.groups == frozenset({"财务", "人事"})
    assert store.login("zhang", "wrong password").user is None


def test_failures_slow_down_then_lock_and_a_success_clears_them(store):
    store.add("li", PASSWORD)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    waits = [store.login("li", "bad", now=start + timedelta(hours=n)).wait_seconds for n in range(4)]
    assert waits == [0, 0, 2, 4]  # free failures, then a wait that doubles
    early = store.login("li", PASSWORD, now=start + timedelta(hours=3, seconds=1))
    assert (early.user, early.wait_seconds) == (None, 3)  # even the right password waits
    assert store.login("li", PASSWORD, now=start + timedelta(hours=3, seconds=5)).user.name == "li"
    for n in range(LOCK_AFTER):
        result = store.login("li", "bad", now=start + timedelta(days=1, hours=n))
    assert result.locked and result.wait_seconds == 15 * 60
    locked = store.login("li", PASSWORD, now=start + timedelta(days=1, hours=LOCK_AFTER - 1, minutes=10))
    assert locked.user is None and locked.locked


def test_an_unknown_name_fails_like_a_wrong_password(store):
    store.add("wang", PASSWORD)
    assert store.login("nobody", PASSWORD) == store.login("wang", "wrong password")


def test_bad_names_roles_and_short_passwords_are_refused(store):
    from search.access.users import UserError

    for name, password, role in (("a b", PASSWORD, "reader"), ("x", "short", "reader"), ("y", PASSWORD, "boss")):
        with pytest.raises(UserError):
            store.add(name, password, role=role)


# -- the CLI ----------------------------------------------------------------------------------------


def test_users_commands_add_list_passwd_set_remove(runner, tmp_path):
    index = ["--index", str(tmp_path)]
    added = runner.invoke(
        main,
        ["users", "add", "zhao", "--role", "admin", "--groups", "财务", "--password-stdin", *index],
        input=PASSWORD + "\n",
    )
    assert (added.exit_code, added.output) == (0, "added zhao (admin, groups: 财务)\n")
    listed = json.loads(runner.invoke(main, ["users", "list", "--json", *index]).output)
    assert [(u["name"], u["role"], u["groups"]) for u in listed] == [("zhao", "admin", ["财务"])]
    assert (
        runner.invoke(main, ["users", "passwd", "zhao", "--password-stdin", *index], input="new password 1\n").exit_code
        == 0
    )
    assert UserStore(tmp_path / "users.sqlite3").login("zhao", "new password 1").user is not None
    assert (
        runner.invoke(main, ["users", "set", "zhao", "--role", "reader", "--groups", "", *index]).output
        == "zhao: reader, groups: -\n"
    )
    assert runner.invoke(main, ["users", "remove", "zhao", *index]).output == "removed zhao\n"
    missing = runner.invoke(main, ["users", "remove", "zhao", *index])
    assert (missing.exit_code, missing.output.splitlines()[0]) == (1, "error: no user 'zhao'")


def test_serve_on_the_network_needs_an_auth_mode(runner, seeds_index):
    result = runner.invoke(main, ["serve", "--index", str(seeds_index), "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 1
    assert (
        result.output.splitlines()[0]
        == "error: listening on 0.0.0.0 opens the search to the network, so it needs an auth mode"
    )
    header = runner.invoke(main, ["serve", "--index", str(seeds_index), "--host", "0.0.0.0", "--auth", "header"])
    assert (
        header.output.splitlines()[0]
        == "error: --auth header needs --trusted-proxy IP (the single sign-on proxy's address)"
    )


def test_serve_with_auth_none_on_the_network_warns(seeds_index):
    from click.testing import CliRunner

    from search.cli.access import serve_auth_config

    @__import__("click").command()
    def probe():
        print(serve_auth_config("0.0.0.0", "none", "X-Remote-User", (), 8, None)["AUTH_MODE"])

    result = CliRunner().invoke(probe)
    assert result.output == (
        "warning: --auth none on 0.0.0.0: anyone who can reach this port can read every document "
        "and change every saved query\nnone\n"
    )


# -- login (--auth local) ------------------------------------------------------------------------------------


@pytest.fixture
def local_app(seeds_index, tmp_path):
    users = UserStore(tmp_path / "users.sqlite3")
    users.add("reader_a", PASSWORD)
    users.add("reader_b", PASSWORD)
    users.add("boss", PASSWORD, role="admin")
    return make_app(
        seeds_index,
        tmp_path / "saved.sqlite3",
        AUTH_MODE="local",
        USERS_DB=str(tmp_path / "users.sqlite3"),
        AUDIT_LOG=str(tmp_path / "audit.jsonl"),
    )


def login(client, name, password=PASSWORD):
    token = soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"]
    return client.post("/login", data={"csrf_token": token, "name": name, "password": password, "next": "/"})


def test_anonymous_pages_go_to_login_and_data_gets_401(local_app):
    client = local_app.test_client()
    response = client.get("/search?q=稳就业")
    assert (response.status_code, response.headers["Location"]) == (
        302,
        "/login?next=/search?q%3D%E7%A8%B3%E5%B0%B1%E4%B8%9A",
    )
    for path in (
        "/search.json?q=稳就业",
        "/search.csv?q=稳就业",
        "/search.json",
        "/saved/abc-12345678.atom",
        "/trend.json?q=稳就业",
        "/kwic.csv?q=稳就业",
    ):
        assert client.get(path).status_code == 401, path
    assert client.get("/saved/abc-12345678.atom?token=" + "x" * 32).status_code == 404  # a wrong token: no such feed
    assert client.get("/static/style.css").status_code == 200
    assert client.get("/login").status_code == 200


def test_login_has_its_own_token_and_a_wrong_password_is_one_message(local_app):
    client = local_app.test_client()
    assert client.post("/login", data={"name": "reader_a", "password": PASSWORD}).status_code == 400
    failed = client.post(
        "/login",
        data={
            "csrf_token": soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"],
            "name": "reader_a",
            "password": "wrong",
        },
    )
    assert failed.status_code == 401
    assert soup(failed).select_one(".login-error").get_text() == "用户名或密码错误。"
    unknown = login(local_app.test_client(), "nobody", "wrong")
    assert soup(unknown).select_one(".login-error").get_text() == "用户名或密码错误。"
    ok = login(client, "reader_a")
    assert (ok.status_code, ok.headers["Location"]) == (303, "/")
    page = soup(client.get("/"))
    assert page.select_one(".account .who").get_text() == "reader_a"


def test_login_never_redirects_to_another_site(local_app):
    client = local_app.test_client()
    token = soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"]
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/login", data={"csrf_token": token, "name": "reader_a", "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        token = soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"]


def test_repeated_failures_at_the_login_page_lock_the_name(local_app):
    client = local_app.test_client()
    statuses = [login(client, "reader_b", "wrong").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    users = local_app.extensions["users"]
    # As if the last failure were just now (argon2 on a loaded machine may outlast the 2 s wait).
    users._run("UPDATE login_failure SET last_failure = ?", (datetime.now(UTC).isoformat(),))
    slowed = login(client, "reader_b", PASSWORD)  # within the wait: refused, right password or not
    assert slowed.status_code == 401 and "秒后再试" in soup(slowed).select_one(".login-error").get_text()
    users._run("UPDATE login_failure SET failures = ?, last_failure = ?", (LOCK_AFTER, datetime.now(UTC).isoformat()))
    locked = login(client, "reader_b", PASSWORD)
    assert locked.status_code == 429 and 890 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert "锁定" in soup(locked).select_one(".error .message").get_text()


def test_logout_ends_the_session_and_sessions_expire(local_app):
    client = local_app.test_client()
    login(client, "reader_a")
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 400  # needs the token
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    login(client, "reader_a")
    with client.session_transaction() as session:
        session["since"] -= 8 * 3600 + 1
    assert client.get("/").status_code == 302
    login(client, "reader_a")
    local_app.extensions["users"].remove("reader_a")
    assert client.get("/").status_code == 302  # a removed account is signed out at once


# -- single sign-on header (--auth header) -----------------------------------------------------------------


def test_header_mode_believes_only_the_trusted_proxy(seeds_index, tmp_path):
    app = make_app(
        seeds_index,
        tmp_path / "saved.sqlite3",
        AUTH_MODE="header",
        TRUSTED_PROXIES=["10.0.0.5"],
        USERS_DB=str(tmp_path / "users.sqlite3"),
        AUDIT_LOG=str(tmp_path / "audit.jsonl"),
    )
    client = app.test_client()
    direct = client.get("/", headers={"X-Remote-User": "boss"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert direct.status_code == 403
    proxied = client.get("/", headers={"X-Remote-User": "zhou"}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert proxied.status_code == 200 and soup(proxied).select_one(".account .who").get_text() == "zhou"
    assert client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 401
    assert client.get("/static/style.css", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 403


# -- saved queries per user ------------------------------------------------------------------------------


def save_as(client, name, args):
    return client.post("/saved", data={"csrf_token": csrf_token(client), "name": name, "args": args})


def test_saved_queries_are_private_to_their_owner_and_admins_see_all(local_app):
    a, b, boss = (local_app.test_client() for _ in range(3))
    login(a, "reader_a"), login(b, "reader_b"), login(boss, "boss")
    save_as(a, "甲的查询", "q=老旧小区")
    save_as(b, "甲的查询", "q=稳就业")  # the same name is fine for another user
    [mine] = SavedQueries(local_app.config["SAVED_DB"]).all("reader_a")
    assert [x.get_text() for x in soup(b.get("/saved")).select("a.saved-link")] == ["甲的查询"]
    assert "老旧小区" not in soup(b.get("/saved")).select_one(".saved-query").get_text()
    for response in (
        b.get(f"/saved/{mine.slug}"),
        b.get(f"/saved/{mine.slug}/delete"),
        b.post(f"/saved/{mine.slug}/delete", data={"csrf_token": csrf_token(b)}),
        b.post(f"/saved/{mine.slug}/rename", data={"csrf_token": csrf_token(b), "name": "偷改"}),
    ):
        assert response.status_code == 404
    assert b.get("/saved/zzzz-12345678").get_data() == b.get("/saved/zzzz-87654321").get_data()
    owners = [td.get_text() for td in soup(boss.get("/saved")).select("td.owner")]
    assert owners == ["reader_a", "reader_b"]
    assert boss.post(f"/saved/{mine.slug}/delete", data={"csrf_token": csrf_token(boss)}).status_code == 303
    assert SavedQueries(local_app.config["SAVED_DB"]).all("reader_a") == []


def test_a_share_link_is_read_only_and_can_be_copied(local_app):
    a, b = local_app.test_client(), local_app.test_client()
    login(a, "reader_a"), login(b, "reader_b")
    save_as(a, "旧改", "q=老旧小区")
    share = soup(a.get("/saved")).select_one("a.share")["href"]
    shared = soup(b.get(share))
    assert shared.select_one(".saved-banner.shared .saved-name").get_text() == "旧改"
    assert shared.select("form.rename") == [] and shared.select("a.delete") == []
    assert b.post(share + "/copy", data={"csrf_token": csrf_token(b)}).status_code == 303
    [copy] = SavedQueries(local_app.config["SAVED_DB"]).all("reader_b")
    assert (copy.name, copy.args) == ("旧改", (("q", "老旧小区"),))
    assert b.get("/shared/" + "x" * 32).status_code == 404


def test_a_feed_needs_its_token_and_renewing_revokes_the_old_one(local_app):
    a = local_app.test_client()
    login(a, "reader_a")
    save_as(a, "旧改", "q=老旧小区")
    feed_url = soup(a.get("/saved")).select_one("a.feed")["href"]
    reader = local_app.test_client()  # a feed reader: no session
    assert reader.get(feed_url).status_code == 200
    slug = re.match(r"/saved/([a-z0-9-]+)\.atom", feed_url).group(1)
    assert reader.get(f"/saved/{slug}.atom").status_code == 401
    assert reader.get(f"/saved/{slug}.atom?token=" + "x" * 32).status_code == 404
    feed = ET.fromstring(reader.get(feed_url).data)
    self_link = next(link for link in feed.findall("a:link", ATOM) if link.get("rel") == "self").get("href")
    assert self_link.endswith(feed_url)
    a.post(f"/saved/{slug}/feed-token", data={"csrf_token": csrf_token(a)})
    assert reader.get(feed_url).status_code == 404
    assert reader.get(soup(a.get("/saved")).select_one("a.feed")["href"]).status_code == 200


def test_saved_queries_per_user_are_capped(local_app, monkeypatch):
    import search.saved.store

    monkeypatch.setattr(search.saved.store, "MAX_PER_OWNER", 2)
    a = local_app.test_client()
    login(a, "reader_a")
    assert [save_as(a, f"查询{i}", "q=稳就业").status_code for i in range(3)] == [303, 303, 400]
    assert "每人最多保存 2 个查询" in soup(save_as(a, "查询9", "q=稳就业")).select_one(".error .message").get_text()


# -- the audit log ----------------------------------------------------------------------------------------


def test_searches_views_downloads_exports_logins_and_changes_are_audited(local_app, seeds_snapshot, runner, tmp_path):
    a = local_app.test_client()
    login(a, "reader_a", "wrong")
    login(a, "reader_a")
    doc_id = seeds_snapshot.document(min(seeds_snapshot.live)).id
    a.get("/search?q=%E7%A8%B3%E5%B0%B1%E4%B8%9A")  # as a browser sends it
    a.get(f"/doc/{doc_id}?q=稳就业")
    a.get(f"/doc/{doc_id}/original")
    a.get("/search.csv?q=稳就业")
    a.get("/search.json?q=稳就业")
    save_as(a, "就业", "q=稳就业")
    entries = list(AuditLog(local_app.config["AUDIT_LOG"]).entries())
    assert [(e["event"], e["user"]) for e in entries] == [
        ("login_failed", "reader_a"),
        ("login", "reader_a"),
        ("search", "reader_a"),
        ("view", "reader_a"),
        ("download", "reader_a"),
        ("export", "reader_a"),
        ("export", "reader_a"),
        ("search", "reader_a"),  # the home page, where save_as finds the form's token
        ("saved_add", "reader_a"),
    ]
    assert entries[2]["query"] == "q=稳就业" and entries[2]["address"] == "127.0.0.1"
    assert entries[3]["doc_id"] == doc_id and entries[2]["route"] == "web.search_page"
    result = runner.invoke(main, ["audit", "--index", str(tmp_path), "--user", "reader_a", "--json"])
    assert [json.loads(line)["event"] for line in result.output.splitlines()][:2] == ["login_failed", "login"]
    later = runner.invoke(main, ["audit", "--index", str(tmp_path), "--since", "2999-01-01"])
    assert later.output == "no audit entries match\n"


def test_the_audit_log_rotates_by_size(tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl", max_bytes=400, backups=2)
    for n in range(20):
        log.record("search", "u", "127.0.0.1", query=f"q={n}")
    assert [p.name for p in log.files()] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    assert all(p.stat().st_size <= 400 for p in log.files())
    queries = [e["query"] for e in log.entries()]
    assert queries == [f"q={n}" for n in range(20 - len(queries), 20)]  # oldest dropped, order kept


def test_an_unwritable_audit_log_does_not_take_the_search_down(seeds_index, tmp_path):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", AUDIT_LOG=str(tmp_path / "missing-folder" / "audit.jsonl"))
    assert app.test_client().get("/search?q=稳就业").status_code == 200


def test_without_an_auth_mode_nothing_is_written_beside_the_index(writable_seeds):
    from web import create_app

    _, index_dir = writable_seeds
    before = sorted(p.name for p in index_dir.iterdir())
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    assert client.get("/").status_code == 200
    # VERIFIED.json is the index's own (the grams files found whole: search.engines.embedded.integrity), not an account file
    written = ("saved.sqlite3", "web-secret.key", "audit.jsonl", "VERIFIED.json")
    assert sorted(p.name for p in index_dir.iterdir() if p.name not in written) == [
        n for n in before if n not in written
    ]
