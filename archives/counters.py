"""Gap-free sequences (archive item numbers, batch and request numbers) in archive_counter."""

from __future__ import annotations

from archives.tables import ArchiveCounter


async def next_value(key: str) -> int:
    """The next number of sequence ``key``, inside the caller's transaction.

    One statement creates the counter at 1 or bumps it; its row lock queues concurrent takers,
    and a rollback gives the number back, so a sequence has no gaps.
    """
    row = await ArchiveCounter.raw(
        "INSERT INTO archive_counter (key, last_item) VALUES ({}, 1) "
        "ON CONFLICT (key) DO UPDATE SET last_item = archive_counter.last_item + 1 "
        "RETURNING last_item",
        key,
    )
    return row[0]["last_item"]
