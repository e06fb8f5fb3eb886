"""`crm backup` / `crm restore` on both engines: a restored copy has every row, its audit
chain verifies, the keyring never enters the archive, and bad input changes nothing."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import os
import tarfile
from pathlib import Path
from typing import AsyncIterator

import asyncpg
import pytest
import typer
from typer.testing import CliRunner

from crm import backup as backups
from crm import db, seed
from crm.accounts import service as accounts
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.tables import Customer
from crm.audit import service as audit
from crm.audit.tables import AuditEvent
from crm.backup_cli import register
from crm.context import CLI, AppContext, build_context
from crm.security.keyring import generate_keyring, save_keyring
from crm.seed import actor_for
from tests.conftest import FIXTURES
from tests.integration.conftest import new_customer

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(n: int) -> str:
    """The n-th valid 18-digit resident ID (distinct for n < 1000)."""
    body = f"110101{1950 + n % 50:04d}0101{n:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


async def open_customer(ctx: AppContext, n: int) -> None:
    body = new_customer(id_number=resident_id(n), phone=f"138{n:08d}", contact_phone="13900000000")
    address = body.pop("address")
    await accounts.open_account(
        ctx=ctx, actor=await actor_for(username="frontdesk"), origin=CLI, data=CustomerInput(**body, **address)
    )


async def counts(ctx: AppContext) -> dict[str, int]:
    db.bind_tables(ctx.engine)
    return {table._meta.tablename: await table.count() for table in backups.application_tables()}


async def table_names(ctx: AppContext) -> set[str]:
    db.bind_tables(ctx.engine)
    return {t._meta.tablename for t in backups.application_tables() if await t.table_exists()}


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def rewrite(archive: Path, target: Path, *, manifest=None, extra: dict[str, bytes] | None = None, drop=()) -> Path:
    """A copy of ``archive`` with its manifest edited by ``manifest(dict)``, members added or dropped."""
    content = {name: data for name, data in members(archive).items() if not any(map(name.startswith, drop))}
    document = json.loads(content.pop(backups.MANIFEST))
    if manifest:
        manifest(document)
    ordered = {backups.MANIFEST: json.dumps(document).encode(), **content, **(extra or {})}
    with tarfile.open(target, "w:gz") as tar:
        for name, data in ordered.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


DAMAGES = [
    ("not_a_backup", backups.NotABackup),
    ("tar_without_manifest", backups.NotABackup),
    ("truncated", backups.CorruptBackup),
    ("flipped_byte", backups.CorruptBackup),
    ("wrong_checksum", backups.CorruptBackup),
    ("unsafe_name", backups.CorruptBackup),
    ("no_database", backups.CorruptBackup),
    ("unknown_version", backups.UnsupportedBackupVersion),
    ("other_engine", backups.EngineMismatch),
    ("other_schema", backups.SchemaMismatch),
    ("missing_key", backups.KeyringMismatch),
]


def damaged(good: Path, bad: Path, *, damage: str, other_engine: str) -> Path:
    data = good.read_bytes()
    if damage == "not_a_backup":
        bad.write_bytes(b"%PDF-1.7 definitely not an archive" * 100)
    elif damage == "tar_without_manifest":
        with tarfile.open(bad, "w:gz") as tar:
            tar.add(__file__, arcname="notes.py")
    elif damage == "truncated":
        bad.write_bytes(data[: len(data) * 2 // 3])
    elif damage == "flipped_byte":
        at = len(data) * 2 // 3
        bad.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    elif damage == "wrong_checksum":
        rewrite(good, bad, manifest=lambda m: m["members"][0].update(sha256="0" * 64))
    elif damage == "unsafe_name":
        escape = {"name": "files/../../escaped.txt", "size": 1, "sha256": "0" * 64}
        rewrite(good, bad, manifest=lambda m: m["members"].append(escape), extra={escape["name"]: b"x"})
    elif damage == "no_database":
        def without_database(m):
            m["members"] = [x for x in m["members"] if not x["name"].startswith("database/")]
        rewrite(good, bad, manifest=without_database, drop=["database/"])
    elif damage == "unknown_version":
        rewrite(good, bad, manifest=lambda m: m.update(format_version=99))
    elif damage == "other_engine":
        rewrite(good, bad, manifest=lambda m: m.update(engine=other_engine))
    elif damage == "other_schema":
        rewrite(good, bad, manifest=lambda m: m["migrations"].append({"app": "accounts", "id": "2099-01-01"}))
    elif damage == "missing_key":
        rewrite(good, bad, manifest=lambda m: m.update(keyring_key_ids=["k1", "k7"]))
    return bad


def _restore_database_url(database_url: str) -> tuple[str, str]:
    base, name = database_url.rsplit("/", 1)
    return f"{base}/{name}_restore", f"{name}_restore"


async def _recreate_database(admin_url: str, name: str, *, create: bool) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture
def target_url(database_url, tmp_path) -> str:
    """A second, empty database: a new SQLite file, or `<db>_restore` on the PostgreSQL server."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url, name = _restore_database_url(database_url)
    asyncio.run(_recreate_database(database_url, name, create=True))
    yield url
    asyncio.run(_recreate_database(database_url, name, create=False))


