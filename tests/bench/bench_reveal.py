"""Benchmark m: revealing one sensitive field (`crm.accounts.service.reveal`), per call.

    python -m tests.bench.bench_reveal [--calls 2000] [--engines sqlite,postgres]

Each call is what `POST /api/v1/customers/{account_no}/reveal` does below HTTP: the capability,
branch-scope and clearance checks, the reason rule, the per-person rate limit (issue 14, at its
default of 30 an hour), opening the sealed value and writing the audit event, in one
transaction. The demo's 200 customers, revealed in turn by finance, one every 150 seconds of the
application's clock (a fixed clock moved by hand): the busiest pace the limit allows, so every
call counts a full hour of earlier reveals and none is refused.

Baseline: the same script run against the commit before the rate limit (the reveal as it was),
in the same half hour on the same machine — run it with PYTHONPATH set to that checkout:

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before python tests/bench/bench_reveal.py

PostgreSQL when `CRM_BENCH_POSTGRES_URL` names a scratch database (its schema is dropped).
Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import crm

FIXTURES = Path(crm.__file__).resolve().parents[1] / "fixtures" / "demo"
REASON = "核对用户来电身份信息（工单 GD-2026-0042）"


async def measure(*, database_url: str | None, calls: int) -> dict[str, float]:
    from crm import db, seed
    from crm.accounts import service
    from crm.accounts.tables import Customer
    from crm.clock import FixedClock
    from crm.context import Origin, build_context
    from crm.security.keyring import generate_keyring
    from crm.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        # Unknown variables are ignored by checkouts without a rate limit.
        settings = Settings.from_env({"CRM_DATA_DIR": tmp, "CRM_REVEAL_RATE_PER_HOUR": "30"})
        settings = settings.with_(fast_password_hashing=True, **({"database_url": database_url} if database_url else {}))
        if database_url:
            import asyncpg

            conn = await asyncpg.connect(database_url)
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
            await conn.close()
        clock = FixedClock(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.timezone.utc))
        ctx = build_context(settings, keyring=generate_keyring(), clock=clock)
        await db.start(ctx.engine, pool_size=settings.db_pool_size)
        try:
            await seed.initialise(ctx)
            await seed.load_staff_fixtures(ctx, FIXTURES)
            await seed.load_demo_customers(ctx, FIXTURES)
            accounts = [r["account_no"] for r in await Customer.select(Customer.account_no)]
            actor = await seed.actor_for(username="finance")
            origin = Origin(source_ip="127.0.0.1", user_agent="bench")
            times = []
            for i in range(calls + 50):
                clock.advance(seconds=150)
                start = time.perf_counter()
                await service.reveal(ctx=ctx, actor=actor, account_no=accounts[i % len(accounts)],
                                     field=("phone", "id_number")[i % 2], reason=REASON, origin=origin)
                if i >= 50:  # the first calls warm caches and connections
                    times.append((time.perf_counter() - start) * 1000)
        finally:
            await db.stop(ctx.engine)
    times.sort()
    return {
        "calls": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
        "mean_ms": round(statistics.fmean(times), 3),
    }


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"crm from {Path(crm.__file__).resolve().parent}")
    for engine in args.engines.split(","):
        url = None
        if engine == "postgres":
            url = os.environ.get("CRM_BENCH_POSTGRES_URL")
            if not url:
                print("postgres: skipped (set CRM_BENCH_POSTGRES_URL to a scratch database)")
                continue
        print(engine, asyncio.run(measure(database_url=url, calls=args.calls)))


if __name__ == "__main__":
    main()
