"""Disposal (销毁, R-AR-05): the only path by which an archive's files are destroyed.

The archivist proposes a batch of records whose retention has run out; the general manager
approves or rejects it; the archivist who will execute names at least two witnesses (监销人),
each of whom confirms with their own login; then the archivist executes it. Executing deletes
each file's ciphertext and discards its wrapped key — the file can never be read
again — while the records stay, marked destroyed, with the batch as the destruction register.
"""

from __future__ import annotations

import json
from typing import Any

from archives import disposal_rules, schemas
from archives.counters import next_value
from archives.records import due_for_disposal, load_record
from archives.retention import check_disposable, disposal_due_date
from archives.storage import blob_store
from archives.tables import ArchiveFile, ArchiveRecord, DisposalBatch, DisposalItem, DisposalWitness
from crm import db
from crm.common.fields import FieldError, InvalidFields
from crm.common.labels import label
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff import directory as staff_directory
from crm.staff.access import Actor, require, require_any


class DisposalNotFound(NotFound):
    code = "disposal.not_found"


class AlreadyInDisposal(Conflict):
    code = "disposal.record_in_batch"


class UnknownWitness(InvalidFields):
    pass


async def _items(batch_id: int) -> list[dict[str, Any]]:
    return await DisposalItem.select(
        DisposalItem.record, DisposalItem.record.archive_no, DisposalItem.record.title, DisposalItem.record.retention,
        DisposalItem.record.year, DisposalItem.record.status, DisposalItem.record.contract,
    ).where(DisposalItem.batch == batch_id).order_by(DisposalItem.id)


async def _named(batch_id: int) -> list[dict[str, Any]]:
    """The batch's witnesses as named now (withdrawn nominations left out), in the order named."""
    return await DisposalWitness.select(
        DisposalWitness.id, DisposalWitness.staff, DisposalWitness.named_at, DisposalWitness.confirmed_at,
    ).where((DisposalWitness.batch == batch_id) & DisposalWitness.withdrawn_at.is_null()).order_by(DisposalWitness.id)


async def _to_schema(ctx: AppContext, row: dict[str, Any]) -> schemas.Disposal:
    items = await _items(row["id"])
    named = await _named(row["id"])
    people = await ctx.staff_names.of([row["proposed_by"], row["decided_by"], row["executed_by"],
                                       *(w["staff"] for w in named)])
    names = {i: p.username for i, p in people.items()}
    return schemas.Disposal(
        id=row["id"], batch_no=row["batch_no"], status=row["status"],
        status_label=label(disposal_rules.DISPOSAL_STATUS_LABELS.get(row["status"])), reason=row["reason"],
        proposed_by=names.get(row["proposed_by"]), proposed_at=row["proposed_at"],
        decided_by=names.get(row["decided_by"]), decided_at=row["decided_at"], decision_reason=row["decision_reason"],
        executed_by=names.get(row["executed_by"]), executed_at=row["executed_at"],
        witnesses=json.loads(row["witnesses"]) if row["witnesses"] else [],
        witness_confirmations=[schemas.DisposalWitness(
            username=people[w["staff"]].username, display_name=people[w["staff"]].display_name,
            named_at=w["named_at"], confirmed_at=w["confirmed_at"],
        ) for w in named if w["staff"] in people],
        records=[schemas.DisposalRecord(
            archive_no=i["record.archive_no"], title=i["record.title"], retention=i["record.retention"],
            year=i["record.year"], status=i["record.status"],
            due=disposal_due_date(retention=i["record.retention"], archive_year=i["record.year"]),
        ) for i in items],
    )


