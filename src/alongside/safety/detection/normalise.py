"""One matching form of a text, with a map back to the original for evidence spans.

What it undoes, so that rules are written once in plain lowercase:

- case, full-width letters and compatibility forms (NFKC/NFKD), accents on Latin letters;
- zero-width and other invisible format characters, combining marks ("zalgo");
- curly quotes and dashes (apostrophes are optional in every rule pattern);
- lone surrogates and control characters (never raise on any ``str``);
- a few traditional Chinese characters that appear in the lexicons (partial, documented);
- obfuscation of sensitive words: leetspeak (``k1ll``, ``$uicide``), masks (``s*icide``),
  letters spaced or punctuated apart (``k i l l  m y s e l f``, ``s.u.i.c.i.d.e``), squashed
  hashtags (``#wanttodie``) and stretched letters (``diiiie``). A repair is made only when
  it yields words the rules read (the sensitive vocabulary, plus the common and lexicon words
  a squashed phrase or a stretched word may be made of), so ordinary text ("4am", "mp3",
  "#mondaymotivation") is left alone.

Every step is linear in the length of the text. ASCII text (most posts) takes a fast path of
two C-level passes with an identity offset map.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

_APOSTROPHES = "\u2018\u2019\u201b\u2032\u00b4\u0060\u02bc\u02b9\uff07"
_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\uff02"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_PUNCT = str.maketrans(
    {
        **dict.fromkeys(_APOSTROPHES, "'"),
        **dict.fromkeys(_QUOTES, '"'),
        **dict.fromkeys(_DASHES, "-"),
    }
)

# Traditional → simplified for characters used by the Chinese lexicons. Partial on purpose:
# a full conversion table belongs in a dependency, not here (see docs/safety/evaluation.md).
_TRAD = str.maketrans(
    "殺書遺著沒樂絕難過無將們個來這說話覺讓還嗎麼為從後會時幾點藥樓傷殘憂鬱壓緊張擔憐獨負結"
    "歡頭開關愛對錯見親媽兒氣燒繩亂煩嚇熱餓睏厭惡憤爭離錢債貸醫癥網總喪悶慮懼蟲劃聽應該讀師"
    "學試業團邊體發現實際歲誰幫電單糧飯飢強嘔減癮義謝遠別並種盡滅斷陽臺跡麗淚憊虧撐導夠窮"
    "瘋狀態罵揍腳痺閉護縮輕嗚寫沈顧許聯繫連續夢魘慘臉稱讚獎勵紹這徹東",
    "杀书遗着没乐绝难过无将们个来这说话觉让还吗么为从后会时几点药楼伤残忧郁压紧张担怜独负结"
    "欢头开关爱对错见亲妈儿气烧绳乱烦吓热饿困厌恶愤争离钱债贷医症网总丧闷虑惧虫划听应该读师"
    "学试业团边体发现实际岁谁帮电单粮饭饥强呕减瘾义谢远别并种尽灭断阳台迹丽泪惫亏撑导够穷"
    "疯状态骂揍脚痹闭护缩轻呜写沉顾许联系连续梦魇惨脸称赞奖励绍这彻东",
)

_ASCII = str.maketrans(
    {
        **{chr(c): " " for c in range(32) if chr(c) not in "\n\r"},
        "\r": "\n",
        "\x7f": " ",
        "`": "'",
    }
)

_CACHE_LIMIT = 50_000
#: Same-length ASCII stand-ins for the typography most posts carry.
_TYPOGRAPHY = (
    ("\u2019", "'"),
    ("\u2018", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u2013", "-"),
    ("\u2014", "-"),
    ("\u2026", "."),
    ("\u00a0", " "),
)


def _fold(char: str) -> str:
    """The matching form of one character ('' to drop it)."""
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate: not text, but never an error
        return "\ufffd"
    category = unicodedata.category(char)
    if category in {"Cf", "Mn", "Me"}:  # zero-width, joiners, bidi marks, combining marks
        return ""
    if category == "Cc":
        return "\n" if char in "\n\r\x0b\x0c\x85" else " "
    if category == "Zs":
        return " "
    if category in {"Zl", "Zp"}:
        return "\n"
    if code < 0x3000 or 0xFF00 <= code <= 0xFFEF:
        # NFKD then drop marks: full-width letters become ASCII and accents fall away.
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
    else:
        folded = unicodedata.normalize("NFKC", char)
    return folded.lower().translate(_PUNCT).translate(_TRAD)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table that computes (and, up to a bound, remembers) each mapping."""

    def __missing__(self, code: int) -> str:
        value = _fold(chr(code))
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


