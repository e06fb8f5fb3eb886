"""`crm backup` and `crm restore`: one archive with a consistent copy of the database and the
stored files, and never the keyring.

The archive is a gzip-compressed tar whose members come in this order:

    manifest.json             format version, creation time (UTC), engine, applied migrations,
                              every application table with its row count and columns, the
                              audit chain's tip, the data-key ids the sealed values need (ids
                              only), and the size and SHA-256 of every other member
    database/crm.sqlite3      SQLite: the whole database, copied with SQLite's backup API
    database/<table>.copy     PostgreSQL: one table each, in COPY's binary format
    files/<path>              the stored files under $CRM_DATA_DIR/files, when that folder exists

Consistency while the application keeps writing:

* SQLite: the backup API copies from a separate connection in a single step, i.e. inside one
  read transaction; in WAL mode writers carry on meanwhile and the copy is the database as of
  that transaction's start.
* PostgreSQL: every table is copied inside one ``REPEATABLE READ, READ ONLY`` transaction, so
  all tables come from the same snapshot; no pg_dump binary is needed.
* Stored files are copied after the database snapshot. Files are written before the rows that
  refer to them and never rewritten, so every file the snapshot refers to is in the archive.

Restore goes only into an empty target and is all-or-nothing: the archive is read and checked
in full (checksums, format version, engine, schema, keyring) before the database is touched;
the target must hold no rows in any application table (``crm init`` without fixtures leaves
only the audit chain's genesis head, which counts as empty and is replaced) and no stored
files; then every table is loaded in foreign-key order inside one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterator, Literal, Mapping

import asyncpg
import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table, sort_table_classes
from rich.console import Console

from crm import db
from crm.audit import service as audit
from crm.common.private_files import create_private, private_dir
from crm.context import CLI, AppContext
from crm.errors import Conflict, InvalidInput
from crm.security.audit_chain import link_hash
from crm.security.keyring import Keyring
from crm.settings import Settings

FORMAT = "crm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/crm.sqlite3"
_FILES_PREFIX = "files/"
_CHUNK = 1 << 20
# A manifest is a few kilobytes; anything far bigger is not one of ours.
_MANIFEST_MAX_BYTES = 16 << 20
# Sealed values live in columns named "<field>_sealed" and start with their key id ("k2$…").
_SEALED_SUFFIX = "_sealed"
# What `crm init` without fixtures leaves behind: the audit chain's genesis head and the
# contract types the contracts migrations seed. A target holding only such rows still counts
# as empty; restore replaces them with the backup's rows.
_REPLACEABLE_ROWS = {"audit_head": "last_seq = 0", "contract_type": "TRUE"}
_LAST_EVENT_SQL = (
    'SELECT seq, occurred_at, actor, action, target, outcome, source_ip, details, prev_hash, hash '
    'FROM audit_event ORDER BY seq DESC LIMIT 1'
)


# -- refusals ---------------------------------------------------------------------------------


class BackupFileMissing(InvalidInput):
    code = "backup.file_missing"


class BackupFileExists(Conflict):
    code = "backup.file_exists"


class BackupInsideStoredFiles(InvalidInput):
    code = "backup.inside_stored_files"


class NotABackup(InvalidInput):
    code = "backup.not_a_backup"


class CorruptBackup(InvalidInput):
    code = "backup.corrupt"


class UnsupportedBackupVersion(InvalidInput):
    code = "backup.unsupported_version"


class EngineMismatch(InvalidInput):
    code = "backup.engine_mismatch"


class SchemaMismatch(InvalidInput):
    code = "backup.schema_mismatch"


class KeyringMismatch(InvalidInput):
    code = "backup.keyring_mismatch"


class TargetNotEmpty(Conflict):
    code = "backup.not_empty"


# -- manifest ---------------------------------------------------------------------------------


class TableEntry(msgspec.Struct, frozen=True):
    name: str
    rows: int
    columns: list[str]


class MemberEntry(msgspec.Struct, frozen=True):
    name: str
    size: int
    sha256: str


class MigrationEntry(msgspec.Struct, frozen=True):
    app: str
    id: str


class AuditTip(msgspec.Struct, frozen=True):
    last_seq: int
    last_hash: str


class Manifest(msgspec.Struct, frozen=True):
    format: str
    format_version: int
    created_at: str
    engine: Literal["sqlite", "postgres"]
    application_version: str | None
    migrations: list[MigrationEntry]
    tables: list[TableEntry]
    audit: AuditTip | None
    # Ids of the data keys that sealed values in this backup were written with; never keys.
    keyring_key_ids: list[str]
    members: list[MemberEntry]


@dataclass(frozen=True)
class BackupReport:
    path: Path
    engine: str
    created_at: dt.datetime
    tables: dict[str, int]
    files: int
    size_bytes: int
    audit_seq: int  # the system.backup event

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    engine: str
    backup_created_at: str
    tables: dict[str, int]
    files: int
    audit_seq: int  # the system.restore event, right after the restored chain's tip

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class _Snapshot:
    """What a database copy holds, read from the copy itself so it matches the data."""

    tables: list[TableEntry]
    migrations: list[MigrationEntry]
    key_ids: list[str]
    audit: AuditTip | None
    members: list[str]


# -- backup -----------------------------------------------------------------------------------


async def backup(*, ctx: AppContext, path: Path, console: Console | None = None) -> BackupReport:
    """Write a consistent archive of the database and stored files to ``path`` (never the keyring)."""
    path = Path(path)
    if path.exists():
        raise BackupFileExists(f"文件已存在 / {path} already exists: choose a new file name", field="path")
    if path.resolve().is_relative_to(ctx.settings.files_dir.resolve()):
        # The archive (and its staging folder) would end up inside what it is copying.
        raise BackupInsideStoredFiles(
            f"备份不能写入存储文件目录 / Write the backup outside {ctx.settings.files_dir}", field="path"
        )
    private_dir(path.parent)
    # Use cases run on the ambient table binding; make it this context's engine.
    db.bind_tables(ctx.engine)
    say = _sayer(console)
    engine = _engine_name(ctx.engine)
    created_at = ctx.now().astimezone(dt.timezone.utc)
    tables = application_tables()
    with tempfile.TemporaryDirectory(prefix=".crm-backup-", dir=path.parent) as tmp:
        staging = Path(tmp)
        if engine == "sqlite":
            snapshot = await asyncio.to_thread(
                _sqlite_snapshot, source=db.sqlite_path(ctx.settings.database_url), staging=staging, tables=tables
            )
        else:
            snapshot = await _postgres_snapshot(dsn=_postgres_dsn(ctx), staging=staging, tables=tables)
        for table in snapshot.tables:
            say(f"  {table.name}: {table.rows} rows")
        stored = await asyncio.to_thread(_stage_stored_files, settings=ctx.settings, staging=staging)
        say(f"  stored files: {len(stored)}")
        members = await asyncio.to_thread(_describe_members, staging, [*snapshot.members, *stored])
        manifest = Manifest(
            format=FORMAT,
            format_version=FORMAT_VERSION,
            created_at=created_at.isoformat(),
            engine=engine,
            application_version=_application_version(),
            migrations=snapshot.migrations,
            tables=snapshot.tables,
            audit=snapshot.audit,
            keyring_key_ids=snapshot.key_ids,
            members=members,
        )
        size = await asyncio.to_thread(
            _write_archive, path=path, staging=staging, manifest=manifest, mtime=created_at.timestamp()
        )
    counts = {table.name: table.rows for table in snapshot.tables}
    seq = await audit.append_alone(
        ctx=ctx, action="system.backup", actor=None, origin=CLI, target=path.name,
        details={
            "file": path.name, "tables": len(counts), "rows": sum(counts.values()), "files": len(stored),
            "audit_seq": snapshot.audit.last_seq if snapshot.audit else 0,
        },
    )
    return BackupReport(
        path=path, engine=engine, created_at=created_at, tables=counts, files=len(stored), size_bytes=size, audit_seq=seq
    )


def application_tables() -> list[type[Table]]:
    """Every application table, parents before children (the order a restore loads them in)."""
    return sort_table_classes(db.all_tables())


def _sqlite_snapshot(*, source: Path, staging: Path, tables: list[type[Table]]) -> _Snapshot:
    target = staging / SQLITE_MEMBER
    target.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as live, contextlib.closing(
        sqlite3.connect(target)
    ) as copy:
        # One step (pages=-1) is one read transaction on the live database: a consistent
        # snapshot while writers carry on (WAL). Copying in steps would restart on every write.
        live.backup(copy)
        # The live file is in WAL mode and the copy inherits it; leave it so the copy is one
        # self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _describe_sqlite(copy, tables)


def _describe_sqlite(conn: sqlite3.Connection, tables: list[type[Table]]) -> _Snapshot:
    entries = []
    key_ids: set[str] = set()
    for table in tables:
        name = table._meta.tablename
        columns = _sqlite_columns(conn, "main", name)
        if not columns:
            raise SchemaMismatch(f"数据库未初始化 / Table {name} is missing: run `crm init` first")
        rows = conn.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0]
        entries.append(TableEntry(name=name, rows=rows, columns=columns))
        for column in _sealed_columns(table):
            key_ids.update(
                value
                for (value,) in conn.execute(
                    f"SELECT DISTINCT substr({_q(column)}, 1, instr({_q(column)}, '$') - 1) FROM {_q(name)} "
                    f"WHERE instr({_q(column)}, '$') > 1"
                )
            )
    migrations = [
        MigrationEntry(app=app, id=ident)
        for app, ident in conn.execute("SELECT app_name, name FROM migration ORDER BY app_name, name")
    ]
    head = conn.execute("SELECT last_seq, last_hash FROM audit_head WHERE singleton = 1").fetchone()
    return _Snapshot(
        tables=entries,
        migrations=migrations,
        key_ids=sorted(key_ids),
        audit=AuditTip(last_seq=head[0], last_hash=head[1]) if head else None,
        members=[SQLITE_MEMBER],
    )


async def _postgres_snapshot(*, dsn: str, staging: Path, tables: list[type[Table]]) -> _Snapshot:
    (staging / "database").mkdir()
    names = [table._meta.tablename for table in tables]
    conn = await asyncpg.connect(dsn)
    try:
        # Every statement in this transaction reads the snapshot taken at its first query,
        # so all tables agree with each other however much the application writes meanwhile.
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            columns = await _postgres_columns(conn, names)
            entries, members, key_ids = [], [], set()
            for table in tables:
                name = table._meta.tablename
                if not columns.get(name):
                    raise SchemaMismatch(f"数据库未初始化 / Table {name} is missing: run `crm init` first")
                member = _table_member(name)
                status = await conn.copy_from_table(
                    name, output=staging / member, columns=columns[name], format="binary"
                )
                entries.append(TableEntry(name=name, rows=_copied_rows(status), columns=columns[name]))
                members.append(member)
                for column in _sealed_columns(table):
                    found = await conn.fetch(
                        f"SELECT DISTINCT split_part({_q(column)}, '$', 1) AS key_id FROM {_q(name)} "
                        f"WHERE strpos({_q(column)}, '$') > 1"
                    )
                    key_ids.update(row["key_id"] for row in found)
            migrations = [
                MigrationEntry(app=row["app_name"], id=row["name"])
                for row in await conn.fetch("SELECT app_name, name FROM migration ORDER BY app_name, name")
            ]
            head = await conn.fetchrow("SELECT last_seq, last_hash FROM audit_head WHERE singleton = 1")
    finally:
        await conn.close()
    return _Snapshot(
        tables=entries,
        migrations=migrations,
        key_ids=sorted(key_ids),
        audit=AuditTip(last_seq=head["last_seq"], last_hash=head["last_hash"]) if head else None,
        members=members,
    )


def _stage_stored_files(*, settings: Settings, staging: Path) -> list[str]:
    """Copy the stored files into the staging folder; the archive is written from the copies,
    so a file changing meanwhile cannot make the archive disagree with its manifest."""
    names = []
    for source, relative in stored_files(settings):
        name = _FILES_PREFIX + relative
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        names.append(name)
    return names


def stored_files(settings: Settings) -> Iterator[tuple[Path, str]]:
    """Regular files under the stored-files folder as (path, relative posix path), never the keyring.

    Symbolic links are skipped: they could point anywhere, the keyring included.
    """
    root = settings.files_dir
    if not root.is_dir():
        return
    for folder, subfolders, filenames in os.walk(root):  # does not follow linked folders
        subfolders.sort()
        for filename in sorted(filenames):
            path = Path(folder) / filename
            if path.is_symlink() or not path.is_file() or is_keyring_file(path, keyring_path=settings.keyring_path):
                continue
            yield path, path.relative_to(root).as_posix()


def is_keyring_file(path: Path, *, keyring_path: Path) -> bool:
    """The keyring, anything named like it, and save_keyring's temporaries (".keyring.json.*")."""
    names = {keyring_path.name, "keyring.json"}
    if path.name in names or any(path.name.startswith(f".{name}.") for name in names):
        return True
    with contextlib.suppress(OSError):
        return path.resolve() == keyring_path.resolve()
    return False


