"""Which OpenSearch mapping gives Ctrl-F phrases cheapest: measured, side by side, in one run.

    python bench/opensearch_mapping.py                 # the 118 reports + 10 MB of news, 200 phrases
    python bench/opensearch_mapping.py --news-mb 0

chars:   the folded title and paragraphs, one character a token, with positions (paragraphs
         100 positions apart); a phrase is one ``match_phrase`` (slop 0), exact by itself.
bigrams: every pair of adjacent characters, no positions (``index_options: docs``); a phrase's
         candidates are the documents holding all of its bigrams, which we then verify by
         fetching their texts and testing the substring (facets need a second request, over
         the verified ids).
bigram positions: every pair of adjacent characters with positions; a phrase of two or more
         characters is a ``match_phrase`` over its overlapping bigrams, exact by itself; a
         one-character phrase has no bigram and finds nothing here (a character field beside
         it would answer those), which is why its recall is below 1 on samples with such phrases.

Both indexes get the same documents (our own extraction, ``document_source``) on the same node.
Per phrase, the timed work is a results page's exact part: every matching id, the exact total
and the district/year/topic facet counts.  Exactness is against the substring oracle.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import news_folder, report_folders
from exactness import quoted, sample_phrases, score
from query_speed import summary

from search.engines.opensearch.engine import OpenSearchEngine, index_body
from search.engines.opensearch.ingest import prepare_sources
from search.ingest import discover
from search.meta import Taxonomy
from search.query import SearchRequest
from search.text.analyzer import query_grams
from search.text.normalize import search_text

SCRIPT = BENCH.parent / "scripts" / "opensearch.sh"
FACETS = {
    "district": {"terms": {"field": "district", "size": 10_000}},
    "year": {"terms": {"field": "year", "size": 10_000}},
    "topic": {"terms": {"field": "topics", "size": 10_000}},
}


def start_node(cluster: str = "bench", heap: str = "512m") -> str:
    out = subprocess.run(
        ["bash", str(SCRIPT), "start", "--cluster", cluster, "--heap", heap],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"error: scripts/opensearch.sh start failed:\n{out.stderr[-2000:]}")
    return out.stdout.split()[0]


def node_pid(cluster: str = "bench") -> int:
    return int((BENCH.parent / ".opensearch" / "clusters" / cluster / "node-1" / "pid").read_text())


def corpus_sources(news_mb: float) -> list[dict]:
    """The reports, plus the first news files up to ``news_mb`` MB, as OpenSearch documents."""
    files = discover(report_folders(), print)
    if news_mb > 0:
        budget = news_mb * 1e6
        for source in discover([news_folder()], print):
            if budget <= 0:
                break
            budget -= source.path.stat().st_size
            files.append(source)
    taxonomy = Taxonomy.load()
    sources = []
    for _source, documents, _warnings in (prepare_sources(f, taxonomy) for f in files):
        if not isinstance(documents, str):
            sources.extend(documents)
    return sources


def bigram_body() -> dict:
    body = index_body()
    body["settings"]["analysis"]["tokenizer"]["two_chars"] = {"type": "ngram", "min_gram": 2, "max_gram": 2}
    body["settings"]["analysis"]["analyzer"]["bigrams"] = {"type": "custom", "tokenizer": "two_chars"}
    body["mappings"]["properties"]["text"] = {
        "type": "text",
        "analyzer": "bigrams",
        "index_options": "docs",
        "norms": False,
    }
    return body


def bigram_positions_body() -> dict:
    body = bigram_body()
    body["mappings"]["properties"]["text"] = {
        "type": "text",
        "analyzer": "bigrams",
        "index_options": "positions",
        "norms": False,
        "position_increment_gap": 100,
    }
    return body


def build(engine: OpenSearchEngine, body: dict, sources: list[dict]) -> dict:
    engine.drop()
    engine.client.indices.create(index=engine.name, body=body)
    started = time.perf_counter()
    engine.index_documents(sources)
    engine.client.indices.forcemerge(index=engine.name, max_num_segments=1, request_timeout=600)
    engine.refresh()
    seconds = time.perf_counter() - started
    store = engine.client.indices.stats(index=engine.name, metric="store")["_all"]["primaries"]["store"]
    return {"index_s": round(seconds, 1), "size_mb": round(store["size_in_bytes"] / 1e6, 1)}


def chars_page(engine: OpenSearchEngine, phrase: str) -> tuple[set[str], int]:
    request = SearchRequest(q=quoted(phrase))
    ids = engine.matching_ids(request)
    results = engine.search(SearchRequest(q=quoted(phrase), per_page=1))
    return ids, results.total


def bigrams_page(engine: OpenSearchEngine, phrase: str) -> tuple[set[str], int]:
    query = {"bool": {"filter": [{"term": {"text": g}} for g in query_grams(phrase)]}}
    verified: set[str] = set()
    after = None
    while True:
        body = {"query": query, "size": 2000, "sort": [{"id": "asc"}], "_source": ["title", "paragraphs"]}
        if after:
            body["search_after"] = after
        hits = engine.client.search(index=engine.name, body=body, request_timeout=300)["hits"]["hits"]
        for hit in hits:
            source = hit["_source"]
            if phrase in search_text(source.get("title") or "", source.get("paragraphs") or []):
                verified.add(hit["_id"])
        if len(hits) < 2000:
            break
        after = hits[-1]["sort"]
    facets = {"query": {"ids": {"values": sorted(verified)}}, "size": 0, "aggs": FACETS, "track_total_hits": True}
    total = engine.client.search(index=engine.name, body=facets, request_timeout=300)["hits"]["total"]["value"]
    return verified, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--news-mb", type=float, default=10)
    parser.add_argument("--phrases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()

    url = start_node()
    sources = corpus_sources(args.news_mb)
    texts = {s["id"]: search_text(s["title"], s["paragraphs"]) for s in sources}
    megabytes = sum(len(t.encode("utf-8")) for t in texts.values()) / 1e6
    phrases = sample_phrases(list(texts.values()), args.phrases, args.seed)
    candidates = {
        "chars": (OpenSearchEngine(f"{url}/mapping-chars"), index_body(), chars_page),
        "bigrams": (OpenSearchEngine(f"{url}/mapping-bigrams"), bigram_body(), bigrams_page),
        "bigram-pos": (OpenSearchEngine(f"{url}/mapping-bigram-pos"), bigram_positions_body(), chars_page),
    }
    result = {
        "documents": len(texts),
        "text_mb": round(megabytes, 1),
        "phrases": len(phrases),
        "seed": args.seed,
        "mappings": {},
    }
    for name, (engine, body, page) in candidates.items():
        built = build(engine, body, sources)
        for _kind, phrase in phrases[:10]:  # warm-up
            page(engine, phrase)
        timings, recalls, precisions = [], [], []
        for _kind, phrase in phrases:
            expected = {i for i, t in texts.items() if phrase in t}
            started = time.perf_counter()
            ids, total = page(engine, phrase)
            timings.append((time.perf_counter() - started) * 1000)
            recall, precision = score(ids, expected)
            recalls.append(recall)
            precisions.append(precision if total == len(ids) else 0.0)
        result["mappings"][name] = {
            **built,
            "mb_per_s": round(megabytes / built["index_s"], 2),
            **summary(timings),
            "recall": round(sum(recalls) / len(recalls), 3),
            "precision": round(sum(precisions) / len(precisions), 3),
        }
        engine.drop()

    print(
        f"OpenSearch mappings on {result['documents']} documents ({result['text_mb']} MB of text), "
        f"{len(phrases)} phrases (seed {args.seed}); per phrase: every id, exact total, facets"
    )
    print(
        f"{'mapping':<11}{'index s':>9}{'MB/s':>7}{'size MB':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        f"{'recall':>8}{'precision':>10}"
    )
    for name, m in result["mappings"].items():
        print(
            f"{name:<11}{m['index_s']:>9}{m['mb_per_s']:>7}{m['size_mb']:>9}{m['p50_ms']:>9}{m['p95_ms']:>9}"
            f"{m['max_ms']:>9}{m['recall']:>8}{m['precision']:>10}"
        )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
