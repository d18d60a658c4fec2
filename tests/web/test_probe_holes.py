"""The holes a probe of the web app found, each sent as the probe sent it (issue 10)."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET

import feedparser
import pytest

from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.saved.store import SavedQueries
from search.text.normalize import normalize_text
from tests.extract.test_extract import make_docx, make_pdf
from tests.web_fixtures import csrf_token, make_app, save, slug_of, soup
from web.hosts import trusted_hosts

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def saved_slugs(app) -> list[str]:
    return [s.slug for s in SavedQueries(app.config["SAVED_DB"]).all()]


# -- 1. HEAD deletes a saved query -------------------------------------------------------------


def test_head_on_the_delete_link_deletes_nothing(web_app):
    owner = web_app.test_client()
    save(owner, "旧改", "q=老旧小区")
    slug = slug_of(owner, "旧改")
    stranger = web_app.test_client()  # curl -I: no cookie, no token
    response = stranger.head(f"/saved/{slug}/delete")
    assert response.status_code == 200
    assert saved_slugs(web_app) == [slug]
    assert stranger.get(f"/saved/{slug}/delete").status_code == 200  # the confirmation page only
    assert saved_slugs(web_app) == [slug]


def test_delete_needs_a_post_with_this_sessions_token(web_app):
    owner = web_app.test_client()
    save(owner, "旧改", "q=老旧小区")
    slug = slug_of(owner, "旧改")
    stranger = web_app.test_client()
    assert stranger.post(f"/saved/{slug}/delete").status_code == 400
    assert stranger.post(f"/saved/{slug}/delete", data={"csrf_token": csrf_token(owner)}).status_code == 400
    for method in ("put", "patch", "delete"):
        assert getattr(stranger, method)(f"/saved/{slug}/delete").status_code == 405
    assert saved_slugs(web_app) == [slug]
    assert owner.post(f"/saved/{slug}/delete", data={"csrf_token": csrf_token(owner)}).status_code == 303
    assert saved_slugs(web_app) == []


def test_head_and_cross_site_views_do_not_reset_the_new_count(web_app):
    owner = web_app.test_client()
    save(owner, "旧改", "q=老旧小区")
    slug = slug_of(owner, "旧改")
    store = SavedQueries(web_app.config["SAVED_DB"])
    owner.head(f"/saved/{slug}")
    owner.get(f"/saved/{slug}", headers={"Sec-Fetch-Site": "cross-site"})
    owner.get(f"/saved/{slug}", headers={"Origin": "http://evil.example"})
    assert (store.get(slug).last_viewed, store.get(slug).seen_generation) == (None, None)
    owner.get(f"/saved/{slug}", headers={"Sec-Fetch-Site": "same-origin"})
    assert store.get(slug).last_viewed is not None
    assert store.get(slug).seen_generation == web_app.extensions["engine"].archive.snapshot().generation


# -- 2. symbolic links out of the indexed folder -----------------------------------------------------


@pytest.fixture
def linked_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "report.txt").write_text("稳就业报告\n\n稳就业是重点。\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    secret = index_dir / "web-secret.key"
    secret.write_text("0123456789abcdef\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("外部文件\n\n不应被索引。\n", encoding="utf-8")
    os.symlink("/etc/passwd", folder / "passwd_link.txt")
    os.symlink(secret, folder / "secret_link.txt")
    os.symlink("/proc/self/status", folder / "status.txt")
    os.symlink(outside, folder / "outside_link.txt")
    os.symlink(folder / "report.txt", folder / "inside_link.md")  # inside: a duplicate, skipped as before
    return folder, index_dir, outside


def test_links_to_files_outside_the_indexed_folder_are_skipped_with_one_warning_each(linked_folder):
    folder, index_dir, _ = linked_folder
    report = index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    assert sorted(snapshot.document(n).source for n in snapshot.live) == ["report.txt"]
    outside = "symbolic link to a file outside the indexed folder (--follow-links indexes it)"
    assert sorted(report.warnings) == [
        "inside_link.md: skipped, symbolic link to report.txt, which is indexed",
        f"outside_link.txt: skipped, {outside}",
        f"passwd_link.txt: skipped, {outside}",
        f"secret_link.txt: skipped, {outside}",
        f"status.txt: skipped, {outside}",
    ]


def test_follow_links_opts_in_but_never_indexes_the_index_folder(linked_folder, runner):
    folder, index_dir, _ = linked_folder
    os.unlink(folder / "passwd_link.txt")
    os.unlink(folder / "status.txt")
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "--follow-links"])
    snapshot = Archive(index_dir).snapshot()
    assert sorted(snapshot.document(n).source for n in snapshot.live) == ["outside_link.txt", "report.txt"]
    assert "secret_link.txt: skipped, it lies in the index folder" in result.output
    assert "0123456789abcdef" not in json.dumps([snapshot.document(n).paragraphs for n in snapshot.live])


# -- 3. control characters break the feed --------------------------------------------------------------

CONTROL_TEXT = "控制字符报告\x01\n\n老旧小区\x08改造\ufffe进展\x1b顺利。\n\n第二段\x0c第三段\n"


def test_normalization_drops_the_characters_xml_forbids():
    assert normalize_text(CONTROL_TEXT) == ["控制字符报告", "老旧小区改造进展顺利。", "第二段", "第三段"]


@pytest.fixture
def control_client(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "control.txt").write_text(CONTROL_TEXT, encoding="utf-8")
    (folder / "name\x01x.txt").write_text("文件名\n\n老旧小区在文件名里。\n", encoding="utf-8")
    index_paths([folder], tmp_path / "index")
    return make_app(tmp_path / "index", tmp_path / "saved.sqlite3").test_client()


def test_feed_json_and_csv_are_valid_whatever_the_text(control_client):
    save(control_client, "控制", "q=老旧小区")
    slug = slug_of(control_client, "控制")
    body = control_client.get(f"/saved/{slug}.atom").data
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert sorted(e.title for e in parsed.entries) == ["控制字符报告", "文件名"]
    assert ET.fromstring(body).find("a:id", ATOM).text == f"urn:govsearch:saved:{slug}"
    data = json.loads(control_client.get("/search.json?q=老旧小区").data)
    assert sorted(h["source"] for h in data["hits"]) == ["control.txt", "name\x01x.txt"]
    rows = list(
        csv.reader(io.StringIO(control_client.get("/search.csv?q=老旧小区").get_data(as_text=True).lstrip("\ufeff")))
    )
    assert sorted(r[10] for r in rows[1:]) == ["control.txt", "name\x01x.txt"]  # 来源文件


# -- 4. any Host header accepted -------------------------------------------------------------------------


def test_a_foreign_host_header_is_refused(client):
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "受信任" in soup(response).select_one(".error .message").get_text()
    assert client.get("/search.json", headers={"Host": "evil.example:8000"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 200


def test_feed_links_follow_the_public_url_and_ids_are_urns(seeds_index, tmp_path):
    hosts = trusted_hosts("127.0.0.1", "https://search.example.gov.cn/")
    app = make_app(
        seeds_index, tmp_path / "saved.sqlite3", TRUSTED_HOST_NAMES=hosts, PUBLIC_URL="https://search.example.gov.cn/"
    )
    client = app.test_client()
    save(client, "旧改", "q=老旧小区")
    slug = slug_of(client, "旧改")
    assert client.get(f"/saved/{slug}.atom", headers={"Host": "evil.example"}).status_code == 400
    feed = ET.fromstring(client.get(f"/saved/{slug}.atom", headers={"Host": "search.example.gov.cn"}).data)
    links = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert links and all(link.startswith("https://search.example.gov.cn/") for link in links)
    entry_ids = [e.findtext("a:id", namespaces=ATOM) for e in feed.findall("a:entry", ATOM)]
    assert entry_ids and all(i.startswith("urn:govsearch:doc:") for i in entry_ids)


def test_trusted_hosts_come_from_the_bind_address_and_the_public_url():
    assert trusted_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1"]
    assert trusted_hosts("10.1.2.3", "https://search.example.gov.cn")[:4] == [
        "localhost",
        "127.0.0.1",
        "::1",
        "10.1.2.3",
    ]
    assert "search.example.gov.cn" in trusted_hosts("10.1.2.3", "https://search.example.gov.cn")
    import socket

    assert socket.gethostname().lower() in trusted_hosts("0.0.0.0")


# -- 5. /doc/<id>/original -----------------------------------------------------------------------------------


@pytest.fixture
def originals_client(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "line\nbreak.txt").write_text("换行文件名\n\n稳就业。\n", encoding="utf-8")
    (folder / "report.pdf").write_bytes(make_pdf([["PDF报告", "稳就业是重点。"]]))
    (folder / "report.docx").write_bytes(make_docx([("heading", "Word报告"), ("p", "稳就业是重点。")]))
    (folder / "gbk.txt").write_bytes("国标编码报告\n\n稳就业。\n".encode("gbk"))
    index_paths([folder], tmp_path / "index")
    snapshot = Archive(tmp_path / "index").snapshot()
    ids = {snapshot.document(n).source: snapshot.document(n).id for n in snapshot.live}
    return make_app(tmp_path / "index", tmp_path / "saved.sqlite3").test_client(), ids


def test_original_with_a_newline_in_its_name_downloads_under_a_clean_name(originals_client):
    client, ids = originals_client
    doc_id = ids["line\nbreak.txt"]
    response = client.get(f"/doc/{doc_id}/original")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="line break.txt"'


@pytest.mark.parametrize(
    "source, media_type",
    [
        ("report.pdf", "application/pdf"),
        ("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("gbk.txt", "text/plain; charset=gb18030"),
    ],
)
def test_original_is_served_with_its_real_media_type(originals_client, source, media_type):
    client, ids = originals_client
    response = client.get(f"/doc/{ids[source]}/original")
    assert (response.status_code, response.headers["Content-Type"]) == (200, media_type)
    assert response.headers["Content-Disposition"] == f"attachment; filename={source}"


# -- 6. cache headers ---------------------------------------------------------------------------------------


def test_pages_with_tokens_are_not_stored_and_other_dynamic_pages_are_private(client, seeds_snapshot):
    doc_id = seeds_snapshot.document(min(seeds_snapshot.live)).id
    save(client, "旧改", "q=老旧小区")
    assert client.get("/saved").headers["Cache-Control"] == "no-store"  # its rename forms have the token
    assert client.get("/search?q=稳就业").headers["Cache-Control"] == "no-store"  # its save form has the token
    assert client.get("/search.json?q=稳就业").headers["Cache-Control"] == "private"
    assert client.get("/search.csv?q=稳就业").headers["Cache-Control"] == "private"
    assert client.get(f"/doc/{doc_id}").headers["Cache-Control"] in ("private", "no-store")
    assert (
        "Cache-Control" not in client.get("/static/style.css").headers
        or "no-store" not in client.get("/static/style.css").headers["Cache-Control"]
    )


def test_error_responses_vary_on_the_htmx_headers_too(client):
    for path in ("/search?page=x", "/doc/nothing-0", "/nowhere"):
        vary = {v.strip() for v in client.get(path).headers["Vary"].split(",")}
        assert {"HX-Request", "HX-History-Restore-Request", "Cookie"} <= vary, path


# -- 7. text from the URL shown as a message ------------------------------------------------------------------


def test_the_deleted_message_is_a_flash_not_url_text(client):
    page = soup(client.get("/saved?deleted=请立即拨打 400-000-0000 领取补贴"))
    assert "领取补贴" not in page.get_text()
    save(client, "旧改", "q=老旧小区")
    slug = slug_of(client, "旧改")
    response = client.post(f"/saved/{slug}/delete", data={"csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/saved"
    assert soup(client.get("/saved")).select_one(".flash").get_text() == "已删除“旧改”。"
    assert soup(client.get("/saved")).select_one(".flash") is None  # shown once


# -- 8. request amplification ---------------------------------------------------------------------------------

# 333 two-character terms joined by | fit in the 1000-character query limit.
OR_TERMS = "|".join(chr(0x4E00 + i) + chr(0x4E00 + 333 + i) for i in range(333))
EIGHTY_FILTER_VALUES = (
    [("q", "不存在的词语组合")]
    + [("district", f"区{i}") for i in range(20)]
    + [("topic", f"主题{i}") for i in range(20)]
    + [("year", str(1950 + i)) for i in range(20)]
    + [("month", f"19{60 + i}-01") for i in range(20)]
)


def test_three_hundred_ored_terms_are_refused_with_a_message(client):
    for path in ("/search", "/search.json", "/search.csv"):
        response = client.get(path, query_string={"q": OR_TERMS})
        assert response.status_code == 400, path
    message = soup(client.get("/search", query_string={"q": OR_TERMS})).select_one(".error .message").get_text()
    assert message == "检索项过多：这个查询有 333 个词或备选项，最多 32 个。请拆成几次检索。"
    assert client.get("/search", query_string={"q": " OR ".join(f"词{i}" for i in range(32))}).status_code == 200


def test_eighty_filter_values_are_refused_with_a_message(client):
    response = client.get("/search", query_string=EIGHTY_FILTER_VALUES)
    assert response.status_code == 400
    assert soup(response).select_one(".error .message").get_text() == "筛选条件过多：共 80 个取值，最多 20 个。"


def test_zero_result_suggestions_cost_at_most_six_counts(client, monkeypatch):
    import web.pages

    counted = []
    real_count = web.pages._count
    monkeypatch.setattr(web.pages, "_count", lambda snap, req, seen: counted.append(req) or real_count(snap, req, seen))
    args = (
        [("q", "不存在的词语组合")]
        + [("district", f"区{i}") for i in range(10)]
        + [("year", str(1990 + i)) for i in range(10)]
    )
    assert client.get("/search", query_string=args).status_code == 200
    # The selected facets' own counts come with the search (SearchResults.facets): only suggestions count.
    assert len(counted) == 6


def test_a_request_out_of_time_ends_with_query_too_complex(seeds_index, tmp_path):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", REQUEST_TIME_BUDGET=0.0)
    client = app.test_client()
    response = client.get("/search?q=老旧小区")
    assert response.status_code == 400
    assert (
        soup(response).select_one(".error .message").get_text()
        == "查询过于复杂：0 秒内未能完成。请减少检索词或筛选条件后再试。"
    )
    fragment = client.get("/search?q=老旧小区", headers={"HX-Request": "true"})
    assert fragment.status_code == 400 and "查询过于复杂" in fragment.get_data(as_text=True)
    assert json.loads(client.get("/search.json?q=老旧小区").data)["error"].startswith("查询过于复杂")
    assert client.get("/saved").status_code == 200  # no search, no budget spent


def test_the_library_stops_a_search_whose_budget_is_spent(seeds_snapshot):
    from search.budget import QueryTooComplex, time_budget
    from search.engines.embedded.run import search
    from search.query import SearchRequest

    with time_budget(0.0), pytest.raises(QueryTooComplex):
        search(seeds_snapshot, SearchRequest(q="老旧小区"))
    assert search(seeds_snapshot, SearchRequest(q="老旧小区")).total > 0  # no budget outside the block
