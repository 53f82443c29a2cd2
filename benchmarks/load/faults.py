#!/usr/bin/env python
"""Faults under load, on private services (``stack.py``) so that nothing shared is touched.

    .venv/bin/python benchmarks/load/faults.py                 # all three, ~5 minutes
    .venv/bin/python benchmarks/load/faults.py --only postgres,redis

(a) **postgres**: the mixed load runs; PostgreSQL is stopped with ``pg_ctl -m immediate`` (a
    crash: no checkpoint, WAL replay at start) for ``--outage`` seconds, then started again.
    Requests must fail fast with 503 and ``Retry-After`` (no 500, no hang), no acknowledged
    write may be lost, and the service must recover by itself (recovery time = from the
    moment PostgreSQL accepts connections again to the last failed request).
(b) **redis**: the mixed load runs; Redis is killed (SIGKILL) for ``--outage`` seconds and
    started again, empty. Pages and API must keep answering 2xx, the help page never fails,
    half of the sockets are dropped during the outage and resume by sequence number, and
    every expected notification must still arrive (delayed, not lost).
(c) **worker**: an export and an erasure are requested; two workers pick them up and are
    killed with SIGKILL while they run them (each job is held at a known point by a lock this
    harness takes: the export at its claim of the request row, the erasure part-way, at its
    notifications step), the locks are released, one new worker is started. Each job must
    complete once: one archive and one ``privacy.export_ready`` event, one
    ``privacy.erasure_complete`` audit entry with every step done once.

Prints a table and writes ``benchmarks/results/<time>-faults.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mixed import (  # noqa: E402
    PASSWORD,
    Http,
    LoadRun,
    Member,
    Recorder,
    open_sockets,
    run_mixed,
    start_threads,
    summarise,
    verify,
)
from stack import Proc, Stack, log, machine, wait_for, write_results  # noqa: E402

#: A request answering slower than this during an outage counts as hanging.
FAIL_FAST_S = 10.0


def now_in(run: LoadRun) -> float:
    return round(time.monotonic() - run.recorder.started, 3)


def outage_figures(run: LoadRun, start: float, back: float) -> dict[str, Any]:
    """What the clients saw from the fault until the end: how failures answered, how long
    they took, and how long after the service was back the last one came."""
    samples = run.recorder.samples
    failed = [s for s in samples if not 200 <= s.status <= 299 and s.t >= start]
    during = [s for s in samples if start <= s.t <= back]
    unavailable = [s for s in failed if s.status == 503]
    last_failure = max((s.t for s in failed), default=start)
    first_ok_after = min(
        (s.t for s in samples if s.t >= back and 200 <= s.status <= 299), default=None
    )
    return {
        "fault_at_s": start,
        "service_back_at_s": back,
        "requests_during": len(during),
        "ok_during": sum(1 for s in during if 200 <= s.status <= 299),
        "failed": len(failed),
        "failed_503": len(unavailable),
        "failed_503_without_retry_after": sum(1 for s in unavailable if not s.retry_after),
        "failed_500": sum(1 for s in failed if s.status >= 500 and s.status != 503),
        "failed_other": sorted(
            {f"{s.action} {s.status or s.error} {s.code}" for s in failed if s.status != 503}
        ),
        "timeouts_or_socket_errors": sum(1 for s in failed if s.status == 0),
        "failure_latency_ms": {
            "p50": _pct([s.ms for s in failed], 50),
            "p99": _pct([s.ms for s in failed], 99),
            "max": round(max((s.ms for s in failed), default=0.0), 1),
        },
        "slowest_during_ms": round(max((s.ms for s in during), default=0.0), 1),
        "first_ok_after_back_s": round(first_ok_after - back, 2) if first_ok_after else None,
        "recovery_s": round(max(0.0, last_failure - back), 2),
        "help_during": {
            "requests": sum(1 for s in during if s.action == "help"),
            "failed": sum(1 for s in during if s.action == "help" and s.status != 200),
        },
    }


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)


# --- (a) PostgreSQL ----------------------------------------------------------------------------


async def postgres_scenario(stack: Stack, members: list[Member], args: Any) -> dict[str, Any]:
    assert stack.pg is not None
    run = LoadRun(base_url=stack.base_url, members=members, community=stack.community)
    await open_sockets(run)
    await start_threads(run, seed=11)
    run.recorder = Recorder()
    load = asyncio.create_task(run_mixed(run, duration=args.load, think=args.think, seed=11))
    await asyncio.sleep(args.fault_at)
    stopped_at = now_in(run)
    log(f"  t={stopped_at:.1f}s: PostgreSQL stopped (immediate)")
    await asyncio.to_thread(stack.pg.stop, "immediate")
    await asyncio.sleep(args.outage)
    restart_began = now_in(run)
    await asyncio.to_thread(stack.pg.start)
    back_at = now_in(run)
    log(f"  t={back_at:.1f}s: PostgreSQL accepting connections again")
    ready_after = await asyncio.to_thread(wait_for, stack.ready, 120, "readyz", 0.1)
    await load
    figures = outage_figures(run, stopped_at, back_at)
    figures["down_s"] = round(back_at - stopped_at, 2)
    figures["restart_took_s"] = round(back_at - restart_began, 2)
    figures["readyz_ok_after_back_s"] = round(ready_after, 2)
    proof = await verify(run, heads=stack.heads)
    for socket in run.sockets:
        await socket.stop()
    worker_alive = stack.worker is not None and stack.worker.alive()
    web_alive = stack.web is not None and stack.web.alive()
    # The worker reconnects by itself: its heartbeat is fresh again.
    heartbeat_fresh = await asyncio.to_thread(_worker_heartbeat_fresh, 30)
    ok = (
        proof["lost_total"] == 0
        and figures["failed_500"] == 0
        and figures["failed_503_without_retry_after"] == 0
        and not figures["failed_other"]
        and figures["timeouts_or_socket_errors"] == 0
        and figures["failure_latency_ms"]["max"] < FAIL_FAST_S * 1000
        and proof["notifications_missing_total"] == 0
        and web_alive
        and worker_alive
        and heartbeat_fresh
    )
    return {
        "ok": ok,
        "outage": figures,
        "summary": summarise(run.recorder.samples, run.seconds),
        "proof": proof,
        "web_processes_survived": web_alive,
        "worker_survived": worker_alive,
        "worker_heartbeat_fresh": heartbeat_fresh,
    }


def _worker_heartbeat_fresh(within: float) -> bool:
    from django.utils import timezone

    from alongside.core.models import WorkerHeartbeat

    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            cutoff = timezone.now() - datetime.timedelta(seconds=10)
            if WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).exists():
                return True
            time.sleep(1)
        return False
    finally:
        Stack.close_db()


# --- (b) Redis ---------------------------------------------------------------------------------


async def redis_scenario(stack: Stack, members: list[Member], args: Any) -> dict[str, Any]:
    assert stack.redis is not None
    run = LoadRun(base_url=stack.base_url, members=members, community=stack.community)
    await open_sockets(run)
    await start_threads(run, seed=22)
    run.recorder = Recorder()
    load = asyncio.create_task(run_mixed(run, duration=args.load, think=args.think, seed=22))
    await asyncio.sleep(args.fault_at)
    stopped_at = now_in(run)
    log(f"  t={stopped_at:.1f}s: Redis killed")
    await asyncio.to_thread(stack.redis.stop)
    await asyncio.sleep(min(2.0, args.outage / 2))
    dropped = run.sockets[::2]
    for socket in dropped:  # phones losing signal: they come back and resume by seq
        await socket.reconnect()
    log(f"  t={now_in(run):.1f}s: {len(dropped)} sockets dropped; they resume by sequence number")
    await asyncio.sleep(max(0.0, args.outage - 2.0))
    await asyncio.to_thread(stack.redis.start)
    back_at = now_in(run)
    log(f"  t={back_at:.1f}s: Redis started again (empty)")
    await load
    figures = outage_figures(run, stopped_at, back_at)
    proof = await verify(run, heads=stack.heads, notify_wait=45)
    for socket in run.sockets:
        await socket.stop()
    ok = (
        figures["failed"] == 0
        and figures["help_during"]["failed"] == 0
        and proof["lost_total"] == 0
        and proof["notifications_missing_total"] == 0
        and proof["stream"]["gaps"] == 0
        and proof["stream"]["duplicates"] == 0
        and not proof["stream"]["behind_head"]
    )
    return {
        "ok": ok,
        "outage": figures,
        "summary": summarise(run.recorder.samples, run.seconds),
        "proof": proof,
        "sockets_dropped_during_outage": len(dropped),
    }


# --- (c) worker killed mid-job -----------------------------------------------------------------


def _job_rows(task_suffix: str, arg: str) -> list[Any]:
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path__endswith=task_suffix)
    return [r for r in rows if arg in str(r.args_kwargs)]


def _lock_waiters() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


async def worker_scenario(stack: Stack, members: list[Member], args: Any) -> dict[str, Any]:
    import psycopg
    from asgiref.sync import sync_to_async

    assert stack.worker is not None
    exporter, eraser = members[0], members[1]
    http = Http(stack.base_url, address=exporter.address)
    # Content to export and to erase: a thread each, a reply and a notification.
    run = LoadRun(base_url=stack.base_url, members=members[:4], community=stack.community)
    await start_threads(run, seed=33)
    await run_mixed(run, duration=6, think=0.3, seed=33)

    log("  stopping the worker; requesting an export and an erasure")
    await asyncio.to_thread(stack.worker.stop)
    export = await http.request("POST", "/api/v1/me/export", token=exporter.token, body={})
    erase = await http.request(
        "POST", "/api/v1/me/erase", token=eraser.token, body={"password": PASSWORD}
    )
    if export.status not in (200, 201, 202) or erase.status != 202:
        raise RuntimeError(f"export {export.status} {export.body!r}, erase {erase.status}")
    export_id = str(export.json()["id"])

    @sync_to_async
    def erasure_state() -> dict[str, Any]:
        from alongside.privacy.models import ErasureRequest

        try:
            e = ErasureRequest.objects.get(user_id=eraser.user_id)
            return {
                "id": str(e.pk),
                "status": e.status,
                "steps_done": len(e.steps_done),
                "distinct_steps": len(set(e.steps_done)),
                "attempts": e.attempts,
            }
        finally:
            Stack.close_db()

    erasure_id = (await erasure_state())["id"]
    # Hold each job at a known point: the export at its claim of the request row, the
    # erasure at its notifications step (the steps before it run and commit).
    locks = await asyncio.to_thread(psycopg.connect, stack.database_url)
    await asyncio.to_thread(
        locks.execute, "SELECT 1 FROM privacy_exportrequest WHERE id = %s FOR UPDATE", [export_id]
    )
    await asyncio.to_thread(
        locks.execute, "LOCK TABLE notifications_notification IN ACCESS EXCLUSIVE MODE"
    )
    # A worker runs one job at a time: two workers, one held in each job, both killed.
    second = Proc("worker2", stack.worker.command, stack.env, stack.worker.log_path.parent)
    log("  locks taken; starting two workers")
    stack.worker.start()
    second.start()

    @sync_to_async
    def running() -> tuple[int, int, int]:
        try:
            states = [
                r.status
                for r in _job_rows("privacy_build_export", export_id)
                + _job_rows("privacy_erase_user", erasure_id)
            ]
            return states.count("RUNNING"), len(states), _lock_waiters()
        finally:
            Stack.close_db()

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        n_running, _jobs, waiters = await running()
        if n_running == 2 and waiters >= 2:
            break
        await asyncio.sleep(0.2)
    else:
        raise RuntimeError(f"jobs did not reach the locks: {await running()}")
    at_kill = await erasure_state()
    stack.worker.kill9()
    second.kill9()
    killed_at = time.monotonic()
    log(
        f"  workers killed (SIGKILL) mid-job: both jobs RUNNING, erasure at step "
        f"{at_kill['steps_done']}; releasing locks, starting one new worker"
    )
    await asyncio.to_thread(locks.rollback)
    await asyncio.to_thread(locks.close)
    stack.worker.start()
    restarted_at = time.monotonic()

    @sync_to_async
    def outcome() -> dict[str, Any]:
        from alongside.core.models import AuditEntry, Event
        from alongside.privacy.models import ErasureRequest, ExportRequest

        try:
            exp = ExportRequest.objects.get(pk=export_id)
            era = ErasureRequest.objects.get(pk=erasure_id)
            export_jobs = _job_rows("privacy_build_export", export_id)
            erase_jobs = _job_rows("privacy_erase_user", erasure_id)
            return {
                "export_status": exp.status,
                "export_ready_events": Event.objects.filter(
                    user_id=exporter.user_id, type="privacy.export_ready"
                ).count(),
                "export_jobs": [(j.status, len(j.worker_ids)) for j in export_jobs],
                "erasure_status": era.status,
                "erasure_attempts": era.attempts,
                "erasure_steps": len(era.steps_done),
                "erasure_distinct_steps": len(set(era.steps_done)),
                "erasure_complete_audits": AuditEntry.objects.filter(
                    action="privacy.erasure_complete", data__erasure=erasure_id
                ).count(),
                "erase_jobs": [(j.status, len(j.worker_ids)) for j in erase_jobs],
            }
        finally:
            Stack.close_db()

    deadline = time.monotonic() + args.job_timeout
    state = await outcome()
    while time.monotonic() < deadline:
        state = await outcome()
        if state["export_status"] == "ready" and state["erasure_status"] == "done":
            break
        await asyncio.sleep(1)
    done_at = time.monotonic()
    # After completion nothing runs again: wait one requeue period and look once more.
    await asyncio.sleep(args.settle)
    final = await outcome()
    from alongside.privacy.inventory import entries

    all_steps = len(entries())
    archive = await http.request("GET", f"/api/v1/me/export/{export_id}", token=exporter.token)
    await http.close()
    ok = (
        final["export_status"] == "ready"
        and final["export_ready_events"] == 1
        and final["export_jobs"] == [("SUCCESSFUL", 2)]
        and final["erasure_status"] == "done"
        and final["erasure_steps"] == final["erasure_distinct_steps"] == all_steps
        and final["erasure_complete_audits"] == 1
        and final["erase_jobs"] == [("SUCCESSFUL", 2)]
        and archive.status == 200
        and final == state
    )
    return {
        "ok": ok,
        "erasure_steps_done_at_kill": at_kill["steps_done"],
        "erasure_steps_total": all_steps,
        "completed_after_restart_s": round(done_at - restarted_at, 1),
        "completed_after_kill_s": round(done_at - killed_at, 1),
        "at_completion": state,
        "after_settle": final,
        "export_status_via_api": archive.status,
    }


# --- main --------------------------------------------------------------------------------------

SCENARIOS = {"postgres": postgres_scenario, "redis": redis_scenario, "worker": worker_scenario}


def table(results: dict[str, Any]) -> str:
    lines = [
        (
            f"{'fault':<9} {'requests':>8} {'ok':>6} {'503':>5} {'500':>4} {'hang':>4} "
            f"{'fail p99/max ms':>16} {'recovery s':>10} {'acked':>6} {'lost':>4} "
            f"{'notif miss':>10} {'result':>6}"
        )
    ]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"{name:<9} ERROR: {r['error']}")
            continue
        if name == "worker":
            lines.append(
                f"{name:<9} export {r['after_settle']['export_status']}, "
                f"erasure {r['after_settle']['erasure_status']} "
                f"({r['after_settle']['erasure_steps']}/{r['erasure_steps_total']} steps, "
                f"{r['erasure_steps_done_at_kill']} done at the kill); completed "
                f"{r['completed_after_restart_s']} s after restart; ran once: "
                f"{'yes' if r['ok'] else 'NO'}"
            )
            continue
        o, s, p = r["outage"], r["summary"], r["proof"]
        acked = sum(p["acknowledged"].values())
        lines.append(
            f"{name:<9} {s['requests']:>8} {s['requests'] - s['errors']:>6} "
            f"{o['failed_503']:>5} {o['failed_500']:>4} {o['timeouts_or_socket_errors']:>4} "
            f"{o['failure_latency_ms']['p99']:>7.0f}/{o['failure_latency_ms']['max']:<8.0f} "
            f"{o['recovery_s']:>10.2f} {acked:>6} {p['lost_total']:>4} "
            f"{p['notifications_missing_total']:>10} {'ok' if r['ok'] else 'FAIL':>6}"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="postgres,redis,worker")
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--load", type=float, default=40, help="seconds of load per fault (40)")
    parser.add_argument("--fault-at", type=float, default=12, help="seconds into the load (12)")
    parser.add_argument("--outage", type=float, default=5, help="seconds down (5)")
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--data-dir", default="/tmp/al-load-faults")
    parser.add_argument("--job-timeout", type=float, default=240)
    parser.add_argument("--settle", type=float, default=65, help="look again after (65 s)")
    args = parser.parse_args(argv)
    args.scenarios = [s for s in args.only.split(",") if s]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.UTC)
    results: dict[str, Any] = {}
    with Stack(
        data_dir=Path(args.data_dir),
        port=args.port,
        web_workers=args.web_workers,
        pg_port=args.pg_port,
        redis_port=args.redis_port,
    ) as stack:
        services = stack.describe()
        for name in args.scenarios:
            log(f"\n== fault: {name}")
            members = stack.members(args.members, label=name)
            try:
                results[name] = asyncio.run(SCENARIOS[name](stack, members, args))
            except Exception as exc:
                results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            log(f"  -> {'ok' if results[name]['ok'] else 'FAILED'}")
    report = table(results)
    log("\n" + report)
    for name, r in results.items():
        if "proof" in r and r["proof"]["problems"]:
            log(f"{name} problems: " + "; ".join(r["proof"]["problems"]))
    info = {
        "started_at": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k != "scenarios"},
        "services": services,
        "results": results,
        "table": report,
    }
    out = write_results(info, "faults")
    log(f"\nresults: {out}")
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
