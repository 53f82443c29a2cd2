#!/usr/bin/env python
"""Alongside against a peer forum (Spirit, from PyPI) and against the bare-Django ceiling.

    .venv/bin/python benchmarks/peers/run.py            # 100k posts, 20 s per endpoint, 32 conns
    .venv/bin/python benchmarks/peers/run.py --quick    # smoke: 10k posts, 5 s per endpoint
    .venv/bin/python benchmarks/peers/run.py --only spirit,bare --reseed

Three systems on this machine, the same PostgreSQL (each its own database), each served the
way ``alongside serve --workers 2`` serves Alongside (uvicorn, the options captured from
Alongside's own ``run_uvicorn``), each loaded with the same wrk settings:

- **alongside**: the thread page signed in and anonymous (``/t/<id>/``, 30 posts a page) and
  the thread list (the community page ``/c/bench-anxiety/``, 20 threads a page) signed in and
  anonymous, on the data ``benchmarks/seed.py`` seeds (reused when already seeded);
- **spirit**: django-spirit installed from PyPI into its own virtualenv (never into the
  repository), a project made by ``spirit startproject`` with its production settings pointed
  at PostgreSQL (``peer_spirit``), seeded by ``spirit_seed.py`` with the same shape (same
  categories and shares, same reply distribution, a 240-comment topic, the same texts); its
  topic page (20 comments a page, Spirit's default) and its category page (20 topics a page);
- **bare**: a tiny generated project (``projects/bare_bench``): one view, one indexed query on a
  table of as many rows as posts, one small template (``peer_bare``) — the framework ceiling.

Seeded data is kept and reused while it matches the requested size (``--reseed`` forces).
Prints one table and the ratios Alongside/peer and Alongside/ceiling, and writes
``benchmarks/results/<time>-peers[-label].json``.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
BENCHMARKS = HERE.parent
ROOT = BENCHMARKS.parent
# benchmarks/ first: its run.py (the harness) and not this file must answer ``import run``
sys.path.insert(0, str(BENCHMARKS))

import run as harness  # noqa: E402
import seed as alongside_seed  # noqa: E402
import spirit_seed  # noqa: E402  (benchmarks/peers: this directory)
import texts  # noqa: E402
from load import have_wrk  # noqa: E402

if Path(harness.__file__).resolve().parent != BENCHMARKS:
    raise SystemExit(f"imported the wrong harness: {harness.__file__}")

SPIRIT_VERSION = "0.14.3"
#: packages the peer's virtualenv pins to the versions Alongside runs with, so the framework,
#: the server and the database driver are the same for both
SHARED_PACKAGES = [
    "Django",
    "asgiref",
    "uvicorn",
    "uvloop",
    "httptools",
    "psycopg",
    "psycopg-binary",
    "psycopg-pool",
    "redis",
]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
SYSTEMS = ("alongside", "spirit", "bare")
NOISY_PCT = harness.NOISY_PCT


def log(message: str) -> None:
    print(message, flush=True)


# --- what is measured ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One page of one system: where, as whom, and what a real answer contains (a count of
    distinct matches of ``marker``, at least ``minimum``: an empty page or an error page would
    measure nothing)."""

    name: str
    path: str
    auth: str  # "cookie" (a signed-in member's session) or "none"
    marker: bytes
    minimum: int
    accounts: bool = True  # the site has members (the bare view has none)


def alongside_targets(state: dict[str, Any]) -> list[Target]:
    thread = f"/t/{state['target_thread']}/"
    community = f"/c/{alongside_seed.SLUG_PREFIX}{alongside_seed.TARGET_COMMUNITY}/"
    post, link = rb'id="post-(\d+)"', rb'href="/t/(\d+)/'
    return [
        Target("thread_page", thread, "cookie", post, 20),
        Target("thread_page_anon", thread, "none", post, 20),
        Target("thread_list", community, "cookie", link, 10),
        Target("thread_list_anon", community, "none", link, 10),
    ]


def spirit_targets(state: dict[str, Any]) -> list[Target]:
    comment, link = rb'id="c(\d+)"', rb'href="/topic/(\d+)/'
    return [
        Target("thread_page", state["topic_path"], "cookie", comment, 15),
        Target("thread_page_anon", state["topic_path"], "none", comment, 15),
        Target("thread_list", state["list_path"], "cookie", link, 10),
        Target("thread_list_anon", state["list_path"], "none", link, 10),
    ]


