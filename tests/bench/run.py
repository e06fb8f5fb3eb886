"""`make bench`: every benchmark next to a baseline measured in the same run.

    python -m tests.bench.run [--scale 1000] [--engine app|piccolo|pooled] [--only a,b,c,d]

a. GET /api/v1/customers/{account_no} over HTTP (uvicorn, one worker, bearer token) vs a
   bare Litestar JSON endpoint served the same way.            goal: >= 40 % of bare req/s
b. Opening accounts through the service layer on SQLite vs raw sqlite3 INSERTs (one
   transaction per row, WAL).                                   goal: >= 300 per second
c. Customer sheet PDF (reports.customer_sheet.render_customer_sheet) vs a one-line
   reportlab canvas PDF, one core.                              goal: >= 100 per second
d. Sealing / opening one field vs bare AESGCM.encrypt.          goal: < 20 µs

Prints a table and writes bench-results/latest.json. Figures only: nothing here asserts a
time, and a missed goal does not fail the command.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterator

from tests.bench.data import customer_fields

ROOT = Path(__file__).resolve().parents[2]
# (b) opens accounts one by one as the counter does; at larger SCALE, benchmark e
# (tests/bench/scale.py) fills the database by bulk import instead.
MAX_OPENED = 5_000
FIXTURES = ROOT / "fixtures" / "demo"
DEMO_USER, DEMO_PASSWORD = "frontdesk", "Demo-Pass-2026"
BRANCH = "DC"

BASELINES = {
    "http": "a Litestar app with one handler returning a three-key dict (tests/bench/bare_app.py), "
    "same uvicorn settings, same load generator, same run",
    "open_accounts": "plain sqlite3 in the same process: BEGIN IMMEDIATE; INSERT one customer-shaped row; "
    "COMMIT — WAL, synchronous=NORMAL, same row count",
    "sheet_pdf": "reportlab Canvas with one drawString in the same CJK font, saved to memory",
    "sealing": "AESGCM.encrypt of the same 18-character value with a fixed key object and nonce",
}

GOALS = {
    "http": 0.40,  # fraction of the bare endpoint's requests/s
    "open_accounts": 300.0,  # per second
    "sheet_pdf": 100.0,  # per second, one core
    "sealing": 20.0,  # µs per call
}


# ---------------------------------------------------------------------------------------
# The machine


def _first_line(command: list[str]) -> str | None:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0] if out else None


def _postgres_server_version() -> str | None:
    url = os.environ.get("CRM_TEST_POSTGRES_URL") or (
        os.environ.get("CRM_DATABASE_URL") if os.environ.get("CRM_DATABASE_URL", "").startswith("postgres") else None
    )
    if not url:
        return None

    async def ask() -> str:
        import asyncpg

        conn = await asyncio.wait_for(asyncpg.connect(url), 3)
        try:
            return await conn.fetchval("SHOW server_version")
        finally:
            await conn.close()

    try:
        return asyncio.run(ask())
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unreachable ({type(exc).__name__})"


def describe_machine() -> dict[str, Any]:
    cpu = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = {}
    for name in ("litestar", "piccolo", "uvicorn", "aiosqlite", "msgspec", "reportlab", "cryptography", "uvloop", "httptools"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001
            versions[name] = None
    load = None
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "cpu": cpu or platform.processor() or "unknown",
        "load_average": load,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _first_line(["postgres", "--version"]) or _first_line(["psql", "--version"]) or "not installed",
        "postgresql_server": _postgres_server_version(),
        "wrk": _first_line(["wrk", "--version"]) if shutil.which("wrk") else None,
        "libraries": versions,
    }


# ---------------------------------------------------------------------------------------
# Test data: valid, unique customers for one branch


def customer_input(i: int):
    from crm.accounts.customer_rules import CustomerInput

    return CustomerInput(**customer_fields(i, branch=BRANCH))


# ---------------------------------------------------------------------------------------
# b. Opening accounts


def crm_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"CRM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    return env


def init_database(data_dir: Path) -> None:
    """`crm init --fixtures fixtures/demo` in a fresh data folder, as a user would run it."""
    done = subprocess.run(
        [sys.executable, "-m", "crm.cli", "init", "--fixtures", str(FIXTURES)],
        cwd=ROOT, env=crm_env(data_dir), capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"crm init failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def bench_open_accounts(data_dir: Path, scale: int) -> dict[str, Any]:
    """`scale` accounts through crm.accounts.service.open_account, one after another."""
    from crm import db
    from crm.accounts import service
    from crm.context import CLI, build_context
    from crm.settings import Settings
    from tests.bench.engines import engine_name

    settings = Settings.from_env(crm_env(data_dir))

    async def run() -> dict[str, Any]:
        from crm.seed import actor_for

        ctx = build_context(settings)
        await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
        try:
            actor = await actor_for(username=DEMO_USER)
            inputs = [customer_input(i) for i in range(scale)]
            await service.open_account(ctx=ctx, actor=actor, data=customer_input(scale), origin=CLI)  # warm-up
            latencies = []
            numbers = []
            started = time.perf_counter()
            for data in inputs:
                t0 = time.perf_counter()
                customer = await service.open_account(ctx=ctx, actor=actor, data=data, origin=CLI)
                latencies.append(time.perf_counter() - t0)
                numbers.append(customer.account_no)
            seconds = time.perf_counter() - started
        finally:
            await db.stop(ctx.engine)
        latencies.sort()
        return {
            "engine": engine_name(ctx.engine),
            "count": scale,
            "seconds": seconds,
            "per_second": scale / seconds,
            "p50_ms": latencies[len(latencies) // 2] * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "account_nos": numbers,
        }

    return asyncio.run(run())


def baseline_raw_inserts(folder: Path, count: int) -> dict[str, Any]:
    """The same number of customer-shaped rows by plain sqlite3: BEGIN IMMEDIATE, INSERT, COMMIT."""
    path = folder / "baseline.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, account_no TEXT UNIQUE, branch INTEGER, category TEXT, "
        "name TEXT, id_type TEXT, id_number_sealed TEXT, id_number_bidx TEXT, id_number_masked TEXT, "
        "phone_sealed TEXT, phone_bidx TEXT, phone_masked TEXT, province TEXT, city TEXT, district TEXT, "
        "street TEXT, detail_sealed TEXT, detail_masked TEXT, status TEXT, opened_at TEXT, updated_at TEXT)"
    )
    conn.execute("CREATE INDEX customer_id_bidx ON customer (id_number_bidx)")
    sealed = "k1$" + "A" * 62
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    rows = [
        (f"11{i:08d}5", 1, "residential", f"压测用户{i}", "resident_id", sealed, f"{i:064x}", "110***********002X",
         sealed, f"{i + 1:064x}", "139****0000", "北京市", "北京市", "东城区", "建国路", sealed, "幸福小区****",
         "pending", now, now)
        for i in range(count)
    ]
    sql = f"INSERT INTO customer VALUES (NULL, {', '.join('?' * 20)})"
    started = time.perf_counter()
    for row in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(sql, row)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return {"count": count, "seconds": seconds, "per_second": count / seconds}


# ---------------------------------------------------------------------------------------
# a. HTTP


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(target: str, *, env: dict[str, str], engine: str, log_dir: Path) -> Iterator[int]:
    port = free_port()
    log_path = log_dir / f"server-{target}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.serve", "--target", target, "--port", str(port), "--engine", engine],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            probe = "/health" if target == "crm" else "/bare"
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{target} server exited:\n{log_path.read_text(errors='replace')[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def login(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/login",
        data=json.dumps({"username": DEMO_USER, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["token"]


def check_get(port: int, path: str, headers: dict[str, str]) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    if response.status != 200 or not body:
        raise RuntimeError(f"GET {path} answered {response.status}: {body!r}")


def _combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one target as one figure: totals for the rate, medians for latency."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    return {
        "tool": rounds[0]["tool"],
        "requests": requests,
        "errors": sum(r["errors"] for r in rounds),
        "non_2xx": sum(r["non_2xx"] for r in rounds),
        "seconds": seconds,
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "mean_ms": statistics.median(r["mean_ms"] for r in rounds),
        "connections": rounds[0]["connections"],
        "rounds": [round(r["rps"], 1) for r in rounds],
    }


def bench_http(
    *, data_dir: Path, account_nos: list[str], engine: str, requests: int, seconds: float, connections: int,
    tool: str, log_dir: Path, rounds: int,
) -> dict[str, Any]:
    """Both apps up at once, measured in alternating rounds.

    The machine's speed drifts by 10-15 % over tens of seconds (shared VMs); alternating
    short rounds exposes both apps to the same drift, so the ratio measures the apps.
    """
    from tests.bench.http_load import run_load

    rounds = max(1, rounds)
    warmup = dict(requests=max(500, requests // 10), seconds=max(1.0, seconds / 4))
    measured = dict(requests=max(1, requests // rounds), seconds=max(1.0, seconds / rounds))
    env = crm_env(data_dir)
    with server("bare", env=env, engine=engine, log_dir=log_dir) as bare_port, \
            server("crm", env=env, engine=engine, log_dir=log_dir) as crm_port:
        token = login(crm_port)
        headers = {"Authorization": f"Bearer {token}"}
        paths = [f"/api/v1/customers/{no}" for no in account_nos[:1000]]
        check_get(crm_port, paths[0], headers)
        loads = {
            "bare": dict(tool=tool, host="127.0.0.1", port=bare_port, paths=["/bare"], headers={}, connections=connections),
            "crm": dict(tool=tool, host="127.0.0.1", port=crm_port, paths=paths, headers=headers, connections=connections),
        }
        for load in loads.values():
            run_load(**warmup, **load)
        runs: dict[str, list[dict[str, Any]]] = {"bare": [], "crm": []}
        for _ in range(rounds):
            for name, load in loads.items():
                runs[name].append(asdict(run_load(**measured, **load)))
    results: dict[str, Any] = {name: _combined(r) for name, r in runs.items()}
    results["ratio"] = results["crm"]["rps"] / results["bare"]["rps"]
    results["round_ratios"] = [round(c["rps"] / b["rps"], 3) for b, c in zip(runs["bare"], runs["crm"])]
    results["accounts_rotated"] = len(paths)
    return results


# ---------------------------------------------------------------------------------------
# c. Customer sheet PDF and d. sealing (the two stand-alone scripts do the measuring)


def bench_sheet_pdf(count: int) -> list[dict[str, Any]]:
    from reports.fonts import resolve_cjk_font
    from tests.bench.bench_sheet_pdf import measure, sample_sheet

    sheets = [sample_sheet(i, 3) for i in range(count + 1)]
    system = resolve_cjk_font()
    modes = []
    if system.source == "system":
        modes.append((f"TrueType {Path(system.path).name} (app default)", {"font_path": system.path}))
        modes.append(("CID STSong-Light", {"font_path": None, "search_system": False}))
    else:
        modes.append(("CID STSong-Light (app default: no system CJK font)", {"font_path": None, "search_system": False}))
    results = []
    for label, options in modes:
        baseline, per_second = measure(sheets=sheets, count=count, options=options)
        results.append({"font": label, "count": count, "per_second": per_second, "baseline_per_second": baseline})
    return results


def bench_sealing() -> dict[str, float]:
    from tests.bench.bench_sealing import measure

    return measure()


# ---------------------------------------------------------------------------------------
# Report


def share(value: float) -> str:
    return f"{value:.0%}" if value >= 0.1 else f"{value:.1%}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def rows_for(results: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    if "http" in results:
        h = results["http"]
        rows.append({
            "benchmark": "a. GET /api/v1/customers/{no}",
            "figure": f"{h['crm']['rps']:,.0f} req/s  p50 {h['crm']['p50_ms']:.1f} ms  p99 {h['crm']['p99_ms']:.1f} ms",
            "baseline": f"bare Litestar {h['bare']['rps']:,.0f} req/s  p50 {h['bare']['p50_ms']:.1f} ms  p99 {h['bare']['p99_ms']:.1f} ms",
            "ratio": f"{share(h['ratio'])} of bare"
            + (f" (rounds {share(min(h['round_ratios']))}-{share(max(h['round_ratios']))})" if len(h["round_ratios"]) > 1 else ""),
            "goal": f">= {GOALS['http']:.0%} of bare",
            "result": verdict(h["ratio"] >= GOALS["http"]),
        })
    if "open_accounts" in results:
        b = results["open_accounts"]
        rows.append({
            "benchmark": f"b. open_account x{b['count']} ({b['engine']})",
            "figure": f"{b['per_second']:,.0f} /s  p50 {b['p50_ms']:.2f} ms  p99 {b['p99_ms']:.2f} ms",
            "baseline": f"raw sqlite3 INSERT {b['baseline']['per_second']:,.0f} /s",
            "ratio": f"{share(b['per_second'] / b['baseline']['per_second'])} of raw",
            "goal": f">= {GOALS['open_accounts']:.0f} /s",
            "result": verdict(b["per_second"] >= GOALS["open_accounts"]),
        })
    for c in results.get("sheet_pdf", []):
        rows.append({
            "benchmark": f"c. customer sheet PDF, {c['font']}",
            "figure": f"{c['per_second']:,.0f} /s",
            "baseline": f"one-line canvas PDF {c['baseline_per_second']:,.0f} /s",
            "ratio": f"{share(c['per_second'] / c['baseline_per_second'])} of one-line",
            "goal": f">= {GOALS['sheet_pdf']:.0f} /s",
            "result": verdict(c["per_second"] >= GOALS["sheet_pdf"]),
        })
    if "sealing" in results:
        d = results["sealing"]
        base = d["baseline_aesgcm_encrypt_us"]
        for name, key in (("seal", "seal_us"), ("open", "open_us")):
            rows.append({
                "benchmark": f"d. {name} one field",
                "figure": f"{d[key]:.2f} µs",
                "baseline": f"AESGCM.encrypt {base:.2f} µs",
                "ratio": f"{d[key] / base:.1f}x",
                "goal": f"< {GOALS['sealing']:.0f} µs",
                "result": verdict(d[key] < GOALS["sealing"]),
            })
    return rows


def print_report(machine: dict[str, Any], config: dict[str, Any], rows: list[dict[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(150, shutil.get_terminal_size((150, 40)).columns))
    console.print(
        f"[bold]Machine[/bold]: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"{machine['memory']}, load average {machine['load_average']}; Python {machine['python']}, SQLite {machine['sqlite']}, {machine['postgresql']}"
        + (f" (server {machine['postgresql_server']})" if machine.get("postgresql_server") else "")
    )
    console.print(
        f"[bold]Run[/bold]: scale {config['scale']}, engine '{config['engine']}', HTTP load by {config['load_tool']} "
        f"({config['seconds']:g} s per run, {config['connections']} keep-alive connections)"
    )
    table = Table(title="Benchmarks (baselines measured in the same run)")
    for column in ("benchmark", "figure", "baseline", "ratio", "goal", "result"):
        table.add_column(column, overflow="fold")
    for row in rows:
        style = "green" if row["result"] == "PASS" else "red"
        table.add_row(*(row[k] for k in ("benchmark", "figure", "baseline", "ratio", "goal")), f"[{style}]{row['result']}[/{style}]")
    console.print(table)
    for key, text in BASELINES.items():
        console.print(f"  baseline {key}: {text}")


def main(argv: list[str] | None = None) -> int:
    from tests.bench.engines import ENGINES, use_engine
    from tests.bench.http_load import wrk_available

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1000, help="customers opened (benchmark b), then served (a)")
    parser.add_argument("--engine", choices=ENGINES, default="app", help="SQLite engine: the app's, or force one")
    parser.add_argument("--only", default="a,b,c,d", help="comma-separated subset of a,b,c,d")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured HTTP load per app, split into rounds")
    parser.add_argument("--rounds", type=int, default=4, help="alternating bare/CRM rounds the HTTP load is split into")
    parser.add_argument("--requests", type=int, default=200_000, help="request budget per HTTP run (asyncio client)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--load", choices=("auto", "wrk", "asyncio"), default="auto", help="HTTP load generator")
    parser.add_argument("--pdf-count", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "latest.json")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    tool = "wrk" if args.load == "wrk" or (args.load == "auto" and wrk_available()) else "asyncio"

    use_engine(args.engine)
    machine = describe_machine()
    config = {
        "scale": args.scale, "engine": args.engine, "seconds": args.seconds, "requests": args.requests,
        "connections": args.connections,
        "load_tool": tool, "pdf_count": args.pdf_count, "only": sorted(only),
    }
    results: dict[str, Any] = {}
    started = time.perf_counter()

    if "d" in only:
        print("d. sealing …", flush=True)
        results["sealing"] = bench_sealing()
    if "c" in only:
        print("c. customer sheet PDF …", flush=True)
        results["sheet_pdf"] = bench_sheet_pdf(args.pdf_count)
    if only & {"a", "b"}:
        with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
            folder = Path(tmp)
            data_dir = folder / "data"
            # Piccolo binds each table to a default engine when the class is created, which
            # builds one from the environment: point it here, not at ./var of the checkout.
            os.environ["CRM_DATA_DIR"] = str(data_dir)
            os.environ.pop("CRM_DATABASE_URL", None)
            print("   crm init --fixtures fixtures/demo …", flush=True)
            init_database(data_dir)
            count = min(args.scale, MAX_OPENED)
            print(f"b. opening {count} accounts through the service layer …", flush=True)
            opened = bench_open_accounts(data_dir, count)
            account_nos = opened.pop("account_nos")
            if "b" in only:
                opened["baseline"] = baseline_raw_inserts(folder, count)
                results["open_accounts"] = opened
            if "a" in only:
                print(f"a. HTTP: bare endpoint, then GET customer ({tool}) …", flush=True)
                results["http"] = bench_http(
                    data_dir=data_dir, account_nos=account_nos, engine=args.engine, requests=args.requests,
                    seconds=args.seconds, connections=args.connections, tool=tool, log_dir=folder,
                    rounds=args.rounds,
                )
                results["http"]["engine"] = opened["engine"]

    rows = rows_for(results)
    print_report(machine, config, rows)
    write_report(out=args.out, started=started, machine=machine, config=config, goals=GOALS, baselines=BASELINES,
                 results=results, rows=rows)
    return 0


def write_report(
    *, out: Path, started: float, machine: dict, config: dict, goals: dict, baselines: dict, results: dict, rows: list
) -> None:
    """The run as JSON next to the printed table, for BENCHMARKS.md and later comparison."""
    report = {
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine,
        "config": config,
        "goals": goals,
        "baselines": baselines,
        "results": results,
        "summary": rows,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} ({report['seconds']} s)")


if __name__ == "__main__":
    sys.exit(main())
