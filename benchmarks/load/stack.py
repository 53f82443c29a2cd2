"""The services a load or fault run needs, all private to the run so that stopping them never
touches anything else on the machine:

* a PostgreSQL cluster of its own (``initdb`` into the data dir, its own port; run as the
  ``postgres`` user when we are root, as ``initdb`` refuses root),
* a ``redis-server`` of its own (no persistence),
* ``alongside serve --workers N --no-worker`` (production mode) and ``alongside worker``,
  each in its own process group, logs in the data dir.

Each piece can be stopped and started again (``pg_ctl stop -m immediate`` is a crash as far
as PostgreSQL is concerned: it recovers from its WAL at the next start).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = Path(sys.executable).parent
RESULTS = HERE.parent / "results"


def log(message: str) -> None:
    print(message, flush=True)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def wait_for(check: Any, timeout: float, what: str, every: float = 0.1) -> float:
    """Poll ``check()`` until true; returns the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return time.monotonic() - began
        time.sleep(every)
    raise RuntimeError(f"{what} did not happen within {timeout:g} s")


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not found:
        raise SystemExit("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found[-1].parent


class PrivatePostgres:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir = directory
        self.data = directory / "data"
        self.port = port
        self.bin = _pg_bin()
        self.user = "postgres" if os.geteuid() == 0 else ""

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, check=check, cwd="/"
        )

    def init(self) -> None:
        if port_open(self.port):
            raise SystemExit(f"port {self.port} already answers: stop what listens there")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.dir}'\nmax_connections = 200\n"
                "shared_buffers = 128MB\nfsync = on\nsynchronous_commit = on\n"
            )

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "postgres.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``immediate`` is a crash as far as durability goes (no checkpoint, WAL replay)."""
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False
        )

    def running(self) -> bool:
        done = self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "status", check=False)
        return done.returncode == 0

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres")) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'} (private cluster, port {self.port})"


class PrivateRedis:
    def __init__(self, directory: Path, port: int) -> None:
        self.dir = directory
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if port_open(self.port):
            raise SystemExit(f"port {self.port} already answers: stop what listens there")
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=(self.dir / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: port_open(self.port), 20, "redis-server start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)  # as a crash: nothing saved, nothing said
            self.process.wait(10)
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Proc:
    """A command in its own process group, output to a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill9(self) -> None:
        """SIGKILL to the whole group: no cleanup, no goodbye (a power cut for this process)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill9()


class Stack:
    """PostgreSQL + Redis + web processes + a worker, started in ``__enter__`` and stopped in
    ``__exit__`` (whatever happened in between)."""

    community = "load"

    def __init__(
        self,
        *,
        data_dir: Path,
        port: int = 8791,
        web_workers: int = 2,
        database_url: str = "",
        redis_url: str = "",
        pg_port: int = 55432,
        redis_port: int = 56379,
        worker: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.web_workers = web_workers
        self.base_url = f"http://127.0.0.1:{port}"
        self.pg = None if database_url else PrivatePostgres(data_dir / "pg", pg_port)
        self.redis = None if redis_url else PrivateRedis(data_dir / "redis", redis_port)
        self.database_url = database_url
        self.redis_url = redis_url
        self.with_worker = worker
        self.web: Proc | None = None
        self.worker: Proc | None = None
        self.env: dict[str, str] = {}
        self.loadavg_start = os.getloadavg()

    # --- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        app_dir = self.data_dir / "app"
        if app_dir.exists():
            shutil.rmtree(app_dir)
        app_dir.mkdir(parents=True)
        if self.pg is not None:
            log(f"== private PostgreSQL on port {self.pg.port}")
            self.pg.init()
            self.pg.start()
            self.pg.create_database("alongside")
            self.database_url = self.pg.url("alongside")
        if self.redis is not None:
            log(f"== private Redis on port {self.redis.port}")
            self.redis.start()
            self.redis_url = self.redis.url(0)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ALONGSIDE_")}
        env.pop("REDIS_URL", None)
        env.update(
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            ALONGSIDE_DATA_DIR=str(app_dir),
            ALONGSIDE_ALLOWED_HOSTS="127.0.0.1,localhost",
            ALONGSIDE_CACHE_PREFIX="alongside-load",
            ALONGSIDE_LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="alongside.settings",
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        log("== migrating")
        done = subprocess.run(
            [str(BIN / "alongside"), "migrate", "--no-input", "-v", "0"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"migrate failed:\n{done.stdout}\n{done.stderr}")
        self._setup_django()
        self.web = Proc(
            "web",
            [
                str(BIN / "alongside"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.web_workers),
                "--no-worker",
            ],
            env,
            app_dir,
        )
        self.start_web()
        if self.with_worker:
            self.worker = Proc("worker", [str(BIN / "alongside"), "worker"], env, app_dir)
            self.worker.start()

    def _setup_django(self) -> None:
        """This process reads and writes the same database (setup and checks), so it is
        configured from the same environment as the server."""
        for key in [k for k in os.environ if k.startswith("ALONGSIDE_")]:
            del os.environ[key]
        os.environ.update({k: v for k, v in self.env.items() if k != "PATH"})
        os.environ["ALONGSIDE_MODE"] = "development"  # no production checks for the harness
        os.environ["ALONGSIDE_DB_POOL"] = "false"
        import django

        django.setup()

    def start_web(self) -> float:
        if port_open(self.port):
            raise SystemExit(f"port {self.port} is already in use: stop what listens there")
        assert self.web is not None
        self.web.start()
        return wait_for(self.healthy, 90, "alongside serve start", every=0.2)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + "/readyz", timeout=10) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def close(self) -> None:
        from django.db import connections

        with contextlib.suppress(Exception):  # Django may not be set up yet
            connections.close_all()
        for proc in (self.worker, self.web):
            if proc is not None:
                proc.stop()
        if self.redis is not None:
            self.redis.stop()
        if self.pg is not None and self.pg.data.exists():
            self.pg.stop("fast")

    # --- data -----------------------------------------------------------------------------------

    def members(self, count: int, *, label: str) -> list[Any]:
        from mixed import create_members

        stamp = datetime.datetime.now(datetime.UTC).strftime("%H%M%S")
        prefix = f"ld{label[:6]}{stamp}_"
        log(f"== signing up {count} members ({prefix}...)")
        members = create_members(count, prefix=prefix, community=self.community)
        self.close_db()
        return members

    def heads(self, user_ids: list[int]) -> dict[int, int]:
        from mixed import stream_heads

        try:
            return stream_heads(user_ids)
        finally:
            self.close_db()

    @staticmethod
    def close_db() -> None:
        """The harness holds no connection between its checks: a stopped PostgreSQL must not
        leave it with a dead one."""
        from django.db import connections

        connections.close_all()

    def describe(self) -> dict[str, Any]:
        return {
            "database": self.pg.version() if self.pg is not None else "external",
            "redis": "private redis-server" if self.redis is not None else self.redis_url,
            "server": f"alongside serve --workers {self.web_workers} --no-worker (production)",
            "worker": "alongside worker" if self.with_worker else None,
        }

    def cpu_report(self) -> dict[str, Any]:
        return {"loadavg_start": self.loadavg_start, "loadavg_end": os.getloadavg()}


def machine() -> dict[str, Any]:
    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain")),
    }


def write_results(info: dict[str, Any], label: str) -> str:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"{stamp}-{label}.json"
    out.write_text(json.dumps(info, indent=2, default=str) + "\n")
    return str(out.relative_to(ROOT))
