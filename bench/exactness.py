"""Exactness: recall and precision of quoted-phrase search against the substring oracle.

    python bench/exactness.py                 # the 118 work reports (default)
    python bench/exactness.py --corpus all    # reports + 75,448 news transcripts
    python bench/exactness.py --corpus all --no-naive   # ours only (the naive build takes long)
    python bench/exactness.py --engine opensearch [--url http://127.0.0.1:9200] [--corpus all]

Builds our index and the naive baseline (jieba ChineseAnalyzer -> Whoosh TEXT,
quoted query) from the same documents in one run, samples phrases from random
documents (substrings of 2-8 characters and runs of 1-3 jieba words, seeded),
and compares each engine's document set with the oracle: the documents whose
normalized title or text contains the phrase, read from the files by our
extraction (not from either index).  Per query, recall = |R∩O|/|O|
and precision = |R∩O|/|R| (0 when nothing is returned: every phrase occurs
somewhere, so an empty answer is a miss).

``--engine opensearch`` asks the OpenSearch engine instead: the corpus goes
through its own ingest (a rebuild, into a fresh one-node cluster from
``scripts/opensearch.sh`` unless ``--url`` names a running one), and the
oracle's texts come straight from the files through our extraction (the
documents' search texts, as both engines index them), not from either index.
Each phrase is also asked as a results page, whose total must equal the
oracle's count.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import NaiveSearcher, build, documents_of
from corpus import OUT, report_folders
from full_index import corpus_folders, ensure_full_indexes

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths as opensearch_index_paths
from search.engines.opensearch.ingest import prepare_sources
from search.ingest import discover
from search.meta import Taxonomy
from search.query import SearchRequest
from search.text.analyzer import segmenter
from search.text.normalize import search_text


def quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


def phrase_from(rng: random.Random, text: str, kind: str) -> str | None:
    """A phrase as staff would type it, from one line of ``text``: a 2-8 character substring
    (kind "substring") or a run of 1-3 jieba words (kind "words"); None when the text has no line for it."""
    lines = [line for line in text.split("\n") if len(line) >= 8]
    if not lines:
        return None
    line = rng.choice(lines)
    if kind == "substring":
        length = rng.randint(2, 8)
        start = rng.randrange(0, len(line) - length + 1)
        phrase = line[start : start + length]
    else:
        words = segmenter().reference.lcut(line)
        n = rng.randint(1, 3)
        start = rng.randrange(0, max(1, len(words) - n + 1))
        phrase = "".join(words[start : start + n])
    if phrase != phrase.strip() or not phrase.strip() or '"' in phrase or "\\" in phrase:
        return None
    return phrase


def sample_phrases(texts: list[str], count: int, seed: int) -> list[tuple[str, str]]:
    """(kind, phrase) pairs: half character substrings, half runs of jieba words."""
    rng = random.Random(seed)
    phrases: list[tuple[str, str]] = []
    while len(phrases) < count:
        kind = "substring" if len(phrases) % 2 == 0 else "words"
        phrase = phrase_from(rng, rng.choice(texts), kind)
        if phrase is not None:
            phrases.append((kind, phrase))
    return phrases


def score(returned: set[str], expected: set[str]) -> tuple[float, float]:
    hit = len(returned & expected)
    recall = hit / len(expected) if expected else 1.0
    precision = hit / len(returned) if returned else 0.0
    return recall, precision


def source_texts(folders: list[Path]) -> dict[str, str]:
    """{id: search text} of every document of ``folders``, read from the files by our extraction."""
    taxonomy = Taxonomy.load()
    texts = {}
    for source in discover(folders, lambda message: None):
        _source, documents, _warnings = prepare_sources(source, taxonomy)
        for document in documents if isinstance(documents, list) else ():
            texts[document["id"]] = search_text(document["title"], document["paragraphs"])
    return texts


def opensearch_run(args) -> None:
    """Recall and precision of the OpenSearch engine (its own ingest) against the files' texts."""
    folders = corpus_folders() if args.corpus == "all" else report_folders()
    url = args.url
    if url is None:
        script = Path(__file__).resolve().parent.parent / "scripts" / "opensearch.sh"
        done = subprocess.run(
            ["bash", str(script), "start", "--cluster", "exactness", "--heap", args.heap],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"error: scripts/opensearch.sh start failed:\n{done.stderr[-2000:]}")
        url = done.stdout.split()[0]
    engine = OpenSearchEngine(f"{url}/exactness-{args.corpus}")
    started = time.perf_counter()
    report = opensearch_index_paths(folders, engine, rebuild=True, procs=args.procs)
    index_seconds = round(time.perf_counter() - started, 1)
    texts = source_texts(folders)
    phrases = sample_phrases(list(texts.values()), args.phrases, args.seed)
    rows, totals_equal, timings = [], 0, []
    for kind, phrase in phrases:
        expected = {doc_id for doc_id, text in texts.items() if phrase in text}
        started = time.perf_counter()
        found = engine.matching_ids(SearchRequest(q=quoted(phrase)))
        timings.append(time.perf_counter() - started)
        rows.append((kind, *score(found, expected)))
        totals_equal += engine.search(SearchRequest(q=quoted(phrase), per_page=1)).total == len(expected)

    def mean(values):
        values = list(values)
        return round(sum(values) / len(values), 3) if values else None

    result = {
        "engine": "opensearch",
        "corpus": args.corpus,
        "documents": len(texts),
        "documents_in_index": report.total_documents,
        "phrases": len(phrases),
        "seed": args.seed,
        "index_seconds": index_seconds,
        "skipped_files": len(report.warnings),
        "recall": mean(r for _, r, _ in rows),
        "precision": mean(p for _, _, p in rows),
        "recall_substrings": mean(r for k, r, _ in rows if k == "substring"),
        "recall_word_runs": mean(r for k, r, _ in rows if k == "words"),
        "exact_answers": sum(1 for _, r, p in rows if r == 1.0 and p == 1.0),
        "totals_equal_to_oracle": totals_equal,
        "ids_ms_median": round(sorted(timings)[len(timings) // 2] * 1000, 1),
    }
    print(
        f"exactness of OpenSearch on {len(texts)} documents ({args.corpus}; {report.total_documents} in the index, "
        f"built in {index_seconds} s), {len(phrases)} phrases, seed {args.seed}"
    )
    print(f"{'engine':<12}{'recall':>8}{'precision':>11}{'substr R':>10}{'words R':>9}{'exact':>10}{'totals':>10}")
    print(
        f"{'opensearch':<12}{result['recall']:>8.3f}{result['precision']:>11.3f}{result['recall_substrings']:>10.3f}"
        f"{result['recall_word_runs']:>9.3f}{result['exact_answers']:>6}/{len(phrases)}"
        f"{totals_equal:>6}/{len(phrases)}"
    )
    print(json.dumps(result, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("reports", "all"), default="reports")
    parser.add_argument("--phrases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument(
        "--engine",
        choices=("embedded", "opensearch"),
        default="embedded",
        help="embedded: ours against the naive baseline; opensearch: the OpenSearch engine",
    )
    parser.add_argument("--url", help="a running OpenSearch node (default: start one with scripts/opensearch.sh)")
    parser.add_argument("--heap", default="1g", help="the started node's JVM heap")
    parser.add_argument("--no-naive", action="store_true", help="measure our engine only (no naive baseline)")
    args = parser.parse_args()
    if args.engine == "opensearch":
        opensearch_run(args)
        return

    with_naive = not args.no_naive
    folders = corpus_folders() if args.corpus == "all" else report_folders()
    if args.corpus == "all":
        # The shared full-corpus indexes (bench/full_index.py), built once for every bench.
        ours_dir, naive_dir, timings = ensure_full_indexes(procs=args.procs, naive=with_naive)
        ours_seconds, naive_seconds = timings.get("ours_s"), timings.get("naive_s")
        warnings = []
    else:
        work = OUT / f"exactness-{args.corpus}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        ours_dir, naive_dir = work / "ours", work / "naive"
        started = time.perf_counter()
        warnings = index_paths(report_folders(), ours_dir, rebuild=True, procs=args.procs).warnings
        ours_seconds = round(time.perf_counter() - started, 1)
        naive_seconds = None
        if with_naive:
            snapshot = Archive(ours_dir).snapshot()
            started = time.perf_counter()
            build(documents_of(snapshot), naive_dir, procs=args.procs)
            naive_seconds = round(time.perf_counter() - started, 1)
    snapshot = Archive(ours_dir).snapshot()
    texts = source_texts(folders)
    naive = NaiveSearcher(naive_dir) if with_naive else None

    phrases = sample_phrases(list(texts.values()), args.phrases, args.seed)
    rows = {"ours": [], "naive": []} if naive else {"ours": []}
    for kind, phrase in phrases:
        expected = {doc_id for doc_id, text in texts.items() if phrase in text}
        ours = matching_ids(snapshot, SearchRequest(q=quoted(phrase)))
        rows["ours"].append((kind, *score(ours, expected)))
        if naive:
            rows["naive"].append((kind, *score(naive.phrase_ids(phrase), expected)))

    def mean(values):
        values = list(values)
        return round(sum(values) / len(values), 3) if values else None

    result = {
        "corpus": args.corpus,
        "documents": len(texts),
        "documents_in_index": len(snapshot.live),
        "phrases": len(phrases),
        "seed": args.seed,
        # None when the full-corpus indexes were already built by an earlier bench run
        "index_seconds": {"ours": ours_seconds, "naive": naive_seconds},
        "engines": {},
    }
    for engine, data in rows.items():
        result["engines"][engine] = {
            "recall": mean(r for _, r, _ in data),
            "precision": mean(p for _, _, p in data),
            "recall_substrings": mean(r for k, r, _ in data if k == "substring"),
            "recall_word_runs": mean(r for k, r, _ in data if k == "words"),
            "exact_answers": sum(1 for _, r, p in data if r == 1.0 and p == 1.0),
        }
    print(f"exactness on {result['documents']} documents ({args.corpus}), {len(phrases)} phrases, seed {args.seed}")
    print(f"{'engine':<8}{'recall':>8}{'precision':>11}{'substr R':>10}{'words R':>9}{'exact':>8}")
    for engine, m in result["engines"].items():
        print(
            f"{engine:<8}{m['recall']:>8.3f}{m['precision']:>11.3f}{m['recall_substrings']:>10.3f}"
            f"{m['recall_word_runs']:>9.3f}{m['exact_answers']:>5}/{len(phrases)}"
        )
    print(json.dumps(result, ensure_ascii=False))
    if warnings:
        print(f"({len(warnings)} files skipped while indexing)", file=sys.stderr)


if __name__ == "__main__":
    main()
