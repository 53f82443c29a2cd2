"""Closed-loop HTTP load: ``wrk`` with ``bench.lua`` when installed, else a small asyncio
client (standard library only; it shares the CPU with the server, so its figures are lower
and only comparable with each other).

Both keep ``connections`` keep-alive connections busy for ``duration`` seconds, rotate
through the given credentials, and report requests/s, latency percentiles and errors
(any response that is not 2xx, plus socket errors and timeouts).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

LUA = Path(__file__).resolve().parent / "bench.lua"
TIMEOUT_S = 10


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    non2xx: int
    socket_errors: int
    timeouts: int
    driver: str
    statuses: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors + self.timeouts

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "errors": self.errors}


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def run_load(
    *,
    base_url: str,
    path: str,
    header: str | None,
    credentials: list[str],
    connections: int,
    duration: float,
    driver: str = "auto",
    threads: int = 1,
) -> LoadResult:
    if driver == "auto":
        driver = "wrk" if have_wrk() else "python"
    if driver == "wrk":
        return _run_wrk(
            base_url=base_url,
            path=path,
            header=header,
            credentials=credentials,
            connections=connections,
            duration=duration,
            threads=threads,
        )
    return asyncio.run(
        _run_python(
            base_url=base_url,
            path=path,
            header=header,
            credentials=credentials,
            connections=connections,
            duration=duration,
        )
    )


# --- wrk ---------------------------------------------------------------------------------------


def _run_wrk(
    *,
    base_url: str,
    path: str,
    header: str | None,
    credentials: list[str],
    connections: int,
    duration: float,
    threads: int,
) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".cred", delete=True) as cred:
        cred.write("\n".join(credentials) + "\n")
        cred.flush()
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            f"--timeout={TIMEOUT_S}s",
            "-s",
            str(LUA),
            base_url,
            "--",
            path,
            header or "-",
            cred.name,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRKJSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    data = json.loads(lines[-1].removeprefix("WRKJSON "))
    lat = data["latency_us"]
    seconds = data["duration_us"] / 1e6
    errors = data["errors"]
    return LoadResult(
        requests=data["requests"],
        seconds=round(seconds, 2),
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p95_ms=lat["p95"] / 1000,
        p99_ms=lat["p99"] / 1000,
        max_ms=lat["max"] / 1000,
        mean_ms=round(lat["mean"] / 1000, 2),
        non2xx=data["non2xx"],
        socket_errors=errors["connect"] + errors["read"] + errors["write"],
        timeouts=errors["timeout"],
        driver="wrk",
        statuses=data["non2xx_statuses"].strip(),
        extra={"bytes": data["bytes"]},
    )


# --- asyncio fallback ----------------------------------------------------------------------------


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _run_python(
    *,
    base_url: str,
    path: str,
    header: str | None,
    credentials: list[str],
    connections: int,
    duration: float,
) -> LoadResult:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    host_header = parts.netloc
    raw = []
    for one in path.split("|"):  # several paths are read in turn
        for value in credentials if header else [""]:
            lines = [f"GET {one} HTTP/1.1", f"Host: {host_header}", "User-Agent: alongside-bench"]
            if header:
                lines.append(f"{header}: {value}")
            raw.append(("\r\n".join(lines) + "\r\n\r\n").encode())
    latencies: list[float] = []
    counts = {"non2xx": 0, "socket": 0, "timeout": 0}
    statuses: set[int] = set()
    start = time.perf_counter()
    deadline = start + duration

    async def worker(offset: int) -> None:
        cycle = itertools.islice(itertools.cycle(raw), offset % len(raw), None)
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.perf_counter() < deadline:
            try:
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                reader, writer = conn
                began = time.perf_counter()
                writer.write(next(cycle))
                status = await asyncio.wait_for(_read_response(reader), TIMEOUT_S)
                latencies.append(time.perf_counter() - began)
                if not 200 <= status <= 299:
                    counts["non2xx"] += 1
                    statuses.add(status)
            except TimeoutError:
                counts["timeout"] += 1
                conn = None
            except (OSError, asyncio.IncompleteReadError, ValueError):
                counts["socket"] += 1
                conn = None
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    seconds = time.perf_counter() - start
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)

    return LoadResult(
        requests=len(latencies),
        seconds=round(seconds, 2),
        rps=round(len(latencies) / seconds, 1),
        p50_ms=pct(50),
        p90_ms=pct(90),
        p95_ms=pct(95),
        p99_ms=pct(99),
        max_ms=round(ordered[-1] * 1000, 2),
        mean_ms=round(sum(ordered) / len(ordered) * 1000, 2),
        non2xx=counts["non2xx"],
        socket_errors=counts["socket"],
        timeouts=counts["timeout"],
        driver="python",
        statuses=" ".join(str(s) for s in sorted(statuses)),
    )
