"""Restricted documents, swept through every route and format (issue 10).

An index where the manifest's ``access`` column restricts some documents (one
row by row, one folder by its ``*`` row) is queried by a reader without the
group, a reader with it, and an admin.  The oracle is the manifest itself: each
user's totals, facets and lists must be the admin's minus exactly the
documents that user may not see, and nothing else may differ.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from search.access.users import UserStore
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.query import FacetValue, SearchRequest
from search.query.facet_values import rolled_up
from tests.access.test_accounts import PASSWORD, login
from tests.web_fixtures import csrf_token, hit_ids, make_app, place_counts, soup, total_shown

ATOM = {"a": "http://www.w3.org/2005/Atom"}
PHRASE = "老旧小区"
# file -> (district, date, groups that may see it; empty: everyone)
CORPUS = {
    "pub1.txt": ("二七区", "2020-07-01", ""),
    "pub2.txt": ("中原区", "2021-03-01", ""),
    "fin1.txt": ("金水区", "2020-07-15", "财务"),
    "fin2.txt": ("中原区", "2022-01-01", "财务,审计"),
    "人事/hr1.txt": ("管城回族区", "2021-05-05", "人事"),  # by the folder's * row
}
USERS = {"plain": ("reader", ""), "finance": ("reader", "财务"), "boss": ("admin", "")}


def may_see(user: str, source: str) -> bool:
    role, groups = USERS[user]
    allowed = CORPUS[source][2]
    return role == "admin" or not allowed or bool(set(groups.split(",")) & set(allowed.split(",")) - {""})


@pytest.fixture(scope="module")
def restricted(tmp_path_factory, engine_name, request):
    """(root, index, ids): the index a folder, or on the OpenSearch engine a URL (the engine is a
    parameter: every sweep runs on both); accounts in root/users.sqlite3."""
    root = tmp_path_factory.mktemp("restricted")
    folder = root / "docs"
    (folder / "人事").mkdir(parents=True)
    rows = ["filename,district,date,access"]
    for source, (district, date, groups) in CORPUS.items():
        secret = "机密预算安排" if source == "fin1.txt" else ""
        # A phrase only the two finance documents hold: mined from the archive for those who may see them.
        secret += "内部审计底稿。" if source.startswith("fin") else ""
        (folder / source).write_text(f"{source}的报告\n\n{district}推进{PHRASE}改造。{secret}\n", encoding="utf-8")
        if "/" not in source:
            rows.append(f'{source},{district},{date},"{groups}"')
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "人事" / "manifest.csv").write_text(
        "filename,district,date,access\n*,,,人事\nhr1.txt,管城回族区,2021-05-05,\n", encoding="utf-8"
    )
    index_dir = root / "index"
    report = index_paths([folder], index_dir)
    assert report.warnings == []
    users = UserStore(root / "users.sqlite3")
    for name, (role, groups) in USERS.items():
        users.add(name, PASSWORD, role=role, groups=groups)
    snapshot = Archive(index_dir).snapshot()
    ids = {snapshot.document(n).source: snapshot.document(n).id for n in snapshot.live}
    assert sorted(ids) == sorted(CORPUS)
    assert {snapshot.document(n).source: snapshot.access[n] for n in snapshot.live} == {
        "pub1.txt": None,
        "pub2.txt": None,
        "fin1.txt": "财务",
        "fin2.txt": "审计,财务",
        "人事/hr1.txt": "人事",
    }
    if engine_name == "opensearch":
        from search.engines import open_engine

        engine = open_engine(f"{request.getfixturevalue('engine_node')}/restricted")
        assert engine.index([folder], rebuild=True).warnings == []
        assert engine.matching_ids(SearchRequest()) == set(ids.values())  # the same stable ids
        return root, engine.location, ids
    return root, index_dir, ids


@pytest.fixture(scope="module")
def clients(restricted):
    root, index_dir, _ = restricted
    app = make_app(
        index_dir,
        root / "saved.sqlite3",
        AUTH_MODE="local",
        USERS_DB=str(root / "users.sqlite3"),
        AUDIT_LOG=str(root / "audit.jsonl"),
    )
    signed_in = {}
    for name in USERS:
        client = app.test_client()
        assert login(client, name).status_code == 303
        signed_in[name] = client
    return signed_in


def source_of(ids: dict[str, str], doc_id: str) -> str:
    return {v: k for k, v in ids.items()}[doc_id]


def expected_sources(user: str, sources) -> list[str]:
    return [s for s in sources if may_see(user, s)]


def districts(user: str) -> Counter:
    return Counter(CORPUS[s][0] for s in CORPUS if may_see(user, s))


@pytest.mark.parametrize("user", list(USERS))
def test_json_differs_from_the_admins_exactly_by_the_restricted_documents(clients, restricted, user):
    _, _, ids = restricted
    mine = json.loads(clients[user].get(f"/search.json?q={PHRASE}").data)
    boss = json.loads(clients["boss"].get(f"/search.json?q={PHRASE}").data)
    assert sorted(h["source"] for h in boss["hits"]) == sorted(CORPUS)  # the oracle: all five have the phrase

    # the same hits but for their scores and order: a reader's ranking statistics are over what they may
    # see (tests/access/test_hostile_ranking.py), so the admin's scores, which count every document, differ
    def unscored(hits):
        return sorted(({k: v for k, v in h.items() if k != "score"} for h in hits), key=lambda h: h["source"])

    assert unscored(mine["hits"]) == unscored(h for h in boss["hits"] if may_see(user, h["source"]))
    assert mine["total"] == sum(may_see(user, s) for s in CORPUS)
    assert {f["value"]: f["count"] for f in mine["facets"]["district"]} == districts(user)
    assert {f["value"]: f["count"] for f in mine["facets"]["year"]} == Counter(
        CORPUS[s][1][:4] for s in CORPUS if may_see(user, s)
    )
    for key in set(boss) - {"hits", "total", "facets", "took_ms"}:
        assert mine[key] == boss[key], key
    everything = json.loads(clients[user].get("/search.json").data)
    assert everything["total"] == sum(may_see(user, s) for s in CORPUS)


@pytest.mark.parametrize("user", list(USERS))
def test_html_results_facets_and_csv_obey_access(clients, restricted, user):
    _, _, ids = restricted
    page = soup(clients[user].get(f"/search?q={PHRASE}"))
    assert total_shown(page) == sum(may_see(user, s) for s in CORPUS)
    assert sorted(source_of(ids, i) for i in hit_ids(page)) == sorted(expected_sources(user, CORPUS))
    # 区域 is a hierarchy: a place counts the places below it, over what the user may see.
    assert place_counts(page) == rolled_up(FacetValue(d, n) for d, n in districts(user).items())
    text = clients[user].get(f"/search.csv?q={PHRASE}").get_data(as_text=True).lstrip("\ufeff")
    assert sorted(row[10] for row in list(csv.reader(io.StringIO(text)))[1:]) == sorted(expected_sources(user, CORPUS))


def headers(response) -> list[tuple[str, str]]:
    """Every header but the session cookie (re-signed with the time on each request)."""
    return sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")


@pytest.mark.parametrize("user", list(USERS))
def test_a_restricted_document_answers_exactly_as_a_missing_one(clients, restricted, user):
    _, _, ids = restricted
    client = clients[user]
    for source, doc_id in ids.items():
        fake = re.sub(r"^[0-9a-f]{12}", "0" * 12, doc_id)
        for suffix in ("", "/original", f"?q={PHRASE}"):
            real, missing = client.get(f"/doc/{doc_id}{suffix}"), client.get(f"/doc/{fake}{suffix}")
            if may_see(user, source):
                assert real.status_code == 200, (source, suffix)
            else:
                assert (real.status_code, real.data, headers(real)) == (
                    missing.status_code,
                    missing.data,
                    headers(missing),
                ), (source, suffix)


@pytest.mark.parametrize("user", list(USERS))
def test_a_phrase_only_a_restricted_document_holds_finds_nothing_and_suggests_nothing(clients, user):
    found = json.loads(clients[user].get("/search.json?q=机密预算").data)
    assert found["total"] == (1 if may_see(user, "fin1.txt") else 0)
    assert found["facets"]["district"] == ([{"value": "金水区", "count": 1}] if may_see(user, "fin1.txt") else [])
    # 金水区 holds only a restricted document: without access the search is empty, and removing the
    # filter suggests the count of what the user may see, never more.
    page = soup(clients[user].get(f"/search?q={PHRASE}&district=金水区"))
    if may_see(user, "fin1.txt"):
        assert total_shown(page) == 1
    else:
        assert total_shown(page) == 0
        suggestions = [li.get_text(strip=True) for li in page.select(".suggestions li")]
        assert suggestions == [f"去掉“区域：金水区”：{sum(may_see(user, s) for s in CORPUS)} 篇"]
        words = soup(clients[user].get("/search?q=机密预算"))
        assert words.select(".suggestions li") == []
        assert "金水区" not in place_counts(soup(clients[user].get(f"/search?q={PHRASE}")))


@pytest.mark.parametrize("user", list(USERS))
def test_saved_query_counts_new_counts_and_feed_obey_access(clients, restricted, user):
    _, _, ids = restricted
    client = clients[user]
    client.post("/saved", data={"csrf_token": csrf_token(client), "name": f"{user}-旧改", "args": f"q={PHRASE}"})
    listing = soup(client.get("/saved"))
    row = next(
        tr
        for tr in listing.select(".saved-table tbody tr")
        if tr.select_one("a.saved-link").get_text() == f"{user}-旧改"
    )
    visible = sum(may_see(user, s) for s in CORPUS)
    assert int(row.select_one(".total").get_text()) == visible
    assert row.select_one(".new").get_text(strip=True) == f"{visible} 篇新"
    feed = ET.fromstring(client.get(row.select_one("a.feed")["href"]).data)
    entries = [
        e.findtext("a:id", namespaces=ATOM).removeprefix("urn:govsearch:doc:") for e in feed.findall("a:entry", ATOM)
    ]
    assert sorted(source_of(ids, i) for i in entries) == sorted(expected_sources(user, CORPUS))
    assert f"共 {visible} 篇" in feed.findtext("a:subtitle", namespaces=ATOM)


def test_a_shared_query_shows_each_viewer_only_what_they_may_see(clients, restricted):
    _, _, ids = restricted
    finance, plain = clients["finance"], clients["plain"]
    finance.post("/saved", data={"csrf_token": csrf_token(finance), "name": "共享旧改", "args": f"q={PHRASE}"})
    share = next(
        a["href"]
        for a in soup(finance.get("/saved")).select("a.share")
        if a.find_parent("tr").select_one("a.saved-link").get_text() == "共享旧改"
    )
    seen_by_plain = soup(plain.get(share))
    assert sorted(source_of(ids, i) for i in hit_ids(seen_by_plain)) == sorted(expected_sources("plain", CORPUS))


def test_the_cli_is_the_owners_tool_and_sees_everything(restricted, runner):
    from search.cli.main import main

    _, index_dir, _ = restricted
    result = runner.invoke(main, ["query", PHRASE, "--index", str(index_dir), "--json"])
    assert json.loads(result.output)["total"] == len(CORPUS)


@pytest.mark.parametrize("user", list(USERS))
def test_trend_and_concordance_count_only_what_the_user_may_see(clients, restricted, user):
    _, _, ids = restricted
    client = clients[user]
    visible = [s for s in CORPUS if may_see(user, s)]
    trend = json.loads(client.get(f"/trend.json?q={PHRASE}&by=year&per=district").data)
    [series] = trend["series"]
    assert (series["total_documents"], series["total_occurrences"]) == (len(visible), len(visible))
    assert {p["period"]: p["documents"] for p in series["points"] if p["documents"]} == Counter(
        CORPUS[s][1][:4] for s in visible
    )
    assert {d["district"] for d in series["districts"]} == {CORPUS[s][0] for s in visible}
    kwic = json.loads(client.get(f"/kwic.json?q={PHRASE}").data)
    assert (kwic["total_documents"], kwic["total_occurrences"]) == (len(visible), len(visible))
    assert sorted(source_of(ids, line["id"]) for line in kwic["lines"]) == sorted(visible)
    rows = list(csv.reader(io.StringIO(client.get(f"/kwic.csv?q={PHRASE}").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) - 1 == len(visible)
    secret = json.loads(client.get("/kwic.json?q=机密预算").data)
    assert secret["total_occurrences"] == (1 if may_see(user, "fin1.txt") else 0)
    page = client.get(f"/trend?q={PHRASE}&per=district").get_data(as_text=True)
    assert ("管城回族区" in page) == may_see(user, "人事/hr1.txt")


def suggestions_for(client, typed: str) -> dict[str, int]:
    """phrase -> count of /suggest, once the suggester of this user's documents is built."""
    import time

    for _ in range(50):
        found = json.loads(client.get("/suggest", query_string={"q": "老旧"}).data)["suggestions"]
        if found:
            break
        time.sleep(0.2)
    data = json.loads(client.get("/suggest", query_string={"q": typed}).data)
    return {s["phrase"]: s["count"] for s in data["suggestions"]}


