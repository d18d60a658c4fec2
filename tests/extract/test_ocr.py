"""OCR of PDF pages without a text layer: scans indexed and found, marked as OCR'd, recognised once.

Every scan here is built by the test: Chinese lines drawn with Noto Sans CJK (fonts-noto-cjk) into
a 200-dpi page image, and the image alone put into a PDF, as a scanner does.  Recognising a page
costs about 4 s, so the pages are few and small and one index is shared; accuracy is measured in
``bench/ocr.py``, not here: a test asserts that the phrase is found.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from search.cli.main import main
from search.extract import ExtractOptions, Unreadable, extract, ocr
from search.extract.pdf import better_text, page_fingerprint, readable
from search.ingest import SourceFile, ocr_progress
from search.ingest.prepare import read_documents
from search.meta import Taxonomy

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 200
SCAN_LINES = [
    "关于进一步加强老旧小区改造工作的通知",
    "各区县人民政府，市政府各部门：",
    "现将中原科技城建设有关事项通知如下。",
]
PHRASE = "老旧小区改造工作"


def page_image(lines: list[str], size=(1100, 500)) -> Image.Image:
    """A white page (pixels at 200 dpi) with ``lines`` drawn in black, 21-point text."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(CJK_FONT, 58)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * 110), line, font=font, fill=0)
    return image


def scanned_pdf(image: Image.Image, title: str = "") -> bytes:
    """A PDF holding nothing but ``image`` as its one page (no text layer)."""
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=DPI, title=title)
    return out.getvalue()


@pytest.fixture(scope="module")
def scan() -> bytes:
    return scanned_pdf(page_image(SCAN_LINES))


