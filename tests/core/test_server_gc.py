"""The server's processes tune Python's garbage collector once their code is loaded
(core.server.tune_gc, decision 0019); other processes that import the application (tests,
management commands) keep Python's defaults. Run in child processes, so this one is untouched."""

from __future__ import annotations

import os
import subprocess
import sys

from alongside.core.server import GC_THRESHOLDS, SERVING_ENV

PROBE = (
    "import gc, alongside.asgi; from alongside.safety.detection import rules; "
    "print(gc.get_threshold(), gc.get_freeze_count() > 0, rules.ruleset.cache_info().currsize)"
)


def _probe(serving: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != SERVING_ENV}
    if serving:
        env[SERVING_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_server_process_freezes_what_it_loaded_and_collects_young_objects_less_often() -> None:
    # ... and has compiled the risk engine's rules before its first request (1 = compiled).
    assert _probe(serving=True) == f"{GC_THRESHOLDS} True 1"


def test_other_processes_keep_pythons_defaults() -> None:
    threshold, frozen, rules = _probe(serving=False).rsplit(" ", 2)
    assert threshold != str(GC_THRESHOLDS)
    assert frozen == "False"
    assert rules == "0"  # nothing warmed: a management command pays only for what it uses
