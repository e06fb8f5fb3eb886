"""Which SQLite engine a benchmark uses: the application's own choice, or a forced one.

`app` leaves `crm.db.make_engine` alone, so the figures show what the application does
today; `piccolo` and `pooled` force Piccolo's stock `SQLiteEngine` or
`crm.sqlite_engine.PooledSQLiteEngine`, to compare the two in one checkout.
"""

from __future__ import annotations

ENGINES = ("app", "piccolo", "pooled")


def use_engine(choice: str) -> None:
    """Patch `crm.db.make_engine` (and `crm.db.stop`) in this process for the chosen engine."""
    if choice not in ENGINES:
        raise SystemExit(f"unknown engine {choice!r}: choose one of {', '.join(ENGINES)}")
    if choice == "app":
        return
    from piccolo.engine.sqlite import SQLiteEngine

    import crm.db as db
    from crm.sqlite_engine import PooledSQLiteEngine

    original_make, original_stop = db.make_engine, db.stop

    def make_engine(database_url: str):
        engine = original_make(database_url)
        if not isinstance(engine, SQLiteEngine):
            return engine
        if choice == "pooled":
            return PooledSQLiteEngine(path=engine.path, timeout=30)
        return SQLiteEngine(path=engine.path, timeout=30)

    async def stop(engine) -> None:
        if isinstance(engine, PooledSQLiteEngine):
            await engine.close_connection_pool()
        await original_stop(engine)

    db.make_engine = make_engine
    db.stop = stop


def engine_name(engine: object) -> str:
    return type(engine).__name__
