"""An index that heals (issue 27, items 8-10): an empty index is an index; a killed first run is
completed by the next; a full disk fails in one line, leaves nothing behind, and the next run works;
damage says "rebuild", never a wrong answer and never an HTTP 500."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from search.cli.main import main
from search.engines.embedded.commit import index_paths
from search.engines.embedded.gramstore import GramSegment
from tests.conftest import SEEDS

GOOD = "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n"


def _query(runner, index_dir: Path, phrase: str):
    return runner.invoke(main, ["query", phrase, "--index", str(index_dir), "--json"])


def test_an_index_of_an_empty_folder_can_be_queried_counted_and_added_to(runner, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    assert runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"]).exit_code == 0
    result = _query(runner, index_dir, "稳就业")
    assert (result.exit_code, json.loads(result.output)["total"]) == (0, 0)
    stats = runner.invoke(main, ["stats", "--index", str(index_dir)])
    assert stats.exit_code == 0 and "documents:      0 (from 0 files)" in stats.output
    assert runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"]).exit_code == 0
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    added = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    assert added.output.startswith("+1 ~0 -0 files")
    assert json.loads(_query(runner, index_dir, "稳就业").output)["total"] == 1


def test_an_empty_index_serves_pages(tmp_path):
    from web import create_app

    (tmp_path / "docs").mkdir()
    index_paths([tmp_path / "docs"], tmp_path / "ix")
    client = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client()
    assert client.get("/search?q=稳就业").status_code == 200
    assert json.loads(client.get("/search.json?q=稳就业").data)["total"] == 0


def test_a_first_run_killed_before_its_commit_is_completed_by_the_next(tmp_path, monkeypatch):
    import search.engines.embedded.prepare as workers

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(GOOD.replace("二七区", name[0] * 3), encoding="utf-8")
    real = workers.read_documents

    def killed(source, data, taxonomy, *args):
        if source.source == "b.txt":
            raise KeyboardInterrupt
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(workers, "read_documents", killed)
    with pytest.raises(KeyboardInterrupt):
        index_paths([folder], tmp_path / "ix")
    monkeypatch.setattr(workers, "read_documents", real)
    report = index_paths([folder], tmp_path / "ix")  # a plain run, no --rebuild
    assert (sorted(report.added), report.total_documents) == (["a.txt", "b.txt", "c.txt"], 3)


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (root only: skipped where it cannot be mounted)."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_in_one_line_leaves_nothing_and_the_next_run_works(runner, tmp_path, small_disk):
    folder = tmp_path / "docs"
    folder.mkdir()
    chars = "稳就业保民生推进改革开放高质量发展科技创新乡村振兴生态环境保护教育医疗住房交通"
    draw = random.Random(1)
    for n in range(300):  # 2.2 MB of text: about 4.3 MB of index, on a 3 MB disk
        lines = ("".join(draw.choice(chars) for _ in range(60)) for _ in range(40))
        (folder / f"{n:03d}.txt").write_text(f"第{n}号报告\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    index_dir = small_disk / "ix"
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    assert result.exit_code != 0
    lines = result.output.splitlines()
    assert lines[0].startswith(f"error: no space left on the device of {index_dir} (")
    assert "this run needs about" in lines[0] and lines[0].endswith("); nothing was changed")
    assert lines[1:] == [
        "hint: free some space (or index into a folder on another disk), then run `search index` again"
    ]
    assert sorted(p.name for p in index_dir.iterdir()) == ["MAIN_WRITELOCK", "SCHEMA_VERSION", "_MAIN_0.toc"]
    assert json.loads(_query(runner, index_dir, "稳就业").output)["total"] == 0  # the empty index is whole
    for extra in sorted(folder.iterdir())[20:]:  # room made: fewer files
        extra.unlink()
    result = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    assert result.exit_code == 0 and result.output.startswith("+20 ~0 -0 files"), result.output
    assert json.loads(_query(runner, index_dir, "号报告").output)["total"] == 20
    nothing = runner.invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    assert nothing.exit_code == 0 and nothing.output.startswith("+0 ~0 -0 files")


@pytest.fixture
def seeds_copy(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    index_paths([folder], tmp_path / "ix")
    return tmp_path / "ix"


def _grams_file(index_dir: Path) -> Path:
    return next(p for p in index_dir.iterdir() if p.suffix == ".grams")


def test_a_flipped_postings_byte_says_rebuild_instead_of_a_wrong_answer(runner, seeds_copy):
    before = _query(runner, seeds_copy, "就业")
    assert before.exit_code == 0 and json.loads(before.output)["total"] > 0
    path = _grams_file(seeds_copy)
    part = GramSegment(path)
    start, length, _, _ = part._sections["postings"]
    part.close()
    data = bytearray(path.read_bytes())
    data[start + length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = runner.invoke(main, ["query", "就业", "--index", str(seeds_copy)])
    assert result.exit_code != 0
    assert result.output.splitlines()[0].startswith(f"error: the index in {seeds_copy} is damaged: ")
    assert "rebuild it with `search index --rebuild`" in result.output


def test_damaged_stored_fields_give_a_rebuild_page_not_a_500(runner, seeds_copy):
    from web import create_app

    stored = next(p for p in seeds_copy.iterdir() if p.name.endswith("._stored.col"))
    data = bytearray(stored.read_bytes())
    for offset in range(16, len(data) - 16, 97):
        data[offset] ^= 0x5A
    stored.write_bytes(bytes(data))
    client = create_app({"INDEX_DIR": str(seeds_copy), "TESTING": True}).test_client()
    response = client.get("/search?q=%E5%B0%B1%E4%B8%9A")
    assert response.status_code == 503
    assert "damaged" in response.get_data(as_text=True) and "--rebuild" in response.get_data(as_text=True)
    result = runner.invoke(main, ["query", "就业", "--index", str(seeds_copy)])
    assert result.exit_code != 0 and "rebuild it with `search index --rebuild`" in result.output
