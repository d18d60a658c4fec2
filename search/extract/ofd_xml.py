"""Small readers of OFD's XML: local names, children, paths inside the package, number lists."""

from __future__ import annotations

import posixpath


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def children(element, name: str):
    return [child for child in element if local_name(child.tag) == name]


def child(element, name: str):
    return next((child for child in element if local_name(child.tag) == name), None)


def element_text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def normal_path(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/")).lstrip("/")


def resolve_path(base: str, location: str) -> str:
    """A BaseLoc: absolute from the package root (``/Doc_0/…``), else relative to the referring file."""
    location = location.strip().replace("\\", "/")
    return normal_path(location if location.startswith("/") else posixpath.join(base, location))


def number(value: str | None, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def numbers(value: str) -> list[float]:
    out = []
    for token in value.split():
        try:
            out.append(float(token))
        except ValueError:
            continue
    return out


def delta_list(value: str) -> list[float]:
    """DeltaX: numbers, where ``g N d`` stands for N times d."""
    tokens, out, at = value.split(), [], 0
    while at < len(tokens):
        if tokens[at] == "g" and at + 2 < len(tokens):
            count, delta = int(number(tokens[at + 1], 0)), number(tokens[at + 2], 0.0)
            out += [delta] * min(count, 10_000)
            at += 3
        else:
            out.append(number(tokens[at], 0.0))
            at += 1
    return out
