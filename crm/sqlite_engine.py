"""A Piccolo SQLite engine that keeps its connections open.

Piccolo's ``SQLiteEngine`` opens a fresh ``aiosqlite`` connection — a new thread, a file
open and a PRAGMA — for every query outside a transaction and for every transaction, and
then spends three or four thread round trips per statement (PRAGMA, execute, commit,
fetchall). On the request path that costs more than the query itself.

``PooledSQLiteEngine`` keeps a small pool of open connections per event loop:

* the PRAGMAs (``foreign_keys``, ``journal_mode=WAL``, ``synchronous=NORMAL``,
  ``busy_timeout``) are set once, when a connection is opened;
* a statement is one round trip to the connection's thread (``execute_fetchall``);
* a transaction borrows one connection for its whole life, so two concurrent transactions
  never share one; two ``BEGIN IMMEDIATE`` serialise on SQLite's write lock, the second
  waiting up to ``timeout`` seconds (the busy timeout) in its own thread, never blocking
  the event loop;
* a connection goes back to the pool only when it is known to be outside a transaction: a
  commit or rollback that did not complete (an error, a cancelled task) discards it
  instead, and closing it rolls back whatever was left open.

Short reads skip the worker thread altogether. A ``SELECT`` outside a transaction runs on
the event loop's own read-only connection: in WAL mode a reader never waits for a writer,
and every hop to a worker thread costs more than a small query, because the thread needs
the GIL back from a busy event loop (up to the 5 ms switch interval). The inline connection
has no busy timeout and is ``query_only``, and a progress handler interrupts a statement
after ``inline_read_budget`` SQLite instructions (about a millisecond); busy, interrupted or
refused, the statement re-runs on a pooled connection. ``inline_reads=False`` turns this off.

``fetch(sql, args)`` runs SQL compiled in advance on the same paths (the current
transaction's connection, an inline read, or a pooled connection).

Each event loop gets a pool of its own: aiosqlite delivers results to the loop that asked,
the test suite runs one loop per test, and Litestar's test client serves the app on a loop
in another thread. When a new loop asks, the idle connections of loops that have closed are
closed. ``close_connection_pool()`` closes every idle connection; the next query reopens.

Connection threads are daemon threads, so a process that never calls
``close_connection_pool()`` still exits; committed data is safe either way (WAL).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import os
import sqlite3
import threading
from typing import Any, Optional, Sequence

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

__all__ = ["PooledSQLiteEngine", "PooledSQLiteTransaction", "WriterGate", "plain_converters"]

DEFAULT_POOL_SIZE = 4
DEFAULT_TIMEOUT_S = 30.0
# A SELECT run on the event loop's thread may execute this many SQLite VM instructions
# (roughly a millisecond) before it is interrupted and re-run on a pooled connection.
DEFAULT_INLINE_READ_BUDGET = 100_000
_PROGRESS_EVERY = 1_000
_INLINE_PREFIXES = ("SELECT", "WITH")
_UTC = dt.timezone.utc
_fromisoformat = dt.datetime.fromisoformat


class _Fallback(Exception):
    """An inline read that must be re-run on a pooled connection."""


class _InlineReader:
    """A read-only connection used on the event loop's thread, with a budget per statement.

    ``typed`` readers convert values with Piccolo's registered converters (``detect_types``)
    and return dicts, as pooled connections do; plain readers return SQLite's own values,
    which the caller converts (see ``plain_converters``), saving the converter lookups.
    """

    def __init__(self, connection_kwargs: dict[str, Any], *, budget: int, typed: bool) -> None:
        kwargs = {**connection_kwargs, "timeout": 0}  # never wait for a lock on the loop
        if not typed:
            kwargs.pop("detect_types", None)
        self.thread = threading.get_ident()
        self.connection = sqlite3.connect(**kwargs)
        if typed:
            self.connection.row_factory = dict_factory
        self.connection.execute("PRAGMA query_only = ON")
        self.connection.execute("PRAGMA foreign_keys = ON")
        self.spent = 0
        self._names: dict[str, tuple[str, ...]] = {}
        limit = max(1, budget // _PROGRESS_EVERY)

        def over_budget() -> int:
            self.spent += 1
            return self.spent > limit

        self.connection.set_progress_handler(over_budget, _PROGRESS_EVERY)

    def rows(self, query: str, args: Sequence[Any]) -> list[Any]:
        """The rows of one statement; any SQLite error means: re-run it pooled."""
        self.spent = 0
        try:
            cursor = self.connection.execute(query, args)
            try:
                return cursor.fetchall()
            finally:
                cursor.close()
        except sqlite3.Error as exc:
            # Includes genuine errors (a typo in raw SQL): the pooled path raises them again.
            raise _Fallback from exc

    def named_rows(self, query: str, args: Sequence[Any]) -> tuple[tuple[str, ...], list[Any]]:
        """``rows`` and the column names, remembered per statement (the callers' SQL is fixed)."""
        self.spent = 0
        try:
            cursor = self.connection.execute(query, args)
            try:
                rows = cursor.fetchall()
                names = self._names.get(query)
                if names is None:
                    names = self._names[query] = tuple(column[0] for column in cursor.description or ())
                return names, rows
            finally:
                cursor.close()
        except sqlite3.Error as exc:
            raise _Fallback from exc

    def close(self) -> None:
        try:
            self.connection.close()
        except sqlite3.ProgrammingError:
            pass  # another thread's connection: dropping the reference closes it


# Declared types whose plain SQLite value is already what Piccolo's converters would give.
_PLAIN_AS_IS = frozenset({"INTEGER", "VARCHAR", "TEXT"})
# Declared types whose converters reproduce exactly from the plain value's text.
_PLAIN_CONVERTED = frozenset({"TIMESTAMPTZ", "TIMESTAMP", "DATE", "TIME", "UUID", "BOOLEAN"})


def _timestamptz_from_plain(value: Any) -> Any:
    # Piccolo's converter: fromisoformat(...).replace(tzinfo=utc). What Piccolo wrote carries
    # "+00:00", which fromisoformat already maps to timezone.utc, and replace() is the
    # costlier half, so it runs only when the offset says otherwise.
    parsed = _fromisoformat(value if value.__class__ is str else str(value))
    return parsed if parsed.tzinfo is _UTC else parsed.replace(tzinfo=_UTC)


def _from_plain(converter: Any) -> Any:
    # Piccolo's converters take the value's text (as bytes from sqlite3, or str); calling the
    # str-taking function inside skips that dispatch. A plain boolean arrives as 1 or 0.
    text = getattr(converter, "__wrapped__", converter)
    return lambda value: text(value if value.__class__ is str else str(value))


def plain_converters(columns: Sequence[tuple[str, str]]) -> dict[str, Any] | None:
    """For ``(alias, declared type)`` pairs, the converters turning plain values into typed ones.

    ``None`` when some column's type is not one whose conversion is known to be exact: such
    a query must be read with ``detect_types``.
    """
    converters = {}
    for alias, column_type in columns:
        declared = column_type.split("(")[0].strip().upper()
        if declared == "TIMESTAMPTZ":
            converters[alias] = _timestamptz_from_plain
        elif declared in _PLAIN_CONVERTED and declared in sqlite3.converters:
            converters[alias] = _from_plain(sqlite3.converters[declared])
        elif declared not in _PLAIN_AS_IS:
            return None
    return converters


async def _close(connection: aiosqlite.Connection, *, timeout: float) -> None:
    """Close a connection; statements still queued on its thread run first, in order.

    Closing rolls back whatever transaction was left open. The wait is bounded so a wedged
    thread cannot hang the caller.
    """
    try:
        await asyncio.wait_for(connection.close(), timeout)
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - best effort: the connection is unusable either way
        pass
    finally:
        # Closing the descriptor drops a writer gate still held (see WriterGate).
        fd = getattr(connection, _GATE_FD, None)
        if fd is not None:
            setattr(connection, _GATE_FD, None)
            os.close(fd)


_GATE_FD = "_crm_writer_gate_fd"


class WriterGate:
    """One writer at a time across every process using the database file, woken at once.

    SQLite lets one writer in and makes the others wait in its busy handler, which sleeps
    1, 2, 5 … up to 100 ms between attempts: under concurrent writes a waiting request sleeps
    far longer than the writer it waits for holds the lock (p99 in the hundreds of ms). Each
    writer first takes an exclusive `flock` on ``<database>-writer.lock``; the kernel hands it
    to the next waiter the moment it is released. The wait runs on the pooled connection's
    own thread, never on the event loop, and the descriptor belongs to that connection: a
    connection closed for any reason (a cancelled wait included) releases the gate.
    """

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}-writer.lock"

    def _fd(self, connection: aiosqlite.Connection) -> int:
        fd = getattr(connection, _GATE_FD, None)
        if fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            setattr(connection, _GATE_FD, fd)
        return fd

    async def enter(self, connection: aiosqlite.Connection) -> None:
        await connection._execute(fcntl.flock, self._fd(connection), fcntl.LOCK_EX)

    def leave(self, connection: aiosqlite.Connection) -> None:
        fd = getattr(connection, _GATE_FD, None)
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)


