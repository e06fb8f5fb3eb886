"""What the `crm` commands share at the command-line edge: groups several packages add to
(`crm export customers`, `crm export audit`) and where an export's CSV goes.

Each command module registers itself (crm/cli.py `COMMAND_MODULES`) without knowing the others,
so whichever comes first creates a group and the rest join it.
"""

from __future__ import annotations

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

from crm.common.csv_writer import ENCODING

__all__ = ["CSV_OUTPUT", "EXPORT_HELP", "command_group", "csv_destination", "require_output_folder"]

EXPORT_HELP = "Export data (导出)"
CSV_OUTPUT = typer.Option(
    None, "--output", "-o", dir_okay=False,
    help="CSV file to write (created 0600, replaced only when the export succeeds); default stdout",
)


def command_group(app: typer.Typer, *, name: str, help: str) -> typer.Typer:
    """``app``'s sub-command group ``name``, created on first use."""
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            return group.typer_instance
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def require_output_folder(output: Path | None, err: Console) -> None:
    """Refuse before any work, rather than after an export that has nowhere to go."""
    if output is not None and not output.parent.is_dir():
        err.print(f"[red]no such folder[/red]: {escape(str(output.parent))}")
        raise typer.Exit(code=1)


@contextlib.contextmanager
def csv_destination(output: Path | None) -> Iterator[TextIO]:
    """A text stream for crm.common.csv_writer: ``output`` (0600, in place only on success) or stdout."""
    if output is None:
        binary = getattr(sys.stdout, "buffer", None)
        if binary is None:  # stdout replaced by a text-only stream: nothing better to offer
            yield sys.stdout
            return
        sys.stdout.flush()
        # Bytes underneath, so the CSV is UTF-8 whatever the terminal's locale says.
        stream = io.TextIOWrapper(binary, encoding=ENCODING, newline="", write_through=True)
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
        with os.fdopen(fd, "w", encoding=ENCODING, newline="") as stream:
            yield stream
        os.replace(tmp_name, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
