"""高级检索 and 检索帮助 (issue 23): each field builds its documented query, which finds what typing it finds.

The corpus: two 公文 written here (a 通知 of 郑州市人民政府 with its 文号, an 意见
of 二七区人民政府办公室) and the five seed reports, so that every field has
something to find and something to leave out.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest

from search.engines.embedded.commit import index_paths
from search.query import parse_query
from search.query.advanced import FIELD_SYNTAX, AdvancedForm, quoted
from tests.conftest import SEEDS
from tests.web_fixtures import ROOT, make_app, soup

NOTICE = """郑州市人民政府关于加快老旧小区改造的通知

郑政〔2021〕5号

各区人民政府，市人民政府各部门：

为加快推进老旧小区改造，稳就业，保市场主体，现通知如下。

郑州市人民政府
2021年3月5日
"""
OPINION = """二七区人民政府办公室关于做好保就业工作的意见

二七政办〔2020〕12号

各街道办事处：

做好保就业工作，突出重点 担当作为。疫情防控不放松。

二七区人民政府办公室
2020年7月1日
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office") / "docs"
    shutil.copytree(SEEDS, folder)
    (folder / "notice.txt").write_text(NOTICE, encoding="utf-8")
    (folder / "opinion.txt").write_text(OPINION, encoding="utf-8")
    index_dir = folder.parent / "index"
    assert index_paths([folder], index_dir).warnings == []
    return index_dir


@pytest.fixture
def office_client(office, tmp_path):
    return make_app(office, tmp_path / "saved.sqlite3").test_client()


def ids_of(client, url: str) -> list[str]:
    return [h["id"] for h in client.get(url.replace("/search?", "/search.json?", 1)).json["hits"]]


@pytest.mark.parametrize(("field", "label", "value", "documented"), FIELD_SYNTAX)
def test_each_advanced_field_builds_its_documented_query(field, label, value, documented):
    assert AdvancedForm(**{field: value}).to_query() == documented


def test_every_field_together_builds_one_query_in_the_forms_order():
    form = AdvancedForm(
        title="老旧小区",
        phrase="突出重点 担当作为",
        all_words="稳就业 保市场主体",
        any_words="稳就业 保就业",
        none_words="疫情 防汛",
        issuer="人民政府",
        docno="郑政〔2021〕5号",
        doc_type="通知",
        district="二七区",
        date_from="2020-01",
        date_to="2021-12",
    )
    assert form.to_query() == (
        'title:老旧小区 "突出重点 担当作为" 稳就业 保市场主体 稳就业 OR 保就业 -疫情 -防汛 '
        "issuer:人民政府 docno:郑政〔2021〕5号 district:二七区 type:通知 date:2020-01..2021-12"
    )
    assert AdvancedForm(date_from="2020", date_to="2020").to_query() == "date:2020"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("OR", '"OR"'),
        ("not", '"not"'),
        ("-疫情", '"-疫情"'),
        ("a:b", '"a:b"'),
        ("放管服$3", '"放管服$3"'),
        ("~放管服", '"~放管服"'),
        ('说"好"', '"说\\"好\\""'),
        ("NEAR/5", '"NEAR/5"'),
        ("稳就业|保就业", '"稳就业|保就业"'),
        ("郑政〔2021〕5号", "郑政〔2021〕5号"),
    ],
)
def test_a_word_the_parser_would_read_as_syntax_is_quoted_into_a_phrase(word, expected):
    assert quoted(word) == expected
    [[atom]] = parse_query(AdvancedForm(all_words=word).to_query()).groups
    assert (atom.field, atom.value, atom.negated) == (
        "text",
        parse_query(f'"{word}"' if '"' not in word else expected).groups[0][0].value,
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "documented", "found"),
    [
        ("title", "老旧小区", "title:老旧小区", 1),
        ("phrase", "突出重点 担当作为", '"突出重点 担当作为"', 2),
        ("all_words", "稳就业 保市场主体", "稳就业 保市场主体", 2),
        ("any_words", "老旧小区改造 保就业", "老旧小区改造 OR 保就业", 6),
        ("none_words", "疫情", "-疫情", 6),
        ("issuer", "人民政府", "issuer:人民政府", 2),
        ("docno", "郑政〔2021〕5号", "docno:郑政〔2021〕5号", 1),
        ("doc_type", "意见", "type:意见", 1),
        ("district", "二七区", "district:二七区", 2),
        ("date_from", "2021", "date:2021..", 2),
        ("date_to", "2020-07-01", "date:..2020-07-01", 1),
    ],
)
def test_submitting_a_field_redirects_to_the_search_that_typing_its_query_runs(
    office_client, field, value, documented, found
):
    response = office_client.get("/advanced", query_string={field: value, "go": "1"})
    assert response.status_code == 303
    landing = response.headers["Location"]
    assert parse_qs(urlsplit(landing).query) == {"q": [documented]}
    typed = ids_of(office_client, "/search?" + urlsplit(landing).query)
    assert ids_of(office_client, landing) == typed
    assert len(typed) == found


