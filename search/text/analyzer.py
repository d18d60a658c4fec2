"""Character grams for exact substring search, jieba words for words mode.

Exact search never depends on word segmentation: a document is found by the
characters it contains (``char_grams`` is the definition; ``gramstore.gram_keys``
computes the same set as integer keys) and then verified against its search
text.  jieba only cuts the terms of the looser *words* mode.  We own one
``jieba.Tokenizer`` (not jieba's module singleton) with a user dictionary of
policy terms and place names, its cache inside our own folder and its logger
silenced.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

DATA_DIR = Path(__file__).parent.parent / "data"
USER_DICT = DATA_DIR / "userdict.txt"
_CACHE_DIR = Path(__file__).parent.parent / "_cache"


def char_grams(text: str) -> set[str]:
    """Every pair of adjacent characters of each line of ``text``, and each line's last character + "\\n".

    Lines are split on "\\n" (paragraph breaks), so no pair spans two
    paragraphs; a query never contains a newline, so it cannot match across
    one either.  The closing ``c + "\\n"`` gram makes every character the
    first character of some gram, so a one-character query is the union of
    the grams starting with it, and no separate unigram postings are paid for.
    """
    grams: set[str] = set()
    for line in text.split("\n"):
        if line:
            grams.update(map(str.__add__, line, line[1:]))
            grams.add(line[-1] + "\n")
    return grams


def query_grams(phrase: str) -> list[str]:
    """The bigrams every document containing ``phrase`` (two characters or more) must have."""
    return list(dict.fromkeys(phrase[i : i + 2] for i in range(len(phrase) - 1)))


def _is_word(token: str) -> bool:
    """A token worth indexing: it has at least one letter or digit (not only spaces/punctuation)."""
    return any(unicodedata.category(c)[0] in "LN" for c in token)


class Segmenter:
    """Our word segmenter: jieba's dictionary plus our user dictionary.

    Cuts come from ``rjieba`` (the Rust port of jieba, same dictionary and
    algorithm, about 40x faster) when it is installed; ``tests/analysis/test_analysis.py``
    proves its cuts identical to jieba's own on the seeds and on random text.
    ``reference`` is jieba itself, one ``jieba.Tokenizer`` we own, initialised
    on first use with its cache inside our folder.
    """

    def __init__(self, user_dict: Path = USER_DICT, cache_dir: Path | None = None, engine: str = "auto"):
        self.user_dict = user_dict
        self.cache_dir = cache_dir
        self.engine = engine
        self._tokenizer: jieba.Tokenizer | None = None
        self._fast = None
        self._lock = threading.Lock()

    def user_words(self) -> list[tuple[str, int | None, str | None]]:
        """(word, frequency, tag) of each line of the user dictionary."""
        words = []
        for line in self.user_dict.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            tag = parts[2] if len(parts) > 2 else None
            words.append((parts[0], freq, tag))
        return words

    @property
    def reference(self) -> jieba.Tokenizer:
        """jieba's own tokenizer with our dictionary (the behaviour rjieba must match)."""
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._load_jieba()
        return self._tokenizer

    def _load_jieba(self) -> jieba.Tokenizer:
        import jieba  # on first use: its import costs about 0.3 s (pkg_resources), and rjieba usually serves

        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(self.cache_dir or _writable_cache_dir())
        tokenizer.cache_file = "jieba.cache"
        tokenizer.initialize()
        for word, freq, tag in self.user_words():
            tokenizer.add_word(word, freq, tag)
        return tokenizer

    @property
    def fast(self):
        """The rjieba segmenter with our dictionary, or None when rjieba is not available."""
        if self._fast is None and self.engine in ("auto", "rjieba"):
            with self._lock:
                if self._fast is None:
                    self._fast = self._load_rjieba()
        return self._fast or None

    def _load_rjieba(self):
        try:
            import rjieba
        except ImportError:
            if self.engine == "rjieba":
                raise
            return False
        fast = rjieba.Jieba()
        for word, freq, tag in self.user_words():
            fast.add_word(word, freq, tag)
        return fast

    def cut(self, text: str) -> list[str]:
        """Precise-mode words of ``text``, without whitespace or punctuation tokens."""
        return [w for w in self.tokens(text) if _is_word(w)]

    def tokens(self, text: str) -> list[str]:
        """Every precise-mode token of ``text``, punctuation included: they join up to ``text``."""
        fast = self.fast
        return fast.cut(text, hmm=True) if fast else self.reference.lcut(text, HMM=True)


def _writable_cache_dir() -> Path:
    """Our cache folder beside the package, or a private temp folder when the package is read-only."""
    for candidate in (_CACHE_DIR, Path(tempfile.gettempdir()) / f"govsearch-cache-{os.getuid()}"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix="govsearch-cache-"))


_segmenter: Segmenter | None = None


def segmenter() -> Segmenter:
    """The process-wide segmenter (each indexing worker process gets its own)."""
    global _segmenter
    if _segmenter is None:
        _segmenter = Segmenter()
    return _segmenter
