"""Our own tokenizers: character grams for exact substring search, jieba words for words mode.

Exact search never depends on word segmentation: a document is found by the
characters it contains (``char_grams``) and then verified against its stored
text.  jieba only serves the looser *words* mode.  We own one
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

import jieba
from whoosh.analysis import Token, Tokenizer

DATA_DIR = Path(__file__).with_name("data")
USER_DICT = DATA_DIR / "userdict.txt"
_CACHE_DIR = Path(__file__).with_name("_cache")


def char_grams(text: str) -> set[str]:
    """Every character and every pair of adjacent characters of each line of ``text``.

    Lines are split on "\\n" (paragraph breaks), so no gram spans two
    paragraphs; a query never contains a newline, so it cannot match across
    one either.
    """
    grams: set[str] = set()
    for line in text.split("\n"):
        grams.update(line)
        grams.update(map(str.__add__, line, line[1:]))
    return grams


def query_grams(phrase: str) -> list[str]:
    """The grams every document containing ``phrase`` must have (all bigrams, or the lone character)."""
    if len(phrase) == 1:
        return [phrase]
    return list(dict.fromkeys(phrase[i : i + 2] for i in range(len(phrase) - 1)))


def _is_word(token: str) -> bool:
    """A token worth indexing: it has at least one letter or digit (not only spaces/punctuation)."""
    return any(unicodedata.category(c)[0] in "LN" for c in token)


class Segmenter:
    """One jieba tokenizer with our user dictionary, initialised on first use."""

    def __init__(self, user_dict: Path = USER_DICT, cache_dir: Path | None = None):
        self.user_dict = user_dict
        self.cache_dir = cache_dir or _writable_cache_dir()
        self._tokenizer: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._load()
        return self._tokenizer

    def _load(self) -> jieba.Tokenizer:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.tmp_dir = str(self.cache_dir)
        tokenizer.cache_file = "jieba.cache"
        tokenizer.initialize()
        tokenizer.load_userdict(str(self.user_dict))
        return tokenizer

    def cut(self, text: str) -> list[str]:
        """Precise-mode words of ``text``, without whitespace or punctuation tokens."""
        return [w for w in self.tokenizer.cut(text, HMM=True) if _is_word(w)]

    def index_words(self, text: str) -> set[str]:
        """The words a document is indexed under: search-mode cut (words and their sub-words)."""
        words: set[str] = set()
        for line in text.split("\n"):
            words.update(w for w in self.tokenizer.cut_for_search(line, HMM=True) if _is_word(w))
        return words


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


class JiebaTokenizer(Tokenizer):
    """A Whoosh tokenizer over our segmenter: positions are token ordinals, chars are offsets.

    jieba's bundled ``ChineseAnalyzer`` sets positions to character offsets, so
    Whoosh phrase queries never match, and it drops digits; this one does neither.
    """

    def __init__(self, search_mode: bool = False):
        self.search_mode = search_mode

    def __eq__(self, other):
        return type(other) is type(self) and other.search_mode == self.search_mode

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        tokenizer = segmenter().tokenizer
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for word, start, end in tokenizer.tokenize(value, mode="search" if self.search_mode else "default"):
            if not _is_word(word):
                continue
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            pos += 1
            yield token


def chinese_analyzer(search_mode: bool = False):
    """Named analyzer factory: our jieba tokenizer (lower-casing is done by normalization)."""
    return JiebaTokenizer(search_mode=search_mode)