def bare_targets(state: dict[str, Any]) -> list[Target]:
    return [Target("ceiling", "/items/1/", "none", rb'id="item-(\d+)"', 30, accounts=False)]


# --- databases ----------------------------------------------------------------------------


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def scalar(url: str, sql: str, params: list[Any] | None = None) -> Any:
    """One value, or None when the query fails (a table not created yet)."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(sql, params or []).fetchone()  # type: ignore[arg-type]
    except psycopg.Error:
        return None
    return row[0] if row else None


def live_sessions(url: str, keys: list[str]) -> int:
    found = scalar(
        url,
        "SELECT count(*) FROM django_session "
        "WHERE session_key = ANY(%s) AND expire_date > now() + interval '1 day'",
        [keys],
    )
    return int(found or 0)


# --- server --------------------------------------------------------------------------------


def alongside_uvicorn_options(workers: int) -> dict[str, Any]:
    """The keyword arguments ``alongside serve --workers N`` passes to ``uvicorn.run``,
    captured by calling Alongside's own ``run_uvicorn`` with ``uvicorn.run`` replaced: the
    peers are then served the same way even when ``serve`` changes. Its log configuration
    (a filter class from Alongside's package) is left to uvicorn's default at the same level."""
    import uvicorn

    from alongside.core import server

    captured: dict[str, Any] = {}
    with mock.patch.object(uvicorn, "run", lambda app, **kw: captured.update(kw)):
        server.run_uvicorn(host="127.0.0.1", port=0, workers=workers)
    if not captured:
        raise SystemExit("could not capture the uvicorn options of alongside serve")
    for key in ("host", "port", "log_config"):
        captured.pop(key, None)
    return captured


class PeerServer(harness.Server):
    """A peer's ASGI application under ``serve.py`` (uvicorn with Alongside's options), in its
    own process group, started, health-checked, measured and stopped by the harness."""

    health_path = "/healthz"

    def __init__(
        self,
        args: argparse.Namespace,
        env: dict[str, str],
        log_path: Path,
        *,
        label: str,
        python: Path,
        app: str,
        cwd: Path,
        options: dict[str, Any],
    ) -> None:
        super().__init__(args, env, log_path)
        self.label = label
        self.python = python
        self.app = app
        self.cwd = cwd
        self.options = options

    def command(self) -> list[str]:
        return [
            str(self.python),
            str(HERE / "serve.py"),
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.args.port),
            "--options",
            json.dumps(self.options),
        ]


def server_args(args: argparse.Namespace, port: int) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "port": port})


# --- Spirit: virtualenv, project, data ----------------------------------------------------------


def pinned_requirements(version: str) -> list[str]:
    """django-spirit at ``version`` and the shared packages at Alongside's versions."""
    requirements = [f"django-spirit=={version}"]
    for name in SHARED_PACKAGES:
        try:
            requirements.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            if name == "psycopg-binary":
                continue  # Alongside may build psycopg's C extension instead
            raise SystemExit(f"Alongside's virtualenv has no {name}: cannot pin it") from None
    return requirements


def ensure_spirit_venv(work: Path, version: str) -> Path:
    """Spirit's own virtualenv under the work directory (never in the repository), made once
    and reused while the pinned requirements are the same."""
    venv = work / "venv-spirit"
    python = venv / "bin" / "python"
    marker = venv / "alongside-peers.json"
    requirements = pinned_requirements(version)
    if python.exists() and marker.exists() and json.loads(marker.read_text()) == requirements:
        log(f"== Spirit's virtualenv: {venv} (reused)")
        return python
    log(f"== installing Spirit into {venv}: {' '.join(requirements)}")
    if venv.exists():
        shutil.rmtree(venv)
    # the interpreter Alongside runs on (the base one behind its virtualenv)
    harness.run_checked([sys.executable, "-m", "venv", str(venv)], dict(os.environ), "venv")
    harness.run_checked(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *requirements],
        dict(os.environ),
        "pip install",
    )
    marker.write_text(json.dumps(requirements) + "\n")
    return python


def copy_project_files(pairs: list[tuple[Path, Path]]) -> None:
    for source, destination in pairs:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)


