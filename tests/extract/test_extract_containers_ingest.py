"""Containers end to end: a folder holding a zip and a mail is indexed as one document a member,
each shown as ``archive.zip/member``; skipped members are warnings counted in the summary; the web
serves a member's own bytes and names its container."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.ingest.identity import document_id
from search.query import SearchRequest
from tests.container_builders import encoded_word, make_docx, make_eml, make_zip
from tests.web_fixtures import make_app, soup

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REPORT_TXT = "郑东新区政府工作报告\n\n2020年，郑东新区坚持稳中求进，推进老旧小区改造。"
INNER_TXT = "关于内层文件的说明\n\n内层文件的正文，二七区推进老旧小区改造。"
ATTACHED = make_docx(["报送模板正文，中原区。"])


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    root = tmp_path_factory.mktemp("containers") / "docs"
    root.mkdir()
    inner = make_zip({"内层说明.txt": INNER_TXT.encode("gb18030")})
    (root / "材料.zip").write_bytes(
        make_zip(
            {
                "通知/工作报告.txt": REPORT_TXT.encode("gb18030"),  # a GBK name without the UTF-8 flag
                "inner.zip": inner,
                "方案.docx": make_docx(["二七区稳就业工作方案正文第一段。"], title="二七区稳就业工作方案"),
                "图纸.dwg": b"AC1015 binary",
            }
        )
    )
    (root / "来函.eml").write_bytes(
        make_eml(
            encoded_word("关于报送稳就业材料的函", "gb2312", "gb18030"),
            "各单位：\n请于3月底前报送稳就业工作材料。\n".encode("gb18030"),
            attachments=[(DOCX_TYPE, encoded_word("报送模板.docx", "gb2312", "gb18030"), ATTACHED)],
            inline_image=True,
        )
    )
    (root / "坏包.zip").write_bytes(make_zip({"a.dwg": b"x", "b.exe": b"MZ"}))
    (root / "a.txt").write_text("普通文件\n\n正文。", encoding="utf-8")
    index_dir = root.parent / "index"
    report = index_paths([root], index_dir)
    return root, index_dir, report


def documents(index_dir) -> list[tuple[str, int, str, str, str, tuple[str, ...]]]:
    snapshot = Archive(index_dir).snapshot()
    found = [snapshot.document(n) for n in snapshot.live]
    return sorted((d.id, d.item, d.source, d.encoding, d.title, d.paragraphs) for d in found)


def test_each_member_is_a_document_shown_as_container_slash_member(indexed):
    # Shown as written: the members' full-width punctuation stays (matching folds it).
    _, index_dir, _ = indexed
    zip_key, mail_key = "材料.zip", "来函.eml"
    assert documents(index_dir) == sorted(
        [
            (
                document_id(zip_key, 0),
                0,
                "材料.zip/通知/工作报告.txt",
                "gb18030",
                "郑东新区政府工作报告",
                ("2020年，郑东新区坚持稳中求进，推进老旧小区改造。",),
            ),
            (
                document_id(zip_key, 1),
                1,
                "材料.zip/inner.zip/内层说明.txt",
                "gb18030",
                "关于内层文件的说明",
                ("内层文件的正文，二七区推进老旧小区改造。",),
            ),
            (
                document_id(zip_key, 2),
                2,
                "材料.zip/方案.docx",
                "docx",
                "二七区稳就业工作方案",
                ("二七区稳就业工作方案正文第一段。",),
            ),
            (
                document_id(mail_key, 0),
                0,
                "来函.eml",
                "eml:gb2312",
                "关于报送稳就业材料的函",
                ("各单位：", "请于3月底前报送稳就业工作材料。"),
            ),
            (
                document_id(mail_key, 1),
                1,
                "来函.eml/报送模板.docx",
                "docx",
                "报送模板.docx",
                ("报送模板正文，中原区。",),
            ),
            (document_id("a.txt", 0), 0, "a.txt", "utf-8", "普通文件", ("正文。",)),
        ]
    )


def test_skipped_members_and_an_all_failed_container_are_warnings_counted_in_the_summary(indexed):
    _, _, report = indexed
    assert report.warnings == [
        "坏包.zip: skipped, none of its 2 files could be read (a.dwg: unsupported file type .dwg; "
        "b.exe: unsupported file type .exe)",
        "材料.zip/图纸.dwg: skipped, unsupported file type .dwg",
    ]
    assert report.summary == "+3 ~0 -0 files (0 unchanged, 6 documents written, 2 skipped); 6 documents in the index"


def test_a_members_text_is_found_by_a_phrase_and_the_mail_date_dates_the_mail(indexed):
    _, index_dir, _ = indexed
    snapshot = Archive(index_dir).snapshot()
    assert set(matching_ids(snapshot, SearchRequest(q="老旧小区"))) == {
        document_id("材料.zip", 0),
        document_id("材料.zip", 1),
    }
    assert set(matching_ids(snapshot, SearchRequest(q="报送模板正文"))) == {document_id("来函.eml", 1)}
    mail = next(n for n in snapshot.live if snapshot.document(n).source == "来函.eml")
    assert snapshot.published[mail] == "2024-03-05"


def test_the_document_page_names_the_container_and_downloads_the_members_own_bytes(indexed, tmp_path):
    _, index_dir, _ = indexed
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    attachment = soup(client.get(f"/doc/{document_id('来函.eml', 1)}"))
    assert attachment.select_one(".part-of dd").get_text() == "附件，所属邮件：关于报送稳就业材料的函"
    assert attachment.select_one(".doc-meta code").get_text() == "来函.eml/报送模板.docx"
    download = client.get(attachment.select_one("a.download")["href"])
    assert (download.status_code, download.data) == (200, ATTACHED)
    assert "filename*=UTF-8''%E6%8A%A5%E9%80%81%E6%A8%A1%E6%9D%BF.docx" in download.headers["Content-Disposition"]

    member = soup(client.get(f"/doc/{document_id('材料.zip', 1)}"))
    assert member.select_one(".part-of dd").get_text() == "压缩包 inner.zip 中的文件"
    text = client.get(member.select_one("a.download")["href"])
    assert (text.data, text.headers["Content-Type"]) == (INNER_TXT.encode("gb18030"), "text/plain; charset=gb18030")
    assert (
        soup(client.get(f"/doc/{document_id('材料.zip', 0)}")).select_one(".part-of dd").get_text()
        == "压缩包 材料.zip 中的文件"
    )
    assert soup(client.get(f"/doc/{document_id('a.txt', 0)}")).select_one(".part-of") is None
    mail = soup(client.get(f"/doc/{document_id('来函.eml', 0)}"))
    assert mail.select_one(".siblings h2").get_text() == "同一文件中的文档（2 篇）"
    assert [li.get_text() for li in mail.select(".siblings li")] == ["关于报送稳就业材料的函", "报送模板.docx"]


def test_a_member_whose_container_is_gone_has_no_download(indexed, tmp_path):
    root, index_dir, _ = indexed
    moved = root / "材料.zip"
    data = moved.read_bytes()
    moved.unlink()
    try:
        client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
        doc_id = document_id("材料.zip", 2)
        assert soup(client.get(f"/doc/{doc_id}")).select_one("a.download") is None
        assert client.get(f"/doc/{doc_id}/original").status_code == 404
    finally:
        moved.write_bytes(data)


def test_reindexing_a_changed_container_replaces_all_its_members(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    archive = Path(root / "a.zip")
    archive.write_bytes(make_zip({"one.txt": "第一份".encode("gb18030"), "two.txt": "第二份".encode("gb18030")}))
    index_dir = tmp_path / "index"
    index_paths([root], index_dir)
    archive.write_bytes(make_zip({"three.txt": "第三份".encode("gb18030")}))
    report = index_paths([root], index_dir)
    assert (report.changed, report.documents_written, report.total_documents) == (["a.zip"], 1, 1)
    assert [d[2] for d in documents(index_dir)] == ["a.zip/three.txt"]


def test_gov_cn_index_table_dates_and_names_the_issuer_of_the_page():
    from search.ingest import SourceFile
    from search.ingest.prepare import read_documents
    from search.meta import Taxonomy
    from tests.extract.test_extract_containers import GOV_PAGE

    source = SourceFile("/site/content_1.shtml", "content_1.shtml", ())
    [record], encoding = read_documents(source, GOV_PAGE.encode("utf-8"), Taxonomy.load())
    assert (encoding, record.title, str(record.published), record.issuer) == (
        "html:utf-8",
        "国务院办公厅关于印发某方案的通知",
        "2024-01-10",
        "国务院办公厅",
    )
    assert record.evidence_for("published").line == "索引号表 发布日期: 2024年01月10日"


@pytest.mark.parametrize(
    ("source", "key", "label"),
    [
        ("来函.eml/附件.docx", "来函.eml", "附件，所属邮件：关于报送材料的函"),
        ("来函.eml/材料.zip/a.txt", "来函.eml", "压缩包 材料.zip 中的文件"),
        ("材料.zip/通知/转发.eml/附件.docx", "材料.zip", "附件，所属邮件：转发.eml"),
        ("材料.zip/通知/a.txt", "材料.zip", "压缩包 材料.zip 中的文件"),
        ("通知.ofd/附件1.docx", "通知.ofd", "OFD 文件 通知.ofd 的附件"),
        ("sub/a.txt", "sub/a.txt", None),
    ],
)
def test_part_label_names_the_nearest_container(source, key, label):
    from types import SimpleNamespace

    from web.downloads import part_label

    class Engine:
        def document(self, doc_id, visible=None):
            if doc_id == document_id("来函.eml", 0):
                return SimpleNamespace(source="来函.eml", title="关于报送材料的函")
            return None

    assert part_label(Engine(), SimpleNamespace(id=document_id(key, 3), source=source)) == label
