"""Documents are known by their path relative to the indexed folder: a moved archive is unchanged."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.documents import find_document, original_file, sibling_documents
from search.engines.embedded.run import matching_ids
from search.query import SearchRequest

PAGE = "标题一行\n\n8月8日,二七区召开会议,部署稳就业工作。会议强调要抓好老旧小区改造。\n"


@pytest.fixture
def archive(tmp_path) -> Path:
    root = tmp_path / "mnt" / "reports"
    (root / "2020").mkdir(parents=True)
    (root / "2020" / "a.txt").write_text(PAGE, encoding="utf-8")
    (root / "b.txt").write_text(PAGE.replace("稳就业", "放管服"), encoding="utf-8")
    return root


def test_document_id_is_the_hash_of_the_path_relative_to_the_indexed_folder(archive, tmp_path):
    index_paths([archive], tmp_path / "ix")
    expected = hashlib.sha1(b"2020/a.txt").hexdigest()[:12] + "-0"
    assert matching_ids(Archive(tmp_path / "ix").snapshot(), SearchRequest(q="稳就业")) == {expected}


def test_documents_are_found_by_id_and_by_file_through_file_sig_with_nothing_posted(archive, tmp_path):
    """Whoosh holds no postings (id and path are stored only): a document is found by its id, a
    file's documents by its key, and an edited or deleted file's old documents are gone."""
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    (archive / "c.txt").write_text(
        "稳就业一\n本报讯 二七区稳就业。\n稳就业二\n本报讯 中原区稳就业。\n", encoding="utf-8"
    )
    index_paths([archive], index_dir)
    snapshot = Archive(index_dir).snapshot()
    assert list(snapshot.reader.all_terms()) == []
    a_id = hashlib.sha1(b"2020/a.txt").hexdigest()[:12] + "-0"
    found = find_document(snapshot, a_id)
    assert snapshot.document(found).source == "2020/a.txt"
    assert find_document(snapshot, a_id[:-1] + "1") is None  # no item 1 in a.txt
    assert find_document(snapshot, "0" * 12 + "-0") is None
    assert find_document(snapshot, "not-an-id") is None
    assert [d.source for d in sibling_documents(snapshot, found)] == ["2020/a.txt"]
    c_docs = sorted(snapshot.docs_of_file("c.txt"))
    assert [snapshot.document(n).item for n in c_docs] == [0, 1]
    assert sorted(snapshot.docs_of_file("2020/a.txt")) == [found]
    assert list(snapshot.docs_of_file("2020/nope.txt")) == list(snapshot.docs_of_file("")) == []
    (archive / "2020" / "a.txt").write_text(PAGE.replace("稳就业", "营商环境"), encoding="utf-8")
    (archive / "b.txt").unlink()
    index_paths([archive], index_dir)
    snapshot = Archive(index_dir).snapshot()
    assert matching_ids(snapshot, SearchRequest(q="稳就业")) == {
        hashlib.sha1(b"c.txt").hexdigest()[:12] + "-0",
        hashlib.sha1(b"c.txt").hexdigest()[:12] + "-1",
    }
    assert matching_ids(snapshot, SearchRequest(q="营商环境")) == {a_id}
    assert list(snapshot.docs_of_file("b.txt")) == []
    assert set(snapshot.live) == set(snapshot.docs_of_file("2020/a.txt")) | set(snapshot.docs_of_file("c.txt"))


def test_a_moved_archive_indexes_as_unchanged_and_keeps_ids_and_original_files(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    before = matching_ids(Archive(index_dir).snapshot(), SearchRequest(q="会议"))
    moved = tmp_path / "elsewhere" / "archive"
    moved.parent.mkdir()
    shutil.move(archive, moved)
    report = index_paths([moved], index_dir)
    assert report.summary == "+0 ~0 -0 files (2 unchanged, 0 documents written, 0 skipped); 2 documents in the index"
    snapshot = Archive(index_dir).snapshot()
    assert matching_ids(snapshot, SearchRequest(q="会议")) == before
    doc = snapshot.document(find_document(snapshot, hashlib.sha1(b"2020/a.txt").hexdigest()[:12] + "-0"))
    assert original_file(doc) == (moved / "2020" / "a.txt").resolve()
    assert [d.source for d in sibling_documents(snapshot, doc.docnum)] == ["2020/a.txt"]


def test_a_file_deleted_while_the_archive_moved_is_removed(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    moved = tmp_path / "moved"
    shutil.move(archive, moved)
    (moved / "b.txt").unlink()
    report = index_paths([moved], index_dir)
    assert (report.added, report.changed, report.removed, report.total_documents) == ([], [], ["b.txt"], 1)


def test_a_copied_archive_with_new_modification_times_is_unchanged(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    copy = tmp_path / "copy"
    shutil.copytree(archive, copy, copy_function=shutil.copyfile)  # new times
    report = index_paths([copy], index_dir)
    assert (report.added, report.changed, report.removed, report.unchanged) == ([], [], [], 2)


def test_an_unchanged_file_is_not_read_again(archive, tmp_path, monkeypatch):
    import search.engines.embedded.plan as planning

    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)

    def refuse(path):
        raise AssertionError(f"{path} was read although its size and time are as indexed")

    monkeypatch.setattr(planning, "read_file", refuse)
    report = index_paths([archive], index_dir)
    assert report.unchanged == 2


def test_a_touched_file_with_the_same_bytes_stays_unchanged_and_an_edited_one_changes(archive, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    os.utime(archive / "b.txt", ns=(1, 1))
    (archive / "2020" / "a.txt").write_text(PAGE.replace("稳就业", "营商环境"), encoding="utf-8")
    report = index_paths([archive], index_dir)
    assert (report.changed, report.unchanged) == (["2020/a.txt"], 1)


def test_two_folders_with_a_file_of_the_same_name_keep_the_first(archive, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "b.txt").write_text(PAGE.replace("稳就业", "中原科技城"), encoding="utf-8")
    warnings: list[str] = []
    report = index_paths([archive, other], tmp_path / "ix", warn=warnings.append)
    assert warnings == [
        f"{other}/b.txt: skipped, {archive} has a file of the same name "
        "(an index holds one file per name relative to its folder)"
    ]
    assert report.total_documents == 2


def test_a_warming_archive_answers_from_the_old_snapshot_until_the_new_one_is_warm(archive, tmp_path):
    import threading

    index_dir = tmp_path / "ix"
    index_paths([archive], index_dir)
    reader = Archive(index_dir)
    old = reader.snapshot()
    release, warmed = threading.Event(), []

    def warm(snapshot):
        release.wait(10)
        warmed.append(snapshot.generation)

    reader.warm_in_background(warm)
    (archive / "c.txt").write_text(PAGE.replace("稳就业", "中原科技城"), encoding="utf-8")
    index_paths([archive], index_dir)
    assert reader.snapshot() is old  # the new generation is being opened and warmed meanwhile
    release.set()
    reader._warming.join(10)
    new = reader.snapshot()
    assert warmed == [new.generation] and new.generation == old.generation + 1
    assert matching_ids(new, SearchRequest(q="中原科技城")) == {hashlib.sha1(b"c.txt").hexdigest()[:12] + "-0"}
