"""Saved queries: the SQLite store, the web pages (/saved, links, feeds) and `search saved …`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids, search
from search.query import SearchRequest
from search.saved.store import SLUG_PATTERN, STORE_NAME, SavedQueries, SavedQueryError, make_slug
from tests.web_fixtures import csrf_token, hit_ids, make_app, save, slug_of, soup, total_shown

ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def store(tmp_path):
    return SavedQueries(tmp_path / STORE_NAME)


# -- the store ------------------------------------------------------------------------------


def test_chinese_names_get_valid_distinct_stable_slugs():
    names = ["老旧小区改造", "老旧小区改造 2024", "稳就业", "Jobs 稳就业", "放管服!"]
    slugs = [make_slug(n) for n in names]
    assert all(re.fullmatch(SLUG_PATTERN, s) for s in slugs)
    assert len(set(slugs)) == len(slugs)
    assert slugs == [make_slug(n) for n in names]  # the same name, the same slug
    assert slugs[3].startswith("jobs-") and slugs[4] == slugs[4].lower()


def test_slug_is_lengthened_when_taken():
    first = make_slug("老旧小区")
    assert make_slug("老旧小区", taken=[first]) != first
    assert make_slug("老旧小区", taken=[first]).startswith(first)


def test_add_get_rename_delete_round_trip(store):
    request = SearchRequest(q="老旧小区", districts=("中原区",), years=(2020,), sort="newest", page=3)
    saved = store.add("  老旧小区  改造 ", request)
    assert saved.name == "老旧小区 改造"
    assert saved.request == SearchRequest(q="老旧小区", districts=("中原区",), years=(2020,), sort="newest")
    assert store.get(saved.slug) == saved
    renamed = store.rename(saved.slug, "旧改")
    assert (renamed.slug, renamed.name) == (saved.slug, "旧改")  # the link stays
    assert store.find("旧改") == renamed and store.find(saved.slug) == renamed
    assert store.delete(saved.slug) is True
    assert store.get(saved.slug) is None and store.all() == []
    assert store.delete(saved.slug) is False


@pytest.mark.parametrize("name, message", [("", "名称不能为空"), ("   ", "名称不能为空"), ("长" * 101, "名称过长")])
def test_bad_names_are_refused(store, name, message):
    with pytest.raises(SavedQueryError, match=message):
        store.add(name, SearchRequest(q="x"))


def test_duplicate_names_are_refused_on_add_and_rename(store):
    store.add("甲", SearchRequest(q="a"))
    second = store.add("乙", SearchRequest(q="b"))
    with pytest.raises(SavedQueryError, match="已有名为“甲”的保存查询"):
        store.add("甲", SearchRequest(q="c"))
    with pytest.raises(SavedQueryError, match="已有名为“甲”的保存查询"):
        store.rename(second.slug, "甲")
    assert [s.name for s in store.all()] == ["乙", "甲"] or [s.name for s in store.all()] == sorted(["甲", "乙"])


def test_a_view_records_the_generation_it_saw(store):
    saved = store.add("q", SearchRequest(q="x"))
    assert (saved.last_viewed, saved.seen_generation) == (None, None)
    store.mark_viewed(saved.slug, 7)
    viewed = store.get(saved.slug)
    assert viewed.last_viewed is not None and viewed.seen_generation == 7
    store.mark_viewed(saved.slug, 9)
    assert store.get(saved.slug).seen_generation == 9


def test_store_file_cannot_clash_with_whoosh_files():
    assert not STORE_NAME.startswith(("MAIN", "_MAIN"))
    assert STORE_NAME.endswith(".sqlite3")


# -- the web pages ------------------------------------------------------------------------------


def test_save_from_the_results_page_lists_it_and_its_link_shows_the_same_hits(client, seeds_snapshot):
    results_page = soup(client.get("/search?q=老旧小区&district=中原区"))
    form = results_page.select_one("form.save-form")
    assert form["method"] == "post" and form["action"] == "/saved"
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    response = client.post("/saved", data={**fields, "name": "中原区旧改"})
    assert response.status_code == 303
    slug = slug_of(client, "中原区旧改")
    listing = soup(client.get("/saved"))
    row = listing.select_one(f"#saved-{slug}")
    expected = search(seeds_snapshot, SearchRequest(q="老旧小区", districts=("中原区",)))
    assert int(row.select_one(".total").get_text()) == expected.total
    assert row.select_one(".new").get_text(strip=True) == f"{expected.total} 篇新"  # never viewed
    view = soup(client.get(f"/saved/{slug}"))
    assert hit_ids(view) == hit_ids(results_page) == [h.id for h in expected.hits]
    assert view.select_one(".saved-name").get_text() == "中原区旧改"
    assert soup(client.get("/saved")).select_one(f"#saved-{slug} .new").get_text(strip=True) == "0"


def test_new_documents_since_last_viewed_are_counted(writable_seeds, tmp_path):
    folder, index_dir = writable_seeds
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    save(client, "旧改", "q=老旧小区")
    slug = slug_of(client, "旧改")
    client.get(f"/saved/{slug}")
    (folder / "new.txt").write_text("新的报告\n\n老旧小区改造又有新进展。\n", encoding="utf-8")
    index_paths([folder], index_dir)
    row = soup(client.get("/saved")).select_one(f"#saved-{slug}")
    assert row.select_one(".new").get_text(strip=True) == "1 篇新"
    assert int(row.select_one(".total").get_text()) == len(
        matching_ids(Archive(index_dir).snapshot(), SearchRequest(q="老旧小区"))
    )


def test_rename_keeps_the_link_and_delete_asks_first(client):
    save(client, "旧名", "q=稳就业")
    slug = slug_of(client, "旧名")
    token = csrf_token(client)
    assert client.post(f"/saved/{slug}/rename", data={"csrf_token": token, "name": "新名"}).status_code == 303
    assert slug_of(client, "新名") == slug
    confirm = soup(client.get(f"/saved/{slug}/delete"))
    assert "确定要删除“新名”吗" in confirm.get_text()
    assert confirm.select_one("form.confirm")["method"] == "post"
    assert client.get("/saved").status_code == 200 and slug_of(client, "新名") == slug  # GET deleted nothing
    assert client.post(f"/saved/{slug}/delete", data={"csrf_token": "forged"}).status_code == 400
    assert client.post(f"/saved/{slug}/delete", data={"csrf_token": token}).status_code == 303
    assert client.get(f"/saved/{slug}").status_code == 404
    assert "还没有保存的查询" in client.get("/saved").get_data(as_text=True)


def test_saving_a_taken_name_or_bad_arguments_is_a_400(client):
    save(client, "甲", "q=a")
    response = save(client, "甲", "q=b")
    assert response.status_code == 400
    assert "已有名为“甲”的保存查询" in soup(response).select_one(".error .message").get_text()
    response = save(client, "乙", "q=a&page=0")
    assert response.status_code == 400
    assert "页码" in soup(response).select_one(".error .message").get_text()


def test_atom_feed_lists_the_newest_matching_documents(client, seeds_snapshot):
    save(client, "旧改", "q=老旧小区")
    slug = slug_of(client, "旧改")
    response = client.get(f"/saved/{slug}.atom")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.findtext("a:title", namespaces=ATOM) == "保存的查询：旧改"
    newest = search(seeds_snapshot, SearchRequest(q="老旧小区", sort="newest", per_page=20))
    entries = feed.findall("a:entry", ATOM)
    assert [e.findtext("a:title", namespaces=ATOM) for e in entries] == [h.title for h in newest.hits]
    assert [e.findtext("a:id", namespaces=ATOM) for e in entries] == [f"urn:govsearch:doc:{h.id}" for h in newest.hits]
    first_link = entries[0].find("a:link", ATOM).get("href")
    assert first_link == f"http://localhost/doc/{newest.hits[0].id}?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA"
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.findtext("a:updated", namespaces=ATOM)) for e in entries
    )


# -- the CLI ----------------------------------------------------------------------------------------


def test_cli_saved_add_list_run_delete(runner, writable_seeds, engine_name, request, tmp_path, monkeypatch):
    _, index_dir = writable_seeds
    index = ["--index", str(index_dir)]
    if engine_name == "opensearch":  # the same seeds on a node; its saved queries in the local state folder
        monkeypatch.setenv("SEARCH_STATE", str(tmp_path / "state"))
        index = ["--index", request.getfixturevalue("opensearch_seeds")]
    added = runner.invoke(main, ["saved", "add", "中原旧改", "老旧小区", "--district", "中原区", *index])
    assert added.exit_code == 0, added.output
    slug = make_slug("中原旧改")
    assert added.output == f"saved '中原旧改' as {slug} (web: /saved/{slug}, feed: /saved/{slug}.atom)\n"
    expected = search(Archive(index_dir).snapshot(), SearchRequest(q="老旧小区", districts=("中原区",)))
    listed = json.loads(runner.invoke(main, ["saved", "list", "--json", *index]).output)
    assert listed == [
        {
            "name": "中原旧改",
            "slug": slug,
            "query": "q=老旧小区 district=中原区",
            "in_words": "老旧小区 · 中原区",
            "total": expected.total,
            "new": expected.total,
            "last_viewed": None,
        }
    ]
    ran = json.loads(runner.invoke(main, ["saved", "run", "中原旧改", "--json", *index]).output)
    assert [h["id"] for h in ran["hits"]] == [h.id for h in expected.hits]
    assert ran["saved"] == {"name": "中原旧改", "slug": slug, "new": expected.total}
    assert json.loads(runner.invoke(main, ["saved", "list", "--json", *index]).output)[0]["new"] == 0
    deleted = runner.invoke(main, ["saved", "delete", "中原旧改", *index])
    assert (deleted.exit_code, deleted.output) == (0, "deleted '中原旧改'\n")
    assert runner.invoke(main, ["saved", "list", *index]).output.startswith("no saved queries")
    if engine_name == "opensearch":
        assert (tmp_path / "state" / "saved.sqlite3").is_file()


def test_cli_saved_errors_are_one_line_with_a_hint(runner, writable_seeds, tmp_path):
    _, index_dir = writable_seeds
    missing = runner.invoke(main, ["saved", "run", "nothing", "--index", str(index_dir)])
    assert missing.exit_code == 1
    assert missing.output.splitlines() == [
        "error: 没有名为“nothing”的保存查询",
        "hint: `search saved list` shows the saved queries",
    ]
    runner.invoke(main, ["saved", "add", "甲", "x", "--index", str(index_dir)])
    duplicate = runner.invoke(main, ["saved", "add", "甲", "y", "--index", str(index_dir)])
    assert duplicate.exit_code == 1 and duplicate.output == "error: 已有名为“甲”的保存查询\n"
    no_index = runner.invoke(main, ["saved", "list", "--index", str(tmp_path / "nowhere")])
    assert no_index.exit_code == 1 and no_index.output.startswith(f"error: no index in {tmp_path / 'nowhere'}")


def test_cli_saved_query_is_the_one_the_web_shows(runner, writable_seeds, tmp_path):
    _, index_dir = writable_seeds
    runner.invoke(main, ["saved", "add", "就业", "稳就业", "--index", str(index_dir)])
    client = make_app(index_dir, index_dir / STORE_NAME).test_client()
    page = soup(client.get(f"/saved/{make_slug('就业')}"))
    expected = search(Archive(index_dir).snapshot(), SearchRequest(q="稳就业"))
    assert total_shown(page) == expected.total and hit_ids(page) == [h.id for h in expected.hits]


def test_every_saved_and_serve_command_has_help(runner):
    for command in (["serve"], ["saved"], ["saved", "list"], ["saved", "add"], ["saved", "run"], ["saved", "delete"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and result.output.startswith("Usage:")
    assert "[default: 127.0.0.1]" in runner.invoke(main, ["serve", "--help"]).output
