"""PooledSQLiteEngine: pooled aiosqlite connections stay correct under concurrency.

Uses a real SQLite file in a temporary folder and real aiosqlite connections. Every test
runs twice: with SELECTs outside transactions on the pooled connections, and with them on
the event loop's own read-only connection (the default).
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from piccolo.columns import Integer, Varchar
from piccolo.engine.sqlite import TransactionType
from piccolo.table import Table

from crm.sqlite_engine import PooledSQLiteEngine, _LoopPool, plain_converters


class Counter(Table, tablename="bench_counter"):
    name = Varchar(length=16, unique=True)
    value = Integer(default=0)


def count_opens(engine: PooledSQLiteEngine) -> list[int]:
    """Make the engine count the connections it opens from now on (in the list's one item)."""
    opened = [0]
    original = engine.open_connection

    async def counting_open():
        opened[0] += 1
        return await original()

    engine.open_connection = counting_open
    return opened


@pytest.fixture(params=[True, False], ids=["inline-reads", "pooled-reads"])
async def engine(request, tmp_path):
    engine = PooledSQLiteEngine(path=str(tmp_path / "pool.sqlite3"), pool_size=3, timeout=30, inline_reads=request.param)
    # The private slot: reading `_meta.db` unbound would build an engine from the environment.
    previous = Counter._meta._db
    Counter._meta.db = engine
    await engine.run_ddl("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, name VARCHAR(16) UNIQUE, value INTEGER)")
    await Counter.insert(Counter(name="total", value=0))
    try:
        yield engine
    finally:
        await engine.close_connection_pool()
        Counter._meta._db = previous


async def _value(name: str = "total") -> int:
    row = await Counter.select(Counter.value).where(Counter.name == name).first()
    return row["value"]


class TestConcurrentTransactions:
    async def test_concurrent_immediate_transactions_each_incrementing_50_times_give_the_exact_total(self, engine):
        in_use: set[int] = set()
        shared: list[int] = []

        async def worker() -> None:
            for _ in range(50):
                async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
                    key = id(tx.connection)
                    if key in in_use:
                        shared.append(key)
                    in_use.add(key)
                    # Read, yield to the other tasks, then write: lost updates would show here.
                    current = await _value()
                    await asyncio.sleep(0)
                    await Counter.update({Counter.value: current + 1}).where(Counter.name == "total")
                    in_use.discard(key)

        await asyncio.gather(*(worker() for _ in range(5)))

        assert await _value() == 250
        assert shared == []

    async def test_a_second_immediate_transaction_waits_for_the_first_to_commit(self, engine):
        events: list[str] = []
        first_began = asyncio.Event()

        async def first() -> None:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                events.append("first begins")
                first_began.set()
                await asyncio.sleep(0.2)
                await Counter.update({Counter.value: 1}).where(Counter.name == "total")
                events.append("first commits")

        async def second() -> None:
            await first_began.wait()
            async with engine.transaction(transaction_type=TransactionType.immediate):
                events.append("second begins")
                assert await _value() == 1

        await asyncio.gather(first(), second())

        assert events == ["first begins", "first commits", "second begins"]

    async def test_the_event_loop_keeps_running_while_a_transaction_waits_for_the_write_lock(self, engine):
        ticks = 0
        locked = asyncio.Event()

        async def holder() -> None:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                locked.set()
                await asyncio.sleep(0.2)

        async def waiter() -> None:
            await locked.wait()
            async with engine.transaction(transaction_type=TransactionType.immediate):
                pass

        async def ticker() -> None:
            nonlocal ticks
            await locked.wait()
            for _ in range(10):
                await asyncio.sleep(0.01)
                ticks += 1

        await asyncio.gather(holder(), waiter(), ticker())

        assert ticks == 10

    async def test_more_concurrent_tasks_than_connections_never_open_more_than_the_pool_size(self, engine):
        opened = count_opens(engine)

        await asyncio.gather(*(Counter.select() for _ in range(30)))
        await asyncio.gather(*(Counter.update({Counter.value: Counter.value + 1}).where(Counter.name == "total") for _ in range(30)))

        assert opened[0] <= engine.pool_size
        assert await _value() == 30


class TestFailures:
    async def test_a_failed_transaction_rolls_back_and_its_connection_is_reused(self, engine):
        with pytest.raises(RuntimeError):
            async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
                failed_connection = tx.connection
                await Counter.update({Counter.value: 99}).where(Counter.name == "total")
                raise RuntimeError("domain rule refused the change")

        assert await _value() == 0
        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            assert tx.connection is failed_connection
            await Counter.update({Counter.value: 1}).where(Counter.name == "total")
        assert await _value() == 1

    async def test_a_failing_statement_inside_a_transaction_rolls_back_everything(self, engine):
        with pytest.raises(sqlite3.IntegrityError):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                await Counter.insert(Counter(name="other", value=5))
                await Counter.insert(Counter(name="total", value=5))  # UNIQUE violation

        assert await Counter.count() == 1
        assert not any(c.in_transaction for c in engine.idle_connections())

    async def test_a_failing_statement_outside_a_transaction_leaves_the_connection_usable(self, engine):
        with pytest.raises(sqlite3.IntegrityError):
            await Counter.insert(Counter(name="total", value=5))

        await Counter.insert(Counter(name="second", value=2))

        assert await Counter.count() == 2

    async def test_a_cancelled_transaction_rolls_back_and_leaves_no_lock(self, engine):
        entered = asyncio.Event()

        async def slow() -> None:
            async with engine.transaction(transaction_type=TransactionType.immediate):
                await Counter.update({Counter.value: 42}).where(Counter.name == "total")
                entered.set()
                await asyncio.sleep(10)

        task = asyncio.create_task(slow())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        assert await _value() == 0
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await Counter.update({Counter.value: 7}).where(Counter.name == "total")
        assert await _value() == 7

    async def test_a_connection_whose_commit_failed_is_discarded_and_its_transaction_dropped(self, engine, monkeypatch):
        from crm.sqlite_engine import PooledSQLiteTransaction

        async def broken_commit(self):
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(PooledSQLiteTransaction, "commit", broken_commit)
        with pytest.raises(sqlite3.OperationalError):
            async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
                broken = tx.connection
                await Counter.update({Counter.value: 42}).where(Counter.name == "total")
        monkeypatch.undo()

        async with engine.transaction(transaction_type=TransactionType.immediate) as tx:
            assert tx.connection is not broken
            await Counter.update({Counter.value: Counter.value + 1}).where(Counter.name == "total")
        assert await _value() == 1
        assert all(c is not broken for c in engine.idle_connections())

    async def test_a_connection_left_in_a_transaction_is_rolled_back_before_reuse(self, engine):
        # Raw SQL can open a transaction outside engine.transaction(); the pool must undo it.
        await engine._run_in_new_connection("BEGIN IMMEDIATE")

        idle = engine.idle_connections()
        assert idle and not any(c.in_transaction for c in idle)
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await Counter.update({Counter.value: 3}).where(Counter.name == "total")
        assert await _value() == 3


class TestVisibility:
    async def test_queries_outside_transactions_see_committed_data_only(self, engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await Counter.update({Counter.value: 5}).where(Counter.name == "total")
            # Another task, outside this transaction, reads through another pooled connection.
            outside_before_commit = await asyncio.create_task(_outside_read())
        outside_after_commit = await _outside_read()

        assert outside_before_commit == 0
        assert outside_after_commit == 5

    async def test_reads_inside_a_transaction_see_its_own_writes(self, engine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            await Counter.update({Counter.value: 11}).where(Counter.name == "total")
            inside = await _value()

        assert inside == 11


async def _outside_read() -> int:
    # A fresh context: no current transaction, so the query takes a pooled connection.
    engine = Counter._meta.db
    token = engine.current_transaction.set(None)
    try:
        return await _value()
    finally:
        engine.current_transaction.reset(token)


class TestConnections:
    async def test_every_pooled_connection_has_the_pragmas_set(self, engine):
        async with engine.transaction():
            pragmas = {
                name: list((await engine._run_in_existing_connection(engine.current_transaction.get().connection, f"PRAGMA {name}"))[0].values())[0]
                for name in ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")
            }

        assert pragmas == {"foreign_keys": 1, "journal_mode": "wal", "synchronous": 1, "busy_timeout": 30000}

    async def test_foreign_keys_are_enforced_outside_transactions(self, engine):
        await engine.run_ddl("CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES bench_counter(id))")

        with pytest.raises(sqlite3.IntegrityError):
            await engine._run_in_new_connection("INSERT INTO child (parent) VALUES (12345)")

    async def test_sequential_queries_reuse_one_connection(self, engine):
        opened = count_opens(engine)

        for _ in range(20):
            await Counter.select()
            async with engine.transaction():
                await Counter.select()

        assert opened[0] == 0  # the fixture's connection served all 40

    async def test_closing_the_pool_closes_idle_connections_and_it_reopens_on_demand(self, engine):
        await Counter.select()
        idle = list(engine.idle_connections())

        await engine.close_connection_pool()

        assert idle and all(c._connection is None for c in idle)
        assert await _value() == 0


def test_a_new_event_loop_gets_its_own_connections_and_closed_loops_lose_theirs(tmp_path):
    engine = PooledSQLiteEngine(path=str(tmp_path / "loops.sqlite3"), inline_reads=False)

    async def first() -> list:
        await engine.run_ddl("CREATE TABLE t (n INTEGER)")
        await engine.run_ddl("INSERT INTO t VALUES (1)")
        return engine.idle_connections()

    async def second() -> tuple[list, list]:
        rows = await engine._run_in_new_connection("SELECT n FROM t")
        idle = engine.idle_connections()
        await engine.close_connection_pool()
        return rows, idle

    first_idle = asyncio.run(first())
    rows, second_idle = asyncio.run(second())

    assert len(first_idle) == 1 and len(second_idle) == 1
    assert second_idle[0] is not first_idle[0]
    assert first_idle[0]._connection is None  # closed when the second loop found its loop closed
    assert rows == [{"n": 1}]


class TestInlineReads:
    @pytest.fixture
    async def inline(self, tmp_path):
        engine = PooledSQLiteEngine(path=str(tmp_path / "inline.sqlite3"), inline_read_budget=5_000)
        await engine.run_ddl("CREATE TABLE t (n INTEGER)")
        await engine.run_ddl("INSERT INTO t VALUES (1)")
        try:
            yield engine
        finally:
            await engine.close_connection_pool()

    @pytest.fixture
    def borrowed(self, monkeypatch):
        count = [0]
        original = _LoopPool.acquire

        async def counting(pool):
            count[0] += 1
            return await original(pool)

        monkeypatch.setattr(_LoopPool, "acquire", counting)
        return count

    async def test_a_short_select_runs_without_borrowing_a_pooled_connection(self, inline, borrowed):
        rows = await inline._run_in_new_connection("SELECT n FROM t")

        assert rows == [{"n": 1}]
        assert borrowed[0] == 0

    async def test_a_select_over_budget_is_interrupted_and_rerun_on_a_pooled_connection(self, inline, borrowed):
        query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000) SELECT count(*) AS n FROM c"

        rows = await inline._run_in_new_connection(query)

        assert rows == [{"n": 100000}]
        assert borrowed[0] == 1

    async def test_the_inline_reader_cannot_write(self, inline):
        from crm.sqlite_engine import _Fallback

        pool = await inline._loop_pool()
        with pytest.raises(_Fallback):
            inline._read_inline(pool, "INSERT INTO t VALUES (2)", [])

        assert await inline._run_in_new_connection("SELECT count(*) AS c FROM t") == [{"c": 1}]

    async def test_an_inline_read_does_not_wait_for_a_writer_and_sees_committed_data(self, inline, borrowed):
        async with inline.transaction(transaction_type=TransactionType.immediate) as tx:
            await inline._run_in_existing_connection(tx.connection, "UPDATE t SET n = 2")
            token = inline.current_transaction.set(None)
            try:
                during = await inline._run_in_new_connection("SELECT n FROM t")
            finally:
                inline.current_transaction.reset(token)
        after = await inline._run_in_new_connection("SELECT n FROM t")

        assert during == [{"n": 1}]
        assert after == [{"n": 2}]
        assert borrowed[0] == 1  # the transaction only

    async def test_a_bad_select_raises_the_database_error(self, inline):
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await inline._run_in_new_connection("SELECT * FROM missing")


class TestFetch:
    async def test_fetch_outside_a_transaction_returns_rows_as_dicts(self, engine):
        rows = await engine.fetch("SELECT name, value FROM bench_counter WHERE name = ?", ["total"])

        assert rows == [{"name": "total", "value": 0}]

    async def test_fetch_inside_a_transaction_sees_its_uncommitted_writes(self, engine):
        query = "SELECT value FROM bench_counter WHERE name = ?"
        with pytest.raises(RuntimeError):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                await Counter.update({Counter.value: 9}).where(Counter.name == "total")
                inside = await engine.fetch(query, ["total"])
                raise RuntimeError("roll back")

        assert inside == [{"value": 9}]
        assert await engine.fetch(query, ["total"]) == [{"value": 0}]

    async def test_fetch_applies_piccolo_column_converters(self, engine, tmp_path):
        await engine.run_ddl("CREATE TABLE stamped (at TIMESTAMPTZ, ok BOOLEAN)")
        await engine.run_ddl("INSERT INTO stamped VALUES ('2026-11-25 09:00:00+00:00', 1)")

        rows = await engine.fetch("SELECT at, ok FROM stamped")

        assert rows[0]["ok"] is True
        assert rows[0]["at"].isoformat() == "2026-11-25T09:00:00+00:00"

    async def test_fetch_with_plain_converters_gives_the_same_rows(self, engine, monkeypatch):
        await engine.run_ddl("CREATE TABLE stamped (n INTEGER, label VARCHAR(8), at TIMESTAMPTZ, ok BOOLEAN)")
        await engine.run_ddl("INSERT INTO stamped VALUES (7, 'a', '2026-11-25 09:00:00+00:00', 1), (8, NULL, NULL, 0)")
        query = "SELECT n, label, at, ok FROM stamped ORDER BY n"
        converters = plain_converters([("n", "INTEGER"), ("label", "VARCHAR(8)"), ("at", "TIMESTAMPTZ"), ("ok", "BOOLEAN")])
        typed = await engine.fetch(query)
        inline_plain = []
        original = PooledSQLiteEngine._read_inline_plain

        def spying(self, *args):
            inline_plain.append(True)
            return original(self, *args)

        monkeypatch.setattr(PooledSQLiteEngine, "_read_inline_plain", spying)
        plain = await engine.fetch(query, converters=converters)

        assert plain == typed
        assert plain[0]["ok"] is True and plain[1]["ok"] is False and plain[1]["at"] is None
        assert inline_plain == ([True] if engine.inline_reads else [])

    def test_plain_converters_convert_only_what_needs_it_and_refuse_inexact_types(self):
        converters = plain_converters([("n", "INTEGER"), ("s", "VARCHAR(16)"), ("at", "TIMESTAMPTZ"), ("ok", "BOOLEAN")])

        assert set(converters) == {"at", "ok"}
        assert converters["ok"](1) is True and converters["ok"](0) is False
        assert converters["at"]("2026-11-25 09:00:00+00:00").tzinfo is not None
        # NUMERIC may hold a REAL whose Python text differs from SQLite's; JSON and arrays need parsing.
        for column_type in ("NUMERIC", "JSON", "ARRAY", "REAL"):
            assert plain_converters([("n", "INTEGER"), ("x", column_type)]) is None

    def test_plain_timestamps_match_piccolos_converter_whatever_the_stored_offset(self):
        from piccolo.engine.sqlite import convert_timestamptz_out

        convert = plain_converters([("at", "TIMESTAMPTZ")])["at"]
        for stored in ("2026-11-25 09:00:00.123456+00:00", "2026-11-25 09:00:00", "2026-11-25 17:00:00+08:00"):
            ours, piccolos = convert(stored), convert_timestamptz_out(stored)
            assert (ours, ours.tzinfo, ours.utcoffset()) == (piccolos, piccolos.tzinfo, piccolos.utcoffset())


class TestWriterGate:
    """Writers queue on a file lock the kernel hands over at once, not in SQLite's sleeping busy loop."""

    @pytest.fixture
    async def two(self, tmp_path):
        path = str(tmp_path / "gate.sqlite3")
        first, second = PooledSQLiteEngine(path=path), PooledSQLiteEngine(path=path)
        await first.run_ddl("CREATE TABLE t (n INTEGER)")
        try:
            yield first, second
        finally:
            await first.close_connection_pool()
            await second.close_connection_pool()

    async def test_a_second_writer_waits_for_the_first_and_then_proceeds(self, two):
        first, second = two
        events = []
        async with first.transaction(transaction_type=TransactionType.immediate) as tx:
            await first._run_in_existing_connection(tx.connection, "INSERT INTO t VALUES (1)")

            async def other_writer():
                async with second.transaction(transaction_type=TransactionType.immediate) as tx2:
                    events.append("second in")
                    await second._run_in_existing_connection(tx2.connection, "INSERT INTO t VALUES (2)")

            waiting = asyncio.create_task(other_writer())
            await asyncio.sleep(0.2)
            events.append("first commits")
        await waiting

        assert events == ["first commits", "second in"]
        assert await first._run_in_new_connection("SELECT count(*) AS c FROM t") == [{"c": 2}]

    async def test_a_cancelled_wait_leaves_the_gate_free(self, two):
        first, second = two
        async with first.transaction(transaction_type=TransactionType.immediate):
            async def other_writer():
                async with second.transaction(transaction_type=TransactionType.immediate):
                    pass

            waiting = asyncio.create_task(other_writer())
            await asyncio.sleep(0.1)
            waiting.cancel()
            # Its connection closes (dropping the gate) once its thread is out of the wait,
            # which needs this transaction to end first.
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, 10)

        async with second.transaction(transaction_type=TransactionType.immediate) as tx:
            await second._run_in_existing_connection(tx.connection, "INSERT INTO t VALUES (3)")
        assert await second._run_in_new_connection("SELECT n FROM t") == [{"n": 3}]

    async def test_an_autocommit_write_queues_too(self, two):
        first, second = two
        async with first.transaction(transaction_type=TransactionType.immediate) as tx:
            await first._run_in_existing_connection(tx.connection, "INSERT INTO t VALUES (1)")
            write = asyncio.create_task(second._run_in_new_connection("INSERT INTO t VALUES (2)"))
            await asyncio.sleep(0.1)
            assert not write.done()
        await asyncio.wait_for(write, 5)
        assert await second._run_in_new_connection("SELECT count(*) AS c FROM t") == [{"c": 2}]
