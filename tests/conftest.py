"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when
CRM_TEST_POSTGRES_URL is set (CI sets it), so every integration test runs on both engines."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from pathlib import Path
from typing import AsyncIterator

import asyncpg
import pytest

from crm.clock import FixedClock
from crm.context import AppContext, build_context
from crm.security.keyring import generate_keyring
from crm.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL")
DEMO_PASSWORD = "Demo-Pass-2026"
START = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)

ENGINES = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


async def _reset_postgres(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        asyncio.run(_reset_postgres(POSTGRES_URL))
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'crm.sqlite3'}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_env({"CRM_DATA_DIR": str(tmp_path / "data")}).with_(
        database_url=database_url, fast_password_hashing=True, db_pool_size=0
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def ctx(settings, clock) -> AsyncIterator[AppContext]:
    from crm import db, seed

    context = build_context(settings, clock=clock, keyring=generate_keyring())
    await db.start(context.engine, pool_size=context.settings.db_pool_size)
    await seed.initialise(context)
    await seed.load_staff_fixtures(context, FIXTURES / "demo")
    try:
        yield context
    finally:
        await db.stop(context.engine)
