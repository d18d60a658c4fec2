"""Every format an office keeps, through the real indexing command: what is indexed with good text, what is
skipped (and whether the reason is right), what is silently ignored, and how long reading takes.

    python bench/formats.py                 # 4 files a format, built into bench/out/formats/
    python bench/formats.py --per-format 8 --real /tmp/tika   # plus a folder of real files (reference: LibreOffice)

The folder is built here from the government reports in bench/data/government_report_rag (each file a
different excerpt; a fixed text where the corpus is missing): .txt/.md/.html/.shtml/.xhtml/.mhtml, .docx
(python-docx) and, converted by LibreOffice, .doc/.dot/.wps/.rtf/.odt/.epub, .xlsx/.xls/.et/.ods,
.pptx/.ppt/.dps/.odp; .pdf with a text layer and scanned (its page rendered to an image), .ofd (zip of
XML), .eml (GBK body, a .docx attachment), .zip (a GBK member name); and broken kinds each with the
reason expected (encrypted, truncated, empty, zip bomb, unsupported). Then ``search index FOLDER --index
TMP`` runs once over it; its ``warning:`` lines and the index's stored documents are compared with what
the script put in. Good text: >= 95% of the reference's characters (a multiset, NFKC, whitespace left
out). Silently ignored: a file neither indexed nor named in a warning (must be 0). Read s/file: the
median time of the format's reader in this process (the indexing run's own time is per run, in the
summary). OCR: character accuracy (1 - edit distance / length) of the scanned PDFs' documents whose
text_source is ocr, and the scanned PDF's read seconds (one page each). One JSON line at the end.
"""

from __future__ import annotations

import argparse
import collections
import email.message
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import zipfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from scripts.make_office_fixtures import soffice_convert  # noqa: E402

REPORTS = BENCH / "data" / "government_report_rag"
FIXTURES = ROOT / "tests" / "fixtures" / "office"
FALLBACK = ("关于做好2024年高校毕业生就业工作的通知\n为深入贯彻落实党中央、国务院关于稳就业的决策部署，现就做好高校毕业生"
            "就业工作通知如下。\n鼓励中小微企业吸纳高校毕业生就业，按规定给予社会保险补贴。")
GOOD = 0.95


