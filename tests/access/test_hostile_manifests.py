"""Restrictions follow the document, not the command (issue 27, items 3 and 11): a parent folder's
manifest restricts a subfolder indexed alone, into the same index (keeping ids) or a new one; a
manifest row that names no file is a warning; what cannot be determined is restricted to admins."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.access import Actor
from search.access.documents import ADMINS_ONLY
from search.access.users import UserError, UserStore
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.docsets import doc_list
from search.engines.embedded.run import matching_ids
from search.query import SearchRequest

READER = Actor("li", "reader", frozenset())
HR = Actor("wang", "reader", frozenset({"人事"}))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def parent(tmp_path) -> Path:
    folder = tmp_path / "parent"
    _write(folder / "public.txt", "二七区报告\n\n二七区部署稳就业工作。\n")
    _write(folder / "sub" / "secret2.txt", "保密报告\n\n人事考核稳就业机密。\n")
    _write(folder / "sub" / "open.txt", "公开报告\n\n金水区稳就业公开。\n")
    _write(folder / "manifest.csv", "filename,access\nsub/secret2.txt,人事\n")
    return folder


def _files(index_dir: Path) -> dict[str, tuple[str, str | None]]:
    """file key -> (document id, access) of every live document."""
    snapshot = Archive(index_dir).snapshot()
    return {
        snapshot.file_sig[n].split("\t")[0]: (snapshot.document(n).id, snapshot.access[n])
        for n in doc_list(snapshot.live)
    }


def _found(index_dir: Path, phrase: str, actor: Actor) -> int:
    from search.engines.embedded.visibility import visible_documents

    archive = Archive(index_dir)
    snapshot = archive.snapshot()
    return len(matching_ids(snapshot, SearchRequest(q=phrase), visible=visible_documents(snapshot, actor)))


def test_indexing_a_subfolder_into_the_same_index_keeps_its_ids_and_restrictions(parent, tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([parent], index_dir)
    before = _files(index_dir)
    warnings = []
    report = index_paths([parent / "sub"], index_dir, warn=warnings.append)
    assert (report.added, report.unchanged, warnings) == ([], 2, [])
    assert _files(index_dir) == before
    assert before["sub/secret2.txt"][1] == "人事"
    assert (_found(index_dir, "人事考核", READER), _found(index_dir, "人事考核", HR)) == (0, 1)


def test_indexing_a_subfolder_into_a_new_index_reads_the_parents_manifest(parent, tmp_path):
    index_dir = tmp_path / "new"
    index_paths([parent / "sub"], index_dir)
    assert {key: access for key, (_, access) in _files(index_dir).items()} == {"open.txt": None, "secret2.txt": "人事"}
    assert (_found(index_dir, "人事考核", READER), _found(index_dir, "人事考核", HR)) == (0, 1)


def test_a_parents_default_row_restricts_a_subfolder_indexed_alone(tmp_path):
    folder = tmp_path / "parent"
    _write(folder / "sub" / "a.txt", "保密报告\n\n人事考核稳就业机密。\n")
    _write(folder / "manifest.tsv", "filename\taccess\n*\t纪检\n")
    index_paths([folder / "sub"], tmp_path / "ix")
    assert _files(tmp_path / "ix")["a.txt"][1] == "纪检"


def test_a_manifest_row_naming_no_file_is_a_warning(parent, tmp_path):
    manifest = parent / "manifest.csv"
    manifest.write_text("filename,access\nsub/secret2.txt,人事\ngone.txt,人事\n", encoding="utf-8")
    warnings = []
    index_paths([parent], tmp_path / "ix", warn=warnings.append)
    assert warnings == [f"{manifest}: the row for 'gone.txt' names no file"]


def test_a_row_whose_name_differs_only_by_spaces_is_a_warning_and_the_file_admins_only(parent, tmp_path):
    manifest = parent / "manifest.csv"
    manifest.write_text("filename,access\nsub/secret 2.txt,人事\n", encoding="utf-8")
    warnings = []
    index_paths([parent], tmp_path / "ix", warn=warnings.append)
    assert warnings == [
        f"{manifest}: the row for 'sub/secret 2.txt' names no file; 'sub/secret2.txt' differs "
        "from it only by spaces and is restricted to admins until the row is fixed"
    ]
    assert _files(tmp_path / "ix")["sub/secret2.txt"][1] == ADMINS_ONLY
    assert (_found(tmp_path / "ix", "人事考核", HR), _found(tmp_path / "ix", "人事考核", READER)) == (0, 0)
    assert _found(tmp_path / "ix", "人事考核", Actor("root", "admin", frozenset())) == 1


def test_a_manifest_that_cannot_be_read_restricts_its_files_to_admins(parent, tmp_path):
    manifest = parent / "manifest.csv"
    manifest.write_bytes("filename,access\nsub/secret2.txt,人事\n".encode("gbk"))
    warnings = []
    index_paths([parent], tmp_path / "ix", warn=warnings.append)
    assert len(warnings) == 1 and warnings[0].startswith(f"{manifest}: not UTF-8 text")
    assert warnings[0].endswith("; the files it covers are restricted to admins until it is fixed")
    assert {access for _, access in _files(tmp_path / "ix").values()} == {ADMINS_ONLY}
    assert _found(tmp_path / "ix", "稳就业", HR) == 0


def test_no_user_may_be_given_the_admins_only_group(tmp_path):
    store = UserStore(tmp_path / "users.sqlite3")
    with pytest.raises(UserError, match="is not a group a user may have"):
        store.add("zhang", "correct horse", groups=f"人事,{ADMINS_ONLY}")
    store.add("zhang", "correct horse", groups="人事")
    with pytest.raises(UserError, match="is not a group a user may have"):
        store.update("zhang", groups=ADMINS_ONLY)


def test_many_rows_naming_no_file_are_warned_about_twenty_then_counted(parent, tmp_path):
    manifest = parent / "manifest.csv"
    manifest.write_text("filename,title\n" + "".join(f"gone{n:02d}.txt,标题\n" for n in range(25)), encoding="utf-8")
    warnings = []
    index_paths([parent], tmp_path / "ix", warn=warnings.append)
    assert warnings == [f"{manifest}: the row for 'gone{n:02d}.txt' names no file" for n in range(20)] + [
        f"{manifest}: 5 more rows name no file"
    ]