@pytest.mark.parametrize("user", list(USERS))
def test_suggestions_as_you_type_lend_no_title_and_no_count_of_a_restricted_document(clients, user, engine_name):
    if engine_name == "opensearch":  # it suggests nothing yet (search/engines/opensearch/cluster.py): nothing to lend
        assert json.loads(clients[user].get("/suggest", query_string={"q": "老旧"}).data)["suggestions"] == []
        return
    phrases = suggestions_for(clients[user], "老旧")
    assert phrases["老旧小区"] == sum(may_see(user, s) for s in CORPUS)
    titles = suggestions_for(clients[user], "的报告")
    assert sorted(titles) == sorted(f"{s}的报告" for s in CORPUS if may_see(user, s))


# -- the file exports of issue 23: .xlsx, the Word 汇编, the zip of originals, the 汇编 page -----------------


def _xlsx_column(data: bytes, sheet: str, column: str) -> list:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()
    at = rows[0].index(column)
    return [row[at] for row in rows[1:]]


@pytest.mark.parametrize("user", list(USERS))
def test_xlsx_exports_hold_only_what_the_user_may_see(clients, restricted, user):
    _, _, ids = restricted
    client = clients[user]
    sources = _xlsx_column(client.get(f"/search.xlsx?q={PHRASE}").data, "检索结果", "来源文件")
    assert sorted(sources) == sorted(expected_sources(user, CORPUS))
    lines = _xlsx_column(client.get(f"/kwic.xlsx?q={PHRASE}").data, "上下文", "编号")
    assert sorted(source_of(ids, i) for i in lines) == sorted(expected_sources(user, CORPUS))
    secret = client.get("/search.xlsx?q=机密预算").data  # a phrase only a restricted document holds
    about = dict(zip(_xlsx_column(secret, "检索条件", "项目"), _xlsx_column(secret, "检索条件", "内容")))
    assert (about["结果数"], about["导出条数"]) == ((1.0, 1.0) if may_see(user, "fin1.txt") else (0.0, 0.0))


