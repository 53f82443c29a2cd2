"""The rule files load, and a malformed or unsafe rule is refused before it can run."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from alongside.safety.detection.rules import RuleFileError, _read, build, ruleset
from alongside.safety.detection.version import VERSION


def shipped() -> dict[str, Any]:
    return {"common": _read("common.toml"), "en": _read("en.toml"), "zh": _read("zh.toml")}


def with_rule(**changes: Any) -> dict[str, Any]:
    files = copy.deepcopy(shipped())
    rule = files["en"]["rule"][0]
    rule.update(changes)
    return files


def test_the_shipped_rules_load_in_both_languages() -> None:
    rules = ruleset()
    assert set(rules.languages) == {"en", "zh"}
    assert len(rules.languages["en"].rules) > 50 and len(rules.languages["zh"].rules) > 25
    assert len(set(rules.ids)) == len(rules.ids)


def test_the_version_names_the_rule_files() -> None:
    assert re.fullmatch(r"1\.0\+[0-9a-f]{10}", VERSION)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pattern": "(?:want )+to die"}, "unbounded"),
        ({"pattern": "want.*die"}, "unbounded"),
        ({"pattern": "(?:a ){0,}die"}, "unbounded"),
        ({"pattern": "(?:a ){0,99}die"}, "over-long"),
        ({"pattern": "want ?to die"}, "write \\\\s\\*"),
        ({"pattern": "{NOPE} die"}, "unknown fragment"),
        ({"pattern": "(die"}, "missing"),
        ({"category": "sadness"}, "category"),
        ({"level": "severe"}, "level"),
        ({"id": "kill_self"}, "ids look like"),
        ({"id": "zh.ideation.kill_self"}, "ids look like"),
        ({"keys": []}, "keys"),
        ({"keys": ["Kill"]}, "keys"),
        ({"also": []}, "also"),
        ({"also": ["Kill"]}, "also"),
        ({"weight": 9}, "weight"),
        ({"subject": "everyone"}, "subject"),
        ({"colour": "red"}, "unknown field"),
    ],
)
def test_a_bad_rule_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(RuleFileError, match=message):
        build(with_rule(**changes))


def test_duplicate_ids_and_words_in_two_lexicon_groups_are_refused() -> None:
    files = copy.deepcopy(shipped())
    files["en"]["rule"].append(copy.deepcopy(files["en"]["rule"][0]))
    with pytest.raises(RuleFileError, match="duplicate id"):
        build(files)
    files = copy.deepcopy(shipped())
    files["en"]["lexicon"][1]["words"].append(files["en"]["lexicon"][0]["words"][0])
    with pytest.raises(RuleFileError, match="is in"):
        build(files)


def test_every_shipped_pattern_is_bounded() -> None:
    unbounded = re.compile(r"(?:\)|\.)(?:[*+]|\{\d*,\})")
    for pack in ruleset().languages.values():
        for rule in pack.rules:
            assert not unbounded.search(rule.regex.pattern), rule.id


def test_every_rule_says_what_it_is_for() -> None:
    for pack in ruleset().languages.values():
        for rule in pack.rules:
            assert rule.keys, rule.id
            if rule.requires or rule.role or rule.method_detail:
                assert rule.level in {"none", "moderate", "high", "imminent"}, rule.id


def test_the_engine_is_pure_python_without_django() -> None:
    import alongside.safety.detection as package

    folder = Path(package.__file__).parent
    for path in folder.glob("*.py"):
        imports = re.findall(r"^\s*(?:from|import) (\w+)", path.read_text(), flags=re.M)
        assert "django" not in imports, path.name
