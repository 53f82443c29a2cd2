"""Normalisation undoes obfuscation and keeps a way back to the original text."""

from __future__ import annotations

import pytest

from alongside.safety.detection.language import detect, normalise_code
from alongside.safety.detection.normalise import fold, normalise, segment
from alongside.safety.detection.rules import ruleset


def norm(text: str) -> str:
    return normalise(text, ruleset().vocabulary).text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I WANT TO DIE", "i want to die"),
        ("Ｉ ｗａｎｔ", "i want"),  # full-width
        ("di\u200be", "die"),  # zero-width space
        ("k\u200di\u2060ll", "kill"),  # joiners
        ("I\u2019m done", "i'm done"),  # curly apostrophe
        ("su\u0301i\u0308cide", "suicide"),  # combining marks
        ("sùïcidé", "suicide"),  # accents
        ("a\x00b", "a b"),  # null byte
    ],
)
def test_folding(text: str, expected: str) -> None:
    assert norm(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k1ll mys3lf", "kill myself"),
        ("su1c1de", "suicide"),
        ("$uicide", "suicide"),
        ("ki11 myse1f", "kill myself"),
        ("s*icide", "suicide"),
        ("s**cide", "suicide"),
        ("k i l l  m y s e l f", "kill myself"),
        ("k i l l m y s e l f", "kill myself"),
        ("s.u.i.c.i.d.e", "suicide"),
        ("s-u-i-c-i-d-e", "suicide"),
        ("#wanttodie", "#want to die"),
        ("#kill_myself", "#kill myself"),
        ("diiiiie", "die"),
        ("killllll", "kill"),
        ("soooo stresssssed", "so stressed"),
    ],
)
def test_obfuscation_is_repaired(text: str, expected: str) -> None:
    assert norm(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "meet at 4am with 2 mp3s",
        "covid19 vaccine",
        "a b c d",
        "#mondaymotivation",
        "**bold text**",
        "email me@example.com",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert norm(text) == text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "I want to d\u200bie",
        "Ｉ ｗａｎｔ ｔｏ ｄｉｅ",
        "prefix 😀 k i l l  m y s e l f suffix",
        "x \ufb01ne k1ll mys3lf",  # a ligature grows when folded
        "#wanttodie and diiiie",
        "\u200b" * 300 + "kms",  # beyond the first offset chunk
    ],
)
def test_spans_map_back_to_the_original(text: str) -> None:
    result = normalise(text, ruleset().vocabulary)
    for word in ("die", "kill", "myself", "want", "kms"):
        start = result.text.find(word)
        if start == -1:
            continue
        first, last = result.span(start, start + len(word))
        original = text[first:last]
        folded = fold(original).text
        assert folded.replace("\u200b", "").strip() or original, (text, word)
        assert 0 <= first < last <= len(text)


def test_a_lone_surrogate_never_breaks_folding() -> None:
    assert "\ufffd" in fold("a\ud800b").text


def test_segmentation_prefers_fewer_words_and_refuses_leftovers() -> None:
    words = frozenset({"i", "want", "to", "die", "my", "self", "myself", "kill"})
    assert segment("killmyself", words) == ("kill", "myself")
    assert segment("iwanttodie", words) == ("i", "want", "to", "die")
    assert segment("iwanttodance", words) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("hello there", "en"),
        ("我想死", "zh"),
        ("我很累 but ok", "zh"),
        ("a long english sentence with one 字", "en"),
        ("死にたいです", "ja"),
        ("죽고 싶어", "ko"),
        ("хочу умереть", "ru"),
        ("", "en"),
        ("1234 !!", "en"),
    ],
)
def test_language_by_script(text: str, lang: str) -> None:
    assert detect(text) == lang


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("zh-Hans", "zh"),
        ("zh_CN", "zh"),
        ("EN-gb", "en"),
        ("en", "en"),
        ("", None),
        (None, None),
        ("english!", None),
        ("12", None),
    ],
)
def test_language_hints_are_normalised(given: str | None, code: str | None) -> None:
    assert normalise_code(given) == code
