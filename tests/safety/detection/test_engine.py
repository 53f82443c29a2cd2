"""How the engine reads a match in its context, one family of rules at a time."""

from __future__ import annotations

import pytest

from alongside.safety.detection import (
    CATEGORIES,
    LEVELS,
    SURFACES,
    VERSION,
    RiskResult,
    assess,
    level_rank,
)
from alongside.safety.detection.engine import explain


def rules_of(result: RiskResult) -> set[str]:
    return {e.rule for e in result.evidence}


def discounts_of(result: RiskResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for entry in result.discounted:
        found.setdefault(entry.rule, set()).update(entry.modifiers)
    return found


# --- the result --------------------------------------------------------------------------------


def test_a_result_names_its_level_subject_categories_evidence_and_version() -> None:
    result = assess("I want to die")
    assert result.level in LEVELS
    assert set(result.categories) <= set(CATEGORIES)
    assert result.version == VERSION and VERSION.startswith("1.0+")
    evidence = result.evidence[0]
    assert (evidence.rule, evidence.category, evidence.level) == (
        "en.ideation.want_die",
        "suicidal_ideation",
        "high",
    )
    assert evidence.as_dict()["text"] == "want to die"


def test_every_level_comes_from_evidence_with_a_rule_id() -> None:
    for text in ("I'm so stressed", "I feel hopeless", "I want to die", "kys", "我写好了遗书"):
        result = assess(text)
        assert result.level != "none"
        top = [e for e in result.evidence if e.level == result.level]
        assert top and all(e.rule for e in top), text


def test_nothing_to_say_gives_none_without_evidence() -> None:
    result = assess("We walked the dog and had soup for lunch.")
    assert (result.level, result.score, result.evidence, result.categories) == ("none", 0.0, (), ())


def test_scores_rise_with_levels_and_stay_inside_each_levels_band() -> None:
    texts = [
        "lunch was nice",
        "I'm stressed",
        "I feel hopeless",
        "I want to die",
        "I'm going to kill myself tonight",
    ]
    scores = [assess(text).score for text in texts]
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    bands = {
        "none": (0, 0.2),
        "low": (0.2, 0.45),
        "moderate": (0.45, 0.7),
        "high": (0.7, 0.9),
        "imminent": (0.9, 1.0),
    }
    for text in texts:
        result = assess(text)
        low, high = bands[result.level]
        assert low <= result.score <= high, (text, result.score)


@pytest.mark.parametrize("surface", SURFACES)
def test_every_surface_is_read_the_same_way(surface: str) -> None:
    assert assess("I want to die", surface=surface).level == "high"


def test_evidence_spans_point_into_the_original_text() -> None:
    text = "Ｉ  ｗａｎｔ ｔｏ ｄｉ\u200bｅ. Also: k i l l  m y s e l f 😞 and #wanttodie"
    result = assess(text)
    assert result.evidence
    for evidence in result.evidence:
        assert text[evidence.start : evidence.end] == evidence.text
        assert evidence.text.strip()


# --- negation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal",
        "I would never kill myself",
        "I never wanted to die",
        "I don't think I'm suicidal",
        "I'm not going to kill myself",
        "I don't really want to die",
        "我不想死",
        "我从来没想过自杀",
    ],
)
def test_a_negation_that_reaches_the_words_cancels_them(text: str) -> None:
    result = assess(text)
    assert not result.at_least("moderate"), result
    assert any("negated" in reasons for reasons in discounts_of(result).values())


@pytest.mark.parametrize(
    "text",
    [
        "I don't know why I want to die",  # "know" does not pass a negation on
        "I can't stop thinking about killing myself",
        "I'm not okay I want to die",
        "Nobody knows I want to die",
        "I haven't killed myself yet",  # "yet": the wish stands
    ],
)
def test_a_negation_that_does_not_reach_the_words_leaves_them(text: str) -> None:
    assert assess(text).at_least("high"), text


# --- whose words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("I want to die", "self"),
        ("just want to die.", "self"),
        ("My sister wants to die", "other"),
        ("she told me she wants to kill herself", "other"),
        ("my friend is sad and wants to die", "other"),
        ('He told me "I want to die"', "other"),
        ('I told him "I want to die"', "self"),
        ("我朋友说她想自杀", "other"),
    ],
)
def test_the_subject_is_read_from_the_sentence(text: str, subject: str) -> None:
    result = assess(text)
    assert (result.level, result.subject) == ("high", subject)


@pytest.mark.parametrize(
    "text",
    [
        "Do you want to die?",
        "Please don't kill yourself",
        "If someone really wants to die they need support",
        "People who want to die often feel alone",
        "You don't have to say \"I'm suicidal\" to ask for help",
    ],
)
def test_words_about_the_reader_or_people_in_general_are_not_the_writers_risk(text: str) -> None:
    assert not assess(text).at_least("moderate"), text


def test_telling_someone_to_kill_themselves_is_abuse_of_another_person() -> None:
    result = assess("kys")
    assert (result.level, result.subject, result.categories) == (
        "moderate",
        "other",
        ("harm_to_others",),
    )


def test_being_told_to_kill_yourself_is_abuse_received_not_ideation() -> None:
    result = assess("they told me to kill myself")
    assert result.categories == ("abuse_danger",)
    assert result.subject == "self"


