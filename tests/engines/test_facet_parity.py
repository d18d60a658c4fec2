"""The JSON twin carries the facet counts the results page shows, a selected facet's included."""

from __future__ import annotations

from bs4 import BeautifulSoup

from search.engines.embedded.run import search
from search.query import SearchRequest


def page_counts(html: str, name: str) -> dict[str, int]:
    soup = BeautifulSoup(html, "html.parser")
    section = soup.select_one(f"section.facet-{name}")
    return {
        a.select_one(".label").get_text(): int(a.select_one(".n").get_text()) for a in section.select("a.facet-value")
    }


def test_search_json_lists_the_other_districts_of_a_selected_district_like_the_page(client, seeds_snapshot):
    unselected = search(seeds_snapshot, SearchRequest(q="会议")).facets["district"]
    expected = {f.value: f.count for f in unselected}
    assert len(expected) > 1  # the seeds have 会议 in several districts
    chosen = next(iter(expected))
    data = client.get(f"/search.json?q=会议&district={chosen}").get_json()
    assert {f["value"]: f["count"] for f in data["facets"]["district"]} == expected
    assert data["total"] == expected[chosen]
    html = client.get(f"/search?q=会议&district={chosen}").get_data(as_text=True)
    assert page_counts(html, "district") == expected


def test_facets_without_a_selection_are_the_result_sets_own(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(q="会议", districts=("中原区",)))
    assert {f.value for f in results.facets["year"]} <= {
        f.value for f in search(seeds_snapshot, SearchRequest(q="会议")).facets["year"]
    }
    assert sum(f.count for f in results.facets["year"]) <= results.total
