"""`crm init | serve | demo | import | export customers/audit | backup | restore | keys rotate | audit verify`."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table as RichTable

from crm.common.private_files import private_dir
from crm.context import CLI, build_context, ensure_keyring
from crm.errors import ConfigurationError
from crm.settings import Settings

app = typer.Typer(help="Utility CRM & Archives", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Keyring: field-encryption keys", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
console = Console()


def _settings() -> Settings:
    return Settings.from_env()


async def _init(settings: Settings, fixtures: Path | None, with_customers: bool) -> None:
    from crm import db, seed

    private_dir(settings.data_dir)
    keyring = ensure_keyring(settings)
    ctx = build_context(settings, keyring=keyring)
    await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
    try:
        await seed.initialise(ctx)
        if fixtures is not None:
            counts = await seed.load_staff_fixtures(ctx, fixtures)
            console.print(f"branches added: {counts['branches']}, staff added: {counts['staff']}")
            if with_customers:
                with console.status("loading demo customers…"):
                    created = await seed.load_demo_customers(ctx, fixtures)
                console.print(f"customers added: {created}")
                with console.status("loading demo contracts and archives…"):
                    more = await seed.load_package_demos(ctx, fixtures)
                console.print(", ".join(f"{name} added: {n}" for name, n in more.items()))
    finally:
        await db.stop(ctx.engine)
    where = str(db.sqlite_path(settings.database_url)) if settings.is_sqlite else settings.database_url
    console.print(f"[green]database ready[/green]: {where}")
    console.print(f"keyring: {settings.keyring_path} (keep it outside database backups)")


@app.command()
def init(
    fixtures: Path = typer.Option(None, help="Folder with branches.json / staff.json to load"),
) -> None:
    """Create or upgrade the schema (idempotent); optionally load fixtures."""
    asyncio.run(_init(_settings(), fixtures, with_customers=False))


@app.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Serve after loading"),
) -> None:
    """Initialise with fixtures/demo, print the demo logins and serve."""
    from crm.seed import FIXTURES, demo_logins

    settings = _settings()
    folder = FIXTURES / "demo"
    asyncio.run(_init(settings, folder, with_customers=True))
    table = RichTable(title="演示账号 Demo logins")
    for column in ("username", "role", "branch", "password"):
        table.add_column(column)
    for person in demo_logins(folder):
        table.add_row(person["username"], person["role"], person["branch"], person["password"])
    console.print(table)
    if serve_after:
        _serve(workers=1)


@app.command()
def serve(workers: int = typer.Option(1, help="Worker processes")) -> None:
    """Serve the web pages and API on CRM_HOST:CRM_PORT."""
    _serve(workers=workers)


def _serve(*, workers: int) -> None:
    import uvicorn

    settings = _settings()
    console.print(f"serving on http://{settings.host}:{settings.port}")
    uvicorn.run(
        "crm.asgi:app", host=settings.host, port=settings.port, workers=workers,
        log_level="info", proxy_headers=False,
    )


@keys_app.command("rotate")
def keys_rotate(batch: int = typer.Option(500, help="Rows per transaction")) -> None:
    """Add a new data key and re-encrypt every sealed value with it (resumable)."""
    from crm.rotation import rotate

    asyncio.run(rotate(_settings(), batch=batch, console=console))


@audit_app.command("verify")
def audit_verify() -> None:
    """Re-derive the audit hash chain and report any tampering."""
    from crm.audit import service

    async def run() -> bool:
        ctx = build_context(_settings())
        from crm import db

        await db.start(ctx.engine, pool_size=ctx.settings.db_pool_size)
        try:
            report = await service.verify(ctx=ctx, actor=None, origin=CLI)
        finally:
            await db.stop(ctx.engine)
        if report.ok:
            console.print(f"[green]audit chain intact[/green]: {report.checked} events checked")
        else:
            console.print(f"[red]audit chain BROKEN[/red]: {report.checked} events checked")
            for problem in report.problems:
                console.print(f"  seq {problem.seq}: {problem.kind} — {problem.message}")
        return report.ok

    if not asyncio.run(run()):
        raise typer.Exit(code=1)


# Sub-commands by module name: other packages' commands join without crm importing them
# (dependencies point one way, ARCHITECTURE.md). Each module has register(app).
COMMAND_MODULES = (
    "crm.accounts.import_cli", "crm.accounts.export_cli", "crm.audit.export_cli", "crm.backup_cli", "archives.cli",
)


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


_register_commands()


def main() -> None:
    try:
        app()
    except ConfigurationError as exc:
        # The operator's to fix, not a crash: the message alone, and the usage-error status.
        Console(stderr=True).print(f"[red]crm:[/red] {exc}", highlight=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