def test_a_deserved_death_wished_on_someone_else_is_not_suicidal_ideation() -> None:
    result = assess("that man deserves to die")
    assert not result.at_least("high")
    assert "about_other" in discounts_of(result).get("en.ideation.deserve_die", set())


# --- hypotheticals, fiction and reported speech -----------------------------------------------


def test_a_hypothetical_is_capped_at_moderate() -> None:
    result = assess("What if I just killed myself")
    assert result.level == "moderate"
    assert "hypothetical" in result.evidence[0].modifiers


@pytest.mark.parametrize(
    "text",
    [
        "In the movie the villain wants to die",
        "the lyrics go I want to die tonight",
        "People say suicide is selfish",
        "电影里的主角想自杀",
    ],
)
def test_fiction_and_generic_reported_speech_do_not_count(text: str) -> None:
    assert not assess(text).at_least("moderate"), text


# --- past, recency and recovery ---------------------------------------------------------------


def test_recent_attempt_is_high_distant_attempt_moderate() -> None:
    assert assess("I tried to kill myself last week").level == "high"
    distant = assess("I tried to kill myself when I was 16")
    assert distant.level == "moderate"
    assert "past" in [m for e in distant.evidence for m in e.modifiers]


def test_an_attempt_with_no_time_stays_high() -> None:
    assert assess("I have attempted suicide twice").level == "high"


def test_recovery_lowers_past_risk_but_not_present_risk() -> None:
    assert assess("I used to self harm but I'm 300 days clean").level in {"none", "low"}
    assert assess("300 days clean and I still want to die").level == "high"


def test_past_ideation_is_moderate() -> None:
    assert assess("Years ago I wanted to die").level == "moderate"


# --- imminence ---------------------------------------------------------------------------------


def test_time_alone_is_not_risk() -> None:
    result = assess("I'm taking them to the park tonight")
    assert result.level == "none"


def test_time_next_to_ideation_is_imminent() -> None:
    result = assess("I want to die. I'm going to do it tonight")
    assert result.level == "imminent"
    assert "escalated" in [m for e in result.evidence for m in e.modifiers]


def test_time_next_to_hopelessness_is_high() -> None:
    assert assess("I can't go on. I'm going to end it tonight").at_least("high")


def test_means_alone_is_high_and_with_ideation_imminent() -> None:
    assert assess("I've been stockpiling my pills").level == "high"
    assert assess("I want to die and I've been stockpiling my pills").level == "imminent"


def test_a_plan_needs_risk_beside_it() -> None:
    assert assess("I have a plan").level == "none"
    assert assess("I feel hopeless and I have a plan").at_least("high")
    assert "en.plan.plan" in {d.rule for d in assess("I have a plan").discounted}


def test_preparations_are_imminent() -> None:
    assert assess("I've written my suicide note").level == "imminent"
    assert assess("我写好了遗书").level == "imminent"


def test_an_attempt_in_progress_is_imminent() -> None:
    assert assess("I just swallowed a bottle of pills").level == "imminent"


# --- method details ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "what's the most painless way to die",
        "how many pills would it take",
        "I want to hang myself",
        "怎么自杀最快",
    ],
)
def test_method_details_are_flagged_for_review(text: str) -> None:
    result = assess(text)
    assert result.method_detail and result.at_least("high"), text


def test_method_details_about_others_are_still_flagged_but_a_negated_method_is_not() -> None:
    assert assess("people ask how to kill yourself painlessly").method_detail
    assert not assess("I would never hang myself").method_detail


def test_plain_risk_without_method_is_not_held() -> None:
    assert not assess("I want to die").method_detail
    assert not assess("I've been saving my pills and I'm taking them tonight").method_detail


# --- distress ----------------------------------------------------------------------------------


def test_one_clear_distress_word_is_low() -> None:
    result = assess("I'm so anxious")
    assert (result.level, result.categories) == ("low", ("distress",))


def test_negated_distress_is_not_distress() -> None:
    assert assess("I'm not anxious at all").level == "none"
    assert assess("an anxiety-free day").level == "none"


def test_relief_pulls_mild_distress_back() -> None:
    assert assess("I was worried but now I'm relieved and happy").level == "none"
    assert assess("I was worried and I'm not happy").level == "low"


def test_someone_elses_distress_counts_for_less() -> None:
    assert assess("my sister is anxious").level == "none"
    assert assess("I am anxious").level == "low"


# --- languages ---------------------------------------------------------------------------------


def test_language_is_detected_by_script_and_a_hint_is_normalised() -> None:
    assert assess("I want to die").lang == "en"
    assert assess("我想死").lang == "zh"
    assert assess("我想死", lang="zh-Hans").lang == "zh"
    assert assess("hello", lang="EN-gb").lang == "en"
    assert assess("死にたい").lang == "ja"


def test_mixed_texts_run_every_rule_set_present() -> None:
    result = assess("今天好累 kms")
    assert result.level == "high"
    assert "en.ideation.kill_self" in rules_of(result)


def test_traditional_characters_are_read_too() -> None:
    assert assess("我想自殺").level == "high"


# --- explain ------------------------------------------------------------------------------------


def test_explain_lists_what_matched_even_when_it_did_not_count() -> None:
    found = explain("I could die of embarrassment, I'm not suicidal")
    assert {"en.idiom.die_of", "en.ideation.suicidal"} <= found.matched
    assert found.result.level == "none"


def test_levels_are_ordered() -> None:
    assert [level_rank(level) for level in LEVELS] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="unknown risk level"):
        level_rank("severe")
