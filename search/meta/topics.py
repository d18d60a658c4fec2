"""Topics: the editable taxonomy (``search/data/topics.toml``) and which topics a document is about."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from search.meta.triggers import Triggers
from search.text.normalize import normalize_line, normalize_query, search_text

TOPICS_FILE = Path(__file__).resolve().parent.parent / "data" / "topics.toml"

# Topic density: one trigger mention per this many characters (see Taxonomy.topics_for).
CHARS_PER_MENTION = 5000


class TaxonomyError(ValueError):
    """The topics file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Topic:
    """A topic and the (folded) phrases that tag a document with it."""

    name: str
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The editable topic taxonomy (``search/data/topics.toml``)."""

    topics: tuple[Topic, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """The taxonomy in ``path`` (default: the packaged topics.toml); reloaded when the file changes."""
        path = Path(path or TOPICS_FILE).resolve()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as exc:
            raise TaxonomyError(f"{path}: cannot read the topics file ({exc.strerror or exc})") from exc
        return _load_taxonomy(path, stamp)

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Topic names in taxonomy order."""
        return tuple(topic.name for topic in self.topics)

    def topics_for(self, title: str, paragraphs: Sequence[str]) -> tuple[str, ...]:
        """The topics a document is about, in taxonomy order.

        A topic applies when its triggers occur at least once per
        ``CHARS_PER_MENTION`` characters of text (and at least once): a news item
        that says 稳就业 once is about jobs; a 50,000-character work report that
        touches every policy area once is not about each of them.
        """
        return self.topics_in(search_text(title, paragraphs))

    def topics_in(self, text: str) -> tuple[str, ...]:
        """``topics_for`` of a document whose search text (:func:`search.text.normalize.search_text`) is ``text``."""
        needed = 1 + len(text) // CHARS_PER_MENTION
        # One scan finds the triggers that occur and their counts (a news item holds one or two of the ~160).
        mentions = [0] * len(self.topics)
        for trigger, count in self._triggers.counts(text).items():
            for number in self._topics_of[trigger]:
                mentions[number] += count
        return tuple(topic.name for topic, n in zip(self.topics, mentions, strict=True) if n >= needed)

    @cached_property
    def _triggers(self) -> Triggers:
        return Triggers(self._topics_of)

    @cached_property
    def _topics_of(self) -> dict[str, tuple[int, ...]]:
        """Trigger -> the numbers of the topics it triggers (a topic's triggers are distinct)."""
        topics: dict[str, list[int]] = {}
        for number, topic in enumerate(self.topics):
            for trigger in dict.fromkeys(topic.triggers):
                topics.setdefault(trigger, []).append(number)
        return {trigger: tuple(numbers) for trigger, numbers in topics.items()}

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the taxonomy: documents are re-tagged when it changes (computed once)."""
        return hashlib.sha1(repr(self.topics).encode("utf-8")).hexdigest()[:12]

    def match(self, value: str) -> tuple[str, ...]:
        """Topics a filter value means: exact name, else names containing it, else topics it triggers."""
        value = normalize_query(value)
        if not value:
            return ()
        folded = {topic.name: normalize_query(topic.name) for topic in self.topics}
        exact = tuple(name for name, f in folded.items() if f == value)
        if exact:
            return exact
        containing = tuple(name for name, f in folded.items() if value in f)
        return containing or tuple(topic.name for topic in self.topics if value in topic.triggers)


@lru_cache(maxsize=8)
def _load_taxonomy(path: Path, stamp: int) -> Taxonomy:
    """Parse a topics file; ``stamp`` (its mtime) is part of the cache key so edits are seen."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid TOML ({exc})") from exc
    topics = []
    for name, entry in table.items():
        triggers = entry.get("triggers") if isinstance(entry, dict) else None
        if not triggers or not all(isinstance(t, str) and t.strip() for t in triggers):
            raise TaxonomyError(f"{path}: topic {name!r} needs a non-empty list of trigger phrases")
        topics.append(Topic(normalize_line(name), tuple(dict.fromkeys(normalize_query(t) for t in triggers))))
    return Taxonomy(tuple(topics))


def merge_topics(detected: tuple[str, ...], listed: tuple[str, ...], taxonomy: Taxonomy) -> tuple[str, ...]:
    """Detected topics plus a sidecar's, in taxonomy order; sidecar topics unknown to it go last."""
    names = set(detected)
    extra = []
    for topic in listed:
        known = taxonomy.match(topic)
        if len(known) == 1 and normalize_query(known[0]) == normalize_query(topic):
            names.add(known[0])
        elif topic not in extra:
            extra.append(topic)
    return tuple(n for n in taxonomy.names if n in names) + tuple(e for e in extra if e not in names)
