"""The OpenSearch engine against real nodes (scripts/opensearch.sh): exactness, facets, snippets,
dates, incremental ingest, errors, and a 2-shard 1-replica index surviving the loss of a node."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engines.embedded.prepare import prepare
from search.engines.opensearch import ingest as opensearch_ingest
from search.engines.opensearch.analysis import counts_by_period
from search.engines.opensearch.engine import MAPPING_VERSION, OpenSearchEngine, index_body
from search.engines.opensearch.generations import generations, serving
from search.engines.opensearch.ingest import index_paths
from search.errors import SearchError
from search.ingest import discover
from search.meta import Taxonomy
from search.query import SearchRequest
from search.text.analyzer import segmenter
from search.text.normalize import normalize_query, search_text
from tests.conftest import SEEDS
from tests.opensearch_fixtures import ALPHABET, fresh_index, opensearch, start_cluster, synthetic_sources

CLUSTER = "pytest"


def quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def cluster() -> list[str]:
    """Two nodes on loopback (one JVM start for all of this module; the last test stops one of them)."""
    urls = start_cluster(CLUSTER, nodes=2)
    yield urls
    opensearch("stop", "--cluster", CLUSTER)


@pytest.fixture(scope="module")
def node_url(cluster) -> str:
    return cluster[0]


@pytest.fixture(scope="module")
def synthetic(node_url):
    """(engine, sources) of the synthetic corpus in its own index."""
    engine = fresh_index(node_url, "synthetic")
    sources = synthetic_sources()
    assert engine.index_documents(sources) == len(sources)
    engine.refresh()
    return engine, sources


@pytest.fixture(scope="module")
def seeds(node_url, tmp_path_factory):
    """(engine, {id: search text}) of seeds/ indexed by the OpenSearch ingest; the oracle's texts come
    from the embedded engine's own preparation of the same files."""
    folder = tmp_path_factory.mktemp("os-seeds") / "seeds"
    shutil.copytree(SEEDS, folder)
    engine = OpenSearchEngine(f"{node_url}/seeds")
    report = index_paths([folder], engine, rebuild=True)
    assert (len(report.added), report.documents_written, report.warnings) == (5, 8, [])
    texts = {}
    taxonomy = Taxonomy.load()
    for source in discover([folder], print):
        for fields, _keys, text in prepare(source, taxonomy).documents:
            texts[fields["id"]] = text
    return engine, texts


def oracle(texts: dict[str, str], phrase: str) -> set[str]:
    return {doc_id for doc_id, text in texts.items() if phrase in text}


def synthetic_texts(sources) -> dict[str, str]:
    return {s["id"]: search_text(s["title"], s["paragraphs"]) for s in sources}


# -- exactness ------------------------------------------------------------------------------------


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=ALPHABET + "\n", min_size=1, max_size=6))
def test_phrase_results_equal_the_substring_oracle_on_synthetic_texts(synthetic, typed):
    engine, sources = synthetic
    phrase = normalize_query(typed)
    if not phrase:
        return
    found = engine.matching_ids(SearchRequest(q=quoted(typed), per_page=1))
    assert found == oracle(synthetic_texts(sources), phrase)


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_phrase_cut_from_a_seed_report_finds_exactly_the_documents_containing_it(seeds, data):
    engine, texts = seeds
    ids = sorted(texts)
    text = texts[data.draw(st.sampled_from(ids))]
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(1, 12))
    phrase = normalize_query(text[start : start + length])
    if not phrase:
        return
    assert engine.matching_ids(SearchRequest(q=quoted(phrase))) == oracle(texts, phrase)


def test_phrase_spanning_a_paragraph_break_matches_nowhere(synthetic):
    engine, sources = synthetic
    first = next(s for s in sources if len(s["paragraphs"]) >= 2 and len(s["paragraphs"][0]) >= 2)
    spanning = first["paragraphs"][0][-2:] + first["paragraphs"][1][:2]
    texts = synthetic_texts(sources)
    expected = oracle(texts, normalize_query(spanning))
    assert first["id"] not in expected or spanning in texts[first["id"]]
    assert engine.matching_ids(SearchRequest(q=quoted(spanning))) == expected


def test_latin_letters_match_whatever_their_case(synthetic):
    engine, sources = synthetic
    texts = synthetic_texts(sources)
    assert engine.matching_ids(SearchRequest(q="a")) == oracle(texts, "a") != set()
    assert engine.matching_ids(SearchRequest(q="A")) == oracle(texts, "a")
    assert (
        engine.matching_ids(SearchRequest(q="bc")) == engine.matching_ids(SearchRequest(q="BC")) == oracle(texts, "bc")
    )


