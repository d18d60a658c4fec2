"""With ``--procs 1`` the per-file wall time and memory limits hold too: files are read in one worker
process, which is killed past a limit while the run goes on (issue 27, what was left: item 5)."""

from __future__ import annotations

import os
import time

import pytest

from search.engines.embedded.commit import index_paths
from search.extract.limits import current_limits

GOOD = "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n"


@pytest.fixture(autouse=True)
def fresh_limits():
    current_limits.cache_clear()
    yield
    current_limits.cache_clear()


def _folder(tmp_path, names):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(GOOD.replace("二七区", name[0] * 3), encoding="utf-8")
    return folder


def test_a_slow_file_with_one_process_is_skipped_naming_the_time_limit(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = _folder(tmp_path, ("a.txt", "slow.txt", "c.txt"))
    real = workers.read_documents

    def slow_on_one(source, data, taxonomy, *args):
        if source.source == "slow.txt":
            time.sleep(60)
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(workers, "read_documents", slow_on_one)  # the forked worker inherits it
    monkeypatch.setenv("SEARCH_LIMIT_FILE_SECONDS", "1")
    warnings = []
    started = time.monotonic()
    report = index_paths([folder], tmp_path / "ix", procs=1, warn=warnings.append)
    assert time.monotonic() - started < 30
    assert warnings == ["slow.txt: skipped, took longer than 1 s to read (limit SEARCH_LIMIT_FILE_SECONDS)"]
    assert (report.added, report.total_documents) == (["a.txt", "c.txt"], 2)


def test_a_file_taking_too_much_memory_with_one_process_is_skipped_naming_the_memory_limit(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = _folder(tmp_path, ("a.txt", "big.txt", "c.txt"))
    real = workers.read_documents

    def hoards_on_one(source, data, taxonomy, *args):
        if source.source == "big.txt":
            hoard = [bytearray(1 << 20) for _ in range(400)]  # 400 MB, touched
            time.sleep(30)
            del hoard
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(workers, "read_documents", hoards_on_one)
    monkeypatch.setenv("SEARCH_LIMIT_FILE_MEMORY_MB", "300")
    warnings = []
    report = index_paths([folder], tmp_path / "ix", procs=1, warn=warnings.append)
    assert warnings == ["big.txt: skipped, took more than 300 MB of memory to read (limit SEARCH_LIMIT_FILE_MEMORY_MB)"]
    assert (report.added, report.total_documents) == (["a.txt", "c.txt"], 2)


def test_a_single_file_with_one_process_is_read_in_a_worker_not_in_the_run(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = _folder(tmp_path, ("only.txt",))
    real = workers.read_documents
    readers = []

    def noting_the_reader(source, data, taxonomy, *args):
        readers.append(os.getpid())  # appended in the worker: the run's own list stays empty
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(workers, "read_documents", noting_the_reader)
    report = index_paths([folder], tmp_path / "ix", procs=1)
    assert (report.added, report.total_documents, readers) == (["only.txt"], 1, [])
