"""`crm export customers`: the command-line edge of crm.accounts.export.

No business rules here: the operator names whose authority the export uses (`--as`), and the
use case applies that person's role, branch scope and clearance exactly as the API does.
Progress and messages go to stderr so that CSV on stdout stays clean for a pipe.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Iterator, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crm.accounts import export
from crm.staff.service import command_actor
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.security.sealing import SealBroken
from crm.settings import Settings

export_app = typer.Typer(help="Export data (导出)", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `export customers` to the `crm` command."""
    app.add_typer(export_app, name="export")


@export_app.command("customers")
def customers(
    as_user: str = typer.Option(
        ..., "--as", metavar="USERNAME",
        help="Staff member whose role, branch scope and clearance the export uses (recorded in the audit trail)",
    ),
    output: Path = typer.Option(
        None, "--output", "-o", dir_okay=False,
        help="CSV file to write (created 0600, replaced only when the export succeeds); default stdout",
    ),
    full: bool = typer.Option(False, "--full", help="Full ID numbers, phones and address details instead of masked ones"),
    reason: str = typer.Option(None, "--reason", help="Why full values are needed (required with --full; audited)"),
    branch: str = typer.Option(None, "--branch", metavar="CODE", help="Only customers of this branch"),
    status: str = typer.Option(None, "--status", help="Only customers in this status: pending, active, frozen, closed"),
    batch: int = typer.Option(export.DEFAULT_PAGE_SIZE, "--batch", min=1, help="Rows per query"),
) -> None:
    """Customers as CSV (UTF-8 with BOM): masked unless --full with --reason."""
    err = Console(stderr=True)
    if output is not None and not output.parent.is_dir():
        err.print(f"[red]no such folder[/red]: {escape(str(output.parent))}")
        raise typer.Exit(code=1)
    try:
        report = asyncio.run(
            _run(
                settings=Settings.from_env(), as_user=as_user, output=output, full=full, reason=reason,
                branch=branch, status=status, batch=batch, err=err,
            )
        )
    except DomainError as error:
        err.print(f"[red]导出被拒绝 / Export refused[/red] ({error.code}): {escape(error.message)}")
        raise typer.Exit(code=1) from None
    except SealBroken:
        # Not the operator's doing: the keyring does not match the database, or a row was altered.
        err.print(
            "[red]导出中止 / Export aborted[/red]: 加密字段无法解密（密钥文件不匹配或数据被篡改） / "
            "a sealed value could not be opened (wrong keyring, or the row was tampered with); no file was written"
        )
        raise typer.Exit(code=1) from None
    kind = "full values" if report.full else "masked"
    where = str(output) if output is not None else "stdout"
    err.print(
        f"[green]exported {report.rows} customers[/green] ({kind}) to {escape(where)}; audit event #{report.audit_seq}"
    )


async def _run(
    *, settings: Settings, as_user: str, output: Path | None, full: bool, reason: str | None,
    branch: str | None, status: str | None, batch: int, err: Console,
) -> export.ExportReport:
    from crm import db

    ctx = build_context(settings)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
        progress = Progress(
            TextColumn("[bold]exporting customers"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=err,
        )
        task = progress.add_task("customers", total=None)

        def on_progress(done: int, total: int) -> None:
            # Shown from the first page on, so a refused export prints its refusal and nothing else.
            if not progress.live.is_started:
                progress.start()
            progress.update(task, completed=done, total=total)

        try:
            with _destination(output) as out:
                return await export.export_customers(
                    ctx=ctx, actor=actor, out=out, origin=CLI, full=full, reason=reason, branch=branch,
                    status=status, destination=str(output) if output is not None else "stdout", page_size=batch,
                    on_progress=on_progress,
                )
        finally:
            if progress.live.is_started:
                progress.stop()
    finally:
        await db.stop(ctx.engine)


@contextlib.contextmanager
def _destination(output: Path | None) -> Iterator[TextIO]:
    if output is None:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # stdout replaced by a text-only stream: nothing better to offer
            yield sys.stdout
            return
        sys.stdout.flush()
        # Bytes underneath, so the CSV is UTF-8 whatever the terminal's locale says.
        stream = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=True)
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()  # leave stdout open for the rest of the process
        return
    # Written beside the target and moved into place on success: a refused or failed export
    # leaves an existing file as it was and never a half-written one. mkstemp creates it 0600,
    # which suits a file of personal data.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(tmp_name, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
