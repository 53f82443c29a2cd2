"""The engine's fast paths find exactly what plain scans would find.

Rules are gated by keys (and second gates), found by one trie-shaped scan, and searched with
patterns led by the character before a word and guarded by their possible openings. Each of
these is only an optimisation: these tests compare them with the plain, slow reading on the
case file and on texts built to hit their edges (a key opening the text, phrases across
newlines, contraction tails, overlapping phrases, a text made of keys).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from alongside.safety.detection import engine
from alongside.safety.detection.normalise import normalise, words
from alongside.safety.detection.rules import LanguageRules, lead_pattern, ruleset

CASE_FILE = Path(__file__).parent.parent / "data" / "risk_cases.jsonl"
EDGES = [
    "die now",
    "want to die",
    "I\nwant\n\nto   die, want to die; WANT TO DIE",
    "I can't wait to die and I don't want to live",
    "kill-myself kill myself killmyself",
    "nobody would miss me if i died. i'm a burden to everyone",
    "i wish i was dead i wish i was dead i wish i was dead",
    "studied indie soldier will still skill",
    "500 days clean, doing well now, getting better",
    "I'm not suicidal or do any self harm",
    "'Only reason Im still here is my cat",
    'he said "I want to die" and then (quietly) she is contemplating suicide',
    "i k i l l myself s.u.i.c.i.d.e k1ll mys3lf #wanttodie diiiie sucide",
    "Is 3 stories high enough? what is the least painful way to go?",
    "I've been saving my pills and I'm taking them tonight",
]


def english_texts() -> list[str]:
    cases = [json.loads(line)["text"] for line in CASE_FILE.read_text("utf-8").splitlines()]
    vocabulary = ruleset().vocabulary
    return [normalise(text, vocabulary).text for text in [*cases, *EDGES]]


TEXTS = english_texts()
EN: LanguageRules = ruleset().languages["en"]


def spans(matches: object) -> list[tuple[int, int]]:
    return [match.span() for match in matches]  # type: ignore[attr-defined]


def test_every_english_pattern_has_a_guarded_lead() -> None:
    for rule in EN.rules:
        assert rule.lead is not None and rule.lead.pattern.startswith("[^a-z0-9](?="), rule.id
    for idiom in EN.idioms:
        assert idiom.lead is not None, idiom.id


@pytest.mark.parametrize("rule", [*EN.rules, *EN.idioms], ids=lambda r: r.id)
def test_a_led_scan_finds_what_finditer_finds(rule: object) -> None:
    regex, lead = rule.regex, rule.lead  # type: ignore[attr-defined]
    assert lead is not None
    randomly = random.Random(7)
    for text in TEXTS:
        size = len(text)
        assert spans(engine._led(regex, lead, text, 0, size)) == spans(regex.finditer(text))
        low = randomly.randrange(size + 1)
        high = randomly.randrange(low, size + 1)
        assert spans(engine._led(regex, lead, text, low, high)) == spans(
            regex.finditer(text, low, high)
        )


@pytest.mark.parametrize("name", sorted(EN.context.leads))
def test_a_led_context_search_finds_what_search_finds(name: str) -> None:
    pattern = getattr(EN.context, name)
    lead = EN.context.leads[name]
    randomly = random.Random(11)
    for text in TEXTS:
        for _ in range(4):
            low = randomly.randrange(len(text) + 1)
            high = randomly.randrange(low, len(text) + 1)
            found = engine._search(pattern, lead, text, low, high)
            plain = pattern.search(text, low, high)
            assert (found and found.span()) == (plain and plain.span()), (name, text)
            last = engine._last(pattern, text, low, high, lead)
            plain_last = engine._last(pattern, text, low, high)
            assert (last and last.span()) == (plain_last and plain_last.span()), (name, text)


FINDERS = {
    key: re.compile(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, key.split())) + r"(?![a-z0-9])")
    for key in EN.key_prefixes
}


def reference_positions(text: str) -> dict[str, list[int]]:
    """Every English key, searched for on its own (a space in a key is any whitespace)."""
    found: dict[str, list[int]] = {}
    for key, finder in FINDERS.items():
        spots = [match.start() for match in finder.finditer(text)][: engine._MAX_KEY_POSITIONS]
        if spots:
            found[key] = spots
    return found


@pytest.mark.parametrize("budget", [engine._MAX_KEY_MATCHES, 3])
def test_one_scan_places_every_key_like_a_search_per_key(
    budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a small budget the rest of each text is searched key by key (``_tail_keys``)."""
    monkeypatch.setattr(engine, "_MAX_KEY_MATCHES", budget)
    for text in TEXTS[::3] + TEXTS[-len(EDGES) :]:
        found = engine._key_positions(EN, text)
        expected = reference_positions(text)
        assert {k: sorted(v) for k, v in found.items()} == expected, text


def whole(key: str, text: str) -> bool:
    finder = FINDERS.get(key) or re.compile(
        r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, key.split())) + r"(?![a-z0-9])"
    )
    return finder.search(text) is not None


def test_keys_and_second_gates_are_in_every_match() -> None:
    """Gates are only worth having if they are necessary: every match of a rule contains
    one of its keys and, when it has them, one of its second words."""
    for rule in EN.rules:
        for text in TEXTS:
            for match in rule.regex.finditer(text):
                matched = match.group()
                assert any(whole(key, matched) for key in rule.keys), (rule.id, matched)
                if rule.also:
                    assert any(whole(key, matched) for key in rule.also), (rule.id, matched)


def test_recovery_cues_always_hold_a_recovery_key() -> None:
    for text in TEXTS:
        for match in EN.context.recovery.finditer(text):
            assert any(whole(key, match.group()) for key in EN.recovery_keys), match.group()


def test_chinese_keys_are_in_every_match() -> None:
    zh = ruleset().languages["zh"]
    texts = [
        json.loads(line)["text"]
        for line in CASE_FILE.read_text("utf-8").splitlines()
        if json.loads(line).get("lang") == "zh"
    ]
    for rule in zh.rules:
        for text in texts:
            for match in rule.regex.finditer(normalise(text, ruleset().vocabulary).text):
                assert any(key in match.group() for key in rule.keys), (rule.id, match.group())


def test_a_pattern_without_the_english_look_behind_gets_no_lead() -> None:
    assert lead_pattern(re.compile("die")) is None


def test_a_pattern_that_could_open_with_anything_is_led_without_a_guard() -> None:
    lead = lead_pattern(re.compile(r"(?<![a-z0-9])(?:\d{1,4}\s*mg)(?![a-z0-9])"))
    assert lead is not None and lead.pattern.startswith("[^a-z0-9](?=(?:0|")
    unguarded = lead_pattern(re.compile(r"(?<![a-z0-9])(?:.{1,3}die)(?![a-z0-9])"))
    assert unguarded is not None and not unguarded.pattern.startswith("[^a-z0-9](?=")


def test_the_words_of_an_ascii_text_are_its_letter_and_digit_runs() -> None:
    for text in TEXTS:
        assert words(text) == re.findall(r"[a-z0-9]+", text)
