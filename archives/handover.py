"""Handover to the archive (移交, R-AR-01/02) and acceptance with archive numbers (R-AR-03).

The front desk bundles fulfilled or terminated contracts with their materials into a batch;
the archivist checks it and either accepts it — every contract gets its archive number, gap-free
per fonds/category/year/retention/department, and becomes `archived` — or returns it with a
reason. Numbers come from a counter row updated inside the accepting transaction: a rollback
gives the number back, two archivists accepting at once queue on the row.
"""

from __future__ import annotations

from typing import Any

from archives import schemas
from archives.attachments import files_of
from archives.counters import next_value
from archives.handover_rules import (
    ARCHIVABLE_CONTRACT_STATUSES,
    HANDOVER_STATUS_LABELS,
    check_archivable,
    check_batch,
    check_decidable,
    check_return_reason,
)
from archives.materials import missing_materials
from archives.numbering import ArchiveNumber, counter_key
from archives.retention import retention_for
from archives.tables import ArchiveFile, ArchiveRecord, HandoverBatch, HandoverItem
from contracts import service as contracts_service
from contracts import archiving
from contracts.loading import load_for_scope
from crm import db
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff.access import Actor, in_scope, require, require_any
from crm.common.local_time import BEIJING



class HandoverNotFound(NotFound):
    code = "handover.not_found"


class ContractInBatch(Conflict):
    code = "handover.contract_in_batch"


class MixedBranches(InvalidInput):
    code = "handover.mixed_branches"


class MissingMaterials(InvalidInput):
    code = "handover.missing_material"

    def __init__(self, message: str, *, missing: dict[str, list[str]]) -> None:
        super().__init__(message, field="contract_nos")
        self.missing = missing

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "missing": self.missing}


def _missing_for(contract: dict[str, Any], files: list[dict[str, Any]]) -> list[str]:
    kinds = {f["kind"] for f in files if f["destroyed_at"] is None}
    return list(missing_materials(contract_type=contract["contract_type.code"], kinds_present=kinds))


def _refuse_missing(contracts: list[dict[str, Any]], files: dict[int, list[dict[str, Any]]]) -> None:
    missing = {c["contract_no"]: m for c in contracts if (m := _missing_for(c, files.get(c["id"], [])))}
    if missing:
        listing = "；".join(f"{no}: {', '.join(kinds)}" for no, kinds in missing.items())
        raise MissingMaterials(
            f"归档材料不全 / Required materials are missing — {listing}", missing=missing
        )


async def _open_batches_holding(contract_ids: list[int]) -> dict[int, str]:
    rows = await HandoverItem.select(HandoverItem.contract, HandoverItem.batch.batch_no).where(
        HandoverItem.contract.is_in(contract_ids or [0]) & (HandoverItem.batch.status == "submitted")
    )
    return {r["contract"]: r["batch.batch_no"] for r in rows}


async def create_handover(
    *, ctx: AppContext, actor: Actor, contract_nos: list[str], note: str | None, origin: Origin
) -> schemas.Handover:
    """移交: fulfilled or terminated contracts of one branch, each with its required materials."""
    require(actor, "archive.handover")
    numbers = check_batch(contract_nos=contract_nos)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        contracts = [await load_for_scope(ctx=ctx, actor=actor, contract_no=no, lock=True) for no in numbers]
        for contract in contracts:
            check_archivable(contract_no=contract["contract_no"], status=contract["status"])
        held = await _open_batches_holding([c["id"] for c in contracts])
        if held:
            no = next(c["contract_no"] for c in contracts if c["id"] in held)
            raise ContractInBatch(
                f"合同 {no} 已在移交批次 {held[next(iter(held))]} 中 / Contract {no} is already in an open handover",
                field="contract_nos",
            )
        branches = {c["branch"] for c in contracts}
        if len(branches) != 1:
            raise MixedBranches("一个移交批次只能包含同一营业网点的合同 / One batch holds one branch's contracts",
                                field="contract_nos")
        _refuse_missing(contracts, await files_of([c["id"] for c in contracts]))
        branch_code = contracts[0]["branch.code"]
        seq = await next_value(f"handover|{branch_code}|{now.year}")
        batch_no = f"YJ-{branch_code}-{now.year}-{seq:04d}"
        inserted = await HandoverBatch.insert(HandoverBatch(
            batch_no=batch_no, branch=contracts[0]["branch"], status="submitted", note=(note or "").strip() or None,
            submitted_by=actor.staff_id, submitted_at=now,
        )).returning(HandoverBatch.id)
        batch_id = inserted[0]["id"]
        await HandoverItem.insert(*(HandoverItem(batch=batch_id, contract=c["id"], seq=i + 1)
                                    for i, c in enumerate(contracts)))
        await audit.append(ctx=ctx, action="archive.handover", actor=actor.username, origin=origin, target=batch_no,
                           details={"contracts": list(numbers)})
    return await get_handover(ctx=ctx, actor=actor, batch_id=batch_id)


