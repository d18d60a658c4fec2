"""The 去重 switch on the web (HTTP level): the results page, 另有 N 篇转载 and its copies listing, the
JSON twin, the document page's similar documents, and bad values answered without a 500."""

from __future__ import annotations

import re
from html import unescape

import pytest

from search.engines.embedded.commit import index_paths
from tests.dedup_corpus import make_corpus
from tests.web_fixtures import make_app


@pytest.fixture(scope="module")
def dedup_index(tmp_path_factory):
    folder = make_corpus(tmp_path_factory.mktemp("dedup-web") / "docs")
    index_dir = tmp_path_factory.mktemp("dedup-web-index")
    index_paths([folder], index_dir)
    return index_dir


@pytest.fixture
def client(dedup_index, tmp_path):
    return make_app(dedup_index, tmp_path / "saved.sqlite3").test_client()


def total(html: str) -> int:
    return int(re.search(r'id="total">(\d+)<', html).group(1))


def test_without_the_switch_everything_counts_and_the_reprints_are_told(client):
    html = client.get("/search?q=郑东新区党工委").get_data(as_text=True)
    assert total(html) == 3
    assert "其中 2 篇是转载或改写稿" in html
    assert re.search(r'name="dedup" value="1"\s', html) and 'name="dedup" value="1" checked' not in html
    assert "另有" not in html


def test_with_the_switch_one_hit_per_cluster_and_a_link_to_its_copies(client):
    html = client.get("/search?q=郑东新区党工委&dedup=1").get_data(as_text=True)
    assert total(html) == 1
    assert '共 <strong id="total">1</strong> 组' in html
    assert "已去重：1 组，隐去 2 篇转载" in html
    assert 'name="dedup" value="1" checked' in html
    links = re.findall(r'<a class="reprints" href="([^"]+)"[^>]*>另有 (\d+) 篇转载</a>', html)
    assert len(links) == 1 and links[0][1] == "2"
    copies = client.get(unescape(links[0][0])).get_data(as_text=True)
    assert total(copies) == 3 and "同一稿件的转载" in copies
    # The year facet counts clusters: A is in 2020 and 2021.
    data = client.get("/search.json?q=郑东新区党工委&dedup=1").get_json()
    assert data["total"] == 1 and data["dedup"] is True and data["reprints"] == 2
    assert {f["value"]: f["count"] for f in data["facets"]["year"]} == {"2020": 1, "2021": 1}
    assert data["hits"][0]["reprints"] == 2


def test_the_switch_survives_paging_and_facet_links(client):
    html = client.get("/search?q=发展&dedup=1&per_page=1").get_data(as_text=True)
    pages = set(re.findall(r'href="(/search\?[^"]*page=2[^"]*)"', html))
    assert pages and all("dedup=1" in unescape(p) for p in pages)
    facet_links = re.findall(r'href="(/search\?[^"]*year=20\d\d[^"]*)"', html)
    assert facet_links and all("dedup=1" in unescape(u) for u in facet_links)


def test_bad_copies_values_are_an_empty_result_not_an_error(client):
    for value in ("nonexistent-0", "x" * 500, "'; drop", ""):
        response = client.get("/search", query_string={"q": "发展", "copies": value})
        assert response.status_code == 200
    assert total(client.get("/search?q=发展&copies=nonexistent-0").get_data(as_text=True)) == 0


def test_document_page_lists_its_reprints_with_their_similarity(client):
    data = client.get("/search.json?q=郑东新区党工委").get_json()
    by_source = {h["source"]: h["id"] for h in data["hits"]}
    html = client.get(f"/doc/{by_source['a_copy.txt']}").get_data(as_text=True)
    assert "相似文档" in html
    items = re.findall(
        r'<li class="similar-(\w+)"><span class="similar-kind">([^<]+)</span> <a href="/doc/([^"]+)">', html
    )
    kinds = {doc_id: (kind, label) for kind, label, doc_id in items}
    assert kinds[by_source["a.txt"]] == ("reprint", "转载·原稿")
    assert kinds[by_source["a_headline.txt"]] == ("reprint", "转载")
    assert "相似度 100%" in html


def test_trend_and_kwic_take_the_switch(client):
    once = client.get("/trend.json?q=郑东新区党工委&dedup=1").get_json()["series"][0]
    every = client.get("/trend.json?q=郑东新区党工委").get_json()["series"][0]
    assert (once["total_documents"], every["total_documents"]) == (1, 3)
    assert {p["period"]: p["documents"] for p in once["points"]} == {"2020": 1, "2021": 1}
    page = client.get("/trend?q=郑东新区党工委&dedup=1").get_data(as_text=True)
    assert 'name="dedup" value="1" checked' in page and 'type="hidden" name="dedup"' not in page
    assert "dedup=1</code>" not in page  # the checkbox says it, not the filters' note
    kwic_page = client.get("/kwic?q=郑东新区党工委&dedup=1").get_data(as_text=True)
    assert 'name="dedup" value="1" checked' in kwic_page and 'type="hidden" name="dedup"' not in kwic_page
    kwic = client.get("/kwic.json?q=郑东新区党工委&dedup=1").get_json()
    assert kwic["total_documents"] == 1
    assert client.get("/kwic.json?q=郑东新区党工委").get_json()["total_documents"] == 3
