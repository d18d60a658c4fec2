"""Suggestions from the archive itself (issue 23): its frequent phrases, pinyin and initials, 您是不是要找.

The oracle is the source text: the 118 reports (../shared/corpus/reports.tar.xz,
or bench/data when unpacked there) indexed once for this module, and each count
checked against the documents whose extracted search text holds the phrase.
"""

from __future__ import annotations

import tarfile

import pytest

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.nearest import gap_patterns, nearest_phrase, one_edit_strings
from search.engines.embedded.phrases import drop_half_phrases, mine_phrases, phrases_of
from search.engines.embedded.suggest import known_phrases, suggest, suggester
from search.meta import extract_documents, read_sidecar
from search.query.pinyin import readings
from search.text.analyzer import segmenter
from search.text.normalize import search_text
from tests.source_texts import FOLDERS, ROOT, reports_archive
from tests.web_fixtures import soup


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """(snapshot, the search texts of the 118 reports read straight from their files)."""
    work = tmp_path_factory.mktemp("all-reports")
    source = ROOT / "bench" / "data"
    if not all((source / f / "manifest.tsv").is_file() for f in FOLDERS):
        archive = reports_archive()
        if archive is None:
            pytest.skip("the reports corpus (../shared/corpus/reports.tar.xz) is not beside the project")
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        source = work
    folders = [source / f for f in FOLDERS]
    index_dir = work / "index"
    assert index_paths(folders, index_dir, procs=1).warnings == []
    texts = []
    for folder in folders:
        sidecar = read_sidecar(folder)
        for path in sorted(folder.glob("*.txt")):
            records = extract_documents(path.read_text(encoding="utf-8"), sidecar.get(path.name))
            texts.extend(search_text(record.title, record.paragraphs) for record in records)
    assert len(texts) == 118
    return Archive(index_dir).snapshot(), texts


def holding(texts: list[str], phrase: str) -> int:
    return sum(phrase in text for text in texts)


def test_typing_gao_zhi_liang_offers_gao_zhi_liang_fa_zhan_with_its_exact_count_on_the_reports(reports):
    snapshot, texts = reports
    offered = suggest(snapshot, "高质量")
    assert offered[0].phrase == "高质量发展"
    assert offered[0].count == holding(texts, "高质量发展") == 48
    assert offered[0].source == "archive"  # not in the dictionary, the topics or a title


def test_every_mined_phrase_is_offered_with_the_count_of_the_reports_holding_it(reports):
    snapshot, texts = reports
    mined = [s for s in suggester(snapshot).entries if s.source == "archive"]
    assert len(mined) > 3000
    for entry in mined[::10]:
        assert entry.count == holding(texts, entry.phrase), entry


def test_mined_phrases_are_cut_at_word_boundaries_without_function_words():
    found = phrases_of(segmenter().tokens("推动高质量发展的重要举措，我们要坚持。"))
    assert {"高质量发展", "推动高质量发展", "重要举措", "推动"} <= found
    assert not {"质量发展", "质量发", "发展的", "的重要", "我们要坚持", "要坚持", "展的重"} & found
    assert all(2 <= len(p) <= 8 for p in found)
    assert "举措我们" not in found  # a comma ends a clause


def test_a_phrase_nearly_always_inside_a_longer_one_is_a_half_phrase_and_dropped():
    counts = {"老旧小区改造": 10, "小区改造": 10, "老旧小区": 30, "改造": 50}
    assert sorted(drop_half_phrases(counts)) == ["改造", "老旧小区", "老旧小区改造"]


def test_mining_is_the_same_on_every_build_of_a_generation(reports):
    snapshot, _ = reports
    first = mine_phrases(snapshot)
    assert first.sampled_documents == 118  # the whole archive fits the sample
    assert mine_phrases(snapshot).phrases == first.phrases


@pytest.mark.parametrize("typed", ["fgf", "fangguanfu", "fangg", "放管"])
def test_initials_pinyin_and_a_prefix_all_offer_fang_guan_fu(reports, typed):
    snapshot, texts = reports
    offered = {s.phrase: s.count for s in suggest(snapshot, typed)}
    assert offered["放管服"] == holding(texts, "放管服") == 5


def test_upper_case_and_full_width_initials_read_as_the_same_pinyin(reports):
    snapshot, _ = reports
    assert suggest(snapshot, "FGF") == suggest(snapshot, "ｆｇｆ") == suggest(snapshot, "fgf")


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("银行", ("yinhang", "yh")),
        ("重庆", ("chongqing", "cq")),
        ("行政审批", ("xingzhengshenpi", "xzsp")),
        ("重要", ("zhongyao", "zy")),
        ("长江经济带", ("changjiangjingjidai", "cjjjd")),
        ("放管服", ("fangguanfu", "fgf")),
        ("绿色", ("lvse", "ls")),
        ("5g网络", None),
    ],
)
def test_a_polyphone_is_read_by_the_phrase_it_is_in(phrase, expected):
    assert readings(phrase) == expected