class _LoopPool:
    """Idle connections of one event loop, and a bound on how many may be open at once."""

    def __init__(self, engine: "PooledSQLiteEngine", size: int) -> None:
        self.engine = engine
        self.idle: list[aiosqlite.Connection] = []
        self.slots = asyncio.Semaphore(size)
        self.closed = False
        # The loop thread's own read-only connections for short SELECTs (see _read_inline):
        # one converting values as Piccolo does, one returning SQLite's plain values.
        self.readers: dict[bool, _InlineReader] = {}

    async def acquire(self) -> aiosqlite.Connection:
        await self.slots.acquire()
        try:
            with self.engine._lock:
                # Last in, first out: the warmest connection (page cache) serves next.
                connection = self.idle.pop() if self.idle else None
            return connection or await self.engine.open_connection()
        except BaseException:
            self.slots.release()
            raise

    async def release(self, connection: aiosqlite.Connection, *, reusable: bool) -> None:
        """Return a connection; it re-enters the pool only if it is outside any transaction."""
        try:
            if reusable and not self.closed:
                try:
                    if connection.in_transaction:
                        await connection.execute_fetchall("ROLLBACK")
                    reusable = not connection.in_transaction
                except Exception:
                    reusable = False
            with self.engine._lock:
                if reusable and not self.closed:
                    self.idle.append(connection)
                    return
            await _close(connection, timeout=self.engine.close_timeout)
        finally:
            self.slots.release()

    def take_idle(self, *, close: bool) -> list[aiosqlite.Connection]:
        with self.engine._lock:
            self.closed = self.closed or close
            idle, self.idle = self.idle, []
            readers, self.readers = list(self.readers.values()), {}
        for reader in readers:
            reader.close()
        return idle


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on a pooled connection, returned to the pool instead of closed."""

    __slots__ = ("_pool", "_gated")

    async def __aenter__(self) -> "PooledSQLiteTransaction":
        if self._parent is not None:
            return self._parent
        engine: PooledSQLiteEngine = self.engine  # type: ignore[assignment]
        self._pool = await engine._loop_pool()
        self.connection = await self._pool.acquire()
        # Only transactions that write from the start queue at the gate; a deferred one
        # that later writes meets SQLite's own lock, as before.
        self._gated = engine.writer_gate is not None and self.transaction_type is not TransactionType.deferred
        try:
            if self._gated:
                await engine.writer_gate.enter(self.connection)
            await self.begin()
        except BaseException as exc:
            # A BEGIN that failed (busy timeout) leaves no transaction; a cancelled one may,
            # and a cancelled gate wait may still take the gate: such a connection is closed.
            if self._gated and isinstance(exc, Exception):
                engine.writer_gate.leave(self.connection)
            await self._pool.release(self.connection, reusable=isinstance(exc, Exception))
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        finished = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
            finished = True
        finally:
            self.engine.current_transaction.reset(self.context)
            if self._gated and finished:
                self.engine.writer_gate.leave(self.connection)
            # A COMMIT or ROLLBACK that raised or was cancelled may leave the transaction
            # open, or still queued on the connection's thread: never reuse that connection
            # (closing it also gives the gate back).
            await self._pool.release(self.connection, reusable=finished)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    """``SQLiteEngine`` with a per-event-loop pool of open connections (see module docstring)."""

    def __init__(
        self,
        path: str = "piccolo.sqlite",
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        timeout: float = DEFAULT_TIMEOUT_S,
        inline_reads: bool = True,
        inline_read_budget: int = DEFAULT_INLINE_READ_BUDGET,
        writer_gate: bool = True,
        log_queries: bool = False,
        log_responses: bool = False,
        **connection_kwargs: Any,
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        super().__init__(
            path=path, log_queries=log_queries, log_responses=log_responses, timeout=timeout, **connection_kwargs
        )
        self.pool_size = pool_size
        self.busy_timeout_ms = int(timeout * 1000)
        # Closing waits for statements queued before it, which may wait out a busy timeout.
        self.close_timeout = timeout + 5.0
        self.inline_reads = inline_reads
        self.inline_read_budget = inline_read_budget
        self._pools: dict[asyncio.AbstractEventLoop, _LoopPool] = {}
        self._lock = threading.Lock()
        in_memory = path == ":memory:" or path.startswith("file::memory:")
        self.writer_gate = None if in_memory or not writer_gate else WriterGate(path)

    # -- connections ----------------------------------------------------------------------

    async def open_connection(self) -> aiosqlite.Connection:
        """A new connection with this engine's PRAGMAs; its thread does not keep the process alive."""
        connection = aiosqlite.connect(**self.connection_kwargs)
        thread = getattr(connection, "_thread", connection)
        if isinstance(thread, threading.Thread):
            thread.daemon = True
        await connection
        try:
            connection.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in (
                "PRAGMA foreign_keys = ON",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                f"PRAGMA busy_timeout = {self.busy_timeout_ms}",
            ):
                await connection.execute_fetchall(pragma)
        except BaseException:
            await _close(connection, timeout=self.close_timeout)
            raise
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        # Piccolo's batch() takes a connection of its own and closes it when done.
        return await self.open_connection()

    async def _loop_pool(self) -> _LoopPool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is not None:
            return pool
        with self._lock:
            pool = self._pools.get(loop)
            if pool is None:
                pool = self._pools[loop] = _LoopPool(self, self.pool_size)
            # Loops that have closed (one per test, say) leave idle connections behind.
            stale = [self._pools.pop(other) for other in list(self._pools) if other.is_closed()]
        for old in stale:
            for connection in old.take_idle(close=True):
                await _close(connection, timeout=self.close_timeout)
        return pool

    def idle_connections(self) -> list[aiosqlite.Connection]:
        """The idle connections of the running loop's pool (for tests and diagnostics)."""
        pool = self._pools.get(asyncio.get_running_loop())
        return list(pool.idle) if pool else []

    async def start_connection_pool(self, **_: Any) -> None:
        """Connections open lazily; nothing to do (and no warning, unlike the base engine)."""

    async def close_connection_pool(self) -> None:
        """Close every idle connection; connections still borrowed close when returned.

        Closes the pools of every event loop (a test client may serve the app on a loop of
        its own); the next query opens a fresh pool.
        """
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            for connection in pool.take_idle(close=True):
                await _close(connection, timeout=self.close_timeout)

    # -- statements -----------------------------------------------------------------------

    async def _run_in_new_connection(
        self,
        query: str,
        args: Optional[list[Any]] = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            # No RETURNING before SQLite 3.35: Piccolo's own path reads the rowid back.
            return await super()._run_in_new_connection(query, args, query_type, table)
        pool = self._pools.get(asyncio.get_running_loop()) or await self._loop_pool()
        if self.inline_reads and query.lstrip()[:6].upper().startswith(_INLINE_PREFIXES):
            try:
                return self._read_inline(pool, query, args or [])
            except _Fallback:
                pass
        return await self._run_pooled(pool, query, args)

    async def _run_pooled(self, pool: _LoopPool, query: str, args: Optional[list[Any]]) -> list[dict]:
        connection = await pool.acquire()
        reusable = False
        # A statement that may write, outside a transaction, is a writer of its own.
        gated = self.writer_gate is not None and not query.lstrip()[:6].upper().startswith(_INLINE_PREFIXES)
        try:
            if gated:
                await self.writer_gate.enter(connection)
            # Autocommit mode (isolation_level=None): the statement commits by itself.
            rows = await connection.execute_fetchall(query, args or [])
            reusable = True
            return list(rows)
        except Exception:
            reusable = True  # the statement failed; the connection is fine
            raise
        finally:
            if gated and reusable:
                self.writer_gate.leave(connection)
            await pool.release(connection, reusable=reusable)

    def _reader(self, pool: _LoopPool, *, typed: bool) -> _InlineReader:
        reader = pool.readers.get(typed)
        if reader is None or reader.thread != threading.get_ident():
            try:
                reader = _InlineReader(self.connection_kwargs, budget=self.inline_read_budget, typed=typed)
            except sqlite3.Error as exc:
                raise _Fallback from exc
            pool.readers[typed] = reader
        return reader

    def _read_inline(self, pool: _LoopPool, query: str, args: list[Any]) -> list[dict]:
        """Run a short SELECT on the event loop's thread, skipping the hop to a worker thread.

        In WAL mode a reader takes no lock a writer holds, so this does not wait; the
        connection has no busy timeout, is ``query_only``, and a progress handler interrupts
        a statement that runs past the budget. Any of those — busy, interrupted, an attempt
        to write — raises ``_Fallback`` and the statement re-runs on a pooled connection,
        which has the busy timeout and runs in its own thread. Reads are side-effect free,
        so running one twice is harmless.
        """
        return self._reader(pool, typed=True).rows(query, args)

    def _read_inline_plain(
        self, pool: _LoopPool, query: str, args: Sequence[Any], converters: dict[str, Any]
    ) -> list[dict]:
        """``_read_inline`` on the plain reader, converting only the columns that need it."""
        reader = pool.readers.get(False)
        if reader is None or reader.thread != threading.get_ident():
            reader = self._reader(pool, typed=False)
        names, rows = reader.named_rows(query, args)
        records = []
        for row in rows:
            record = dict(zip(names, row))
            for name, convert in converters.items():
                value = record[name]
                if value is not None:
                    record[name] = convert(value)
            records.append(record)
        return records

    async def _run_in_existing_connection(
        self,
        connection,
        query: str,
        args: Optional[list[Any]] = None,
        query_type: str = "generic",
        table: Any = None,
    ):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        # The PRAGMAs were set when the connection opened; one round trip per statement.
        return list(await connection.execute_fetchall(query, args or []))

    async def fetch(
        self, query: str, args: Sequence[Any] = (), *, converters: dict[str, Any] | None = None
    ) -> list[dict]:
        """Run one statement with ``?`` parameters and return its rows as dicts.

        The same path as Piccolo's own queries — the current transaction's connection if
        there is one, else an inline read or a pooled connection, with Piccolo's column
        converters — minus Piccolo's query objects, for SQL compiled once in advance.
        With ``converters`` (from ``plain_converters``) an inline read skips ``detect_types``
        and converts just those columns; the rows come out the same either way.
        """
        if self.log_queries:
            self.print_query(query_id=self.get_query_id(), query=query)
        transaction = self.current_transaction.get()
        if transaction is not None:
            return await self._run_in_existing_connection(transaction.connection, query, list(args))
        if converters is not None and self.inline_reads:
            pool = self._pools.get(asyncio.get_running_loop()) or await self._loop_pool()
            try:
                return self._read_inline_plain(pool, query, args, converters)
            except _Fallback:
                return await self._run_pooled(pool, query, list(args))
        return await self._run_in_new_connection(query, list(args))

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)