class _ChangesLength(dict[int, int | None]):
    """A table that deletes every character whose matching form is not exactly one char, so
    comparing lengths tells whether an offset map is needed."""

    def __missing__(self, code: int) -> int | None:
        value = None if len(_FOLD[code]) != 1 else code
        if len(self) < _CACHE_LIMIT:
            self[code] = value
        return value


_FOLD = _FoldTable()
_CHANGES_LENGTH = _ChangesLength()


_CHUNK = 256


@dataclass(frozen=True)
class _Segment:
    """A stretch ``[start, end)`` of the normalised text and where it came from in the
    folded text: ``source + i`` for untouched text, ``where[i]`` for a repaired word."""

    start: int
    end: int
    source: int
    where: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Normalised:
    """``text`` is the matching form of ``original``.

    The map back to the original is computed only for the few spans that become evidence:
    folding keeps a table of folded lengths per 256-character chunk (``None`` when folding
    kept every length), and obfuscation repairs keep one segment per repair. Building it is
    therefore a handful of C-level passes, never a Python loop over every character.
    """

    original: str
    text: str
    folded_length: int = -1
    chunk_starts: tuple[int, ...] | None = None
    segments: tuple[_Segment, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` that a match ``[start, end)`` of ``text`` covers."""
        first = self._to_original(start)
        last = self._to_original(end) if end > start else first
        if last <= first:
            last = min(len(self.original), first + 1)
        return first, last

    def _to_original(self, index: int) -> int:
        return self._folded_to_original(self._to_folded(index))

    def _to_folded(self, index: int) -> int:
        if self.segments is None:
            return index
        if index >= len(self.text):
            return self.folded_length if self.folded_length >= 0 else len(self.text)
        starts = [segment.start for segment in self.segments]
        segment = self.segments[bisect.bisect_right(starts, index) - 1]
        offset = index - segment.start
        if segment.where is not None:
            return segment.where[min(offset, len(segment.where) - 1)]
        return segment.source + offset

    def _folded_to_original(self, index: int) -> int:
        cumulative = self.chunk_starts
        if cumulative is None:
            return min(index, len(self.original))
        if index >= cumulative[-1]:
            return len(self.original)
        chunk = max(0, bisect.bisect_right(cumulative, index) - 1)
        produced = cumulative[chunk]
        position = chunk * _CHUNK
        for char in self.original[position : position + _CHUNK]:
            produced += len(_FOLD[ord(char)])
            if produced > index:
                return position
            position += 1
        return min(position, len(self.original))


def fold(text: str) -> Normalised:
    """Case, width, marks, invisible characters, quotes, surrogates: no obfuscation repair."""
    if not text.isascii():
        # typographic quotes and dashes alone keep a text on the fast ASCII path
        plain = text
        for fancy, simple in _TYPOGRAPHY:
            if fancy in plain:
                plain = plain.replace(fancy, simple)
        if plain.isascii():
            folded = plain.translate(_ASCII).lower()
            return Normalised(text, folded, len(folded))
    else:
        folded = text.translate(_ASCII).lower()
        return Normalised(text, folded, len(folded))
    folded = text.translate(_FOLD)
    if len(text.translate(_CHANGES_LENGTH)) == len(text):
        return Normalised(text, folded, len(folded))
    cumulative = [0]
    for position in range(0, len(text), _CHUNK):
        cumulative.append(cumulative[-1] + len(text[position : position + _CHUNK].translate(_FOLD)))
    return Normalised(text, folded, len(folded), tuple(cumulative))


# --- obfuscation ----------------------------------------------------------------------------

_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
    "+": "t",
}
_LEET_AMBIGUOUS = {"1": "l", "!": "l", "|": "l"}
#: A run of letters, digits and leetspeak symbols that holds at least one non-letter: the
#: look-behind fails at once inside a run, and ``[a-z]*`` backs off at most one run's length,
#: so the scan stays linear.
_LEET_TOKEN = re.compile(r"[a-z]*[0-9@$!|+*][a-z0-9@$!|+*]*")
#: The same token led by the character before it: re scans for that class at C speed (a
#: look-behind would have it try every position); ``[a-z]*`` backs off at most one run.
_LEET_TOKEN_LED = re.compile(r"[^a-z0-9@$!|+*]([a-z]*[0-9@$!|+*][a-z0-9@$!|+*]*)")
_SPACED = re.compile(
    r"(?<![a-z0-9'])[a-z](?:[ ._*~\-/|+,\\]{1,3}[a-z](?![a-z0-9'])){3,}",
)
_SPACED_SEPARATOR = re.compile(r"[ ._*~\-/|+,\\]{1,3}")
_HASHTAG = re.compile(r"#([a-z][a-z_]{4,40})(?![a-z0-9_])")
#: A digit next to a letter; it opens with the digit class, so re skips to digits at C speed.
_DIGIT_BESIDE_LETTER = re.compile(r"[0-9](?:(?<=[a-z][0-9])|[a-z])")
#: Three of a letter in a row: looked for as 26 plain substrings, which is several times
#: cheaper than a back-reference pattern tried at every position.
_TRIPLES = tuple(letter * 3 for letter in "abcdefghijklmnopqrstuvwxyz")
#: ASCII → itself for letters and digits, a space for everything else: with ``split`` it
#: lists the words of an ASCII text at C speed.
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ASCII_WORDS = str.maketrans({chr(c): chr(c) if chr(c) in _WORD_CHARS else " " for c in range(128)})
_STRETCH_RUN = re.compile(r"([a-z])\1{2,}")
_LETTERS = re.compile(r"[a-z]+")
_WORDS = re.compile(r"[a-z0-9]+")
_SPACED_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz") - frozenset("aistmd")
#: A word of one of those letters (led by the character before it, as above).
_SINGLE_LETTER = "[" + "".join(sorted(_SPACED_LETTERS)) + "]"
_SINGLE_LETTER_FIRST = re.compile(rf"({_SINGLE_LETTER})(?![a-z0-9'])")
_SINGLE_LETTER_LED = re.compile(rf"[^a-z0-9']({_SINGLE_LETTER})(?![a-z0-9'])")
_MAX_WORD = 14


@dataclass(frozen=True)
class Vocabulary:
    """Words the repairs may produce (``sensitive``) and words a squashed phrase may be
    split into (``sensitive`` plus ``common``)."""

    sensitive: frozenset[str]
    common: frozenset[str]
    #: Common misspellings of sensitive words ("sucide", "suicidial") and their spelling.
    misspelled: Mapping[str, str] = field(default_factory=dict)
    #: Any misspelled word as a whole word (led by the character before it, or opening the
    #: text); made by ``rules.build``.
    misspelling_finder: re.Pattern[str] | None = None

    @property
    def segmentable(self) -> frozenset[str]:
        return self.sensitive | self.common


@functools.lru_cache(maxsize=4096)
def segment(squashed: str, words: frozenset[str]) -> tuple[str, ...] | None:
    """Split ``squashed`` into the fewest words of ``words``, or ``None`` if it cannot be."""
    size = len(squashed)
    if not size or size > 60:
        return None
    best: list[tuple[int, int] | None] = [None] * (size + 1)
    best[0] = (0, 0)
    for end in range(1, size + 1):
        for start in range(max(0, end - _MAX_WORD), end):
            before = best[start]
            if before is not None and squashed[start:end] in words:
                candidate = (before[0] + 1, start)
                current = best[end]
                if current is None or candidate[0] < current[0]:
                    best[end] = candidate
    if best[size] is None:
        return None
    pieces = []
    end = size
    while end:
        step = best[end]
        assert step is not None
        pieces.append(squashed[step[1] : end])
        end = step[1]
    return tuple(pieces[::-1])


@functools.lru_cache(maxsize=4096)
def _deleet(token: str, sensitive: frozenset[str]) -> str | None:
    body = token.rstrip("!")
    if not body or not any(c.isalpha() for c in body) or len(body) > 30:
        return None
    if "*" in body:
        return _unmask(body, sensitive)
    ambiguous = [i for i, c in enumerate(body) if c in _LEET_AMBIGUOUS][:3]
    base = [_LEET.get(c, c) for c in body]
    for choice in itertools.product((False, True), repeat=len(ambiguous)):
        letters = list(base)
        for position, use_l in zip(ambiguous, choice, strict=True):
            if use_l:
                letters[position] = _LEET_AMBIGUOUS[body[position]]
        word = "".join(letters)
        if word in sensitive:
            return word + token[len(body) :]
    return None


def _unmask(body: str, sensitive: frozenset[str]) -> str | None:
    plain = "".join(_LEET.get(c, c) if c != "*" else "*" for c in body)
    if plain.strip("*") == "" or plain.count("*") > len(plain) // 2 + 1:
        return None
    same_length = [
        word
        for word in sensitive
        if len(word) == len(plain) and all(p in {"*", w} for p, w in zip(plain, word, strict=True))
    ]
    if len(same_length) == 1:
        return same_length[0]
    pattern = re.compile(
        "".join("[a-z]{1,3}" if c == "*" else re.escape(c) for c in re.sub(r"\*+", "*", plain))
    )
    candidates = sorted(word for word in sensitive if pattern.fullmatch(word))
    return candidates[0] if len(candidates) == 1 else None


Edit = tuple[int, int, str, Sequence[int] | None]
#: Each repair pass stops after this many repairs (or, for spaced letters, letters): an
#: adversarial text cannot make normalisation slow, and a real message is repaired long
#: before the bound.
_MAX_REPAIRS = 200
_MAX_SPACED_LETTERS = 2000


def _spaced_edits(text: str, vocabulary: Vocabulary) -> Iterable[Edit]:
    words = vocabulary.segmentable
    budget = _MAX_SPACED_LETTERS
    for match in _SPACED.finditer(text):
        start = match.start()
        chunk = match.group()
        letters_in_run = (len(chunk) + 1) // 2
        budget -= letters_in_run
        if budget < 0 or len(chunk) > _MAX_SPACED_LETTERS:
            return
        separators = [(m.start(), m.group()) for m in _SPACED_SEPARATOR.finditer(chunk)]
        intra = Counter(sep for _, sep in separators).most_common(1)[0][0]
        groups: list[list[int]] = [[start]]
        for position, separator in separators:
            if separator != intra:
                groups.append([])
            groups[-1].append(start + position + len(separator))
        out: list[str] = []
        offsets: list[int] = []
        useful = False
        for group in groups:
            letters = "".join(text[i] for i in group)
            pieces = (letters,) if letters in words else segment(letters, words) or (letters,)
            useful = useful or any(p in vocabulary.sensitive for p in pieces)
            cursor = 0
            for piece in pieces:
                if out:
                    out.append(" ")
                    offsets.append(group[cursor])
                out.append(piece)
                offsets.extend(group[cursor : cursor + len(piece)])
                cursor += len(piece)
        if useful:
            yield start, match.end(), "".join(out), offsets


def _hashtag_edits(text: str, vocabulary: Vocabulary) -> Iterable[Edit]:
    words = vocabulary.segmentable
    for count, match in enumerate(_HASHTAG.finditer(text)):
        if count >= _MAX_REPAIRS:
            return
        body_start = match.start(1)
        parts: list[tuple[str, int]] = []
        position = body_start
        for chunk in match.group(1).split("_"):
            if chunk:
                parts.append((chunk, position))
            position += len(chunk) + 1
        out: list[str] = []
        offsets: list[int] = []
        useful = False
        for chunk, chunk_start in parts:
            pieces = segment(chunk, words)
            if pieces is None:
                break
            useful = useful or any(p in vocabulary.sensitive for p in pieces)
            cursor = 0
            for piece in pieces:
                if out:
                    out.append(" ")
                    offsets.append(chunk_start + cursor)
                out.append(piece)
                offsets.extend(range(chunk_start + cursor, chunk_start + cursor + len(piece)))
                cursor += len(piece)
        else:
            if useful and len(out) > 1:
                yield body_start, match.end(1), "".join(out), offsets


def _led_tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, token) for each run of letters, digits and leetspeak symbols that holds
    at least one non-letter."""
    first = _LEET_TOKEN.match(text)
    if first is not None:
        yield 0, first.end(), first.group()
    for match in _LEET_TOKEN_LED.finditer(text, first.end() if first else 0):
        yield match.start(1), match.end(1), match.group(1)


def _leet_edits(text: str, vocabulary: Vocabulary) -> Iterable[Edit]:
    repairs = 0
    for start, end, token in _led_tokens(text):
        if token.isdigit():
            continue
        word = _deleet(token, vocabulary.sensitive)
        if word is None or word == token:
            continue
        repairs += 1
        if repairs > _MAX_REPAIRS:
            return
        if len(word) == len(token):
            yield start, end, word, None
        else:
            # a mask stood for more or fewer letters: spread the word over the token
            span = len(token)
            yield (
                start,
                end,
                word,
                [start + min(i * span // len(word), span - 1) for i in range(len(word))],
            )


def _misspelling_edits(text: str, vocabulary: Vocabulary) -> Iterable[Edit]:
    """Common misspellings of sensitive words, spelled as the rules read them."""
    finder = vocabulary.misspelling_finder
    if finder is None:
        return
    # the finder is led by the character before a word: a word opening the text is read
    # against a space put before it
    opening = finder.match(" " + text[:24])
    if opening is not None:
        yield 0, opening.end() - 1, vocabulary.misspelled[opening.group()[1:]], None
    for count, match in enumerate(finder.finditer(text)):
        if count >= _MAX_REPAIRS:
            return
        start = match.start() + 1
        yield start, match.end(), vocabulary.misspelled[text[start : match.end()]], None


def _stretch_edits(text: str, vocabulary: Vocabulary) -> Iterable[Edit]:
    words = vocabulary.segmentable
    repairs = 0
    for match in _STRETCH_RUN.finditer(text):
        # the word around the stretched run
        start = match.start()
        while start and "a" <= text[start - 1] <= "z" and match.start() - start < 40:
            start -= 1
        ending = _LETTERS.match(text, match.end())
        end = ending.end() if ending else match.end()
        token = text[start:end]
        if len(token) > 40:
            continue
        once = _STRETCH_RUN.sub(r"\1", token)
        twice = _STRETCH_RUN.sub(r"\1\1", token)
        word = once if once in words else twice if twice in words else None
        if word is None:
            continue
        repairs += 1
        if repairs > _MAX_REPAIRS:
            return
        offsets: list[int] = []
        limit = 1 if word == once else 2
        position = start
        for _, run in itertools.groupby(token):
            length = len(list(run))
            keep = min(length, limit) if length >= 3 else length
            offsets.extend(range(position, position + keep))
            position += length
        yield start, end, word, offsets


def _apply(base: Normalised, edits: list[Edit]) -> Normalised:
    """Apply non-overlapping edits (sorted by start); record where each part came from."""
    text = base.text
    pieces: list[str] = []
    segments: list[_Segment] = []
    cursor = 0
    length = 0
    for start, end, replacement, where in edits:
        if start < cursor:
            continue  # overlaps an earlier edit: the first one wins
        if start > cursor:
            pieces.append(text[cursor:start])
            segments.append(_Segment(length, length + start - cursor, cursor))
            length += start - cursor
        pieces.append(replacement)
        if where is None and len(replacement) == end - start:
            segments.append(_Segment(length, length + len(replacement), start))
        else:
            spots = (
                tuple(where)
                if where is not None
                else tuple(
                    start + min(i * (end - start) // len(replacement), end - start - 1)
                    for i in range(len(replacement))
                )
            )
            segments.append(_Segment(length, length + len(replacement), start, spots))
        length += len(replacement)
        cursor = end
    if cursor < len(text):
        pieces.append(text[cursor:])
        segments.append(_Segment(length, length + len(text) - cursor, cursor))
    return Normalised(base.original, "".join(pieces), len(text), base.chunk_starts, tuple(segments))


def words(text: str) -> list[str]:
    """The words (``[a-z0-9]+`` runs) of a matching form, in order."""
    if text.isascii():
        return text.translate(_ASCII_WORDS).split()
    return _WORDS.findall(text)


def normalise(text: str, vocabulary: Vocabulary) -> Normalised:
    """The matching form of ``text`` (see the module docstring)."""
    base = fold(text)
    folded = base.text
    if not folded.isascii() and not _LETTERS.search(folded):
        return base
    # Cheap checks decide which repairs could apply at all; most texts need none.
    edits: list[Edit] = []
    if _mixes_letters_and_symbols(folded):
        # a word mixing letters and digits, or a symbol leetspeak uses
        edits.extend(_leet_edits(folded, vocabulary))
    # letters spaced apart: several single letters other than a, i and contraction tails
    if _single_letters(folded) >= 3:
        edits.extend(_spaced_edits(folded, vocabulary))
    if "#" in folded:
        edits.extend(_hashtag_edits(folded, vocabulary))
    edits.extend(_misspelling_edits(folded, vocabulary))
    if any(map(folded.__contains__, _TRIPLES)):
        edits.extend(_stretch_edits(folded, vocabulary))
    if not edits:
        return Normalised(base.original, folded, base.folded_length, base.chunk_starts)
    edits.sort(key=lambda edit: (edit[0], -edit[1]))
    return _apply(base, edits)


def _single_letters(folded: str) -> int:
    """How many different one-letter words (not a, i or a contraction's tail) there are."""
    letters = {match.group(1) for match in _SINGLE_LETTER_LED.finditer(folded)}
    first = _SINGLE_LETTER_FIRST.match(folded)
    if first is not None:
        letters.add(first.group(1))
    return len(letters)


def _mixes_letters_and_symbols(folded: str) -> bool:
    """Could a leetspeak or masked word be here: a word mixing letters and digits, or one
    of the symbols leetspeak uses?"""
    return any(symbol in folded for symbol in "@$|+*") or bool(_DIGIT_BESIDE_LETTER.search(folded))