def test_words_mode_needs_every_word_anywhere_in_the_document(seeds):
    engine, texts = seeds
    words = segmenter().cut("科技城中原")
    assert len(words) >= 2
    found = engine.matching_ids(SearchRequest(q="科技城中原", mode="words"))
    assert found == {i for i, t in texts.items() if all(w in t for w in words)} != set()
    assert engine.matching_ids(SearchRequest(q="科技城中原")) == oracle(texts, "科技城中原") == set()


# -- facets, snippets, dates ----------------------------------------------------------------------


def test_facets_count_the_whole_result_set_not_the_page(synthetic):
    engine, sources = synthetic
    matched = [s for s in sources if "中原" in search_text(s["title"], s["paragraphs"])]
    results = engine.search(SearchRequest(q="中原", per_page=1))
    assert results.total == len(matched) and len(results.hits) == 1
    counts = {name: {f.value: f.count for f in values} for name, values in results.facets.items()}
    assert counts["district"] == dict(Counter(s["district"] for s in matched if s["district"]))
    assert counts["topic"] == dict(Counter(t for s in matched for t in s["topics"]))
    assert counts["year"] == dict(Counter(s["published"][:4] for s in matched if s["published"]))
    assert counts["month"] == dict(
        Counter(s["published"][:7] for s in matched if s["published"] and len(s["published"]) >= 7)
    )
    assert [f.value for f in results.facets["year"]] == sorted(counts["year"], reverse=True)


def test_district_and_topic_filters_narrow_like_the_facets_say(synthetic):
    engine, sources = synthetic
    results = engine.search(SearchRequest(q="中原", districts=("二七区",), topics=("就业",)))
    expected = {
        s["id"]
        for s in sources
        if "中原" in search_text(s["title"], s["paragraphs"]) and s["district"] == "二七区" and "就业" in s["topics"]
    }
    assert results.total == len(expected)
    assert engine.matching_ids(SearchRequest(q="中原", districts=("二七区",), topics=("就业",))) == expected


def test_snippets_mark_the_whole_phrase(seeds):
    engine, _texts = seeds
    results = engine.search(SearchRequest(q="中原科技城"))
    assert results.total == 2
    for hit in results.hits:
        assert any("<mark>中原科技城</mark>" in s for s in hit.snippets)
        assert all("<mark>中</mark>" not in s for s in hit.snippets)


def test_a_date_range_keeps_documents_whose_whole_date_lies_within_it(synthetic):
    engine, sources = synthetic
    found = engine.matching_ids(SearchRequest(date_from="2020-07", date_to="2020-07"))
    assert found == {s["id"] for s in sources if (s["published"] or "").startswith("2020-07")}
    found = engine.matching_ids(SearchRequest(q="year:2020"))
    assert found == {s["id"] for s in sources if (s["published"] or "").startswith("2020")}


def test_newest_first_orders_by_date_with_undated_documents_last(synthetic):
    engine, sources = synthetic
    hits = engine.search(SearchRequest(sort="newest", per_page=100)).hits
    assert len(hits) == len(sources)
    starts = [next(s["date_start"] for s in sources if s["id"] == h.id) for h in hits]
    dated = [d for d in starts if d]
    assert dated == sorted(dated, reverse=True) and starts[len(dated) :] == [None] * (len(starts) - len(dated))


def test_counts_by_year_and_month_come_from_date_histograms(synthetic):
    engine, sources = synthetic
    matched = [s for s in sources if "城" in search_text(s["title"], s["paragraphs"])]
    years = Counter(s["published"][:4] for s in matched if s["published"])
    months = Counter(s["published"][:7] for s in matched if s["published"] and len(s["published"]) >= 7)
    assert counts_by_period(engine, SearchRequest(q="城"), "year") == sorted(years.items())
    assert counts_by_period(engine, SearchRequest(q="城"), "month") == sorted(months.items())


def test_a_document_is_fetched_by_id_and_an_unknown_id_is_none(synthetic):
    engine, sources = synthetic
    document = engine.document("doc-003")
    assert (document["title"], document["paragraphs"]) == (sources[3]["title"], sources[3]["paragraphs"])
    assert engine.document("no-such-id") is None


# -- incremental ingest ---------------------------------------------------------------------------


