"""What is shown is what was written: display text keeps the file's characters (full-width
punctuation, full-width digits and letters, traditional characters), while matching folds them, and
a highlight marks the phrase as written.  A property test against the source text, and a document
page in a real Chromium."""

from __future__ import annotations

import re
import threading
import unicodedata
from html import unescape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.meta import extract_documents
from search.text.highlight import find_spans, mark, snippets
from search.text.normalize import fold, normalize_query, normalize_text, search_text

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")

# -- documents built from the pieces of real report text -----------------------------------------

WORDS = [
    "国民经济",
    "國民經濟",
    "发展",
    "發展",
    "改革开放",
    "高质量",
    "郑东新区",
    "项目建设",
    "乡村振兴",
    "就业",
    "２０２０年",
    "2020年",
    "１２％",
    "ＧＤＰ",
    "5G",
    "新闻联播",
    "记录",
    "國務院",
    "会议",
    "提出",
    "坚持",
    "推进",
]
CLAUSE_MARKS = ["，", "、", "；", "：", ",", "……", "“", "”", "（", "）", "(", ")"]
SENTENCE_ENDS = ["。", "！", "？", "。”"]


@st.composite
def sentence(draw) -> str:
    parts = draw(
        st.lists(
            st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5), st.sampled_from(CLAUSE_MARKS)),
            min_size=1,
            max_size=4,
        )
    )
    body = "".join("".join(words) + mark_ for words, mark_ in parts)
    return (
        body
        + "".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)))
        + draw(st.sampled_from(SENTENCE_ENDS))
    )


@st.composite
def heading(draw) -> str:
    number = draw(st.sampled_from(["", "（一）", "(二)", "三、", "四是", "第五，"]))
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
    return number + "".join(words)


@st.composite
def paragraph_lines(draw) -> list[str]:
    """One paragraph's text, cut at random places into the lines a layout would give (no line
    ends inside a word such that the next line is not its continuation: every open line is followed
    by the rest of its paragraph)."""
    text = "".join(draw(st.lists(sentence(), min_size=1, max_size=4)))
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(text) - 1)), max_size=3))))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)]) if text[a:b]]


INDENT = st.sampled_from(["", "", "\u3000\u3000", "  ", "\t"])
TRAILING = st.sampled_from(["", "", " ", "\u3000", "\t "])
BREAK = st.sampled_from(["\n", "\n\n", "\r\n", "\n\u3000\n"])


@st.composite
def document(draw) -> tuple[str, list[str]]:
    """(raw text, its lines as written): a title, then headings and paragraphs."""
    lines = [draw(heading())]
    for _ in range(draw(st.integers(1, 5))):
        lines += [draw(heading())] if draw(st.booleans()) else draw(paragraph_lines())
    raw = "".join(draw(INDENT) + line + draw(TRAILING) + draw(BREAK) for line in lines)
    return raw, lines


def _latin(char: str) -> bool:
    narrow = unicodedata.normalize("NFKC", char)
    return len(narrow) == 1 and narrow.isascii() and narrow.isalpha()


def _joined(pieces: list[str]) -> str:
    """Source lines joined as the joiner joins them: nothing between, a space between Latin letters."""
    out = pieces[0]
    for piece in pieces[1:]:
        out += (" " if _latin(out[-1]) and _latin(piece[0]) else "") + piece
    return out


def _oracle_check(displayed: list[str], lines: list[str]) -> None:
    """Each displayed paragraph is the next few source lines (whitespace collapsed) joined."""
    source = [" ".join(line.split()) for line in lines]
    position = 0
    for paragraph in displayed:
        for end in range(position + 1, len(source) + 1):
            if _joined(source[position:end]) == paragraph:
                position = end
                break
        else:
            pytest.fail(f"{paragraph!r} is not the source lines {source[position:]!r} joined")
    assert position == len(source)


