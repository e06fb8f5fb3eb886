"""The data directory is the owner's alone: folders 0700, files 0600 (issue 14 finding 8; SPEC §6 R-PM-04).

``crm.sqlite3`` and its ``-wal``/``-shm``, the keyring, the stored (encrypted) archive files,
a backup archive and what a restore puts back are created readable by their owner only, whatever
the process's umask would have allowed (0644 and 0755 under the usual 022).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archives import storage
from crm import backup as backups
from crm import db
from crm.cli import app as crm_cli
from tests.conftest import FIXTURES
from tests.integration.test_backup import open_customer, target, target_url  # noqa: F401  (fixtures)

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

BLOB_KEY = "f" * 32


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most systems start with: without the fixes, files come out 0644 and folders 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def modes(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (``root`` included) → its permission bits, in octal."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def not_private(root: Path) -> dict[str, str]:
    return {
        name: mode
        for name, mode in modes(root).items()
        if mode != ("0o700" if (root / name).is_dir() else "0o600")
    }


def test_crm_init_creates_a_private_data_directory(tmp_path, monkeypatch):
    data_dir = tmp_path / "var"
    monkeypatch.setenv("CRM_DATA_DIR", str(data_dir))
    monkeypatch.delenv("CRM_DATABASE_URL", raising=False)
    monkeypatch.delenv("CRM_KEYRING", raising=False)
    monkeypatch.setenv("CRM_DB_POOL_SIZE", "0")

    result = CliRunner().invoke(crm_cli, ["init", "--fixtures", str(FIXTURES / "demo")], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert {"crm.sqlite3", "keyring.json"} <= set(modes(data_dir))
    assert not_private(data_dir) == {}


@ON_SQLITE
async def test_the_database_and_its_write_ahead_log_are_private_while_in_use(ctx):
    path = db.sqlite_path(ctx.settings.database_url)

    await open_customer(ctx, 1)  # a write, so the -wal and -shm exist beside the open database

    files = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in path.parent.glob(f"{path.name}*")}
    assert {path.name, f"{path.name}-wal", f"{path.name}-shm"} <= set(files)
    assert set(files.values()) == {"0o600"}, files


@ON_SQLITE
async def test_stored_archive_files_and_their_folders_are_private(ctx):
    storage.blob_store(ctx).put(BLOB_KEY, b"ciphertext")

    assert (ctx.settings.archive_blob_dir / BLOB_KEY[:2] / BLOB_KEY[2:4] / BLOB_KEY).is_file()
    assert not_private(ctx.settings.data_dir) == {}


@ON_SQLITE
async def test_a_backup_and_what_a_restore_puts_back_are_private(ctx, target, tmp_path):
    await open_customer(ctx, 2)
    storage.blob_store(ctx).put(BLOB_KEY, b"ciphertext")
    archive = tmp_path / "backups" / "crm.tar.gz"

    await backups.backup(ctx=ctx, path=archive)
    await backups.restore(ctx=target, path=archive)

    assert oct(stat.S_IMODE(archive.stat().st_mode)) == "0o600"
    assert oct(stat.S_IMODE(archive.parent.stat().st_mode)) == "0o700"
    restored = target.settings.data_dir
    assert (restored / "files" / "archives" / BLOB_KEY[:2] / BLOB_KEY[2:4] / BLOB_KEY).is_file()
    assert not_private(restored) == {}
    restored_db = db.sqlite_path(target.settings.database_url)
    assert oct(stat.S_IMODE(restored_db.stat().st_mode)) == "0o600"
