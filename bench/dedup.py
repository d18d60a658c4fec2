"""Reprints found and counted once (search.dedup): cluster precision and recall on a synthetic reprint set
mixed into the real news, the share of indexing time the clusters cost, and the real news' clusters.

    python bench/dedup.py                    # the whole news (75,448 stories): about 5 minutes
    python bench/dedup.py --sample 10000     # the first 10,000 stories (seeded sample), quicker
    python bench/dedup.py --news DIR         # another unpacked copy of bench/data/xwlb

In one run, each step into a fresh index folder under bench/out/dedup/:

1. the news indexed (``--rebuild``, 2 processes) without clusters, then with them: the indexing
   time both ways, their ratio, and the clustering step's own share of the second run;
2. the real news' clusters: how many clusters of two or more copies, how many documents they hold;
3. a synthetic reprint set with known truth: ``--originals`` stories that are no copy of any other
   (clusters of one in step 2), each given variants of these kinds, dated after it, in a folder
   of their own: ``exact`` (the same file), ``headline`` (another title), ``boilerplate`` (来源,
   责任编辑, 分享到, 扫一扫 lines added), ``cut`` (one paragraph of at most a fifth of the text cut),
   ``typo`` (one character in 150 changed); indexed incrementally into the index of step 1
   (so the incremental update is timed too);
4. pairwise precision and recall over the pairs that involve a synthetic document: a predicted
   pair is two documents of one cluster, a true pair two of one original's group; recall per kind;
5. the fingerprint chosen by measurement: MinHash + LSH bands against a 64-bit SimHash (Hamming
   distance <= 3) over the same shingles, on the synthetic groups and 3,000 other stories: the
   share of true pairs each makes a candidate, and the cost.

Indexing without and with clusters alternates ``--repeat`` times (the machine is shared; the
fastest of each is compared).

Ends with a table and ONE JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import numpy as np

from search import dedup
from search.dedup.store import table_of
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths

NEWS = Path("/work/main/bench/data/xwlb")
OUT = BENCH / "out" / "dedup"
SEED = 20261204
KINDS = ("exact", "headline", "boilerplate", "cut", "typo")
BOILERPLATE = (
    "来源：新华网",
    "责任编辑：李明",
    "分享到：微信 微博 QQ空间",
    "扫一扫在手机打开当前页",
    "【打印本页】【关闭窗口】",
)
TARGETS = {"precision": 0.98, "recall": 0.95, "share": 0.10}


def _rows(news: Path) -> tuple[list[str], list[list[str]]]:
    with open(news / "manifest.tsv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    return rows[0], rows[1:]


def _news_folder(news: Path, sample: int | None) -> Path:
    """The news (all, or a seeded sample) as hard links with its manifest, under OUT/news."""
    header, rows = _rows(news)
    if sample:
        rows = sorted(random.Random(SEED).sample(rows, sample))
    folder = OUT / f"news-{len(rows)}"
    if (folder / "manifest.tsv").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for row in rows:
        target = folder / row[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(news / row[0], target)
        except OSError:
            shutil.copyfile(news / row[0], target)
    with open(folder / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows([header, *rows])
    return folder


def _index(roots: list[Path], index_dir: Path, rebuild: bool, clusters: bool) -> tuple[float, float]:
    """(seconds of the indexing run, seconds of its clustering step)."""
    dedup.ENABLED = clusters
    dedup.LAST_SECONDS[0] = 0.0
    if rebuild:
        shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    index_paths(roots, index_dir, rebuild=rebuild, procs=2)
    took = time.perf_counter() - started
    dedup.ENABLED = True
    return took, dedup.LAST_SECONDS[0]


def _clusters(index_dir: Path) -> tuple[dict[str, int], dict[int, list[str]]]:
    """(source -> cluster, cluster -> sources) of the index's newest generation."""
    snapshot = Archive(index_dir).snapshot()
    table = table_of(snapshot)
    of: dict[str, int] = {}
    members: dict[int, list[str]] = defaultdict(list)
    for n in np.flatnonzero(table.canonical >= 0).tolist():
        source = snapshot.document(n).source
        of[source] = int(table.canonical[n])
        members[int(table.canonical[n])].append(source)
    return of, members


def _story(path: Path) -> tuple[str, list[str]]:
    title, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return title.strip(), [p.strip() for p in rest.split("\n\n") if p.strip()]