@settings(max_examples=300, deadline=None)
@given(document())
def test_displayed_paragraphs_are_the_source_lines_as_written_after_joining(doc):
    raw, lines = doc
    _oracle_check(normalize_text(raw), lines)


@settings(max_examples=200, deadline=None)
@given(document())
def test_a_record_shows_the_paragraphs_as_written(doc):
    raw, _ = doc
    shown = normalize_text(raw)
    (record,) = extract_documents(raw)
    assert list(record.paragraphs) in (shown[1:], shown)
    assert record.title in shown or (record.title.endswith("…") and record.title[:-1] in shown[0])


def _covered(text: str, phrase: str) -> bool:
    """Whether occurrences of ``phrase`` cover every character of ``text`` (merged highlights)."""
    covered = [False] * len(text)
    start = text.find(phrase)
    while start >= 0:
        covered[start : start + len(phrase)] = [True] * len(phrase)
        start = text.find(phrase, start + 1)
    return bool(text) and all(covered)


@settings(max_examples=300, deadline=None)
@given(document(), st.data())
def test_each_highlight_folded_is_the_folded_phrase(doc, data):
    raw, _lines = doc
    (record,) = extract_documents(raw)
    display = "\n".join((record.title, *record.paragraphs))
    folded = search_text(record.title, record.paragraphs)
    line = data.draw(st.sampled_from(list(record.paragraphs or [record.title])))
    start = data.draw(st.integers(0, len(line) - 1))
    phrase = line[start : data.draw(st.integers(start + 1, min(len(line), start + 12)))]
    query = normalize_query(phrase)
    if not query or query != fold(phrase):  # a phrase with edge spaces: the query is stripped
        return
    spans = find_spans(folded, [query])
    assert spans, (phrase, display)
    for a, b in spans:
        assert _covered(fold(display[a:b]), query)
    marks = re.findall("<mark[^>]*>(.*?)</mark>", "".join(snippets(display, folded, [query], limit=10)))
    assert marks and all(_covered(fold(unescape(m)), query) for m in marks)
    page = mark(display, spans)
    assert all(_covered(fold(unescape(m)), query) for m in re.findall("<mark[^>]*>(.*?)</mark>", page))


# -- single behaviours ----------------------------------------------------------------------------

NEWS = (
    "全国春耕生产有序推进\n\n"
    "央视网消息（新闻联播）：农业农村部近日提出，2020年要稳定粮食播种面积（约１７亿亩），确保谷物基本自给。\n\n"
    "各地抓紧抓实春耕备耕……把农时抢回来；國務院有关部门加强指导！\n"
)


def test_news_item_is_shown_with_its_full_width_punctuation():
    (record,) = extract_documents(NEWS)
    assert record.title == "全国春耕生产有序推进"
    assert record.paragraphs == (
        "央视网消息（新闻联播）：农业农村部近日提出，2020年要稳定粮食播种面积（约１７亿亩），确保谷物基本自给。",
        "各地抓紧抓实春耕备耕……把农时抢回来；國務院有关部门加强指导！",
    )


def test_half_width_query_marks_the_full_width_phrase_as_written():
    (record,) = extract_documents(NEWS)
    display = "\n".join((record.title, *record.paragraphs))
    folded = search_text(record.title, record.paragraphs)
    assert snippets(display, folded, [normalize_query("(新闻联播):农业")], width=20) == [
        "央视网消息<mark>（新闻联播）：农业</mark>农村部近日提…"
    ]


def test_ellipsis_matches_as_written_and_three_dots_do_not():
    (record,) = extract_documents(NEWS)
    folded = search_text(record.title, record.paragraphs)
    assert normalize_query("备耕……把") in folded
    assert normalize_query("备耕......把") not in folded


def test_full_width_digits_and_traditional_characters_match_their_plain_forms():
    (record,) = extract_documents(NEWS)
    folded = search_text(record.title, record.paragraphs)
    assert normalize_query("约17亿亩") in folded and normalize_query("国务院有关部门") in folded


