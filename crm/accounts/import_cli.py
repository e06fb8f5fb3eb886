"""`crm import customers FILE.csv`: the command-line face of crm.accounts.importing."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from crm.common.csv_writer import ENCODING
from crm.context import CLI, build_context
from crm.errors import DomainError
from crm.settings import Settings
from crm.staff.service import command_actor

import_app = typer.Typer(help="Bulk import from the old system", no_args_is_help=True)
console = Console(stderr=True)


@import_app.command("customers")
def import_customers_command(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV with a header row"),
    as_user: str = typer.Option(..., "--as", help="Staff member the accounts are opened for (front desk)"),
    encoding: str = typer.Option(None, help="utf-8, gbk, gb18030 …; detected when omitted"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; write nothing"),
    errors: Path = typer.Option(None, help="Error report CSV (default: FILE.errors.csv)"),
    batch_size: int = typer.Option(1000, min=1, max=20_000, help="Rows per transaction"),
) -> None:
    """Validate every row like the open-account form and import in batches (rerun-safe)."""
    errors_path = errors or file.with_name(file.name + ".errors.csv")
    ok = asyncio.run(_run(file=file, as_user=as_user, encoding=encoding, dry_run=dry_run,
                          errors_path=errors_path, batch_size=batch_size))
    if not ok:
        raise typer.Exit(code=1)


async def _run(*, file: Path, as_user: str, encoding: str | None, dry_run: bool, errors_path: Path, batch_size: int) -> bool:
    from crm import db
    from crm.accounts.importing import import_customers

    ctx = build_context(Settings.from_env())
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    size = os.path.getsize(file)
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rate]} rows/s"), TimeRemainingColumn())
    try:
        with open(file, "rb") as source, open(errors_path, "w", encoding=ENCODING, newline="") as errors_out, \
                Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("导入 / importing" if not dry_run else "校验 / validating", total=size, rate="-")
            started = asyncio.get_running_loop().time()

            def on_progress(report, position: int) -> None:
                elapsed = max(asyncio.get_running_loop().time() - started, 1e-6)
                progress.update(task, completed=position, rate=f"{report.rows / elapsed:,.0f}")

            actor = await command_actor(ctx=ctx, username=as_user, origin=CLI)
            report = await import_customers(
                ctx=ctx, actor=actor, source=source, source_name=file.name, origin=CLI, errors_out=errors_out,
                encoding=encoding, dry_run=dry_run, batch_size=batch_size, on_progress=on_progress,
            )
    except DomainError as error:
        console.print(f"[red]{error.message}[/red] ({error.code})")
        return False
    finally:
        await db.stop(ctx.engine)
    verb = "可导入 / would import" if dry_run else "已导入 / imported"
    console.print(
        f"{verb}: {report.imported}  重复跳过 / duplicates skipped: {report.duplicates}  "
        f"拒绝 / rejected: {report.rejected}  行 / rows: {report.rows}  编码 / encoding: {report.encoding}"
    )
    if report.duplicates or report.rejected:
        console.print(f"错误报告 / error report: {errors_path}")
    else:
        errors_path.unlink(missing_ok=True)
    if report.first_account_no:
        console.print(f"户号 / account numbers: {report.first_account_no} … {report.last_account_no}")
    return True


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(import_app())
