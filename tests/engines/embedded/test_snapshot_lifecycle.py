"""A server's snapshots: a new generation is warmed before requests get it; an old one closes when its last request ends."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest

from search.engines.embedded.archive import Archive, Snapshot
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import all_hits, warm_up
from search.query import SearchRequest
from tests.web_fixtures import make_app, soup, total_shown

PAGE = "新增报告\n\n老旧小区改造又有新进展。\n"


def maps_closed(snapshot: Snapshot) -> bool:
    return all(part.map is None or part.map.closed for part in snapshot._parts)


def commit_a_new_document(folder: Path, index_dir: Path, name: str = "new.txt") -> None:
    (folder / name).write_text(PAGE, encoding="utf-8")
    index_paths([folder], index_dir)


def test_a_streamed_export_started_on_the_old_snapshot_finishes_on_it_after_a_commit(writable_seeds, tmp_path):
    folder, index_dir = writable_seeds
    app = make_app(index_dir, tmp_path / "saved.sqlite3")
    old = app.extensions["engine"].archive.snapshot()
    expected = [hit.title for hit in all_hits(old, SearchRequest(q="老旧小区"))]
    client = app.test_client()
    export = client.get("/search.csv?q=老旧小区", buffered=False)
    chunks = export.iter_encoded()
    # Made whole on the old snapshot before it is sent (web.spooled); it is sent after the commit.
    first = next(chunks)
    assert first.startswith("\ufeff".encode())
    commit_a_new_document(folder, index_dir)
    assert total_shown(soup(client.get("/search?q=老旧小区"))) == len(expected) + 1  # a later request: the new one
    assert app.extensions["engine"].archive.snapshot() is not old
    rows = list(csv.reader(io.StringIO((first + b"".join(chunks)).decode("utf-8"))))
    assert [row[1] for row in rows[1:]] == expected  # (标题) the old snapshot's rows, received after the commit
    export.close()
    assert maps_closed(old)


def test_a_replaced_snapshot_closes_when_its_last_holder_releases_it(writable_seeds):
    folder, index_dir = writable_seeds
    archive = Archive(index_dir)
    first, second = archive.acquire(), archive.acquire()
    assert first is second
    commit_a_new_document(folder, index_dir)
    with archive.lease() as new:
        assert new is not first and new.generation == first.generation + 1
        archive.release(first)
        assert not maps_closed(first)  # one request still holds it
        archive.release(second)
        assert maps_closed(first)
    assert not maps_closed(new)  # released, but it is the current one
    commit_a_new_document(folder, index_dir, "newer.txt")
    newest = archive.snapshot()
    assert newest is not new and maps_closed(new)  # nobody held it: closed when replaced


@pytest.fixture
def warming(writable_seeds):
    """An archive whose warm-up runs step by step: it waits at ``gate`` until the test opens it."""
    folder, index_dir = writable_seeds
    archive = Archive(index_dir)
    gate, started, warmed = threading.Event(), threading.Event(), []

    def warm(snapshot):
        started.set()
        assert gate.wait(10)
        warm_up(snapshot)
        warmed.append(snapshot)

    archive.warm_in_background(warm)
    return archive, folder, index_dir, gate, started, warmed


def test_requests_never_see_a_half_warmed_snapshot(warming):
    archive, folder, index_dir, gate, started, warmed = warming
    old = archive.acquire()
    archive.release(old)
    commit_a_new_document(folder, index_dir)
    with archive.lease() as during:  # starts the warm-up and answers from the old snapshot
        assert started.wait(10)
        assert during is old
        with archive.lease() as again:  # the warm-up is stopped at the gate: still the old one
            assert again is old and warmed == []
        gate.set()
        archive._warming.join(10)
        assert len(warmed) == 1 and not maps_closed(old)  # the request in flight keeps it open
        with archive.lease() as after:
            assert after is warmed[0] and after.generation == old.generation + 1
            assert "titles" in after._derived and "district" in after.__dict__  # warm before handed out
    assert maps_closed(old)


def test_a_failed_warm_up_keeps_the_old_snapshot_and_closes_the_new_one(writable_seeds):
    folder, index_dir = writable_seeds
    archive = Archive(index_dir)
    old = archive.snapshot()
    failed = []

    def broken(snapshot):
        failed.append(snapshot)
        raise RuntimeError("disk on fire")

    archive.warm_in_background(broken)
    commit_a_new_document(folder, index_dir)
    with archive.lease() as during:
        assert during is old
    archive._warming.join(10)
    assert len(failed) == 1 and maps_closed(failed[0])
    with archive.lease() as still:
        assert still is old and not maps_closed(old)  # and the next request tried again
    archive._warming.join(10)
    archive.warm_in_background(warm_up)
    with archive.lease():
        pass
    archive._warming.join(10)
    with archive.lease() as fixed:
        assert fixed.generation == old.generation + 1
    assert maps_closed(old)


# -- the grams checksums: checked while a server warms a generation --------------------------------


def damage_newest_grams(index_dir: Path) -> Path:
    """Flip a bit of the last text byte of the newest grams file (its tables stay whole: it still opens)."""
    newest = max(index_dir.glob("*.grams"), key=lambda p: p.stat().st_mtime_ns)
    data = bytearray(newest.read_bytes())
    data[-1] ^= 1
    newest.write_bytes(bytes(data))
    return newest


def test_a_damaged_generation_is_refused_and_the_old_snapshot_goes_on_answering(writable_seeds, caplog):
    folder, index_dir = writable_seeds
    archive = Archive(index_dir)
    old = archive.snapshot()
    warmed = []
    archive.warm_in_background(warmed.append)
    commit_a_new_document(folder, index_dir)
    damaged = damage_newest_grams(index_dir)
    with archive.lease() as during:
        assert during is old
    archive._warming.join(10)
    attempt = archive._warming
    assert warmed == []
    assert f"{damaged.name} is damaged (checksum)" in caplog.text and "search index --rebuild" in caplog.text
    with archive.lease() as still:
        assert still is old and not maps_closed(old)
        assert still.containing([0], "")  # answers from the old maps
    assert archive._warming is attempt  # the damaged generation is not read again on every request


def test_serve_refuses_a_damaged_index_with_the_hint_to_rebuild(writable_seeds):
    from click.testing import CliRunner

    from search.cli.main import main

    _, index_dir = writable_seeds
    damaged = damage_newest_grams(index_dir)
    result = CliRunner().invoke(main, ["serve", "--index", str(index_dir), "--port", "0"])
    assert result.exit_code == 1
    assert f"is damaged: {damaged.name} is damaged (checksum)" in result.output
    assert "rebuild it with `search index --rebuild`" in result.output


def test_a_held_snapshot_reads_documents_and_columns_after_a_commit_merged_its_segments_away(tmp_path):
    root, index_dir = tmp_path / "docs", tmp_path / "ix"
    root.mkdir()
    for n in range(6):  # six commits: six small segments
        (root / f"{n}.txt").write_text(f"标题{n}\n\n稳就业第{n}版。\n", encoding="utf-8")
        index_paths([root], index_dir)
    archive = Archive(index_dir)
    old = archive.acquire()
    held = {p.name for p in index_dir.iterdir() if p.name.endswith(".col")}
    for n in range(6, 20):  # until a commit merges the held snapshot's segments away (deleting their files)
        (root / f"{n}.txt").write_text(f"标题{n}\n\n稳就业第{n}版。\n", encoding="utf-8")
        index_paths([root], index_dir)
        if not all((index_dir / name).exists() for name in held):
            break
    assert not any((index_dir / name).exists() for name in held)
    with archive.lease() as new:
        assert new is not old and new.size > old.size
    assert sorted(old.document(n).title for n in range(old.size)) == [f"标题{n}" for n in range(6)]
    assert [old.district[n] for n in range(old.size)] == [None] * 6
    assert old.file_sig.load()[0].startswith(old.document(0).source + "\t")
    assert len(set(old.entered.tolist())) == 6
    archive.release(old)
    assert maps_closed(old)


def test_a_long_computation_of_one_derived_value_does_not_hold_up_another(seeds_index):
    """The suggestions take seconds to build on a big archive: meanwhile a request computing
    another per-snapshot value (or reading a cached one) goes on."""
    import threading

    from search.engines.embedded.archive import Archive

    snapshot = Archive(seeds_index).snapshot()
    first_id = snapshot.document(0).id
    building, release = threading.Event(), threading.Event()

    def slow():
        building.set()
        release.wait(10)
        return "slow"

    worker = threading.Thread(target=snapshot.cached, args=("slow value", slow))
    worker.start()
    assert building.wait(10)
    meanwhile: dict = {}

    def request():
        meanwhile["quick"] = snapshot.cached("quick value", lambda: 42)
        meanwhile["document"] = snapshot.document(0).id  # the snapshot's own lock is free too

    try:
        other = threading.Thread(target=request)
        other.start()
        other.join(5)
        assert meanwhile == {"quick": 42, "document": first_id}
    finally:
        release.set()
        worker.join(10)
    assert snapshot.cached("slow value", lambda: "computed twice") == "slow"