def spirit_env(args: argparse.Namespace, python: Path, project: Path) -> dict[str, str]:
    env = peer_env(args, project, database_url(args.pg, args.spirit_db))
    env["DJANGO_SETTINGS_MODULE"] = "spirit_bench.settings.bench"
    env["PEER_SITE_URL"] = f"http://127.0.0.1:{args.port + 1}/"
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"  # django-admin
    if args.redis_url:
        env["PEER_REDIS_URL"] = args.redis_url
    return env


def ensure_spirit_project(args: argparse.Namespace, python: Path, work: Path) -> Path:
    """``spirit startproject`` (Spirit's template), then the benchmark's settings on top of
    its production settings, an ASGI entry point and a health path."""
    project = work / "spirit-project"
    if not (project / "manage.py").exists():
        log(f"== spirit startproject spirit_bench {project}")
        project.mkdir(parents=True, exist_ok=True)
        env = spirit_env(args, python, project)
        harness.run_checked(
            [str(python.parent / "spirit"), "startproject", "spirit_bench", "--path", str(project)],
            env,
            "spirit startproject",
        )
    source = HERE / "projects"
    copy_project_files(
        [
            (source / "dbconfig.py", project / "dbconfig.py"),
            (source / "spirit_bench/settings_bench.py", project / "spirit_bench/settings/bench.py"),
            (source / "spirit_bench/urls_bench.py", project / "spirit_bench/urls_bench.py"),
            (source / "spirit_bench/asgi.py", project / "spirit_bench/asgi.py"),
        ]
    )
    return project


def ensure_spirit_data(
    args: argparse.Namespace, python: Path, project: Path, threads: int
) -> dict[str, Any]:
    url = database_url(args.pg, args.spirit_db)
    env = spirit_env(args, python, project)
    harness.ensure_database(url)
    log("== migrating Spirit's database")
    manage = [str(python), "manage.py"]
    run_in([*manage, "migrate", "--noinput", "-v", "0"], env, project, "spirit migrate")
    if not (project / "static" / "staticfiles.json").exists():
        # Spirit's production settings use ManifestStaticFilesStorage: {% static %} needs it
        run_in([*manage, "collectstatic", "--noinput", "-v", "0"], env, project, "collectstatic")
    state_path = args.work_dir / "spirit-state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    want = {
        "seed_version": spirit_seed.SEED_VERSION,
        "posts": args.posts,
        "threads": threads,
        "target_posts": args.target_posts,
        "database": args.spirit_db,
    }
    stale = [k for k, v in want.items() if state.get(k) != v]
    if not stale:
        if scalar(url, "SELECT count(*) FROM spirit_comment_comment") != args.posts:
            stale.append("comments in the database")
        members = state.get("members", [])
        keys = [m["sessionid"] for m in members]
        if len(members) < args.members or live_sessions(url, keys) < len(keys):
            stale.append("members' sessions")
    if not stale and not args.reseed:
        log(f"== Spirit's data: {state['posts']} comments, {state['threads']} topics (reused)")
        return state
    why = "--reseed" if args.reseed else "differs: " + ", ".join(stale)
    log(f"\n== seeding Spirit: {args.posts} comments, {threads} topics ({why})")
    run_in(
        [
            str(python),
            str(HERE / "spirit_seed.py"),
            "--reset",
            "--posts",
            str(args.posts),
            "--threads",
            str(threads),
            "--members",
            str(args.members),
            "--target-posts",
            str(args.target_posts),
            "--state",
            str(state_path),
        ],
        env,
        project,
        "Spirit seed",
    )
    return json.loads(state_path.read_text())


# --- the bare view ------------------------------------------------------------------------------