async def _load(ctx: AppContext, batch_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = DisposalBatch.select(*DisposalBatch.all_columns()).where(DisposalBatch.id == batch_id)
    row = await (db.locking(query, ctx.engine, of=(DisposalBatch,)) if lock else query).first()
    if row is None:
        raise _not_found(batch_id)
    return row


def _not_found(batch_id: int) -> DisposalNotFound:
    return DisposalNotFound(f"销毁批次 {batch_id} 不存在 / Disposal batch {batch_id} not found", field="id")


async def propose(
    *, ctx: AppContext, actor: Actor, archive_nos: list[str], reason: str | None, origin: Origin
) -> schemas.Disposal:
    """鉴定销毁: only records past their retention, never permanent ones, each in one batch at most."""
    require(actor, "archive.dispose")
    cleaned = disposal_rules.check_appraisal(reason=reason)
    if not archive_nos:
        raise InvalidFields([FieldError("disposal.empty", "请选择要销毁的档案 / Choose the archives to destroy",
                                        "archive_nos")])
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        records = []
        for archive_no in dict.fromkeys(archive_nos):
            record = await load_record(ctx, actor, archive_no)
            check_disposable(archive_no=record["archive_no"], retention=record["retention"],
                             archive_year=record["year"], today=now.date())
            held = await DisposalItem.select(DisposalItem.batch.batch_no).where(
                (DisposalItem.record == record["id"]) & DisposalItem.batch.status.is_in(["proposed", "approved", "executed"])
            ).first()
            if held is not None or record["status"] != "filed":
                raise AlreadyInDisposal(
                    f"档案 {record['archive_no']} 已在销毁批次中 / Archive {record['archive_no']} is already in a disposal batch",
                    field="archive_nos",
                )
            records.append(record)
        seq = await next_value(f"disposal|{now.year}")
        batch_no = f"XH-{now.year}-{seq:04d}"
        inserted = await DisposalBatch.insert(DisposalBatch(
            batch_no=batch_no, status="proposed", reason=cleaned, proposed_by=actor.staff_id, proposed_at=now,
        )).returning(DisposalBatch.id)
        await DisposalItem.insert(*(DisposalItem(batch=inserted[0]["id"], record=r["id"]) for r in records))
        await audit.append(ctx=ctx, action="archive.disposal_propose", actor=actor.username, origin=origin,
                           target=batch_no, details={"archive_nos": [r["archive_no"] for r in records]})
    return await get_disposal(ctx=ctx, actor=actor, batch_id=inserted[0]["id"])


def _require_reader(actor: Actor) -> None:
    # Who proposes and executes, and who approves, both follow every batch.
    require_any(actor, ("archive.dispose", "archive.dispose.approve"))


def _reads_every_batch(actor: Actor) -> bool:
    return bool({"archive.dispose", "archive.dispose.approve"} & actor.capabilities)


async def _is_named(actor: Actor, batch_id: int) -> bool:
    return await DisposalWitness.exists().where(
        (DisposalWitness.batch == batch_id) & (DisposalWitness.staff == actor.staff_id)
        & DisposalWitness.withdrawn_at.is_null())


async def get_disposal(*, ctx: AppContext, actor: Actor, batch_id: int) -> schemas.Disposal:
    """The batch, for the archive room and the general manager, and for the people named to witness it."""
    if not _reads_every_batch(actor) and not await _is_named(actor, batch_id):
        # A batch that does not name them is, to everyone else, a batch that does not exist.
        raise _not_found(batch_id)
    return await _to_schema(ctx, await _load(ctx, batch_id))


# Batches are a handful a year; the cap only bounds a page or badge that would otherwise grow for ever.
_LIST_LIMIT = 500


async def list_disposals(
    *, ctx: AppContext, actor: Actor, status: str | None = None
) -> list[schemas.DisposalSummary]:
    """The disposal batches, newest first, optionally of one status, with their record counts."""
    _require_reader(actor)
    if status is not None and status not in disposal_rules.DISPOSAL_STATUSES:
        raise InvalidInput(f"未知的销毁批次状态 {status[:16]} / Unknown disposal status {status[:16]}",
                           field="status", code="disposal.unknown_status")
    query = DisposalBatch.select(
        DisposalBatch.id, DisposalBatch.batch_no, DisposalBatch.status, DisposalBatch.proposed_by,
        DisposalBatch.proposed_at, DisposalBatch.decided_at, DisposalBatch.executed_at,
    )
    if status is not None:
        query = query.where(DisposalBatch.status == status)
    async with db.read_only(ctx.engine):
        rows = await query.order_by(DisposalBatch.id, ascending=False).limit(_LIST_LIMIT)
        return await _summaries(ctx, rows)


async def _summaries(ctx: AppContext, rows: list[dict[str, Any]]) -> list[schemas.DisposalSummary]:
    counts: dict[int, int] = {}
    for item in await DisposalItem.select(DisposalItem.batch).where(
            DisposalItem.batch.is_in([r["id"] for r in rows] or [0])):
        counts[item["batch"]] = counts.get(item["batch"], 0) + 1
    names = await ctx.staff_names.usernames(r["proposed_by"] for r in rows)
    return [schemas.DisposalSummary(
        id=r["id"], batch_no=r["batch_no"], status=r["status"],
        status_label=label(disposal_rules.DISPOSAL_STATUS_LABELS.get(r["status"])),
        proposed_by=names.get(r["proposed_by"]), proposed_at=r["proposed_at"], decided_at=r["decided_at"],
        executed_at=r["executed_at"], records=counts.get(r["id"], 0),
    ) for r in rows]


# What each side of a disposal waits for: the general manager decides proposed batches, the
# archivist carries out approved ones.
_WAITING_STATUS = {"archive.dispose.approve": "proposed", "archive.dispose": "approved"}
# Still open: a record in one of these cannot be proposed again (AlreadyInDisposal).
_OPEN_STATUSES = ("proposed", "approved")


def _waiting_status(actor: Actor) -> str | None:
    return next((s for cap, s in _WAITING_STATUS.items() if cap in actor.capabilities), None)


def _to_witness(actor: Actor):
    """The approved batches naming the actor as a witness who has not confirmed yet, as a sub-select."""
    return DisposalWitness.select(DisposalWitness.batch).where(
        (DisposalWitness.staff == actor.staff_id) & DisposalWitness.confirmed_at.is_null()
        & DisposalWitness.withdrawn_at.is_null())


def waiting_count_query(*, actor: Actor):
    """The 销毁 badge: the batches waiting for the reader's side, and those waiting for the reader's
    own confirmation as a witness, as one query for crm.db.counts."""
    mine = DisposalBatch.id.is_in(_to_witness(actor)) & (DisposalBatch.status == "approved")
    status = _waiting_status(actor)
    return DisposalBatch.count().where(mine if status is None else (DisposalBatch.status == status) | mine)


def witness_count_query(*, actor: Actor):
    """The 监销确认 badge of a witness who does not otherwise follow disposals."""
    return None if _reads_every_batch(actor) else waiting_count_query(actor=actor)


async def batches_to_witness(*, ctx: AppContext, actor: Actor) -> list[schemas.DisposalSummary]:
    """待我监销: the approved batches waiting for the reader's own confirmation; anyone may ask."""
    rows = await DisposalBatch.select(
        DisposalBatch.id, DisposalBatch.batch_no, DisposalBatch.status, DisposalBatch.proposed_by,
        DisposalBatch.proposed_at, DisposalBatch.decided_at, DisposalBatch.executed_at,
    ).where(DisposalBatch.id.is_in(_to_witness(actor)) & (DisposalBatch.status == "approved")).order_by(DisposalBatch.id)
    return await _summaries(ctx, rows)


async def disposal_overview(*, ctx: AppContext, actor: Actor) -> schemas.DisposalOverview:
    """销毁鉴定 / 销毁审批: the batches waiting for the reader, every batch and, for who proposes, the
    due records with the open batch holding each; a fixed number of queries however many batches.
    """
    to_witness = await batches_to_witness(ctx=ctx, actor=actor)
    if not _reads_every_batch(actor):
        return schemas.DisposalOverview(waiting=[], batches=[], due=[], to_witness=to_witness)
    batches = await list_disposals(ctx=ctx, actor=actor)
    status = _waiting_status(actor)
    due: list[schemas.DisposalDue] = []
    if "archive.dispose" in actor.capabilities:
        records = await due_for_disposal(ctx=ctx, actor=actor)
        held = {r["record.archive_no"]: r["batch.batch_no"] for r in await DisposalItem.select(
            DisposalItem.record.archive_no, DisposalItem.batch.batch_no,
        ).where(DisposalItem.record.archive_no.is_in([r.archive_no for r in records] or [""])
                & DisposalItem.batch.status.is_in(list(_OPEN_STATUSES)))}
        due = [schemas.DisposalDue(record=r, due_date=disposal_due_date(retention=r.retention, archive_year=r.year),
                                   held_in=held.get(r.archive_no)) for r in records]
    return schemas.DisposalOverview(waiting=[b for b in batches if b.status == status], batches=batches, due=due,
                                    to_witness=to_witness)


async def decide(
    *, ctx: AppContext, actor: Actor, batch_id: int, decision: str, reason: str | None, origin: Origin
) -> schemas.Disposal:
    require(actor, "archive.dispose.approve")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, batch_id, lock=True)
        decided = disposal_rules.decide(status=row["status"], actor_role=actor.role, decision=decision, reason=reason)
        await DisposalBatch.update({
            DisposalBatch.status: decided.status, DisposalBatch.decided_by: actor.staff_id,
            DisposalBatch.decided_at: now, DisposalBatch.decision_reason: decided.reason,
        }).where(DisposalBatch.id == batch_id)
        await audit.append(ctx=ctx, action="archive.disposal_decision", actor=actor.username, origin=origin,
                           target=row["batch_no"],
                           details={"decision": decision, "status": decided.status, "reason": decided.reason})
    return await get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)


