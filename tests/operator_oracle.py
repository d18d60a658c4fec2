"""The co-occurrence operators written directly from their definitions: the oracle of
tests/query/test_operators.py and bench/operators.py, independent of ``search.query.positions``.

Every start by ``startswith`` at every offset, every pair of starts compared,
sentences and paragraphs cut character by character.
"""

from __future__ import annotations

import re


def starts(text: str, phrase: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(phrase, i)]


def oracle_near(text: str, a: str, b: str, n: int) -> bool:
    for i in starts(text, a):
        for j in starts(text, b):
            if a == b and i == j:
                continue
            if i + len(a) <= j:
                between = j - (i + len(a))
            elif j + len(b) <= i:
                between = i - (j + len(b))
            else:
                between = 0  # overlapping
            if between <= n and "\n" not in text[min(i, j) : max(i + len(a), j + len(b))]:
                return True
    return False


def units(text: str, ends: str) -> list[str]:
    """The text cut after every end character (the end stays with the unit it closes)."""
    cut, current = [], ""
    for char in text:
        current += char
        if char in ends:
            cut.append(current)
            current = ""
    return [*cut, current]


def oracle_unit(text: str, a: str, b: str, ends: str) -> bool:
    if a == b:
        return any(len(starts(unit, a)) >= 2 for unit in units(text, ends))
    return any(a in unit and b in unit for unit in units(text, ends))


def oracle_count(text: str, a: str, n: int) -> bool:
    return len(re.findall(re.escape(a), text)) >= n


def oracle(texts: dict, operator: str, a: str, b: str, n: int) -> set:
    if operator == "NEAR":
        test = lambda t: oracle_near(t, a, b, n)  # noqa: E731
    elif operator == "SENT":
        test = lambda t: oracle_unit(t, a, b, "。!?;\n")  # noqa: E731
    elif operator == "PARA":
        test = lambda t: oracle_unit(t, a, b, "\n")  # noqa: E731
    else:
        test = lambda t: oracle_count(t, a, n)  # noqa: E731
    # A pair needs both phrases in the text (a cheap first test: the corpora are large).
    needed = (a,) if operator == "COUNT" else (a, b)
    return {key for key, text in texts.items() if all(p in text for p in needed) and test(text)}


def quoted(phrase: str) -> str:
    """A phrase as a quoted query term (a backslash or quote inside escaped)."""
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


def query_for(operator: str, a: str, b: str, n: int) -> str:
    """The query that asks for one oracle case (COUNT is ``a$n``)."""
    if operator == "NEAR":
        return f"{quoted(a)} NEAR/{n} {quoted(b)}"
    if operator == "COUNT":
        return f"{quoted(a)}${n}"
    return f"{quoted(a)} {operator} {quoted(b)}"


def operator_pairs(documents: list[str], longest: int):
    """A hypothesis strategy: two phrases (1..``longest`` characters) cut from one sentence (or one
    paragraph, or anywhere) of one of ``documents``, an operator and its n."""
    from hypothesis import strategies as st

    @st.composite
    def pair(draw):
        text = draw(st.sampled_from(documents))
        scope = draw(st.sampled_from(["sentence", "paragraph", "anywhere"]))
        pieces = {"sentence": units(text, "。!?;\n"), "paragraph": text.split("\n"), "anywhere": [text]}[scope]
        source = draw(st.sampled_from([p for p in pieces if len(p.strip()) >= 2]))
        phrases = []
        for _ in range(2):
            length = draw(st.integers(1, min(longest, len(source))))
            start = draw(st.integers(0, len(source) - length))
            phrases.append(source[start : start + length].strip().replace("\n", ""))
        operator = draw(st.sampled_from(["NEAR", "SENT", "PARA", "COUNT"]))
        n = draw(st.integers(0, 40)) if operator == "NEAR" else draw(st.integers(1, 6))
        return operator, phrases[0], phrases[1], n

    return pair()
