#!/usr/bin/env python
"""Benchmark the thread page, thread API, feed and search of a running ``alongside serve``.

    .venv/bin/python benchmarks/run.py                 # 10k and 100k posts, 20 s per endpoint
    .venv/bin/python benchmarks/run.py --quick         # CI smoke: 1k posts, 5 s, exit 1 on errors
    .venv/bin/python benchmarks/run.py --sizes 100000 --no-seed   # re-measure seeded data

For each size: seed (``seed.py --reset``), start ``alongside serve --workers 2 --no-worker``
(production mode: DEBUG off, a generated secret key, ALONGSIDE_ALLOWED_HOSTS=127.0.0.1),
check every endpoint answers 200 with real content, warm up, load each endpoint at
``--connections`` for ``--duration`` seconds, stop the server. Prints a table and writes
``benchmarks/results/<time>-<label>.json``.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import functools
import hashlib
import itertools
import json
import os
import platform
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import cpu  # noqa: E402
from load import LoadResult, have_wrk, run_load  # noqa: E402

#: "other" CPU share (percent of all cores) above which a run is flagged as disturbed
NOISY_PCT = 10.0
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/alongside_bench"
DEFAULT_DATA = "/tmp/al-bench"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # {thread} and {q} are filled in
    auth: str  # "token" (X-Session-Token), "cookie" (browser session) or "none"
    kind: str  # "page" or "api"
    writes: bool = False  # a member replies to the thread every --write-every s meanwhile


ENDPOINTS = [
    Endpoint("thread_page", "/t/{thread}/", "cookie", "page"),
    Endpoint("thread_page_anon", "/t/{thread}/", "none", "page"),
    # The same page while the site changes: every reply moves the write generation, so kept
    # pages for signed-out visitors (decision 0022) are rendered again after each one.
    Endpoint("anon_page_writes", "/t/{thread}/", "none", "page", writes=True),
    # Signed-out visitors spread over many threads (--spread of the public ones) with the same
    # writes: each reply makes every process render every one of those pages again.
    Endpoint("anon_spread_writes", "{threads}", "none", "page", writes=True),
    Endpoint("thread_api", "/api/v1/threads/{thread}", "token", "api"),
    Endpoint("thread_api_anon", "/api/v1/threads/{thread}", "none", "api"),
    Endpoint("feed", "/api/v1/feed", "token", "api"),
    Endpoint("search", "/api/v1/search?q={q}", "token", "api"),
    # The floor of the same server: /healthz reads nothing but, signed in, the session and
    # the user every signed-in request reads. No signed-in page can be faster than it.
    Endpoint("floor_signed_in", "/healthz", "cookie", "api"),
    Endpoint("floor_anon", "/healthz", "none", "api"),
]

#: The endpoints the p99 target is judged on, and how the verdict names them.
P99_JUDGED = {
    "thread_page": "thread page (signed in)",
    "thread_page_anon": "thread page (signed out)",
    "floor_signed_in": "floor, /healthz signed in",
}


def log(message: str) -> None:
    print(message, flush=True)


# --- environment -------------------------------------------------------------------------------


def redis_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


def bench_env(args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALONGSIDE_")}
    env.update(
        DATABASE_URL=args.database_url,
        ALONGSIDE_DATA_DIR=args.data_dir,
        ALONGSIDE_ALLOWED_HOSTS="127.0.0.1,localhost",
        ALONGSIDE_CACHE_PREFIX="alongside-bench",
        PYTHONUNBUFFERED="1",
    )
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database when it is missing (SQLite files create themselves)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = url.replace(parts.path, "/postgres", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def database_version(url: str) -> str:
    if not url.startswith(("postgres://", "postgresql://")):
        return "sqlite"
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        settings: dict[str, str] = dict(
            conn.execute(
                "SELECT name, setting || COALESCE(unit, '') FROM pg_settings "
                "WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size')"
            ).fetchall()
        )
    return f"PostgreSQL {row[0] if row else '?'} {settings}"


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])  # type: ignore[index]
    except (OSError, TypeError):
        mem_kb = 0

    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain")),
    }


def code_fingerprint() -> str:
    """A hash of the application's code and templates as the server is started: other people
    may be editing the tree, and sizes are only comparable when they ran the same code."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "alongside").rglob("*")):
        if path.suffix in {".py", ".html"} and path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def run_checked(command: list[str], env: dict[str, str], label: str) -> None:
    done = subprocess.run(command, env=env, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{label} failed with exit code {done.returncode}")


# --- server ------------------------------------------------------------------------------------


class Server:
    """``alongside serve`` in its own process group, its output in a log file."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.pgid: int | None = None
        self.base_url = f"http://127.0.0.1:{args.port}"

    #: what is started, where, and the path that answers 200 once it serves (a subclass may
    #: serve another application the same way: benchmarks/peers/run.py)
    label = "alongside serve"
    health_path = "/healthz"
    cwd = ROOT

    def command(self) -> list[str]:
        return [
            str(BIN / "alongside"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.args.port),
            "--workers",
            str(self.args.workers),
            "--no-worker",
        ]

    def start(self) -> None:
        command = self.command()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.args.port)) == 0:
                # Another server answering there would be measured instead of this one.
                raise SystemExit(
                    f"port {self.args.port} is already in use: stop what listens there"
                )
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=self.cwd,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pgid = self.process.pid  # a new session: the server leads its process group
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"{self.label} exited ({self.process.returncode}); see {self.log_path}:\n"
                    + self.log_path.read_text()[-2000:]
                )
            try:
                with urllib.request.urlopen(self.base_url + self.health_path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{self.label} did not become healthy in 60 s; see {self.log_path}")

    def wait_idle(self, timeout: float = 120) -> float:
        """Wait until requests left queued by the last load run are served: wrk stops with up
        to one request in flight per connection, and the next measurement must not start
        behind them. Idle means the server's processes (all workers) use almost no CPU over
        two consecutive 0.3 s windows. Returns the seconds waited."""
        started = time.monotonic()
        calm = 0
        last = cpu.snapshot(self.pgid).server
        while time.monotonic() - started < timeout and calm < 2:
            time.sleep(0.3)
            now = cpu.snapshot(self.pgid).server
            calm = calm + 1 if now - last < 0.03 else 0
            last = now
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own process group only
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()
        self.process = None


# --- one size ----------------------------------------------------------------------------------


def credentials(state: dict[str, Any], auth: str) -> tuple[str | None, list[str]]:
    members = state["members"]
    if auth == "token":
        return "X-Session-Token", [m["token"] for m in members]
    if auth == "cookie":
        return "Cookie", [f"sessionid={m['sessionid']}" for m in members]
    return None, []


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to report, not to follow


_OPENER = urllib.request.build_opener(_NoRedirect)


def public_thread_paths(base_url: str, limit: int) -> list[str]:
    """Page paths of up to ``limit`` threads a signed-out visitor can read, newest first per
    community, taken in turn from each public community (through the public API)."""

    def get(path: str) -> Any:
        with _OPENER.open(base_url + path, timeout=30) as response:
            return json.loads(response.read())

    found = get("/api/v1/communities")
    listed = found.get("items", []) if isinstance(found, dict) else found
    slugs = [c["slug"] for c in listed if c.get("visibility") == "public"]
    per_community = [
        [t["id"] for t in get(f"/api/v1/communities/{slug}/threads")["items"]] for slug in slugs
    ]
    paths: list[str] = []
    for row in itertools.zip_longest(*per_community):
        paths.extend(f"/t/{tid}/" for tid in row if tid is not None)
    return paths[:limit]


def probe(
    base_url: str, endpoint: Endpoint, path: str, header: str | None, cred: list[str]
) -> dict:
    """One request: status, size, and a check that the answer has real content (a benchmark of
    an empty page or an error page would measure nothing)."""
    request = urllib.request.Request(base_url + path)
    if header:
        request.add_header(header, cred[0])
    try:
        with _OPENER.open(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    found: dict[str, Any] = {"status": status, "bytes": len(body)}
    if status != 200:
        return found
    if endpoint.kind == "api":
        data = json.loads(body)
        if "posts" in data:
            found["items"] = len(data["posts"]["items"])
            found["more"] = data["posts"]["next"] is not None
        else:
            found["items"] = len(data.get("items", []))
            found["more"] = data.get("next") is not None
    else:
        found["post_elements"] = len(re.findall(rb'id="post-\d+"', body))
    return found


#: Reply sentences; each reply joins three at random. A member repeating one text is held as
#: spam after a few posts (moderation's repetition rule), which would measure the review
#: queue instead of ordinary replies.
REPLY_SENTENCES = (
    "Thinking of you today.",
    "That sounds really hard, and it makes sense you feel worn out.",
    "I had a week like that last month; it did pass, slowly.",
    "Thank you for writing this down here.",
    "Small steps count, even the ones nobody sees.",
    "Is there someone nearby you could sit with this evening?",
    "Sleep has been patchy for me too lately.",
    "You are not the only one who feels this way.",
    "I hope tomorrow is a little lighter for you.",
    "A short walk helped me a bit when my head was loud.",
    "It is okay to take today slowly.",
    "Writing lists helped me when everything felt like too much.",
    "Sending warmth from across the world.",
    "Your message made me feel less alone too.",
    "Be gentle with yourself this week.",
    "Drinking some water and eating something simple is a fine goal for today.",
    "I read your post twice; it is clear you care a lot.",
    "My counsellor once said feelings are visitors, not residents.",
    "Rest is not something you have to earn.",
    "Checking in again later to see how you are doing.",
    "The exams season is rough on all of us here.",
    "I relate to the part about lying awake.",
    "Music in the background helps me start small tasks.",
    "You did well to reach out here.",
    "Some days just surviving is plenty.",
    "I am glad you found this community.",
    "What helped last time, even a little?",
    "It might help to tell your doctor how long this has lasted.",
    "We are here and we are listening.",
    "Take care of yourself tonight.",
)


class Replier(threading.Thread):
    """Replies to the thread every ``every`` seconds through the API, rotating over the
    benchmark members (each stays far under the posting rate limits), until stopped."""

    def __init__(self, base_url: str, thread_id: int, tokens: list[str], every: float) -> None:
        super().__init__(daemon=True)
        self.url = f"{base_url}/api/v1/threads/{thread_id}/posts"
        self.tokens, self.every = tokens, every
        self.stopped = threading.Event()
        self.statuses: collections.Counter[int] = collections.Counter()

    def run(self) -> None:
        n = 0
        pick = random.Random()
        while not self.stopped.wait(self.every):
            text = " ".join(pick.sample(REPLY_SENTENCES, 3))
            body = json.dumps({"body": text}).encode()
            request = urllib.request.Request(self.url, data=body, method="POST")
            request.add_header("Content-Type", "application/json")
            request.add_header("X-Session-Token", self.tokens[n % len(self.tokens)])
            try:
                with _OPENER.open(request, timeout=30) as response:
                    self.statuses[response.status] += 1
            except urllib.error.HTTPError as exc:
                self.statuses[exc.code] += 1
            except OSError:
                self.statuses[0] += 1
            n += 1


def measure_endpoint(
    args: argparse.Namespace,
    server: Server,
    *,
    path: str,
    header: str | None,
    cred: list[str],
    row: dict[str, Any],
    replier: Callable[[], Replier] | None = None,
) -> None:
    """Warm up, then ``--repeat`` measured runs (each after the machine is quiet), then a
    short run at one connection; results go into ``row``. With ``replier``, a member replies
    to the thread during each measured run (``row["writes"]`` counts the answers)."""

    def load(connections: int, duration: float) -> LoadResult:
        return run_load(
            base_url=server.base_url,
            path=path,
            header=header,
            credentials=cred,
            connections=connections,
            duration=duration,
            driver=args.driver,
        )

    server.wait_idle()
    if args.warmup > 0:
        load(args.connections, args.warmup)
        server.wait_idle()
    runs = []
    for _ in range(args.repeat):
        quiet, share = cpu.wait_quiet(args.quiet_below, args.quiet_wait, log)
        writer = replier() if replier is not None else None
        if writer is not None:
            writer.start()
        before = cpu.snapshot(server.pgid)
        result = load(args.connections, args.duration)
        after = cpu.snapshot(server.pgid)
        if writer is not None:
            writer.stopped.set()
            writer.join()
        usage = cpu.usage(before, after, result.requests)
        runs.append(
            {
                **({"writes": dict(writer.statuses)} if writer is not None else {}),
                **result.as_dict(),
                "cpu": usage,
                "busy_before_pct": round(100 * share, 1),
                "quiet_before": quiet,
                "drain_s": round(server.wait_idle(), 2),
            }
        )
    # the median run by throughput stands for the endpoint; all runs are kept
    runs_sorted = sorted(runs, key=lambda r: r["rps"])
    row["result"] = runs_sorted[len(runs_sorted) // 2]
    row["runs"] = runs
    if args.single > 0:
        # one connection: the time a request takes when nothing queues before it
        row["single"] = load(1, args.single).as_dict()
        server.wait_idle()


def measure_size(
    args: argparse.Namespace, env: dict[str, str], posts: int, results_dir: Path
) -> dict[str, Any]:
    state_path = Path(args.data_dir) / "bench-state.json"
    if not args.no_seed:
        threads = max(1, posts // args.posts_per_thread)
        log(f"\n== seeding {posts} posts, {threads} threads")
        run_checked(
            [
                sys.executable,
                str(HERE / "seed.py"),
                "--reset",
                "--posts",
                str(posts),
                "--threads",
                str(threads),
                "--members",
                str(args.members),
                "--target-posts",
                str(args.target_posts),
            ],
            env,
            "seed",
        )
    state = json.loads(state_path.read_text())
    if args.no_seed:
        log(f"\n== using seeded data: {state['posts']} posts, {state['threads']} threads")
    server = Server(args, env, Path(args.data_dir) / f"serve-{state['posts']}.log")
    log(f"== starting alongside serve --workers {args.workers} on {server.base_url}")
    code = code_fingerprint()
    server.start()
    rows: dict[str, Any] = {}
    try:
        for endpoint in args.endpoint_list:
            threads = ""
            if "{threads}" in endpoint.path:
                threads = "|".join(public_thread_paths(server.base_url, args.spread))
            path = endpoint.path.format(
                thread=state["target_thread"], q=state["search_word"], threads=threads
            )
            header, cred = credentials(state, endpoint.auth)
            found = probe(server.base_url, endpoint, path.split("|")[0], header, cred)
            if "{threads}" in endpoint.path:
                found["paths"] = path.count("|") + 1
            row: dict[str, Any] = {"path": path, "auth": endpoint.auth, "probe": found}
            rows[endpoint.name] = row
            if found["status"] != 200:
                api_ok = rows.get("thread_api", {}).get("probe", {}).get("status") == 200
                if endpoint.kind == "page" and found["status"] == 404:
                    row["skipped"] = (
                        "page answers 404 (view not implemented yet?)"
                        if api_ok or "thread_api" not in rows
                        else "404"
                    )
                    log(f"  {endpoint.name:<17} SKIPPED: {row['skipped']}")
                    continue
                row["skipped"] = f"probe answered {found['status']}"
                row["failed"] = True
                log(f"  {endpoint.name:<17} FAILED: probe answered {found['status']}")
                continue

            replier = None
            if endpoint.writes:
                tokens = [m["token"] for m in state["members"]]
                replier = functools.partial(
                    Replier, server.base_url, state["target_thread"], tokens, args.write_every
                )
            measure_endpoint(
                args, server, path=path, header=header, cred=cred, row=row, replier=replier
            )
            log("  " + format_row(state["posts"], endpoint.name, row))
    finally:
        server.stop()
    return {
        "posts": state["posts"],
        "threads": state["threads"],
        "seed": {k: v for k, v in state.items() if k != "members"},
        "code": code,
        "code_at_end": code_fingerprint(),
        "endpoints": rows,
    }


# --- output ------------------------------------------------------------------------------------

HEADER = (
    f"{'posts':>7}  {'endpoint':<17} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
    f"{'errors':>6} {'1-conn p50/p99':>15} {'srv ms/req':>10} {'pg ms/req':>9} {'other':>6}"
)


def format_row(posts: int, name: str, row: dict[str, Any]) -> str:
    """One line of the table; ``other`` is CPU used by processes that are neither the server,
    PostgreSQL nor the load generator (flagged with ! when it could have skewed the run)."""
    if "result" not in row:
        return f"{posts:>7}  {name:<17} {row.get('skipped', '')}"
    r = row["result"]
    single = row.get("single")
    alone = f"{single['p50_ms']:.1f} / {single['p99_ms']:.1f}" if single else "-"
    use = r.get("cpu", {})
    other = use.get("other_pct", 0.0)
    flag = "!" if other > NOISY_PCT else " "
    return (
        f"{posts:>7}  {name:<17} {r['rps']:>7.1f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
        f"{r['p99_ms']:>7.1f} {r['errors']:>6} {alone:>15} "
        f"{use.get('server_cpu_ms_per_request', 0):>10.1f} "
        f"{use.get('postgres_cpu_ms_per_request', 0):>9.1f} {other:>5.0f}%{flag}"
        + (f"  replies {r['writes']}" if "writes" in r else "")
    )


def table(sizes: list[dict[str, Any]]) -> str:
    lines = [HEADER]
    for size in sizes:
        for name, row in size["endpoints"].items():
            lines.append(format_row(size["posts"], name, row))
    return "\n".join(lines)


def verdicts(sizes: list[dict[str, Any]], p99_target: float) -> list[str]:
    lines = []
    for size in sizes:
        for name, label in P99_JUDGED.items():
            row = size["endpoints"].get(name, {})
            if "result" in row:
                p99 = row["result"]["p99_ms"]
                ok = "met" if p99 < p99_target else "MISSED"
                lines.append(
                    f"{label} p99 at {size['posts']} posts: {p99:.1f} ms "
                    f"(target < {p99_target:.0f} ms): {ok}"
                )
    codes = {c for size in sizes for c in (size.get("code"), size.get("code_at_end"))}
    if len(codes) > 1:
        lines.append(
            "WARNING: the application code changed during the benchmark "
            f"({', '.join(sorted(c for c in codes if c))}): sizes are not strictly comparable"
        )
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for name in small["endpoints"]:
            a = small["endpoints"][name].get("result")
            b = large["endpoints"].get(name, {}).get("result")
            if a and b and a["rps"]:
                ratio = b["rps"] / a["rps"]
                ok = "met" if ratio >= 0.9 else "MISSED"
                lines.append(
                    f"{name} throughput at {large['posts']} vs {small['posts']} posts: "
                    f"{b['rps']:.1f} / {a['rps']:.1f} req/s = {ratio:.0%} (target >= 90%): {ok}"
                )
    return lines


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: 1k posts, 5 s each")
    parser.add_argument("--sizes", default="10000,100000", help="posts per run (10000,100000)")
    parser.add_argument("--posts-per-thread", type=int, default=10, help="mean, for seeding (10)")
    parser.add_argument("--target-posts", type=int, default=240, help="posts in measured thread")
    parser.add_argument("--members", type=int, default=32, help="signed-in members to rotate")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20, help="seconds per endpoint (20)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per endpoint (3)")
    parser.add_argument(
        "--single", type=float, default=3, help="seconds at 1 connection per endpoint (3; 0: skip)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per endpoint; median kept")
    parser.add_argument(
        "--quiet-below",
        type=float,
        default=0.15,
        help="before each run wait until under this share of CPU is busy (0.15)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=300, help="longest wait for quiet, seconds (300)"
    )
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--endpoints",
        default=",".join(e.name for e in ENDPOINTS),
        help="comma-separated subset of: " + ", ".join(e.name for e in ENDPOINTS),
    )
    parser.add_argument(
        "--spread", type=int, default=64, help="threads read by anon_spread_writes (64)"
    )
    parser.add_argument(
        "--write-every", type=float, default=1.0, help="seconds between replies (*_writes: 1)"
    )
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-seed", action="store_true", help="measure the data seeded last")
    parser.add_argument("--label", default="", help="name for the results file")
    parser.add_argument("--p99-target", type=float, default=100.0, help="ms (100)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    parser.add_argument("--data-dir", default=os.environ.get("ALONGSIDE_DATA_DIR") or DEFAULT_DATA)
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="cache and channel layer of the server ('' for none); skipped if unreachable",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = "1000"
        args.posts_per_thread = 10
        args.target_posts = 150
        args.members = 8
        args.duration = 5
        args.warmup = 1
        args.single = 0
        args.quiet_wait = 0  # CI machines are dedicated; record the share, never wait
        args.label = args.label or "quick"
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.no_seed and len(args.size_list) != 1:
        parser.error("--no-seed measures what is seeded: give one size")
    known = {e.name: e for e in ENDPOINTS}
    unknown = [n for n in args.endpoints.split(",") if n not in known]
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(unknown)}")
    args.endpoint_list = [known[n] for n in args.endpoints.split(",")]
    if args.redis_url and not redis_reachable(args.redis_url):
        log(f"Redis at {args.redis_url} is not reachable: running without it")
        args.redis_url = ""
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = bench_env(args)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    ensure_database(args.database_url)
    log("== migrating the benchmark database")
    run_checked([str(BIN / "alongside"), "migrate", "--no-input", "-v", "0"], env, "migrate")
    driver = args.driver if args.driver != "auto" else ("wrk" if have_wrk() else "python")
    info: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": database_version(args.database_url),
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "server": f"alongside serve --workers {args.workers} --no-worker (production mode)",
            "redis": bool(args.redis_url),
            "driver": driver,
            "members_rotated": args.members,
        },
    }
    log(f"driver: {driver}; {args.connections} connections, {args.duration:g} s per endpoint")
    started = time.monotonic()
    sizes = []
    for posts in args.size_list:
        results_dir = HERE / "results"
        sizes.append(measure_size(args, env, posts, results_dir))
    report = table(sizes)
    checks = verdicts(sizes, args.p99_target)
    log("\n" + report)
    for line in checks:
        log(line)
    errors = sum(
        row.get("result", {}).get("errors", 0)
        + row.get("single", {}).get("errors", 0)
        + (1 if row.get("failed") else 0)
        for size in sizes
        for row in size["endpoints"].values()
    )
    info.update(sizes=sizes, table=report, checks=checks, errors=errors)
    info["seconds"] = round(time.monotonic() - started, 1)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"{stamp}-{args.label or 'full'}.json"
    out.write_text(json.dumps(info, indent=2, default=str) + "\n")
    log(f"\nresults: {out.relative_to(ROOT)} ({info['seconds']} s)")
    if errors:
        log(f"{errors} error responses or failed endpoints")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
