"""Attacks from another origin, run in a real Chromium against the production server (issue 10).

The attacker's page is served by a second server on another loopback port: a
different origin, but the same site, so the browser even sends the victim's
SameSite=Lax session cookie along (the worst case).
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from waitress import create_server

from search.saved.store import SavedQueries
from tests.web_fixtures import make_app

ATTACK_PAGE = """<!doctype html><meta charset="utf-8"><title>cat pictures</title>
<script>
const target = "{target}";
fetch(target + "/saved/{slug}/delete", {{method: "HEAD", mode: "no-cors", credentials: "include"}})
  .then(() => fetch(target + "/saved/{slug}", {{mode: "no-cors", credentials: "include"}}))
  .then(() => fetch(target + "/saved/{slug}/delete", {{method: "POST", mode: "no-cors", credentials: "include"}}))
  .finally(() => {{ document.title = "done"; }});
</script>"""


@pytest.fixture
def app_server(seeds_index, tmp_path):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield app, f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture
def attacker_site(tmp_path):
    folder = tmp_path / "attacker"
    folder.mkdir()
    handler = partial(_QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_cross_site_head_fetch_deletes_nothing_and_is_not_a_view(browser, app_server, attacker_site):
    app, target = app_server
    folder, attacker = attacker_site
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        # The victim saves a query through the UI, so the browser holds a session cookie.
        page.goto(target + "/search?q=老旧小区")
        page.fill("form.save-form input[name=name]", "旧改")
        page.click("form.save-form button")
        page.wait_for_url(target + "/saved**")
        store = SavedQueries(app.config["SAVED_DB"])
        [saved] = store.all()
        requests = []
        page.on("request", lambda r: requests.append((r.method, r.url)))
        (folder / "index.html").write_text(ATTACK_PAGE.format(target=target, slug=saved.slug), encoding="utf-8")
        page.goto(attacker + "/index.html")
        page.wait_for_function("document.title === 'done'")
        assert ("HEAD", f"{target}/saved/{saved.slug}/delete") in requests  # the browser did send it
        assert [s.slug for s in store.all()] == [saved.slug]
        assert store.get(saved.slug).last_viewed is None
    finally:
        context.close()