@pytest.fixture
async def target(ctx, settings, target_url, tmp_path) -> AsyncIterator[AppContext]:
    """A context on the empty database with its own data dir and the source's keyring."""
    restored_dir = tmp_path / "restored"
    context = build_context(
        settings.with_(database_url=target_url, data_dir=restored_dir, keyring_path=restored_dir / "keyring.json"),
        clock=ctx.clock,
        keyring=ctx.keyring,
    )
    db.bind_tables(ctx.engine)  # tests start on the source; backup/restore bind their own
    try:
        yield context
    finally:
        await db.stop(context.engine)


class TestRoundTrip:
    async def test_restore_into_an_empty_database_has_every_row_and_a_verifiable_chain(self, ctx, target, tmp_path):
        for n in range(3):
            await open_customer(ctx, n)
        await audit.append_alone(ctx=ctx, action="test.event", actor="auditor", origin=CLI, details={"n": 1})
        ctx.settings.files_dir.joinpath("archives/2026").mkdir(parents=True)
        ctx.settings.files_dir.joinpath("archives/2026/scan-0001.bin").write_bytes(b"\x00blob" * 1000)
        ctx.settings.files_dir.joinpath("readme.txt").write_text("档案", encoding="utf-8")
        save_keyring(keyring=ctx.keyring, path=ctx.settings.keyring_path)  # the default: inside the data dir
        before = await counts(ctx)
        archive = tmp_path / "backups" / "crm.tar.gz"

        made = await backups.backup(ctx=ctx, path=archive)
        # `crm init` without fixtures leaves the genesis audit head: that still counts as empty.
        db.bind_tables(target.engine)
        await seed.initialise(target)
        restored = await backups.restore(ctx=target, path=archive)

        after = await counts(target)
        assert made.tables == before and restored.tables == before
        assert after == {**before, "audit_event": before["audit_event"] + 1}  # + system.restore
        report = await audit.verify(ctx=target, actor=None, origin=CLI)
        assert report.ok and report.checked == before["audit_event"] + 1
        assert await AuditEvent.select(AuditEvent.action).where(AuditEvent.seq == restored.audit_seq).first() == {
            "action": "system.restore"
        }
        assert target.settings.files_dir.joinpath("archives/2026/scan-0001.bin").read_bytes() == b"\x00blob" * 1000
        assert target.settings.files_dir.joinpath("readme.txt").read_text(encoding="utf-8") == "档案"
        # Sealed values open, blind indexes find, and new rows get fresh ids (sequences moved on).
        assert await accounts.find_by_id_number(target, resident_id(1)) is not None
        await open_customer(target, 3)
        assert await Customer.count() == 4
        content = members(archive)
        manifest = json.loads(content[backups.MANIFEST])
        assert not any("keyring" in name for name in content)
        assert {"manifest.json", "files/archives/2026/scan-0001.bin", "files/readme.txt"} <= set(content)
        assert manifest["engine"] == ("sqlite" if ctx.settings.is_sqlite else "postgres")
        assert manifest["keyring_key_ids"] == ["k1"]
        assert {t["name"]: t["rows"] for t in manifest["tables"]} == before
        assert archive.stat().st_mode & 0o077 == 0

    async def test_the_keyring_never_enters_the_archive_even_inside_the_stored_files(self, ctx, tmp_path):
        files = ctx.settings.files_dir
        files.mkdir(parents=True)
        (files / "kept.txt").write_text("kept")
        inside = files / "secrets" / "keyring.json"
        ctx.settings = ctx.settings.with_(keyring_path=inside)
        save_keyring(keyring=ctx.keyring, path=inside)
        save_keyring(keyring=ctx.keyring, path=files / "keyring.json")
        (files / ".keyring.json.x1y2.tmp").write_text(inside.read_text())
        archive = tmp_path / "crm.tar.gz"

        await backups.backup(ctx=ctx, path=archive)

        raw = gzip.decompress(archive.read_bytes())
        secrets = [*ctx.keyring.data_keys.values(), ctx.keyring.index_key, ctx.keyring.audit_key]
        assert {name for name in members(archive) if name.startswith("files/")} == {"files/kept.txt"}
        for key in secrets:
            assert key not in raw and base64.b64encode(key) not in raw


