"""The same requests on both engines give the same answers: the seeds, the 118 reports with their
manifests and a folder of filed documents (issuer, 文号, 文种, restricted access) indexed by each
engine from the same files; facets (a selected facet counted as if unselected), filters, totals,
matching ids, what a reader without a group sees, and the co-occurrence operators against the oracle."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.access import Actor
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids, search
from search.engines.embedded.visibility import visible_documents
from search.engines.opensearch import query as opensearch_query
from search.engines.opensearch.analysis import counts_by_period
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths as opensearch_index_paths
from search.query import SearchRequest
from search.text.normalize import search_text
from tests.conftest import SEEDS
from tests.opensearch_fixtures import fresh_index, opensearch, start_cluster, synthetic_sources
from tests.operator_oracle import operator_pairs, oracle, query_for
from tests.source_texts import reports_archive

ROOT = Path(__file__).resolve().parents[3]
REPORTS = [ROOT / "bench" / "data" / name for name in ("chinese-political-corpora", "government_report_rag")]
CLUSTER = "pytest-parity"
SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Filed documents: the metadata columns the reports lack (文号, access) and a second issuer per type.
FILED = [
    (
        "a.txt",
        "关于稳就业的通知",
        "二七区",
        "2021-03-02",
        "郑州市二七区人民政府",
        "二七政〔2021〕5号",
        "通知",
        "",
        "就业",
    ),
    (
        "b.txt",
        "关于老旧小区改造的意见",
        "中原区",
        "2021-04",
        "郑州市中原区人民政府",
        "中原政〔2021〕12号",
        "意见",
        "财务",
        "",
    ),
    (
        "c.txt",
        "关于财政预算的报告",
        "二七区",
        "2020",
        "郑州市二七区财政局",
        "二七财〔2020〕3号",
        "报告",
        "财务,人事",
        "",
    ),
    (
        "d.txt",
        "人事任免的决定",
        "郑东新区",
        "2020-07-18",
        "郑州市郑东新区管委会",
        "郑东管〔2020〕8号",
        "决定",
        "人事",
        "",
    ),
    (
        "e.txt",
        "关于发展改革的通知",
        "中原区",
        "2019-11-30",
        "郑州市中原区人民政府",
        "中原政〔2019〕40号",
        "通知",
        "",
        "营商环境",
    ),
]
BODY = (
    "为推动高质量发展,深化改革,稳就业、保民生。本年度财政预算收入稳定增长;改革发展取得新成效!\n"
    "老旧小区改造惠及群众。就业形势总体稳定,发展改革任务完成。\n"
)


def filed_folder(destination: Path) -> Path:
    folder = destination / "filed"
    folder.mkdir()
    header = "filename\ttitle\tdistrict\tdate\tissuer\tdoc_number\tdoc_type\taccess\ttopics\n"
    rows = []
    for name, title, *columns in FILED:
        (folder / name).write_text(f"{title}\n\n{title}。{BODY}", encoding="utf-8")
        rows.append("\t".join([name, title, *columns]) + "\n")
    (folder / "manifest.tsv").write_text(header + "".join(rows), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def node_url() -> str:
    (url,) = start_cluster(CLUSTER, nodes=1)
    yield url
    opensearch("stop", "--cluster", CLUSTER)


def _reports(work: Path) -> list[Path]:
    """The 118 reports with their manifests: bench/data's when unpacked there, else unpacked from
    ../shared/corpus/reports.tar.xz (as on a clean clone in CI); skipped only where neither exists."""
    if all((folder / "manifest.tsv").is_file() for folder in REPORTS):
        return REPORTS
    archive = reports_archive()
    if archive is None:
        pytest.skip("the reports corpus (../shared/corpus/reports.tar.xz) is not beside the project")
    with tarfile.open(archive) as tar:
        tar.extractall(work / "reports", filter="data")
    return [work / "reports" / folder.name for folder in REPORTS]


@pytest.fixture(scope="module")
def both(node_url, tmp_path_factory):
    """(snapshot, engine, {id: search text}) of the same folders in both engines."""
    work = tmp_path_factory.mktemp("parity")
    reports = _reports(work)
    shutil.copytree(SEEDS, work / "seeds")
    folders = [work / "seeds", filed_folder(work), *reports]
    engine = OpenSearchEngine(f"{node_url}/parity")
    written = opensearch_index_paths(folders, engine, rebuild=True, procs=2)
    built = index_paths(folders, work / "index", procs=2)
    assert written.warnings == built.warnings == []
    assert written.total_documents == built.total_documents == 131  # 8 seeds, 5 filed, 118 reports
    snapshot = Archive(work / "index").snapshot()
    texts = {snapshot.document(n).id: snapshot.search_text(n) for n in snapshot.live}
    return snapshot, engine, texts


@pytest.fixture(scope="module")
def synthetic(node_url):
    """(engine, {id: search text}) of the synthetic corpus (few characters, many sentence ends)."""
    engine = fresh_index(node_url, "synthetic")
    sources = synthetic_sources()
    engine.index_documents(sources)
    engine.refresh()
    return engine, {s["id"]: search_text(s["title"], s["paragraphs"]) for s in sources}


def assert_same(both, request: SearchRequest, actor: Actor | None = None) -> None:
    snapshot, engine, _texts = both
    visible = visible_documents(snapshot, actor) if actor else None
    token = engine.visible_to(actor)
    ours, theirs = search(snapshot, request, visible=visible), engine.search(request, visible=token)
    assert (request, theirs.total) == (request, ours.total)
    assert (request, theirs.facets) == (request, ours.facets)
    assert engine.matching_ids(request, visible=token) == matching_ids(snapshot, request, visible=visible)
    assert (theirs.hits and ours.hits) or not (theirs.hits or ours.hits)


REQUESTS = [
    SearchRequest(),
    SearchRequest(q="发展"),
    SearchRequest(q="改革", districts=("二七区",)),
    SearchRequest(q="改革", districts=("二七区", "中原区"), years=(2021,)),
    SearchRequest(q="就业", issuers=("国务院",)),
    SearchRequest(q="就业", doc_types=("通知",), issuers=("人民政府",)),
    SearchRequest(q="发展", doc_numbers=("中原政〔",)),
    SearchRequest(q="发展", doc_numbers=("二七政〔2021〕5号",)),
    SearchRequest(q="发展", topics=("就业",), months=("2021-03",)),
    SearchRequest(q="人民", date_from="2000", date_to="2020-12"),
    SearchRequest(q="issuer:二七区 -type:报告"),
    SearchRequest(q="docno:郑东管 OR type:决议"),
    SearchRequest(q="year:1990..2010 改革开放"),
    SearchRequest(q="改革", mode="words", districts=("全国",)),
    SearchRequest(q="title:政府工作报告 -district:全国"),
    # 区域 is a hierarchy: a city matches its districts, a province its cities (issue 22).
    SearchRequest(q="改革", districts=("郑州市",)),
    SearchRequest(q="发展", districts=("河南省", "北京市")),
    SearchRequest(q="发展", issuers=("郑州市",)),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: "&".join(f"{k}={v}" for k, v in r.to_args()) or "all")
def test_a_request_gives_equal_facets_totals_and_ids_on_both_engines(both, request_):
    assert_same(both, request_)


def test_filed_metadata_has_facets_on_opensearch(both):
    _snapshot, engine, _texts = both
    facets = engine.search(SearchRequest(q="财政预算")).facets
    assert {f.value: f.count for f in facets["docno"]} == {
        "二七政〔2021〕": 1,
        "二七财〔2020〕": 1,
        "中原政〔2021〕": 1,
        "中原政〔2019〕": 1,
        "郑东管〔2020〕": 1,
    }
    assert {f.value: f.count for f in facets["type"]}["通知"] == 2


def test_a_facet_with_more_values_than_one_aggregation_returns_is_read_whole(both, monkeypatch):
    monkeypatch.setattr(opensearch_query, "FACET_SIZE", 2)  # the issuer facet has dozens of values
    assert_same(both, SearchRequest(q="发展"))
    assert_same(both, SearchRequest(q="发展", issuers=("国务院",), districts=("全国",)))


def facet_requests(snapshot):
    """A phrase cut from a text, with values drawn from the archive's own facets selected."""
    values = {name: [f.value for f in found] for name, found in search(snapshot, SearchRequest()).facets.items()}
    attribute = {
        "district": "districts",
        "topic": "topics",
        "issuer": "issuers",
        "type": "doc_types",
        "docno": "doc_numbers",
        "month": "months",
    }

    @st.composite
    def request(draw):
        chosen = {}
        for name in draw(st.sets(st.sampled_from(sorted(attribute)), max_size=3)):
            chosen[attribute[name]] = tuple(
                draw(st.lists(st.sampled_from(values[name]), min_size=1, max_size=2, unique=True))
            )
        if draw(st.booleans()):
            chosen["years"] = (int(draw(st.sampled_from(values["year"]))),)
        q = draw(st.sampled_from(["", "发展", "改革", "就业", "人民 -发展", "经济 OR 会议", "title:报告"]))
        return SearchRequest(q=q, **chosen)

    return request()


