"""Fixity check (R-AR-04): re-read and re-hash every stored file, report what changed or vanished.

Read-only towards the files; the run itself is recorded in the audit trail with its findings,
so a check that found nothing is evidence too.
"""

from __future__ import annotations

from typing import Callable

from archives import schemas
from archives.blobstore import BlobMissing, BlobStoreError
from archives.file_crypto import FileChanged, FileUnreadable, open_file
from archives.storage import blob_store
from archives.tables import ArchiveFile, ArchiveRecord
from contracts import archiving as contracts
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.staff.access import Actor, require

_BATCH = 200
_ACTION = "archive.fixity"


async def run_fixity_check(
    *, ctx: AppContext, actor: Actor, origin: Origin, progress: Callable[[int, int], None] | None = None
) -> schemas.FixityReport:
    require(actor, "archive.fixity")
    started = ctx.now()
    store = blob_store(ctx)
    live = ArchiveFile.wrapped_key.is_not_null()
    total = await ArchiveFile.count().where(live)
    found: list[tuple[dict, str]] = []
    checked, last_id = 0, 0
    while True:
        rows = await ArchiveFile.select(*ArchiveFile.all_columns()).where(
            live & (ArchiveFile.id > last_id)).order_by(ArchiveFile.id).limit(_BATCH)
        if not rows:
            break
        for row in rows:
            last_id = row["id"]
            problem = None
            try:
                open_file(keyring=ctx.keyring, wrapped_key=row["wrapped_key"], ciphertext=store.get(row["file_id"]),
                          file_id=row["file_id"], expected_sha256=row["sha256"])
            except BlobMissing:
                problem = "missing"
            except FileChanged:
                problem = "changed"
            except (FileUnreadable, BlobStoreError):
                problem = "unreadable"
            if problem:
                found.append((row, problem))
            checked += 1
            if progress:
                progress(checked, total)
    # Archive and contract numbers only for the files with a problem: a dict of every record
    # would cost seconds at a million records before the first file is read.
    numbers = {r["contract"]: r["archive_no"] for r in await ArchiveRecord.select(
        ArchiveRecord.contract, ArchiveRecord.archive_no).where(
        ArchiveRecord.contract.is_in([row["contract"] for row, _ in found] or [0]))}
    labels = await contracts.contract_labels(contract_ids=[row["contract"] for row, _ in found])
    problems = [
        schemas.FixityProblem(file_id=row["file_id"], archive_no=numbers.get(row["contract"]),
                              contract_no=labels[row["contract"]]["contract_no"], filename=row["filename"],
                              problem=problem)
        for row, problem in found
    ]
    finished = ctx.now()
    await audit.append_alone(
        ctx=ctx, action=_ACTION, actor=actor.username, origin=origin,
        outcome="success" if not problems else "failure",
        details={"checked": checked, "problems": [{"file_id": p.file_id, "problem": p.problem} for p in problems]},
    )
    return schemas.FixityReport(checked=checked, ok=checked - len(problems), problems=problems,
                                started_at=started, finished_at=finished)


async def fixity_history(*, ctx: AppContext, actor: Actor, limit: int = 20) -> list[schemas.FixityRun]:
    """The latest checks, newest first, read back from the audit trail that records every run."""
    require(actor, "archive.fixity")
    return [schemas.FixityRun(seq=e["seq"], run_at=e["occurred_at"], run_by=e["actor"],
                              checked=int(e["details"].get("checked", 0)),
                              problems=len(e["details"].get("problems", [])), outcome=e["outcome"])
            for e in await audit.recorded(action=_ACTION, limit=min(limit, 200))]
