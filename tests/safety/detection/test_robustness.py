"""assess never raises on any str, and stays fast on hostile input."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.safety.detection import LEVELS, SUBJECTS, assess
from tests.safety.detection.budget import measured_against_budget

SIZE = 100_000


def fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def check(text: str) -> None:
    result = assess(text)
    assert result.level in LEVELS and result.subject in SUBJECTS
    assert 0.0 <= result.score <= 1.0
    for evidence in (*result.evidence, *result.discounted):
        assert 0 <= evidence.start <= evidence.end <= len(text)
        assert text[evidence.start : evidence.end] == evidence.text


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_text_gives_a_well_formed_result(text: str) -> None:
    check(text)


@given(st.text(alphabet=st.sampled_from(list("kil myseftoda*1$.#\u200b想死我不 "))))
@settings(max_examples=300, deadline=None)
def test_text_made_of_rule_fragments_gives_a_well_formed_result(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00" * 10,
        "\ud800",
        "a\udfffb want to die",
        "\ufeff" * 5,
        "🙂" * 10,
        "\u202e reversed text",
        "I want to die" + "\u0301" * 500,
        "\n\n\n",
    ],
)
def test_strange_strings_do_not_raise(text: str) -> None:
    check(text)


def test_a_megabyte_does_not_raise() -> None:
    assert assess(fill("I want to die and 我想死 kys ", 1_000_000)).level == "high"


def test_non_strings_are_a_programming_error() -> None:
    with pytest.raises(TypeError):
        assess(b"bytes")  # type: ignore[arg-type]


random.seed(4)
ADVERSARIAL = {
    "one long word": "x" * SIZE,
    "one letter": "a" * SIZE,
    "spaced letters": fill("k i l l "),
    "dotted letters": fill("s.u.i.c.i.d.e "),
    "masked words": fill("s*icide "),
    "leet": fill("k1ll mys3lf "),
    "hashtags": fill("#wanttodie "),
    "stretched": fill("diiiiiiiiiiiiie "),
    "zero width": "\u200b" * SIZE,
    "zero width inside words": fill("d\u200bi\u200be "),
    "combining marks": fill("a\u0301\u0301\u0301"),
    "full width": fill("ｄｉｅ "),
    "surrogates": fill("\ud800a"),
    "random han": "".join(chr(random.randint(0x4E00, 0x9FFF)) for _ in range(SIZE)),
    "chinese keys": fill("想死"),
    "repeated risk": fill("I want to die "),
    "repeated negation": fill("not ") + " want to die",
    "repeated adverbs": fill("really ") + " want to die",
    "mixed scripts": fill("我想死 I want to die kys "),
    "quotes": fill('"I want to die" '),
    "punctuation": "." * SIZE,
    "random ascii": "".join(
        random.choice("abcdefghijklmnopqrstuvwxyz '.!?\n") for _ in range(SIZE)
    ),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_100_kb_of_adversarial_text_takes_under_50_ms(name: str) -> None:
    text = ADVERSARIAL[name]
    assess(text)  # caches warm, as in a running server
    # CPU time, best of three (other processes share this machine), against 50 ms or twice
    # ordinary prose of the script on a slow CPU
    best, budget = measured_against_budget(text)
    assert best < budget, f"{name}: {best * 1000:.1f} ms (budget {budget * 1000:.1f} ms)"