def _describe_members(staging: Path, names: list[str]) -> list[MemberEntry]:
    entries = []
    for name in names:
        digest = hashlib.sha256()
        size = 0
        with open(staging / name, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        entries.append(MemberEntry(name=name, size=size, sha256=digest.hexdigest()))
    return entries


def _write_archive(*, path: Path, staging: Path, manifest: Manifest, mtime: float) -> int:
    """Write to a temporary file beside ``path`` and rename: a crash never leaves half an archive."""
    document = msgspec.json.format(msgspec.json.encode(manifest), indent=2) + b"\n"
    # mkstemp creates the file 0600: the archive holds customer records.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
                info = _tar_info(MANIFEST, size=len(document), mtime=mtime)
                tar.addfile(info, fileobj=io.BytesIO(document))
                for member in manifest.members:
                    with open(staging / member.name, "rb") as handle:
                        tar.addfile(_tar_info(member.name, size=member.size, mtime=mtime), fileobj=handle)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def _tar_info(name: str, *, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    return info


# -- restore ----------------------------------------------------------------------------------


async def restore(*, ctx: AppContext, path: Path, console: Console | None = None) -> RestoreReport:
    """Load a backup into an empty database (and empty stored-files folder): all or nothing."""
    path = Path(path)
    if not path.is_file():
        raise BackupFileMissing(f"找不到备份文件 / No backup file at {path}", field="path")
    db.bind_tables(ctx.engine)
    say = _sayer(console)
    engine = _engine_name(ctx.engine)
    settings = ctx.settings
    tables = application_tables()
    private_dir(settings.data_dir)
    # Staged beside the stored-files folder so the files can be moved, not copied, into place.
    staging = Path(tempfile.mkdtemp(prefix=".crm-restore-", dir=settings.data_dir))
    try:
        manifest = await asyncio.to_thread(unpack, path=path, staging=staging)
        check_compatible(manifest, engine=engine, keyring=ctx.keyring, tables=tables)
        if any(stored_files(settings)):
            raise _not_empty([f"{settings.files_dir} (stored files)"])
        entries = {entry.name: entry for entry in manifest.tables}
        if engine == "sqlite":
            target = db.sqlite_path(settings.database_url)
            _refuse_occupied(await asyncio.to_thread(_sqlite_occupied_before_migrating, target, tables))
            await db.migrate(ctx.engine)
            await asyncio.to_thread(
                _sqlite_load, target=target, source=staging / SQLITE_MEMBER, tables=tables, entries=entries,
                keyring=ctx.keyring, say=say,
            )
        else:
            dsn = _postgres_dsn(ctx)
            _refuse_occupied(await _postgres_occupied_before_migrating(dsn, tables))
            await db.migrate(ctx.engine)
            await _postgres_load(dsn=dsn, staging=staging, tables=tables, entries=entries, keyring=ctx.keyring, say=say)
        files = await asyncio.to_thread(_move_stored_files, staging / "files", settings.files_dir)
        say(f"  stored files: {files}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = {entry.name: entry.rows for entry in manifest.tables}
    # Appended after the data so the restored chain continues from the backup's tip.
    await audit.ensure_head()
    seq = await audit.append_alone(
        ctx=ctx, action="system.restore", actor=None, origin=CLI, target=path.name,
        details={
            "file": path.name, "backup_created_at": manifest.created_at, "tables": len(counts),
            "rows": sum(counts.values()), "files": files,
            "audit_seq": manifest.audit.last_seq if manifest.audit else 0,
        },
    )
    return RestoreReport(
        path=path, engine=engine, backup_created_at=manifest.created_at, tables=counts, files=files, audit_seq=seq
    )


def unpack(*, path: Path, staging: Path) -> Manifest:
    """Read the whole archive into ``staging``, checking every member against the manifest."""
    manifest: Manifest | None = None
    try:
        with tarfile.open(path, mode="r|*") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MANIFEST_MAX_BYTES:
                raise NotABackup(_NOT_A_BACKUP)
            manifest = parse_manifest(_read_member(tar, first))
            expected = {member.name: member for member in manifest.members}
            seen: set[str] = set()
            while (member := tar.next()) is not None:
                entry = expected.get(member.name)
                if entry is None or member.name in seen or not member.isfile():
                    raise CorruptBackup(f"备份含有意外内容 / Unexpected member {member.name!r} in the backup")
                seen.add(member.name)
                _extract(tar, member, entry, staging)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        # Operating-system errors (errno set: disk full, permissions) are not the archive's fault.
        if isinstance(error, OSError) and error.errno is not None:
            raise
        if manifest is None:
            raise NotABackup(_NOT_A_BACKUP) from error
        raise CorruptBackup(f"备份文件已损坏或不完整 / The backup is damaged or truncated: {error}") from error
    missing = sorted(expected.keys() - seen)
    if missing:
        raise CorruptBackup(f"备份不完整 / The backup is truncated: missing {', '.join(missing[:5])}")
    return manifest


_NOT_A_BACKUP = "不是本系统的备份文件 / This file is not a CRM backup (or is damaged beyond reading)"


def parse_manifest(raw: bytes) -> Manifest:
    try:
        loose = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise NotABackup(_NOT_A_BACKUP) from None
    if not isinstance(loose, dict) or loose.get("format") != FORMAT:
        raise NotABackup(_NOT_A_BACKUP)
    version = loose.get("format_version")
    if version != FORMAT_VERSION:
        raise UnsupportedBackupVersion(
            f"不支持的备份格式版本 {version!r} / Backup format version {version!r} is not supported "
            f"(this release reads version {FORMAT_VERSION}); restore it with the release that wrote it"
        )
    try:
        manifest = msgspec.json.decode(raw, type=Manifest)
    except msgspec.ValidationError as error:
        raise CorruptBackup(f"备份清单无效 / The backup's manifest is invalid: {error}") from None
    for member in manifest.members:
        if not _is_safe_member_name(member.name):
            raise CorruptBackup(f"备份含有非法路径 / Unsafe member name {member.name!r} in the backup")
    return manifest


def _is_safe_member_name(name: str) -> bool:
    # Never trust a path from an archive: no absolute paths, no climbing out of the staging folder.
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and "\\" not in name
        and len(path.parts) >= 2
        and path.parts[0] in {"database", "files"}
        and all(part not in {"", ".", ".."} for part in path.parts)
        and name == path.as_posix()
    )


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise NotABackup(_NOT_A_BACKUP)
    return handle.read()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, entry: MemberEntry, staging: Path) -> None:
    handle = tar.extractfile(member)
    if handle is None:
        raise CorruptBackup(f"备份内容无法读取 / Member {member.name!r} cannot be read")
    target = staging.joinpath(*PurePosixPath(member.name).parts)
    digest = hashlib.sha256()
    size = 0
    # 0600 from the start: the restored stored files keep the mode they are moved in with.
    with create_private(target) as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != entry.size or not hmac.compare_digest(digest.hexdigest(), entry.sha256):
        raise CorruptBackup(f"备份内容校验失败 / {member.name} does not match its checksum: the backup is damaged")


def check_compatible(manifest: Manifest, *, engine: str, keyring: Keyring, tables: list[type[Table]]) -> None:
    """Refusals that need no database: wrong engine, another schema version, missing keys."""
    if manifest.engine != engine:
        raise EngineMismatch(
            f"此备份来自 {manifest.engine}，不能恢复到 {engine} / This backup was taken from {manifest.engine} "
            f"and can only be restored into {manifest.engine}, not {engine}"
        )
    backup_migrations = {(m.app, m.id) for m in manifest.migrations}
    if backup_migrations != code_migrations() or {t.name for t in manifest.tables} != {
        t._meta.tablename for t in tables
    }:
        raise SchemaMismatch(
            "备份的数据库结构版本与本程序不同 / The backup was taken with a different schema version: restore it "
            "with the release that took it, then upgrade with `crm init`"
        )
    present = {member.name for member in manifest.members}
    needed = {SQLITE_MEMBER} if engine == "sqlite" else {_table_member(t._meta.tablename) for t in tables}
    if needed - present:
        raise CorruptBackup(
            f"备份缺少数据库内容 / The backup lacks {', '.join(sorted(needed - present)[:5])}"
        )
    missing = sorted(set(manifest.keyring_key_ids) - set(keyring.data_keys))
    if missing:
        raise KeyringMismatch(
            f"密钥环缺少密钥 {', '.join(missing)} / The keyring lacks data keys {', '.join(missing)}: set "
            "CRM_KEYRING to the keyring kept with this backup's time"
        )


def code_migrations() -> set[tuple[str, str]]:
    """(app, migration id) of every migration this release ships."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.conf.apps import AppRegistry

    finder = BaseMigrationManager()
    found = set()
    for app in AppRegistry(apps=list(db.APP_MODULES)).app_configs.values():
        modules = finder.get_migration_modules(app.resolved_migrations_folder_path)
        found.update((app.app_name, ident) for ident in modules)
    return found


def _occupancy_sql(name: str) -> str:
    condition = _REPLACEABLE_ROWS.get(name)
    where = f" WHERE NOT ({condition})" if condition else ""
    return f"SELECT EXISTS (SELECT 1 FROM {_q(name)}{where})"


def _not_empty(where: list[str]) -> TargetNotEmpty:
    return TargetNotEmpty(
        f"目标数据库不为空，未写入任何内容 / The target is not empty ({', '.join(where)}); nothing was written. "
        "Restore only into a new, empty database"
    )


def _refuse_occupied(occupied: list[str]) -> None:
    if occupied:
        raise _not_empty(occupied)


def _sqlite_occupied_before_migrating(target: Path, tables: list[type[Table]]) -> list[str]:
    # Checked before migrating, so a refused restore does not even upgrade the target's schema.
    with contextlib.closing(sqlite3.connect(target, timeout=30)) as conn:
        existing = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return _sqlite_occupied(conn, [t._meta.tablename for t in tables if t._meta.tablename in existing])


def _sqlite_occupied(conn: sqlite3.Connection, names: list[str]) -> list[str]:
    return [name for name in names if conn.execute(_occupancy_sql(name)).fetchone()[0]]


def _sqlite_load(
    *,
    target: Path,
    source: Path,
    tables: list[type[Table]],
    entries: Mapping[str, TableEntry],
    keyring: Keyring,
    say: Callable[[str], None],
) -> None:
    names = [t._meta.tablename for t in tables]
    with contextlib.closing(sqlite3.connect(target, timeout=30, isolation_level=None)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        # Unqualified names keep meaning the target: SQLite searches main before attached databases.
        conn.execute("ATTACH DATABASE ? AS backup", (str(source),))
        try:
            if conn.execute("PRAGMA backup.quick_check").fetchone()[0] != "ok":
                raise CorruptBackup("备份中的数据库文件已损坏 / The database file inside the backup is damaged")
            # IMMEDIATE holds the write lock from the emptiness check to the commit.
            conn.execute("BEGIN IMMEDIATE")
            try:
                _refuse_occupied(_sqlite_occupied(conn, names))
                for name in _REPLACEABLE_ROWS:
                    conn.execute(f"DELETE FROM main.{_q(name)}")
                for name in names:
                    entry = entries[name]
                    if _sqlite_columns(conn, "main", name) != entry.columns or _sqlite_columns(
                        conn, "backup", name
                    ) != entry.columns:
                        raise SchemaMismatch(
                            f"表 {name} 的结构不同 / Table {name} differs between the backup and this release"
                        )
                    columns = ", ".join(_q(c) for c in entry.columns)
                    try:
                        conn.execute(f"INSERT INTO main.{_q(name)} ({columns}) SELECT {columns} FROM backup.{_q(name)}")
                    except sqlite3.Error as error:
                        raise CorruptBackup(f"表 {name} 无法载入 / Table {name} could not be loaded: {error}") from error
                    _check_rows(name, conn.execute(f"SELECT count(*) FROM main.{_q(name)}").fetchone()[0], entry)
                    say(f"  {name}: {entry.rows} rows")
                cursor = conn.execute(_LAST_EVENT_SQL)
                row = cursor.fetchone()
                check_audit_tip(keyring=keyring, event=dict(zip([d[0] for d in cursor.description], row)) if row else None)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            conn.execute("DETACH DATABASE backup")


def _sqlite_columns(conn: sqlite3.Connection, schema: str, name: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA {schema}.table_info({_q(name)})")]


async def _postgres_occupied_before_migrating(dsn: str, tables: list[type[Table]]) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        existing = await _postgres_columns(conn, [t._meta.tablename for t in tables])
        return await _postgres_occupied(conn, [t._meta.tablename for t in tables if existing.get(t._meta.tablename)])
    finally:
        await conn.close()


async def _postgres_occupied(conn: asyncpg.Connection, names: list[str]) -> list[str]:
    return [name for name in names if await conn.fetchval(_occupancy_sql(name))]


async def _postgres_load(
    *,
    dsn: str,
    staging: Path,
    tables: list[type[Table]],
    entries: Mapping[str, TableEntry],
    keyring: Keyring,
    say: Callable[[str], None],
) -> None:
    names = [t._meta.tablename for t in tables]
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            # Nobody else may write between the emptiness check and the commit.
            await conn.execute(f"LOCK TABLE {', '.join(_q(n) for n in names)} IN ACCESS EXCLUSIVE MODE")
            _refuse_occupied(await _postgres_occupied(conn, names))
            for name in _REPLACEABLE_ROWS:
                await conn.execute(f"DELETE FROM {_q(name)}")
            columns = await _postgres_columns(conn, names)
            for name in names:
                entry = entries[name]
                if columns.get(name) != entry.columns:
                    raise SchemaMismatch(f"表 {name} 的结构不同 / Table {name} differs between the backup and this release")
                try:
                    status = await conn.copy_to_table(
                        name, source=staging / _table_member(name), columns=entry.columns, format="binary"
                    )
                except asyncpg.PostgresError as error:
                    raise CorruptBackup(f"表 {name} 无法载入 / Table {name} could not be loaded: {error}") from error
                _check_rows(name, _copied_rows(status), entry)
                say(f"  {name}: {entry.rows} rows")
            await _reset_sequences(conn, names)
            row = await conn.fetchrow(_LAST_EVENT_SQL)
            check_audit_tip(keyring=keyring, event=dict(row) if row else None)
    finally:
        await conn.close()


async def _postgres_columns(conn: asyncpg.Connection, names: list[str]) -> dict[str, list[str]]:
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) ORDER BY table_name, ordinal_position",
        names,
    )
    columns: dict[str, list[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], []).append(row["column_name"])
    return columns


async def _reset_sequences(conn: asyncpg.Connection, names: list[str]) -> None:
    """COPY writes ids without drawing them from their sequences: move each past the largest id."""
    rows = await conn.fetch(
        "SELECT table_name, column_name, pg_get_serial_sequence(format('%I', table_name), column_name) AS seq "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])",
        names,
    )
    for row in rows:
        if row["seq"] is None:
            continue
        await conn.execute(
            f"SELECT setval($1, COALESCE((SELECT max({_q(row['column_name'])}) FROM {_q(row['table_name'])}), 0) + 1, false)",
            row["seq"],
        )


def check_audit_tip(*, keyring: Keyring, event: Mapping[str, Any] | None) -> None:
    """The newest audit event must verify under this keyring's audit key.

    Otherwise the chain could not be verified or continued: this is not the keyring of the
    backup's time. One link is enough to tell; `crm audit verify` checks the whole chain.
    """
    if event is None:
        return
    occurred_at = event["occurred_at"]
    if isinstance(occurred_at, str):
        # SQLite keeps the text Piccolo wrote ("2026-11-25 09:00:00+00:00").
        occurred_at = dt.datetime.fromisoformat(occurred_at)
    if occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=dt.timezone.utc)
    expected = link_hash(
        keyring=keyring,
        seq=event["seq"],
        occurred_at=occurred_at.astimezone(dt.timezone.utc).isoformat(),
        actor=event["actor"],
        action=event["action"],
        target=event["target"],
        outcome=event["outcome"],
        source_ip=event["source_ip"],
        details=event["details"],
        prev_hash=event["prev_hash"],
    )
    if not hmac.compare_digest(expected.encode(), str(event["hash"]).encode()):
        raise KeyringMismatch(
            "审计链无法用当前密钥环验证 / The backup's audit chain does not verify with this keyring: set "
            "CRM_KEYRING to the keyring kept with this backup's time"
        )


def _check_rows(name: str, loaded: int, entry: TableEntry) -> None:
    if loaded != entry.rows:
        raise CorruptBackup(
            f"表 {name} 行数不符 / Table {name}: loaded {loaded} rows, the manifest says {entry.rows}"
        )


def _move_stored_files(source: Path, files_dir: Path) -> int:
    if not source.is_dir():
        return 0
    moved = 0
    for folder, _, filenames in os.walk(source):
        for filename in filenames:
            path = Path(folder) / filename
            target = files_dir / path.relative_to(source)
            private_dir(target.parent)
            shutil.move(path, target)  # a rename on the same file system
            moved += 1
    return moved


# -- helpers ----------------------------------------------------------------------------------


def _engine_name(engine: Engine) -> Literal["sqlite", "postgres"]:
    return "sqlite" if isinstance(engine, SQLiteEngine) else "postgres"


def _postgres_dsn(ctx: AppContext) -> str:
    # The DSN the application's own engine was built with (crm.db.make_engine).
    return getattr(ctx.engine, "config", {}).get("dsn") or ctx.settings.database_url


def _table_member(name: str) -> str:
    return f"database/{name}.copy"


def _copied_rows(status: str) -> int:
    # asyncpg returns the command tag, "COPY 42".
    return int(status.rsplit(" ", 1)[-1])


def _sealed_columns(table: type[Table]) -> list[str]:
    return [c._meta.db_column_name for c in table._meta.columns if c._meta.db_column_name.endswith(_SEALED_SUFFIX)]


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _application_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("utility-crm")
    except PackageNotFoundError:
        return None


def _sayer(console: Console | None) -> Callable[[str], None]:
    if console is None:
        return lambda message: None
    return lambda message: console.print(message, highlight=False)
