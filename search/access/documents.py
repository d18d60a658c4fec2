"""Restricted documents: which documents an actor may see.

A document's ``access`` column holds the groups allowed to see it (sorted,
comma-separated; empty: everyone).  ``visible_documents`` is the one question
every output asks: totals, facets, hits, document pages, downloads, exports,
feeds, saved-query counts and suggestions all run over its answer, so nothing
(no count, no title, no id) tells a restricted document from a missing one.
"""

from __future__ import annotations

import re
import unicodedata

# The group of a document whose restriction could not be determined (its manifest unreadable, a
# row that almost names it): no user may be given it (``users`` refuses it), so only admins see it.
ADMINS_ONLY = "(admins)"
_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_groups(text: str | None) -> frozenset[str]:
    """``"财务, 人事"`` -> {"财务", "人事"}: comma (full-width too), 、 or ; separated; case kept."""
    if not text:
        return frozenset()
    text = unicodedata.normalize("NFKC", text)
    return frozenset(g for g in _SEPARATORS.split(text) if g)


def access_value(groups: frozenset[str]) -> str:
    """The stored form of a group set (stable, so the same groups index the same way)."""
    return ",".join(sorted(groups))
