"""Incremental indexing, schema versions, locks and bad files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from search.cli.main import main
from search.engines.embedded.archive import VERSION_FILE, Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.errors import SearchError
from search.ingest.prepare import decode
from search.query import SearchRequest
from tests.conftest import SEEDS

PAGE = "标题一行\n\n8月8日,二七区召开会议,部署稳就业工作。会议强调要抓好老旧小区改造。\n"


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "reports"
    root.mkdir()
    (root / "a.txt").write_text(PAGE, encoding="utf-8")
    (root / "b.txt").write_text(PAGE.replace("稳就业", "放管服"), encoding="utf-8")
    return root


def ids(index_dir, q):
    return matching_ids(Archive(index_dir).snapshot(), SearchRequest(q=q))


def test_second_run_with_no_change_writes_nothing(folder, tmp_path):
    index_dir = tmp_path / "ix"
    first = index_paths([folder], index_dir)
    second = index_paths([folder], index_dir)
    assert (len(first.added), first.documents_written) == (2, 2)
    assert (second.added, second.changed, second.removed, second.unchanged) == ([], [], [], 2)
    assert second.summary == "+0 ~0 -0 files (2 unchanged, 0 documents written, 0 skipped); 2 documents in the index"


def test_a_run_with_nothing_to_do_commits_no_new_generation(folder, tmp_path):
    from search.engines.embedded.archive import latest_generation

    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    before = latest_generation(index_dir)
    report = index_paths([folder], index_dir)
    assert (report.unchanged, report.total_documents) == (2, 2)
    assert latest_generation(index_dir) == before


def test_new_changed_and_removed_files_are_picked_up(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (folder / "c.txt").write_text(PAGE.replace("稳就业", "中原科技城"), encoding="utf-8")
    (folder / "a.txt").write_text(PAGE.replace("稳就业", "营商环境"), encoding="utf-8")
    (folder / "b.txt").unlink()
    report = index_paths([folder], index_dir)
    assert (report.added, report.changed, len(report.removed)) == (["c.txt"], ["a.txt"], 1)
    assert report.summary.startswith("+1 ~1 -1 files")
    assert len(ids(index_dir, "稳就业")) == 0
    assert len(ids(index_dir, "放管服")) == 0
    assert len(ids(index_dir, "营商环境")) == 1
    assert len(ids(index_dir, "中原科技城")) == 1
    assert len(ids(index_dir, "会议")) == 2


def test_changing_the_sidecar_reindexes_the_file(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (folder / "manifest.tsv").write_text("filename\tdistrict\tdate\na.txt\t金水区\t2021-08-08\n", encoding="utf-8")
    report = index_paths([folder], index_dir)
    assert report.changed == ["a.txt"]
    assert len(ids(index_dir, "district:金水区")) == 1


def test_indexing_another_folder_keeps_the_first(folder, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "z.txt").write_text(PAGE, encoding="utf-8")
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    report = index_paths([other], index_dir)
    assert (report.added, report.removed, report.total_documents) == (["z.txt"], [], 3)


def test_rebuild_starts_clean(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    report = index_paths([folder], index_dir, rebuild=True)
    assert (len(report.added), report.total_documents) == (2, 2)


def test_empty_binary_and_undecodable_files_are_skipped_with_one_warning_each(folder, tmp_path):
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (folder / "gbk.txt").write_bytes("郑东新区稳就业工作会议召开".encode("gbk"))
    warnings = []
    report = index_paths([folder], tmp_path / "ix", warn=warnings.append)
    assert sorted(warnings) == ["blob.txt: skipped, binary file", "empty.txt: skipped, empty file"]
    assert sorted(report.added) == ["a.txt", "b.txt", "gbk.txt"]
    assert len(ids(tmp_path / "ix", "郑东新区稳就业")) == 1


def test_a_changed_file_that_became_unreadable_keeps_its_indexed_version(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (folder / "a.txt").write_bytes(b"")
    report = index_paths([folder], index_dir)
    assert report.warnings == ["a.txt: skipped, empty file"]
    assert len(ids(index_dir, "稳就业")) == 1


def test_decode_detects_gbk_utf16_and_bom():
    text = "中原区老旧小区改造"
    assert decode(text.encode("gb18030")) == (text, "gb18030")
    assert decode(text.encode("utf-16")) == (text, "utf-16")
    assert decode("\ufeff".encode() + text.encode()) == (text, "utf-8")


def test_index_of_another_schema_version_asks_for_a_rebuild(folder, tmp_path, runner):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (index_dir / VERSION_FILE).write_text("0\n")
    with pytest.raises(SearchError) as err:
        Archive(index_dir)
    assert err.value.hint == "rebuild it with `search index --rebuild`"
    result = runner.invoke(main, ["query", "x", "--index", str(index_dir)])
    assert result.exit_code == 1
    assert "schema version 0" in result.output and "search index --rebuild" in result.output


def test_an_index_whose_stored_schema_names_a_field_class_that_is_gone_asks_for_a_rebuild(
    folder, tmp_path, runner, monkeypatch
):
    """An index from an older version pickles field classes this version no longer has
    (schema 3 had CharGramField): every command says "rebuild", and --rebuild works."""
    from whoosh import fields
    from whoosh import index as whoosh_index

    import search.engines.embedded.schema

    class OldField(fields.ID):
        pass

    OldField.__module__, OldField.__qualname__ = "search.engines.embedded.schema", "OldField"
    monkeypatch.setattr(search.engines.embedded.schema, "OldField", OldField, raising=False)
    index_dir = tmp_path / "ix"
    index_dir.mkdir()
    whoosh_index.create_in(str(index_dir), fields.Schema(id=fields.ID(stored=True), grams=OldField()), indexname="MAIN")
    (index_dir / VERSION_FILE).write_text("3\n")
    monkeypatch.delattr(search.engines.embedded.schema, "OldField")

    for command in (["query", "x"], ["index", str(folder)], ["stats"]):
        result = runner.invoke(main, [*command, "--index", str(index_dir)])
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[-1] == "hint: rebuild it with `search index --rebuild`"
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "--rebuild"])
    assert result.exit_code == 0, result.output
    assert len(ids(index_dir, "稳就业")) == 1


def test_second_writer_is_refused_while_the_first_holds_the_lock(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    lock = FileStorage(str(index_dir)).lock("MAIN_WRITELOCK")
    assert lock.acquire(blocking=False)
    try:
        (folder / "c.txt").write_text(PAGE, encoding="utf-8")
        with pytest.raises(SearchError, match="another indexing run is in progress"):
            index_paths([folder], index_dir)
        with pytest.raises(SearchError, match="another indexing run is in progress"):
            index_paths([folder], index_dir, rebuild=True)
    finally:
        lock.release()
    assert len(ids(index_dir, "会议")) == 2


def test_cli_index_reports_and_exits_non_zero_on_skipped_files(folder, tmp_path, runner):
    (folder / "empty.txt").write_bytes(b"")
    result = runner.invoke(main, ["index", str(folder), "--index", str(tmp_path / "ix"), "-q"])
    assert result.exit_code == 3
    assert "warning: empty.txt: skipped, empty file" in result.output
    assert "+2 ~0 -0 files" in result.output


def test_cli_errors_are_one_clear_line(tmp_path, runner):
    result = runner.invoke(main, ["query", "x", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"error: no index in {tmp_path / 'nowhere'}"
    result = runner.invoke(main, ["index", str(tmp_path / "missing"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_stats_counts_documents_and_files(runner, seeds_index):
    result = runner.invoke(main, ["stats", "--index", str(seeds_index), "--json"])
    assert result.exit_code == 0
    import json

    stats = json.loads(result.output)
    assert (stats["documents"], stats["files"]) == (8, 5)


def test_every_command_has_help(runner):
    for command in ([], ["index"], ["query"], ["stats"]):
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_rebuild_replaces_an_index_of_another_schema_version(folder, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (index_dir / VERSION_FILE).write_text("0\n")
    report = index_paths([folder], index_dir, rebuild=True)
    assert report.total_documents == 2
    assert (index_dir / VERSION_FILE).read_text().strip() != "0"


@pytest.mark.parametrize("rebuild", [False, True])
def test_interrupted_run_leaves_the_previous_generation_searchable(folder, tmp_path, monkeypatch, rebuild):
    import search.engines.embedded.prepare as ingest

    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (folder / "c.txt").write_text(PAGE.replace("稳就业", "中原科技城"), encoding="utf-8")
    (folder / "a.txt").write_text(PAGE.replace("稳就业", "营商环境"), encoding="utf-8")
    real = ingest.read_documents
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(ingest, "read_documents", interrupted)
    with pytest.raises(KeyboardInterrupt):
        index_paths([folder], index_dir, rebuild=rebuild)
    monkeypatch.setattr(ingest, "read_documents", real)
    assert len(ids(index_dir, "稳就业")) == 1
    assert len(ids(index_dir, "会议")) == 2
    report = index_paths([folder], index_dir)
    assert report.total_documents == 3
    assert len(ids(index_dir, "会议")) == 3
    assert [p.name for p in index_dir.iterdir() if p.suffix == ".tmp" or p.name.endswith("_WRITELOCK.tmp")] == []


def test_file_name_that_is_not_utf8_is_skipped_with_a_warning(folder, tmp_path):
    import os

    bad = os.path.join(os.fsencode(folder), b"\xff\xfe-report.txt")
    with open(bad, "wb") as handle:
        handle.write(PAGE.encode("utf-8"))
    warnings = []
    report = index_paths([folder], tmp_path / "ix", warn=warnings.append)
    assert warnings == [f"{bad!r}: skipped, the file name is not valid UTF-8 (rename it)"]
    assert report.total_documents == 2


def test_two_indexing_processes_build_the_same_index_as_one(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    index_paths([SEEDS], one, procs=1)
    report = index_paths([SEEDS], two, procs=2)
    assert report.total_documents == 8
    for q in ("中原科技城", "就业", "本报讯", "5G", "district:中原区", '"突出重点 担当作为"'):
        assert ids(one, q) == ids(two, q)


def test_a_run_that_commits_between_our_comparison_and_our_lock_adds_nothing_twice(folder, tmp_path, monkeypatch):
    import search.engines.embedded.plan as planning

    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (folder / "c.txt").write_text(PAGE.replace("稳就业", "中原科技城"), encoding="utf-8")
    real_plan = planning.compare
    raced = []

    def plan_then_let_another_run_commit(*args, **kwargs):
        plan = real_plan(*args, **kwargs)
        if not raced:
            raced.append(True)
            other = index_paths([folder], index_dir)  # the other run plans and commits c.txt
            assert other.added == ["c.txt"]
        return plan

    monkeypatch.setattr(planning, "compare", plan_then_let_another_run_commit)
    report = index_paths([folder], index_dir)
    # Our comparison said c.txt was new; after taking the lock we saw the new generation and compared again.
    assert (report.added, report.unchanged, report.total_documents) == ([], 3, 3)
    assert len(ids(index_dir, "中原科技城")) == 1


def _numbered_files(folder: Path, count: int):
    from search.ingest import discover

    folder.mkdir()
    for n in range(count):
        (folder / f"{n:03d}.txt").write_text(f"第{n}号文件\n正文{n}。\n", encoding="utf-8")
    return discover([folder], lambda message: None)


def test_workers_run_at_most_a_window_ahead_of_a_slow_writer(tmp_path, monkeypatch):
    import time

    from search.engines.embedded import prepare as workers
    from search.meta import Taxonomy

    marks = tmp_path / "prepared"
    marks.mkdir()
    real = workers.prepare

    def marking(source, taxonomy=None):  # runs in the forked workers: a file per job prepared
        (marks / source.source).touch()
        return real(source, taxonomy)

    monkeypatch.setattr(workers, "prepare", marking)
    monkeypatch.setattr(workers, "WINDOW_CHUNKS", 1)
    prepared = workers.prepared_files(_numbered_files(tmp_path / "docs", 120), Taxonomy.load(), 2)
    first = next(prepared)
    time.sleep(1.5)  # the writer is busy; unbounded, the workers would prepare all 120 tiny files by now
    # a chunk in each worker's hand, and the one sent when the first result was read
    assert len(list(marks.iterdir())) <= (2 + 1) * workers.CHUNK
    rest = list(prepared)
    assert [p.source.source for p in [first, *rest]] == [f"{n:03d}.txt" for n in range(120)]
    assert len(list(marks.iterdir())) == 120


def _fails_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n * n


def _dies_on_three(n: int) -> int:
    if n == 3:
        import os

        os._exit(9)
    return n


def test_ordered_map_gives_results_in_order_and_raises_a_workers_failure_or_death():
    from search.ingest.pipeline import WorkerDied, ordered_map

    assert list(ordered_map(abs, list(range(-50, 50)), 2, chunk=3, window=2)) == [abs(n) for n in range(-50, 50)]
    assert list(ordered_map(abs, [], 2, chunk=3, window=2)) == []
    results = ordered_map(_fails_on_three, list(range(10)), 2, chunk=2, window=1)
    assert [next(results), next(results)] == [0, 1]  # the chunk [2, 3] fails as a whole
    with pytest.raises(RuntimeError, match="ValueError: three"):
        next(results)
    with pytest.raises(WorkerDied, match="ended without answering"):
        list(ordered_map(_dies_on_three, list(range(10)), 2, chunk=2, window=1))


def _echo(job: str) -> str:
    return job


def test_large_tasks_and_results_with_a_wide_window_never_deadlock():
    """Chunks and answers bigger than the pipes hold, many in flight: the writer never blocks on a
    worker's full task pipe while that worker blocks on its full result pipe (the writer reads
    the workers' answers in turn).  Seen hanging before the writer counted the bytes in flight."""
    import signal

    from search.ingest.pipeline import ordered_map

    jobs = [f"{n:06d}" + "文" * 7_000 for n in range(300)]  # 21 KB each (a chunk 168 KB), tasks and answers alike

    def hung(signum, frame):
        raise TimeoutError("ordered_map deadlocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    try:
        results = list(ordered_map(_echo, jobs, 2, chunk=8, window=32))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [r[:6] for r in results] == [f"{n:06d}" for n in range(300)]
    assert results == jobs


def _logged_slowly(job: tuple) -> str:
    import time

    log, name = job
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"prepare {name}\n")
    time.sleep(0.02)
    return name