def test_the_form_without_javascript_shows_the_query_it_builds(office_client):
    page = soup(
        office_client.get(
            "/advanced", query_string={"any_words": "稳就业 保就业", "none_words": "疫情", "preview": "1"}
        )
    )
    assert page.select_one("#built-query").get_text() == "稳就业 OR 保就业 -疫情"
    assert page.select_one("#built-read-as").get_text(" ", strip=True) == "理解为 (稳就业 OR 保就业) AND NOT 疫情"
    assert page.select_one("input[name=any_words]")["value"] == "稳就业 保就业"  # the form keeps what was typed


def test_an_empty_form_submitted_asks_for_one_field_and_stays(office_client):
    response = office_client.get("/advanced?go=1")
    assert response.status_code == 200
    assert soup(response).select_one(".notes").get_text() == "请至少填写一项。"


def test_the_live_preview_json_is_the_same_query(office_client):
    payload = office_client.get(
        "/advanced/query.json", query_string={"title": "老旧小区", "doc_type": "通知", "go": "1"}
    ).json
    assert payload == {
        "query": "title:老旧小区 type:通知",
        "read_as": "title:老旧小区 AND type:通知",
        "url": "/search?q=title%3A%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA+type%3A%E9%80%9A%E7%9F%A5",
    }


def readme_syntax() -> str:
    """The query syntax table of the docs (docs/query-syntax.md; it was the README's "Query syntax")."""
    text = (ROOT / "docs" / "query-syntax.md").read_text(encoding="utf-8")
    return text[: text.index("## How it binds")]


@pytest.mark.parametrize(
    "construct",
    [
        "OR",
        "|",
        "-",
        "NOT",
        "NEAR/",
        "SENT",
        "PARA",
        "$",
        "~",
        '"',
        "title:",
        "district:",
        "topic:",
        "year:",
        "month:",
        "date:",
        "issuer:",
        "type:",
        "docno:",
    ],
)
def test_the_help_page_explains_every_construct_of_the_readme_with_an_example(office_client, construct):
    assert construct in readme_syntax()
    rows = soup(office_client.get("/help")).select(".syntax-table tbody tr")
    [row] = [
        r
        for r in rows
        if construct in r.select_one("th").get_text()
        and (construct not in ("-", '"', "|") or r.select_one("th").get_text().startswith(("-", '"', "A OR")))
    ][:1]
    example = row.select_one(".example a")
    assert construct.rstrip("/") in example.get_text() or construct in ("|", "NOT")


def test_every_example_on_the_help_page_runs_as_written(office_client):
    page = soup(office_client.get("/help"))
    links = page.select(".syntax-table .example a")
    assert len(links) == 18
    for link in links:
        example = link.get_text()
        assert parse_qs(urlsplit(link["href"]).query) == {"q": [example]}
        assert list(parse_query(example).notes) == [], example
        assert office_client.get(link["href"]).status_code == 200


@pytest.mark.parametrize(
    "path", ["/search?q=不存在的词语组合", "/search?q=老旧小区改选", "/", "/trend", "/kwic?q=老旧小区"]
)
def test_the_help_page_is_linked_from_the_box_trend_kwic_and_every_zero_result_page(office_client, path):
    hrefs = {a["href"] for a in soup(office_client.get(path)).select("main a")}
    assert "/help" in hrefs


def test_the_top_menu_keeps_the_query_and_filters(office_client):
    page = soup(office_client.get("/search?q=老旧小区&district=二七区&year=2020"))
    trend, kwic = page.select_one("a.nav-trend")["href"], page.select_one("a.nav-kwic")["href"]
    assert parse_qs(urlsplit(trend).query) == {"q": ["老旧小区"], "district": ["二七区"], "year": ["2020"]}
    assert parse_qs(urlsplit(kwic).query) == parse_qs(urlsplit(trend).query)
    two = soup(office_client.get("/trend?q=稳就业&q=保就业"))
    assert parse_qs(urlsplit(two.select_one("a.nav-trend")["href"]).query) == {"q": ["稳就业", "保就业"]}
    assert parse_qs(urlsplit(two.select_one("a.nav-kwic")["href"]).query) == {"q": ["稳就业"]}
    assert re.fullmatch(r"/kwic", soup(office_client.get("/saved")).select_one("a.nav-kwic")["href"])
