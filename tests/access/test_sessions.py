"""Sessions that end and logins no one can block (issue 27, items 5 and 6): a cookie copied before
logout or a password change stops working; a lock set by someone else's failures does not keep the
owner out; password checks are capped; the accounts and saved-query files are mode 600."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest

from search.access.users import LOCK_AFTER, UserStore
from search.cli.main import main
from search.saved.store import SavedQueries
from tests.web_fixtures import csrf_token, make_app, soup

PASSWORD = "correct horse battery"


@pytest.fixture
def local_app(seeds_index, tmp_path):
    users = UserStore(tmp_path / "users.sqlite3")
    users.add("reader_a", PASSWORD, groups="人事")
    users.add("boss", PASSWORD, role="admin")
    return make_app(
        seeds_index,
        tmp_path / "saved.sqlite3",
        AUTH_MODE="local",
        USERS_DB=str(tmp_path / "users.sqlite3"),
        AUDIT_LOG=str(tmp_path / "audit.jsonl"),
        TRUSTED_PROXIES=["127.0.0.1"],
    )


def login(client, name, password=PASSWORD, address=None):
    headers = {"X-Forwarded-For": address} if address else {}
    token = soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"]
    return client.post(
        "/login", data={"csrf_token": token, "name": name, "password": password, "next": "/"}, headers=headers
    )


def _copied_cookie(client, app) -> str:
    return client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")).value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), value)
    return other


def test_a_cookie_copied_before_logout_no_longer_signs_in(local_app):
    client = local_app.test_client()
    login(client, "reader_a")
    copy = _copied_cookie(client, local_app)
    assert _with_cookie(local_app, copy).get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert _with_cookie(local_app, copy).get("/").status_code == 302
    assert _with_cookie(local_app, copy).get("/search.json?q=稳就业").status_code == 401


def test_a_password_change_role_change_or_removal_ends_every_session_of_that_user(local_app, runner, tmp_path):
    clients = [local_app.test_client() for _ in range(2)]
    for client in clients:
        login(client, "reader_a")
    boss = local_app.test_client()
    login(boss, "boss")
    result = runner.invoke(
        main,
        ["users", "passwd", "reader_a", "--password-stdin", "--index", str(tmp_path)],
        input="another password 2\n",
    )
    assert result.exit_code == 0, result.output
    assert [c.get("/").status_code for c in clients] == [302, 302]
    assert boss.get("/").status_code == 200  # another user's session is untouched
    login(clients[0], "reader_a", "another password 2")
    runner.invoke(main, ["users", "set", "reader_a", "--groups", "财务", "--index", str(tmp_path)])
    assert clients[0].get("/").status_code == 302
    login(clients[0], "reader_a", "another password 2")
    runner.invoke(main, ["users", "set", "reader_a", "--groups", "财务", "--index", str(tmp_path)])  # no change
    assert clients[0].get("/").status_code == 200
    UserStore(tmp_path / "users.sqlite3").remove("reader_a")
    assert clients[0].get("/").status_code == 302


def test_the_cookie_holds_a_token_not_the_name(local_app, tmp_path):
    client = local_app.test_client()
    login(client, "reader_a")
    with client.session_transaction() as session:
        assert "user" not in session and len(session["sid"]) >= 40
    stored = UserStore(tmp_path / "users.sqlite3")._run("SELECT token_hash, name FROM session")
    assert [row["name"] for row in stored] == ["reader_a"]
    assert stored[0]["token_hash"] != session["sid"]  # only its hash is kept


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(local_app):
    attacker = local_app.test_client()
    for _ in range(3):
        login(attacker, "boss", "wrong", address="10.0.0.66")
    users = local_app.extensions["users"]
    users._run("UPDATE login_failure SET failures = ?, last_failure = ?", (LOCK_AFTER, datetime.now(UTC).isoformat()))
    locked = login(attacker, "boss", PASSWORD, address="10.0.0.66")
    assert locked.status_code == 429  # that address is locked out of that name, right password or not
    owner = local_app.test_client()
    ok = login(owner, "boss", address="10.0.0.7")
    assert (ok.status_code, ok.headers["Location"]) == (303, "/")


def test_one_address_failing_for_many_names_is_locked_as_a_whole(tmp_path):
    store = UserStore(tmp_path / "users.sqlite3")
    store.add("wang", PASSWORD)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(30):
        store.login(f"guess{n}", "wrong", now=now + timedelta(seconds=n), address="10.0.0.66")
    refused = store.login("wang", PASSWORD, now=now + timedelta(seconds=40), address="10.0.0.66")
    assert (refused.user, refused.locked) == (None, True)
    assert store.login("wang", PASSWORD, now=now + timedelta(seconds=40), address="10.0.0.7").user.name == "wang"


def test_simultaneous_attempts_after_a_wait_get_one_password_checked(tmp_path):
    store = UserStore(tmp_path / "users.sqlite3")
    store.add("li", PASSWORD)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(3):
        store.login("li", "bad", now=start + timedelta(seconds=n))
    later = start + timedelta(hours=1)  # the wait is over
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.login("li", "bad", now=later))) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store._run("SELECT failures FROM login_failure WHERE name = 'li'")[0][0] == 4  # one more checked
    assert sorted(r.wait_seconds for r in results) == [4] * 12


def test_password_checks_are_capped_per_second_whoever_asks(seeds_index, tmp_path):
    UserStore(tmp_path / "users.sqlite3").add("wang", PASSWORD)
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", AUTH_MODE="local", LOGIN_CHECKS_PER_SECOND=0.01)
    statuses = [login(app.test_client(), f"random{n}", "wrong").status_code for n in range(3)]
    assert statuses == [401, 429, 429]  # the burst (twice the rate, at least one check) is spent
    busy = login(app.test_client(), "wang")
    assert (busy.status_code, busy.headers["Retry-After"]) == (429, "1")
    assert "登录请求过多" in busy.get_data(as_text=True)


def test_accounts_and_saved_queries_files_are_mode_600(tmp_path):
    UserStore(tmp_path / "users.sqlite3").add("wang", PASSWORD)
    SavedQueries(tmp_path / "saved.sqlite3")
    old = tmp_path / "old" / "users.sqlite3"
    old.parent.mkdir()
    old.touch(mode=0o644)
    old.chmod(0o644)
    UserStore(old)
    for path in (tmp_path / "users.sqlite3", tmp_path / "saved.sqlite3", old):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_host_header_with_a_user_part_is_refused(seeds_index, tmp_path):
    client = make_app(seeds_index, tmp_path / "saved.sqlite3").test_client()
    assert client.get("/search", headers={"Host": "127.0.0.1:80@evil.example"}).status_code == 400
    assert client.get("/search", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/search", headers={"Host": "[::1]:8000"}).status_code == 200


def test_header_mode_refuses_names_longer_than_64_instead_of_cutting_them(seeds_index, tmp_path):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", AUTH_MODE="header", TRUSTED_PROXIES=["127.0.0.1"])
    client = app.test_client()
    assert client.get("/search.json", headers={"X-Remote-User": "a" * 64}).status_code == 200
    assert client.get("/search.json", headers={"X-Remote-User": "a" * 64 + "b"}).status_code == 403
