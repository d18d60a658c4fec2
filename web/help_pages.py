"""/advanced (高级检索) and /help (检索帮助): the query syntax taught in Chinese, by example and by a form.

The advanced form is a GET form: submitted, it redirects to the search page
with the query it builds (``search.query.advanced``), so it works without
JavaScript; ``/advanced/query.json`` gives the built query for the form's live
preview.  Every example on the help page is a link that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for

from search.meta import DOC_TYPES
from search.query import SearchRequest, parse_query
from search.query.advanced import AdvancedForm
from web.pages import search_url

bp = Blueprint("help", __name__)

# The query arguments the top menu carries from page to page (the query and the filters).
NAV_KEEPS = (
    "q",
    "mode",
    "district",
    "topic",
    "issuer",
    "type",
    "docno",
    "year",
    "month",
    "from",
    "to",
    "variants",
    "dedup",
)


@dataclass(frozen=True)
class Operator:
    """One construct of the query syntax, with a worked example."""

    syntax: str
    meaning: str
    example: str
    explained: str


OPERATORS = (
    Operator(
        "词语 词语",
        "同时包含（空格分开的词都要出现）",
        "中原科技城 建设",
        "标题或正文中既有“中原科技城”，又有“建设”的文档。",
    ),
    Operator(
        '"…"',
        '完整短语（含空格或标点时加英文引号；引号内用 \\" 表示引号本身）',
        '"突出重点 担当作为"',
        "原文按此顺序出现“突出重点 担当作为”。不加引号时，空格会把它拆成两个词。",
    ),
    Operator(
        "A OR B、A|B",
        "任一（至少包含其中一个）",
        "稳就业 OR 保就业",
        "包含“稳就业”或“保就业”的文档；也可写成 稳就业|保就业。",
    ),
    Operator(
        "-词语、NOT 词语",
        "排除",
        "老旧小区 -加装电梯",
        "包含“老旧小区”但不含“加装电梯”的文档；也可写成 老旧小区 NOT 加装电梯。",
    ),
    Operator("title:词语", "只在标题中查找", "title:老旧小区", "标题中有“老旧小区”的文档。"),
    Operator(
        "A NEAR/n B",
        "邻近：两者之间最多隔 n 个字（顺序不限，同一段内；只写 NEAR 即 NEAR/10）",
        "老旧小区 NEAR/5 加装电梯",
        "“老旧小区”与“加装电梯”相隔不超过 5 个字。",
    ),
    Operator(
        "A SENT B",
        "同句：两者出现在同一句中（句子以 。！？；或换段结束）",
        "老旧小区 SENT 加装电梯",
        "同一句话里既说老旧小区，又说加装电梯。",
    ),
    Operator("A PARA B", "同段：两者出现在同一段中", "老旧小区 PARA 加装电梯", "同一段里两者都出现。"),
    Operator("词语$n", "至少出现 n 次", "放管服$3", "全文中“放管服”至少出现 3 次（互不重叠地计数）。"),
    Operator(
        "~词语",
        "含同义词：词典中同一组的说法都算",
        "~放管服",
        "放管服、简政放权、放管结合、优化服务，任一出现即可。检索框旁的“含同义词”开关对每个词都这样做。",
    ),
    Operator(
        "district:区域", "区域（写名称的一部分即可）", "district:二七区", "区域为二七区的文档；district:郑东 也可以。"
    ),
    Operator("topic:主题", "主题（主题名或其触发词）", "topic:就业", "归入“就业”主题的文档。"),
    Operator("year:年份", "年份或年份范围", "year:2019..2021", "2019 至 2021 年的文档；year:2020 只要 2020 年。"),
    Operator(
        "month:月份", "月份", "month:2020-07", "日期在 2020 年 7 月（或当月某日）的文档；也可写 month:2020年7月。"
    ),
    Operator(
        "date:起..止",
        "日期范围（可只写一端；也可用 近一年、近3个月、今年、去年、本月、上月）",
        "date:2020-07..2020-08",
        "日期完全落在 2020 年 7 月至 8 月之间的文档；date:..2020-06 表示 2020 年 6 月及以前。",
    ),
    Operator("issuer:机关", "发文机关（写名称的一部分即可）", "issuer:人民政府", "发文机关名称中含“人民政府”的文档。"),
    Operator("type:文种", "文种：" + "、".join(DOC_TYPES), "type:工作报告", "文种为工作报告的文档。"),
    Operator(
        "docno:文号",
        "发文字号（各种括号均可：〔〕 [] () 【】；写前缀即查整个系列）",
        "docno:郑政〔2021〕5号",
        "文号为郑政〔2021〕5号的文档；docno:郑政〔 查郑政系列的全部文件。",
    ),
)

NOTES = (
    "精确匹配：每个词按原文逐字查找（如同 Ctrl-F），“小区”也会找到“老旧小区”，所以不需要通配符（本系统没有 * 或 ? 通配符）。",
    "分词匹配：把词切分成词语，各词语出现在文中任意位置即可，结果更多、更宽松。",
    "结合的先后：OR 比空格（同时包含）结合得紧：稳就业 老旧小区 OR 棚户区 即 稳就业 且（老旧小区 或 棚户区）；"
    "NEAR/n、SENT、PARA 又比 OR 紧。本语法没有括号。",
    "繁体字、全角字符、英文大小写在检索时自动统一：國民經濟 与 国民经济 结果相同。",
    "写错了也不会报错：缺右引号、单独的 OR 等会被宽松地理解，结果页上方的“查询理解为”会说明如何理解。",
)


def example_url(example: str) -> str:
    """The search page's URL for an example query."""
    return search_url(SearchRequest(q=example))


