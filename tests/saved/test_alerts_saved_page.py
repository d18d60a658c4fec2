"""The saved-queries page (issue 23): queries in words, times in the server's zone, no 上次查看 从未 for a
query just saved, the alert address form; and a login page that offers an anonymous user nothing to run."""

from __future__ import annotations

from datetime import datetime, timedelta

from search.saved.store import SavedQueries
from tests.access.test_accounts import login
from tests.web_fixtures import csrf_token, make_app, save, slug_of, soup


def row_of(client, name: str):
    return soup(client.get("/saved")).select_one(f"#saved-{slug_of(client, name)}")


def test_saved_queries_are_shown_in_words(client):
    save(client, "旧改", "q=老旧小区改造&district=中原区&year=2020")
    save(client, "全部", "q=")
    assert row_of(client, "旧改").select_one(".saved-query").get_text() == "老旧小区改造 · 中原区 · 2020年"
    assert row_of(client, "全部").select_one(".saved-query").get_text() == "全部文档"
    assert "district=" not in soup(client.get("/saved")).select_one(".saved-table tbody").get_text()


def test_a_query_just_saved_says_when_it_was_saved_in_shanghai_time(client, web_app):
    save(client, "旧改", "q=老旧小区")
    saved = SavedQueries(web_app.config["SAVED_DB"]).find("旧改")
    shanghai = (datetime.fromisoformat(saved.created) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert row_of(client, "旧改").select_one(".viewed").get_text(strip=True) == f"{shanghai} 保存，尚未打开"
    assert "从未" not in soup(client.get("/saved")).get_text()
    assert "时间为北京时间" in soup(client.get("/saved")).select_one("p.saved-hint").get_text()
    client.get(f"/saved/{slug_of(client, '旧改')}")
    viewed = SavedQueries(web_app.config["SAVED_DB"]).find("旧改").last_viewed
    shown = (datetime.fromisoformat(viewed) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert row_of(client, "旧改").select_one(".viewed").get_text(strip=True) == shown


def test_the_zone_is_configurable(seeds_index, tmp_path):
    utc = make_app(seeds_index, tmp_path / "saved.sqlite3", TIMEZONE="UTC").test_client()
    save(utc, "旧改", "q=老旧小区")
    created = SavedQueries(tmp_path / "saved.sqlite3").find("旧改").created
    assert row_of(utc, "旧改").select_one(".viewed").get_text(strip=True) == (
        f"{datetime.fromisoformat(created):%Y-%m-%d %H:%M} 保存，尚未打开"
    )
    assert "时间为UTC" in soup(utc.get("/saved")).select_one("p.saved-hint").get_text()


def test_the_alert_form_shows_the_address_set_and_the_delete_page_says_the_query_in_words(client):
    save(client, "旧改", "q=老旧小区&district=中原区")
    client.post("/saved/alerts", data={"csrf_token": csrf_token(client), "address": "chu@example.gov.cn"})
    page = soup(client.get("/saved"))
    assert page.select_one(".alert-address").get_text() == "chu@example.gov.cn"
    assert page.select_one("#alert-address")["value"] == "chu@example.gov.cn"
    assert "尚未配置邮件发送" in page.select_one(".alert-settings").get_text()  # no SMTP in the tests' config
    confirm = soup(client.get(f"/saved/{slug_of(client, '旧改')}/delete")).select_one("main").get_text()
    assert "它的检索条件是：老旧小区 · 中原区。" in confirm


def test_the_login_page_offers_an_anonymous_user_nothing_to_run(seeds_index, tmp_path):
    from search.access.users import UserStore

    users = tmp_path / "users.sqlite3"
    UserStore(users).add("chu", "correct horse battery", role="reader")
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", AUTH_MODE="local", USERS_DB=str(users))
    anonymous = app.test_client()
    page = soup(anonymous.get("/login"))
    text = page.select_one("main").get_text(" ", strip=True)
    assert "search users" not in text and "<code>" not in str(page.select_one("main"))
    assert page.select("main code") == []
    assert "请联系本单位的系统管理员" in text
    assert login(anonymous, "chu", "correct horse battery").status_code == 303
