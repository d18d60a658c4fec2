"""Relevance on the OpenSearch engine that says nothing about the documents a reader cannot see.

The cluster's BM25 takes its statistics from every document of a shard: a phrase's idf (document
frequencies, documents with the field) counts restricted documents too, so a public hit's score
moved with what hidden documents hold (the probe: 3.6039 with them, 4.2961 without).  Here every
part of a score comes from what the reader may see, or from the document itself:

- **idf** is the reader's: ``ln(1 + (N - df + 0.5) / (df + 0.5))`` with ``N`` the documents they
  may see and ``df`` those of them holding the phrase (``filter`` aggregations), as the embedded
  engine computes it (``search.query.rank.Scorer``).  With one phrase, the common case, its idf is
  a factor of every score and the order needs none: the page's request carries no statistic
  (the text clause unboosted, a title hit above anything the text can add) and counts the
  reader's documents itself (a ``global`` aggregation; those holding the phrase are its total
  when the phrase is the whole query) for the scores shown.  With more phrases, a request before
  the page's counts them while the multi-term-vectors one below reads the cluster's idf.
- **the text part** of a phrase is ``idf * (K1 + 1) * tf / (tf + K1)``: the mapping's similarity
  for ``text`` is BM25 with ``b = 0`` (no length, so no average length over all documents), and the
  phrase's clause carries ``boost = idf / cluster_idf``, which cancels the cluster's own idf: the
  cluster's idf is read from Lucene's statistics of the phrase's characters (the term-vectors API
  on the phrase as an artificial document, summed over the shards, as ``dfs_query_then_fetch``
  sums them for the search itself) and combined as Lucene combines them.
- **a title hit** adds ``TITLE_BONUS * idf`` (a ``constant_score`` clause).

The score shown is computed here again from the hit's stored text with the same formula (phrase
frequencies as Lucene counts them: every start position, overlapping ones included), so that it
is exact; the order is the cluster's, equal to it up to float rounding (1e-7).  No length
normalisation: the index has no norms (the embedded engine's B is 0.75 over character lengths).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from search.text.normalize import fold

# The embedded engine's (search.engines.embedded.rank.Scorer), written here: this engine loads no Whoosh.
K1 = 1.2
TITLE_BONUS = 3.0
SIMILARITY = "tf_saturation"  # the mapping's name for BM25 with b = 0
SIMILARITY_SETTINGS = {SIMILARITY: {"type": "BM25", "k1": K1, "b": 0.0}}


def idf(documents: int, frequency: int) -> float:
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


@dataclass(frozen=True)
class Weights:
    """What one request's relevance clauses carry, and how a hit's score is computed again."""

    idf: dict[str, float]  # the reader's idf of each phrase scored or looked for in titles
    text_boost: dict[str, float]  # a scored phrase's boost: the reader's idf / the cluster's
    scored: tuple[str, ...]  # phrases scored by their frequency in the text
    titled: tuple[str, ...]  # phrases whose presence in the title adds TITLE_BONUS * idf
    # One phrase: its idf is a factor of every part of every score, so the order needs none (the
    # clauses carry no statistics at all, ``title_boost``), and the reader's idf is read from the
    # page's own request (``aggregation``) for the scores shown.
    deferred: bool = False

    def title_boost(self, phrase: str) -> float:
        if self.deferred:
            # Above the most the phrase's text clause can score (boost 1: 2.2 times the cluster's
            # idf, a sum over at most len(phrase) characters of at most ln(1 + 2 * 2^31) < 30 each),
            # so that a title hit comes first as TITLE_BONUS > K1 + 1 makes it come first here.
            return (K1 + 1) * 30 * len(phrase) + 1
        return TITLE_BONUS * self.idf[phrase]

    def aggregation(self, access: dict | None, counted_by_total: bool) -> dict:
        """For the page's request: the reader's documents, and (unless the page's total is that
        count, ``counted_by_total``) those of them holding the phrase, over the whole index whatever
        the query (a ``global`` aggregation)."""
        return {"global": {}, "aggs": {"visible": _statistics(() if counted_by_total else tuple(self.idf), access)}}

    def read(self, answer: dict, counted_by_total: bool) -> Weights:
        """The weights with the reader's idf read from the page's answer (``aggregation``)."""
        visible = answer["aggregations"][STATISTICS]["visible"]
        (phrase,) = self.idf
        holding = answer["hits"]["total"]["value"] if counted_by_total else visible["p0"]["doc_count"]
        return Weights({phrase: idf(visible["doc_count"], holding)}, self.text_boost, self.scored, self.titled)

    def score(self, title: str, text: str) -> float:
        """A hit's score from its title and its search text (``search_text``), rounded as hits show it."""
        lines = text.split("\n")
        total = 0.0
        for phrase in self.scored:
            tf = sum(_starts(line, phrase) for line in lines)
            total += self.idf[phrase] * (K1 + 1) * tf / (tf + K1)
        folded = fold(title)
        for phrase in self.titled:
            if phrase in folded:
                total += self.title_boost(phrase)
        return round(total, 4)


def _starts(text: str, phrase: str) -> int:
    """Occurrences of ``phrase`` in ``text`` counted at every start, overlapping ones too (Lucene's
    exact phrase frequency)."""
    count, at = 0, text.find(phrase)
    while at >= 0:
        count += 1
        at = text.find(phrase, at + 1)
    return count