def test_ingest_applies_new_changed_and_removed_files_and_nothing_else(node_url, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, body in (("a.txt", "一号文件 稳就业"), ("b.txt", "二号文件 放管服"), ("c.txt", "三号文件 老旧小区")):
        (folder / name).write_text(f"标题{name}\n\n{body}\n", encoding="utf-8")
    engine = OpenSearchEngine(f"{node_url}/incremental")
    first = index_paths([folder], engine, rebuild=True)
    assert (len(first.added), len(first.changed), len(first.removed), first.total_documents) == (3, 0, 0, 3)

    (folder / "a.txt").write_text("标题a\n\n一号文件 保就业\n", encoding="utf-8")
    (folder / "c.txt").unlink()
    (folder / "d.txt").write_text("标题d\n\n四号文件 稳就业\n", encoding="utf-8")
    second = index_paths([folder], engine)
    assert (second.added, second.changed, second.removed, second.unchanged) == (
        ["d.txt"],
        ["a.txt"],
        ["c.txt"],
        1,
    )  # files are known by their path relative to the folder
    assert second.total_documents == 3
    assert engine.search(SearchRequest(q="稳就业")).total == 1
    assert engine.search(SearchRequest(q="保就业")).total == 1
    assert engine.search(SearchRequest(q="老旧小区")).total == 0

    third = index_paths([folder], engine)
    assert third.summary == "+0 ~0 -0 files (3 unchanged, 0 documents written, 0 skipped); 3 documents in the index"


def test_a_file_left_half_written_is_redone_by_the_next_run(node_url, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("标题\n\n正文 稳就业\n", encoding="utf-8")
    engine = OpenSearchEngine(f"{node_url}/halfwritten")
    index_paths([folder], engine, rebuild=True)
    (doc_id,) = engine.matching_ids(SearchRequest())
    source = engine.document(doc_id)
    # As a run killed midway would leave it: the file's documents say 2, the index holds 1.
    text = search_text(source["title"], source["paragraphs"]).split("\n")
    engine.index_documents([{**source, "items": 2, "text": text, "title_chars": text[0]}])
    engine.refresh()
    again = index_paths([folder], engine)
    assert (again.changed, again.documents_written, again.total_documents) == (["a.txt"], 1, 1)
    assert index_paths([folder], engine).unchanged == 1


# -- errors ---------------------------------------------------------------------------------------


def test_an_unreachable_cluster_is_one_line(free_port_url):
    with pytest.raises(SearchError) as caught:
        OpenSearchEngine(f"{free_port_url}/govsearch").search(SearchRequest(q="稳就业"))
    assert caught.value.message == f"cannot reach OpenSearch at {free_port_url}"
    assert "scripts/opensearch.sh start" in caught.value.hint


def test_a_missing_index_is_one_line(node_url):
    with pytest.raises(SearchError) as caught:
        OpenSearchEngine(f"{node_url}/nothing-here").search(SearchRequest(q="稳就业"))
    assert caught.value.message == f"no index nothing-here on {node_url}"
    assert caught.value.hint == f"build it with `search index --index {node_url}/nothing-here`"


def test_an_index_of_another_mapping_version_is_one_line(node_url):
    engine = OpenSearchEngine(f"{node_url}/oldmapping")
    engine.drop()
    body = index_body()
    body["mappings"]["_meta"]["govsearch_mapping_version"] = MAPPING_VERSION - 1
    engine.client.indices.create(index="oldmapping", body=body)
    with pytest.raises(SearchError) as caught:
        engine.search(SearchRequest(q="稳就业"))
    assert caught.value.message == (
        f"index oldmapping on {node_url} has mapping version {MAPPING_VERSION - 1}, "
        f"this govsearch needs {MAPPING_VERSION}"
    )
    assert caught.value.hint == f"rebuild it with `search index --rebuild --index {node_url}/oldmapping`"


@pytest.mark.parametrize("url", ["127.0.0.1:9200/x", "http://127.0.0.1:9200", "http://127.0.0.1:9200/a/b"])
def test_a_url_that_names_no_index_is_refused(url):
    with pytest.raises(SearchError, match="is not an index URL"):
        OpenSearchEngine(url)


@pytest.fixture
def free_port_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# -- atomic rebuilds ------------------------------------------------------------------------------


def test_a_rebuild_swaps_the_alias_to_a_new_generation_and_deletes_the_old(node_url, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("标题\n\n第一版 稳就业\n", encoding="utf-8")
    engine = OpenSearchEngine(f"{node_url}/generations")
    engine.drop()
    index_paths([folder], engine)
    assert (serving(engine), engine.stats()["generation"]) == (["generations-1"], "generations-1")
    (folder / "a.txt").write_text("标题\n\n第二版 保就业\n", encoding="utf-8")
    report = index_paths([folder], engine, rebuild=True)
    assert (report.added, report.total_documents) == (["a.txt"], 1)
    assert (serving(engine), sorted(generations(engine))) == (["generations-2"], ["generations-2"])
    assert engine.search(SearchRequest(q="保就业")).total == 1
    assert index_paths([folder], engine).unchanged == 1  # incremental runs write to the serving generation


def test_an_interrupted_rebuild_leaves_the_old_index_serving_and_readers_never_see_the_new_one(
    node_url, tmp_path, monkeypatch
):
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"标题{n}\n\n旧的正文 稳就业\n", encoding="utf-8")
    engine = OpenSearchEngine(f"{node_url}/interrupted")
    engine.drop()
    index_paths([folder], engine)
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"标题{n}\n\n新的正文 保就业\n", encoding="utf-8")
    flushes = []
    real_flush = opensearch_ingest._flush

    def flush_then_die(target, batch, stale):
        written = real_flush(target, batch, stale)
        flushes.append(written)
        # What a reader sees while the new generation holds some documents: the old index, whole.
        assert (engine.search(SearchRequest(q="稳就业")).total, engine.search(SearchRequest(q="保就业")).total) == (
            6,
            0,
        )
        raise KeyboardInterrupt

    monkeypatch.setattr(opensearch_ingest, "BATCH_FILES", 2)
    monkeypatch.setattr(opensearch_ingest, "_flush", flush_then_die)
    with pytest.raises(KeyboardInterrupt):
        index_paths([folder], engine, rebuild=True)
    assert flushes == [2]
    assert (serving(engine), sorted(generations(engine))) == (["interrupted-1"], ["interrupted-1", "interrupted-2"])
    assert engine.search(SearchRequest(q="稳就业")).total == 6

    monkeypatch.setattr(opensearch_ingest, "_flush", real_flush)
    index_paths([folder], engine, rebuild=True)
    assert (serving(engine), sorted(generations(engine))) == (["interrupted-3"], ["interrupted-3"])
    assert (engine.search(SearchRequest(q="稳就业")).total, engine.search(SearchRequest(q="保就业")).total) == (0, 6)


def test_a_rebuild_replaces_an_index_of_an_old_mapping_version_and_of_the_same_name(node_url, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("标题\n\n正文 稳就业\n", encoding="utf-8")
    engine = OpenSearchEngine(f"{node_url}/legacy")
    engine.drop()
    body = index_body()
    body["mappings"]["_meta"]["govsearch_mapping_version"] = MAPPING_VERSION - 1
    engine.client.indices.create(index="legacy", body=body)
    with pytest.raises(SearchError, match=f"has mapping version {MAPPING_VERSION - 1}, this govsearch needs"):
        index_paths([folder], engine)
    index_paths([folder], engine, rebuild=True)
    assert (serving(engine), engine.search(SearchRequest(q="稳就业")).total) == (["legacy-1"], 1)
    assert engine.stats()["mapping_version"] == MAPPING_VERSION


# -- two nodes: last, it stops one of them ---------------------------------------------------------

QUERIES = ("中原", "科技城", '"建设 发展"', "城 -中原", "district:二七区", "year:2020", "")


def test_searches_answer_completely_with_a_node_down_and_the_cluster_turns_green_again(cluster):
    engine = fresh_index(cluster[0], "failover", shards=2, replicas=1)
    sources = synthetic_sources(count=200, seed=11)
    engine.index_documents(sources)
    engine.refresh()
    health = health_of(engine, wait_for_status="green", timeout="60s")
    assert (health["status"], health["number_of_nodes"], health["active_shards"]) == ("green", 2, 4)
    before = {q: engine.matching_ids(SearchRequest(q=q)) for q in QUERIES}
    assert len(before[""]) == 200

    # Stop the node that is not the cluster manager (with two manager-eligible nodes only one of
    # them votes; losing the voter would leave no manager to promote the replicas).
    manager = engine.client.cat.cluster_manager(format="json")[0]["node"]
    down = 2 if manager == "node-1" else 1
    opensearch("stop", "--cluster", CLUSTER, "--node", str(down))
    survivor = OpenSearchEngine(f"{cluster[0] if down == 2 else cluster[1]}/failover")
    health = health_of(survivor, wait_for_nodes="1", timeout="60s")
    assert (health["number_of_nodes"], health["status"]) == (1, "yellow")
    for query, ids in before.items():
        results = survivor.search(SearchRequest(q=query, per_page=1))
        assert (query, results.total) == (query, len(ids))
        assert survivor.matching_ids(SearchRequest(q=query)) == ids

    opensearch("start", "--cluster", CLUSTER, "--node", str(down))
    health = health_of(survivor, wait_for_status="green", wait_for_nodes="2", timeout="90s")
    assert (health["status"], health["number_of_nodes"], health["timed_out"]) == ("green", 2, False)
    assert {q: survivor.matching_ids(SearchRequest(q=q)) for q in QUERIES} == before


def health_of(engine: OpenSearchEngine, **params) -> dict:
    """The index's cluster health; the client would take a ``timeout`` for its own, hence the raw request."""
    return engine.client.transport.perform_request("GET", f"/_cluster/health/{engine.name}", params=params, timeout=120)
