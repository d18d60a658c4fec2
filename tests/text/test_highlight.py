"""Snippets: whole phrases marked, everything else escaped."""

from search.text.highlight import find_spans, mark, merge_spans, snippets


def test_overlapping_occurrences_merge_into_one_mark():
    assert find_spans("中原科技城", ["中原", "科技城", "原科"]) == [(0, 5)]


def test_touching_spans_merge():
    assert merge_spans([(3, 5), (0, 3)]) == [(0, 5)]


def test_mark_escapes_text_and_marked_text():
    assert mark("a<b>c&d", [(1, 4)]) == "a<mark>&lt;b&gt;</mark>c&amp;d"


def test_snippet_marks_the_whole_phrase_with_readable_context():
    display = "标题\n甲乙丙丁戊己庚辛壬癸中原科技城子丑寅卯辰巳午未申酉戌亥"
    result = snippets(display, display, ["中原科技城"], width=16)
    assert result == ["…己庚辛壬癸<mark>中原科技城</mark>子丑寅卯辰巳…"]


def test_snippet_window_never_cuts_a_phrase_at_its_edge():
    body = "一二三四五六七八九十" + "老旧小区改造" + "甲乙丙"
    display = "题\n" + body
    # width smaller than the phrase itself: the window grows to hold it whole
    result = snippets(display, display, ["老旧小区改造"], width=4)
    assert "<mark>老旧小区改造</mark>" in result[0]


def test_snippets_come_from_separate_places_at_most_three():
    para = "前文" * 40 + "稳就业" + "后文" * 40
    display = "题\n" + "\n".join([para] * 5)
    result = snippets(display, display, ["稳就业"], width=20)
    assert len(result) == 3
    assert all(s.count("<mark>稳就业</mark>") == 1 for s in result)


def test_title_only_match_is_shown_from_the_title():
    display = "老旧小区改造推进会\n会议要求加快进度。"
    assert snippets(display, display, ["老旧小区"], width=40) == ["<mark>老旧小区</mark>改造推进会"]


def test_no_occurrence_gives_the_opening_unmarked():
    display = "题\n<script>alert(1)</script>正文"
    assert snippets(display, display, ["无关"], width=40) == ["&lt;script&gt;alert(1)&lt;/script&gt;正文"]


def test_offsets_come_from_folded_text_and_apply_to_display_text():
    display = "题\nCBD区域成功入选"
    folded = display.lower()
    assert snippets(display, folded, ["cbd区域"], width=40) == ["<mark>CBD区域</mark>成功入选"]


def test_cut_snippet_starts_after_a_nearby_clause_break():
    display = "题\n" + "前面的内容很长很长很长。会议强调要加快中原科技城建设,后面还有很多很多很多内容内容"
    result = snippets(display, display, ["中原科技城"], width=24)
    assert result == ["…会议强调要加快<mark>中原科技城</mark>建设,…"]
