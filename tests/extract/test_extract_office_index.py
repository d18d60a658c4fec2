"""Office files through `search index`: a folder of only .doc, .wps and .et files (once "0 documents
written, 0 skipped") is indexed and searchable, and each encrypted or damaged office file is named on one
warning line with its reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "office"


def index(runner, folder: Path, index_dir: Path):
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    lines = result.output.splitlines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    return result.exit_code, warnings, [line for line in lines if line not in warnings]


def hits(runner, index_dir: Path, phrase: str) -> list[str]:
    result = runner.invoke(main, ["query", phrase, "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return sorted(hit["source"] for hit in json.loads(result.output)["hits"])


def test_folder_of_doc_wps_and_et_files_is_indexed_and_found(tmp_path, runner):
    folder = tmp_path / "oa"
    folder.mkdir()
    for name in ("gongwen.doc", "gongwen.wps", "jiuye.et"):
        shutil.copy(FIXTURES / name, folder / name)
    exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    assert (exit_code, warnings) == (0, [])
    assert rest == ["+3 ~0 -0 files (0 unchanged, 3 documents written, 0 skipped); 3 documents in the index"]
    assert hits(runner, tmp_path / "ix", "吸纳高校毕业生就业") == ["gongwen.doc", "gongwen.wps"]
    assert hits(runner, tmp_path / "ix", "超额完成") == ["jiuye.et"]


def test_encrypted_and_damaged_office_files_are_each_named_with_their_reason(tmp_path, runner):
    folder = tmp_path / "oa"
    folder.mkdir()
    shutil.copy(FIXTURES / "gongwen.doc", folder / "good.doc")
    for source, name in (
        ("testWORD_protected_passtika.doc", "locked.doc"),
        ("testWORD_protected_passtika.docx", "locked.docx"),
        ("testEXCEL_protected_passtika.xls", "locked.xls"),
        ("testPPT_protected_passtika.ppt", "locked.ppt"),
    ):
        shutil.copy(FIXTURES / source, folder / name)
    (folder / "cut.doc").write_bytes((FIXTURES / "gongwen.doc").read_bytes()[:4096])
    (folder / "cut.xlsx").write_bytes((FIXTURES / "jiuye.xlsx").read_bytes()[:2000])
    exit_code, warnings, rest = index(runner, folder, tmp_path / "ix")
    assert exit_code == 3
    assert sorted(warnings) == [
        "warning: cut.doc: skipped, not a readable Word file (damaged or truncated?)",
        "warning: cut.xlsx: skipped, not a readable spreadsheet (damaged or truncated?)",
        "warning: locked.doc: skipped, Word document is encrypted (password-protected)",
        "warning: locked.docx: skipped, Word document is encrypted (password-protected)",
        "warning: locked.ppt: skipped, presentation is encrypted (password-protected)",
        "warning: locked.xls: skipped, spreadsheet is encrypted (password-protected)",
    ]
    assert rest == ["+1 ~0 -0 files (0 unchanged, 1 documents written, 6 skipped); 1 documents in the index"]


@pytest.mark.parametrize(
    "fixture, renamed",
    [
        ("gongwen.docx", "模板.dotx"),
        ("gongwen.docx", "宏.docm"),
        ("jiuye.xlsx", "统计.xlsm"),
        ("jiuye.et", "统计模板.ett"),
        ("jiedu.pptx", "放映.ppsx"),
        ("gongwen.doc", "公文模板.wpt"),
        ("jiedu.ppt", "演示模板.dpt"),
    ],
)
def test_templates_and_macro_enabled_files_are_read_as_their_format(fixture, renamed):
    from search.extract import extract

    data = (Path(__file__).resolve().parents[1] / "fixtures" / "office" / fixture).read_bytes()
    assert extract(renamed, data).text == extract(fixture, data).text
