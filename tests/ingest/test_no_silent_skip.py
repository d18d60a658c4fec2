"""No file is ever silently ignored: each is indexed or named in a warning, counted, listed in
`search stats` per format, and on the administrators' 未能读取的文件 page."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.access.users import UserStore
from search.cli.main import main
from search.engines.embedded.commit import index_paths
from search.ingest.skipped import SkippedFile, from_warnings, read_skipped
from tests.web_fixtures import csrf_token, make_app, soup

REPORT = "郑东新区政府工作报告\n\n2020年，郑东新区推进老旧小区改造，持续深化放管服改革。\n"


def every_unusable_kind(folder: Path) -> dict[str, str]:
    """A folder of every unsupported and broken kind beside two good files: name -> the reason expected."""
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(REPORT, encoding="utf-8")
    (folder / "sub" / "gbk.txt").write_bytes(REPORT.encode("gbk"))
    expected = {
        "photo.jpg": "not a readable image (damaged or truncated?)",
        "clip.mp4": "unsupported file type .mp4",
        "sub/drawing.dwg": "unsupported file type .dwg",
        "README": "unsupported file type (no suffix)",
        "empty.txt": "empty file",
        "blank.docx": "empty file",
        "truncated.pdf": "not a PDF file",
        "damaged.docx": "not a readable .docx file (damaged or truncated?)",
        "binary.txt": None,  # its reason is the decoder's; named all the same
    }
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(200))
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(100))
    (folder / "sub" / "drawing.dwg").write_bytes(b"AC1027" + os.urandom(100))
    (folder / "README").write_text("见各文件", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.docx").write_bytes(b"  \n")
    (folder / "truncated.pdf").write_bytes(b"garbage, not a pdf")
    (folder / "damaged.docx").write_bytes(zipfile.ZipFile.__doc__.encode()[:10] + b"PK\x03\x04broken")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    return expected


def all_files(folder: Path) -> set[str]:
    """Every file a person sees in the folder (hidden files and manifests are not documents)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.name not in ("manifest.tsv", "manifest.csv")
    }


def test_every_file_is_indexed_or_named_in_a_warning_with_its_reason(tmp_path):
    folder = tmp_path / "office"
    expected = every_unusable_kind(folder)
    (folder / ".hidden").write_text("not a document", encoding="utf-8")
    warnings: list[str] = []
    report = index_paths([folder], tmp_path / "index", warn=warnings.append)
    warned = {entry.source: entry.reason for entry in from_warnings(warnings)}
    indexed = set(report.added)
    assert indexed == {"good.txt", "sub/gbk.txt"}
    assert indexed | set(warned) == all_files(folder)
    assert indexed.isdisjoint(warned)
    for name, reason in expected.items():
        if reason is not None:
            assert warned[name] == reason, name
    assert report.summary == (
        f"+2 ~0 -0 files (0 unchanged, 2 documents written, {len(expected)} skipped); 2 documents in the index"
    )


def test_a_folder_of_only_unsupported_files_says_so_and_exits_3(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    for name in ("通知.xyz", "意见.abc"):
        (folder / name).write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(tmp_path / "index")])
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "warning: 意见.abc: skipped, unsupported file type .abc",
        "warning: 通知.xyz: skipped, unsupported file type .xyz",
        "+0 ~0 -0 files (0 unchanged, 0 documents written, 2 skipped); 0 documents in the index",
    ]


def test_skipped_files_are_recorded_and_a_fixed_file_leaves_the_record(tmp_path):
    folder = tmp_path / "office"
    every_unusable_kind(folder)
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    assert {entry.source for entry in read_skipped(index_dir)} == all_files(folder) - {"good.txt", "sub/gbk.txt"}
    assert {entry.root for entry in read_skipped(index_dir)} == {str(folder.resolve())}
    (folder / "empty.txt").write_text(REPORT, encoding="utf-8")
    (folder / "photo.jpg").unlink()
    index_paths([folder], index_dir)
    names = {entry.source for entry in read_skipped(index_dir)}
    assert "empty.txt" not in names and "photo.jpg" not in names and "README" in names