def run(runner, *args: str):
    result = runner.invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def ocr_index(tmp_path_factory, scan):
    """A folder holding the scan, indexed once (the only OCR of the scan in this module)."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("scans")
    (folder / "scan.pdf").write_bytes(scan)
    index_dir = tmp_path_factory.mktemp("ocr-index")
    exit_code, output = run(CliRunner(), "index", str(folder), "--index", str(index_dir))
    return folder, index_dir, exit_code, output


def hits(runner, index_dir: Path, phrase: str) -> list[dict]:
    exit_code, output = run(runner, "query", f'"{phrase}"', "--index", str(index_dir), "--json")
    assert exit_code == 0, output
    return json.loads(output)["hits"]


# -- end to end ---------------------------------------------------------------------------------------


def test_scanned_pdf_is_indexed_by_ocr_and_its_phrase_found_marked_as_ocr(ocr_index, runner):
    _, index_dir, exit_code, output = ocr_index
    assert exit_code == 0, output
    lines = output.splitlines()
    assert lines[0] == "ocr: 1 page without a text layer to recognise (about 4 s)"
    assert lines[-2].startswith("ocr: 1 page recognised in ")
    assert lines[-1] == "+1 ~0 -0 files (0 unchanged, 1 documents written, 0 skipped); 1 documents in the index"
    found = hits(runner, index_dir, PHRASE)
    assert [(h["source"], h["text_source"]) for h in found] == [("scan.pdf", "ocr")]
    assert "OCR" in run(runner, "query", f'"{PHRASE}"', "--index", str(index_dir))[1].splitlines()[3]
    assert (index_dir / "ocr-cache").is_dir()


def test_a_copy_of_the_scan_in_another_folder_is_read_from_the_cache_without_ocr(
    ocr_index, runner, tmp_path, monkeypatch
):
    _, index_dir, _, _ = ocr_index
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(ocr_index[0] / "scan.pdf", moved / "copy.pdf")

    def no_ocr(image):
        raise AssertionError("recognised again")

    monkeypatch.setattr(ocr, "recognise", no_ocr)
    exit_code, output = run(runner, "index", str(ocr_index[0]), str(moved), "--index", str(index_dir))
    assert exit_code == 0, output
    assert output.splitlines() == [
        "+1 ~0 -0 files (1 unchanged, 1 documents written, 0 skipped); 2 documents in the index"
    ]
    assert sorted((h["source"], h["text_source"]) for h in hits(runner, index_dir, PHRASE)) == [
        ("copy.pdf", "ocr"),
        ("scan.pdf", "ocr"),
    ]


def test_no_ocr_skips_a_scanned_pdf_naming_the_option(tmp_path, runner, scan, monkeypatch):
    monkeypatch.setattr(ocr, "recognise", lambda image: pytest.fail("OCR ran with --no-ocr"))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "scan.pdf").write_bytes(scan)
    exit_code, output = run(runner, "index", str(tmp_path / "docs"), "--index", str(tmp_path / "ix"), "--no-ocr")
    assert exit_code == 3
    assert output.splitlines() == [
        "warning: scan.pdf: skipped, PDF has no text layer (scanned?); OCR is off (--no-ocr)",
        "+0 ~0 -0 files (0 unchanged, 0 documents written, 1 skipped); 0 documents in the index",
    ]


def test_page_with_nothing_recognisable_gives_no_text_even_after_ocr(tmp_path):
    image = Image.new("L", (500, 400), 255)
    ImageDraw.Draw(image).rectangle((100, 100, 300, 250), outline=0, width=6)
    with pytest.raises(Unreadable, match=r"^no text even after OCR$"):
        extract(".pdf", scanned_pdf(image), ExtractOptions(ocr_cache=str(tmp_path)))
    assert len(list(tmp_path.glob("*/*.txt"))) == 1  # "nothing" is cached too: not recognised again


def test_metadata_read_from_ocr_text_says_so_in_its_evidence(ocr_index, scan):
    options = ExtractOptions(ocr_cache=str(ocr_index[1] / "ocr-cache"))  # recognised already
    records, encoding = read_documents(SourceFile(Path("/r/scan.pdf"), "scan.pdf", ()), scan, Taxonomy.load(), options)
    evidence = dict(records[0].evidence)
    assert (encoding, evidence["text_source"].value) == ("pdf", "ocr")
    assert evidence["doc_type"].value == "通知"
    assert evidence["doc_type"].line.endswith(" (OCR 识别)")


def test_document_page_and_results_show_the_ocr_badge(ocr_index, tmp_path):
    from tests.web_fixtures import make_app

    client = make_app(ocr_index[1], tmp_path / "saved.sqlite3").test_client()
    results = client.get("/", query_string={"q": PHRASE}).get_data(as_text=True)
    assert results.count('<li class="hit">') == results.count('class="ocr-badge"') >= 1  # every hit is a scan
    doc_id = json.loads(client.get("/search.json", query_string={"q": PHRASE}).get_data(as_text=True))["hits"][0]["id"]
    page = client.get(f"/doc/{doc_id}").get_data(as_text=True)
    assert '<span class="ocr-badge">OCR 识别</span> 本文由扫描图像识别' in page


def test_progress_shows_pages_done_of_pages_to_do_and_the_time_left(tmp_path, runner, monkeypatch):
    monkeypatch.setattr(ocr_progress, "REPORT_EVERY", 0.1)
    monkeypatch.setattr(ocr, "recognise", lambda image: time.sleep(0.4) or "关于老旧小区改造工作的通知")
    (tmp_path / "docs").mkdir()
    for number in range(2):
        (tmp_path / "docs" / f"scan{number}.pdf").write_bytes(scanned_pdf(page_image(SCAN_LINES[number : number + 1])))
    exit_code, output = run(runner, "index", str(tmp_path / "docs"), "--index", str(tmp_path / "ix"), "--procs", "1")
    assert exit_code == 0, output
    lines = output.splitlines()
    assert lines[0] == "ocr: 2 pages without a text layer to recognise (about 8 s)"
    assert all(re.fullmatch(r"ocr: [012]/2 pages, about \d+ s left", line) for line in lines[1:-2]) and len(lines) > 4
    assert any(line.startswith("ocr: 1/2 pages, about ") for line in lines)  # at the first page's pace
    assert re.fullmatch(r"ocr: 2 pages recognised in \d+ s", lines[-2])


def mixed_pdf(scan_image: Image.Image) -> bytes:
    """A PDF of two pages: text (reportlab's built-in CID font), then the scan image alone."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.setFont("STSong-Light", 12)
    pdf.drawString(72, 720, "第一页是文字层。")
    pdf.showPage()
    pdf.drawImage(ImageReader(scan_image), 0, 400, width=396, height=180)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_mixed_pdf_has_only_its_image_page_recognised(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(ocr, "recognise", lambda image: seen.append(image.shape) or "第二页是扫描件。")
    data = mixed_pdf(page_image(SCAN_LINES[:1]))
    extracted = extract(".pdf", data, ExtractOptions(ocr_cache=str(tmp_path)))
    assert (extracted.text, extracted.text_source) == ("第一页是文字层。\n第二页是扫描件。", "mixed")
    assert seen == [(2339, 1654, 3)]  # one page, rendered at 200 dpi (A4: 1654 × 2339 pixels)
    assert ("text_source", "mixed") in extracted.properties
    alone = extract(".pdf", data, ExtractOptions(ocr=False))
    assert (alone.text, alone.text_source) == ("第一页是文字层。", "text")


def test_scan_with_a_page_number_stamped_in_text_is_still_recognised(monkeypatch, tmp_path):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    monkeypatch.setattr(ocr, "recognise", lambda image: "扫描件正文。\n- 2 -")
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    pdf.drawImage(ImageReader(page_image(SCAN_LINES[:1])), 0, 400, width=396, height=180)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(280, 30, "- 2 -")
    pdf.showPage()
    pdf.save()
    extracted = extract(".pdf", out.getvalue(), ExtractOptions(ocr_cache=str(tmp_path)))
    assert (extracted.text, extracted.text_source) == ("扫描件正文。", "ocr")


def test_an_image_file_is_recognised_once_and_a_damaged_one_gives_nothing(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(ocr, "recognise", lambda image: calls.append(image.shape) or "红头文件")
    png = io.BytesIO()
    page_image(["红头"], size=(300, 120)).save(png, format="PNG")
    assert [ocr.image_text(tmp_path, png.getvalue()) for _ in range(2)] == ["红头文件", "红头文件"]
    assert calls == [(120, 300, 3)]
    assert ocr.image_text(tmp_path, b"\x89PNG not really") == ""


# -- the cache ----------------------------------------------------------------------------------------


def test_page_text_is_recognised_once_then_read_from_the_cache(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(ocr, "recognise", lambda image: calls.append(image) or "第一行\n第二行")
    assert ocr.page_text(tmp_path, "ab" * 20, lambda: "image") == "第一行\n第二行"
    assert ocr.page_text(tmp_path, "ab" * 20, lambda: "image") == "第一行\n第二行"
    assert calls == ["image"]
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [f"ab/{'ab' * 20}.txt"]


def test_the_same_scan_in_two_pdfs_has_one_cache_key_and_another_scan_another():
    import pypdfium2

    image = page_image(SCAN_LINES[:1])
    keys = []
    for data in (scanned_pdf(image, "一"), scanned_pdf(image, "另一个标题"), scanned_pdf(page_image(SCAN_LINES[1:2]))):
        document = pypdfium2.PdfDocument(data)
        keys.append(page_fingerprint(document[0]))
        document.close()
    assert keys[0] == keys[1] != keys[2]


# -- reading order --------------------------------------------------------------------------------------


def box(left: float, top: float, right: float, bottom: float) -> list[list[float]]:
    return [[left, top], [right, top], [right, bottom], [left, bottom]]


def test_boxes_are_read_top_to_bottom_and_left_to_right_on_one_line():
    boxes = [
        (box(600, 102, 900, 140), "第二段"),
        (box(50, 300, 500, 340), "第三行"),
        (box(50, 100, 560, 138), "第一段"),
        (box(50, 200, 300, 240), "GDP growth"),
        (box(320, 203, 500, 241), "rate 6%"),
    ]
    assert ocr.reading_order(boxes) == ["第一段第二段", "GDP growth rate 6%", "第三行"]


# -- fonts without a Unicode map ------------------------------------------------------------------------


def test_the_better_text_of_a_page_is_the_one_with_real_characters():
    cid = "(cid:68)(cid:114)(cid:97)(cid:102)(cid:116)"
    glyph_numbers = "⪨◇ⱶ䍟縏仾㵸ⵡ䷉鵰氳鵟湳"  # pdfium's reading of the same kind of font
    assert (readable(cid), readable(glyph_numbers), readable("关于加强老旧小区改造的通知")) == (False, False, True)
    assert better_text(cid, "Draft") == "Draft"
    assert better_text(cid, glyph_numbers) == ""  # garbage both ways: nothing, and OCR is asked


def cff_font_pdf(lines: list[str]) -> bytes:
    """A PDF whose Chinese text is in an embedded CID-keyed CFF font with no ToUnicode map: pdfminer
    reads ``(cid:N)`` tokens and pdfium reads the glyph numbers as characters; only the drawn
    glyphs say what is written."""
    font = Path(CJK_FONT).read_bytes()
    face = struct.unpack(">I", font[12:16])[0]  # the collection's first font
    tables = {}
    for number in range(struct.unpack(">H", font[face + 4 : face + 6])[0]):
        tag, _, offset, length = struct.unpack(">4sIII", font[face + 12 + 16 * number : face + 28 + 16 * number])
        tables[tag] = font[offset : offset + length]
    cmap = tables[b"cmap"]
    glyphs = {}
    for number in range(struct.unpack(">H", cmap[2:4])[0]):
        _, _, offset = struct.unpack(">HHI", cmap[4 + 8 * number : 12 + 8 * number])
        if struct.unpack(">H", cmap[offset : offset + 2])[0] == 12:  # the full Unicode map
            for group in range(struct.unpack(">I", cmap[offset + 12 : offset + 16])[0]):
                start, end, first = struct.unpack(">III", cmap[offset + 16 + 12 * group : offset + 28 + 12 * group])
                glyphs.update({code: first + code - start for code in range(start, end + 1)})
    # Noto CJK's CIDs are its glyph numbers, so Identity-H codes are glyph numbers too.
    content = (
        b"BT /F1 24 Tf 40 340 Td 34 TL\n"
        + b"".join(b"<" + "".join(f"{glyphs[ord(c)]:04X}" for c in line).encode() + b"> Tj T*\n" for line in lines)
        + b"ET"
    )
    packed = zlib.compress(tables[b"CFF "], 1)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 400] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJK /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /NotoSansCJK /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /NotoSansCJK /Flags 4 /FontBBox [-1000 -500 3000 1500] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 733 /StemV 80 /FontFile3 8 0 R >>",
        b"<< /Length %d /Subtype /CIDFontType0C /Filter /FlateDecode >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(
        b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    )
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_font_without_unicode_map_garbled_both_ways_is_read_by_ocr(tmp_path):
    from pdfminer.high_level import extract_text

    data = cff_font_pdf(["关于加强老旧小区改造的通知"])
    assert extract_text(io.BytesIO(data)).startswith("(cid:")  # what the text layer gives
    extracted = extract(".pdf", data, ExtractOptions(ocr_cache=str(tmp_path)))
    assert "老旧小区改造" in extracted.text
    assert extracted.text_source == "ocr"
