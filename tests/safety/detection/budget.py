"""The risk engine's time budget for 100 kB of hostile text, relative to the machine.

A fixed 50 ms was set on a fast CPU; on a slower one, ordinary Chinese prose of that size
alone costs ~40 ms (every character is a word to the rules). A hostile input is held to 50 ms
or to twice ordinary prose of its script measured here, whichever is larger: that still
catches a pathological pattern (a ReDoS is tens of times slower), not a slow machine."""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable

from alongside.safety.detection import assess

SIZE = 100_000
FIXED_BUDGET = 0.050

ORDINARY_PROSE = {
    "en": "I had a long day at work, and tonight I just want to rest and see my friends. ",
    "zh": "今天工作很累，晚上我只想休息一下，和朋友们见面。",
}


def cpu_time(fn: Callable[[], object], runs: int = 3, enough: float = 0.0) -> float:
    """Best CPU time of a few runs (the machine is shared: wall time measures the others);
    stops early once a run is under ``enough``. The garbage collector is paused while timing:
    a full collection walks every object of the test process (a Django app and the worlds of
    earlier tests), which says nothing about the parser and made a doubled input look
    super-linear."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(runs):
            started = time.process_time()
            fn()
            best = min(best, time.process_time() - started)
            if best < enough:
                break
    finally:
        gc.enable()
    return best


def best_cpu(text: str, runs: int = 3) -> float:
    """Best CPU time of ``assess(text)`` over a few runs, the collector paused."""
    return cpu_time(lambda: assess(text), runs=runs)


@functools.cache
def ordinary_cost(script: str) -> float:
    unit = ORDINARY_PROSE[script]
    text = (unit * (SIZE // len(unit) + 1))[:SIZE]
    assess(text)
    return best_cpu(text, runs=5)


def script_of(text: str) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text[:2000]) else "en"


def budget_for(text: str) -> float:
    return max(FIXED_BUDGET, 2.0 * ordinary_cost(script_of(text)))


def measured_against_budget(text: str) -> tuple[float, float]:
    """(best CPU time, budget) for ``text``, measured up to three times while over budget: a
    busy moment slows every run of one measurement; a pathological pattern is over budget in
    all three."""
    best = float("inf")
    for _ in range(3):
        best = min(best, best_cpu(text))
        if best < budget_for(text):
            break
    return best, budget_for(text)
