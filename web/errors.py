"""Error pages in Chinese: 400 says what was wrong, 404/405 say where to go, 500 apologises (and is logged)."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable, default_exceptions

from search.errors import IndexDamaged, SearchError, Unsupported

TITLES = {
    400: "请求有误",
    401: "需要登录",
    403: "无权访问",
    429: "请稍后再试",
    404: "找不到页面",
    405: "不支持此操作",
    413: "提交的内容过大",
    500: "服务器出错了",
    503: "搜索服务暂时不可用",
}
DEFAULT_MESSAGES = {
    400: "请求的参数无法使用。",
    401: "需要登录后才能访问。",
    403: "无权访问此地址。",
    404: "没有这个页面或文档。它可能已从索引中删除，或者链接有误。",
    405: "此地址不支持这种请求方式。",
    413: "提交的内容过大。",
    500: "处理请求时出现意外错误，已记录下来。请稍后再试，或回到搜索页。",
}


def error_response(error: HTTPException):
    """The error as a page, an htmx fragment or JSON (by the path), its message in Chinese, never the exception's text."""
    code = error.code or 500
    if code == 500:
        message = DEFAULT_MESSAGES[500]  # never the exception's text
    elif error.description and error.description != getattr(default_exceptions.get(code), "description", None):
        message = error.description  # ours, already in Chinese (Werkzeug's own are English)
    else:
        message = DEFAULT_MESSAGES.get(code, "请求无法完成。")
    title = TITLES.get(code, "请求无法完成")
    if request.path.endswith(".json"):
        response = jsonify({"error": message, "status": code})
    else:
        fragment = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
        template = "partials/error.html" if fragment else "error.html"
        response = make_response(render_template(template, code=code, title=title, message=message))
    response.status_code = code
    # The same URL answers a page or a fragment depending on these, errors included.
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    for name, value in error.get_headers() if code in (401, 429) else ():
        if name in ("Retry-After",):
            response.headers[name] = value
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Cookie realm="govsearch"'
    return response


def engine_error(error: SearchError):
    """What the engine said it cannot do (400), or that its cluster does not answer (503), in one line."""
    unsupported = isinstance(error, Unsupported)
    kind = BadRequest if unsupported else ServiceUnavailable
    prefix = "此索引不支持这项检索" if unsupported else "搜索服务暂时不可用"
    # A damaged index: the page says what the administrator must do (rebuild), as the command line does.
    hint = f"（{error.hint}）" if error.hint and isinstance(error, IndexDamaged) else ""
    return error_response(kind(f"{prefix}：{error.message}{hint}"))


def internal_error(error: InternalServerError):
    """A 500 with the generic message (what broke stays in the log)."""
    return error_response(InternalServerError())


def init_app(app) -> None:
    """Answer HTTP errors, unexpected exceptions and the engine's errors with ``error_response``."""
    app.register_error_handler(HTTPException, error_response)
    app.register_error_handler(InternalServerError, internal_error)
    app.register_error_handler(SearchError, engine_error)
