"""Language by script: enough to choose rule sets, not a general language identifier.

Latin script is reported as English (the only Latin-script rule set); Han as Chinese unless
kana shows it is Japanese; Hangul, Cyrillic, Arabic and others get their own code so a caller
can see the engine has no rules for them. Mixed texts run every rule set whose script is
present (an English slang word inside a Chinese post still counts).
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "zh")

_SCRIPTS = (
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_HAN = _SCRIPTS[0][1]
_CODE = re.compile(r"[A-Za-z]{2,3}")


def normalise_code(lang: str | None) -> str | None:
    """``"zh-Hans"``, ``"zh_CN"``, ``"EN-gb"`` → ``"zh"``, ``"zh"``, ``"en"``; junk → None."""
    if not lang or not isinstance(lang, str):
        return None
    base = re.split(r"[-_]", lang.strip(), maxsplit=1)[0]
    return base.lower() if _CODE.fullmatch(base) else None


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def has_latin(text: str) -> bool:
    return bool(_LATIN.search(text))


def detect(text: str) -> str:
    """The dominant script's language code (``en`` when there is nothing to go on)."""
    if text.isascii():
        return "en"
    counts = {code: len(pattern.findall(text)) for code, pattern in _SCRIPTS}
    if counts["ja"]:
        counts["ja"] += counts["zh"]  # kanji with kana is Japanese
        counts["zh"] = 0
    counts["en"] = len(_LATIN.findall(text))
    best = max(counts, key=lambda code: counts[code])
    if counts[best] == 0:
        return "en"
    # One Han character in an English post (a name, an emoji-like character) does not make
    # it Chinese, but Chinese is far denser per character than English: weigh it up.
    if counts["zh"] and counts["zh"] * 3 >= counts["en"]:
        return "zh"
    return best