def excerpts(count: int, reports: Path, length: int = 900) -> list[str]:
    """``count`` different excerpts of the government reports (a few paragraphs each, as written)."""
    texts = [p.read_text("utf-8") for p in sorted(reports.glob("*.txt"))] if reports.is_dir() else []
    if not texts:
        return [f"第{i}号。{FALLBACK}" for i in range(count)]
    found = []
    for i in range(count):
        text = texts[i % len(texts)]
        paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 20]
        start = (i // len(texts) * 7) % max(1, len(paragraphs) - 5)
        chosen, size = [], 0
        for paragraph in paragraphs[start:]:
            chosen.append(paragraph)
            size += len(paragraph)
            if size >= length:
                break
        found.append("\n".join(chosen))
    return found


# -- building ------------------------------------------------------------------------------------------


def build(out: Path, per_format: int, reports: Path = REPORTS) -> dict[str, tuple[str, str | None, str | None]]:
    """Write the corpus; relative path -> (format label, reference text or None, expected skip reason or None)."""
    import openpyxl

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    stage = out.parent / (out.name + "-stage")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    texts = iter(excerpts(per_format * 30, reports))
    manifest: dict[str, tuple[str, str | None, str | None]] = {}

    def put(name: str, data: bytes | str, label: str, reference: str | None, reason: str | None = None) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        manifest[name] = (label, reference, reason)

    def html(text: str, charset: str = "utf-8") -> str:
        body = "".join(f"<p>{line}</p>" for line in text.split("\n"))
        return f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{text[:10]}</title></head><body>{body}</body></html>'

    for n in range(per_format):
        text = next(texts)
        put(f"txt/r{n}.txt", text.encode("gb18030" if n % 2 else "utf-8"), "txt", text)
        put(f"md/r{n}.md", "# " + text.replace("\n", "\n\n"), "md", text)
        for suffix in (".html", ".shtml", ".xhtml"):
            text = next(texts)
            put(f"{suffix[1:]}/r{n}{suffix}", html(text), suffix[1:], text)
        text = next(texts)
        put(f"mhtml/r{n}.mhtml", _mhtml(html(text, "gb2312"), text), "mhtml", text)
        text = next(texts)
        put(f"pdf/r{n}.pdf", _pdf(text), "pdf", text)
        text = next(texts)
        put(f"ofd/r{n}.ofd", _ofd(text), "ofd", text)
        text, attached = next(texts), next(texts)
        put(f"eml/r{n}.eml", _eml(text, _docx(attached)), "eml", text + "\n" + attached)
        text, member = next(texts), next(texts)
        put(f"zip/r{n}.zip", _zip({"正文.txt": text.encode("gbk"), "附件/说明.docx": _docx(member)}), "zip",
            text + "\n" + member)
        text = next(texts)
        (stage / f"w{n}.docx").write_bytes(_docx(text))
        put(f"docx/r{n}.docx", _docx(text), "docx", text)
        manifest[f"@w{n}"] = ("", text, None)
        text = next(texts)
        book = openpyxl.Workbook()
        for r, line in enumerate(text.split("\n"), start=1):
            book.active.cell(r, 1, line)
        buffer = io.BytesIO()
        book.save(buffer)
        (stage / f"s{n}.xlsx").write_bytes(buffer.getvalue())
        put(f"xlsx/r{n}.xlsx", buffer.getvalue(), "xlsx", text)
        manifest[f"@s{n}"] = ("", text, None)
        text = next(texts)
        (stage / f"p{n}.fodp").write_bytes(_fodp(text))
        manifest[f"@p{n}"] = ("", text, None)
    _convert_all(stage, out, manifest, per_format)
    if per_format:
        text = next(texts)
        put("pdf-scanned/scan0.pdf", _scanned_pdf(text), "pdf (scanned)", text)
    _broken(out, put)
    shutil.rmtree(stage, ignore_errors=True)
    return {k: v for k, v in manifest.items() if not k.startswith("@")}


def _convert_all(stage: Path, out: Path, manifest, per_format: int) -> None:
    """LibreOffice, one batch a target: .doc/.rtf/.odt/.epub, .xls/.ods, .ppt/.pptx/.odp; Kingsoft names copied."""
    words = sorted(stage.glob("w*.docx"))
    sheets = sorted(stage.glob("s*.xlsx"))
    slides = sorted(stage.glob("p*.fodp"))
    plan = [(words, "doc:MS Word 97", "doc"), (words, "rtf", "rtf"), (words, "odt", "odt"), (words, "epub", "epub"),
            (sheets, "xls:MS Excel 97", "xls"), (sheets, "ods", "ods"), (slides, "ppt:MS PowerPoint 97", "ppt"),
            (slides, "pptx:Impress MS PowerPoint 2007 XML", "pptx"), (slides, "odp", "odp")]
    copies = {"doc": ("dot", "wps"), "xls": ("et",), "ppt": ("dps",)}
    for sources, target, suffix in plan:
        folder = stage / suffix
        soffice_convert(sources, target, folder)
        for produced in sorted(folder.glob(f"*.{suffix}")):
            reference = manifest[f"@{produced.stem}"][1]
            for label in (suffix, *copies.get(suffix, ())):
                name = f"{label}/r{produced.stem[1:]}.{label}"
                (out / label).mkdir(exist_ok=True)
                shutil.copy(produced, out / name)
                manifest[name] = (label, reference, None)


def _broken(out: Path, put) -> None:
    """Files that must be skipped, each with the word its reason must contain."""
    for name, label in (("testWORD_protected_passtika.doc", "doc"), ("testWORD_protected_passtika.docx", "docx"),
                        ("testEXCEL_protected_passtika.xls", "xls"), ("testPPT_protected_passtika.ppt", "ppt")):
        if (FIXTURES / name).exists():
            put(f"broken/encrypted.{label}", (FIXTURES / name).read_bytes(), label, None, "encrypted")
    put("broken/truncated.doc", (FIXTURES / "gongwen.doc").read_bytes()[:4096], "doc", None, "damaged")
    put("broken/truncated.docx", _docx(FALLBACK)[:3000], "docx", None, "damaged")
    put("broken/empty.xlsx", b"", "xlsx", None, "empty")
    put("broken/truncated.pdf", _pdf(FALLBACK)[:1500], "pdf", None, "truncated")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 50_000_000 + b"</w:document>")
    put("broken/bomb.docx", bomb.getvalue(), "docx", None, "decompression limit")
    put("broken/drawing.vsdx", b"PK\x03\x04 not read", "(unsupported)", None, "unsupported")
    put("broken/notes", "无扩展名的文件", "(unsupported)", None, "unsupported")


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _fodp(text: str) -> bytes:
    from xml.sax.saxutils import escape

    lines = text.split("\n")
    pages = "".join(
        f'<draw:page draw:name="p{i}"><draw:frame svg:x="1cm" svg:y="1cm" svg:width="25cm" svg:height="15cm">'
        f"<draw:text-box><text:p>{escape(line)}</text:p></draw:text-box></draw:frame></draw:page>"
        for i, line in enumerate(lines))
    return ('<?xml version="1.0" encoding="UTF-8"?><office:document '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" '
            'office:mimetype="application/vnd.oasis.opendocument.presentation">'
            f"<office:body><office:presentation>{pages}</office:presentation></office:body></office:document>"
            ).encode("utf-8")


