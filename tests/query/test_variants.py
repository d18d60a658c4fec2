"""Abbreviations and variants: ~term and the 含同义词 switch match any member of the term's groups."""

from __future__ import annotations

import os
import re

import pytest

from search.engines.embedded.run import matching_ids, search
from search.query import SearchRequest, parse_query
from search.query.variants import VARIANTS_FILE, Variants, VariantsFile, current_variants


def test_the_shipped_dictionary_has_at_least_30_groups_and_the_ones_staff_asked_for():
    variants = current_variants()
    assert variants.problem is None
    assert len(variants.groups) >= 30
    assert all(len(group) >= 2 for group in variants.groups)
    assert variants.expand("放管服") == ("放管服", "简政放权", "放管结合", "优化服务")
    assert variants.expand("老旧住宅小区") == ("老旧住宅小区", "老旧小区")
    assert variants.expand("六稳") == ("六稳", "稳就业", "稳金融", "稳外贸", "稳外资", "稳投资", "稳预期")
    assert variants.expand("gdp") == ("gdp", "国内生产总值", "地区生产总值")  # folded like queries
    assert variants.expand("发展") == ("发展",)


def test_read_as_shows_the_expansion():
    assert parse_query("~放管服").describe() == "放管服 OR 简政放权 OR 放管结合 OR 优化服务"
    assert parse_query("~放管服 二七区").describe() == "(放管服 OR 简政放权 OR 放管结合 OR 优化服务) AND 二七区"
    assert (
        parse_query("-~双减 教育").describe() == "NOT 双减 AND NOT 减轻义务教育阶段学生作业负担和校外培训负担 AND 教育"
    )
    assert parse_query("~国企 SENT 改革").describe() == "国企 SENT 改革 OR 国有企业 SENT 改革"
    parsed = parse_query("~发展")
    assert parsed.describe() == "发展" and parsed.notes == ("~发展: no variants in the dictionary",)
    assert parse_query('"~放管服"').describe() == '"~放管服"'  # quoted: a literal tilde


def test_the_switch_expands_every_member_typed():
    assert (
        parse_query("放管服 就业", expand_all=True).describe()
        == "(放管服 OR 简政放权 OR 放管结合 OR 优化服务) AND 就业"
    )
    request = SearchRequest.from_args({"q": "放管服", "variants": "1"})
    assert request.variants and ("variants", "1") in request.to_args()
    assert not SearchRequest.from_args({"q": "放管服"}).variants


@pytest.mark.parametrize("group", current_variants().groups, ids=lambda g: g[0])
def test_tilde_returns_exactly_the_union_of_its_members_results(seeds_snapshot, group):
    members = current_variants().expand(group[0])  # its group, and any other group holding it
    union = set().union(*(matching_ids(seeds_snapshot, SearchRequest(q=f'"{m}"')) for m in members))
    assert matching_ids(seeds_snapshot, SearchRequest(q=f"~{group[0]}")) == union
    assert matching_ids(seeds_snapshot, SearchRequest(q=f'"{group[0]}"', variants=True)) == union


def test_tilde_fangguanfu_on_the_seeds(seeds_snapshot):
    members = ("放管服", "简政放权", "放管结合", "优化服务")
    union = set().union(*(matching_ids(seeds_snapshot, SearchRequest(q=m)) for m in members))
    assert len(union) > len(matching_ids(seeds_snapshot, SearchRequest(q="放管服")))
    assert matching_ids(seeds_snapshot, SearchRequest(q="~放管服")) == union


def test_each_hit_says_which_members_it_holds(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(q="~放管服", per_page=100))
    assert results.total == len(results.hits) > 0
    for hit in results.hits:
        docnum = next(n for n in seeds_snapshot.live if seeds_snapshot.document(n).id == hit.id)
        text = seeds_snapshot.search_text(docnum)
        assert hit.variants == tuple(m for m in ("放管服", "简政放权", "放管结合", "优化服务") if m in text)
        assert hit.to_json()["variants"] == list(hit.variants)
    assert search(seeds_snapshot, SearchRequest(q="放管服")).hits[0].variants == ()


def test_the_dictionary_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "variants.toml"
    path.write_text('[groups]\n"甲" = ["乙"]\n', encoding="utf-8")
    dictionary = VariantsFile(path)
    assert dictionary.current().expand("甲") == ("甲", "乙")
    path.write_text('[groups]\n"甲" = ["乙", "丙"]\n', encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a new modification time even within the clock's resolution
    assert dictionary.current().expand("甲") == ("甲", "乙", "丙")
    path.write_text('[groups]\n"甲" = "not a list"\n', encoding="utf-8")
    broken = dictionary.current()
    assert broken.expand("甲") == ("甲", "乙", "丙")  # the last good groups are kept
    assert broken.problem == "variants.toml: '甲' must be a list of phrases"
    path.unlink()
    assert dictionary.current().problem.endswith("not found")


def test_members_fold_like_queries():
    variants = Variants.parse('[groups]\n"ＧＤＰ" = ["國內生產總值"]\n')
    assert variants.groups == (("gdp", "国内生产总值"),)


def test_the_shipped_file_is_the_one_read():
    assert VARIANTS_FILE.name == "variants.toml" and VARIANTS_FILE.exists()


def test_the_page_offers_the_expanded_search_with_its_count(client, seeds_snapshot):
    expanded = search(seeds_snapshot, SearchRequest(q="放管服", variants=True)).total
    page = client.get("/search?q=放管服").get_data(as_text=True)
    offer = re.search(
        r'<a[^>]*class="variants-offer"[^>]*href="([^"]*)"[^>]*>(.*?)</a>\s*：\s*(\d+) 篇', page, re.DOTALL
    )
    assert offer, page
    assert "variants=1" in offer.group(1) and "简政放权" in offer.group(2)
    assert int(offer.group(3)) == expanded
    switched = client.get("/search?q=放管服&variants=1").get_data(as_text=True)
    assert 'class="variants-offer"' not in switched
    assert re.search(r'name="variants"[^>]*checked', switched)
    assert "匹配说法" in switched
