"""Bad files through `search index`: each is skipped with exactly one warning line naming it and the
reason, the good files beside it are indexed and found, and the exit status is 3."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.ingest.prepare import MAX_FILE_BYTES
from search.query import SearchRequest
from tests.conftest import ROOT
from tests.extract.test_extract import make_docx, make_pdf, make_scanned_pdf

GOOD = {
    "good.txt": "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n",
    "good.md": "# 金水区报告\n\n金水区持续深化放管服改革。\n",
}
GOOD_PHRASE = "部署稳就业工作"
MB = 1024 * 1024


def good_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def index(runner, folder: Path, index_dir: Path, *options: str):
    """Run `search index`; (exit code, warning lines, other lines)."""
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q", *options])
    lines = result.output.splitlines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    return result.exit_code, warnings, [line for line in lines if line not in warnings]


def summary(added: int, skipped: int, documents: int) -> str:
    return (
        f"+{added} ~0 -0 files (0 unchanged, {added} documents written, {skipped} skipped); "
        f"{documents} documents in the index"
    )


def query_total(runner, index_dir: Path, phrase: str) -> int:
    result = runner.invoke(main, ["query", phrase, "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["total"]


# -- the bad files: each maker puts one into the folder and returns the warnings it should cause -----


def empty(folder):
    (folder / "empty.txt").write_bytes(b"")
    return ["empty.txt: skipped, empty file"]


def binary(folder):
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    return ["image.txt: skipped, binary file"]


def truncated_pdf(folder):
    data = make_pdf([["郑东新区政府工作报告", "中原科技城建设全面提速。"]])
    (folder / "cut.pdf").write_bytes(data[: len(data) // 2])
    return ["cut.pdf: skipped, truncated PDF (no end-of-file marker)"]


def scanned_pdf(folder):
    (folder / "scan.pdf").write_bytes(make_scanned_pdf())
    return ["scan.pdf: skipped, no text even after OCR"]  # a drawing: OCR finds nothing in it


def truncated_docx(folder):
    data = make_docx([("p", "正文,稳就业。")])
    (folder / "cut.docx").write_bytes(data[: len(data) // 2])
    return ["cut.docx: skipped, not a readable .docx file (damaged or truncated?)"]


def huge(folder):
    block = ("二七区推进老旧小区改造。" * 30 + "\n").encode("utf-8")
    block = block * (MB // len(block) + 1)
    with open(folder / "huge.txt", "wb") as handle:
        handle.writelines(block[:MB] for _ in range(100))
    assert (folder / "huge.txt").stat().st_size == 100 * MB > MAX_FILE_BYTES
    return [f"huge.txt: skipped, larger than {MAX_FILE_BYTES // MB} MB, the limit for one file"]


def fifo(folder):
    os.mkfifo(folder / "pipe.txt")  # reading it would wait forever for a writer
    return ["pipe.txt: skipped, not a regular file"]


def symlink_loop(folder):
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    return ["loop-a.txt: skipped, symbolic link loop", "loop-b.txt: skipped, symbolic link loop"]


def broken_symlink(folder):
    os.symlink("gone.txt", folder / "dangling.txt")
    return ["dangling.txt: skipped, broken symbolic link (its target does not exist)"]


def folder_link_to_parent(folder):
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")
    return ["sub/up/: skipped, symbolic link to a folder (not followed)"]


def link_to_indexed_file(folder):
    os.symlink("good.txt", folder / "alias.txt")
    return ["alias.txt: skipped, symbolic link to good.txt, which is indexed"]


def file_name_not_utf8(folder):
    bad = os.path.join(os.fsencode(folder), b"bad\xff.txt")
    with open(bad, "wb") as handle:
        handle.write("巩义市报告\n\n巩义市发展铝精深加工。\n".encode())
    return [f"{bad!r}: skipped, the file name is not valid UTF-8 (rename it)"]


def folder_name_not_utf8(folder):
    bad = os.path.join(os.fsencode(folder), b"dir\xfe")
    os.mkdir(bad)
    for name in (b"one.txt", b"two.txt"):
        with open(os.path.join(bad, name), "wb") as handle:
            handle.write("登封市报告\n\n登封市发展文化旅游。\n".encode())
    return [f"{bad!r}: skipped, the folder name is not valid UTF-8 (rename it)"]


BAD_FILES = [
    empty,
    binary,
    truncated_pdf,
    scanned_pdf,
    truncated_docx,
    huge,
    fifo,
    symlink_loop,
    broken_symlink,
    folder_link_to_parent,
    link_to_indexed_file,
    file_name_not_utf8,
    folder_name_not_utf8,
]


@pytest.mark.parametrize("make_bad", BAD_FILES, ids=[f.__name__ for f in BAD_FILES])
def test_bad_file_is_skipped_with_one_warning_and_the_good_files_are_indexed(tmp_path, runner, make_bad):
    folder = good_folder(tmp_path)
    expected = make_bad(folder)
    try:
        exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    finally:
        (folder / "huge.txt").unlink(missing_ok=True)  # 100 MB: not kept in pytest's tmp folders
    assert exit_code == 3
    assert warnings == [f"warning: {w}" for w in expected]
    assert rest == [summary(added=2, skipped=len(expected), documents=2)]
    assert query_total(runner, tmp_path / "ix", GOOD_PHRASE) == 1


def test_all_bad_files_together_give_one_warning_each_and_a_summary(tmp_path, runner):
    folder = good_folder(tmp_path)
    expected = [warning for make_bad in BAD_FILES for warning in make_bad(folder)]
    try:
        exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    finally:
        (folder / "huge.txt").unlink(missing_ok=True)
    assert exit_code == 3
    assert sorted(warnings) == sorted(f"warning: {w}" for w in expected)
    assert len(warnings) == len(expected) == 14
    assert rest == [summary(added=2, skipped=14, documents=2)]
    assert query_total(runner, tmp_path / "ix", GOOD_PHRASE) == 1
    assert query_total(runner, tmp_path / "ix", "放管服") == 1


def test_a_second_run_over_bad_files_warns_again_and_writes_nothing(tmp_path, runner):
    folder = good_folder(tmp_path)
    expected = empty(folder) + symlink_loop(folder) + truncated_pdf(folder)
    index(runner, folder, tmp_path / "ix")
    exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    assert exit_code == 3
    assert sorted(warnings) == sorted(f"warning: {w}" for w in expected)
    assert rest == ["+0 ~0 -0 files (2 unchanged, 0 documents written, 4 skipped); 2 documents in the index"]


def test_only_good_files_exit_zero(tmp_path, runner):
    folder = good_folder(tmp_path)
    assert index(runner, folder, tmp_path / "ix") == (0, [], [summary(added=2, skipped=0, documents=2)])


def test_link_to_a_file_outside_the_indexed_folder_is_skipped_unless_links_are_followed(tmp_path, runner):
    folder = good_folder(tmp_path)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("中牟县报告\n\n中牟县推进都市生态农业。\n", encoding="utf-8")
    os.symlink(outside, folder / "linked.txt")
    assert index(runner, folder, tmp_path / "ix0") == (
        3,
        [
            "warning: linked.txt: skipped, symbolic link to a file outside the indexed folder (--follow-links indexes it)"
        ],
        [summary(added=2, skipped=1, documents=2)],
    )
    assert index(runner, folder, tmp_path / "ix", "--follow-links") == (
        0,
        [],
        [summary(added=3, skipped=0, documents=3)],
    )
    result = runner.invoke(main, ["query", "都市生态农业", "--index", str(tmp_path / "ix"), "--json"])
    assert [hit["source"] for hit in json.loads(result.output)["hits"]] == ["linked.txt"]


def test_folder_link_is_not_followed_so_nothing_is_indexed_twice(tmp_path, runner):
    folder = good_folder(tmp_path)
    (folder / "2020").mkdir()
    (folder / "2020" / "report.txt").write_text("惠济区报告\n\n惠济区建设黄河文化公园。\n", encoding="utf-8")
    os.symlink("2020", folder / "latest")
    exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    assert (exit_code, warnings) == (3, ["warning: latest/: skipped, symbolic link to a folder (not followed)"])
    assert rest == [summary(added=3, skipped=1, documents=3)]
    assert query_total(runner, tmp_path / "ix", "黄河文化公园") == 1


# -- permissions: the kernel must deny the read, also when the tests run as root ---------------------


def _unprivileged() -> list[str]:
    """A command prefix under which permissions are enforced: none for a normal user; for root,
    setpriv without the capabilities that let root read anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, which reads files whatever their permissions, and setpriv is missing")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_unreadable_file_folder_and_sidecar_are_skipped_with_one_warning_each(tmp_path):
    folder = good_folder(tmp_path)
    locked_file = folder / "locked.txt"
    locked_file.write_text("新密市报告\n\n新密市推进耐材产业转型升级。\n", encoding="utf-8")
    locked_folder = folder / "private"
    locked_folder.mkdir()
    (locked_folder / "inside.txt").write_text("荥阳市报告\n\n荥阳市推进河阴石榴产业。\n", encoding="utf-8")
    manifest = folder / "manifest.tsv"
    manifest.write_text("filename\tdistrict\ngood.txt\t金水区\n", encoding="utf-8")
    prefix = _unprivileged()
    locked_file.chmod(0)
    locked_folder.chmod(0)
    manifest.chmod(0)
    try:
        probe = subprocess.run(
            [*prefix, sys.executable, "-c", f"open({str(locked_file)!r}).read()"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            pytest.skip("running as root: setpriv could not take away root's right to read any file")
        result = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "search.cli.main",
                "index",
                str(folder),
                "--index",
                str(tmp_path / "ix"),
                "-q",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
    finally:
        locked_file.chmod(0o644)
        locked_folder.chmod(0o755)
        manifest.chmod(0o644)
    assert result.returncode == 3, result.stderr
    assert sorted(result.stderr.splitlines()) == sorted(
        [
            "warning: locked.txt: skipped, cannot read (Permission denied)",
            # full path, as for a bad sidecar; what it said is unknown, so its files are for admins only
            f"warning: {manifest}: skipped, cannot read (Permission denied); "
            "the files it covers are restricted to admins until it can be read",
            "warning: private/: skipped, cannot read the folder (Permission denied)",
        ]
    )
    assert result.stdout.splitlines() == [summary(added=2, skipped=3, documents=2)]


def test_files_under_a_folder_that_became_unreadable_stay_in_the_index(tmp_path):
    """Not being able to list a folder is not evidence that its files are gone."""
    folder = good_folder(tmp_path)
    private = folder / "private"
    private.mkdir()
    (private / "inside.txt").write_text("荥阳市报告\n\n荥阳市推进河阴石榴产业。\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    first = index_paths([folder], index_dir)
    assert first.total_documents == 3
    prefix = _unprivileged()
    private.chmod(0)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "search.cli.main", "index", str(folder), "--index", str(index_dir), "-q"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
    finally:
        private.chmod(0o755)
    if "cannot read the folder" not in result.stderr:
        pytest.skip("running as root: setpriv could not take away root's right to read any folder")
    assert result.returncode == 3, result.stderr
    assert result.stdout.splitlines() == [
        "+0 ~0 -0 files (2 unchanged, 0 documents written, 1 skipped); 3 documents in the index"
    ]
    found = matching_ids(Archive(index_dir).snapshot(), SearchRequest(q="河阴石榴"))
    assert len(found) == 1