def _pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    y = 800
    for paragraph in text.split("\n"):
        for start in range(0, len(paragraph), 38):
            if y < 60:
                pdf.showPage()
                y = 800
            pdf.setFont("STSong-Light", 13)
            pdf.drawString(50, y, paragraph[start : start + 38])
            y -= 20
    pdf.save()
    return buffer.getvalue()


def _scanned_pdf(text: str) -> bytes:
    """The text PDF's pages rendered at 200 dpi, each put back as an image: a scan with no text layer."""
    import pypdfium2
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rendered = pypdfium2.PdfDocument(_pdf(text))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in rendered:
        image = page.render(scale=200 / 72).to_pil().convert("L")
        pdf.drawImage(ImageReader(image), 0, 0, width=595.27, height=841.89)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _ofd(text: str) -> bytes:
    """A one-page OFD (GB/T 33190): OFD.xml -> Doc_0/Document.xml -> the page's TextObject/TextCode lines."""
    from xml.sax.saxutils import escape

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    objects = "".join(
        f'<ofd:TextObject ID="{i + 10}" Boundary="20 {20 + 8 * i} 170 8" Font="1" Size="4">'
        f'<ofd:TextCode X="0" Y="6">{escape(line)}</ofd:TextCode></ofd:TextObject>'
        for i, line in enumerate(text.split("\n")))
    parts = {
        "OFD.xml": f'<ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:Title>{escape(text[:12])}'
                   "</ofd:Title><ofd:CreationDate>2024-03-15</ofd:CreationDate></ofd:DocInfo>"
                   "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData>'
                              '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/Pages/Page_0/Content.xml": f"<ofd:Page {ns}><ofd:Content><ofd:Layer ID=\"2\">{objects}</ofd:Layer>"
                                          "</ofd:Content></ofd:Page>",
    }
    return _zip({name: body.encode("utf-8") for name, body in parts.items()})


def _eml(text: str, attachment: bytes) -> bytes:
    message = email.message.EmailMessage()
    message["Subject"] = "关于报送就业数据的通知"
    message["From"] = "办公室 <office@example.gov.cn>"
    message["Date"] = "Fri, 15 Mar 2024 09:30:00 +0800"
    message.set_content(text, charset="gb18030")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="附件.docx")
    return message.as_bytes()


