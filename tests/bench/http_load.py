"""Load generators for the HTTP benchmark: `wrk` when installed, else a small asyncio client.

Both send keep-alive HTTP/1.1 GET requests over N concurrent connections from a process of
their own, rotate over a list of paths, and report requests/s and the p50/p99 latency of
the requests that completed. The load is bounded: wrk runs for a fixed number of seconds
(it has no request budget); the asyncio client stops after a request budget or the same
number of seconds, whichever comes first.

The asyncio client can also run on its own:

    python -m tests.bench.http_load --port 8000 --path /bare --requests 5000 --connections 16 --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class LoadResult:
    tool: str
    requests: int
    errors: int
    non_2xx: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    mean_ms: float
    connections: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


# ---------------------------------------------------------------------------------------
# wrk: a Lua script rotates the paths and prints the summary as one JSON line.

_WRK_SCRIPT = """
local paths = {%(paths)s}
local i = math.random(#paths)
%(headers)s
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "errors": %%d, "non_2xx": %%d, "p50_us": %%d, "p99_us": %%d, "mean_us": %%f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50.0), latency:percentile(99.0), latency.mean))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_wrk(
    *, host: str, port: int, paths: list[str], headers: dict[str, str], requests: int, connections: int,
    seconds: float,
) -> LoadResult:
    """wrk runs for `seconds` (it has no request budget, so `requests` is not used)."""
    header_lines = "\n".join(f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    script = _WRK_SCRIPT % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": header_lines,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        # One thread: the server under test has the other core to itself.
        completed = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script_path,
             f"http://{host}:{port}{paths[0]}"],
            capture_output=True, text=True, check=True,
        )
    finally:
        Path(script_path).unlink(missing_ok=True)
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line[len("WRKJSON "):])
    seconds = data["duration_us"] / 1e6
    return LoadResult(
        tool="wrk",
        requests=data["requests"],
        errors=data["errors"],
        non_2xx=data["non_2xx"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        connections=connections,
    )


# ---------------------------------------------------------------------------------------
# The asyncio fallback: N keep-alive connections share one request budget.


async def _client(
    *, host: str, port: int, paths: list[str], headers: dict[str, str], requests: int, connections: int,
    seconds: float,
) -> LoadResult:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    encoded = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode("latin-1") for p in paths]
    latencies: list[float] = []
    counters = {"next": 0, "errors": 0, "non_2xx": 0}

    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while counters["next"] < requests and time.perf_counter() < deadline:
                index = counters["next"]
                counters["next"] += 1
                started = time.perf_counter()
                writer.write(encoded[index % len(encoded)])
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head[9:12])
                    length = None
                    chunked = False
                    for line in head.split(b"\r\n")[1:]:
                        name, _, value = line.partition(b":")
                        name = name.strip().lower()
                        if name == b"content-length":
                            length = int(value)
                        elif name == b"transfer-encoding" and b"chunked" in value.lower():
                            chunked = True
                    if chunked:
                        while True:
                            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                            await reader.readexactly(size + 2)
                            if size == 0:
                                break
                    elif length:
                        await reader.readexactly(length)
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    counters["errors"] += 1
                    return
                latencies.append(time.perf_counter() - started)
                if not 200 <= status < 300:
                    counters["non_2xx"] += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    seconds = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(
        tool="asyncio client",
        requests=len(latencies),
        errors=counters["errors"],
        non_2xx=counters["non_2xx"],
        seconds=seconds,
        rps=len(latencies) / seconds if seconds else 0.0,
        p50_ms=pct(0.50),
        p99_ms=pct(0.99),
        mean_ms=sum(latencies) / len(latencies) * 1000 if latencies else 0.0,
        connections=connections,
    )


def run_asyncio_client(
    *, host: str, port: int, paths: list[str], headers: dict[str, str], requests: int, connections: int,
    seconds: float,
) -> LoadResult:
    """Run the asyncio client in a process of its own, so it never shares a loop with the server."""
    spec = json.dumps({"host": host, "port": port, "paths": paths, "headers": headers,
                       "requests": requests, "connections": connections, "seconds": seconds})
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench.http_load", "--spec", "-"], input=spec,
        capture_output=True, text=True, check=True,
    )
    return LoadResult(**json.loads(completed.stdout.strip().splitlines()[-1]))


def run_load(*, tool: str, **kwargs) -> LoadResult:
    if tool == "wrk":
        return run_wrk(**kwargs)
    return run_asyncio_client(**kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="JSON spec on stdin ('-'), as run_asyncio_client passes it")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    if args.spec:
        spec = json.loads(sys.stdin.read() if args.spec == "-" else args.spec)
    else:
        spec = {
            "host": args.host, "port": args.port, "paths": args.path or ["/"],
            "headers": dict(h.split(": ", 1) for h in args.header),
            "requests": args.requests, "connections": args.connections, "seconds": args.seconds,
        }
    try:
        import uvloop

        result = uvloop.run(_client(**spec))
    except ImportError:  # pragma: no cover
        result = asyncio.run(_client(**spec))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