def ensure_bare_project(work: Path) -> Path:
    project = work / "bare-project"
    source = HERE / "projects"
    shutil.copytree(
        source / "bare_bench",
        project / "bare_bench",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    copy_project_files([(source / "dbconfig.py", project / "dbconfig.py")])
    return project


def ensure_bare_data(args: argparse.Namespace, project: Path, threads: int) -> dict[str, Any]:
    """A table of ``--posts`` rows: thread 1 holds ``--target-posts`` of them (the page shows
    its first 30), the others spread over the remaining threads; bodies are the reply texts of
    the other two systems."""
    import psycopg

    url = database_url(args.pg, args.bare_db)
    env = peer_env(args, project, url)
    env["DJANGO_SETTINGS_MODULE"] = "bare_bench.settings"
    harness.ensure_database(url)
    run_in(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        env,
        project,
        "bare migrate",
    )
    state = {"posts": args.posts, "threads": threads, "target_posts": args.target_posts}
    rows = scalar(url, "SELECT count(*) FROM bare_bench_item")
    target = scalar(url, "SELECT count(*) FROM bare_bench_item WHERE thread_id = 1")
    if rows == args.posts and target == args.target_posts and not args.reseed:
        log(f"== bare table: {rows} rows (reused)")
        return state
    log(f"\n== seeding the bare table: {args.posts} rows")
    started = time.perf_counter()
    words = random.Random(alongside_seed.TEMPLATE_SEED)
    texts.opening_bodies(words, alongside_seed.N_OPENING_TEMPLATES)  # advance as seed.py does
    bodies = texts.reply_bodies(words, alongside_seed.N_REPLY_TEMPLATES)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE bare_bench_item")
        conn.execute(
            "INSERT INTO bare_bench_item (id, thread_id, created_at, author, body) "
            "SELECT g, CASE WHEN g <= %(target)s THEN 1 ELSE 2 + g %% %(others)s END, "
            "now() - make_interval(mins => %(n)s - g), 'member ' || (g %% 997), "
            "(%(bodies)s::text[])[1 + g %% %(kinds)s] FROM generate_series(1, %(n)s) AS g",
            {
                "n": args.posts,
                "target": args.target_posts,
                "others": max(1, threads - 1),
                "bodies": bodies,
                "kinds": len(bodies),
            },
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('bare_bench_item', 'id'), %s)", [args.posts]
        )
        conn.execute("VACUUM ANALYZE bare_bench_item")
    state["seconds"] = round(time.perf_counter() - started, 2)
    log(f"  seeded in {state['seconds']} s")
    return state


# --- Alongside ------------------------------------------------------------------------------


