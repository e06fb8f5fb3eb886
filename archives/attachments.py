"""Materials attached to a contract (R-AR-01): uploaded, checked, encrypted, stored; read back.

The ciphertext is written to the blob store before the row that points at it is committed:
a crash in between leaves an unreferenced blob (harmless, found by the fixity check's
inventory), never a row whose file is missing.
"""

from __future__ import annotations

import uuid
from typing import Any

from archives import schemas
from archives.file_crypto import open_file, seal_file
from archives.materials import ATTACHMENT_KINDS, KIND_LABELS, check_upload
from archives.storage import blob_store
from archives.tables import ArchiveFile
from contracts.loading import load_for_scope
from crm import db
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff.access import Actor, require


class UnknownKind(InvalidInput):
    code = "attachment.unknown_kind"


class ArchivedRecordImmutable(Conflict):
    code = "archive.immutable"


class AttachmentNotFound(NotFound):
    code = "attachment.not_found"


def to_schema(row: dict[str, Any], contract_no: str, *, usernames: dict[int, str]) -> schemas.Attachment:
    """``usernames``: ctx.staff_names.usernames of the rows' ``uploaded_by``, read once for a whole list."""
    return schemas.Attachment(
        file_id=row["file_id"], contract_no=contract_no, kind=row["kind"], kind_label=label(KIND_LABELS.get(row["kind"])),
        filename=row["filename"], media_type=row["media_type"], size=row["size"], sha256=row["sha256"],
        uploaded_by=usernames.get(row["uploaded_by"]), uploaded_at=row["uploaded_at"],
        destroyed=row["destroyed_at"] is not None,
    )


async def attach_file(
    *, ctx: AppContext, actor: Actor, contract_no: str, kind: str, filename: str, data: bytes, origin: Origin
) -> schemas.Attachment:
    require(actor, "attachment.upload")
    if kind not in ATTACHMENT_KINDS:
        raise UnknownKind(
            f"未知的资料类别 {kind} / Unknown kind; expected one of {', '.join(ATTACHMENT_KINDS)}", field="kind"
        )
    checked = check_upload(filename=filename, data=data, max_bytes=ctx.settings.max_upload_bytes)
    contract = await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no)
    if contract["status"] == "archived":
        raise ArchivedRecordImmutable(
            "合同已归档，归档材料不可更改；更正请以附注形式补充 / The contract is archived and its materials are "
            "fixed; add a correction as an addendum",
            field="contract_no",
        )
    file_id = uuid.uuid4().hex
    sealed = seal_file(keyring=ctx.keyring, plaintext=data, file_id=file_id)
    blob_store(ctx).put(file_id, sealed.ciphertext)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        # Checked again inside the transaction: an acceptance may have archived it meanwhile.
        locked = await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no, lock=True)
        if locked["status"] == "archived":
            raise ArchivedRecordImmutable("合同已归档 / The contract is archived", field="contract_no")
        await ArchiveFile.insert(ArchiveFile(
            file_id=file_id, contract=contract["id"], kind=kind, filename=checked.filename,
            media_type=checked.media_type, size=sealed.size, sha256=sealed.sha256, wrapped_key=sealed.wrapped_key,
            uploaded_by=actor.staff_id, uploaded_at=now,
        ))
        await audit.append(ctx=ctx, action="attachment.upload", actor=actor.username, origin=origin,
                           target=contract["contract_no"],
                           details={"file_id": file_id, "kind": kind, "size": sealed.size, "sha256": sealed.sha256})
    return (await list_attachments(ctx=ctx, actor=actor, contract_no=contract_no, file_id=file_id))[0]


async def list_attachments(
    *, ctx: AppContext, actor: Actor, contract_no: str, file_id: str | None = None
) -> list[schemas.Attachment]:
    require(actor, "contract.read")
    contract = await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no)
    query = ArchiveFile.select(*ArchiveFile.all_columns()).where(ArchiveFile.contract == contract["id"])
    if file_id is not None:
        query = query.where(ArchiveFile.file_id == file_id)
    rows = await query.order_by(ArchiveFile.id)
    names = await ctx.staff_names.usernames(row["uploaded_by"] for row in rows)
    return [to_schema(row, contract["contract_no"], usernames=names) for row in rows]


async def files_of(contract_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every file of these contracts, for handover checks and records."""
    rows = await ArchiveFile.select(*ArchiveFile.all_columns()).where(
        ArchiveFile.contract.is_in(contract_ids or [0])).order_by(ArchiveFile.id)
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["contract"], []).append(row)
    return grouped


def read_plaintext(ctx: AppContext, row: dict[str, Any]) -> bytes:
    """Decrypt one stored file (the caller has checked the right to read it)."""
    return open_file(
        keyring=ctx.keyring, wrapped_key=row["wrapped_key"], ciphertext=blob_store(ctx).get(row["file_id"]),
        file_id=row["file_id"], expected_sha256=row["sha256"],
    )


async def download_contract_file(
    *, ctx: AppContext, actor: Actor, contract_no: str, file_id: str, origin: Origin
) -> tuple[schemas.Attachment, bytes]:
    """A contract's material before it is archived; once archived, reading goes through a lookup grant."""
    require(actor, "contract.read")
    contract = await load_for_scope(ctx=ctx, actor=actor, contract_no=contract_no)
    if contract["status"] == "archived":
        raise ArchivedRecordImmutable(
            "合同已归档，请通过档案查(借)阅获取 / The contract is archived: request a lookup of its archive",
            field="contract_no",
        )
    row = await ArchiveFile.select(*ArchiveFile.all_columns()).where(
        (ArchiveFile.contract == contract["id"]) & (ArchiveFile.file_id == file_id)).first()
    if row is None or row["wrapped_key"] is None:
        raise AttachmentNotFound(f"文件 {file_id} 不存在 / File {file_id} not found", field="file_id")
    data = read_plaintext(ctx, row)
    await audit.append_alone(ctx=ctx, action="attachment.download", actor=actor.username, origin=origin,
                             target=contract["contract_no"], details={"file_id": file_id})
    uploader = await ctx.staff_names.usernames([row["uploaded_by"]])
    return to_schema(row, contract["contract_no"], usernames=uploader), data