@bp.get("/help")
def help_page():
    """GET /help: the query syntax, each operator with an example link and how it is read."""
    examples = [(op, example_url(op.example), parse_query(op.example).describe()) for op in OPERATORS]
    return render_template("help.html", operators=examples, notes=NOTES)


@bp.get("/advanced")
def advanced_page():
    """GET /advanced: the advanced search form; submitted (``go``), on to the search it builds."""
    form = AdvancedForm.from_args(request.args)
    built = form.to_query()
    if "go" in request.args and built:
        return redirect(example_url(built), code=303)
    return render_template(
        "advanced.html",
        form=form,
        built=built,
        doc_types=DOC_TYPES,
        read_as=parse_query(built).describe() if built else "",
        empty_submit="go" in request.args and not built,
    )


@bp.get("/advanced/query.json")
def advanced_query():
    """The query the form's fields build, and how it is read (the form's live preview)."""
    built = AdvancedForm.from_args(request.args).to_query()
    return jsonify(
        {
            "query": built,
            "read_as": parse_query(built).describe() if built else "",
            "url": example_url(built) if built else None,
        }
    )


def nav_args() -> dict[str, list[str]]:
    """The current query and filters, for the top menu's links (趋势 and 上下文 keep the query)."""
    return {key: request.args.getlist(key) for key in NAV_KEEPS if request.args.get(key)}


def nav_url(endpoint: str) -> str:
    """The top menu's link to ``endpoint`` carrying ``nav_args``; a concordance takes the first query."""
    args: dict[str, Any] = nav_args()
    if endpoint != "analysis.trend_view" and len(args.get("q", ())) > 1:
        args["q"] = args["q"][:1]
    return url_for(endpoint, **args)


def printed_at() -> str:
    """Now, as a printed page's header says it (the server's local time)."""
    now = datetime.now()
    return f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}"


def init_app(app: Flask) -> None:
    """Register the help pages and give templates ``nav_url`` and ``printed_at``."""
    app.register_blueprint(bp)
    app.add_template_global(nav_url)
    app.add_template_global(printed_at)
