"""Ranking reveals nothing (issue 27, item 4): a public hit scores the same for a reader whatever
restricted documents hold the phrase (the probe saw 3.6039 with them, 4.2961 without)."""

from __future__ import annotations

from pathlib import Path

from search.access import Actor
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import search
from search.engines.embedded.visibility import visible_documents
from search.query import SearchRequest

READER = Actor("li", "reader", frozenset())
HR = Actor("wang", "reader", frozenset({"人事"}))
PUBLIC = {
    "public.txt": "二七区报告\n\n二七区部署稳就业工作，稳就业是头等大事，推进老旧小区改造。\n",
    "other.txt": "金水区报告\n\n金水区持续深化放管服改革。\n",
}
HIDDEN = {f"hidden{n}.txt": f"人事报告{n}\n\n考核稳就业稳就业稳就业。\n" + "人事工作。\n" * (n * 20) for n in range(4)}


def _index(folder: Path, files: dict[str, str], manifest: str | None, index_dir: Path) -> Archive:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if manifest:
        (folder / "manifest.csv").write_text(manifest, encoding="utf-8")
    index_paths([folder], index_dir)
    return Archive(index_dir)


def _scores(archive: Archive, actor: Actor) -> dict[str, float]:
    snapshot = archive.snapshot()
    results = search(snapshot, SearchRequest(q="稳就业"), visible=visible_documents(snapshot, actor))
    return {hit.source: hit.score for hit in results.hits}


def test_a_public_hit_scores_the_same_whatever_restricted_documents_hold_the_phrase(tmp_path):
    rows = "filename,access\n" + "".join(f"{name},人事\n" for name in HIDDEN)
    with_hidden = _index(tmp_path / "a", {**PUBLIC, **HIDDEN}, rows, tmp_path / "ia")
    without = _index(tmp_path / "b", PUBLIC, None, tmp_path / "ib")
    alone = _scores(without, READER)
    assert list(alone) == ["public.txt"]
    assert _scores(with_hidden, READER) == alone
    # whoever may see them ranks with them: their statistics are their own
    seen = _scores(with_hidden, HR)
    assert sorted(seen) == ["hidden0.txt", "hidden1.txt", "hidden2.txt", "hidden3.txt", "public.txt"]
    assert seen["public.txt"] != alone["public.txt"]
    assert _scores(with_hidden, Actor("root", "admin", frozenset())) == seen
