"""Where the machine's CPU went during a measurement (Linux /proc).

A benchmark on a shared 2-core machine is only honest if nothing else was running: each
measurement records the CPU used by the server's processes, by the load generator, by
PostgreSQL (all its processes: on a shared server this includes other databases) and by
everything else ("other"). Server CPU per request is the figure least disturbed by noise.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU seconds spent not idle, over all cores, since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK


def _processes() -> list[tuple[int, str, int, float]]:
    """(pid, command name, process group, CPU seconds) of every live process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        # after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt
        # cmajflt utime stime ...
        found.append((int(entry.name), name, int(rest[2]), (int(rest[11]) + int(rest[12])) / TICK))
    return found


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Snapshot:
    at: float
    busy: float
    server: float
    postgres: float
    children: float


def snapshot(server_pgid: int | None) -> Snapshot:
    server = postgres = 0.0
    for _pid, name, pgid, seconds in _processes():
        if server_pgid is not None and pgid == server_pgid:
            server += seconds
        elif name.startswith("postgres"):
            postgres += seconds
    return Snapshot(time.monotonic(), _busy_seconds(), server, postgres, _children_seconds())


def usage(before: Snapshot, after: Snapshot, requests: int) -> dict[str, float]:
    """CPU shares of the interval (percent of all cores) and server CPU per request."""
    wall = max(1e-6, after.at - before.at)
    capacity = wall * (os.cpu_count() or 1)
    busy = after.busy - before.busy
    server = max(0.0, after.server - before.server)
    postgres = max(0.0, after.postgres - before.postgres)
    load = max(0.0, after.children - before.children)  # wrk or nothing (the python driver
    # runs in this process and shows up as "other")
    other = max(0.0, busy - server - postgres - load)
    return {
        "cpu_busy_pct": round(100 * busy / capacity, 1),
        "server_pct": round(100 * server / capacity, 1),
        "postgres_pct": round(100 * postgres / capacity, 1),
        "load_generator_pct": round(100 * load / capacity, 1),
        "other_pct": round(100 * other / capacity, 1),
        "server_cpu_ms_per_request": round(1000 * server / requests, 2) if requests else 0.0,
        "postgres_cpu_ms_per_request": round(1000 * postgres / requests, 2) if requests else 0.0,
    }


def busy_share(seconds: float = 2.0) -> float:
    """Share of all cores busy over the next ``seconds`` (0..1)."""
    start, began = _busy_seconds(), time.monotonic()
    time.sleep(seconds)
    return (_busy_seconds() - start) / ((time.monotonic() - began) * (os.cpu_count() or 1))


def wait_quiet(threshold: float, timeout: float, log: object = print) -> tuple[bool, float]:
    """Wait until the machine is idle (busy share under ``threshold``) or ``timeout`` passes.
    Returns (quiet, last busy share)."""
    if timeout <= 0:
        share = busy_share(0.5)
        return share <= threshold, share
    deadline = time.monotonic() + timeout
    share = busy_share()
    announced = False
    while share > threshold and time.monotonic() < deadline:
        if not announced:
            log(  # type: ignore[operator]
                f"  machine busy ({share:.0%} of CPU used by other work): waiting for it to "
                f"drop under {threshold:.0%} (up to {timeout:.0f} s)"
            )
            announced = True
        time.sleep(3)
        share = busy_share()
    return share <= threshold, share
