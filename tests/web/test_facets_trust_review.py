"""Evidence and review (issue 22): ``search inspect`` says why a value was refused, ``search stats
--metadata`` and /admin/metadata list each field's most common values, and ``corrections.tsv``
overrides a value like a manifest row and survives re-indexing."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from search.access.users import UserStore
from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.ingest.identity import document_id
from search.ingest.identity import file_hash as schema_file_hash
from search.meta.corrections import file_hash, read_corrections
from search.meta.manifests import SidecarError
from tests.access.test_accounts import PASSWORD, login
from tests.meta.test_facets_trust import COUNTY_NOTICE, DECREE_NEWS, TWO_PROVINCES
from tests.web_fixtures import make_app, soup

NOTICE = COUNTY_NOTICE


def stored(index_dir) -> dict[str, tuple]:
    """source -> (district, issuer, doc_type) of each document in the index."""
    snapshot = Archive(index_dir).snapshot()
    try:
        return {
            snapshot.document(n).source: (snapshot.district[n], snapshot.issuer[n], snapshot.doc_type[n])
            for n in sorted(snapshot.live)
        }
    finally:
        snapshot.close()


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "docs"
    (folder / "news").mkdir(parents=True)
    (folder / "news" / "decree.txt").write_text(DECREE_NEWS, encoding="utf-8")
    (folder / "news" / "visit.txt").write_text(TWO_PROVINCES, encoding="utf-8")
    (folder / "chunan.txt").write_text(NOTICE, encoding="utf-8")
    return folder, tmp_path / "index"


def test_the_document_id_hash_is_the_schemas():
    assert file_hash("news/visit.txt") == schema_file_hash("news/visit.txt")


def test_a_correction_overrides_values_and_survives_reindexing(archive):
    folder, index_dir = archive
    index_paths([folder], index_dir)
    assert stored(index_dir)["news/visit.txt"] == (None, None, "新闻")
    (folder / "corrections.tsv").write_text(
        "id or path\tfield\tvalue\n"
        "news/visit.txt\t区域\t河南省\n"
        f"{document_id('chunan.txt', 0)}\tissuer\t-\n"
        "news/decree.txt\tdoc_type\t-\n",
        encoding="utf-8",
    )
    index_paths([folder], index_dir)  # an incremental run: the corrected files are read again
    corrected = {
        "news/visit.txt": ("河南省", None, "新闻"),
        "chunan.txt": ("淳安县", None, "通知"),
        "news/decree.txt": ("全国", None, None),
    }
    assert {k: v for k, v in stored(index_dir).items()} == corrected
    index_paths([folder], index_dir, rebuild=True)
    assert stored(index_dir) == corrected
    # An inspection applies the same file and says where the value came from.
    result = CliRunner().invoke(main, ["inspect", "--json", str(folder / "news" / "visit.txt")])
    [found] = json.loads(result.output) if result.output.startswith("[") else [json.loads(result.output)]
    assert found["corrections"] == str(folder / "corrections.tsv")
    assert found["documents"][0]["district_path"] == ["全国", "河南省"]


def test_a_bad_corrections_line_is_one_message_naming_it(tmp_path):
    (tmp_path / "corrections.tsv").write_text("a.txt\tcolour\tred\n", encoding="utf-8")
    with pytest.raises(SidecarError) as raised:
        read_corrections(tmp_path)
    assert str(raised.value).endswith(
        "corrections.tsv: line 1: unknown field 'colour' (one of date, district, "
        "doc_number, doc_type, issuer, title, topics)"
    )


def test_inspect_says_why_a_headline_is_no_issuer(tmp_path):
    path = tmp_path / "decree.txt"
    path.write_text(
        "李克强签署国务院令 公布《国务院关于修改部分行政法规的决定》\n\n国务院总理李克强日前签署国务院令。\n",
        encoding="utf-8",
    )
    lines = CliRunner().invoke(main, ["inspect", str(path)]).output.splitlines()
    assert "    issuer     -" in lines
    assert any(
        line.startswith("    issuer     李克强签署国务院令")
        and line.endswith("[title] refused: 李克强签署国务院令: holds a verb (签署)")
        for line in lines
    )


def test_stats_metadata_lists_the_most_common_values_of_each_field(archive):
    folder, index_dir = archive
    index_paths([folder], index_dir)
    result = CliRunner().invoke(main, ["stats", "--metadata", "--json", "--index", str(index_dir)])
    summary = json.loads(result.output)
    assert summary["district"] == [["全国", 1], ["淳安县", 1], ["(不详)", 1]]
    assert summary["issuer"] == [["中共淳安县委组织部", 1]]
    assert summary["type"] == [["新闻", 2], ["通知", 1], ["(不详)", 0]]
    text = CliRunner().invoke(main, ["stats", "--metadata", "--index", str(index_dir)]).output.splitlines()
    assert text[:4] == ["区域 (district)", "         1  全国", "         1  淳安县", "         1  (不详)"]


def test_the_review_page_lists_values_with_links_to_their_documents(archive, tmp_path):
    folder, index_dir = archive
    index_paths([folder], index_dir)
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    page = soup(client.get("/admin/metadata"))
    rows = page.select(".review-issuer tbody tr")
    assert [r.get_text(" ", strip=True) for r in rows] == ["中共淳安县委组织部 1"]
    link = rows[0].select_one("a")["href"]
    assert int(soup(client.get(link)).select_one("#total").get_text()) == 1
    assert page.select_one(".topnav a[href='/admin']") is not None
    assert soup(client.get("/admin")).select_one("a[href='/admin/metadata']") is not None


def test_the_review_page_is_for_admins_only(seeds_index, tmp_path):
    users = UserStore(tmp_path / "users.sqlite3")
    users.add("reader_a", PASSWORD)
    users.add("boss", PASSWORD, role="admin")
    app = make_app(
        seeds_index,
        tmp_path / "saved.sqlite3",
        AUTH_MODE="local",
        USERS_DB=str(tmp_path / "users.sqlite3"),
        AUDIT_LOG=str(tmp_path / "audit.jsonl"),
    )
    reader, admin = app.test_client(), app.test_client()
    login(reader, "reader_a")
    login(admin, "boss")
    assert reader.get("/admin/metadata").status_code == 403
    assert soup(reader.get("/search")).select_one(".topnav a[href='/admin']") is None
    assert admin.get("/admin/metadata").status_code == 200
