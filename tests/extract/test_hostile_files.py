"""Hostile files are read within limits: refused before their reader inflates them, killed past the
time and memory limits, remembered so the next run does not read them again (issue 27, item 1)."""

from __future__ import annotations

import time

import pytest

from search.engines.embedded.commit import index_paths
from search.extract import extract
from search.extract.limits import LimitExceeded, Limits, check_pdf, check_text, check_zip, current_limits
from search.ingest.limit_skips import SKIPPED_FILE
from search.ingest.pipeline import JobLimits, ordered_map
from tests.hostile_files import (
    docx_of_much_xml,
    pdf_of_a_large_stream,
    text_of_many_lines,
    zip_lying_about_sizes,
    zip_of_many_members,
)

GOOD = "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n"
RATIO = "unpacks to more than 100 times its size (limit SEARCH_LIMIT_ZIP_RATIO)"


@pytest.fixture(autouse=True)
def fresh_limits():
    current_limits.cache_clear()
    yield
    current_limits.cache_clear()


def test_docx_of_300_mb_of_xml_is_refused_before_it_is_inflated(tmp_path):
    path = docx_of_much_xml(tmp_path / "bomb.docx")
    assert 800_000 < path.stat().st_size < 1_000_000  # the probe's 916 KB file
    with pytest.raises(
        LimitExceeded, match=r"^unpacks to more than 100 times its size \(limit SEARCH_LIMIT_ZIP_RATIO\)$"
    ):
        extract(path, path.read_bytes())


def test_docx_whose_headers_understate_its_sizes_is_counted_as_it_inflates(tmp_path):
    path = zip_lying_about_sizes(tmp_path / "liar.docx")
    with pytest.raises(LimitExceeded, match="ZIP_RATIO"):
        check_zip(path.read_bytes(), Limits())


def test_a_zip_past_the_total_limit_is_refused_naming_that_limit(tmp_path):
    path = docx_of_much_xml(tmp_path / "big.docx", mb=40)
    with pytest.raises(LimitExceeded, match=r"^unpacks to more than 30 MB \(limit SEARCH_LIMIT_UNZIPPED_MB\)$"):
        check_zip(path.read_bytes(), Limits(unzipped_mb=30, ratio_floor_mb=1000))
    check_zip(path.read_bytes(), Limits(unzipped_mb=50, ratio_floor_mb=1000))  # within both: read


def test_a_zip_of_30000_members_is_refused(tmp_path):
    path = zip_of_many_members(tmp_path / "many.docx")
    with pytest.raises(LimitExceeded, match=r"^holds more than 20000 members \(limit SEARCH_LIMIT_MEMBERS\)$"):
        extract(path, path.read_bytes())


def test_pdf_with_a_100_mb_content_stream_is_refused(tmp_path):
    path = pdf_of_a_large_stream(tmp_path / "stream.pdf")
    with pytest.raises(LimitExceeded, match="^has streams that inflate to more than 100 times its size"):
        extract(path, path.read_bytes())
    check_pdf(path.read_bytes(), Limits(zip_ratio=1000, unzipped_mb=200))  # allowed more: not refused


def test_text_over_the_paragraph_or_size_limit_is_refused():
    with pytest.raises(LimitExceeded, match=r"^its text has more than 10 lines \(limit SEARCH_LIMIT_PARAGRAPHS\)$"):
        check_text("就业\n" * 10, Limits(paragraphs=10))
    check_text("就业\n" * 9, Limits(paragraphs=10))
    with pytest.raises(LimitExceeded, match=r"million characters \(limit SEARCH_LIMIT_TEXT_MB\)$"):
        check_text("就" * 1_000_001, Limits(text_mb=1))


def test_limits_are_read_from_the_environment_and_bad_values_ignored():
    limits = Limits.from_environment(
        {
            "SEARCH_LIMIT_ZIP_RATIO": "50",
            "SEARCH_LIMIT_FILE_SECONDS": "2.5",
            "SEARCH_LIMIT_MEMBERS": "lots",
            "SEARCH_LIMIT_TEXT_MB": "-1",
        }
    )
    assert (limits.zip_ratio, limits.file_seconds, limits.members, limits.text_mb) == (50, 2.5, 20_000, 64)


