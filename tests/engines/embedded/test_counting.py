"""Counting a phrase per document (read from postings, or searched up to a bound) equals ``str.count``
over the source texts; ranking by those counts with a threshold gives the full ranking's pages."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.rank import Scorer
from search.engines.embedded.run import search
from search.meta import extract_documents
from search.query import SearchRequest
from search.text.normalize import search_text

# Few characters, so that phrases repeat, runs of one character ("AA" grams) are common, and some
# characters are astral (four UTF-8 bytes; 𨟠 is in the news).
ALPHABET = "ab𨟠的,。"
FILES = 40


def _text(rng: random.Random) -> str:
    # a title line, then paragraphs
    lines = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 30))) for _ in range(rng.randint(1, 4))]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def runs_corpus(tmp_path_factory):
    """(snapshot, {docnum: search text from extraction}) of 40 files over a six-character alphabet."""
    folder = tmp_path_factory.mktemp("runs") / "docs"
    folder.mkdir()
    rng = random.Random(11)
    texts = {}
    for n in range(FILES):
        raw = _text(rng)
        (folder / f"{n:02d}.txt").write_text(raw, encoding="utf-8")
        for record in extract_documents(raw, None):
            texts[(f"{n:02d}.txt", record.item)] = search_text(record.title, record.paragraphs)
    index_dir = tmp_path_factory.mktemp("runs-index")
    index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    by_docnum = {}
    for docnum in snapshot.live:
        document = snapshot.document(docnum)
        by_docnum[docnum] = texts[(document.source, document.item)]
    assert len(by_docnum) == len(texts) == FILES
    return snapshot, by_docnum


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phrase=st.text(alphabet=ALPHABET, min_size=1, max_size=5))
def test_counts_of_any_phrase_equal_str_count_in_every_document(runs_corpus, phrase):
    snapshot, texts = runs_corpus
    docs = sorted(texts)
    expected = [texts[n].count(phrase) for n in docs]
    assert snapshot.counts_everywhere(phrase)[docs].tolist() == expected
    assert snapshot.counts_in(phrase, docs).tolist() == expected
    assert snapshot.counts_in(phrase, docs[::-1]).tolist() == expected[::-1]
    bounds = snapshot.count_bounds(phrase)[docs].tolist()
    assert all(bound >= count for bound, count in zip(bounds, expected))
    if len(phrase) <= 2:
        assert bounds == expected  # read from the postings: exact
    assert snapshot.containing(docs, phrase) == [n for n in docs if phrase in texts[n]]


def test_a_doubled_character_is_counted_without_overlap(runs_corpus):
    snapshot, texts = runs_corpus
    docs = sorted(texts)
    for phrase in ("aa", "𨟠𨟠", "aaa", "的的"):
        counts = snapshot.counts_everywhere(phrase)[docs].tolist()
        assert counts == [texts[n].count(phrase) for n in docs]
        assert sum(counts) > 0, phrase  # the corpus has such runs: the test tests something


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_counts_of_seed_phrases_equal_str_count_at_paragraph_ends_and_in_titles(seeds_snapshot, seed_documents, data):
    texts = {}
    for docnum in seeds_snapshot.live:
        document = seeds_snapshot.document(docnum)
        texts[docnum] = next(t for name, item, t in seed_documents if (name, item) == (document.source, document.item))
    source = texts[data.draw(st.sampled_from(sorted(texts)))]
    where = data.draw(st.sampled_from(["anywhere", "paragraph end", "paragraph start", "title"]))
    lines = source.split("\n")
    if where == "anywhere":
        start = data.draw(st.integers(0, len(source) - 1))
        phrase = source[start : start + data.draw(st.integers(1, 8))].split("\n")[0]
    else:
        line = lines[0] if where == "title" else data.draw(st.sampled_from([line for line in lines if line] or [""]))
        size = data.draw(st.integers(1, 8))
        phrase = line[-size:] if where == "paragraph end" else line[:size]
    if not phrase:
        return
    docs = sorted(texts)
    assert seeds_snapshot.counts_everywhere(phrase)[docs].tolist() == [texts[n].count(phrase) for n in docs]


def _page(snapshot, q: str, per_page: int, prune_from: int) -> list[tuple[str, float]]:
    saved, Scorer.PRUNE_FROM = Scorer.PRUNE_FROM, prune_from
    try:
        return [(h.id, h.score) for h in search(snapshot, SearchRequest(q=q, per_page=per_page)).hits]
    finally:
        Scorer.PRUNE_FROM = saved


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    phrases=st.lists(st.text(alphabet="ab𨟠的", min_size=1, max_size=5), min_size=1, max_size=3),
    join=st.sampled_from([" ", " OR "]),
)
def test_a_page_ranked_by_count_bounds_equals_the_full_ranking(runs_corpus, phrases, join):
    """Counting longer phrases only while their bound can still reach the page changes no page."""
    snapshot, _ = runs_corpus
    q = join.join(f'"{p}"' for p in phrases)
    full = _page(snapshot, q, 100, prune_from=10**9)
    for per_page in (1, 2, 3, 5):
        assert _page(snapshot, q, per_page, prune_from=0) == full[:per_page]


def test_the_threshold_searches_fewer_documents_than_it_ranks(runs_corpus, monkeypatch):
    snapshot, texts = runs_corpus
    counted = []
    original = type(snapshot)._search_counts

    def searching(self, needle, at, bounds):
        counted.append(len(at))
        return original(self, needle, at, bounds)

    monkeypatch.setattr(type(snapshot), "_search_counts", searching)
    monkeypatch.setattr(Scorer, "PRUNE_FROM", 0)
    monkeypatch.setattr(Scorer, "FIRST_BATCH", 1)
    phrase = "ab"  # 2 characters: read from the postings, never searched
    search(snapshot, SearchRequest(q=f'"{phrase}"', per_page=1))
    assert counted == []
    trigrams = {t[i : i + 3] for t in texts.values() for i in range(len(t) - 2)} - {""}
    phrase = max(sorted(g for g in trigrams if "\n" not in g), key=lambda g: sum(g in t for t in texts.values()))
    matching = sum(1 for t in texts.values() if phrase in t)
    results = search(snapshot, SearchRequest(q=f'"{phrase}"', per_page=1))
    assert results.total == matching >= 8
    assert 0 < sum(counted) < matching


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phrase=st.text(alphabet=ALPHABET, min_size=3, max_size=5), within=st.booleans())
def test_verifying_a_phrase_tells_exactly_whose_title_holds_it(runs_corpus, phrase, within):
    """The title part of ranking, taken from each verifying find, equals ``in`` over the source titles
    (the search text's first line), for the whole archive and for a filtered subset."""
    from search.engines.embedded.docsets import docset
    from search.engines.embedded.evaluate import Matcher
    from search.query import Atom

    snapshot, texts = runs_corpus
    matcher = Matcher(snapshot, "exact")
    subset = docset(sorted(texts)[::2]) if within else None
    matched = sorted(matcher.atom_docs(Atom("text", phrase), within=subset))
    assert matched == sorted(n for n in (subset or texts) if phrase in texts[n])
    titled = matcher.in_title(phrase, np.array(matched, dtype=np.int64))
    assert titled is not None
    assert titled.tolist() == [phrase in texts[n].split("\n", 1)[0] for n in matched]
