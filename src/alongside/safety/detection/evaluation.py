"""Scoring predicted levels against gold labels. Pure: no I/O, no engine calls.

Feed it ``(gold label, predicted level)`` pairs, from a labelled file
(``alongside safety evaluate``) or from stored moderator and responder decisions. For every
level threshold T (low, moderate, high, imminent) "predicted positive" means the predicted
level is T or above; what "gold positive" means depends on the scheme:

- ``levels``: gold labels are levels; gold positive means the gold level is T or above.
  This is how an operator evaluates the engine on their own community's labels.
- ``cssrs``, ``sdcnl``, ``dreaddit``: the public research sets in
  ``../shared/datasets/risk-dev`` (see its README). Gold positive is fixed by the scheme
  (ideation/behavior/attempt; suicidewatch; stress) and one threshold is the one the scheme
  is scored at (high, high, low); the other thresholds show the trade-off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from alongside.safety.detection.result import LEVELS, level_rank

THRESHOLDS: tuple[str, ...] = LEVELS[1:]


@dataclass(frozen=True)
class Scheme:
    name: str
    #: Gold labels in display order.
    labels: tuple[str, ...]
    #: Labels that count as positive; ``None`` means "gold level ≥ threshold".
    positive: frozenset[str] | None
    #: The threshold the scheme is scored at.
    scored_at: str
    description: str


SCHEMES: Mapping[str, Scheme] = {
    "cssrs": Scheme(
        "cssrs",
        ("supportive", "uninformative", "indicator", "ideation", "behavior", "attempt"),
        frozenset({"ideation", "behavior", "attempt"}),
        "high",
        "C-SSRS post labels: ideation, behavior, attempt must come out high or imminent",
    ),
    "sdcnl": Scheme(
        "sdcnl",
        ("depression", "suicidewatch"),
        frozenset({"suicidewatch"}),
        "high",
        "SDCNL: suicidewatch must come out high or above, depression below high",
    ),
    "dreaddit": Scheme(
        "dreaddit",
        ("no_stress", "stress"),
        frozenset({"stress"}),
        "low",
        "Dreaddit: stress must come out low or above, no_stress none",
    ),
    "levels": Scheme(
        "levels",
        LEVELS,
        None,
        "high",
        "operator labels: gold levels none..imminent, scored at every threshold",
    ),
}


class EvaluationError(ValueError):
    pass


def detect_scheme(labels: Iterable[str]) -> str:
    """The scheme whose label set contains every label seen (``levels`` first)."""
    seen = set(labels)
    if not seen:
        raise EvaluationError("no labelled rows to evaluate")
    for name in ("levels", "cssrs", "sdcnl", "dreaddit"):
        if seen <= set(SCHEMES[name].labels):
            return name
    raise EvaluationError(
        "cannot tell the scheme from labels " + ", ".join(sorted(seen)) + "; pass --scheme"
    )


@dataclass(frozen=True)
class Metrics:
    threshold: str
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    scheme: Scheme
    total: int
    metrics: tuple[Metrics, ...]
    #: confusion[gold label][predicted level] → count
    confusion: Mapping[str, Mapping[str, int]]
    #: ``levels`` scheme only: share of rows whose predicted level equals the gold level.
    exact: float | None = None

    @property
    def scored(self) -> Metrics:
        return next(m for m in self.metrics if m.threshold == self.scheme.scored_at)


def _gold_positive(scheme: Scheme, gold: str, threshold: str) -> bool:
    if scheme.positive is None:
        return level_rank(gold) >= level_rank(threshold)
    return gold in scheme.positive


def evaluate(pairs: Iterable[tuple[str, str]], scheme: str) -> Report:
    """Score ``(gold label, predicted level)`` pairs under ``scheme``."""
    if scheme not in SCHEMES:
        raise EvaluationError(f"unknown scheme {scheme!r}; one of {', '.join(SCHEMES)}")
    chosen = SCHEMES[scheme]
    counts: Counter[tuple[str, str]] = Counter()
    for gold, predicted in pairs:
        if gold not in chosen.labels:
            raise EvaluationError(f"label {gold!r} is not part of the {scheme} scheme")
        if predicted not in LEVELS:
            raise EvaluationError(f"predicted level {predicted!r} is not a level")
        counts[gold, predicted] += 1
    total = sum(counts.values())
    if not total:
        raise EvaluationError("no labelled rows to evaluate")
    metrics = []
    for threshold in THRESHOLDS:
        tp = fp = fn = tn = 0
        for (gold, predicted), n in counts.items():
            actual = _gold_positive(chosen, gold, threshold)
            flagged = level_rank(predicted) >= level_rank(threshold)
            if actual and flagged:
                tp += n
            elif flagged:
                fp += n
            elif actual:
                fn += n
            else:
                tn += n
        metrics.append(Metrics(threshold, tp, fp, fn, tn))
    confusion = {
        gold: {level: counts.get((gold, level), 0) for level in LEVELS} for gold in chosen.labels
    }
    exact = None
    if chosen.positive is None:
        exact = sum(n for (gold, predicted), n in counts.items() if gold == predicted) / total
    return Report(chosen, total, tuple(metrics), confusion, exact)


def format_report(report: Report, *, seconds: float | None = None) -> str:
    """The report as the plain-text table ``alongside safety evaluate`` prints."""
    scheme = report.scheme
    lines = [
        f"scheme: {scheme.name} ({scheme.description})",
        f"texts: {report.total}",
        "",
        "threshold   precision  recall  F1      TP     FP     FN     TN",
    ]
    for m in report.metrics:
        mark = "*" if m.threshold == scheme.scored_at else " "
        lines.append(
            f"{m.threshold + mark:<11} {m.precision:>9.3f}  {m.recall:>6.3f}  {m.f1:.3f}  "
            f"{m.tp:>5}  {m.fp:>5}  {m.fn:>5}  {m.tn:>5}"
        )
    lines.append(f"(* the threshold this scheme is scored at: {scheme.scored_at})")
    if report.exact is not None:
        lines.append(f"exact level agreement: {report.exact:.3f}")
    lines += ["", "confusion (rows: gold label, columns: predicted level)"]
    width = max(12, *(len(label) + 1 for label in scheme.labels))
    lines.append(" " * width + "".join(f"{level:>10}" for level in LEVELS) + "     total")
    for gold, row in report.confusion.items():
        total = sum(row.values())
        lines.append(
            f"{gold:<{width}}" + "".join(f"{row[level]:>10}" for level in LEVELS) + f"{total:>10}"
        )
    if seconds is not None and seconds > 0:
        lines += ["", f"engine time: {seconds:.2f} s, {report.total / seconds:,.0f} texts/s"]
    return "\n".join(lines)
