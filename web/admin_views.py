"""Pages for administrators: 未能读取的文件, the files the last indexing runs could not use, and why.

An administrator (anyone on a server without logins, which is one person's own machine) sees it;
anyone else gets the 404 of a page that does not exist, so its existence tells nothing.
"""

from __future__ import annotations

from flask import abort, render_template

from search.ingest.reasons import reason_in_chinese
from search.ingest.skipped import by_format, read_skipped
from web.auth import actor
from web.blueprint import bp, engine


@bp.get("/admin/skipped")
def skipped_files():
    """Every file the last runs skipped, grouped by format, with the reason each was skipped."""
    who = actor()
    if who is None or not who.is_admin:
        abort(404)
    skipped = sorted(read_skipped(engine().state_dir()), key=lambda entry: (entry.format, entry.source))
    table = sorted(by_format(skipped).items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return render_template("admin_skipped.html", skipped=skipped, table=table, chinese=reason_in_chinese)


@bp.get("/admin")
def admin_home():
    """The administrators' pages, with what each holds now (the top bar has one 管理 link to here)."""
    who = actor()
    if who is None or not who.is_admin:
        abort(404)
    return render_template("admin.html", skipped=len(read_skipped(engine().state_dir())))