def test_metadata_reads_the_narrow_form_and_the_record_keeps_the_title_as_written():
    raw = (
        "郑州市人民政府办公厅\n\n郑政办文〔２０２２〕１２号\n\n郑州市人民政府办公厅关于加快（试点）工作的通知\n\n"
        "各区人民政府：现将有关事项通知如下。\n"
    )
    (record,) = extract_documents(raw)
    assert record.title == "郑州市人民政府办公厅关于加快（试点）工作的通知"
    assert record.doc_number == "郑政办文〔2022〕12号"
    assert "各区人民政府：现将有关事项通知如下。" in record.paragraphs


PAGE = (
    "郑东新区要闻\n\n"
    "加快（中原）科技城建设\n\n全力推动高质量发展\n\n"
    "本报讯 ２０２０年7月18日，郑东新区党工委扩大会议召开，学习传达省委全会精神。\n\n"
    "会议强调：要按照全市“东强”功能布局推进工作！\n\n"
    "郑东新区召开“双改”工作推进会\n\n"
    "本报讯 7月20日，郑东新区召开“双改”工作推进会；会议部署了下一步工作。\n"
)


def test_news_items_of_a_page_keep_their_headlines_and_text_as_written():
    first, second = extract_documents(PAGE)
    assert first.title == "加快（中原）科技城建设 全力推动高质量发展"
    assert first.paragraphs == (
        "郑东新区要闻",
        "本报讯 ２０２０年7月18日，郑东新区党工委扩大会议召开，学习传达省委全会精神。",
        "会议强调：要按照全市“东强”功能布局推进工作！",
    )
    assert second.title == "郑东新区召开“双改”工作推进会"
    assert second.paragraphs == ("本报讯 7月20日，郑东新区召开“双改”工作推进会；会议部署了下一步工作。",)
    assert str(first.published) == "2020-07-18"  # read from the narrow "2020年7月18日,"


def test_title_cut_from_the_first_sentence_is_shown_as_written():
    raw = "本报讯（记者 马燕）7月18日，郑东新区党工委扩大会议召开，会议学习传达了省委十届十一次全会精神和市委全会精神。"
    (record,) = extract_documents(raw)
    assert record.title == "（记者 马燕）7月18日，郑东新区党工委扩大会议召开，会议学…"


# -- the document page in Chromium ----------------------------------------------------------------


@pytest.fixture(scope="module")
def news_server(tmp_path_factory):
    from waitress import create_server

    from search.engines.embedded.commit import index_paths
    from tests.web_fixtures import make_app

    folder = tmp_path_factory.mktemp("news")
    (folder / "20200301_01.txt").write_text(NEWS, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("news-index")
    index_paths([folder], index_dir)
    app = make_app(index_dir, tmp_path_factory.mktemp("news-web") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield f"http://127.0.0.1:{wsgi.effective_port}", index_dir
    wsgi.close()


def test_document_page_in_chromium_shows_full_width_punctuation_as_written(news_server):
    from playwright.sync_api import expect, sync_playwright

    server, _index_dir = news_server
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing ({CHROMIUM}): install it with `make system-deps`", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 700}).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server + "/search?q=(新闻联播):")  # typed half-width
        expect(page.locator(".hit-title a")).to_have_text("全国春耕生产有序推进")
        expect(page.locator(".snippet mark").first).to_have_text("（新闻联播）：")
        page.locator(".hit-title a").click()
        expect(page.locator(".document mark")).to_have_text(["（新闻联播）："])
        text = page.locator(".document").inner_text()
        assert (
            "央视网消息（新闻联播）：农业农村部近日提出，2020年要稳定粮食播种面积（约１７亿亩），确保谷物基本自给。"
            in text
        )
        assert "各地抓紧抓实春耕备耕……把农时抢回来；國務院有关部门加强指导！" in text
        assert "(新闻联播):" not in text and "提出," not in text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "display-as-written.png"), full_page=True, caret="initial")
        browser.close()
    assert errors == []