class TestRefusals:
    async def test_a_target_holding_data_is_refused_and_left_unchanged(self, ctx, tmp_path):
        await open_customer(ctx, 0)
        archive = tmp_path / "crm.tar.gz"
        await backups.backup(ctx=ctx, path=archive)
        before = await counts(ctx)

        with pytest.raises(backups.TargetNotEmpty) as refused:
            await backups.restore(ctx=ctx, path=archive)

        assert refused.value.code == "backup.not_empty"
        assert await counts(ctx) == before

    async def test_stored_files_in_the_target_are_refused_before_the_database_is_touched(self, ctx, target, tmp_path):
        archive = tmp_path / "crm.tar.gz"
        await backups.backup(ctx=ctx, path=archive)
        target.settings.files_dir.mkdir(parents=True)
        (target.settings.files_dir / "left-over.bin").write_bytes(b"x")

        with pytest.raises(backups.TargetNotEmpty):
            await backups.restore(ctx=target, path=archive)

        assert await table_names(target) == set()

    async def test_bad_archives_are_refused_with_a_code_and_nothing_is_written(self, ctx, target, tmp_path):
        # Incompressible stored bytes put the "flipped" and "truncated" damage well after the manifest:
        # the reader decompresses 10 KB at a time, and damage inside the manifest's own chunk makes
        # the file unreadable from the start (NotABackup, by design) — in a small archive that would
        # depend on the random keyring's ciphertexts.
        ctx.settings.files_dir.mkdir(parents=True, exist_ok=True)
        ctx.settings.files_dir.joinpath("scan.bin").write_bytes(os.urandom(64 * 1024))
        good = tmp_path / "good.tar.gz"
        await backups.backup(ctx=ctx, path=good)
        other_engine = "postgres" if ctx.settings.is_sqlite else "sqlite"

        for damage, error in DAMAGES:
            bad = damaged(good, tmp_path / f"{damage}.tar.gz", damage=damage, other_engine=other_engine)
            with pytest.raises(error) as refused:
                await backups.restore(ctx=target, path=bad)

            assert refused.value.code.startswith("backup."), damage
            assert await table_names(target) == set(), damage
            assert not target.settings.files_dir.exists(), damage
            assert not (tmp_path / "escaped.txt").exists(), damage

    async def test_another_keyring_is_refused_and_no_row_is_loaded(self, ctx, target, tmp_path):
        await open_customer(ctx, 0)
        archive = tmp_path / "crm.tar.gz"
        await backups.backup(ctx=ctx, path=archive)
        # Same key id "k1", different key bytes: as if the keyring of another installation.
        target.keyring = generate_keyring()

        with pytest.raises(backups.KeyringMismatch):
            await backups.restore(ctx=target, path=archive)

        # Only what the migrations themselves seed (the five contract types) is there.
        assert {name: n for name, n in (await counts(target)).items() if n} == {"contract_type": 5}

    async def test_an_existing_archive_is_never_overwritten(self, ctx, tmp_path):
        archive = tmp_path / "crm.tar.gz"
        archive.write_bytes(b"earlier backup")

        with pytest.raises(backups.BackupFileExists):
            await backups.backup(ctx=ctx, path=archive)

        assert archive.read_bytes() == b"earlier backup"

    async def test_an_archive_inside_the_stored_files_is_refused(self, ctx):
        with pytest.raises(backups.BackupInsideStoredFiles):
            await backups.backup(ctx=ctx, path=ctx.settings.files_dir / "crm.tar.gz")