@pytest.mark.parametrize("user", list(USERS))
def test_the_compilation_and_the_zip_leave_out_ticked_documents_the_user_may_not_see(clients, restricted, user):
    import zipfile

    from docx import Document

    _, _, ids = restricted
    client = clients[user]
    everything = [("q", PHRASE)] + [("id", doc_id) for doc_id in ids.values()]
    document = Document(io.BytesIO(client.get("/compile.docx", query_string=everything).data))
    texts = [p.text for p in document.paragraphs] + [c.text for t in document.tables for r in t.rows for c in r.cells]
    listed = sorted(t for t in texts if re.fullmatch(r"来源文件|.+\.txt", t) and t != "来源文件")
    assert listed == sorted(expected_sources(user, CORPUS))
    assert any("机密预算安排" in t for t in texts) == may_see(user, "fin1.txt")
    assert f"结果数：{sum(may_see(user, s) for s in CORPUS)} 篇（本汇编收录 {len(listed)} 篇）" in texts
    first_n = Document(io.BytesIO(client.get(f"/compile.docx?q={PHRASE}&first=100").data))
    assert sum(1 for t in first_n.tables) == len(expected_sources(user, CORPUS))
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compile.zip", query_string=everything).data))
    rows = list(csv.reader(io.StringIO(archive.read("清单.csv").decode("utf-8").lstrip("\ufeff"))))
    assert sorted(r[8] for r in rows[1:]) == sorted(expected_sources(user, CORPUS))
    assert len(archive.namelist()) - 1 == sum(1 for r in rows[1:] if not r[10])  # each original (where it is here)
    page = soup(client.get(f"/compile?q={PHRASE}"))
    boxes = [b["value"] for b in page.select("input[type=checkbox][name=id]")]
    assert sorted(source_of(ids, i) for i in boxes) == sorted(expected_sources(user, CORPUS))