def ensure_alongside_data(
    args: argparse.Namespace, env: dict[str, str], threads: int
) -> dict[str, Any]:
    """``benchmarks/seed.py`` as the harness runs it, skipped when the database already holds
    data of this size with live member sessions."""
    harness.ensure_database(args.database_url)
    log("== migrating Alongside's database")
    harness.run_checked(
        [str(harness.BIN / "alongside"), "migrate", "--no-input", "-v", "0"], env, "migrate"
    )
    state_path = Path(args.data_dir) / alongside_seed.STATE_FILE
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    name = urlsplit(args.database_url).path.lstrip("/")
    want = {
        "posts": args.posts,
        "threads": threads,
        "target_posts": args.target_posts,
        "database": name,
    }
    stale = [k for k, v in want.items() if state.get(k) != v]
    if not stale:
        posts = scalar(
            args.database_url,
            "SELECT count(*) FROM communities_post p "
            "JOIN communities_thread t ON t.id = p.thread_id "
            "JOIN communities_community c ON c.id = t.community_id WHERE c.slug LIKE %s",
            [alongside_seed.SLUG_PREFIX + "%"],
        )
        if posts != args.posts:
            stale.append("posts in the database")
        members = state.get("members", [])
        keys = [m["sessionid"] for m in members]
        if len(members) < args.members or live_sessions(args.database_url, keys) < len(keys):
            stale.append("members' sessions")
    if not stale and not args.reseed:
        log(f"== Alongside's data: {state['posts']} posts, {state['threads']} threads (reused)")
        return state
    why = "--reseed" if args.reseed else "differs: " + ", ".join(stale)
    log(f"\n== seeding Alongside: {args.posts} posts, {threads} threads ({why})")
    harness.run_checked(
        [
            sys.executable,
            str(BENCHMARKS / "seed.py"),
            "--reset",
            "--posts",
            str(args.posts),
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
    return json.loads(state_path.read_text())


# --- running -----------------------------------------------------------------------------------


def peer_env(args: argparse.Namespace, project: Path, url: str) -> dict[str, str]:
    """The environment of a peer's commands and server: none of Alongside's settings."""
    drop = ("ALONGSIDE_", "DJANGO_", "PEER_", "VIRTUAL_ENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        PEER_DATABASE_URL=url,
        PEER_SECRET_KEY=secret_key(args.work_dir),
        PYTHONPATH=str(project),
        PYTHONUNBUFFERED="1",
    )
    return env


def secret_key(work: Path) -> str:
    """One key per work directory, kept: sessions seeded earlier are signed with it."""
    path = work / "secret-key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def run_in(command: list[str], env: dict[str, str], cwd: Path, label: str) -> None:
    done = subprocess.run(command, env=env, cwd=cwd, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{label} failed with exit code {done.returncode}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect (to a login page, a canonical URL) is an answer to report


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, header: str | None, value: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if header and value:
        request.add_header(header, value)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


#: both forums link to their log-out URL on every page, and only for a signed-in member
SIGNED_IN = re.compile(rb'/logout/["?]')


def probe(server: harness.Server, target: Target, cred: list[str]) -> dict[str, Any]:
    """One request before loading: 200, real content, and a page that is signed in exactly
    when a session cookie is sent (a lost session must not be measured as an anonymous page)."""
    header = "Cookie" if cred else None
    status, body = fetch(server.base_url + target.path, header, cred[0] if cred else None)
    found = len(set(re.findall(target.marker, body)))
    result: dict[str, Any] = {"status": status, "bytes": len(body), "items": found}
    problems = []
    if status != 200:
        problems.append(f"answered {status}")
    elif found < target.minimum:
        problems.append(f"{found} items on the page (expected at least {target.minimum})")
    if status == 200 and target.accounts:
        result["signed_in"] = SIGNED_IN.search(body) is not None
        if result["signed_in"] != (target.auth == "cookie"):
            problems.append("signed in" if result["signed_in"] else "not signed in")
    if problems:
        result["problem"] = "; ".join(problems)
    return result


def measure_system(
    args: argparse.Namespace,
    system: str,
    server: harness.Server,
    targets: list[Target],
    members: list[dict[str, Any]],
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    log(f"== starting {system} ({server.label}) on {server.base_url}")
    server.start()
    try:
        for target in targets:
            signed_in = target.auth == "cookie"
            cred = [f"sessionid={m['sessionid']}" for m in members] if signed_in else []
            found = probe(server, target, cred)
            row: dict[str, Any] = {"path": target.path, "auth": target.auth, "probe": found}
            rows[target.name] = row
            if "problem" in found:
                row["failed"] = True
                row["skipped"] = f"probe: {found['problem']}"
                log("  " + format_row(system, target.name, row))
                continue
            harness.measure_endpoint(
                args,
                server,
                path=target.path,
                header="Cookie" if signed_in else None,
                cred=cred,
                row=row,
            )
            log("  " + format_row(system, target.name, row))
    finally:
        server.stop()
    return rows


# --- output ------------------------------------------------------------------------------------

HEADER = (
    f"{'system':<10} {'endpoint':<17} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
    f"{'1-conn p50/p99':>15} {'srv ms/req':>10} {'pg ms/req':>9} {'other':>6}"
)


def format_row(system: str, name: str, row: dict[str, Any]) -> str:
    if "result" not in row:
        return f"{system:<10} {name:<17} {row.get('skipped', '')}"
    r = row["result"]
    single = row.get("single")
    alone = f"{single['p50_ms']:.1f} / {single['p99_ms']:.1f}" if single else "-"
    use = r.get("cpu", {})
    other = use.get("other_pct", 0.0)
    flag = "!" if other > NOISY_PCT else " "
    return (
        f"{system:<10} {name:<17} {r['rps']:>7.1f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
        f"{r['errors']:>6} {alone:>15} {use.get('server_cpu_ms_per_request', 0):>10.1f} "
        f"{use.get('postgres_cpu_ms_per_request', 0):>9.1f} {other:>5.0f}%{flag}"
    )


def ratios(systems: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Alongside / peer for each page both have, and Alongside / ceiling for every page:
    req/s above 1, p99 and server CPU per request below 1 favour Alongside. CPU per request
    is the ratio least moved by other work on the machine."""

    def result(system: str, name: str) -> dict[str, Any] | None:
        return systems.get(system, {}).get("endpoints", {}).get(name, {}).get("result")

    ceiling = result("bare", "ceiling")
    found = []
    for name in systems.get("alongside", {}).get("endpoints", {}):
        ours = result("alongside", name)
        if not ours:
            continue
        entry: dict[str, Any] = {"endpoint": name}
        peer = result("spirit", name)
        for label, other in (("spirit", peer), ("ceiling", ceiling)):
            if other and other["rps"] and other["p99_ms"]:
                entry[f"rps_vs_{label}"] = round(ours["rps"] / other["rps"], 3)
                entry[f"p99_vs_{label}"] = round(ours["p99_ms"] / other["p99_ms"], 3)
                theirs = other.get("cpu", {}).get("server_cpu_ms_per_request")
                if theirs:
                    mine = ours.get("cpu", {}).get("server_cpu_ms_per_request", 0)
                    entry[f"cpu_vs_{label}"] = round(mine / theirs, 3)
        found.append(entry)
    return found


def ratio_table(entries: list[dict[str, Any]]) -> str:
    def cell(value: float | None) -> str:
        return f"{value:.2f}x" if value is not None else "-"

    lines = [
        (
            "Alongside / Spirit and Alongside / bare-view ceiling (req/s above 1, p99 and server "
            "CPU per request below 1 favour Alongside)"
        ),
        f"{'':<17} {'--------- vs spirit ---------':>29}  {'--------- vs ceiling --------':>29}",
        (
            f"{'endpoint':<17} {'req/s':>9} {'p99':>9} {'cpu/req':>9}  "
            f"{'req/s':>9} {'p99':>9} {'cpu/req':>9}"
        ),
    ]
    for e in entries:
        cells = [
            cell(e.get(f"{kind}_vs_{label}"))
            for label in ("spirit", "ceiling")
            for kind in ("rps", "p99", "cpu")
        ]
        lines.append(
            f"{e['endpoint']:<17} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9}  "
            f"{cells[3]:>9} {cells[4]:>9} {cells[5]:>9}"
        )
    return "\n".join(lines)


def table(systems: dict[str, dict[str, Any]]) -> str:
    lines = [HEADER]
    for system, data in systems.items():
        for name, row in data["endpoints"].items():
            lines.append(format_row(system, name, row))
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke: 10k posts, 5 s each")
    parser.add_argument("--posts", type=int, default=100_000, help="posts in each system")
    parser.add_argument("--posts-per-thread", type=int, default=10, help="mean (10)")
    parser.add_argument("--target-posts", type=int, default=240, help="posts in measured thread")
    parser.add_argument("--members", type=int, default=32, help="signed-in members to rotate")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20, help="seconds per endpoint (20)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds per endpoint (3)")
    parser.add_argument("--single", type=float, default=3, help="seconds at 1 connection (3)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per endpoint; median kept")
    parser.add_argument("--quiet-below", type=float, default=0.15, help="see benchmarks/run.py")
    parser.add_argument("--quiet-wait", type=float, default=300, help="see benchmarks/run.py")
    parser.add_argument("--workers", type=int, default=2, help="server processes (2)")
    parser.add_argument(
        "--port", type=int, default=8770, help="Alongside's; Spirit +1, bare view +2 (8770)"
    )
    parser.add_argument("--driver", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--only", default=",".join(SYSTEMS), help="comma-separated subset of: " + ", ".join(SYSTEMS)
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even when cached")
    parser.add_argument("--label", default="", help="name for the results file")
    parser.add_argument("--spirit-version", default=SPIRIT_VERSION)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or harness.DEFAULT_DB,
        help="Alongside's database (as benchmarks/run.py)",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("ALONGSIDE_DATA_DIR") or harness.DEFAULT_DATA,
        help="Alongside's data directory (as benchmarks/run.py)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="cache of Alongside and Spirit ('' for none); skipped if unreachable",
    )
    parser.add_argument(
        "--pg",
        default=DEFAULT_PG,
        help=f"PostgreSQL server of the peers' databases ({DEFAULT_PG})",
    )
    parser.add_argument("--spirit-db", default="peer_spirit")
    parser.add_argument("--bare-db", default="peer_bare")
    parser.add_argument(
        "--work-dir",
        default=None,
        help="Spirit's virtualenv, the generated projects, states, logs (DATA_DIR/peers)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.posts = 10_000
        args.duration = 5
        args.warmup = 1
        args.single = 0
        args.quiet_wait = 0
        args.label = args.label or "quick"
    args.systems = [s for s in args.only.split(",") if s]
    unknown = [s for s in args.systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown systems: {', '.join(unknown)}")
    threads = max(1, args.posts // args.posts_per_thread)
    if args.posts < threads + args.target_posts - 1:
        parser.error("need posts >= posts / posts-per-thread + target-posts - 1")
    args.work_dir = Path(args.work_dir or Path(args.data_dir) / "peers")
    if args.redis_url and not harness.redis_reachable(args.redis_url):
        log(f"Redis at {args.redis_url} is not reachable: running without it")
        args.redis_url = ""
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    threads = max(1, args.posts // args.posts_per_thread)
    driver = args.driver if args.driver != "auto" else ("wrk" if have_wrk() else "python")
    args.driver = driver
    options = alongside_uvicorn_options(args.workers)
    started = time.monotonic()
    info: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": harness.machine(),
        "database": harness.database_version(database_url(args.pg, "postgres")),
        "settings": {
            "posts": args.posts,
            "threads": threads,
            "target_posts": args.target_posts,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "workers": args.workers,
            "uvicorn_options": options,
            "redis": bool(args.redis_url),
            "driver": driver,
            "members_rotated": args.members,
            "spirit_version": args.spirit_version,
        },
    }
    log(
        f"driver: {driver}; {args.connections} connections, {args.duration:g} s per endpoint; "
        f"{args.posts} posts; uvicorn {options}"
    )

    # Everything is installed and seeded first, so nothing heavy runs between measurements.
    plans: list[tuple[str, harness.Server, list[Target], list[dict[str, Any]], dict]] = []
    logs = args.work_dir / "logs"
    logs.mkdir(exist_ok=True)
    if "alongside" in args.systems:
        env = harness.bench_env(args)
        state = ensure_alongside_data(args, env, threads)
        server = harness.Server(
            server_args(args, args.port), env, logs / f"alongside-{args.posts}.log"
        )
        plans.append(("alongside", server, alongside_targets(state), state["members"], state))
    if "spirit" in args.systems:
        python = ensure_spirit_venv(args.work_dir, args.spirit_version)
        project = ensure_spirit_project(args, python, args.work_dir)
        state = ensure_spirit_data(args, python, project, threads)
        server = PeerServer(
            server_args(args, args.port + 1),
            spirit_env(args, python, project),
            logs / f"spirit-{args.posts}.log",
            label=f"Spirit {args.spirit_version} (uvicorn)",
            python=python,
            app="spirit_bench.asgi:application",
            cwd=project,
            options=options,
        )
        plans.append(("spirit", server, spirit_targets(state), state["members"], state))
    if "bare" in args.systems:
        project = ensure_bare_project(args.work_dir)
        state = ensure_bare_data(args, project, threads)
        env = peer_env(args, project, database_url(args.pg, args.bare_db))
        env["DJANGO_SETTINGS_MODULE"] = "bare_bench.settings"
        server = PeerServer(
            server_args(args, args.port + 2),
            env,
            logs / f"bare-{args.posts}.log",
            label="bare Django view (uvicorn)",
            python=Path(sys.executable),
            app="bare_bench.asgi:application",
            cwd=project,
            options=options,
        )
        plans.append(("bare", server, bare_targets(state), [], state))

    systems: dict[str, dict[str, Any]] = {}
    log("")
    for system, server, targets, members, state in plans:
        rows = measure_system(server_args(args, server.args.port), system, server, targets, members)
        systems[system] = {
            "seed": {k: v for k, v in state.items() if k != "members"},
            "endpoints": rows,
            "server": server.label,
        }

    report = table(systems)
    found = ratios(systems)
    log("\n" + report + "\n\n" + ratio_table(found))
    errors = sum(
        row.get("result", {}).get("errors", 0)
        + row.get("single", {}).get("errors", 0)
        + (1 if row.get("failed") else 0)
        for data in systems.values()
        for row in data["endpoints"].values()
    )
    info.update(systems=systems, ratios=found, table=report, errors=errors)
    info["seconds"] = round(time.monotonic() - started, 1)
    out_dir = BENCHMARKS / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    out = out_dir / f"{stamp}-peers{'-' + args.label if args.label else ''}.json"
    out.write_text(json.dumps(info, indent=2, default=str) + "\n")
    log(f"\nresults: {out.relative_to(ROOT)} ({info['seconds']} s)")
    if errors:
        log(f"{errors} error responses or failed endpoints")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