def _mhtml(page: str, text: str) -> bytes:
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    message = MIMEMultipart("related")
    part = MIMEText(page.replace('charset="utf-8"', 'charset="gb2312"'), "html", "gb18030")
    part["Content-Location"] = "http://www.gov.cn/zhengce/content.htm"
    message.attach(part)
    return message.as_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip whose member names are written in GBK without the UTF-8 flag, as Windows zip tools do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name.encode("gbk").decode("cp437"))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# -- measuring ---------------------------------------------------------------------------------------


def fold(text: str) -> collections.Counter:
    return collections.Counter(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def coverage(reference: str, text: str) -> float:
    want = fold(reference)
    return sum((want & fold(text)).values()) / max(1, sum(want.values()))


def char_accuracy(reference: str, text: str) -> float:
    """1 - Levenshtein distance / reference length, on whitespace-free NFKC text."""
    a = "".join(c for c in unicodedata.normalize("NFKC", reference) if not c.isspace())
    b = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return max(0.0, 1 - row[len(b)] / max(1, len(a)))


def run_index(folder: Path, index: Path) -> tuple[list[str], float, str]:
    """``search index FOLDER --index INDEX``: its warning lines, wall seconds and summary line."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "search.cli", "index", str(folder), "--index", str(index), "-q",
                           "--procs", "2"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    warnings = [line[len("warning: "):] for line in done.stderr.splitlines() if line.startswith("warning: ")]
    if done.returncode not in (0, 3):
        raise SystemExit(f"search index failed ({done.returncode}): {done.stderr[-2000:]}")
    return warnings, seconds, done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""


def indexed_documents(index: Path) -> dict[str, list[dict]]:
    """The index's stored documents, by the file they came from (an archive's members under the archive)."""
    from search.archive import open_index

    found: dict[str, list[dict]] = collections.defaultdict(list)
    with open_index(index).searcher() as searcher:
        for fields in searcher.all_stored_fields():
            source = fields.get("source") or fields.get("path") or ""
            found[source].append(fields)
    return found


def read_seconds(folder: Path, manifest) -> dict[str, list[float]]:
    """Each file's reader time in this process, by format."""
    from search.extract import Unreadable, extract

    times: dict[str, list[float]] = collections.defaultdict(list)
    for name, (label, _, _) in manifest.items():
        data = (folder / name).read_bytes()
        started = time.perf_counter()
        try:
            extract(name, data)
        except Unreadable:
            pass
        times[label].append(time.perf_counter() - started)
    return times


def measure(folder: Path, manifest, index: Path) -> dict:
    warnings, index_seconds, summary = run_index(folder, index)
    documents = indexed_documents(index)
    warned = {}
    for line in warnings:
        name, _, reason = line.partition(": skipped, ")
        warned[name.split(": ")[0]] = reason or line
    times = read_seconds(folder, manifest)
    rows: dict[str, dict] = {}
    ocr = {"pages": 0, "accuracy": []}
    for name, (label, reference, expected) in sorted(manifest.items()):
        row = rows.setdefault(label, {"files": 0, "good": 0, "partial": 0, "skipped_right": 0, "skipped_wrong": 0,
                                      "silent": 0, "reasons": collections.Counter()})
        row["files"] += 1
        docs = [d for source, ds in documents.items() if source == name or source.startswith(name + "/") for d in ds]
        # The indexer takes a title line out of the body: it is still the file's text.
        text = "\n".join(f"{d.get('title') or ''}\n{d.get('text', '')}" for d in docs)
        if docs and reference is not None:
            share = coverage(reference, text)
            row["good" if share >= GOOD else "partial"] += 1
            # A scan's text can only be OCR's; the stored text_source (or an "ocr" encoding) says so for the rest.
            if label == "pdf (scanned)" or any(d.get("text_source") == "ocr" or "ocr" in (d.get("encoding") or "")
                                               for d in docs):
                ocr["accuracy"].append(char_accuracy(reference, text))
                ocr["pages"] += 1
        elif docs:  # a broken file that was indexed anyway
            row["skipped_wrong"] += 1
        elif name in warned:
            right = expected is not None and expected in warned[name]
            row["skipped_right" if right else "skipped_wrong"] += 1
            row["reasons"][warned[name][:60]] += 1
        else:
            row["silent"] += 1
    for label, row in rows.items():
        # The median: a format's first file also pays for importing its reader (lxml, calamine, ...).
        row["read_s_per_file"] = statistics.median(times[label]) if times[label] else 0.0
        row["reasons"] = dict(row["reasons"])
    return {"rows": rows, "index_seconds": index_seconds, "summary": summary, "warnings": len(warnings), "ocr": ocr}