@pytest.mark.parametrize("user", ["plain", "finance"])
def test_a_ticked_restricted_document_answers_as_a_missing_one_in_the_zip(clients, restricted, user):
    import zipfile

    _, _, ids = restricted
    hidden = ids["人事/hr1.txt"]  # neither may see it
    fake = re.sub(r"^[0-9a-f]{12}", "0" * 12, hidden)
    listings = []
    for doc_id in (hidden, fake):
        archive = zipfile.ZipFile(io.BytesIO(clients[user].get("/compile.zip", query_string={"id": doc_id}).data))
        listings.append((archive.namelist(), archive.read("清单.csv")))
    assert listings[0] == listings[1] and listings[0][0] == ["清单.csv"]


@pytest.mark.parametrize("user", list(USERS))
def test_archive_phrases_pinyin_and_did_you_mean_lend_nothing_of_a_restricted_document(clients, user, engine_name):
    client = clients[user]
    finance = [s for s in CORPUS if s.startswith("fin")]
    if engine_name == "opensearch":  # suggests nothing yet, and offers no nearest phrase
        assert json.loads(client.get("/suggest", query_string={"q": "内部"}).data)["suggestions"] == []
        assert soup(client.get("/search?q=内部审计底搞")).select(".did-you-mean") == []
        return
    sees = [s for s in finance if may_see(user, s)]
    mined = suggestions_for(client, "内部")
    assert mined == ({"内部审计底稿": len(sees)} if sees else {})
    assert suggestions_for(client, "nbsjdg") == mined  # the same phrase by its initials
    texts = {
        s: f"{s}的报告 {CORPUS[s][0]}推进{PHRASE}改造。" + ("内部审计底稿" if s in finance else "") for s in CORPUS
    }
    offered = suggestions_for(client, "推进")
    assert offered["推进老旧小区改造"] == sum(may_see(user, s) for s in CORPUS)
    for phrase, count in offered.items():  # every phrase, its count over what this user may see
        assert count == sum(may_see(user, s) and phrase in texts[s] for s in CORPUS), phrase
    page = soup(client.get("/search?q=内部审计底搞"))  # one character changed
    offers = [p.get_text(strip=True) for p in page.select(".did-you-mean")]
    assert offers == ([f"您是不是要找：内部审计底稿（{len(sees)} 篇）"] if sees else [])
    secret = soup(client.get("/search?q=机密预算按排"))
    assert [p.get_text(strip=True) for p in secret.select(".did-you-mean")] == (
        ["您是不是要找：机密预算安排（1 篇）"] if may_see(user, "fin1.txt") else []
    )


