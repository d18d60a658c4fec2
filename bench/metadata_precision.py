"""The precision tables of bench/metadata.py (issue 22): is each facet value clearly right?"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from search.engines.embedded.archive import Archive
from search.meta import FileFacts, extract_documents
from search.meta.issuers import is_doc_number
from search.meta.organs import issuer_organs, refusal
from search.meta.places import canonical_district, place_path

_CN = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """8 -> 八, 19 -> 十九, 20 -> 二十 (up to 99)."""
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else _CN[tens]) + "十") + ("" if ones == 0 else _CN[ones])


def region_place(region: str) -> str | None:
    first = (region or "").split("/")[0].split(",")[0].strip()
    return canonical_district(first) or first or None


def true_issuers(row: dict) -> set[str] | None:
    """The issuers a report's manifest row implies (any of them is right), or None (not judged)."""
    kind, place, title = row.get("doc_type", ""), region_place(row.get("region", "")), row.get("title", "")
    if kind == "政府工作报告" and place == "全国":
        return {"国务院", "中华人民共和国国务院", "中央人民政府"}
    if kind == "省级政府工作报告" and place:
        return {place + "人民政府"}
    if kind == "关于政府工作报告的决议" and "关于" in title:
        return {title.split("关于")[0]}
    congress = re.fullmatch(r"中共第(\d+)次全国代表大会报告", kind)
    if congress and int(congress.group(1)) >= 9:
        session = chinese_number(int(congress.group(1)) - 1)
        return {f"第{session}届中央委员会", f"中国共产党第{session}届中央委员会", "中央委员会"}
    return None


def grammatical(issuer: str) -> bool:
    return all(refusal(organ) is None for organ in issuer_organs(issuer))


def _share(n: int, of: int) -> float:
    return round(n / of, 4) if of else 0.0


def report_precision(reports: dict, report_rows: list[dict], news: dict, news_rows: list[dict]) -> dict:
    """Issuer and place precision and recall on the reports; place share and precision on the news."""
    issuer, place = Counter(), Counter()
    examples: list[str] = []
    for row in report_rows:
        source = row["filename"]
        for _published, district, extra in reports.get(source, [(None, None, {})]):
            truth, found = true_issuers(row), extra.get("issuer")
            if found:
                issuer["found"] += 1
                issuer["grammatical"] += grammatical(found)
            if truth is not None:
                issuer["judged"] += 1
                if found:
                    issuer["judged_found"] += 1
                    issuer["right"] += found in truth
                    if found not in truth and len(examples) < 8:
                        examples.append(f"{source}: issuer {found} (true {'/'.join(sorted(truth))})")
            true_place = region_place(row.get("region", ""))
            if true_place:
                place["judged"] += 1
                if district:
                    place["found"] += 1
                    right = true_place in place_path(district)
                    place["right"] += right
                    if not right and len(examples) < 16:
                        examples.append(f"{source}: place {district} (true {true_place})")
    news_place = Counter()
    for row in news_rows:
        truth = region_place(row.get("region", ""))
        for _published, district, _extra in news.get(row["filename"], [(None, None, {})]):
            news_place["items"] += 1
            news_place["with_place"] += bool(district)
            if truth and district:
                news_place["judged"] += 1
                right = truth in place_path(district)
                news_place["right"] += right
                if not right and len(examples) < 24:
                    examples.append(f"news {row['filename']}: place {district} (true {truth})")
    return {
        "reports": {
            "issuer": {
                **issuer,
                "precision": _share(issuer["right"], issuer["judged_found"]),
                "recall": _share(issuer["right"], issuer["judged"]),
                "grammatical_share": _share(issuer["grammatical"], issuer["found"]),
            },
            "place": {
                **place,
                "precision": _share(place["right"], place["found"]),
                "recall": _share(place["right"], place["judged"]),
            },
        },
        "news": {
            **news_place,
            "with_place_share": _share(news_place["with_place"], news_place["items"]),
            "place_precision": _share(news_place["right"], news_place["judged"]),
        },
        "examples": examples,
    }