def real_files(folder: Path, out: Path, manifest) -> None:
    """Add a folder of real files, each referenced by LibreOffice's text of it (files LibreOffice can't read: no reference)."""
    from search.extract import READERS

    picked = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in READERS]
    target = out / "real"
    target.mkdir(exist_ok=True)
    for path in picked:
        shutil.copy(path, target / path.name)
    references = out.parent / "formats-real-txt"
    shutil.rmtree(references, ignore_errors=True)
    soffice_convert([target / p.name for p in picked], "txt:Text (encoded):UTF8", references)
    for path in picked:
        txt = references / (path.stem + ".txt")
        text = txt.read_text("utf-8-sig", errors="replace") if txt.exists() else ""
        if text.strip():  # a file LibreOffice cannot read either has no reference to judge by
            manifest[f"real/{path.name}"] = (f"real {path.suffix.lower()}", text, None)
        else:
            (target / path.name).unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-format", type=int, default=4, help="generated files a format")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "formats")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="the government reports the texts come from")
    parser.add_argument("--real", type=Path, help="a folder of real office files to add (reference: LibreOffice)")
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = build(args.out, args.per_format, args.reports)
    if args.real:
        real_files(args.real, args.out, manifest)
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="formats-index-") as index:
        result = measure(args.out, manifest, Path(index) / "idx")
    rows = result["rows"]
    print(f"{len(manifest)} files built in {build_seconds:.1f} s; `search index` took {result['index_seconds']:.1f} s "
          f"({result['index_seconds'] / max(1, len(manifest)):.3f} s/file); {result['summary']}")
    print(f"{'format':16} {'files':>5} {'good':>5} {'partial':>7} {'skip ok':>7} {'skip bad':>8} {'silent':>6} {'read s/file':>11}")
    for label, row in sorted(rows.items()):
        print(f"{label:16} {row['files']:5} {row['good']:5} {row['partial']:7} {row['skipped_right']:7} "
              f"{row['skipped_wrong']:8} {row['silent']:6} {row['read_s_per_file']:11.4f}")
    for label, row in sorted(rows.items()):
        for reason, count in row["reasons"].items():
            print(f"  {label}: {count} x {reason}")
    ocr = result["ocr"]
    accuracy = sum(ocr["accuracy"]) / len(ocr["accuracy"]) if ocr["accuracy"] else None
    scanned = rows.get("pdf (scanned)", {}).get("read_s_per_file")
    print("OCR: " + (f"{accuracy:.1%} character accuracy over {ocr['pages']} scanned PDFs; {scanned:.1f} s a file"
                     if accuracy is not None else "no OCR'd document in the index (no text_source=ocr)"))
    silent = sum(row["silent"] for row in rows.values())
    print(json.dumps({
        "bench": "formats", "files": len(manifest), "silent": silent,
        "good": sum(r["good"] for r in rows.values()), "partial": sum(r["partial"] for r in rows.values()),
        "skipped_right": sum(r["skipped_right"] for r in rows.values()),
        "skipped_wrong": sum(r["skipped_wrong"] for r in rows.values()),
        "index_seconds": round(result["index_seconds"], 2), "ocr_accuracy": accuracy, "ocr_s_per_file": scanned,
        "formats": {label: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items() if k != "reasons"}
                    for label, row in sorted(rows.items())},
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