@pytest.mark.parametrize("user", list(USERS))
def test_a_side_holds_only_what_the_reader_may_see(clients, restricted, user):
    client = clients[user]
    data = client.get("/compare.json?a.year=2020&side=all&min_ll=0&min_freq=1&conc=1&per_page=200").get_json()
    in_2020 = [s for s in CORPUS if CORPUS[s][1].startswith("2020") and may_see(user, s)]
    others = [s for s in CORPUS if not CORPUS[s][1].startswith("2020") and may_see(user, s)]
    assert (data["a"]["documents"], data["b"]["documents"]) == (len(in_2020), len(others))
    phrases = {p["phrase"] for p in data["phrases"]}
    assert any("机密" in p for p in phrases) == may_see(user, "fin1.txt")
    assert any("审计底稿" in p for p in phrases) == (may_see(user, "fin1.txt") or may_see(user, "fin2.txt"))
    csv_text = client.get("/compare.csv?a.year=2020&side=all&min_ll=0&min_freq=1&conc=1").get_data(as_text=True)
    assert ("机密" in csv_text) == may_see(user, "fin1.txt")
    emerging = client.get("/emerging.json?period=2021&min_freq=1").get_json()
    counted = {p["period"]: p["documents"] for p in emerging["periods"]}
    assert counted == dict(sorted(Counter(CORPUS[s][1][:4] for s in CORPUS if may_see(user, s)).items()))
