"""A saved query's "new since": from the generation each document entered the index at, not from stored ids."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive, Snapshot
from search.engines.embedded.commit import index_paths
from search.engines.embedded.entered import content_hash
from search.engines.embedded.run import matching_documents
from search.engines.embedded.saved_counts import saved_count
from search.query import SearchRequest
from search.saved.store import STORE_NAME, SavedCount, SavedQueries
from tests.web_fixtures import make_app, save, slug_of, soup

PAGE = "标题{n}\n\n二七区召开会议，部署稳就业工作，第{n}版。\n"
QUERY = SearchRequest(q="稳就业")


@pytest.fixture
def archive(tmp_path) -> Path:
    root = tmp_path / "mnt" / "reports"
    root.mkdir(parents=True)
    for n in (1, 2):
        (root / f"{n}.txt").write_text(PAGE.format(n=n), encoding="utf-8")
    (root / "other.txt").write_text("标题\n\n老旧小区改造。\n", encoding="utf-8")
    return root


@pytest.fixture
def store(tmp_path) -> SavedQueries:
    return SavedQueries(tmp_path / STORE_NAME)


def viewed(store: SavedQueries, snapshot: Snapshot, name: str = "稳就业"):
    """A saved query of QUERY, viewed at ``snapshot``'s generation."""
    saved = store.add(name, QUERY)
    store.mark_viewed(saved.slug, snapshot.generation)
    return store.get(saved.slug)


