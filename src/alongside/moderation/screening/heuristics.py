"""Detectors that are code plus thresholds: links, repetition, flood, capitals, personal
information. Thresholds live in ``data/heuristics.toml``.

Every regex here is linear: bounded repetitions, no nested unbounded quantifiers; numbers
and addresses are found with a loose candidate pattern and then validated in Python.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Any

from alongside.moderation.screening.rules import heuristics
from alongside.moderation.screening.text import Forms

#: At most this many candidates per pattern: enough evidence, and bounded work per text.
MAX_CANDIDATES = 200
Hit = tuple[str, int, int]  # (rule id, start, end) in the original text

_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"']{1,2000}"
    r"|(?<![a-z0-9.@-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,4}\."
    r"(?:com|net|org|info|biz|io|co|me|ly|gg|xyz|top|ru|cn|site|online|shop|club|app|link|tk)"
    r"(?:/[^\s<>\"']{0,2000})?\b"
)
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.[a-z]{2,24}\b"
)
_EMAIL_SPELLED = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]{2,64}\s*[\[(]?\s*(?:at|@)\s*[\])]?\s*(?:gmail|yahoo|hotmail|outlook|qq|163|126|"
    r"icloud|proton|protonmail|live|foxmail|sina)\s*[\[(]?\s*(?:dot|\.)\s*[\])]?\s*(?:com|cn|net|me)\b"
)
# A loose run of digits with phone punctuation; validated by _phone_rule.
_PHONE = re.compile(r"(?<![\w+.,/:-])\+?\(?\d[\d\s().-]{5,22}\d(?![\w%])")
_CN_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d{2}\s*-\s*(?:19|20)?\d{2}$")
_ADDRESS = re.compile(
    r"\b\d{1,5}[a-z]?\s+(?:[a-z][a-z'.-]{0,30}\s+){1,4}"
    r"(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|court|ct|way|place|pl|"
    r"terrace|close|crescent|cres|square|sq|highway|hwy|parkway|pkwy)\b\.?"
    r"(?:,?\s+(?:apt|apartment|flat|unit|suite)\s*#?\s*\d{1,5}[a-z]?)?"
)
# Matched from the street suffix and number (rare), then extended back over the street name:
# a leading ``[一-鿿]{1,12}`` tried at every character made long Chinese text 12× slower.
_ADDRESS_ZH_TAIL = re.compile(
    r"(?:路|街|大道|巷|弄|胡同)\s?\d{1,5}\s?(?:号|號)"
    r"(?:\s?[\u4e00-\u9fff\d]{0,10}(?:栋|幢|楼|单元|室))?"
)
ADDRESS_ZH_NAME_MAX = 12


def _addresses_zh(plain: str) -> Iterator[tuple[int, int]]:
    """Spans of Chinese street addresses: one to twelve Chinese characters of street name,
    then 路/街/… with a house number (and perhaps building and room)."""
    for hit in _ADDRESS_ZH_TAIL.finditer(plain):
        start = begin = hit.start()
        while (
            begin > 0
            and start - begin < ADDRESS_ZH_NAME_MAX
            and "\u4e00" <= plain[begin - 1] <= "\u9fff"
        ):
            begin -= 1
        if begin < start:
            yield begin, hit.end()


_IM_NUMBER_ZH = re.compile(
    r"(?:qq|扣扣)\s*(?:号|號|号码)?\s*[:：是为]?\s*(?P<n>[1-9]\d{4,10})(?!\d)"
)
_LETTERS = re.compile(r"[A-Za-z]")
_UPPER = re.compile(r"[A-Z]")
_WORDS = re.compile(r"[^\W_]+")


def _config() -> dict[str, Any]:
    return heuristics()


# --- links -------------------------------------------------------------------------------


def links(forms: Forms, *, links_allowed: bool) -> Iterator[Hit]:
    spam = _config()["spam"]
    found = []
    for hit in _URL.finditer(forms.plain):
        text = hit.group(0)
        if "@" in forms.plain[max(0, hit.start() - 1) : hit.start()]:
            continue  # the domain of an email address: that is personal information
        if text.endswith((".", ",")):
            continue
        found.append(hit.span())
        if len(found) > 1000:
            break
    if not found:
        return
    if len(found) > int(spam["link_farm_links"]):
        start, _ = forms.span(*found[0])
        _, end = forms.span(*found[-1])
        yield ("spam.link_farm", start, end)
    elif not links_allowed:
        for span in found:
            yield ("spam.link_untrusted", *forms.span(*span))


# --- repetition and flood ----------------------------------------------------------------


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())[:2000]
    if len(words) < 3:
        return {tuple(words)}
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _similar(a: set[tuple[str, ...]], b: set[tuple[str, ...]], threshold: float) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold


def repetition(text: str, recent_texts: Sequence[str]) -> Iterator[Hit]:
    spam = _config()["spam"]
    core = " ".join(_WORDS.findall(text.lower()[:20000]))
    if len(core) < int(spam["repetition_min_chars"]):
        return
    mine = _shingles(text[:20000])
    threshold = float(spam["repetition_similarity"])
    same = 0
    for other in list(recent_texts)[: int(spam["repetition_window"])]:
        if isinstance(other, str) and _similar(mine, _shingles(other[:20000]), threshold):
            same += 1
    if same >= int(spam["repetition_hold_count"]):
        yield ("spam.repetition_many", 0, len(text))
    elif same:
        yield ("spam.repetition", 0, len(text))


def flood(text: str, recent_ages: Sequence[float], *, new_account: bool) -> Iterator[Hit]:
    spam = _config()["spam"]
    seconds = float(spam["flood_seconds"])
    limit = int(spam["flood_count_new_account" if new_account else "flood_count"])
    within = 0
    for age in list(recent_ages)[:1000]:
        try:
            if 0 <= float(age) <= seconds:
                within += 1
        except (TypeError, ValueError):
            continue
    if within + 1 >= limit:
        yield ("spam.flood", 0, len(text))


def caps_wall(text: str) -> Iterator[Hit]:
    spam = _config()["spam"]
    sample = text[:20000]
    letters = len(_LETTERS.findall(sample))
    if letters < int(spam["caps_min_letters"]):
        return
    if len(_UPPER.findall(sample)) / letters >= float(spam["caps_share"]):
        yield ("spam.caps_wall", 0, len(text))


# --- personal information ----------------------------------------------------------------


def _near_words(plain: str, start: int, end: int, words: Sequence[str], reach: int) -> bool:
    around = plain[max(0, start - reach) : end + reach]
    return any(word in around for word in words)


def _phone_rule(plain: str, start: int, end: int) -> bool:
    """Whether the digits at ``plain[start:end]`` look like a person's phone number."""
    pii = _config()["pii"]
    raw = plain[start:end].strip()
    digits = re.sub(r"\D", "", raw)
    if not 7 <= len(digits) <= 15:
        return False
    if _DATE.match(raw) or _YEAR_RANGE.match(raw):
        return False
    if raw.count("(") != raw.count(")"):
        return False
    if "." in raw and not raw.startswith("+") and raw.count(".") == 1:
        return False  # a decimal number
    before = plain[max(0, start - 3) : start]
    if any(sign in before for sign in "$€£¥"):
        return False
    after = plain[end : end + 12].lstrip()
    if any(after.startswith(word) for word in pii["unit_words"]):
        return False
    if digits in pii["crisis_numbers"] or digits.lstrip("0") in pii["crisis_numbers"]:
        return False
    if _near_words(plain, start, end, pii["crisis_words"], 60):
        return False
    # A bare run of digits without a leading + or 0 and no separators is more often an id,
    # an amount or a code than a phone number: only count it from 10 digits on.
    return raw.startswith(("+", "0", "(")) or len(digits) >= 10 or any(c in raw for c in " -.")