def test_a_run_over_one_folder_keeps_the_skipped_files_of_the_others(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, name in ((first, "x.xyz"), (second, "y.abc")):
        folder.mkdir()
        (folder / name).write_bytes(b"data")
        (folder / "ok.txt").write_text(REPORT, encoding="utf-8")
    index_dir = tmp_path / "index"
    index_paths([first, second], index_dir)
    index_paths([second], index_dir)
    assert sorted((Path(e.root).name, e.source) for e in read_skipped(index_dir)) == [("a", "x.xyz"), ("b", "y.abc")]


def test_stats_lists_files_documents_and_skipped_reasons_per_format(tmp_path):
    folder = tmp_path / "office"
    every_unusable_kind(folder)
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    result = CliRunner().invoke(main, ["stats", "--index", str(index_dir), "--json"])
    formats = json.loads(result.output)["formats"]
    assert formats[".txt"]["files"] == 2 and formats[".txt"]["documents"] == 2
    assert formats[".txt"]["skipped"]["empty file"] == 1 and sum(formats[".txt"]["skipped"].values()) == 2
    assert formats[".mp4"] == {"files": 0, "documents": 0, "skipped": {"unsupported file type .mp4": 1}}
    assert formats[".jpg"] == {
        "files": 0,
        "documents": 0,
        "skipped": {"not a readable image (damaged or truncated?)": 1},
    }
    assert formats["(no suffix)"] == {"files": 0, "documents": 0, "skipped": {"unsupported file type (no suffix)": 1}}
    assert formats[".docx"]["skipped"] == {"empty file": 1, "not a readable .docx file (damaged or truncated?)": 1}
    text = CliRunner().invoke(main, ["stats", "--index", str(index_dir)]).output
    assert ".mp4               0          0        1  unsupported file type .mp4 (1)" in text.splitlines()


def test_reason_kinds_group_files_whose_reasons_differ_only_in_numbers():
    a = SkippedFile("a.pdf", "larger than 50 MB, the limit for one file")
    b = SkippedFile("report-2021.v2.pdf", "larger than 60 MB, the limit for one file")
    assert a.reason_kind == b.reason_kind == "larger than N MB, the limit for one file"
    assert (a.format, b.format, SkippedFile("README", "x").format) == (".pdf", ".pdf", "(no suffix)")


@pytest.fixture
def skipped_app(tmp_path):
    folder = tmp_path / "office"
    every_unusable_kind(folder)
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    users = UserStore(tmp_path / "users.sqlite3")
    users.add("boss", "correct horse battery", role="admin")
    users.add("reader", "correct horse battery")
    return make_app(index_dir, tmp_path / "saved.sqlite3", AUTH_MODE="local")


def login(client, name):
    token = soup(client.get("/login")).find("input", attrs={"name": "csrf_token"})["value"]
    client.post("/login", data={"csrf_token": token, "name": name, "password": "correct horse battery", "next": "/"})


def test_the_admin_page_lists_every_skipped_file_with_its_reason(skipped_app):
    admin = skipped_app.test_client()
    login(admin, "boss")
    page = soup(admin.get("/admin/skipped"))
    rows = {
        tr.select("td")[0].get_text(): tr.select("td")[2].get_text() for tr in page.select(".skipped-files tbody tr")
    }
    assert rows["clip.mp4"] == "不支持的文件类型 .mp4unsupported file type .mp4"
    assert rows["damaged.docx"] == "文件损坏或不完整not a readable .docx file (damaged or truncated?)"
    assert len(rows) == 9
    assert "管理" in [a.get_text() for a in page.select(".topnav a")]
    assert soup(admin.get("/admin")).select_one("a[href='/admin/skipped']").get_text() == "未能读取的文件"


def test_the_admin_page_is_a_404_for_readers_and_not_in_their_menu(skipped_app):
    reader = skipped_app.test_client()
    login(reader, "reader")
    assert reader.get("/admin/skipped").status_code == 404
    assert "管理" not in [a.get_text() for a in soup(reader.get("/")).select(".topnav a")]
    assert reader.get("/admin").status_code == 404
    assert csrf_token  # the shared helpers stay importable for the other web tests


@pytest.mark.parametrize(
    "reason, chinese",
    [
        ("unsupported file type .dwg", "不支持的文件类型 .dwg"),
        ("empty file", "空文件"),
        ("PDF is encrypted", "文件已加密（请解除密码后再放入）"),
        ("PDF has no text layer (scanned?); OCR is off (--no-ocr)", "扫描件（无文字层），文字识别已关闭"),
        ("not a readable .docx file (damaged or truncated?)", "文件损坏或不完整"),
        ("larger than 50 MB, the limit for one file", "文件超过大小上限"),
        ("something nobody foresaw", "something nobody foresaw"),
    ],
)
def test_skip_reasons_are_shown_to_staff_in_chinese(reason, chinese):
    from search.ingest.reasons import reason_in_chinese

    assert reason_in_chinese(reason) == chinese


def test_a_file_without_a_suffix_is_named_so_in_chinese():
    from search.ingest.reasons import reason_in_chinese

    assert reason_in_chinese("unsupported file type (no suffix)") == "不支持的文件类型（无扩展名）"


def test_an_unchanged_containers_skipped_members_are_named_again_on_the_next_run(tmp_path):
    import io

    folder = tmp_path / "docs"
    folder.mkdir()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("通知.txt", REPORT.encode("utf-8"))
        archive.writestr("图纸.dwg", b"AC1015 binary")
    (folder / "材料.zip").write_bytes(packed.getvalue())
    index_dir = tmp_path / "index"
    first = index_paths([folder], index_dir)
    again = index_paths([folder], index_dir)
    line = "材料.zip/图纸.dwg: skipped, unsupported file type .dwg"
    assert first.warnings == again.warnings == [line]
    assert again.summary == "+0 ~0 -0 files (1 unchanged, 0 documents written, 1 skipped); 1 documents in the index"
    assert [(e.source, e.root) for e in read_skipped(index_dir)] == [("材料.zip/图纸.dwg", str(folder.resolve()))]
    (folder / "材料.zip").unlink()
    gone = index_paths([folder], index_dir)
    assert gone.warnings == [] and read_skipped(index_dir) == []


def test_inspect_shows_a_zips_members_as_indexing_makes_them_and_names_the_skipped_ones(tmp_path):
    import io

    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("通知.txt", REPORT.encode("gbk"))
        archive.writestr("图纸.dwg", b"AC1015 binary")
    (tmp_path / "材料.zip").write_bytes(packed.getvalue())
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "材料.zip"), "--json"])
    assert result.exit_code == 3
    [inspection] = json.loads(result.output)
    assert [(d["source"], d["title"]) for d in inspection["documents"]] == [
        (f"{tmp_path}/材料.zip/通知.txt", "郑东新区政府工作报告")
    ]
    assert inspection["skipped"] == [f"{tmp_path}/材料.zip/图纸.dwg: skipped, unsupported file type .dwg"]
    text = CliRunner().invoke(main, ["inspect", str(tmp_path / "材料.zip")]).output.splitlines()
    assert text[2] == f"    member     {tmp_path}/材料.zip/通知.txt"
    assert text[-1] == f"  {tmp_path}/材料.zip/图纸.dwg: skipped, unsupported file type .dwg"