async def name_witnesses(
    *, ctx: AppContext, actor: Actor, batch_id: int, witnesses: list[str], origin: Origin
) -> schemas.Disposal:
    """指定监销人: the archivist who will execute names the witnesses, who then confirm themselves.

    Naming again replaces the list: those left out are withdrawn (kept, for the trail), those kept
    keep their confirmation, the new ones wait for theirs.
    """
    require(actor, "archive.dispose")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, batch_id, lock=True)
        names = disposal_rules.check_nomination(status=row["status"], executor_username=actor.username,
                                                witnesses=witnesses)
        people = await staff_directory.active_people(usernames=names)
        unknown = [n for n in names if n not in people]
        if unknown:
            raise UnknownWitness([FieldError("disposal.unknown_witness",
                                             f"监销人 {', '.join(unknown)} 不是在职员工 / Witness {', '.join(unknown)} "
                                             "is not an active staff member", "witnesses")])
        disposal_rules.check_witness_roles(roles={n: people[n]["role"] for n in names})
        wanted = [people[n]["id"] for n in names]
        current = {w["staff"]: w for w in await _named(batch_id)}
        dropped = [w["id"] for staff_id, w in current.items() if staff_id not in wanted]
        if dropped:
            await DisposalWitness.update({DisposalWitness.withdrawn_at: now}).where(DisposalWitness.id.is_in(dropped))
        added = [staff_id for staff_id in wanted if staff_id not in current]
        if added:
            await DisposalWitness.insert(*(DisposalWitness(batch=batch_id, staff=staff_id, named_by=actor.staff_id,
                                                           named_at=now) for staff_id in added))
        await audit.append(ctx=ctx, action="archive.disposal_witnesses", actor=actor.username, origin=origin,
                           target=row["batch_no"], details={"witnesses": list(names)})
    return await get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)