class TestOnlineBackup:
    async def test_a_backup_taken_while_customers_are_being_opened_is_one_consistent_snapshot(
        self, ctx, target, tmp_path, monkeypatch
    ):
        stop = asyncio.Event()
        opened = 0

        async def front_desk() -> None:
            nonlocal opened
            while not stop.is_set():
                await open_customer(ctx, opened)
                opened += 1

        async def wait_for(count: int) -> None:
            while opened < count:
                await asyncio.sleep(0.005)

        # On PostgreSQL, make sure the front desk commits between copying two tables.
        copy_table = asyncpg.connection.Connection.copy_from_table

        async def copy_with_a_pause(self, table_name, **kwargs):
            status = await copy_table(self, table_name, **kwargs)
            if table_name == "audit_event":
                await wait_for(opened + 1)
            return status

        monkeypatch.setattr(asyncpg.connection.Connection, "copy_from_table", copy_with_a_pause)
        writer = asyncio.create_task(front_desk())
        await wait_for(3)
        archive = tmp_path / "crm.tar.gz"

        made = await backups.backup(ctx=ctx, path=archive)
        await wait_for(opened + 2)
        stop.set()
        await writer
        restored = await backups.restore(ctx=target, path=archive)

        in_backup = made.tables["customer"]
        assert 3 <= in_backup < opened  # taken while the writer was running
        assert (await counts(target))["customer"] == in_backup == restored.tables["customer"]
        # Each opening writes a customer, its history row and its audit event in one transaction:
        # a torn copy would disagree somewhere, and the chain's tip would not match its head.
        assert made.tables["customer_history"] == in_backup
        assert await AuditEvent.count().where(AuditEvent.action == "customer.open") == in_backup
        assert (await audit.verify(ctx=target, actor=None, origin=CLI)).ok


class TestCommands:
    def test_backup_and_restore_commands(self, settings, target_url, tmp_path, monkeypatch):
        from crm.cli import app as crm

        commands = typer.Typer()
        register(commands)
        runner = CliRunner()
        monkeypatch.setenv("CRM_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("CRM_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("CRM_DB_POOL_SIZE", "0")
        assert runner.invoke(crm, ["init", "--fixtures", str(FIXTURES / "demo")]).exit_code == 0
        archive = tmp_path / "crm.tar.gz"

        made = runner.invoke(commands, ["backup", str(archive)])
        again = runner.invoke(commands, ["backup", str(archive)])
        into_itself = runner.invoke(commands, ["restore", str(archive)])
        monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "restored"))
        monkeypatch.setenv("CRM_DATABASE_URL", target_url)
        monkeypatch.setenv("CRM_KEYRING", str(settings.keyring_path))
        restored = runner.invoke(commands, ["restore", str(archive)])
        verified = runner.invoke(crm, ["audit", "verify"])

        assert made.exit_code == 0 and "backup written" in made.output and "keyring is NOT" in made.output
        assert again.exit_code == 1 and "backup.file_exists" in again.output
        assert into_itself.exit_code == 1 and "backup.not_empty" in into_itself.output
        assert restored.exit_code == 0 and "restored" in restored.output, restored.output
        assert verified.exit_code == 0 and "intact" in verified.output
