#!/usr/bin/env python
"""Throughput of the risk engine in one process (texts per second of CPU time, one core).

    .venv/bin/python benchmarks/safety_throughput.py                  # the risk-dev sets
    .venv/bin/python benchmarks/safety_throughput.py FILE.jsonl ...   # any {"text"} JSONL
    .venv/bin/python benchmarks/safety_throughput.py --rounds 5

Every text is assessed once to warm the caches, then ``--rounds`` times; the best round is
reported (other processes on a shared machine only ever make a round slower). CPU time of
this process is the measure, so the figure is per core; wall-clock time is printed beside
it, with the machine's load average, so a reader can judge how busy the machine was.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEV_SETS = ROOT.parent / "shared" / "datasets" / "risk-dev"


def load(paths: list[Path]) -> list[str]:
    texts = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    texts.append(json.loads(line)["text"])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    paths = args.files or sorted(DEV_SETS.glob("*.jsonl"))
    if not paths:
        sys.exit("no JSONL files given and ../shared/datasets/risk-dev/ has none")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    sys.path.insert(0, str(ROOT / "src"))
    from alongside.safety.detection import VERSION, assess

    texts = load(paths)
    for text in texts:
        assess(text)
    best_cpu = best_wall = float("inf")
    for _ in range(args.rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for text in texts:
            assess(text)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    characters = sum(len(t) for t in texts)
    print(f"engine {VERSION}, Python {sys.version.split()[0]}")
    print(f"files: {', '.join(p.name for p in paths)}")
    print(f"texts: {len(texts)}, mean length {characters / len(texts):.0f} characters")
    print(f"best of {args.rounds} rounds: {best_cpu:.2f} s CPU, {best_wall:.2f} s wall")
    print(f"throughput: {len(texts) / best_cpu:,.0f} texts/s per core (CPU time)")
    print(f"            {len(texts) / best_wall:,.0f} texts/s wall clock")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
