"""A small archive with reprints of known kinds, made from the seeds (the dedup tests' corpus).

Clusters (truth): A = a, a_copy (exact copy), a_headline (another headline, boilerplate lines added);
B = b, b_cut (its longest paragraph cut), b_typo (a few characters changed); C = c alone; D = d alone.
"""

from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

BOILERPLATE = ["责任编辑：张三", "来源：郑州日报", "分享到：微信 微博 QQ空间", "扫一扫在手机打开当前页"]


def paragraphs(name: str) -> list[str]:
    text = (SEEDS / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n") if p.strip()]


def typo(text: str, every: int = 300) -> str:
    """A few characters changed: one in every ``every``."""
    chars = list(text)
    for i in range(every // 2, len(chars), every):
        chars[i] = "某" if chars[i] != "某" else "甲"
    return "".join(chars)


def write(path: Path, title: str, body: list[str]) -> None:
    path.write_text(title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")


ROWS = [  # file, district, date
    ("a.txt", "郑东新区", "2020-08-08"),
    ("a_copy.txt", "二七区", "2020-08-12"),
    ("a_headline.txt", "郑东新区", "2021-01-05"),
    ("b.txt", "二七区", "2020-08-06"),
    ("b_cut.txt", "中原区", "2020-08-07"),
    ("b_typo.txt", "二七区", "2021-03-01"),
    ("c.txt", "中原区", "2020"),
    ("d.txt", "中原区", "2024"),
]
TRUTH = {
    "a.txt": "A",
    "a_copy.txt": "A",
    "a_headline.txt": "A",
    "b.txt": "B",
    "b_cut.txt": "B",
    "b_typo.txt": "B",
    "c.txt": "C",
    "d.txt": "D",
}


def make_corpus(folder: Path, access: dict[str, str] | None = None) -> Path:
    """The corpus in ``folder``; ``access``: file -> the groups that may see it (the manifest's access column)."""
    access = access or {}
    folder.mkdir(parents=True, exist_ok=True)
    a = paragraphs("000_754c89f9d7615ac7.txt")
    b = paragraphs("001_f03c825dd93f2a3d.txt")
    write(folder / "a.txt", a[0], a[1:])
    write(folder / "a_copy.txt", a[0], a[1:])
    write(
        folder / "a_headline.txt",
        "郑东新区召开半年工作会议",
        [BOILERPLATE[1], *a[1:], BOILERPLATE[0], BOILERPLATE[2], BOILERPLATE[3]],
    )
    write(folder / "b.txt", b[0], b[1:])
    longest = max(range(1, len(b)), key=lambda i: len(b[i]))
    cut = [p for i, p in enumerate(b[1:], start=1) if i != longest]
    write(folder / "b_cut.txt", b[0], cut)
    write(folder / "b_typo.txt", b[0], [typo(p) for p in b[1:]])
    c = paragraphs("002_e4afcd0e96c35912.txt")
    write(folder / "c.txt", "中原区今年的主要工作", c)
    d = paragraphs("003_5b08f66ed03d030d.txt")
    write(folder / "d.txt", d[0], d[1:])
    lines = ["filename\ttitle\tdistrict\tdate\taccess"] + [
        f"{f}\t\t{district}\t{date}\t{access.get(f, '')}" for f, district, date in ROWS
    ]
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