async def _load_batch(ctx: AppContext, actor: Actor, batch_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = HandoverBatch.select(*HandoverBatch.all_columns()).where(HandoverBatch.id == batch_id)
    row = await (db.locking(query, ctx.engine, of=(HandoverBatch,)) if lock else query).first()
    if row is None or not in_scope(actor, row["branch"]):
        raise HandoverNotFound(f"移交批次 {batch_id} 不存在 / Handover {batch_id} not found", field="id")
    return row


async def _batch_contracts(ctx: AppContext, batch_id: int) -> list[dict[str, Any]]:
    rows = await HandoverItem.select(HandoverItem.contract, HandoverItem.seq).where(
        HandoverItem.batch == batch_id).order_by(HandoverItem.seq)
    return await archiving.contracts_by_id(ctx=ctx, contract_ids=[r["contract"] for r in rows])


async def get_handover(*, ctx: AppContext, actor: Actor, batch_id: int) -> schemas.Handover:
    require_any(actor, ("archive.handover", "archive.receive"))
    async with db.read_only(ctx.engine):
        batch = await _load_batch(ctx, actor, batch_id)
        contracts = await _batch_contracts(ctx, batch_id)
        files = await files_of([c["id"] for c in contracts])
        numbers = {r["contract"]: r["archive_no"] for r in await ArchiveRecord.select(
            ArchiveRecord.contract, ArchiveRecord.archive_no).where(ArchiveRecord.handover == batch_id)}
        names = await ctx.staff_names.usernames((batch["submitted_by"], batch["decided_by"]))
    branch_codes = await ctx.branches.codes([batch["branch"]])
    items = []
    for c in contracts:
        mine = [f for f in files.get(c["id"], []) if f["destroyed_at"] is None]
        counts: dict[str, int] = {}
        for f in mine:
            counts[f["kind"]] = counts.get(f["kind"], 0) + 1
        items.append(schemas.HandoverContract(
            contract_no=c["contract_no"], type=c["contract_type.code"], type_label=c["contract_type.name_zh"],
            account_no=c["customer.account_no"], customer_name=c["customer.name"], status=c["status"],
            materials=counts, missing=_missing_for(c, mine), archive_no=numbers.get(c["id"]),
        ))
    return schemas.Handover(
        id=batch["id"], batch_no=batch["batch_no"], branch=branch_codes[batch["branch"]], status=batch["status"],
        status_label=label(HANDOVER_STATUS_LABELS.get(batch["status"])), note=batch["note"],
        submitted_by=names.get(batch["submitted_by"]), submitted_at=batch["submitted_at"],
        decided_by=names.get(batch["decided_by"]), decided_at=batch["decided_at"], return_reason=batch["return_reason"],
        contracts=items,
    )


async def list_handovers(*, ctx: AppContext, actor: Actor, status: str | None = None) -> list[schemas.HandoverSummary]:
    require_any(actor, ("archive.handover", "archive.receive"))
    query = HandoverBatch.select(
        HandoverBatch.id, HandoverBatch.batch_no, HandoverBatch.branch, HandoverBatch.status,
        HandoverBatch.submitted_by, HandoverBatch.submitted_at, HandoverBatch.return_reason,
    )
    if not actor.all_branches:
        query = query.where(HandoverBatch.branch == actor.branch_id)
    if status:
        query = query.where(HandoverBatch.status == status)
    async with db.read_only(ctx.engine):
        rows = await query.order_by(HandoverBatch.id)
        counts: dict[int, int] = {}
        for item in await HandoverItem.select(HandoverItem.batch).where(
                HandoverItem.batch.is_in([r["id"] for r in rows] or [0])):
            counts[item["batch"]] = counts.get(item["batch"], 0) + 1
        names = await ctx.staff_names.usernames(r["submitted_by"] for r in rows)
    branch_codes = await ctx.branches.codes(r["branch"] for r in rows)
    return [schemas.HandoverSummary(
        id=r["id"], batch_no=r["batch_no"], branch=branch_codes[r["branch"]], status=r["status"],
        status_label=label(HANDOVER_STATUS_LABELS.get(r["status"])), contracts=counts.get(r["id"], 0),
        submitted_by=names.get(r["submitted_by"]), submitted_at=r["submitted_at"], return_reason=r["return_reason"],
    ) for r in rows]


def submitted_count_query(*, actor: Actor):
    """The archivist's badge: submitted batches of the reader's scope, as a query for crm.db.counts.

    None for readers who receive no handovers: nothing waits for them.
    """
    if "archive.receive" not in actor.capabilities:
        return None
    query = HandoverBatch.count().where(HandoverBatch.status == "submitted")
    if not actor.all_branches:
        query = query.where(HandoverBatch.branch == actor.branch_id)
    return query


async def handover_candidates(*, ctx: AppContext, actor: Actor) -> list[schemas.HandoverCandidate]:
    """The scope's fulfilled or terminated contracts not in an open batch, with what each still lacks.

    The newest page of each status (contracts.service.list_contracts: 50 each), which is what
    a counter hands over at a time; the batches and the files of all of them are one query
    each, however many there are.
    """
    require(actor, "archive.handover")
    async with db.read_only(ctx.engine):
        found = [item for status in ARCHIVABLE_CONTRACT_STATUSES
                 for item in (await contracts_service.list_contracts(ctx=ctx, actor=actor, status=status)).items]
        ids = await archiving.contract_ids_by_number(contract_nos=[c.contract_no for c in found])
        numbers = {contract_id: no for no, contract_id in ids.items()}
        held = {numbers[contract_id] for contract_id in await _open_batches_holding(list(numbers))}
        files = await ArchiveFile.select(ArchiveFile.contract, ArchiveFile.kind, ArchiveFile.destroyed_at).where(
            ArchiveFile.contract.is_in(list(numbers) or [0]))
    counts: dict[str, int] = {}
    present: dict[str, set[str]] = {}
    for f in files:
        no = numbers[f["contract"]]
        counts[no] = counts.get(no, 0) + 1
        if f["destroyed_at"] is None:
            present.setdefault(no, set()).add(f["kind"])
    return sorted((schemas.HandoverCandidate(
        contract=c, files=counts.get(c.contract_no, 0),
        missing_materials=list(missing_materials(contract_type=c.type,
                                                 kinds_present=present.get(c.contract_no, set()))),
    ) for c in found if c.contract_no not in held), key=lambda row: row.contract.contract_no)


async def handover_desk(*, ctx: AppContext, actor: Actor) -> schemas.HandoverDesk:
    """移交归档: the candidates and the scope's batches, newest first (each with its return reason)."""
    require(actor, "archive.handover")
    return schemas.HandoverDesk(candidates=await handover_candidates(ctx=ctx, actor=actor),
                                batches=list(reversed(await list_handovers(ctx=ctx, actor=actor))))


def _record_year(contract: dict[str, Any]) -> int:
    # 年度: the year the contract ended (its last change before archiving), in Beijing time.
    return contract["updated_at"].astimezone(BEIJING).year


async def accept_handover(*, ctx: AppContext, actor: Actor, batch_id: int, origin: Origin) -> schemas.Handover:
    """接收: check again, number every contract, archive it; all of the batch or nothing."""
    require(actor, "archive.receive")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        batch = await _load_batch(ctx, actor, batch_id, lock=True)
        check_decidable(status=batch["status"])
        contracts = await _batch_contracts(ctx, batch_id)
        for contract in contracts:
            check_archivable(contract_no=contract["contract_no"], status=contract["status"])
        _refuse_missing(contracts, await files_of([c["id"] for c in contracts]))
        numbers = []
        for contract in contracts:
            retention = retention_for(contract_type=contract["contract_type.code"])
            year = _record_year(contract)
            department = contract["branch.code"]
            fonds, category = ctx.settings.archive_fonds, ctx.settings.archive_category
            item = await next_value(counter_key(fonds=fonds, category=category, year=year, retention=retention,
                                           department=department))
            number = ArchiveNumber(fonds=fonds, category=category, year=year, retention=retention,
                                   department=department, item=item)
            await ArchiveRecord.insert(ArchiveRecord(
                archive_no=str(number), fonds=fonds, category=category, year=year, retention=retention,
                department=department, item=item, contract=contract["id"], branch=contract["branch"],
                handover=batch_id,
                title=f"{contract['contract_type.name_zh']} {contract['contract_no']} {contract['customer.name']}",
                # Take-or-pay terms are the company's commercial secrets (商业秘密): looking them up
                # needs the general manager too (R-AR-06).
                restricted=contract["family"] == "take_or_pay", status="filed", accepted_by=actor.staff_id, accepted_at=now,
            ))
            numbers.append(str(number))
        await archiving.mark_archived(contract_ids=[c["id"] for c in contracts], now=now)
        await HandoverBatch.update({HandoverBatch.status: "accepted", HandoverBatch.decided_by: actor.staff_id,
                                    HandoverBatch.decided_at: now}).where(HandoverBatch.id == batch_id)
        await audit.append(ctx=ctx, action="archive.accept", actor=actor.username, origin=origin,
                           target=batch["batch_no"], details={"archive_nos": numbers})
    return await get_handover(ctx=ctx, actor=actor, batch_id=batch_id)


async def return_handover(
    *, ctx: AppContext, actor: Actor, batch_id: int, reason: str | None, origin: Origin
) -> schemas.Handover:
    """退回: the batch goes back to the front desk with the archivist's reason; its contracts are free again."""
    require(actor, "archive.receive")
    cleaned = check_return_reason(reason=reason)
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        batch = await _load_batch(ctx, actor, batch_id, lock=True)
        check_decidable(status=batch["status"])
        await HandoverBatch.update({HandoverBatch.status: "returned", HandoverBatch.decided_by: actor.staff_id,
                                    HandoverBatch.decided_at: now, HandoverBatch.return_reason: cleaned}).where(
            HandoverBatch.id == batch_id)
        await audit.append(ctx=ctx, action="archive.handover_return", actor=actor.username, origin=origin,
                           target=batch["batch_no"], details={"reason": cleaned})
    return await get_handover(ctx=ctx, actor=actor, batch_id=batch_id)
