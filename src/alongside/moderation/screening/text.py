"""The matching forms of a text, with a map back to the original for evidence spans.

``plain``: lower case, full-width and compatibility forms folded (NFKC), curly quotes and
dashes made ASCII, invisible format characters and combining marks dropped. ``leet``: the
same text with common digit/symbol substitutions undone (``k1ll`` → ``kill``), the same
length as ``plain`` so the two share one offset map.

Linear time: the folding is a ``str.translate`` with a table built once per distinct
character, and the offset map (only built when a character was dropped or expanded) is made
with C-level iterators.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass

_SPECIAL = {
    **dict.fromkeys("\u2018\u2019\u201b\u2032\u00b4\u02bc\uff07`", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
    "\r": "\n",
    "\u3000": " ",
    "\uff1a": ":",
}
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_fold_cache: dict[str, str] = {}
_CACHE_LIMIT = 20_000


def _fold(char: str) -> str:
    found = _fold_cache.get(char)
    if found is not None:
        return found
    code = ord(char)
    if char in _SPECIAL:
        folded = _SPECIAL[char]
    elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate: not text, but never an error
        folded = "\ufffd"
    else:
        category = unicodedata.category(char)
        if category in {"Cf", "Mn", "Me"}:  # zero-width, joiners, bidi and combining marks
            folded = ""
        elif category == "Cc":
            folded = "\n" if char in "\n\x0b\x0c\x85" else " "
        elif category in {"Zs", "Zl", "Zp"}:
            folded = " " if category == "Zs" else "\n"
        else:
            decomposed = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in decomposed if unicodedata.category(c) not in {"Mn", "Me"})
            folded = unicodedata.normalize("NFKC", base or char).lower()
    if len(_fold_cache) < _CACHE_LIMIT:
        _fold_cache[char] = folded
    return folded


@dataclass(frozen=True)
class Forms:
    original: str
    plain: str
    leet: str
    #: for each character of ``plain``, its index in ``original``; None when identical
    index: list[int] | None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that ``plain[start:end]`` came from."""
        if self.index is None:
            return start, end
        if not self.index:
            return 0, 0
        start = min(max(start, 0), len(self.index) - 1)
        last = min(max(end - 1, start), len(self.index) - 1)
        return self.index[start], self.index[last] + 1


def forms(text: str) -> Forms:
    """The matching forms of ``text`` (any ``str``, including lone surrogates)."""
    if text.isascii():
        plain = text.lower().replace("\r", "\n").replace("`", "'")
        return Forms(text, plain, plain.translate(_LEET), None)
    table = {ord(c): _fold(c) for c in set(text)}
    changed = {code: folded for code, folded in table.items() if folded != chr(code)}
    plain = text.translate(changed) if changed else text
    if len(plain) == len(text) and all(len(v) == 1 for v in table.values()):
        return Forms(text, plain, plain.translate(_LEET), None)
    lengths = {c: len(table[ord(c)]) for c in set(text)}
    if max(lengths.values()) <= 1:  # characters only dropped (zero-width, marks): C-speed
        kept = {c for c, length in lengths.items() if length}
        index = list(itertools.compress(range(len(text)), map(kept.__contains__, text)))
    else:
        counts = map(lengths.__getitem__, text)
        index = list(itertools.chain.from_iterable(map(itertools.repeat, range(len(text)), counts)))
    return Forms(text, plain, plain.translate(_LEET), index)
