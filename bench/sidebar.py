"""The facet sidebar beside ten results (issue 22): its height against the results column at 1366x900,
and on a phone (390x844) whether the first result comes before the facets; screenshots of both.

    search serve --index /tmp/full-index --port 18431 &    # an index of the whole of bench/data
    python bench/sidebar.py http://127.0.0.1:18431/

Screenshots go to bench/out/sidebar/. Prints a table and one JSON line. Target: the sidebar no
taller than the ten results; on the phone the facets hidden behind 筛选 and a result on the first screen.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import OUT

SCREENS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
MEASURE = """() => {
  const box = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect() : null; };
  const side = document.querySelector('.sidebar');
  return {page: document.documentElement.scrollHeight, sidebar: side.getBoundingClientRect().height,
          sidebar_shown: getComputedStyle(side).display !== 'none', results: box('.hits-column').height,
          first_hit_top: box('ol.hits > li').top, hits: document.querySelectorAll('ol.hits > li').length};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="the home page of a running server")
    args = parser.parse_args()
    folder = OUT / "sidebar"
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for name, viewport in SCREENS.items():
            phone = name == "phone"
            context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
            page = context.new_page()
            page.goto(args.url, wait_until="networkidle")
            found[name] = page.evaluate(MEASURE)
            page.screenshot(path=str(folder / f"home-{name}.png"))
            page.screenshot(path=str(folder / f"home-{name}-full.png"), full_page=True)
            context.close()
        browser.close()
    print(
        f"{'screen':<8} {'page px':>8} {'sidebar px':>10} {'shown':>6} {'results px':>10} {'hits':>5} {'1st hit y':>9}"
    )
    for name, m in found.items():
        print(
            f"{name:<8} {m['page']:>8.0f} {m['sidebar']:>10.0f} {m['sidebar_shown']!s:>6} {m['results']:>10.0f}"
            f" {m['hits']:>5} {m['first_hit_top']:>9.0f}"
        )
    desktop, phone = found["desktop"], found["phone"]
    targets = {
        "sidebar_fits_beside_ten_results": desktop["hits"] == 10 and desktop["sidebar"] <= desktop["results"],
        "phone_results_first": not phone["sidebar_shown"] and phone["first_hit_top"] < SCREENS["phone"]["height"],
    }
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in targets.items()))
    print(json.dumps({"bench": "sidebar", "url": args.url, "screens": found, "targets": targets}))


if __name__ == "__main__":
    main()
