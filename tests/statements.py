"""Counting the SQL statements a piece of code sends to the database.

Every statement reaches the engine through one of three doors: Piccolo queries (and
``Table.raw``, ``crm.db.counts``) through ``run_querystring``, schema changes through
``run_ddl``, and SQL compiled in advance (``crm.db.CachedSelect``) through
``PooledSQLiteEngine.fetch`` on SQLite and ``run_querystring`` on PostgreSQL. None of them
calls another, so wrapping the three counts each statement once, on
either engine, whichever task or thread runs it. Transaction control (BEGIN, COMMIT) is
the engines' own business and not counted.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Iterator

from piccolo.engine.base import Engine

_DOORS = ("run_querystring", "run_ddl", "fetch")


@contextlib.contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL of every statement ``engine`` runs inside the block, in order."""
    statements: list[str] = []
    # On the class: PostgresEngine has __slots__, so its instances take no attributes. Calls
    # of other engines of the same class pass through uncounted.
    cls = type(engine)

    def wrap(inner: Any) -> Any:
        @functools.wraps(inner)
        async def counted(self: Engine, first: Any, *args: Any, **kwargs: Any) -> Any:
            if self is engine:
                statements.append(first if isinstance(first, str) else str(first))
            return await inner(self, first, *args, **kwargs)

        return counted

    originals = {name: cls.__dict__.get(name) for name in _DOORS if hasattr(cls, name)}
    for name in originals:
        setattr(cls, name, wrap(getattr(cls, name)))
    try:
        yield statements
    finally:
        for name, original in originals.items():
            if original is None:
                delattr(cls, name)  # it was inherited: the base class's method shows through again
            else:
                setattr(cls, name, original)
