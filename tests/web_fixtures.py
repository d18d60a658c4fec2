"""Fixtures for the web tests: apps over the seeds index and over a small hostile corpus.

Import the fixtures into a test module (``from tests.web_fixtures import web_app, client``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search.engines.embedded.commit import index_paths
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# A report whose title and text carry markup and spreadsheet formulas.
HOSTILE_FILES = {
    "hostile.txt": (
        '<script>alert("x")</script>老旧小区改造通知\n\n'
        '=HYPERLINK("http://evil.example","点我")老旧小区\n\n'
        "<img src=x onerror=alert(1)>老旧小区改造全面启动。\n\n"
        "@SUM(1+1) 稳就业 & <b>粗体</b>\n"
    ),
    "formula.txt": "=1+2 老旧小区公告\n\n老旧小区改造正文。\n",
}


def make_app(index_dir: Path, saved_db: Path, **config):
    """The app over ``index_dir``; its saved queries, accounts and audit log beside ``saved_db``."""
    return create_app(
        {
            "INDEX_DIR": str(index_dir),
            "SAVED_DB": str(saved_db),
            "USERS_DB": str(Path(saved_db).with_name("users.sqlite3")),
            "AUDIT_LOG": str(Path(saved_db).with_name("audit.jsonl")),
            "STATE_DIR": str(Path(saved_db).parent),  # a URL index's local state (the web secret)
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            **config,
        }
    )


@pytest.fixture
def web_app(seeds_index, tmp_path):
    """The app over the (read-only) seeds index; saved queries in a fresh file per test."""
    return make_app(seeds_index, tmp_path / "saved.sqlite3")


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-docs")
    for name, text in HOSTILE_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("hostile-index")
    index_paths([folder], index_dir)
    return index_dir


@pytest.fixture
def hostile_client(hostile_index, tmp_path):
    return make_app(hostile_index, tmp_path / "saved.sqlite3").test_client()


@pytest.fixture
def writable_seeds(tmp_path):
    """A copy of seeds/ and its own index, which a test may change and re-index."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    return folder, index_dir


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_token(client) -> str:
    """The session's CSRF token, as the page's forms carry it."""
    page = soup(client.get("/"))
    return page.find("input", attrs={"name": "csrf_token"})["value"]


def facet_link(page: BeautifulSoup, group: str, label: str) -> str:
    """The toggle URL of one facet value (by its label) in one facet group."""
    for link in page.select(f".facet-{group} a.facet-value"):
        if link.select_one(".label").get_text(strip=True) == label:
            return link["href"]
    raise AssertionError(f"no {group} facet value {label!r}")


def facet_counts(page: BeautifulSoup, group: str) -> dict[str, int]:
    """label -> count of the top-level values of one facet group."""
    counts = {}
    for link in page.select(f".facet-{group} > ul > li > a.facet-value, .facet-{group} details a.facet-value"):
        counts[link.select_one(".label").get_text(strip=True)] = int(link.select_one(".n").get_text())
    return counts


def place_counts(page: BeautifulSoup) -> dict[str, int]:
    """label -> count of every place the 区域 facet lists (the home area's places included)."""
    return {
        link.select_one(".label").get_text(strip=True): int(link.select_one(".n").get_text())
        for link in page.select(".facet-district a.facet-value")
    }


def total_shown(page: BeautifulSoup) -> int:
    return int(page.select_one("#total").get_text())


def hit_ids(page: BeautifulSoup) -> list[str]:
    return [re.match(r"/doc/([^?]+)", a["href"]).group(1) for a in page.select(".hit-title a")]


def save(client, name: str, args: str):
    """Save a query through the web form (as a signed-in user would)."""
    return client.post("/saved", data={"csrf_token": csrf_token(client), "name": name, "args": args})


def slug_of(client, name: str) -> str:
    """The slug of the saved query listed under ``name`` on /saved."""
    page = soup(client.get("/saved"))
    link = next(a for a in page.select("a.saved-link") if a.get_text() == name)
    return link["href"].rsplit("/", 1)[1]