def test_each_document_carries_the_generation_that_added_it(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    first = Archive(index_dir).snapshot()
    assert first.entered.tolist() == [first.generation] * 3
    (archive / "3.txt").write_text(PAGE.format(n=3), encoding="utf-8")
    index_paths([archive], index_dir)
    second = Archive(index_dir).snapshot()
    assert second.generation == first.generation + 1
    assert sorted(second.entered.tolist()) == [first.generation] * 3 + [second.generation]


def test_a_document_added_after_a_view_is_counted_new(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    saved = viewed(store, Archive(index_dir).snapshot())
    assert saved_count(store, Archive(index_dir).snapshot(), saved) == SavedCount(total=2, new=0)
    (archive / "3.txt").write_text(PAGE.format(n=3), encoding="utf-8")
    (archive / "4.txt").write_text("标题\n\n与此无关。\n", encoding="utf-8")
    index_paths([archive], index_dir)
    assert saved_count(store, Archive(index_dir).snapshot(), saved) == SavedCount(total=3, new=1)


def test_a_changed_document_counts_as_new_again(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    saved = viewed(store, Archive(index_dir).snapshot())
    (archive / "1.txt").write_text(PAGE.format(n=1) + "补充一段。\n", encoding="utf-8")
    index_paths([archive], index_dir)
    snapshot = Archive(index_dir).snapshot()
    assert saved_count(store, snapshot, saved) == SavedCount(total=2, new=1)
    store.mark_viewed(saved.slug, snapshot.generation)
    assert saved_count(store, snapshot, store.get(saved.slug)) == SavedCount(total=2, new=0)


def test_a_removed_document_is_neither_counted_nor_new(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    saved = viewed(store, Archive(index_dir).snapshot())
    (archive / "2.txt").unlink()
    index_paths([archive], index_dir)
    assert saved_count(store, Archive(index_dir).snapshot(), saved) == SavedCount(total=1, new=0)


def test_a_moved_archive_adds_nothing_new(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    saved = viewed(store, Archive(index_dir).snapshot())
    moved = tmp_path / "elsewhere" / "archive"
    moved.parent.mkdir()
    shutil.move(archive, moved)
    assert index_paths([moved], index_dir).summary.startswith("+0 ~0 -0 ")
    assert saved_count(store, Archive(index_dir).snapshot(), saved) == SavedCount(total=2, new=0)


def test_a_rebuild_keeps_when_unchanged_files_entered(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    saved = viewed(store, Archive(index_dir).snapshot())
    moved = tmp_path / "elsewhere"
    shutil.move(archive, moved)
    (moved / "2.txt").write_text(PAGE.format(n=2) + "改过。\n", encoding="utf-8")
    index_paths([moved], index_dir, rebuild=True)
    snapshot = Archive(index_dir).snapshot()
    assert saved_count(store, snapshot, saved) == SavedCount(total=2, new=1)  # 2.txt changed; 1.txt did not


def test_entry_generations_survive_segment_merges(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    expected = {f"{n}.txt": Archive(index_dir).snapshot().generation for n in (1, 2)}
    for n in range(3, 10):  # enough small segments for the merge policy to merge them
        (archive / f"{n}.txt").write_text(PAGE.format(n=n), encoding="utf-8")
        index_paths([archive], index_dir)
        expected[f"{n}.txt"] = Archive(index_dir).snapshot().generation
    snapshot = Archive(index_dir).snapshot()
    assert len(snapshot._leaves) < 8  # merged
    got = {snapshot.document(n).source: int(snapshot.entered[n]) for n in matching_documents(snapshot, QUERY)}
    assert got == expected


def test_a_view_on_an_older_generation_does_not_make_newer_documents_new_again(archive, tmp_path, store):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    old = Archive(index_dir).snapshot()
    (archive / "3.txt").write_text(PAGE.format(n=3), encoding="utf-8")
    index_paths([archive], index_dir)
    new = Archive(index_dir).snapshot()
    saved = viewed(store, new)
    store.mark_viewed(saved.slug, old.generation)  # e.g. a server still answering from the old snapshot
    assert store.get(saved.slug).seen_generation == new.generation
    assert saved_count(store, new, store.get(saved.slug)) == SavedCount(total=3, new=0)


def test_content_hash_is_the_bytes_part_of_the_file_signature():
    assert content_hash(b"2020/a.txt\tabc123.sidecar9\t10\t99") == "abc123"
    assert content_hash("") == ""


# -- a store from before generations ---------------------------------------------------------


OLD_SCHEMA = """
CREATE TABLE saved_query (
    id INTEGER PRIMARY KEY AUTOINCREMENT, slug TEXT NOT NULL UNIQUE, owner TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL, args TEXT NOT NULL, created TEXT NOT NULL, last_viewed TEXT,
    seen_ids TEXT NOT NULL DEFAULT '[]', share_token TEXT NOT NULL UNIQUE, feed_token TEXT NOT NULL UNIQUE,
    UNIQUE (owner, name)
)
"""


def old_store(path: Path, rows: list[tuple[str, str | None, list[str]]]) -> None:
    """A saved.sqlite3 as the previous version wrote it: (name, last_viewed, seen_ids) per query."""
    with sqlite3.connect(path) as db:
        db.execute(OLD_SCHEMA)
        for n, (name, last_viewed, seen) in enumerate(rows):
            db.execute(
                "INSERT INTO saved_query (slug, owner, name, args, created, last_viewed, seen_ids, share_token, feed_token) "
                "VALUES (?, 'ann', ?, ?, '2026-01-01T00:00:00+00:00', ?, ?, ?, ?)",
                (
                    f"slug-{n}",
                    name,
                    json.dumps([["q", "稳就业"]]),
                    last_viewed,
                    json.dumps(seen),
                    f"share-token-{n:020d}",
                    f"feed-token-{n:021d}",
                ),
            )
    db.close()


def test_a_store_from_before_generations_keeps_its_queries_and_counts_by_their_ids(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    snapshot = Archive(index_dir).snapshot()
    ids = sorted(snapshot.document(n).id for n in matching_documents(snapshot, QUERY))
    path = tmp_path / STORE_NAME
    old_store(
        path,
        [
            ("一个也没看过", "2026-01-02T00:00:00+00:00", ids[:1]),
            ("全看过", "2026-01-02T00:00:00+00:00", ids),
            ("从未查看", None, []),
        ],
    )
    store = SavedQueries(path)
    queries = {s.name: s for s in store.all()}
    assert sorted(queries) == ["一个也没看过", "从未查看", "全看过"]
    assert {s.owner for s in queries.values()} == {"ann"}
    assert [s.request for s in queries.values()] == [QUERY] * 3
    assert saved_count(store, snapshot, queries["一个也没看过"]) == SavedCount(total=2, new=1)
    assert saved_count(store, snapshot, queries["从未查看"]) == SavedCount(total=2, new=2)
    assert saved_count(store, snapshot, queries["全看过"]) == SavedCount(total=2, new=0)
    # Nothing new: it now holds the generation, and a later document is counted by it.
    settled = store.get(queries["全看过"].slug)
    assert (settled.seen_generation, settled.seen_ids) == (snapshot.generation, frozenset())
    store.mark_viewed(queries["一个也没看过"].slug, snapshot.generation)
    (archive / "3.txt").write_text(PAGE.format(n=3), encoding="utf-8")
    index_paths([archive], index_dir)
    later = Archive(index_dir).snapshot()
    assert [saved_count(store, later, s).new for s in store.all()] == [1, 3, 1]


# -- the oracle: ids and versions remembered at each view ---------------------------------------------


STEPS = st.lists(
    st.tuples(st.sampled_from(["add", "change", "remove", "view", "move"]), st.integers(0, 3)), min_size=1, max_size=6
)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_new_since_equals_the_matches_not_seen_at_the_last_view(tmp_path_factory, steps):
    """Oracle: at each view remember (file, version) of every match; new = matches now not remembered."""
    base = tmp_path_factory.mktemp("oracle")
    root, index_dir = base / "a", base / "ix"
    root.mkdir()
    store = SavedQueries(base / STORE_NAME)
    saved = store.add("q", QUERY)
    versions: dict[int, int] = {}
    seen: set[tuple[int, int]] | None = None
    counter = 0
    for action, n in [("add", 0), *steps]:
        counter += 1
        path = root / f"{n}.txt"
        if action == "view":
            snapshot = Archive(index_dir).snapshot()
            store.mark_viewed(saved.slug, snapshot.generation)
            seen = set(versions.items())
            continue
        if action == "move":
            moved = base / f"m{counter}"
            shutil.move(root, moved)
            root = moved
        elif action == "remove":
            path.unlink(missing_ok=True)
            versions.pop(n, None)
        else:  # add or change: a new version of the file (every one matches the query)
            path.write_text(PAGE.format(n=f"{n}-{counter}"), encoding="utf-8")
            versions[n] = counter
        index_paths([root], index_dir)
    snapshot = Archive(index_dir).snapshot()
    expected_new = len(versions) if seen is None else len(set(versions.items()) - seen)
    assert saved_count(store, snapshot, store.get(saved.slug)) == SavedCount(total=len(versions), new=expected_new)


# -- the web page ------------------------------------------------------------------------------


def test_the_saved_page_reads_no_stored_field_to_count(archive, tmp_path, monkeypatch):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    for name, args in [("稳就业", "q=稳就业"), ("旧改", "q=老旧小区"), ("全部", "q=")]:
        save(client, name, args)
    client.get(f"/saved/{slug_of(client, '稳就业')}")  # viewed once, then a new document
    (archive / "3.txt").write_text(PAGE.format(n=3), encoding="utf-8")
    index_paths([archive], index_dir)
    reads = []
    original = Snapshot.document

    def counting(self, docnum):
        reads.append(docnum)
        return original(self, docnum)

    monkeypatch.setattr(Snapshot, "document", counting)
    page = soup(client.get("/saved"))
    assert reads == []
    rows = {row.select_one("a.saved-link").get_text(): row for row in page.select("tr[id^=saved-]")}
    counts = {
        name: (row.select_one(".total").get_text(), row.select_one(".new").get_text(strip=True))
        for name, row in rows.items()
    }
    assert counts == {"稳就业": ("3", "1 篇新"), "旧改": ("1", "1 篇新"), "全部": ("4", "4 篇新")}
