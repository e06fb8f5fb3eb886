"""Benchmark f: mixed front-desk traffic against two app workers, from a second process.

    python -m tests.bench.mixed [--scale 100000] [--connections 2,4,8,16,32,64] [--seconds 6]

A fresh database (SQLite, and PostgreSQL when `CRM_BENCH_POSTGRES_URL` names a scratch
database) gets SCALE customers by `crm import`; then `uvicorn crm.asgi:app` with two workers
serves it. wrk (two threads) sends, per request, 80 % lookups
(`GET /api/v1/customers/{no}`), 15 % searches (`POST /api/v1/customers/search` by ID number,
phone or name prefix, in turn) and 5 % openings (`POST /api/v1/customers`, every body a new
valid customer, so none is refused as a duplicate). The load is stepped through connection
counts; the figure is the highest rate whose p99 stays under 100 ms with no errors. Baseline,
same run: the bare Litestar endpoint, also on two workers, through the same steps.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

from crm.accounts.account_numbers import make_account_no
from tests.bench.data import customer_fields, resident_id, write_import_csv
from tests.bench.http_load import _lua_string
from tests.bench.run import free_port

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "demo"
P99_LIMIT_MS = 100.0
OPENINGS_PER_STEP = 6_000  # distinct new customers per step, for the 5 % share of openings

_SCRIPT = """
local lookups = {%(lookups)s}
local searches = {%(searches)s}
local openings = {%(openings)s}
local thread_no = 0
local threads = {}
function setup(thread)
  thread:set("id", thread_no)
  thread_no = thread_no + 1
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(1000 + id)
  opened = id * %(per_thread)d
  opened_end = opened + %(per_thread)d
  wrk.headers["Authorization"] = %(auth)s
  wrk.headers["Content-Type"] = "application/json"