def test_drawn_facet_selections_give_equal_answers_on_both_engines(both):
    @settings(SETTINGS, max_examples=30)
    @given(facet_requests(both[0]))
    def check(request):
        assert_same(both, request)

    check()


# -- restricted documents -------------------------------------------------------------------------


@pytest.mark.parametrize("groups", [(), ("财务",), ("人事",), ("财务", "人事"), ("其他",)])
def test_a_reader_sees_the_same_documents_counts_and_facets_on_both_engines(both, groups):
    reader = Actor("reader", groups=frozenset(groups))
    for request in (SearchRequest(), SearchRequest(q="财政预算"), SearchRequest(q="改革", doc_types=("报告",))):
        assert_same(both, request, reader)


def test_a_reader_without_the_group_gets_no_hit_count_facet_or_page_of_a_restricted_document(both):
    snapshot, engine, _texts = both
    reader = engine.visible_to(Actor("reader"))
    restricted = {d for d in engine.matching_ids(SearchRequest(q="老旧小区改造惠及群众"))} - engine.matching_ids(
        SearchRequest(q="老旧小区改造惠及群众"), visible=reader
    )
    assert len(restricted) == 3  # b, c and d of the filed folder
    results = engine.search(SearchRequest(q="老旧小区改造惠及群众", per_page=100), visible=reader)
    assert (results.total, {h.id for h in results.hits} & restricted) == (2, set())
    assert {f.value for f in results.facets["docno"]} == {"二七政〔2021〕", "中原政〔2019〕"}
    assert "郑东新区" not in {f.value for f in results.facets["district"]}
    assert all(engine.document(d, visible=reader) is None for d in restricted)
    assert all(engine.document(d, visible=frozenset({"财务", "人事"})) for d in restricted)
    assert counts_by_period(engine, SearchRequest(q="老旧小区改造惠及群众"), "year", visible=reader) == [
        ("2019", 1),
        ("2021", 1),
    ]
    assert engine.visible_to(Actor("boss", role="admin")) is None


