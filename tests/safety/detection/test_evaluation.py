"""Scoring predicted levels against gold labels (pure functions)."""

from __future__ import annotations

import pytest

from alongside.safety.detection.evaluation import (
    SCHEMES,
    EvaluationError,
    detect_scheme,
    evaluate,
    format_report,
)


def test_precision_recall_and_f1_at_each_threshold_for_operator_levels() -> None:
    pairs = [
        ("high", "high"),  # tp at low, moderate, high
        ("high", "moderate"),  # fn at high
        ("none", "high"),  # fp everywhere up to high
        ("none", "none"),
        ("imminent", "imminent"),
        ("low", "none"),  # fn at low
    ]
    report = evaluate(pairs, "levels")
    high = report.scored
    assert high.threshold == "high"
    assert (high.tp, high.fp, high.fn, high.tn) == (2, 1, 1, 2)
    assert high.precision == pytest.approx(2 / 3)
    assert high.recall == pytest.approx(2 / 3)
    assert high.f1 == pytest.approx(2 / 3)
    low = report.metrics[0]
    assert (low.threshold, low.tp, low.fp, low.fn, low.tn) == ("low", 3, 1, 1, 1)
    imminent = report.metrics[-1]
    assert (imminent.tp, imminent.fp, imminent.fn) == (1, 0, 0)
    assert report.exact == pytest.approx(3 / 6)


def test_dataset_schemes_have_fixed_positives_and_a_scored_threshold() -> None:
    report = evaluate(
        [
            ("ideation", "high"),
            ("attempt", "moderate"),
            ("supportive", "imminent"),
            ("indicator", "low"),
        ],
        "cssrs",
    )
    assert report.scheme.scored_at == "high"
    scored = report.scored
    assert (scored.tp, scored.fp, scored.fn, scored.tn) == (1, 1, 1, 1)
    assert report.confusion["attempt"]["moderate"] == 1
    assert report.exact is None
    dreaddit = evaluate([("stress", "low"), ("no_stress", "none")], "dreaddit")
    assert dreaddit.scored.threshold == "low" and dreaddit.scored.f1 == 1.0


def test_empty_denominators_give_zero_not_an_error() -> None:
    report = evaluate([("none", "none")], "levels")
    assert all(m.precision == 0 and m.recall == 0 and m.f1 == 0 for m in report.metrics)


@pytest.mark.parametrize(
    ("labels", "scheme"),
    [
        ({"none", "high"}, "levels"),
        ({"ideation", "supportive"}, "cssrs"),
        ({"suicidewatch", "depression"}, "sdcnl"),
        ({"stress"}, "dreaddit"),
    ],
)
def test_the_scheme_is_detected_from_the_labels(labels: set[str], scheme: str) -> None:
    assert detect_scheme(labels) == scheme


def test_mixed_or_unknown_labels_need_an_explicit_scheme() -> None:
    with pytest.raises(EvaluationError, match="pass --scheme"):
        detect_scheme({"stress", "ideation"})
    with pytest.raises(EvaluationError, match="no labelled rows"):
        detect_scheme(set())


def test_bad_input_is_refused_with_a_clear_error() -> None:
    with pytest.raises(EvaluationError, match="not part of the sdcnl scheme"):
        evaluate([("stress", "low")], "sdcnl")
    with pytest.raises(EvaluationError, match="not a level"):
        evaluate([("high", "severe")], "levels")
    with pytest.raises(EvaluationError, match="unknown scheme"):
        evaluate([("high", "high")], "nope")
    with pytest.raises(EvaluationError, match="no labelled rows"):
        evaluate([], "levels")


def test_the_printed_report_has_every_threshold_the_confusion_table_and_speed() -> None:
    report = evaluate([("suicidewatch", "high"), ("depression", "low")], "sdcnl")
    text = format_report(report, seconds=0.5)
    for threshold in ("low", "moderate", "high*", "imminent"):
        assert threshold in text
    assert "suicidewatch" in text and "depression" in text
    assert "4 texts/s" in text
    assert set(SCHEMES) == {"cssrs", "sdcnl", "dreaddit", "levels"}