def personal_info(forms: Forms) -> Iterator[Hit]:
    plain = forms.plain
    pii = _config()["pii"]
    taken: list[tuple[int, int]] = []
    for hit in itertools.islice(_CN_MOBILE.finditer(plain), MAX_CANDIDATES):
        if not _near_words(plain, *hit.span(), pii["crisis_words"], 60):
            taken.append(hit.span())
            yield ("pii.phone_cn_mobile", *forms.span(*hit.span()))
    for hit in itertools.islice(_PHONE.finditer(plain), MAX_CANDIDATES):
        start, end = hit.span()
        if any(s <= start < e or s < end <= e for s, e in taken):
            continue
        if _phone_rule(plain, start, end):
            yield ("pii.phone", *forms.span(start, end))
    for pattern in (_EMAIL, _EMAIL_SPELLED):
        for hit in itertools.islice(pattern.finditer(plain), MAX_CANDIDATES):
            yield ("pii.email", *forms.span(*hit.span()))
    for hit in itertools.islice(_ADDRESS.finditer(plain), MAX_CANDIDATES):
        yield ("pii.address", *forms.span(*hit.span()))
    for span in itertools.islice(_addresses_zh(plain), MAX_CANDIDATES):
        yield ("pii.address_zh", *forms.span(*span))
    for hit in itertools.islice(_IM_NUMBER_ZH.finditer(plain), MAX_CANDIDATES):
        yield ("pii.im_number_zh", *forms.span(*hit.span()))