def _variant(kind: str, title: str, paragraphs: list[str], rng: random.Random) -> tuple[str, list[str]] | None:
    if kind == "exact":
        return title, paragraphs
    if kind == "headline":
        return rng.choice(("转载：", "【聚焦】", "要闻｜")) + title[
            : max(4, len(title) // 2)
        ] + "等工作取得新进展", paragraphs
    if kind == "boilerplate":
        return title, [BOILERPLATE[0], *paragraphs, *BOILERPLATE[1:]]
    if kind == "cut":
        total = sum(map(len, paragraphs))
        cuttable = [i for i in range(1, len(paragraphs)) if len(paragraphs[i]) <= total / 5]
        if not cuttable:
            return None
        drop = rng.choice(cuttable)
        return title, [p for i, p in enumerate(paragraphs) if i != drop]
    if kind == "typo":
        changed = []
        for p in paragraphs:
            chars = list(p)
            for i in range(rng.randrange(150), len(chars), 150):
                chars[i] = "某" if chars[i] != "某" else "甲"
            changed.append("".join(chars))
        return title, changed
    raise ValueError(kind)


def _synthetic(
    news: Path, rows: list[list[str]], singletons: set[str], originals: int
) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The reprint folder: (folder, synthetic source -> its original's source, synthetic source -> kind)."""
    rng = random.Random(SEED)
    folder = OUT / "reprints"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    candidates = [
        row
        for row in rows
        if row[0] in singletons and len(_story(news / row[0])[1]) >= 4 and (news / row[0]).stat().st_size >= 900
    ]
    chosen = rng.sample(candidates, min(originals, len(candidates)))
    origin: dict[str, str] = {}
    kinds: dict[str, str] = {}
    manifest = [["filename", "title", "region", "date", "doc_type"]]
    for number, row in enumerate(chosen):
        title, paragraphs = _story(news / row[0])
        when = date.fromisoformat(row[3]) if len(row[3]) == 10 else None
        for kind in rng.sample(KINDS, rng.randint(1, 3)):
            made = _variant(kind, title, paragraphs, rng)
            if made is None:
                continue
            name = f"r{number:04d}_{kind}.txt"
            (folder / name).write_text(made[0] + "\n\n" + "\n\n".join(made[1]) + "\n", encoding="utf-8")
            later = (when + timedelta(days=rng.randint(1, 30))).isoformat() if when else row[3]
            manifest.append([name, "", row[2], later, "转载"])
            origin[name], kinds[name] = row[0], kind
    with open(folder / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(manifest)
    return folder, origin, kinds


def _scores(of: dict[str, int], origin: dict[str, str], kinds: dict[str, str]) -> dict:
    """Pairwise precision and recall over the pairs with a synthetic document, and recall per kind."""
    truth = {name: source for name, source in origin.items()} | {source: source for source in origin.values()}
    by_cluster: dict[int, list[str]] = defaultdict(list)
    for source, cluster in of.items():
        by_cluster[cluster].append(source)
    predicted = set()
    for members in by_cluster.values():
        if any(m in origin for m in members):
            predicted |= {tuple(sorted(p)) for p in combinations(members, 2) if p[0] in origin or p[1] in origin}
    groups: dict[str, list[str]] = defaultdict(list)
    for name, source in truth.items():
        groups[source].append(name)
    true = {
        tuple(sorted(p))
        for members in groups.values()
        for p in combinations(members, 2)
        if p[0] in origin or p[1] in origin
    }
    hit = len(predicted & true)
    per_kind = {}
    for kind in KINDS:
        names = [n for n, k in kinds.items() if k == kind]
        joined = sum(1 for n in names if n in of and of[n] == of.get(origin[n]))
        per_kind[kind] = round(joined / len(names), 4) if names else None
    return {
        "precision": round(hit / len(predicted), 4) if predicted else 1.0,
        "recall": round(hit / len(true), 4) if true else 1.0,
        "pairs_predicted": len(predicted),
        "pairs_true": len(true),
        "recall_by_kind": per_kind,
    }


def _fingerprints_compared(index_dir: Path, origin: dict[str, str]) -> dict:
    """MinHash + LSH against SimHash on the same shingles, over the synthetic groups and 3,000 other stories:
    the share of true pairs each makes a candidate, candidates per document, and seconds per 1,000 documents."""
    from search.dedup import fingerprint as fp

    snapshot = Archive(index_dir).snapshot()
    by_source = {snapshot.document(n).source: n for n in snapshot.live}
    group_docs = sorted({by_source[s] for pair in origin.items() for s in pair if s in by_source})
    others = sorted(set(random.Random(SEED).sample(sorted(snapshot.live), 3000)) - set(group_docs))
    docs = group_docs + others
    bodies = [fp.body(snapshot.search_text(n)) for n in docs]
    index = {n: i for i, n in enumerate(docs)}
    true_pairs = {
        tuple(sorted((index[by_source[a]], index[by_source[b]])))
        for a, b in origin.items()
        if a in by_source and b in by_source
    }
    started = time.perf_counter()
    hashes, bounds = fp.shingle_hashes(bodies)
    sig, has = fp.signatures(hashes, bounds)
    lsh = {tuple(p) for p in fp.candidate_pairs(fp.band_keys(sig), has).tolist()}
    minhash_s = time.perf_counter() - started
    started = time.perf_counter()
    hashes, bounds = fp.shingle_hashes(bodies)
    wide = (hashes.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ (hashes.astype(np.uint64) << np.uint64(17))
    bits = np.unpackbits(wide.view(np.uint8).reshape(-1, 8), axis=1).astype(np.int32) * 2 - 1
    sums = np.add.reduceat(bits, bounds[:-1], axis=0) if len(bits) else bits
    simhash = np.packbits(sums > 0, axis=1).view(np.uint64).ravel()
    distance = (
        np.unpackbits((simhash[:, None] ^ simhash[None, :]).view(np.uint8), axis=1)
        .reshape(len(docs), len(docs), 64)
        .sum(axis=2)
    )
    near = np.argwhere(np.triu(distance <= 3, 1))
    simhash_s = time.perf_counter() - started
    sim_pairs = {tuple(p) for p in near.tolist()}
    return {
        "minhash_lsh": {
            "recall": round(len(lsh & true_pairs) / len(true_pairs), 4),
            "candidates_per_doc": round(len(lsh) / len(docs), 3),
            "s_per_1000": round(1000 * minhash_s / len(docs), 3),
        },
        "simhash_h3": {
            "recall": round(len(sim_pairs & true_pairs) / len(true_pairs), 4),
            "candidates_per_doc": round(len(sim_pairs) / len(docs), 3),
            "s_per_1000": round(1000 * simhash_s / len(docs), 3),
        },
    }


def _latency(index_dir: Path, queries: int) -> dict:
    """Results pages (total, facets, 10 hits with snippets) with and without 去重, the same queries
    (which one runs first alternating), on a warm snapshot as a server holds it: p50/p95 ms and the p95 ratio."""
    from search.engines.embedded.run import search, warm_up
    from search.query import SearchRequest

    snapshot = Archive(index_dir).snapshot()
    warm_up(snapshot)
    table_of(snapshot)
    rng = random.Random(SEED)
    live = sorted(snapshot.live)
    phrases = []
    while len(phrases) < queries:
        text = snapshot.search_text(rng.choice(live))
        lines = [line for line in text.split("\n") if len(line) >= 8]
        if lines:
            line = rng.choice(lines)
            length = rng.randint(2, 6)
            start = rng.randrange(0, len(line) - length + 1)
            phrase = line[start : start + length]
            if '"' not in phrase and phrase.strip() == phrase:
                phrases.append(phrase)
    times: dict[bool, list[float]] = {False: [], True: []}
    for phrase in phrases[:10]:  # warm-up, not counted
        search(snapshot, SearchRequest(q=f'"{phrase}"', dedup=True))
    for number, phrase in enumerate(phrases):
        # Which runs first alternates: the second run of a phrase finds its postings cached.
        for dedup_on in (False, True) if number % 2 == 0 else (True, False):
            started = time.perf_counter()
            search(snapshot, SearchRequest(q=f'"{phrase}"', dedup=dedup_on))
            times[dedup_on].append(1000 * (time.perf_counter() - started))

    def pct(values: list[float], q: float) -> float:
        return round(float(np.percentile(values, q)), 1)

    return {
        "queries": queries,
        "p50_without": pct(times[False], 50),
        "p95_without": pct(times[False], 95),
        "p50_with": pct(times[True], 50),
        "p95_with": pct(times[True], 95),
        "p95_ratio": round(pct(times[True], 95) / max(pct(times[False], 95), 0.1), 3),
    }


def _timed_twice(news: Path, repeat: int) -> tuple[list[float], list[float], list[float]]:
    """Indexing without and with clusters, alternating ``repeat`` times (the machine is shared)."""
    plain, with_clusters, steps = [], [], []
    for _ in range(repeat):
        plain.append(_index([news], OUT / "ix-plain", rebuild=True, clusters=False)[0])
        took, step = _index([news], OUT / "ix", rebuild=True, clusters=True)
        with_clusters.append(took)
        steps.append(step)
    return plain, with_clusters, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=Path, default=NEWS)
    parser.add_argument("--sample", type=int, default=None, help="index this many stories (seeded), not all")
    parser.add_argument("--originals", type=int, default=400, help="stories given synthetic reprints")
    parser.add_argument("--queries", type=int, default=200, help="results pages timed with and without 去重")
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="only the results-page latency, on the index a full run left in bench/out/dedup/ix",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="index without/with clusters this many times, alternating; the fastest of each is compared",
    )
    args = parser.parse_args()
    if not (args.news / "manifest.tsv").exists():
        raise SystemExit(f"error: no news at {args.news} (unpack xwlb.tar.xz there, see bench/corpus.py)")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.latency_only:
        latency = _latency(OUT / "ix", args.queries)
        print(f"results page without 去重: p50 {latency['p50_without']} ms, p95 {latency['p95_without']} ms")
        print(
            f"results page with 去重:    p50 {latency['p50_with']} ms, p95 {latency['p95_with']} ms "
            f"({latency['p95_ratio']}x; target <= 1.5x)"
        )
        print(json.dumps({"bench": "dedup-latency", "load": round(os.getloadavg()[0], 2), **latency}))
        return
    news = _news_folder(args.news, args.sample)
    _, rows = _rows(news)
    text_mb = sum((news / r[0]).stat().st_size for r in rows) / 1e6
    load = os.getloadavg()[0]
    plains, withs, steps = _timed_twice(news, args.repeat)
    plain, with_clusters = min(plains), min(withs)
    step = steps[withs.index(with_clusters)]
    of, members = _clusters(OUT / "ix")
    multi = [m for m in members.values() if len(m) > 1]
    singletons = {m[0] for m in members.values() if len(m) == 1}
    folder, origin, kinds = _synthetic(news, rows, singletons, args.originals)
    added, added_step = _index([news, folder], OUT / "ix", rebuild=False, clusters=True)
    of, _ = _clusters(OUT / "ix")
    scores = _scores(of, origin, kinds)
    compared = _fingerprints_compared(OUT / "ix", origin)
    latency = _latency(OUT / "ix", args.queries)
    result = {
        "bench": "dedup",
        "documents": len(rows),
        "text_mb": round(text_mb, 1),
        "load": round(load, 2),
        "index_s_without": round(plain, 2),
        "index_s_with": round(with_clusters, 2),
        "index_runs_without": [round(x, 1) for x in plains],
        "index_runs_with": [round(x, 1) for x in withs],
        "index_ratio": round(with_clusters / plain, 3),
        "cluster_step_s": round(step, 2),
        "cluster_share": round(step / with_clusters, 4),
        "cluster_share_of_fastest_without": round(step / plain, 4),
        "real_clusters": len(multi),
        "real_documents_in_clusters": sum(map(len, multi)),
        "real_reprints": sum(len(m) - 1 for m in multi),
        "largest_real_cluster": max(map(len, multi), default=1),
        "synthetic_originals": len(set(origin.values())),
        "synthetic_copies": len(origin),
        "incremental_s": round(added, 2),
        "incremental_cluster_step_s": round(added_step, 2),
        **scores,
        "fingerprints": compared,
        "latency": latency,
    }
    table = [
        ("documents (news)", f"{len(rows):,}", ""),
        ("indexing without clusters", f"{plain:.1f} s", ""),
        ("indexing with clusters", f"{with_clusters:.1f} s", f"{with_clusters / plain:.3f}× the time without"),
        (
            "clustering step",
            f"{step:.2f} s",
            (f"{step / with_clusters:.1%} of its run, {step / plain:.1%} of the fastest run without (target < 10%)"),
        ),
        (
            "real clusters (≥ 2 copies)",
            f"{len(multi):,}",
            (f"{result['real_documents_in_clusters']:,} documents, {result['real_reprints']:,} reprints"),
        ),
        ("synthetic copies", f"{len(origin):,}", f"of {result['synthetic_originals']} originals"),
        ("incremental run (+ copies)", f"{added:.1f} s", f"clustering {added_step:.2f} s"),
        ("pairwise precision", f"{scores['precision']:.4f}", "target ≥ 0.98"),
        ("pairwise recall", f"{scores['recall']:.4f}", "target ≥ 0.95"),
        *[(f"  recall: {k}", f"{v}", "") for k, v in scores["recall_by_kind"].items()],
        *[
            (
                f"candidates: {name}",
                f"{c['recall']:.4f}",
                (f"of true pairs; {c['candidates_per_doc']} per document, {c['s_per_1000']} s per 1,000 documents"),
            )
            for name, c in compared.items()
        ],
        ("results page p95 without", f"{latency['p95_without']} ms", f"p50 {latency['p50_without']} ms"),
        (
            "results page p95 with 去重",
            f"{latency['p95_with']} ms",
            f"p50 {latency['p50_with']} ms; {latency['p95_ratio']}× (target ≤ 1.5×)",
        ),
    ]
    width = max(len(r[0]) for r in table)
    print(f"load average {load:.2f}")
    for name, value, note in table:
        print(f"{name:<{width}}  {value:>12}  {note}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
