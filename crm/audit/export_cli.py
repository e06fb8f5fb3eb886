"""`crm export audit`: the command-line edge of crm.audit.export.

No business rules here: `--as` names the auditor whose ``audit.read`` the export uses, and the
use case checks it. Messages go to stderr so that CSV on stdout stays clean for a pipe.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from crm.audit import export
from crm.command_line import CSV_OUTPUT, EXPORT_HELP, command_group, csv_destination, require_output_folder
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.settings import Settings
from crm.staff.service import command_actor


def register(app: typer.Typer) -> None:
    """Add `export audit` to the `crm` command."""
    command_group(app, name="export", help=EXPORT_HELP).command("audit")(audit_events)


def audit_events(
    as_user: str = typer.Option(
        ..., "--as", metavar="USERNAME",
        help="Staff member with audit.read (the auditor) whose authority the export uses (recorded in the audit trail)",
    ),
    from_date: dt.datetime = typer.Option(
        None, "--from", formats=["%Y-%m-%d"], help="First day (Beijing time, included), YYYY-MM-DD",
    ),
    to_date: dt.datetime = typer.Option(
        None, "--to", formats=["%Y-%m-%d"], help="Last day (Beijing time, included), YYYY-MM-DD",
    ),
    output: Path = CSV_OUTPUT,
) -> None:
    """Audit trail as CSV (UTF-8 with BOM), oldest first, hashes included."""
    err = Console(stderr=True)
    require_output_folder(output, err)
    try:
        report = asyncio.run(_run(
            settings=Settings.from_env(), as_user=as_user, output=output,
            from_date=from_date.date() if from_date else None, to_date=to_date.date() if to_date else None,
        ))
    except DomainError as error:
        err.print(f"[red]导出被拒绝 / Export refused[/red] ({error.code}): {escape(error.message)}")
        raise typer.Exit(code=1) from None
    where = str(output) if output is not None else "stdout"
    err.print(f"[green]exported {report.rows} audit events[/green] to {escape(where)}; audit event #{report.audit_seq}")


async def _run(
    *, settings: Settings, as_user: str, output: Path | None, from_date: dt.date | None, to_date: dt.date | None,
) -> export.AuditExportReport:
    from crm import db

    ctx = build_context(settings)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
        with csv_destination(output) as out:
            return await export.export_audit_events(
                ctx=ctx, actor=actor, out=out, origin=CLI, from_date=from_date, to_date=to_date,
                destination=str(output) if output is not None else "stdout",
            )
    finally:
        await db.stop(ctx.engine)