end
request = function()
  local r = math.random(100)
  if r <= 80 then
    return wrk.format("GET", lookups[math.random(#lookups)])
  elseif r <= 95 or opened >= opened_end then
    return wrk.format("POST", "/api/v1/customers/search", nil, searches[math.random(#searches)])
  else
    opened = opened + 1
    return wrk.format("POST", "/api/v1/customers", nil, openings[opened])
  end
end
"""

# The summary line both scripts end with, read back by _wrk().
_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50.0), latency:percentile(99.0)))
end
"""


@contextlib.contextmanager
def serving(app: str, *, env: dict[str, str], log: Path) -> Iterator[int]:
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
             "--no-access-log", "--log-level", "warning", "--loop", "uvloop", "--http", "httptools"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health" if "crm" in app else
                                                f"http://127.0.0.1:{port}/bare", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{app} did not start:\n{log.read_text(errors='replace')[-2000:]}")
                    time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wrk(url: str, script: str, *, connections: int, seconds: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t2", f"-c{max(2, connections)}", f"-d{seconds}s", "--timeout", "10s", "-s", handle.name, url],
            capture_output=True, text=True, check=True,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON "):])
    duration = data["duration_us"] / 1e6
    return {
        "connections": max(2, connections), "rps": data["requests"] / duration, "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000, "errors": data["errors"] + data["non_2xx"], "requests": data["requests"],
    }


def _best(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    fine = [s for s in steps if s["p99_ms"] < P99_LIMIT_MS and s["errors"] == 0]
    return max(fine, key=lambda s: s["rps"]) if fine else None


def _login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"username": "frontdesk", "password": "Demo-Pass-2026"}).encode(),
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def _script(*, scale: int, token: str, account_nos: list[str], step: int) -> str:
    searches = []
    for k in range(300):
        i = (k * 7919) % scale
        searches.append(json.dumps({"id_number": resident_id(i)}) if k % 3 == 0 else
                        json.dumps({"phone": f"139{i:08d}"}) if k % 3 == 1 else
                        json.dumps({"query": f"压测用户{i // 10}"}, ensure_ascii=False))
    openings = []
    # Each step gets customers of its own: a body sent twice would be a (correct) 409.
    first = scale + step * OPENINGS_PER_STEP
    for i in range(first, first + OPENINGS_PER_STEP):
        fields = customer_fields(i, branch="DC")
        address = {k: fields.pop(k) for k in ("province", "city", "district", "street", "detail")}
        body = {k: v for k, v in fields.items() if v is not None}
        openings.append(json.dumps({**body, "address": address}, ensure_ascii=False))
    return (_SCRIPT % {
        "lookups": ", ".join(_lua_string(f"/api/v1/customers/{no}") for no in account_nos),
        "searches": ", ".join(_lua_string(s) for s in searches),
        "openings": ", ".join(_lua_string(s) for s in openings),
        "per_thread": OPENINGS_PER_STEP // 2,
        "auth": _lua_string(f"Bearer {token}"),
    }) + _DONE


def _customers_served(engine: str, *, scale: int, folder: Path) -> dict[str, str] | None:
    """Environment of a fresh database on ``engine`` holding SCALE imported customers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"CRM_DATA_DIR": str(folder / f"data-{engine}"), "PYTHONPATH": str(ROOT)})
    if engine == "postgres":
        url = os.environ.get("CRM_BENCH_POSTGRES_URL") or os.environ.get("CRM_TEST_POSTGRES_URL")
        if not url:
            return None
        import asyncio

        from tests.bench.scale import _reset_postgres

        asyncio.run(_reset_postgres(url))
        env["CRM_DATABASE_URL"] = url
    subprocess.run([sys.executable, "-m", "crm.cli", "init", "--fixtures", str(FIXTURES)], env=env, cwd=ROOT,
                   check=True, capture_output=True)
    csv_path = write_import_csv(folder / "customers.csv", scale, branch="DC")
    subprocess.run([sys.executable, "-m", "crm.cli", "import", "customers", str(csv_path), "--as", "frontdesk"],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--connections", default="2,4,8,16,32,64")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "mixed.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("f. mixed traffic: skipped, it needs wrk (apt-get install wrk)")
        return 0
    steps = [int(c) for c in args.connections.split(",")]
    result: dict[str, Any] = {"scale": args.scale, "seconds_per_step": args.seconds, "p99_limit_ms": P99_LIMIT_MS}
    rng = random.Random(20261125)
    # A fresh database numbers its imported DC customers 1..SCALE, on either engine.
    account_nos = [make_account_no(branch_no=11, sequence=rng.randint(1, args.scale)) for _ in range(2000)]
    with tempfile.TemporaryDirectory(prefix="crm-mixed-") as tmp:
        folder = Path(tmp)
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            env = _customers_served(engine, scale=args.scale, folder=folder)
            if env is None:
                result[engine] = {"skipped": "set CRM_BENCH_POSTGRES_URL to a scratch database"}
                continue
            with serving("crm.asgi:app", env=env, log=folder / f"crm-{engine}.log") as port:
                token = _login(port)
                crm_steps = [
                    _wrk(f"http://127.0.0.1:{port}/",
                         _script(scale=args.scale, token=token, account_nos=account_nos, step=n),
                         connections=c, seconds=args.seconds)
                    for n, c in enumerate(steps)
                ]
            result[engine] = {"steps": crm_steps, "best": _best(crm_steps)}
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
        env["PYTHONPATH"] = str(ROOT)
        with serving("tests.bench.bare_app:app", env=env, log=folder / "bare.log") as port:
            bare_steps = [
                _wrk(f"http://127.0.0.1:{port}/bare", _DONE, connections=c, seconds=args.seconds) for c in steps
            ]
        result["bare"] = {"steps": bare_steps, "best": _best(bare_steps)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    for name in ("sqlite", "postgres", "bare"):
        for s in result.get(name, {}).get("steps", []):
            print(f"{name:8s} c={s['connections']:3d}  {s['rps']:8,.0f} req/s  p50 {s['p50_ms']:6.1f} ms  "
                  f"p99 {s['p99_ms']:6.1f} ms  errors {s['errors']}")
    bare = result["bare"]["best"]
    for name in ("sqlite", "postgres"):
        best = result.get(name, {}).get("best")
        if best and bare:
            print(f"{name}: highest rate with p99 < {P99_LIMIT_MS:.0f} ms and no errors: {best['rps']:,.0f} req/s "
                  f"(c={best['connections']}), bare endpoint {bare['rps']:,.0f} req/s (c={bare['connections']})")
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
