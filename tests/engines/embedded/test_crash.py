"""Crash safety: an indexing run killed with SIGKILL at random moments loses and duplicates nothing."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.engines.embedded.archive import Archive, open_index
from search.engines.embedded.commit import index_paths
from search.engines.embedded.merge import clean_leftovers
from search.engines.embedded.prepare import _init_worker
from search.engines.embedded.whoosh_private import committed_segments
from search.meta import Taxonomy

KILL_TRIALS = 14
VERSION = re.compile(r"版本([0-9]+)号")


def write_file(folder: Path, name: str, version: int) -> None:
    body = "".join(f"第{i}段,本文件为版本{version}号,部署稳就业和老旧小区改造工作。" for i in range(40))
    (folder / name).write_text(f"文件{name}标题\n{body}\n", encoding="utf-8")


def version_of(text: str) -> str:
    return VERSION.search(text).group(1)


def indexed_state(index_dir: Path) -> list[tuple[str, str]]:
    """(source, version marker) of every live document, sorted; duplicates stay visible."""
    snapshot = Archive(index_dir).snapshot()
    state = []
    for n in snapshot.live:
        state.append((snapshot.document(n).source, version_of(snapshot.search_text(n))))
    return sorted(state)


def expected_state(folder: Path) -> list[tuple[str, str]]:
    state = []
    for path in folder.glob("*.txt"):
        state.append((path.name, version_of(path.read_text(encoding="utf-8"))))
    return sorted(state)


def stray_files(index_dir: Path) -> list[str]:
    """Files in the index folder that the committed generation does not use."""
    ix = open_index(index_dir)
    generation, current = committed_segments(ix)
    # VERIFIED.json: the grams files a command line found whole (search.engines.embedded.integrity)
    allowed = {
        f"_MAIN_{generation}.toc",
        "SCHEMA_VERSION",
        "ROOTS.json",
        "MAIN_WRITELOCK",
        "VERIFIED.json",
        "SKIPPED.json",
        "LIMIT_SKIPS.json",
    }
    return sorted(
        name
        for name in os.listdir(index_dir)
        if name not in allowed
        and name.split(".", 1)[0] not in current
        and not (name.startswith("dedup-") and name[6:].isdigit() and int(name[6:]) <= generation)  # search.dedup
    )


def run_index(folder: Path, index_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "search.cli.main", "index", str(folder), "--index", str(index_dir), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[3],
    )


def test_sigkill_at_random_moments_keeps_the_previous_state_and_the_next_run_completes(tmp_path):
    rng = random.Random(20261122)
    folder = tmp_path / "reports"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    versions: dict[str, int] = {}
    for i in range(60):
        versions[f"f{i:03d}.txt"] = 0
        write_file(folder, f"f{i:03d}.txt", 0)
    index_paths([folder], index_dir)
    next_name = 60

    def change_the_folder():
        """What each run applies: 40 new files, 5 changed, 5 removed."""
        nonlocal next_name
        for _ in range(40):
            name = f"f{next_name:03d}.txt"
            next_name += 1
            versions[name] = 0
            write_file(folder, name, 0)
        for name in rng.sample(sorted(versions), 5):
            versions[name] += 1
            write_file(folder, name, versions[name])
        for name in rng.sample(sorted(versions), 5):
            del versions[name]
            (folder / name).unlink()

    # How long an uninterrupted run of that size takes, start-up included.
    change_the_folder()
    started = time.monotonic()
    assert run_index(folder, index_dir).wait() == 0
    full_run = time.monotonic() - started

    outcomes = {"previous": 0, "new": 0}
    killed_alive = 0
    for trial in range(KILL_TRIALS):
        before = indexed_state(index_dir)
        assert before == expected_state(folder)
        change_the_folder()
        after = expected_state(folder)

        process = run_index(folder, index_dir)
        # Kill moments spread over the whole run, in random places, the last few past its usual end.
        time.sleep(full_run * 1.6 * (trial + rng.random()) / KILL_TRIALS)
        killed_alive += process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()

        # The index opens and answers for exactly one of the two states: never a mix, never a duplicate.
        state = indexed_state(index_dir)
        assert state in (before, after)
        outcomes["previous" if state == before else "new"] += 1

        report = index_paths([folder], index_dir)
        assert indexed_state(index_dir) == after
        assert report.total_documents == len(after)
        assert stray_files(index_dir) == []
    print(
        f"SIGKILL at {KILL_TRIALS} moments ({killed_alive} while the run was alive): "
        f"{outcomes['previous']} left the previous state, {outcomes['new']} the new one; "
        "0 lost or duplicated documents"
    )
    # Both outcomes occurred: kills landed before and after the commit.
    assert outcomes["previous"] > 0 and outcomes["new"] > 0, outcomes


@pytest.fixture
def one_file_index(tmp_path) -> tuple[Path, Path]:
    """(folder, index) of a folder holding one file, indexed."""
    folder = tmp_path / "reports"
    folder.mkdir()
    write_file(folder, "a.txt", 0)
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    return folder, index_dir


def test_leftovers_of_a_killed_run_are_deleted_by_the_next_run(one_file_index):
    folder, index_dir = one_file_index
    leftovers = ["MAIN_zz0orphan0zz.grams", "MAIN_zz0orphan0zz.trm", "MAIN_abc.grams.tmp", "_MAIN_9.toc.1732000000.5"]
    for name in leftovers:
        (index_dir / name).write_bytes(b"partial")
    # Nothing to index: the run still takes the free lock and cleans.
    report = index_paths([folder], index_dir)
    assert report.cleaned == sorted(leftovers)
    assert stray_files(index_dir) == []
    assert indexed_state(index_dir) == [("a.txt", "0")]


def test_the_writer_pool_of_a_run_killed_after_its_commit_is_deleted_by_the_next_run(one_file_index):
    folder, index_dir = one_file_index
    pool = index_dir / "MAIN.tmp"
    pool.mkdir()
    (pool / "MAIN_killed01_0.pst").write_bytes(b"pooled postings")
    report = index_paths([folder], index_dir)  # nothing to index: the lock is free, no writer is live
    assert report.cleaned == ["MAIN.tmp/"]
    assert not pool.exists()
    assert stray_files(index_dir) == []


def test_cleaning_spares_the_segment_being_written(one_file_index):
    _, index_dir = one_file_index
    (index_dir / "MAIN_inprogress01.grams").write_bytes(b"being written")
    removed = clean_leftovers(index_dir, open_index(index_dir), keep=["MAIN_inprogress01"])
    assert removed == []
    assert (index_dir / "MAIN_inprogress01.grams").exists()


PR_GET_PDEATHSIG = 2


def _parent_death_signal(_job) -> int:
    value = ctypes.c_int(0)
    ctypes.CDLL(None, use_errno=True).prctl(PR_GET_PDEATHSIG, ctypes.byref(value))
    return value.value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_indexing_workers_die_with_a_killed_run_so_its_lock_is_not_held():
    """Workers share the run's flock on the write lock; SIGKILL of the run must end them at once."""
    context = multiprocessing.get_context("fork")
    with context.Pool(2, initializer=_init_worker, initargs=(Taxonomy.load(),)) as pool:
        assert pool.map(_parent_death_signal, range(4)) == [signal.SIGKILL] * 4
