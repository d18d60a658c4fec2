"""Traditional characters fold to simplified for matching; documents are shown (and marked) as written."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids, search
from search.query import SearchRequest
from search.text.normalize import _SIMPLIFIED, fold, normalize_query
from tests.web_fixtures import make_app

ROOT = Path(__file__).resolve().parents[2]
REPORTS = next(
    (p / "shared" / "corpus" / "reports.tar.xz" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()),
    None,
)
REPORT_1954 = "chinese-political-corpora/1954_gwr.txt"

TRADITIONAL = "".join(sorted(_SIMPLIFIED))


def test_the_table_is_one_character_to_one_and_folding_twice_changes_nothing():
    assert len(_SIMPLIFIED) > 3000
    for traditional, simplified in _SIMPLIFIED.items():
        assert len(traditional) == len(simplified) == 1 and ord(simplified) < 0x10000
        assert fold(simplified) == simplified
    assert fold("國民經濟發展報告") == "国民经济发展报告"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet=st.sampled_from(TRADITIONAL + "国民经济ABCΣß。 \n"), max_size=40))
def test_fold_keeps_the_length_and_is_idempotent(text):
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded
    assert not set(folded) & set(_SIMPLIFIED)


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory):
    """Two reports written in traditional characters and two in simplified ones."""
    folder = tmp_path_factory.mktemp("mixed")
    files = {
        "t1.txt": "政府工作報告\n\n我國國民經濟的恢復和發展，已經取得了偉大的成就。\n",
        "t2.txt": "關於發展國民經濟的第一個五年計劃\n\n發展經濟，保障供給。\n",
        "s1.txt": "政府工作报告\n\n国民经济持续恢复，发展质量稳步提升。\n",
        "s2.txt": "关于老旧小区改造的通知\n\n加快老旧小区改造。\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("mixed-index")
    index_paths([folder], index_dir)
    return Archive(index_dir).snapshot()


def sources(snapshot, q: str, mode: str = "exact") -> set[str]:
    return {snapshot.document(n).source for n in _docnums(snapshot, q, mode)}


def _docnums(snapshot, q, mode):
    ids = matching_ids(snapshot, SearchRequest(q=q, mode=mode))
    return [n for n in snapshot.live if snapshot.document(n).id in ids]


@pytest.mark.parametrize(
    "simplified, traditional, expected",
    [
        ("国民经济", "國民經濟", {"t1.txt", "t2.txt", "s1.txt"}),
        ("发展", "發展", {"t1.txt", "t2.txt", "s1.txt"}),
        ("经济", "經濟", {"t1.txt", "t2.txt", "s1.txt"}),
        ("政府工作报告", "政府工作報告", {"t1.txt", "s1.txt"}),
        ("老旧小区", "老舊小區", {"s2.txt"}),
    ],
)
def test_traditional_and_simplified_queries_find_the_same_documents(mixed_index, simplified, traditional, expected):
    assert sources(mixed_index, simplified) == sources(mixed_index, traditional) == expected
    assert sources(mixed_index, simplified, "words") == sources(mixed_index, traditional, "words") == expected


def test_snippets_mark_the_characters_as_written(mixed_index):
    hit = next(h for h in search(mixed_index, SearchRequest(q="国民经济")).hits if h.source == "t1.txt")
    assert hit.snippets == ("我國<mark>國民經濟</mark>的恢復和發展，已經取得了偉大的成就。",)


def test_exact_mode_stays_exact_on_the_folded_text(mixed_index):
    # 国民经济的恢复 occurs (folded) in t1 only; 经济发展 in none (the texts say 经济的…发展 / 發展經濟).
    assert sources(mixed_index, "國民經濟的恢復") == sources(mixed_index, "国民经济的恢复") == {"t1.txt"}
    assert sources(mixed_index, "经济发展") == set()


def test_queries_fold_like_documents():
    assert normalize_query("國民經濟 ＡＢＣ") == "国民经济 abc"


# -- the 1954 report of the corpus ----------------------------------------------


@pytest.fixture(scope="module")
def report_1954(tmp_path_factory):
    if REPORTS is None or not REPORTS.exists():
        pytest.skip("../shared/corpus/reports.tar.xz is not here")
    folder = tmp_path_factory.mktemp("report-1954")
    with tarfile.open(REPORTS) as tar:
        raw = tar.extractfile(REPORT_1954).read()
    (folder / "1954_gwr.txt").write_bytes(raw)
    (folder / "other.txt").write_text("郑州市政府工作报告\n\n国民经济和社会发展统计公报。\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("report-1954-index")
    index_paths([folder], index_dir)
    return index_dir, raw.decode("utf-8")


def test_the_1954_report_is_found_by_simplified_phrases(report_1954):
    index_dir, raw = report_1954
    snapshot = Archive(index_dir).snapshot()
    assert "國民經濟" in raw and "国民经济" not in raw
    for q in ("国民经济", "國民經濟", "政府工作报告", "国民经济 发展 经济"):
        assert "1954_gwr.txt" in sources(snapshot, q), q
    assert sources(snapshot, "国民经济") == sources(snapshot, "國民經濟") == {"1954_gwr.txt", "other.txt"}


def test_the_1954_document_page_shows_the_text_as_written_with_the_phrase_marked(report_1954, tmp_path):
    index_dir, raw = report_1954
    snapshot = Archive(index_dir).snapshot()
    doc_id = next(snapshot.document(n).id for n in snapshot.live if snapshot.document(n).source == "1954_gwr.txt")
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    page = client.get(f"/doc/{doc_id}?q=国民经济").get_data(as_text=True)
    marked = re.findall(r"<mark>([^<]*)</mark>", page)
    assert marked and set(marked) == {"國民經濟"}
    assert len(marked) == raw.count("國民經濟")
    assert "我們第一届全國人民代表大會第一次會議" in page  # as written, not folded
    results = client.get("/search?q=国民经济").get_data(as_text=True)
    assert "<mark>國民經濟</mark>" in results
