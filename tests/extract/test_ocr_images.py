"""Scans saved as image files (.png, multi-page .tif, .jpg) are read by OCR like a PDF page without
a text layer; icons, damaged images and OCR switched off are skipped with their reasons."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from search.extract import ExtractOptions, Unreadable, extract, ocr
from search.extract.images import pages_to_recognise
from tests.extract.test_ocr import PHRASE, SCAN_LINES, page_image


def saved(image: Image.Image, format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return page_image(SCAN_LINES)


def test_a_png_scan_is_read_by_ocr_and_marked_so(page, tmp_path):
    extracted = extract("通知.png", saved(page, "PNG"), ExtractOptions(ocr_cache=str(tmp_path)))
    assert PHRASE in extracted.text.replace(" ", "")
    assert (extracted.text_source, extracted.encoding) == ("ocr", "image")


def test_each_page_of_a_tiff_is_read_in_order_and_cached(page, tmp_path, monkeypatch):
    second = page_image(["第二页：稳就业保就业"])
    data = saved(page, "TIFF", save_all=True, append_images=[second], compression="tiff_lzw")
    assert pages_to_recognise(data, str(tmp_path)) == 2
    text = extract("扫描.tif", data, ExtractOptions(ocr_cache=str(tmp_path))).text.replace(" ", "")
    assert text.index(PHRASE) < text.index("稳就业保就业")
    assert pages_to_recognise(data, str(tmp_path)) == 0

    def no_second_recognition(image):
        raise AssertionError("recognised again")

    monkeypatch.setattr(ocr, "recognise", no_second_recognition)
    assert extract("copy/扫描.tif", data, ExtractOptions(ocr_cache=str(tmp_path))).text.replace(" ", "") == text


def test_an_icon_is_not_taken_for_a_scan():
    with pytest.raises(Unreadable, match=r"^image of 64x64 pixels, too small to be a scanned page$"):
        extract("logo.png", saved(Image.new("RGB", (64, 64), "red"), "PNG"))


def test_ocr_off_names_the_image_instead_of_reading_it(page):
    with pytest.raises(Unreadable, match=r"^image file \(a scan\?\); OCR is off \(--no-ocr\)$"):
        extract("通知.jpg", saved(page.convert("RGB"), "JPEG"), ExtractOptions(ocr=False))


def test_a_damaged_image_is_named_damaged():
    with pytest.raises(Unreadable, match=r"^not a readable image \(damaged or truncated\?\)$"):
        extract("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 300)