def test_hostile_files_are_skipped_naming_the_limit_and_the_good_ones_indexed(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    docx_of_much_xml(folder / "bomb.docx")
    pdf_of_a_large_stream(folder / "stream.pdf")
    text_of_many_lines(folder / "lines.txt")
    warnings = []
    report = index_paths([folder], tmp_path / "ix", procs=2, warn=warnings.append)
    assert sorted(warnings) == [
        f"bomb.docx: skipped, {RATIO}",
        "lines.txt: skipped, its text has more than 500000 lines (limit SEARCH_LIMIT_PARAGRAPHS)",
        "stream.pdf: skipped, has streams that inflate to more than 100 times its size (limit SEARCH_LIMIT_ZIP_RATIO)",
    ]
    assert (report.added, report.total_documents) == (["good.txt"], 1)


def test_a_skipped_file_is_not_read_again_until_it_changes(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    bomb = docx_of_much_xml(folder / "bomb.docx")
    index_paths([folder], tmp_path / "ix")
    assert (tmp_path / "ix" / SKIPPED_FILE).is_file()
    marks = tmp_path / "read.log"  # a file: the files are read in a worker process, even with one
    real = workers.read_file

    def noting(path):
        with marks.open("a") as handle:
            handle.write(f"{path}\n")
        return real(path)

    def read():
        return marks.read_text().splitlines() if marks.exists() else []

    monkeypatch.setattr(workers, "read_file", noting)
    warnings = []
    report = index_paths([folder], tmp_path / "ix", warn=warnings.append)
    assert (read(), warnings, report.added) == ([], [f"bomb.docx: skipped, {RATIO}"], [])
    docx_of_much_xml(bomb, mb=1)  # changed (and harmless now): read, and indexed
    report = index_paths([folder], tmp_path / "ix", warn=warnings.append)
    assert (len(read()), report.added, report.total_documents) == (1, ["bomb.docx"], 2)


def test_a_skipped_file_is_read_again_when_the_limits_change(tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    folder.mkdir()
    text_of_many_lines(folder / "lines.txt", lines=2_000)
    monkeypatch.setenv("SEARCH_LIMIT_PARAGRAPHS", "1000")
    current_limits.cache_clear()
    assert index_paths([folder], tmp_path / "ix").total_documents == 0
    monkeypatch.setenv("SEARCH_LIMIT_PARAGRAPHS", "5000")
    current_limits.cache_clear()
    report = index_paths([folder], tmp_path / "ix")
    assert (report.added, report.total_documents) == (["lines.txt"], 1)


def _sleeps_on_three(n: int) -> int:
    if n == 3:
        time.sleep(60)
    return n


def _grows_on_five(n: int) -> int:
    if n == 5:
        hoard = [bytearray(1 << 20) for _ in range(400)]  # 400 MB, touched
        time.sleep(30)
        return len(hoard)
    return n


def test_a_worker_past_the_time_limit_is_killed_and_replaced_and_the_job_skipped():
    started = time.monotonic()
    results = list(
        ordered_map(
            _sleeps_on_three,
            list(range(12)),
            2,
            chunk=2,
            window=2,
            limits=JobLimits(seconds=1, memory_mb=10_000),
            on_limit=lambda job, why: (job, why),
        )
    )
    assert results == [0, 1, 2, (3, "took longer than 1 s to read (limit SEARCH_LIMIT_FILE_SECONDS)"), *range(4, 12)]
    assert time.monotonic() - started < 20


def test_a_worker_past_the_memory_limit_is_killed_and_replaced_and_the_job_skipped():
    results = list(
        ordered_map(
            _grows_on_five,
            list(range(10)),
            2,
            chunk=3,
            window=1,
            limits=JobLimits(seconds=100, memory_mb=300),
            on_limit=lambda job, why: (job, why),
        )
    )
    assert results == [
        0,
        1,
        2,
        3,
        4,
        (5, "took more than 300 MB of memory to read (limit SEARCH_LIMIT_FILE_MEMORY_MB)"),
        6,
        7,
        8,
        9,
    ]


def _dies_on_four(n: int) -> int:
    if n == 4:
        import os

        os._exit(9)
    return n


def test_a_worker_that_dies_on_a_job_is_replaced_and_only_that_job_skipped():
    results = list(
        ordered_map(
            _dies_on_four,
            list(range(9)),
            2,
            chunk=2,
            window=3,
            limits=JobLimits(seconds=100, memory_mb=10_000),
            on_limit=lambda job, why: why,
        )
    )
    assert results == [0, 1, 2, 3, "its worker died while reading it (out of memory?)", 5, 6, 7, 8]


def test_a_slow_file_in_an_indexing_run_is_skipped_naming_the_time_limit(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "slow.txt", "c.txt"):
        (folder / name).write_text(GOOD.replace("二七区", name[0] * 3), encoding="utf-8")
    real = workers.read_documents

    def slow_on_one(source, data, taxonomy, *args):
        if source.source == "slow.txt":
            time.sleep(60)
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(workers, "read_documents", slow_on_one)  # the forked workers inherit it
    monkeypatch.setenv("SEARCH_LIMIT_FILE_SECONDS", "1")
    warnings = []
    report = index_paths([folder], tmp_path / "ix", procs=2, warn=warnings.append)
    assert warnings == ["slow.txt: skipped, took longer than 1 s to read (limit SEARCH_LIMIT_FILE_SECONDS)"]
    assert (report.added, report.total_documents) == (["a.txt", "c.txt"], 2)


def test_a_phrase_filling_one_document_is_counted_exactly_at_once(tmp_path):
    from search.engines.embedded.archive import Archive

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "full.txt").write_text("报告\n\n" + "稳就业稳就业，就业稳\n" * 20_000, encoding="utf-8")
    (folder / "few.txt").write_text("报告\n\n稳就业一次。稳就业两次。\n", encoding="utf-8")
    index_paths([folder], tmp_path / "ix")
    snapshot = Archive(tmp_path / "ix").snapshot()
    texts = [snapshot.search_text(n) for n in range(snapshot.size)]
    counts = snapshot.counts_everywhere("稳就业")
    assert counts.tolist() == [text.count("稳就业") for text in texts]
    assert sorted(counts.tolist()) == [2, 40_000]


def test_phrase_verification_stops_when_the_request_budget_is_spent(tmp_path):
    from search.budget import QueryTooComplex, time_budget
    from search.engines.embedded.archive import Archive

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "full.txt").write_text("报告\n\n" + "稳就业稳就业，就业稳\n" * 2_000, encoding="utf-8")
    index_paths([folder], tmp_path / "ix")
    snapshot = Archive(tmp_path / "ix").snapshot()
    with time_budget(-1), pytest.raises(QueryTooComplex):
        snapshot.counts_everywhere("稳就业")
    assert snapshot.counts_everywhere("稳就业").tolist() == [4_000]  # without a budget: counted
