"""The archive's own frequent phrases, mined once per index generation for the suggestions.

A phrase is a run of one to four consecutive jieba words inside one clause
(no punctuation, digits or Latin letters between them), two to eight
characters long, so it starts and ends on a word boundary.  Each document
counts once per phrase.  The texts mined are a sample spread over the
archive (a fixed seed, so a generation's phrases do not change from one build
to the next), up to ``SAMPLE_CHARS`` characters: the whole archive when it is
small (the 118 reports are about 2 million characters), some 4,000 news
transcripts of the 75,000.  The sample only chooses the phrases; the counts
shown are exact over the whole archive (``suggest.build_suggester`` counts
each with the matcher of exact search).

Junk is left out: a phrase starting or ending with a function word (的, 和,
我们 …), one made of single-character words only (a run of particles), and a
half phrase: one that nearly always occurs as part of a longer candidate
(质量发 inside 高质量发展 is not a cut jieba makes, but 推动高质 … would be,
and a shorter phrase whose extension holds ``HALF_RATIO`` of its documents
is a fragment of that extension).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet, doc_list
from search.text.analyzer import segmenter

MIN_CHARS, MAX_CHARS = 2, 8
MAX_WORDS = 4
SAMPLE_CHARS = 6_000_000
MIN_DOCS = 2  # in the sample: a phrase must recur
MAX_PHRASES = 6000  # the most frequent, each then counted exactly
HALF_RATIO = 0.9
SEED = 23

# Words a phrase neither starts nor ends with: particles, pronouns, conjunctions and prepositions.
EDGE_STOP_WORDS = frozenset(
    "的 地 得 了 着 过 和 与 及 或 是 在 对 把 被 将 就 也 都 而 并 等 为 以 于 从 向 由 这 那 其 之 个 "
    "不 要 让 使 给 还 又 所 此 该 各 每 但 则 即 如 若 因 且 更 很 最 已 再 才 只 我 你 他 她 它 "
    "我们 你们 他们 她们 它们 咱们 大家 这个 那个 这些 那些 一些 一个 一种 一项 一批 以及 并且 同时 其中 "
    "通过 对于 关于 按照 根据 为了 进行 已经 正在 可以 能够 没有 不是 就是 还是 这样 那样 如何 什么 "
    "因为 所以 但是 而且 如果 虽然 以上 以下 之一 之间 方面 有关 相关 一定 一直 其他 其它 今天 今年 目前".split()
)


@dataclass(frozen=True)
class MinedPhrases:
    """The phrases chosen (folded, most sampled documents first) and what the mining looked at."""

    phrases: tuple[str, ...]
    sampled_documents: int
    sampled_chars: int
    seconds: float


def _is_han(text: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def phrases_of(tokens: list[str]) -> set[str]:
    """The candidate phrases of one text's jieba tokens (each once): word runs within a clause,
    2-8 characters, not starting or ending with a function word, not only one-character words."""
    found: set[str] = set()
    run: list[str] = []
    for token in [*tokens, "。"]:
        if _is_han(token) and token:
            run.append(token)
            continue
        for i, first in enumerate(run):
            if first in EDGE_STOP_WORDS:
                continue
            phrase = ""
            longest = 0
            for j in range(i, min(len(run), i + MAX_WORDS)):
                phrase += run[j]
                longest = max(longest, len(run[j]))
                if len(phrase) > MAX_CHARS:
                    break
                if len(phrase) >= MIN_CHARS and longest > 1 and run[j] not in EDGE_STOP_WORDS:
                    found.add(phrase)
        run = []
    return found


def mine_phrases(
    snapshot: Snapshot,
    visible: DocSet | None = None,
    sample_chars: int = SAMPLE_CHARS,
    min_docs: int = MIN_DOCS,
    limit: int = MAX_PHRASES,
) -> MinedPhrases:
    """The archive's recurring phrases, from the ``visible`` documents only (all when None): a
    restricted document lends no phrase."""
    started = time.perf_counter()
    docs = doc_list(snapshot.live if visible is None else visible)
    order = random.Random(SEED).sample(docs, len(docs))
    tokens = segmenter().tokens
    counts: Counter[str] = Counter()
    used = sampled = 0
    for docnum in order:
        if used >= sample_chars:
            break
        text = snapshot.search_text(docnum)
        counts.update(phrases_of(tokens(text)))
        used += len(text)
        sampled += 1
    recurring = {p: n for p, n in counts.items() if n >= min_docs}
    kept = list(drop_half_phrases(recurring))
    kept.sort(key=lambda p: (-recurring[p], len(p), p))
    return MinedPhrases(tuple(kept[:limit]), sampled, used, round(time.perf_counter() - started, 2))


def drop_half_phrases(counts: dict[str, int], ratio: float = HALF_RATIO) -> list[str]:
    """The phrases of ``counts`` that are not a fragment of a longer one: a phrase is dropped when a
    candidate extending it at either end holds at least ``ratio`` of its documents."""
    half: set[str] = set()
    for longer, n in counts.items():
        for cut in range(1, len(longer)):
            for part in (longer[:cut], longer[cut:]):
                if part in counts and n >= ratio * counts[part]:
                    half.add(part)
    return [p for p in counts if p not in half]
