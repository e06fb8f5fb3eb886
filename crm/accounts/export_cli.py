"""`crm export customers`: the command-line edge of crm.accounts.export.

No business rules here: the operator names whose authority the export uses (`--as`), and the
use case applies that person's role, branch scope and clearance exactly as the API does.
Progress and messages go to stderr so that CSV on stdout stays clean for a pipe.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from crm.accounts import export, export_approval
from crm.command_line import CSV_OUTPUT, EXPORT_HELP, command_group, csv_destination, require_output_folder
from crm.staff.service import command_actor
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.security.sealing import SealBroken
from crm.settings import Settings


def register(app: typer.Typer) -> None:
    """Add `export customers` and `export request-full` to the `crm` command."""
    group = command_group(app, name="export", help=EXPORT_HELP)
    group.command("customers")(customers)
    group.command("request-full")(request_full)


def request_full(
    as_user: str = typer.Option(..., "--as", metavar="USERNAME", help="Who asks for the full export (and will run it)"),
    reason: str = typer.Option(..., "--reason", help="Why full values are needed (audited; the approver reads it)"),
    branch: str = typer.Option(None, "--branch", metavar="CODE", help="Only customers of this branch"),
    status: str = typer.Option(None, "--status", help="Only customers in this status: pending, active, frozen, closed"),
) -> None:
    """Ask for a full export: the general manager approves it in 审批待办, then run `export customers --full --approval N`."""
    err = Console(stderr=True)

    async def run() -> dict:
        from crm import db

        ctx = build_context(Settings.from_env())
        await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
        try:
            actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
            return await export_approval.request_full_export(
                ctx=ctx, actor=actor, reason=reason, branch=branch, status=status, origin=CLI
            )
        finally:
            await db.stop(ctx.engine)

    try:
        grant = asyncio.run(run())
    except DomainError as error:
        err.print(f"[red]申请被拒绝 / Request refused[/red] ({error.code}): {escape(error.message)}")
        raise typer.Exit(code=1) from None
    err.print(
        f"[green]完整导出申请 #{grant['id']} 已提交，待总经理审批 / full-export request #{grant['id']} filed[/green]; "
        f"once approved, run: crm export customers --full --approval {grant['id']} --as {escape(as_user)}"
    )


def customers(
    as_user: str = typer.Option(
        ..., "--as", metavar="USERNAME",
        help="Staff member whose role, branch scope and clearance the export uses (recorded in the audit trail)",
    ),
    output: Path = CSV_OUTPUT,
    full: bool = typer.Option(
        False, "--full", help="Full ID numbers, phones and address details, as approved (needs --approval)"
    ),
    approval: int = typer.Option(
        None, "--approval", metavar="N", min=1, max=2**31 - 1,
        help="The approved request (`crm export request-full`) a full export runs under, once",
    ),
    reason: str = typer.Option(None, "--reason", help="Why a masked export is made (audited); a full one uses the approved reason"),
    branch: str = typer.Option(None, "--branch", metavar="CODE", help="Only customers of this branch"),
    status: str = typer.Option(None, "--status", help="Only customers in this status: pending, active, frozen, closed"),
    batch: int = typer.Option(export.DEFAULT_PAGE_SIZE, "--batch", min=1, help="Rows per query"),
) -> None:
    """Customers as CSV (UTF-8 with BOM): masked unless --full under an approved request."""
    err = Console(stderr=True)
    require_output_folder(output, err)
    try:
        report = asyncio.run(
            _run(
                settings=Settings.from_env(), as_user=as_user, output=output, full=full, reason=reason,
                approval=approval, branch=branch, status=status, batch=batch, err=err,
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
    approval: int | None, branch: str | None, status: str | None, batch: int, err: Console,
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
            with csv_destination(output) as out:
                return await export.export_customers(
                    ctx=ctx, actor=actor, out=out, origin=CLI, full=full, reason=reason, approval=approval, branch=branch,
                    status=status, destination=str(output) if output is not None else "stdout", page_size=batch,
                    on_progress=on_progress,
                )
        finally:
            if progress.live.is_started:
                progress.stop()
    finally:
        await db.stop(ctx.engine)
