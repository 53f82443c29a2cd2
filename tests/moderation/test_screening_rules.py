"""Automated screening, rule by rule: each rule id in the data files has a case that fires it,
and the false-positive cases (own struggle, recovery, quoting, crisis lines, years, prices)
stay quiet. Fixtures are minimal on purpose."""

from __future__ import annotations

import pytest

from alongside.moderation.screening import ACTIONS, KINDS, Author, Finding, scan
from alongside.moderation.screening.rules import all_rule_ids, lexicon_rules

TRUSTED = Author(trust_level=2, account_age_days=100, links_allowed=True)

#: rule id → (text, author) that must produce a finding of that rule
CASES: dict[str, tuple[str, Author]] = {
    "harass.kys": ("just kys", TRUSTED),
    "harass.kys_zh": ("你去死吧", TRUSTED),
    "harass.insult_direct": ("you're such a pathetic loser", TRUSTED),
    "harass.dismissive": ("nobody cares about you", TRUSTED),
    "harass.insult_zh": ("你真是个废物", TRUSTED),
    "threat.violence": ("i know where you live", TRUSTED),
    "threat.violence_zh": ("我要弄死你", TRUSTED),
    "hate.dehumanising": ("immigrants are vermin", TRUSTED),
    "method.best_way": ("what's the most painless way to die", TRUSTED),
    "method.dose": ("what is the lethal dose of it", TRUSTED),
    "method.how_to": ("how do i kill myself", TRUSTED),
    "method.zh": ("怎么自杀", TRUSTED),
    "prosh.encourage": ("show us your cuts", TRUSTED),
    "proed.terms": ("thinspo thread, post yours", TRUSTED),
    "proed.competition": ("who can eat the least this week", TRUSTED),
    "proed.zh": ("我们来比谁吃得少", TRUSTED),
    "misinfo.stop_meds": ("you should stop taking your meds", TRUSTED),
    "misinfo.poison": ("antidepressants are poison", TRUSTED),
    "misinfo.miracle_cure": ("this tea cures depression in 7 days", TRUSTED),
    "misinfo.zh": ("抗抑郁药就是毒药", TRUSTED),
    "contact.add_me": ("add me on telegram", TRUSTED),
    "contact.dm_me": ("dm me", TRUSTED),
    "contact.zh": ("加我微信", TRUSTED),
    "spam.link_untrusted": ("look https://example.com/x", Author()),
    "spam.link_farm": (" ".join(f"https://e{i}.example.com" for i in range(6)), TRUSTED),
    "spam.repetition": (
        "Buy the best course on feeling better today",
        Author(trust_level=2, recent_texts=("buy the best course on feeling better today!",)),
    ),
    "spam.repetition_many": (
        "Buy the best course on feeling better today",
        Author(
            trust_level=2,
            recent_texts=("Buy the best course on feeling better today",) * 2,
        ),
    ),
    "spam.flood": (
        "another one",
        Author(trust_level=2, recent_texts=("x",) * 5, recent_ages=(5, 10, 15, 20, 25)),
    ),
    "spam.caps_wall": ("THIS IS A VERY LOUD POST ABOUT NOTHING AT ALL " * 3, TRUSTED),
    "pii.email": ("write to me at sam.lee@example.org", TRUSTED),
    "pii.phone": ("my number is +44 7700 900123", TRUSTED),
    "pii.phone_cn_mobile": ("我的手机 13812345678", TRUSTED),
    "pii.address": ("I live at 12 Elm Street", TRUSTED),
    "pii.address_zh": ("我住在建国路88号", TRUSTED),
    "pii.im_number_zh": ("qq号 12345678", TRUSTED),
}


def rules_of(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in findings}


def test_every_rule_in_the_data_files_has_a_case() -> None:
    assert set(all_rule_ids()) == set(CASES)


def test_rules_use_known_kinds_and_actions() -> None:
    for rule in lexicon_rules():
        assert rule.kind in KINDS and rule.action in ACTIONS


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_fires_on_its_case_with_evidence(rule_id: str) -> None:
    text, author = CASES[rule_id]
    findings = [f for f in scan(text, author=author) if f.rule == rule_id]
    assert findings, f"{rule_id} did not fire on {text!r}"
    finding = findings[0]
    assert finding.kind in KINDS and finding.action in ACTIONS
    assert 1 <= finding.severity <= 5
    assert 0 <= finding.start <= finding.end <= len(text)
    if finding.excerpt:
        assert text[finding.start : finding.end].startswith(finding.excerpt.rstrip("…"))


