"""Benchmark e: a million customers — bulk import, then lookups and searches at that size.

    python -m tests.bench.scale --scale 1000000 [--engines sqlite,postgres] [--samples 1000]

For each engine, in a fresh database initialised like `crm init --fixtures fixtures/demo`:

* **import**: `crm import customers` of a generated CSV (SCALE valid rows, one branch) as a
  child process; wall time and the child's peak RSS. Baseline, same run: the same rows read
  from the same CSV and inserted with a raw `executemany` in batches of the same size into a
  table of the same shape — without validation, sealing or blind indexes.
* **lookups** through the service layer (what the API handlers call), each p50/p99 over
  `--samples` random targets: by account number, by ID number, by phone (both via blind
  index), name prefix (selective: about ten matches), and page 1,000 of the branch's list
  by keyset cursor. Baseline, same run: the plain SQL of an account-number lookup.

PostgreSQL runs when `CRM_BENCH_POSTGRES_URL` (or `CRM_TEST_POSTGRES_URL`) names a database;
its schema is dropped and recreated.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.data import write_import_csv

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "demo"
BRANCH = "DC"
USER = "frontdesk"
BATCH = 1000
GOALS = {"import_seconds_per_million": 300, "import_rss_mb": 300, "lookup_p99_ms": 10, "search_p99_ms": 50}


def _env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update({"CRM_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)})
    if database_url:
        env["CRM_DATABASE_URL"] = database_url
    return env


def _crm(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "crm.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"crm {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def _peak_rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure_import(env: dict[str, str], csv_path: Path) -> dict[str, Any]:
    """Wall time and peak RSS (the kernel's high-water mark, polled until the process ends)."""
    command = [sys.executable, "-m", "crm.cli", "import", "customers", str(csv_path), "--as", USER,
               "--batch-size", str(BATCH)]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _peak_rss_kib(process.pid) or 0)
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out, err = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"import failed:\n{out}\n{err}")
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "summary": err.strip().splitlines()[-3:]}


_BASELINE_COLUMNS = 29  # as many values per row as the importer writes to customer


