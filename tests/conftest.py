"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when
CRM_TEST_POSTGRES_URL is set (CI sets it), so every integration test runs on both engines.
Each test starts from an already migrated schema: an emptied one on PostgreSQL (_reset_postgres),
a copy of a freshly migrated file on SQLite (_MIGRATED_SQLITE)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import sqlite3
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


# PostgreSQL: migrating a dropped schema costs about 0.35 s a test. Once one test has migrated it,
# the next ones start from that state instead: every table emptied (identities restarted) and the
# rows the migrations themselves wrote (e.g. the contract types) put back, about 0.07 s.
_MIGRATED_ROWS: dict[str, tuple[list[str], list[tuple]]] | None = None
_KEEP = ("migration",)  # Piccolo's record of applied migrations: the schema stays, so does it


async def _tables(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    return [r["tablename"] for r in rows if r["tablename"] not in _KEEP]


async def _reset_postgres(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        if _MIGRATED_ROWS is None:
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
            return
        quoted = ", ".join(f'"{t}"' for t in await _tables(conn))
        async with conn.transaction():
            await conn.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
            for table, (columns, records) in _MIGRATED_ROWS.items():
                await conn.copy_records_to_table(table, records=records, columns=columns)
                if "id" in columns:  # the next id after the restored rows, as after the migration
                    sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", f'"{table}"')
                    await conn.execute(f'SELECT setval($1, max(id)) FROM "{table}"', sequence)
    finally:
        await conn.close()


async def _remember_migrated_rows(url: str) -> None:
    """Right after the first migration of the session: what the migrations wrote, table by table."""
    global _MIGRATED_ROWS
    conn = await asyncpg.connect(url)
    try:
        kept: dict[str, tuple[list[str], list[tuple]]] = {}
        for table in await _tables(conn):
            rows = await conn.fetch(f'SELECT * FROM "{table}"')
            if rows:
                kept[table] = (list(rows[0].keys()), [tuple(r.values()) for r in rows])
        _MIGRATED_ROWS = kept
    finally:
        await conn.close()


# SQLite: likewise, a copy of the first test's freshly migrated file instead of migrating anew.
_MIGRATED_SQLITE: Path | None = None


def _remember_migrated_sqlite(path: Path, keep_in: Path) -> None:
    global _MIGRATED_SQLITE
    copy = keep_in / "migrated.sqlite3"
    # The backup API copies a consistent state, whatever is still in the write-ahead log.
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    _MIGRATED_SQLITE = copy


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        asyncio.run(_reset_postgres(POSTGRES_URL))
        return POSTGRES_URL
    path = tmp_path / "crm.sqlite3"
    if _MIGRATED_SQLITE is not None:
        shutil.copyfile(_MIGRATED_SQLITE, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings.from_env({"CRM_DATA_DIR": str(tmp_path / "data")}).with_(
        database_url=database_url, fast_password_hashing=True, db_pool_size=0
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def ctx(settings, clock, tmp_path_factory) -> AsyncIterator[AppContext]:
    from crm import db, seed
    from crm.db import sqlite_path

    context = build_context(settings, clock=clock, keyring=generate_keyring())
    await db.start(context.engine, pool_size=context.settings.db_pool_size)
    await seed.initialise(context)
    if settings.database_url == POSTGRES_URL and _MIGRATED_ROWS is None:
        await _remember_migrated_rows(POSTGRES_URL)
    elif settings.is_sqlite and _MIGRATED_SQLITE is None:
        _remember_migrated_sqlite(sqlite_path(settings.database_url), tmp_path_factory.mktemp("migrated"))
    await seed.load_staff_fixtures(context, FIXTURES / "demo")
    try:
        yield context
    finally:
        await db.stop(context.engine)