def _log_prefetch(chunk: list) -> None:
    if chunk[0][1] == "j12":
        raise OSError("advice may fail")  # ignored: the chunk is still prepared
    with open(chunk[0][0], "a", encoding="utf-8") as handle:
        handle.write("prefetch " + " ".join(name for _, name in chunk) + "\n")


def test_a_worker_prefetches_the_next_chunk_while_it_prepares_the_current_one(tmp_path):
    """The look-ahead: a worker hands the chunk waiting in its pipe to ``prefetch`` (on its own
    thread) before it prepares the chunk in hand; results keep the jobs' order, and a failing
    prefetch changes nothing."""
    from search.ingest.pipeline import ordered_map

    logs = [str(tmp_path / f"worker{w}.log") for w in range(2)]
    # chunk c (jobs 2c and 2c + 1) goes to worker c % 2, which logs to its own file
    jobs = [(logs[(n // 2) % 2], f"j{n}") for n in range(32)]
    results = list(ordered_map(_logged_slowly, jobs, 2, chunk=2, window=8, prefetch=_log_prefetch))
    assert results == [name for _, name in jobs]
    for worker, log in enumerate(logs):
        lines = (tmp_path / f"worker{worker}.log").read_text(encoding="utf-8").splitlines()
        chunks = list(range(worker, 16, 2))
        assert [line for line in lines if line.startswith("prepare")] == [
            f"prepare j{n}" for c in chunks for n in (2 * c, 2 * c + 1)
        ]
        for previous, chunk in zip(chunks[1:], chunks[2:]):  # a worker's first two may race its start
            if chunk == 6:
                assert "prefetch j12 j13" not in lines
                continue
            # prefetched before the chunk before it was done (its second job's prepare)
            assert lines.index(f"prefetch j{2 * chunk} j{2 * chunk + 1}") < lines.index(f"prepare j{2 * previous + 1}")


def test_read_ahead_neither_blocks_on_a_named_pipe_nor_fails_on_a_missing_file(tmp_path):
    import signal

    from search.ingest.discover import SourceFile
    from search.ingest.prepare import read_ahead

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    plain = tmp_path / "plain.txt"
    plain.write_text("老旧小区改造", encoding="utf-8")
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("blocked")))
    signal.alarm(10)
    try:
        read_ahead([SourceFile(str(p), p.name, ()) for p in (fifo, tmp_path / "gone.txt", plain)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert plain.read_text(encoding="utf-8") == "老旧小区改造"


def test_a_run_that_stops_reading_early_closes_its_workers(tmp_path, monkeypatch):
    import threading

    from search.engines.embedded import prepare as workers
    from search.meta import Taxonomy

    monkeypatch.setattr(workers, "WINDOW_CHUNKS", 1)
    prepared = workers.prepared_files(_numbered_files(tmp_path / "docs", 100), Taxonomy.load(), 2)
    next(prepared)
    closing = threading.Thread(target=prepared.close)  # what an exception in the writer does
    closing.start()
    closing.join(timeout=60)
    assert not closing.is_alive()