def baseline_sqlite(csv_path: Path, folder: Path) -> dict[str, Any]:
    conn = sqlite3.connect(folder / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    columns = ", ".join(f"c{i} TEXT" for i in range(_BASELINE_COLUMNS))
    conn.execute(f"CREATE TABLE customer (id INTEGER PRIMARY KEY, {columns})")
    for i in (0, 6, 9):  # account number, ID-number digest, phone digest: the importer's indexes
        conn.execute(f"CREATE INDEX i{i} ON customer (c{i})")
    sql = f"INSERT INTO customer VALUES (NULL, {', '.join('?' * _BASELINE_COLUMNS)})"
    started = time.perf_counter()
    count = 0
    for batch in _baseline_batches(csv_path):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        count += len(batch)
    seconds = time.perf_counter() - started
    conn.close()
    return {"count": count, "seconds": seconds, "per_second": count / seconds}


async def baseline_postgres(csv_path: Path, url: str) -> dict[str, Any]:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        columns = ", ".join(f"c{i} TEXT" for i in range(_BASELINE_COLUMNS))
        await conn.execute(f"DROP TABLE IF EXISTS bench_baseline; CREATE TABLE bench_baseline (id SERIAL PRIMARY KEY, {columns})")
        for i in (0, 6, 9):
            await conn.execute(f"CREATE INDEX bench_baseline_i{i} ON bench_baseline (c{i})")
        marks = ", ".join(f"${i + 1}" for i in range(_BASELINE_COLUMNS))
        sql = f"INSERT INTO bench_baseline ({', '.join(f'c{i}' for i in range(_BASELINE_COLUMNS))}) VALUES ({marks})"
        started = time.perf_counter()
        count = 0
        for batch in _baseline_batches(csv_path):
            async with conn.transaction():
                await conn.executemany(sql, batch)
            count += len(batch)
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_baseline")
    finally:
        await conn.close()
    return {"count": count, "seconds": seconds, "per_second": count / seconds}


def _baseline_batches(csv_path: Path):
    """The CSV's rows padded to the importer's row width, as plain text: no rules, no crypto."""
    with open(csv_path, encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        batch = []
        for row in reader:
            batch.append(tuple((row + [""] * _BASELINE_COLUMNS)[:_BASELINE_COLUMNS]))
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000  # noqa: E731
    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "count": len(ordered)}


async def measure_lookups(env: dict[str, str], scale: int, samples: int) -> dict[str, Any]:
    from crm import db
    from crm.accounts import service
    from crm.accounts.tables import Customer
    from crm.context import build_context
    from crm.seed import actor_for
    from crm.settings import Settings
    from tests.bench.data import resident_id

    ctx = build_context(Settings.from_env(env))
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    rng = random.Random(20261125)
    try:
        actor = await actor_for(username=USER)
        first = (await Customer.select(Customer.account_no).order_by(Customer.account_no).first())["account_no"]
        sample_ids = [rng.randrange(scale) for _ in range(samples)]
        numbers = [r["account_no"] for r in await Customer.select(Customer.account_no).where(
            Customer.id.is_in([i + 1 for i in sample_ids]))] or [first]

        async def timed(call) -> list[float]:
            await call(0)  # warm-up
            out = []
            for i in range(samples):
                t0 = time.perf_counter()
                await call(i)
                out.append(time.perf_counter() - t0)
            return out

        results = {
            "by_account_no": await timed(lambda i: service.get_customer(ctx=ctx, actor=actor, account_no=numbers[i % len(numbers)])),
            "by_id_number": await timed(lambda i: service.search_customers(ctx=ctx, actor=actor, id_number=resident_id(sample_ids[i]))),
            "by_phone": await timed(lambda i: service.search_customers(ctx=ctx, actor=actor, phone=f"139{sample_ids[i]:08d}")),
            # "压测用户" + five digits: the ten or so names that continue that prefix.
            "name_prefix": await timed(lambda i: service.search_customers(ctx=ctx, actor=actor, query=f"压测用户{sample_ids[i] // 10}")),
        }
        depth = min(scale - 1, 20 * 999)  # page 1,000 starts after 19,980 rows at 20 per page
        cursor_rows = await Customer.select(Customer.account_no).order_by(Customer.account_no).offset(depth - 1).limit(1)
        cursor = cursor_rows[0]["account_no"] if cursor_rows else first
        results["page_1000_keyset"] = await timed(lambda i: service.search_customers(ctx=ctx, actor=actor, after=cursor))
        baseline = await _raw_lookup_baseline(ctx, numbers, samples)
    finally:
        await db.stop(ctx.engine)
    report = {name: _percentiles(values) for name, values in results.items()}
    report["baseline_raw_sql_by_account_no"] = _percentiles(baseline)
    return report


async def _raw_lookup_baseline(ctx, numbers: list[str], samples: int) -> list[float]:
    """The same account-number lookup as one plain SQL statement on the engine's own driver."""
    sql_sqlite = "SELECT * FROM customer WHERE account_no = ?"
    out = []
    if ctx.engine.engine_type == "sqlite":
        from crm.db import sqlite_path

        conn = sqlite3.connect(sqlite_path(ctx.settings.database_url))
        for i in range(samples):
            t0 = time.perf_counter()
            conn.execute(sql_sqlite, (numbers[i % len(numbers)],)).fetchall()
            out.append(time.perf_counter() - t0)
        conn.close()
        return out
    import asyncpg

    conn = await asyncpg.connect(ctx.settings.database_url)
    try:
        for i in range(samples):
            t0 = time.perf_counter()
            await conn.fetch("SELECT * FROM customer WHERE account_no = $1", numbers[i % len(numbers)])
            out.append(time.perf_counter() - t0)
    finally:
        await conn.close()
    return out


def run_engine(engine: str, *, scale: int, samples: int, folder: Path, csv_path: Path) -> dict[str, Any]:
    url = None
    if engine == "postgres":
        url = os.environ.get("CRM_BENCH_POSTGRES_URL") or os.environ.get("CRM_TEST_POSTGRES_URL")
        if not url:
            return {"skipped": "set CRM_BENCH_POSTGRES_URL to a scratch database"}
        asyncio.run(_reset_postgres(url))
    data_dir = folder / f"data-{engine}"
    env = _env(data_dir, url)
    _crm(env, "init", "--fixtures", str(FIXTURES))
    result: dict[str, Any] = {"import": measure_import(env, csv_path)}
    result["import"]["rows_per_second"] = scale / result["import"]["seconds"]
    result["import_baseline"] = (
        baseline_sqlite(csv_path, folder) if engine == "sqlite" else asyncio.run(baseline_postgres(csv_path, url))
    )
    result["lookups"] = asyncio.run(measure_lookups(env, scale, samples))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "scale.json")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"scale": args.scale, "goals": GOALS}
    with tempfile.TemporaryDirectory(prefix="crm-scale-") as tmp:
        folder = Path(tmp)
        csv_path = write_import_csv(folder / "customers.csv", args.scale, branch=BRANCH)
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            print(f"[{engine}] importing {args.scale:,} customers …", file=sys.stderr, flush=True)
            results[engine] = run_engine(engine, scale=args.scale, samples=args.samples, folder=folder, csv_path=csv_path)
            print(json.dumps(results[engine], indent=1, ensure_ascii=False), file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    _print_table(results)
    print(f"written: {args.out}")
    return 0


def _print_table(results: dict[str, Any]) -> None:
    scale = results["scale"]
    for engine in ("sqlite", "postgres"):
        r = results.get(engine)
        if not r or "skipped" in r:
            continue
        imp, base = r["import"], r["import_baseline"]
        per_million = imp["seconds"] * 1_000_000 / scale
        print(f"\n{engine}: import {scale:,} in {imp['seconds']:.1f} s ({imp['rows_per_second']:,.0f} rows/s, "
              f"{per_million:.0f} s per million, goal <= {GOALS['import_seconds_per_million']}), peak RSS "
              f"{imp['peak_rss_mb']:.0f} MB (goal < {GOALS['import_rss_mb']}); raw executemany baseline "
              f"{base['per_second']:,.0f} rows/s -> {imp['rows_per_second'] / base['per_second']:.0%} of raw")
        for name, figures in r["lookups"].items():
            goal = GOALS["lookup_p99_ms"] if name.startswith("by_") else GOALS["search_p99_ms"]
            verdict = "" if name.startswith("baseline") else ("PASS" if figures["p99_ms"] < goal else "FAIL")
            print(f"  {name:32s} p50 {figures['p50_ms']:7.2f} ms  p99 {figures['p99_ms']:7.2f} ms  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