# -- co-occurrence operators ----------------------------------------------------------------------


def _pairs(texts: dict):
    return operator_pairs(sorted(texts.values()), longest=5)


def test_operators_on_opensearch_equal_the_oracle_on_the_reports(both):
    _snapshot, engine, texts = both

    @settings(SETTINGS, max_examples=40)
    @given(_pairs(texts))
    def check(case):
        operator, a, b, n = case
        if not a or not b or '"' in a + b or "\\" in a + b:
            return
        query = query_for(operator, a, b, n)
        assert engine.matching_ids(SearchRequest(q=query)) == oracle(texts, operator, a, b, n), query

    check()


@pytest.mark.parametrize(
    "query",
    [
        "发展 SENT 改革 district:全国",
        "就业$3 -改革 NEAR/2 开放",
        "老旧小区 PARA 改造 OR 财政预算",
        "经济 NEAR/5 发展 year:2000..2025",
        "人民$20",
        "发展经济 人民 SENT 政府",
    ],
)
def test_operators_mixed_with_filters_give_equal_answers_on_both_engines(both, query):
    assert_same(both, SearchRequest(q=query, districts=("全国", "二七区")))
    assert_same(both, SearchRequest(q=query, mode="words"))


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["NEAR", "SENT", "PARA", "COUNT"]),
    st.text("中原城。,", min_size=1, max_size=3),
    st.text("中原城。,", min_size=1, max_size=3),
    st.integers(0, 6),
    st.booleans(),
)
def test_co_occurrence_operators_equal_the_oracle_on_synthetic_texts(synthetic, operator, a, b, n, same):
    """Our own verification over the stored paragraphs: overlaps, A == B, sentence ends inside a phrase."""
    engine, texts = synthetic
    b = a if same else b
    n = max(n, 1) if operator == "COUNT" else n
    query = query_for(operator, a, b, n)
    assert engine.matching_ids(SearchRequest(q=query)) == oracle(texts, operator, a, b, n), query


def test_a_negated_operator_keeps_the_documents_without_such_a_pair(synthetic):
    engine, texts = synthetic
    pairs = oracle(texts, "SENT", "中", "城", 0)
    assert 0 < len(pairs) < len(texts)
    assert engine.matching_ids(SearchRequest(q="NOT 中 SENT 城")) == set(texts) - pairs
    assert (
        engine.matching_ids(SearchRequest(q="原 NOT 中 SENT 城")) == {i for i, t in texts.items() if "原" in t} - pairs
    )


def test_a_hit_of_an_operator_has_the_snippets_of_the_embedded_engine(both):
    """The pair an operator found is marked, as on the embedded engine's page."""
    snapshot, engine, _texts = both
    request = SearchRequest(q="老旧小区 SENT 改造", per_page=200)
    embedded = {h.id: h.snippets for h in search(snapshot, request).hits}
    assert 8 <= len(embedded) < 200  # 3 seeds, 5 filed documents, some reports: every hit on one page
    assert {h.id: h.snippets for h in engine.search(request).hits} == embedded