QUIET = [
    # own struggle and recovery
    "I'm so stupid, I failed again",
    "I feel worthless today",
    "我真是个废物",
    "I used to look at thinspo and it made things so much worse, stay away from it",
    "Two years in recovery from pro-ana spaces, it does get better",
    "I stopped taking my meds last year and relapsed, talking to my doctor now",
    # caring questions and negations
    "please don't kill yourself, we're here",
    "Are you thinking about suicide? You can tell me.",
    "do you want to kill yourself? it's okay to say it",
    "Don't stop taking your meds without talking to your doctor",
    "不要去死，我们在这里",
    # reported speech and quoting
    "someone at school told me to kys and I can't stop thinking about it",
    "> you are such a loser\nthat is what he wrote to me",
    'he said "nobody cares about you" and I cried',
    # crisis lines, years, prices, dates, amounts
    "Call 988 or text 741741 any time",
    "Samaritans are on 116 123, and the helpline 0800 689 5652 too",
    "中国心理援助热线 400-161-9995",
    "Born in 1998, graduated 2016-2020",
    "It cost $1,250.00 and another 2500000 yuan",
    "my appointment is on 2025-03-14 at 10:30",
    "I walked 12000 steps",
    # ordinary words near rule vocabulary
    "I need to stop eating so late at night, my sleep is a mess",
    "You are not alone and you are not stupid for feeling this",
    "The best way to get through a panic attack for me is breathing",
]


@pytest.mark.parametrize("text", QUIET)
def test_false_positive_cases_stay_quiet(text: str) -> None:
    findings = scan(text, author=TRUSTED)
    assert not findings, [(f.rule, f.excerpt) for f in findings]


def test_a_phone_number_and_telegram_from_a_new_account_is_held() -> None:
    findings = scan("call me 07700 900123 or add me on Telegram", author=Author())
    assert {"pii.phone", "contact.add_me"} <= rules_of(findings)
    assert {f.action for f in findings} == {"hold"}


def test_kys_is_blocked_with_a_calm_message_that_does_not_echo() -> None:
    [finding] = scan("go kill yourself", author=TRUSTED)
    assert finding.action == "block" and finding.severity == 5
    assert finding.message and "kill" not in finding.message.lower()


def test_method_detail_is_held_and_its_message_is_empty() -> None:
    [finding] = scan("the quickest way to end my life", author=TRUSTED)
    assert finding.kind == "method_detail"
    assert finding.action == "hold" and finding.message == ""


def test_obfuscated_insults_are_still_found() -> None:
    assert "harass.kys" in rules_of(scan("k y s".replace(" ", ""), author=TRUSTED))
    assert "harass.insult_direct" in rules_of(scan("ur such a l0s3r", author=TRUSTED))
    assert "contact.add_me" in rules_of(scan("ADD ME ON ＴＥＬＥＧＲＡＭ", author=TRUSTED))


def test_evidence_spans_point_into_the_original_text_after_folding() -> None:
    text = "héllo\u200b, add me on ＴＥＬＥＧＲＡＭ"
    [finding] = [f for f in scan(text, author=TRUSTED) if f.rule == "contact.add_me"]
    assert text[finding.start : finding.end] == "add me on ＴＥＬＥＧＲＡＭ"


def test_links_from_trusted_writers_pass() -> None:
    assert not scan("see https://example.com/guide", author=TRUSTED)


def test_short_thanks_are_never_repetition() -> None:
    author = Author(trust_level=2, recent_texts=("thank you",) * 5)
    assert not scan("thank you", author=author)


def test_new_accounts_flood_sooner() -> None:
    ages = (5.0, 10.0, 15.0)
    assert "spam.flood" in rules_of(scan("hi again", author=Author(recent_ages=ages)))
    assert not scan("hi again", author=Author(trust_level=2, recent_ages=ages))


@pytest.mark.parametrize(
    "text",
    ["", " ", "\ud800", "\x00" * 10, "\u200b" * 50, "a" * 5, "😀" * 20, "\u0301" * 30],
)
def test_scan_never_raises(text: str) -> None:
    assert isinstance(scan(text), list)


def test_scan_ignores_bad_author_values() -> None:
    author = Author(recent_texts=(None, 3, "x"), recent_ages=("soon", None, -1))  # type: ignore[arg-type]
    assert isinstance(scan("hello there", author=author), list)
