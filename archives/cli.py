"""`crm archives fixity`: the command-line edge of archives.fixity (R-AR-04).

Exit status 0 when every file is intact, 2 when the check found changed, missing or
unreadable files (so a cron job can alert), 1 when the check could not run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from archives import documents, fixity, schemas
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.settings import Settings
from crm.staff.service import command_actor

archives_app = typer.Typer(help="Contract archives (合同档案)", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(archives_app, name="archives")


@archives_app.command("fixity")
def fixity_command(
    as_user: str = typer.Option(..., "--as", metavar="USERNAME",
                                help="The archivist running the check (recorded in the audit trail)"),
) -> None:
    """Re-hash every archive file and report changed, missing and unreadable ones."""
    err = Console(stderr=True)
    try:
        report = asyncio.run(_run(settings=Settings.from_env(), as_user=as_user, err=err))
    except DomainError as error:
        err.print(f"[red]检查被拒绝 / Check refused[/red] ({error.code}): {escape(error.message)}")
        raise typer.Exit(code=1) from None
    out = Console()
    for problem in report.problems:
        out.print(f"{problem.problem}\t{problem.archive_no or '-'}\t{problem.contract_no}\t{problem.file_id}\t"
                  f"{escape(problem.filename)}")
    colour = "green" if not report.problems else "red"
    err.print(f"[{colour}]{report.checked} files checked, {report.ok} intact, {len(report.problems)} with problems[/{colour}]")
    if report.problems:
        raise typer.Exit(code=2)


@archives_app.command("catalogue")
def catalogue_command(
    year: int = typer.Option(..., "--year", min=1900, max=2200, help="The records' year (年度)"),
    output: Path = typer.Option(..., "--output", "-o", dir_okay=False, help="PDF file to write"),
    as_user: str = typer.Option(..., "--as", metavar="USERNAME", help="The archivist printing it"),
) -> None:
    """案卷目录: the archive catalogue of one year as PDF, with a progress bar for large years."""
    err = Console(stderr=True)
    try:
        pdf = asyncio.run(_catalogue(settings=Settings.from_env(), year=year, as_user=as_user, err=err))
    except DomainError as error:
        err.print(f"[red]打印被拒绝 / Refused[/red] ({error.code}): {escape(error.message)}")
        raise typer.Exit(code=1) from None
    output.write_bytes(pdf)
    err.print(f"[green]written[/green] {escape(str(output))} ({len(pdf) // 1024} KB)")


async def _catalogue(*, settings: Settings, year: int, as_user: str, err: Console) -> bytes:
    from crm import db

    ctx = build_context(settings)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
        with Progress(TextColumn("[bold]laying out the catalogue"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err) as progress:
            task = progress.add_task("rows", total=None)
            return await documents.catalogue_pdf(
                ctx=ctx, actor=actor, year=year,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    finally:
        await db.stop(ctx.engine)


async def _run(*, settings: Settings, as_user: str, err: Console) -> schemas.FixityReport:
    from crm import db

    ctx = build_context(settings)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
        progress = Progress(TextColumn("[bold]checking files"), BarColumn(), MofNCompleteColumn(),
                            TimeRemainingColumn(), console=err)
        task = progress.add_task("files", total=None)

        def on_progress(done: int, total: int) -> None:
            # Started with the first file, so a refusal prints the refusal and nothing else.
            if not progress.live.is_started:
                progress.start()
            progress.update(task, completed=done, total=total)

        try:
            return await fixity.run_fixity_check(ctx=ctx, actor=actor, origin=CLI, progress=on_progress)
        finally:
            if progress.live.is_started:
                progress.stop()
    finally:
        await db.stop(ctx.engine)
