"""Database engine from settings, table binding and the unit of work.

Piccolo normally finds its engine through ``piccolo_conf``; the application instead builds
the engine from ``Settings`` and binds every table to it, so tests can point one process at
SQLite and then PostgreSQL.
"""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator, Sequence
from urllib.parse import urlparse

import asyncpg
from piccolo.columns import Column
from piccolo.conf.apps import ENVIRONMENT_VARIABLE
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from crm.apps import APP_MODULES, PICCOLO_CONF_MODULE
from crm.common.private_files import PRIVATE_FILE, ensure_private_file
from crm.errors import ConfigurationError, Conflict
from crm.sqlite_engine import PooledSQLiteEngine, plain_converters

__all__ = ["APP_MODULES", "UnsupportedDatabaseUrl", "bind_tables", "bound_engine", "make_engine", "migrate"]

# The engine `bind_tables` pointed every table at; crm.piccolo_conf hands it to Piccolo's machinery.
_bound: Engine | None = None


class UnsupportedDatabaseUrl(ConfigurationError):
    """CRM_DATABASE_URL is neither sqlite:///… nor postgresql://…."""


def sqlite_path(database_url: str) -> Path:
    """sqlite:///relative/path or sqlite:////absolute/path (the SQLAlchemy convention)."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        raise UnsupportedDatabaseUrl(f"Unsupported SQLite URL {database_url!r}: use sqlite:///relative or sqlite:////absolute")
    return Path(database_url[len(prefix) :])


def make_engine(database_url: str) -> Engine:
    scheme = urlparse(database_url).scheme
    if scheme == "sqlite":
        path = sqlite_path(database_url)
        _prepare_sqlite_file(path)
        # A generous busy timeout lets concurrent writers queue instead of failing.
        return PooledSQLiteEngine(path=str(path), timeout=30)
    if scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": database_url})
    raise UnsupportedDatabaseUrl(f"Unsupported database URL {database_url!r}: use sqlite:///path or postgresql://…")


_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def _prepare_sqlite_file(path: Path) -> None:
    # Private before SQLite first opens it: the -wal and -shm it creates take the file's mode.
    ensure_private_file(path)
    for companion in _SQLITE_COMPANIONS:
        # Left by an earlier run, perhaps with the mode of a file created before this rule.
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{companion}", PRIVATE_FILE)
    # WAL is a property of the file, so setting it once lets readers run beside a writer.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")


def all_tables() -> list[type[Table]]:
    from piccolo.conf.apps import AppRegistry

    registry = AppRegistry(apps=list(APP_MODULES))
    tables: list[type[Table]] = []
    for app in registry.app_configs.values():
        tables.extend(app.table_classes)
    return tables


def bound_engine() -> Engine | None:
    return _bound


def bind_tables(engine: Engine) -> None:
    """Point every table (and Piccolo's migration bookkeeping) at this engine."""
    from piccolo.apps.migrations.tables import Migration

    global _bound
    _bound = engine
    Migration._meta.db = engine
    for table in all_tables():
        table._meta.db = engine


class UniqueViolation(Conflict):
    """A unique constraint stopped a write that raced another (checked first, enforced here)."""

    code = "conflict.duplicate"

    def __init__(self, *, constraint: str) -> None:
        super().__init__("记录已存在 / The record already exists")
        self.constraint = constraint


def _unique_violation(error: BaseException) -> UniqueViolation | None:
    """The one place driver-specific constraint errors become a domain error."""
    if isinstance(error, asyncpg.UniqueViolationError):
        return UniqueViolation(constraint=error.constraint_name or str(error))
    if isinstance(error, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(error):
        return UniqueViolation(constraint=str(error).split(":", 1)[-1].strip())
    return None


@contextlib.asynccontextmanager
async def unit_of_work(engine: Engine) -> AsyncIterator[None]:
    """One transaction per use case: everything commits together or nothing does."""
    try:
        if isinstance(engine, SQLiteEngine):
            # IMMEDIATE takes the write lock up front, avoiding "database is locked" on upgrade.
            async with engine.transaction(transaction_type=TransactionType.immediate):
                yield
        else:
            async with engine.transaction():
                yield
    except (asyncpg.UniqueViolationError, sqlite3.IntegrityError) as error:
        translated = _unique_violation(error)
        if translated is None:
            raise
        raise translated from error


@contextlib.asynccontextmanager
async def read_only(engine: Engine) -> AsyncIterator[None]:
    """Several reads on one connection (SQLite otherwise opens a connection per query)."""
    async with engine.transaction():
        yield


async def migrate(engine: Engine) -> None:
    """Apply every committed migration not yet applied; safe to run again."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    bind_tables(engine)
    # Piccolo finds its apps and engine through the module PICCOLO_CONF names; set only for the
    # run, so importing crm changes nobody's environment. It narrates each step with emoji;
    # `crm init` reports its own summary instead.
    with _piccolo_conf(), contextlib.redirect_stdout(io.StringIO()) as out:
        result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{out.getvalue()}")


@contextlib.contextmanager
def _piccolo_conf() -> Iterator[None]:
    previous = os.environ.get(ENVIRONMENT_VARIABLE)
    os.environ[ENVIRONMENT_VARIABLE] = PICCOLO_CONF_MODULE
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)
        else:
            os.environ[ENVIRONMENT_VARIABLE] = previous


async def start(engine: Engine, *, pool_size: int) -> None:
    if isinstance(engine, PostgresEngine) and pool_size > 0:
        await engine.start_connection_pool(min_size=1, max_size=pool_size)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close_connection_pool()


async def insert_rows(engine: Engine, *, table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows in the current unit of work: COPY on PostgreSQL, one prepared statement on SQLite.

    Piccolo's bulk insert builds a Table object per row and one statement with every value
    inlined; for imports of millions of rows that Python work costs more than the database's.
    Values go through the same driver adapters as Piccolo's own queries.
    """
    if not rows:
        return
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("insert_rows must run inside db.unit_of_work")
    name = table._meta.tablename
    if isinstance(engine, PostgresEngine):
        # COPY in binary: a fraction of the server's work of one INSERT per row.
        await transaction.connection.copy_records_to_table(name, records=rows, columns=list(columns))
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    await transaction.connection.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', rows)


async def analyze(table: type[Table]) -> None:
    """Refresh the planner's statistics after a bulk change (both engines spell it ANALYZE).

    Without statistics SQLite picks an index by shape alone, e.g. scanning a whole branch
    for a name prefix instead of using the name index.
    """
    await table.raw(f'ANALYZE "{table._meta.tablename}"')


async def keyset_pages(*, columns: Sequence[Any], key: Any, conditions: Sequence[Any] = (), page_size: int):
    """Rows in pages of ``key > last ORDER BY key LIMIT n``: each page costs the same however deep.

    ``key`` (a unique column) must be among ``columns``; memory holds one page at a time.
    """
    table = key._meta.table
    name = key._meta.name
    last = None
    while True:
        query = table.select(*columns)
        if last is not None:
            query = query.where(key > last)
        for condition in conditions:
            query = query.where(condition)
        rows = await query.order_by(key).limit(page_size)
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        last = rows[-1][name]


def locking(query, engine: Engine, *, of: tuple[type[Table], ...] = ()):
    """SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction already serialises writers.

    A query that joins (outer joins, as Piccolo's are) must name the tables to lock in ``of``.
    """
    if isinstance(engine, PostgresEngine):
        return query.lock_rows("UPDATE", of=of)
    return query


class _Compiled(QueryString):
    """SQL already compiled for one engine, with its arguments."""

    def __init__(self, sql: str, args: list[Any]) -> None:
        super().__init__("")
        self._sql = sql
        self._args = args

    def compile_string(self, engine_type: str = "postgres") -> tuple[str, list[Any]]:
        return self._sql, self._args

    def __str__(self) -> str:
        return self._sql


@dataclass(frozen=True)
class _CompiledSelect:
    sql: str
    args: list[Any]
    slots: list[int | None]  # which run() value each SQL parameter takes, None: a constant
    converters: dict[str, Any] | None  # see sqlite_engine.plain_converters
    in_order: bool  # the SQL takes run()'s values as they come: no constants, no reordering


class CachedSelect:
    """A Piccolo SELECT built once per engine type and re-run with new parameter values.

    Building a Piccolo query with joins costs 0.4–1.3 ms of Python each time; on the request
    path (session lookup, customer load) that cost more than the queries themselves.
    ``build`` receives one placeholder per parameter and must use each as a plain value.
    """

    def __init__(self, build: Callable[..., Any], *, params: int, first: bool = False) -> None:
        self._build = build
        self._params = params
        self._first = first
        self._compiled: dict[str, _CompiledSelect] = {}

    def _compile(self, engine_type: str) -> _CompiledSelect:
        markers = [f"\x00crm-param-{i}\x00" for i in range(self._params)]
        query = self._build(*markers)
        if self._first:
            query = query.limit(1)
        sql, args = query.querystrings[0].compile_string(engine_type=engine_type)
        slots = [markers.index(a) if isinstance(a, str) and a in markers else None for a in args]
        if sorted(s for s in slots if s is not None) != list(range(self._params)):
            raise ValueError("each placeholder must appear exactly once as a query parameter")
        columns = query.columns_delegate.selected_columns
        converters = (
            plain_converters([(column._meta.get_default_alias(), column.column_type) for column in columns])
            if engine_type == "sqlite" and columns and all(isinstance(column, Column) for column in columns)
            else None
        )
        return _CompiledSelect(
            sql=sql, args=args, slots=slots, converters=converters, in_order=slots == list(range(len(slots)))
        )

    async def run(self, engine: Engine, *values: Any) -> Any:
        compiled = self._compiled.get(engine.engine_type)
        if compiled is None:
            compiled = self._compiled[engine.engine_type] = self._compile(engine.engine_type)
        sql, converters = compiled.sql, compiled.converters
        final = (
            list(values) if compiled.in_order
            else [values[slot] if slot is not None else arg for slot, arg in zip(compiled.slots, compiled.args)]
        )
        if isinstance(engine, PooledSQLiteEngine):
            rows = await engine.fetch(sql, final, converters=converters)
        else:
            rows = [dict(row) for row in await engine.run_querystring(_Compiled(sql, final))]
        if self._first:
            return rows[0] if rows else None
        return rows


async def counts(engine: Engine, queries: Sequence[Any]) -> list[int]:
    """Several counts answered by one statement: ``SELECT (…) AS "c0", (…) AS "c1", …``.

    Each query is a Piccolo count (``Table.count().where(…)``), or any one-row one-column
    SELECT or its QueryString, built by the package that owns its tables; so a page asking
    for every count it shows pays one round trip, however many packages answer. No queries,
    no statement.
    """
    if not queries:
        return []
    parts = [q if isinstance(q, QueryString) else q.querystrings[0] for q in queries]
    template = "SELECT " + ", ".join(f'({{}}) AS "c{i}"' for i in range(len(parts)))
    rows = await engine.run_querystring(QueryString(template, *parts))
    return [int(rows[0][f"c{i}"] or 0) for i in range(len(parts))]