async def confirm_witness(*, ctx: AppContext, actor: Actor, batch_id: int, origin: Origin) -> schemas.Disposal:
    """监销确认: a named witness confirms, with their own login, that they supervise this destruction."""
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, batch_id, lock=True)
        mine = await DisposalWitness.select(DisposalWitness.id, DisposalWitness.confirmed_at).where(
            (DisposalWitness.batch == batch_id) & (DisposalWitness.staff == actor.staff_id)
            & DisposalWitness.withdrawn_at.is_null()).first()
        if mine is None:
            raise _not_found(batch_id)
        disposal_rules.check_confirmation(status=row["status"], confirmed_at=mine["confirmed_at"])
        await DisposalWitness.update({DisposalWitness.confirmed_at: now}).where(DisposalWitness.id == mine["id"])
        await audit.append(ctx=ctx, action="archive.disposal_witness_confirm", actor=actor.username, origin=origin,
                           target=row["batch_no"], details={"confirmed_at": now.isoformat()})
    return await get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)


async def execute(*, ctx: AppContext, actor: Actor, batch_id: int, origin: Origin) -> schemas.Disposal:
    """监销: destroy every file of the batch's records once every named witness has confirmed; the register remains."""
    require(actor, "archive.dispose")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, batch_id, lock=True)
        named = await _named(batch_id)
        people = await ctx.staff_names.of(w["staff"] for w in named)
        # A witness who left since confirming no longer stands behind the destruction.
        active = await staff_directory.active_usernames(usernames=[p.username for p in people.values()])
        names = disposal_rules.check_execute(
            status=row["status"], executor_username=actor.username,
            witnesses={people[w["staff"]].username: w["confirmed_at"] is not None
                       and people[w["staff"]].username in active for w in named},
        )
        items = await _items(batch_id)
        files = await ArchiveFile.select(ArchiveFile.id, ArchiveFile.file_id, ArchiveFile.sha256).where(
            ArchiveFile.contract.is_in([i["record.contract"] for i in items] or [0]) & ArchiveFile.wrapped_key.is_not_null())
        # Keys first, in the transaction: once it commits the files are unreadable even if a
        # blob deletion below fails (the fixity inventory then shows it as an orphan).
        await ArchiveFile.update({ArchiveFile.wrapped_key: None, ArchiveFile.destroyed_at: now}).where(
            ArchiveFile.id.is_in([f["id"] for f in files] or [0]))
        await ArchiveRecord.update({ArchiveRecord.status: "destroyed", ArchiveRecord.destroyed_at: now}).where(
            ArchiveRecord.id.is_in([i["record"] for i in items] or [0]))
        await DisposalBatch.update({
            DisposalBatch.status: "executed", DisposalBatch.executed_by: actor.staff_id, DisposalBatch.executed_at: now,
            DisposalBatch.witnesses: json.dumps(list(names)),
        }).where(DisposalBatch.id == batch_id)
        await audit.append(
            ctx=ctx, action="archive.disposal_execute", actor=actor.username, origin=origin, target=row["batch_no"],
            details={"witnesses": list(names), "archive_nos": [i["record.archive_no"] for i in items],
                     "files": [{"file_id": f["file_id"], "sha256": f["sha256"]} for f in files]},
        )
    store = blob_store(ctx)
    for f in files:
        store.delete(f["file_id"])
    return await get_disposal(ctx=ctx, actor=actor, batch_id=batch_id)
