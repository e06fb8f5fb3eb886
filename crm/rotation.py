"""`crm keys rotate`: move every sealed value to a new data key (R-PM-04).

Resumable by construction: a run first finishes any values still on older keys and only adds
a new key when none remain, so an interrupted rotation is completed by running it again.
Each batch commits on its own; a value is readable under either key throughout.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crm import db
from crm.audit import service as audit
from crm.context import CLI, AppContext, build_context
from crm.security.keyring import load_keyring, save_keyring, with_new_data_key
from crm.security.sealing import key_id_of, reseal
from crm.settings import Settings


@dataclass(frozen=True)
class SealedColumns:
    table: Any
    columns: tuple[str, ...]
    extra: tuple[Any, ...]
    # (row, column) -> (aad table, aad column, aad record), matching how the value was sealed.
    binding: Callable[[dict[str, Any], str], tuple[str, str, str]]


# Each package's sealed columns, by name: "module:attribute" naming a tuple of SealedColumns.
# Named, not imported: crm never imports contracts or archives, and each package's module
# imports SealedColumns from here.
SEALED_BY_PACKAGE = ("crm.accounts.rotation:SEALED", "archives.rotation:SEALED")


def all_sealed() -> tuple[SealedColumns, ...]:
    found: list[SealedColumns] = []
    for spec in SEALED_BY_PACKAGE:
        module, _, attribute = spec.partition(":")
        found.extend(getattr(importlib.import_module(module), attribute))
    return tuple(found)


def _stale(spec: SealedColumns, current: str):
    conditions = None
    for name in spec.columns:
        column = getattr(spec.table, name)
        cond = column.is_not_null() & column.not_like(f"{current}$%")
        conditions = cond if conditions is None else conditions | cond
    return conditions


async def _count_stale(ctx: AppContext) -> int:
    current = ctx.keyring.current_key_id
    total = 0
    for spec in all_sealed():
        total += await spec.table.count().where(_stale(spec, current))
    return total


async def reseal_all(ctx: AppContext, *, batch: int, on_progress: Callable[[int], None]) -> int:
    current = ctx.keyring.current_key_id
    done = 0
    for spec in all_sealed():
        table = spec.table
        last_id = 0
        while True:
            async with db.unit_of_work(ctx.engine):
                rows = await (
                    table.select(table.id, *(getattr(table, c) for c in spec.columns), *spec.extra)
                    .where((table.id > last_id) & _stale(spec, current))
                    .order_by(table.id)
                    .limit(batch)
                )
                for row in rows:
                    values = {}
                    for name in spec.columns:
                        token = row[name]
                        if token and key_id_of(token=token) != current:
                            aad_table, aad_column, record = spec.binding(row, name)
                            values[getattr(table, name)] = reseal(
                                keyring=ctx.keyring, token=token, table=aad_table, column=aad_column, record=record
                            )
                    if values:
                        await table.update(values).where(table.id == row["id"])
            if not rows:
                break
            last_id = rows[-1]["id"]
            done += len(rows)
            on_progress(len(rows))
    return done


async def rotate(settings: Settings, *, batch: int, console: Console) -> None:
    keyring = load_keyring(path=settings.keyring_path)
    ctx = build_context(settings, keyring=keyring)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        pending = await _count_stale(ctx)
        if pending:
            console.print(f"resuming: {pending} rows still on older keys, finishing with {keyring.current_key_id}")
        else:
            keyring = with_new_data_key(keyring=keyring)
            # The new key is saved before any value uses it, so no ciphertext is ever orphaned.
            save_keyring(keyring=keyring, path=settings.keyring_path)
            ctx.keyring = keyring
            pending = await _count_stale(ctx)
            console.print(f"new data key {keyring.current_key_id}; re-encrypting {pending} rows")
        with Progress(
            TextColumn("[bold]re-encrypting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as progress:
            task = progress.add_task("rows", total=pending)
            done = await reseal_all(ctx, batch=batch, on_progress=lambda n: progress.advance(task, n))
        async with db.unit_of_work(ctx.engine):
            await audit.append(
                ctx=ctx, action="admin.keys_rotate", actor=None, origin=CLI,
                details={"key_id": keyring.current_key_id, "rows": done},
            )
        console.print(f"[green]done[/green]: {done} rows now on {keyring.current_key_id}")
    finally:
        await db.stop(ctx.engine)
