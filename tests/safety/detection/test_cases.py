"""The case file (tests/safety/data/risk_cases.jsonl): idioms, negation, hypotheticals,
reported speech, third person, past tense and recovery, obfuscation and slang, imminence, in
English and Simplified Chinese. Every rule, lexicon group and idiom in the rule files must be
named by at least one case, and must match in that case."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from alongside.safety.detection import LEVELS, SUBJECTS, assess, level_rank
from alongside.safety.detection.engine import explain
from alongside.safety.detection.rules import ruleset

CASE_FILE = Path(__file__).parent.parent / "data" / "risk_cases.jsonl"
CASES: list[dict[str, Any]] = [
    json.loads(line) for line in CASE_FILE.read_text(encoding="utf-8").splitlines() if line
]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    found = explain(case["text"], lang=case.get("lang"))
    result = found.result
    seen = (result.level, result.subject, [e.rule for e in result.evidence])
    if "level" in case:
        assert result.level == case["level"], seen
    if "min_level" in case:
        assert level_rank(result.level) >= level_rank(case["min_level"]), seen
    if "max_level" in case:
        assert level_rank(result.level) <= level_rank(case["max_level"]), seen
    if "subject" in case:
        assert result.subject == case["subject"], seen
    if "method_detail" in case:
        assert result.method_detail is case["method_detail"], seen
    missing = set(case.get("rules", ())) - found.matched
    assert not missing, (missing, sorted(found.matched))


def test_case_file_is_well_formed() -> None:
    ids = Counter(case["id"] for case in CASES)
    assert not [i for i, n in ids.items() if n > 1]
    for case in CASES:
        expectations = {"level", "min_level", "max_level"} & case.keys()
        assert expectations, case["id"]
        for key in expectations:
            assert case[key] in LEVELS, case["id"]
        assert case.get("subject", "self") in SUBJECTS, case["id"]


def test_every_rule_lexicon_group_and_idiom_is_named_by_a_case() -> None:
    named = {rule for case in CASES for rule in case.get("rules", ())}
    shipped = set(ruleset().ids)
    assert not shipped - named, sorted(shipped - named)
    assert not named - shipped, sorted(named - shipped)


def test_case_file_covers_the_kinds_of_language_the_engine_must_read() -> None:
    kinds = Counter(case["kind"] for case in CASES)
    for kind in (
        "idiom",
        "negation",
        "hypothetical",
        "other",
        "past",
        "obfuscation",
        "imminence",
        "zh",
        "zh_idiom",
    ):
        assert kinds[kind] >= 3, kind
    assert sum(1 for case in CASES if case.get("lang") == "zh") >= 40


# --- the examples ---------------------------------------------------------------------


def test_saved_pills_and_tonight_is_imminent_for_the_writer() -> None:
    result = assess("I've been saving my pills and I'm taking them tonight")
    assert (result.level, result.subject) == ("imminent", "self")
    assert {"plan_means_timeline"} <= set(result.categories)


def test_a_friend_who_wants_to_die_is_high_with_subject_other() -> None:
    result = assess("My friend said she wants to kill herself")
    assert (result.level, result.subject) == ("high", "other")


@pytest.mark.parametrize("text", ["this exam is killing me", "笑死我了"])
def test_everyday_exaggeration_is_none(text: str) -> None:
    assert assess(text).level == "none"


# --- zero high on plain idioms ----------------------------------------------------------------

PLAIN_IDIOMS = [
    "this homework is killing me",
    "my feet are killing me after that hike",
    "I'm dying to see the new film",
    "dying to know what happens next",
    "I could kill for a coffee",
    "you're killing it",
    "she absolutely killed it on stage",
    "we were just killing time",
    "I nearly died laughing",
    "I'm dead, that meme",
    "I'm dead tired",
    "this cake is to die for",
    "my mum will kill me if I'm late",
    "my boss is going to kill me",
    "I'd rather die than sing karaoke",
    "I wanted to die of embarrassment",
    "cross my heart and hope to die",
    "that's the hill I'm willing to die on",
    "I'm killing myself laughing",
    "I've been killing myself to finish this project",
    "don't shoot yourself in the foot",
    "if your friends jumped off a bridge would you too",
    "it was career suicide",
    "we ran suicide sprints at practice",
    "I'm a hopeless romantic",
    "I'm hopeless at maths",
    "I want to disappear for a week",
    "I accidentally cut myself shaving",
    "I'm dying my hair purple",
    "I could sleep forever after that shift",
    "that joke killed me",
    "the suspense is killing me",
    "笑死我了",
    "笑死",
    "累死了",
    "饿死了",
    "热死了",
    "冷死我了",
    "困死了",
    "气死我了",
    "烦死了",
    "吓死我了",
    "急死了",
    "忙死了",
    "想死你了",
    "跳楼价",
    "跳楼大甩卖",
    "股票跌得我想跳楼",
    "没有手机我活不下去",
    "累得要死",
    "笑得想死",
    "我手机死机了",
    "他是我的死党",
]


@pytest.mark.parametrize("text", PLAIN_IDIOMS)
def test_plain_idioms_never_reach_high(text: str) -> None:
    result = assess(text)
    assert not result.at_least("high"), (text, result.level, [e.rule for e in result.evidence])


def test_plain_idioms_mostly_come_out_none() -> None:
    levels = Counter(assess(text).level for text in PLAIN_IDIOMS)
    assert levels["none"] >= len(PLAIN_IDIOMS) - 3, levels
