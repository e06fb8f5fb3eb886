"""`crm backup FILE` and `crm restore FILE` (the use cases live in crm.backup)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

import typer
from rich.console import Console

from crm.context import AppContext, build_context
from crm.errors import DomainError
from crm.settings import Settings

T = TypeVar("T")
console = Console()


def register(app: typer.Typer) -> None:
    """Add the `backup` and `restore` commands to the `crm` application."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(
    file: Path = typer.Argument(..., help="Archive to write (gzip-compressed tar, e.g. crm-2026-11-25.tar.gz)"),
) -> None:
    """Consistent online backup of the database and stored files (never the keyring)."""
    from crm import backup

    async def use_case(ctx: AppContext):
        return await backup.backup(ctx=ctx, path=file, console=console)

    console.print(f"backing up to {file}")
    report = _run(use_case)
    console.print(
        f"[green]backup written[/green]: {report.path} ({report.size_bytes} bytes; {report.rows} rows in "
        f"{len(report.tables)} tables, {report.files} stored files)"
    )
    console.print("The keyring is NOT in the backup: keep it separately; without it the backup is unreadable.")


def restore_command(
    file: Path = typer.Argument(..., help="Archive written by `crm backup`"),
) -> None:
    """Restore a backup into an empty database (needs the keyring of the backup's time)."""
    from crm import backup

    async def use_case(ctx: AppContext):
        return await backup.restore(ctx=ctx, path=file, console=console)

    console.print(f"restoring from {file}")
    report = _run(use_case)
    console.print(
        f"[green]restored[/green]: {report.rows} rows in {len(report.tables)} tables, {report.files} stored files "
        f"(backup taken {report.backup_created_at}); run `crm audit verify` to check the audit chain"
    )


def _run(use_case: Callable[[AppContext], Awaitable[T]]) -> T:
    """Run a use case with a started engine; a refusal prints its code and exits with status 1."""
    from crm import db

    async def go() -> T:
        ctx = build_context(Settings.from_env())
        await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
        try:
            return await use_case(ctx)
        finally:
            await db.stop(ctx.engine)

    try:
        return asyncio.run(go())
    except DomainError as error:
        console.print(f"[red]refused[/red] ({error.code}): {error.message}", highlight=False)
        raise typer.Exit(code=1) from None