def test_initials_of_a_polyphone_offer_the_phrase_in_its_own_reading(reports):
    snapshot, texts = reports
    offered = {s.phrase: s.count for s in suggest(snapshot, "yinh")}
    assert offered["银行"] == holding(texts, "银行")
    assert "银行" not in {s.phrase for s in suggest(snapshot, "yinx")}  # 行 here is hang, not xing


@pytest.mark.parametrize(
    "typed, edit",
    [
        ("老旧小区改选", "one character changed"),
        ("老旧小区区改造", "one character too many"),
        ("老旧区小改造", "two neighbours swapped"),
        ("老旧区改造", "one character missing"),
    ],
)
def test_a_typo_offers_the_nearest_phrase_the_archive_holds(reports, typed, edit):
    snapshot, texts = reports
    assert nearest_phrase(snapshot, typed) == ("老旧小区改造", holding(texts, "老旧小区改造")), edit
    assert holding(texts, "老旧小区改造") == 12


def test_the_nearest_phrase_prefers_one_the_suggestions_know_over_a_fragment(reports):
    snapshot, texts = reports
    known = frozenset(suggester(snapshot).keys)
    assert nearest_phrase(snapshot, "放管月", known=known) == ("放管服", holding(texts, "放管服"))
    assert nearest_phrase(snapshot, "高质量发屏", known=known) == ("高质量发展", 48)


def test_a_phrase_that_occurs_or_is_too_short_or_long_has_no_nearest(reports):
    snapshot, _ = reports
    assert nearest_phrase(snapshot, "老旧小区改造") is None
    assert nearest_phrase(snapshot, "老") is None
    assert nearest_phrase(snapshot, "老旧小区改造" * 3) is None
    assert nearest_phrase(snapshot, "魑魅魍魉") is None  # nothing one edit away


def test_one_edit_strings_and_gaps_cover_drop_swap_change_and_add():
    assert one_edit_strings("abc") == ["bc", "ac", "ab", "bac", "acb"]
    assert gap_patterns("abc") == [("", "bc", "a"), ("a", "c", "b"), ("ab", "", "c"), ("a", "bc", ""), ("ab", "c", "")]


def test_a_zero_result_page_says_did_you_mean_with_the_corrected_count(client, seeds_snapshot, seed_documents):
    page = soup(client.get("/search?q=老旧小区改选"))
    offer = page.select_one(".did-you-mean a")
    expected = sum("老旧小区改造" in text for _, _, text in seed_documents)
    assert offer.get_text() == "老旧小区改造"
    assert offer["href"] == "/search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA%E6%94%B9%E9%80%A0"
    assert page.select_one(".did-you-mean").get_text(strip=True) == f"您是不是要找：老旧小区改造（{expected} 篇）"
    assert page.select_one(".help-links a")["href"] == "/help"


def test_did_you_mean_keeps_the_filters_and_counts_under_them(client, seed_documents):
    page = soup(client.get("/search?q=老旧小区改选&district=中原区"))
    offer = page.select_one(".did-you-mean a")
    assert "district=" in offer["href"]
    total = soup(client.get(offer["href"])).select_one("#total").get_text()
    assert page.select_one(".did-you-mean").get_text(strip=True) == f"您是不是要找：老旧小区改造（{total} 篇）"


def test_known_phrases_never_wait_for_a_build(reports):
    snapshot, _ = reports
    suggester(snapshot)
    import time

    for _ in range(50):  # the background build of this snapshot's structure is the one above, cached
        if known_phrases(snapshot):
            break
        time.sleep(0.1)
    assert "高质量发展" in known_phrases(snapshot)


def test_initials_searched_as_they_are_offer_the_phrase_they_spell(client, seeds_snapshot):
    import time

    for _ in range(50):  # the app builds its suggestions in the background
        if client.get("/suggest?q=fgf").json["suggestions"]:
            break
        time.sleep(0.1)
    page = soup(client.get("/search?q=fgf"))
    expected = next(s for s in suggest(seeds_snapshot, "fgf") if readings(s.phrase))
    assert (
        page.select_one(".did-you-mean").get_text(strip=True)
        == f"您是不是要找：{expected.phrase}（{expected.count} 篇）"
    )
    assert (expected.phrase, readings(expected.phrase)[1]) == ("复工复产", "fgfc")