def weights(engine, scored: tuple[str, ...], titled: tuple[str, ...], access: dict | None) -> Weights | None:
    """The reader's weights of a request's phrases (None: nothing to score)."""
    phrases = tuple(dict.fromkeys((*scored, *titled)))
    if not phrases:
        return None
    scored, titled = tuple(dict.fromkeys(scored)), tuple(dict.fromkeys(titled))
    if len(phrases) == 1:  # no request before the page's: see Weights.deferred
        return Weights(dict.fromkeys(phrases, 0.0), dict.fromkeys(scored, 1.0), scored, titled, deferred=True)
    # The two requests at once: the phrases' counts and the cluster's statistics of their characters.
    with ThreadPoolExecutor(1) as helper:
        counting = helper.submit(visible_idf, engine, phrases, access)
        cluster = cluster_idf(engine, scored)
        reader_idf = counting.result()
    boosts = {p: reader_idf[p] / cluster[p] if cluster[p] > 0 else 0.0 for p in scored}
    return Weights(reader_idf, boosts, scored, titled)


STATISTICS = "_reader_statistics"  # the name of ``Weights.aggregation`` in a page's request


def page_search(
    engine, body: dict, weights: Weights | None, access: dict | None, by_total: bool
) -> tuple[dict, Weights | None]:
    """Run a results page's request scored by ``weights``: (its answer, the weights with the reader's
    idf when they were deferred to it).  Past one shard the cluster's idf is the shards' summed, as
    ``cluster_idf`` sums it (``dfs_query_then_fetch``)."""
    if weights is None:
        return engine.raw_search(body), None
    if weights.deferred:
        body["aggs"][STATISTICS] = weights.aggregation(access, by_total)
    answer = engine.raw_search(body, dfs=is_multi_shard(engine))
    return answer, weights.read(answer, by_total) if weights.deferred else weights


def _statistics(phrases, access: dict | None) -> dict:
    return {
        "filter": access or {"match_all": {}},
        "aggs": {f"p{n}": {"filter": {"match_phrase": {"text": p}}} for n, p in enumerate(phrases)},
    }


def _idf_of(phrases: tuple[str, ...], documents: int, counted: dict) -> dict[str, float]:
    return {p: idf(documents, counted[f"p{n}"]["doc_count"]) for n, p in enumerate(phrases)}


def visible_idf(engine, phrases: tuple[str, ...], access: dict | None) -> dict[str, float]:
    """Each phrase's idf over the documents the reader may see (``access``; None: all)."""
    answer = engine.raw_search({"size": 0, "aggs": {"visible": _statistics(phrases, access)}})
    visible = answer["aggregations"]["visible"]
    return _idf_of(phrases, visible["doc_count"], visible)


def cluster_idf(engine, phrases: tuple[str, ...]) -> dict[str, float]:
    """The idf the cluster's BM25 gives each phrase on ``text`` (over every document, hidden ones too,
    deleted ones not merged away yet too): Lucene's sum over the phrase's characters of each one's
    idf as a float, from the shards' statistics summed (one multi-term-vectors request)."""
    if not phrases:
        return {}
    routes = shard_routes(engine)
    docs = [
        {
            "_index": engine.name,
            "doc": {"text": phrase},
            "fields": ["text"],
            "term_statistics": True,
            "field_statistics": True,
            "positions": False,
            "offsets": False,
            **({"routing": routing} if routing else {}),
        }
        for phrase in phrases
        for routing in routes
    ]
    answers = engine.call(engine.client.mtermvectors, body={"docs": docs})["docs"]
    found = {}
    for number, phrase in enumerate(phrases):
        frequencies: Counter = Counter()
        in_phrase: dict[str, int] = {}
        documents = 0
        for answer in answers[number * len(routes) : (number + 1) * len(routes)]:
            vector = answer.get("term_vectors", {}).get("text")
            if not vector:
                continue
            documents += vector["field_statistics"]["doc_count"]
            for term, stats in vector["terms"].items():
                frequencies[term] += stats.get("doc_freq", 0)
                in_phrase[term] = stats["term_freq"]
        total = 0.0
        for term, times in in_phrase.items():
            total += times * float(np.float32(idf(documents, frequencies[term])))
        found[phrase] = float(np.float32(total))
    return found


ROUTES_SECONDS = 60.0  # how long the shard count read is trusted (a rebuild may change it)
_ROUTES: dict[str, tuple[float, list]] = {}  # index URL -> (when read, its shards' routing values)


def shard_routes(engine) -> list[str | None]:
    """A routing value for each shard of the index (one document id found in it), or ``[None]`` for
    an index of one shard; kept for a minute (a routing names its shard while the
    count holds)."""
    cached = _ROUTES.get(engine.url)
    if cached is not None and time.monotonic() - cached[0] < ROUTES_SECONDS:
        return cached[1]
    settings = engine.call(engine.client.indices.get_settings, index=engine.name, name="index.number_of_shards")
    shards = int(next(iter(settings.values()))["settings"]["index"]["number_of_shards"])
    routes: list[str | None] = [None]
    if shards > 1:
        routes = []
        for shard in range(shards):
            found = engine.call(
                engine.client.search,
                index=engine.name,
                preference=f"_shards:{shard}",
                body={"size": 1, "_source": False, "query": {"match_all": {}}},
            )["hits"]["hits"]
            if found:
                routes.append(found[0]["_id"])
    _ROUTES[engine.url] = (time.monotonic(), routes)
    return routes


def is_multi_shard(engine) -> bool:
    return shard_routes(engine) != [None]