def news_issuers(files: list[tuple[Path, str]]) -> dict:
    """News items whose issuer came from their headline or text (not meta, a field or a 落款)."""
    counts, examples = Counter(), []
    for path, relative in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for record in extract_documents(text, facts=FileFacts(relative)):
            if record.doc_type != "新闻":
                continue
            counts["items"] += 1
            found = record.evidence_for("issuer")
            if found:
                counts["with_issuer"] += 1
                if found.source in ("title", "text"):
                    counts["from_headline"] += 1
                    examples.append(f"{relative}: {found.value}")
    return {
        "items": counts["items"],
        "with_issuer": counts["with_issuer"],
        "from_headline": counts["from_headline"],
        "examples": examples[:5],
    }


def full_corpus(index_dir: Path) -> dict:
    """Issuer and 文号 values of a whole index: the shares the organ and 文号 grammars accept."""
    snapshot = Archive(index_dir).snapshot()
    try:
        live = sorted(snapshot.live)
        issuers = Counter(snapshot.issuer[n] for n in live)
        numbers = Counter(snapshot.doc_number[n] for n in live)
        places = Counter(snapshot.district[n] for n in live)
    finally:
        snapshot.close()
    result = {"documents": len(live), "no_place_share": _share(places.get(None, 0), len(live))}
    for name, counter, test in (("issuer", issuers, grammatical), ("doc_number", numbers, is_doc_number)):
        counter.pop(None, None)
        good = {v for v in counter if test(v)}
        bad = sorted((v for v in counter if v not in good), key=lambda v: -counter[v])
        result[name] = {
            "documents": sum(counter.values()),
            "values": len(counter),
            "document_share": _share(sum(counter[v] for v in good), sum(counter.values())) if counter else 1.0,
            "value_share": _share(len(good), len(counter)) if counter else 1.0,
            "refused_examples": bad[:5],
        }
    return result


def precision_table(p: dict) -> str:
    i, pl, n, h = p["reports"]["issuer"], p["reports"]["place"], p["news"], p["news_issuers_from_headlines"]
    lines = [
        f"{'reports (no manifest)':<24} {'found':>6} {'judged':>6} {'right':>6} {'precision':>9} {'recall':>7} {'grammatical':>11}",
        f"{'  issuer':<24} {i.get('found', 0):>6} {i.get('judged', 0):>6} {i.get('right', 0):>6} {i['precision']:>9.1%}"
        f" {i['recall']:>7.1%} {i['grammatical_share']:>11.1%}",
        f"{'  place':<24} {pl.get('found', 0):>6} {pl.get('judged', 0):>6} {pl.get('right', 0):>6} {pl['precision']:>9.1%}"
        f" {pl['recall']:>7.1%} {'':>11}",
        "",
        f"{'news (no manifest)':<24} {'items':>6} {'placed':>6} {'judged':>6} {'right':>6} {'precision':>9} {'issuer':>6} {'headline':>8}",
        f"{'':<24} {n.get('items', 0):>6} {n['with_place_share']:>6.1%} {n.get('judged', 0):>6} {n.get('right', 0):>6}"
        f" {n['place_precision']:>9.1%} {h['with_issuer']:>6} {h['from_headline']:>8}",
    ]
    return "\n".join(lines)


def full_table(f: dict) -> str:
    lines = [f"{'full corpus':<12} {'docs':>7} {'values':>7} {'doc share':>9} {'value share':>11}  (grammatical)"]
    for name in ("issuer", "doc_number"):
        r = f[name]
        lines.append(
            f"{name:<12} {r['documents']:>7} {r['values']:>7} {r['document_share']:>9.1%} {r['value_share']:>11.1%}"
        )
    lines.append(f"{'no place':<12} {f['documents']:>7} {'':>7} {f['no_place_share']:>9.1%}")
    return "\n".join(lines)
