"""Customer-account use cases (SPEC §2, R-AC-01..09; R-PM-02..04).

Each public function takes the acting staff member and plain values, checks capability and
branch scope, runs in one transaction and writes its audit event there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from piccolo.columns.combination import WhereRaw

from crm import db
from crm.accounts import schemas, sealed_fields
from crm.accounts.account_numbers import make_account_no
from crm.accounts.customer_rules import (
    CATEGORY_LABELS,
    CustomerInput,
    validate_customer_changes,
    validate_new_customer,
)
from crm.accounts.lifecycle import STATUS_LABELS, check_transition
from crm.accounts.reveal_rules import REVEAL_ACTIONS, RevealRateExceeded
from crm.common.masking import mask_value
from crm.common.phones import normalise_phone
from crm.accounts.tables import AccountCounter, Customer, CustomerHistory
from crm.audit import service as audit
from crm.common.labels import label
from crm.common.reasons import clean_reason
from crm.context import AppContext, Origin
from crm.errors import Conflict, InvalidInput, NotFound
from crm.staff import directory as staff_directory
from crm.staff.access import Actor, in_scope, require, require_reveal

PAGE_SIZE = 20
TABLE = "customer"


class CustomerNotFound(NotFound):
    code = "customer.not_found"


class DuplicateIdNumber(Conflict):
    """R-AC-06. ``existing_account_no`` is None when the account is outside the caller's scope
    (R-PM-03): they learn only which branch to contact. ``hit_account_no`` is for the audit trail."""

    code = "customer.duplicate_id"

    def __init__(self, message: str, *, existing_account_no: str | None, branch: str, hit_account_no: str) -> None:
        super().__init__(message, field="id_number")
        self.existing_account_no = existing_account_no
        self.branch = branch
        self.hit_account_no = hit_account_no

    def as_dict(self) -> dict[str, Any]:
        named = {"existing_account_no": self.existing_account_no} if self.existing_account_no else {}
        return {**super().as_dict(), **named, "branch": self.branch}


class StaleUpdate(Conflict):
    code = "customer.stale"


class UnknownBranch(InvalidInput):
    code = "customer.unknown_branch"


class BranchOutOfScope(InvalidInput):
    code = "customer.branch_out_of_scope"


async def _branch(code: str) -> dict[str, Any]:
    branch = await staff_directory.branch_by_code(code=code)
    if branch is None:
        raise UnknownBranch(f"营业网点 {code} 不存在 / Unknown branch {code}", field="branch")
    return branch


async def _next_account_no(ctx: AppContext, branch: dict[str, Any]) -> str:
    # One statement: create the branch's counter at 2 (handing out 1) or bump it; the row
    # lock it takes keeps numbers unique under concurrent openings.
    row = await AccountCounter.raw(
        "INSERT INTO account_counter (branch, next_value) VALUES ({}, 2) "
        "ON CONFLICT (branch) DO UPDATE SET next_value = account_counter.next_value + 1 "
        "RETURNING next_value",
        branch["id"],
    )
    return make_account_no(branch_no=branch["number"], sequence=row[0]["next_value"] - 1)


async def record_history(
    *,
    customer_id: int,
    actor: Actor | None,
    now: dt.datetime,
    action: str,
    changes: Iterable[tuple[str | None, str | None, str | None]] = ((None, None, None),),
    reason: str | None = None,
) -> None:
    rows = [
        CustomerHistory(
            customer=customer_id,
            changed_at=now,
            actor=actor.staff_id if actor else None,
            action=action,
            field=field,
            old_value=old,
            new_value=new,
            reason=reason,
        )
        for field, old, new in changes
    ]
    await CustomerHistory.insert(*rows)


async def find_by_id_number(ctx: AppContext, id_number: str) -> dict[str, Any] | None:
    return await Customer.select(Customer.id, Customer.account_no, Customer.branch).where(
        Customer.id_number_bidx == sealed_fields.index(ctx, purpose="id_number", value=id_number)
    ).first()


async def open_account(*, ctx: AppContext, actor: Actor, data: CustomerInput, origin: Origin) -> schemas.Customer:
    """开户 (R-AC-01..06, R-AC-09): validate, refuse duplicates, seal, number, record."""
    require(actor, "customer.create")
    valid = validate_new_customer(data)
    try:
        try:
            account_no = await _insert_customer(ctx, actor=actor, valid=valid, origin=origin)
        except db.UniqueViolation as race:
            # Another desk opened the same ID number between our check and our insert.
            existing = await find_by_id_number(ctx, valid.id_number) if "id_number" in race.constraint else None
            if existing is None:
                raise
            raise await duplicate_id(ctx=ctx, actor=actor, existing=existing) from race
    except DuplicateIdNumber as hit:
        await audit_duplicate(ctx=ctx, actor=actor, origin=origin, hit=hit, via="open")
        raise
    return await get_customer(ctx=ctx, actor=actor, account_no=account_no)


async def duplicate_id(*, ctx: AppContext, actor: Actor, existing: dict[str, Any]) -> DuplicateIdNumber:
    """The refusal for an ID number already on file (``existing`` from find_by_id_number).

    Another branch's account number would be a 404 to this caller (R-PM-03), so they are told
    the branch to contact instead; a branch is not personal data.
    """
    branch = await ctx.branches.by_id(existing["branch"])
    code, name = (branch.code, branch.name) if branch else ("", "")
    account_no = existing["account_no"]
    if in_scope(actor, existing["branch"]):
        return DuplicateIdNumber(
            f"该证件号码已开户，户号 {account_no} / This ID number already has account {account_no}",
            existing_account_no=account_no, branch=code, hit_account_no=account_no,
        )
    return DuplicateIdNumber(
        f"该证件号已在其他营业网点登记，请联系{name} / Already registered at another branch: contact {name}",
        existing_account_no=None, branch=code, hit_account_no=account_no,
    )


async def audit_duplicate(
    *, ctx: AppContext, actor: Actor, origin: Origin, hit: DuplicateIdNumber, via: str, **details: Any
) -> None:
    """R-PM-05: every duplicate hit is recorded, in its own transaction, since the use case's rolls back.

    A hit tells the caller that a person is a customer: repeated hits are how someone would probe
    for ID numbers, so the auditor sees whose account was hit and whether it was named.
    """
    await audit.append_alone(
        ctx=ctx, action="customer.duplicate_id_hit", actor=actor.username, origin=origin, outcome="failure",
        target=hit.hit_account_no,
        details={"existing_account_no": hit.hit_account_no, "branch": hit.branch,
                 "named": hit.existing_account_no is not None, "via": via, **details},
    )


async def audit_duplicate_hits(
    *, ctx: AppContext, actor: Actor, origin: Origin, hits: list[DuplicateIdNumber], via: str, alone: bool = True
) -> None:
    """One event for a batch of hits (an import): an event per row would flood the trail on a re-run.

    ``alone=False`` when called inside a unit of work that commits whatever the hits.
    """
    if not hits:
        return
    append = audit.append_alone if alone else audit.append
    await append(
        ctx=ctx, action="customer.duplicate_id_hit", actor=actor.username, origin=origin, outcome="failure",
        target=hits[0].hit_account_no,
        details={"existing_account_nos": [h.hit_account_no for h in hits], "branches": sorted({h.branch for h in hits}),
                 "named": sum(h.existing_account_no is not None for h in hits), "via": via},
    )


async def _insert_customer(ctx: AppContext, *, actor: Actor, valid: CustomerInput, origin: Origin) -> str:
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        branch = await _branch(valid.branch)
        if not in_scope(actor, branch["id"]):
            raise BranchOutOfScope(
                "只能在本人所属营业网点开户 / You can only open accounts in your own branch", field="branch"
            )
        existing = await find_by_id_number(ctx, valid.id_number)
        if existing is not None:
            raise await duplicate_id(ctx=ctx, actor=actor, existing=existing)
        account_no = await _next_account_no(ctx, branch)
        row = Customer(
            account_no=account_no,
            branch=branch["id"],
            category=valid.category,
            name=valid.name,
            id_type=valid.id_type,
            contact_name=valid.contact_name,
            province=valid.province,
            city=valid.city,
            district=valid.district,
            street=valid.street,
            delivery_notice_no=valid.delivery_notice_no,
            acceptance_drawing_no=valid.acceptance_drawing_no,
            status="pending",
            opened_at=now,
            updated_at=now,
            created_by=actor.staff_id,
        )
        for column, value in sealed_fields.sealed_values(ctx, data=valid, account_no=account_no).items():
            setattr(row, column._meta.name, value)
        await row.save()
        await record_history(customer_id=row.id, actor=actor, now=now, action="opened")
        await audit.append(
            ctx=ctx, action="customer.open", actor=actor.username, origin=origin, target=account_no,
            details={"branch": branch["code"], "category": valid.category},
        )
    return account_no


# Neither select joins the branch: _load names it from ctx.branches, which holds every branch
# in memory, so the most frequent reads in the system stay one statement each.
_CUSTOMER_BY_NUMBER = db.CachedSelect(
    lambda account_no: Customer.select(*Customer.all_columns()).where(Customer.account_no == account_no),
    params=1,
    first=True,
)


# What a customer view shows: no sealed values, index digests or bookkeeping.
_CUSTOMER_VIEW_BY_NUMBER = db.CachedSelect(
    lambda account_no: Customer.select(
        *(
            c for c in Customer._meta.columns
            if not c._meta.name.endswith(("_sealed", "_bidx")) and c._meta.name not in ("id", "created_by")
        ),
    ).where(Customer.account_no == account_no),
    params=1,
    first=True,
)


async def _load(ctx: AppContext, actor: Actor, account_no: str, *, query: db.CachedSelect = _CUSTOMER_BY_NUMBER) -> dict[str, Any]:
    """A customer the actor may see; another branch's customer is indistinguishable from none."""
    row = await query.run(ctx.engine, (account_no or "").strip())
    if row is None or not in_scope(actor, row["branch"]):
        raise CustomerNotFound(f"用户 {account_no} 不存在 / Customer {account_no} not found", field="account_no")
    branch = await ctx.branches.by_id(row["branch"])
    row["branch.code"], row["branch.name"] = (branch.code, branch.name) if branch else ("", "")
    return row


def to_schema(row: dict[str, Any]) -> schemas.Customer:
    masked = ["id_number", "phone", "address_detail"] + (["contact_phone"] if row["contact_phone_masked"] else [])
    return schemas.Customer(
        account_no=row["account_no"],
        branch=row["branch.code"],
        branch_name=row["branch.name"],
        category=row["category"],
        category_label=label(CATEGORY_LABELS.get(row["category"])),
        name=row["name"],
        id_type=row["id_type"],
        id_number=row["id_number_masked"],
        phone=row["phone_masked"],
        contact_name=row["contact_name"],
        contact_phone=row["contact_phone_masked"],
        address=schemas.Address(
            province=row["province"],
            city=row["city"],
            district=row["district"],
            street=row["street"],
            detail=row["detail_masked"],
        ),
        delivery_notice_no=row["delivery_notice_no"],
        acceptance_drawing_no=row["acceptance_drawing_no"],
        status=row["status"],
        status_label=label(STATUS_LABELS.get(row["status"])),
        status_reason=row["status_reason"],
        freeze_cause=row["freeze_cause"],
        balance_fen=row["balance_fen"],
        version=row["version"],
        opened_at=row["opened_at"],
        updated_at=row["updated_at"],
        masked_fields=masked,
    )


async def get_customer(*, ctx: AppContext, actor: Actor, account_no: str) -> schemas.Customer:
    require(actor, "customer.read")
    return to_schema(await _load(ctx, actor, account_no, query=_CUSTOMER_VIEW_BY_NUMBER))


def _summary(row: dict[str, Any], *, branch_codes: dict[int, str]) -> schemas.CustomerSummary:
    return schemas.CustomerSummary(
        account_no=row["account_no"],
        name=row["name"],
        category=row["category"],
        category_label=label(CATEGORY_LABELS.get(row["category"])),
        branch=branch_codes[row["branch"]],
        status=row["status"],
        status_label=label(STATUS_LABELS.get(row["status"])),
        phone=row["phone_masked"],
        id_number=row["id_number_masked"],
        address="".join(p for p in (row["city"], row["district"], row["street"]) if p),
    )


_SUMMARY_COLUMNS = (
    Customer.account_no,
    Customer.name,
    Customer.category,
    Customer.branch,
    Customer.status,
    Customer.phone_masked,
    Customer.id_number_masked,
    Customer.city,
    Customer.district,
    Customer.street,
)


# Counting every match of a broad search in a million rows costs more than the page itself;
# beyond this many the list says "10000+" (nobody pages that far: they narrow the search).
COUNT_CAP = 10_000


def _name_prefix(prefix: str, engine: Any) -> Any:
    """Names starting with ``prefix``, in a form the name index can serve on each engine.

    What the user typed is matched literally: wildcards are escaped, not honoured.
    """
    if engine.engine_type == "sqlite":
        # SQLite's LIKE folds case and so cannot use the (BINARY) name index; GLOB can.
        literal = "".join(f"[{c}]" if c in "*?[" else c for c in prefix)
        return WhereRaw('"customer"."name" GLOB {}', f"{literal}*")
    # PostgreSQL: a text_pattern_ops index (migration 2026-11-25T15:20) serves LIKE 'p%'.
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Customer.name.like(f"{escaped}%")


async def ids_with_name_prefix(*, ctx: AppContext, prefix: str, limit: int = 1000) -> list[int]:
    """For sibling modules (archive search): customers whose name starts with ``prefix``, by the name index."""
    rows = await Customer.select(Customer.id).where(_name_prefix(prefix, ctx.engine)).limit(limit)
    return [r["id"] for r in rows]


async def _ids_with_phone(digest: str) -> list[int]:
    """Customers whose own or contact phone has this digest: one index lookup per column.

    Not one query with OR: most customers have no contact phone, so the planner's statistics
    make that index look useless and the OR turns into a scan of every customer.
    """
    ids: set[int] = set()
    for column in (Customer.phone_bidx, Customer.contact_phone_bidx):
        rows = await Customer.select(Customer.id).where(column == digest).limit(COUNT_CAP + 1)
        ids.update(r["id"] for r in rows)
    return sorted(ids)


async def search_customers(
    *,
    ctx: AppContext,
    actor: Actor,
    query: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    status: str | None = None,
    page: int = 1,
    after: str | None = None,
) -> schemas.CustomerPage:
    """Find by account number, name prefix, or (exactly, via blind index) ID number or phone.

    Pages go in account-number order. ``after`` (the last account number of the previous
    page) is keyset pagination: any depth costs the same, unlike ``page``, which skips rows.
    """
    require(actor, "customer.read")
    page = max(1, int(page or 1))
    where = []
    if not actor.all_branches:
        where.append(Customer.branch == actor.branch_id)
    if status:
        if status not in STATUS_LABELS:
            raise InvalidInput(f"未知状态 {status} / Unknown status {status}", field="status", code="customer.unknown_status")
        where.append(Customer.status == status)
    text = (query or "").strip()
    if text:
        compact = text.replace(" ", "").replace("-", "")
        if compact.isdigit() and len(compact) == 11:
            where.append(Customer.account_no == compact)
        else:
            where.append(_name_prefix(text, ctx.engine))
    if id_number and id_number.strip():
        where.append(Customer.id_number_bidx == sealed_fields.index(ctx, purpose="id_number", value=id_number.strip()))
    if phone and phone.strip():
        digest = sealed_fields.index(ctx, purpose="phone", value=normalise_phone(phone, field="phone"))
        where.append(Customer.id.is_in(await _ids_with_phone(digest) or [0]))
    matching = Customer.select(Customer.id)
    for condition in where:
        matching = matching.where(condition)
    select = Customer.select(*_SUMMARY_COLUMNS).order_by(Customer.account_no).limit(PAGE_SIZE)
    for condition in where:
        select = select.where(condition)
    if after:
        select = select.where(Customer.account_no > after.strip())
        page = 0  # a cursor page has no number
    else:
        select = select.offset((page - 1) * PAGE_SIZE)
    async with db.read_only(ctx.engine):
        rows = await select
        counted = await Customer.raw(
            "SELECT count(*) AS n FROM ({}) AS capped", matching.limit(COUNT_CAP + 1).querystrings[0]
        )
    total = counted[0]["n"]
    codes = await ctx.branches.codes(r["branch"] for r in rows)
    return schemas.CustomerPage(
        items=[_summary(r, branch_codes=codes) for r in rows], page=page, page_size=PAGE_SIZE,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP, next_after=rows[-1]["account_no"] if len(rows) == PAGE_SIZE else None,
    )


def current_values(row: dict[str, Any], ctx: AppContext) -> CustomerInput:
    """The current values, decrypted, for re-validation of a change."""
    no = row["account_no"]
    return CustomerInput(
        category=row["category"],
        name=row["name"],
        id_type=row["id_type"],
        id_number=sealed_fields.open_value(ctx, column="id_number_sealed", account_no=no, token=row["id_number_sealed"]),
        phone=sealed_fields.open_value(ctx, column="phone_sealed", account_no=no, token=row["phone_sealed"]),
        contact_name=row["contact_name"],
        contact_phone=sealed_fields.open_value(ctx, column="contact_phone_sealed", account_no=no, token=row["contact_phone_sealed"]),
        province=row["province"],
        city=row["city"],
        district=row["district"],
        street=row["street"],
        detail=sealed_fields.open_value(ctx, column="detail_sealed", account_no=no, token=row["detail_sealed"]),
        branch=row["branch.code"],
        delivery_notice_no=row["delivery_notice_no"],
        acceptance_drawing_no=row["acceptance_drawing_no"],
    )


def _stale() -> StaleUpdate:
    return StaleUpdate(
        "该用户信息已被他人修改，请刷新后重试 / Someone else changed this customer; reload and try again",
        field="version",
    )


def _check_version(row: dict[str, Any], expected_version: int | None) -> None:
    """The desk's form was filled from ``expected_version``; a newer row means it acted on stale data."""
    if expected_version is not None and expected_version != row["version"]:
        raise _stale()


async def _write_version(row: dict[str, Any], values: dict[Any, Any]) -> None:
    """Write ``values`` and bump the version, only if the row is still the version read.

    On PostgreSQL a concurrent writer's UPDATE waits for ours and then finds the version moved;
    on SQLite writers queue for the whole transaction. Either way the loser changes nothing.
    """
    updated = await (
        Customer.update({**values, Customer.version: row["version"] + 1})
        .where((Customer.id == row["id"]) & (Customer.version == row["version"]))
        .returning(Customer.id)
    )
    if not updated:
        raise _stale()


_PLAIN_FIELDS = ("contact_name", "province", "city", "district", "street", "delivery_notice_no", "acceptance_drawing_no")
_MASKED_FIELDS = {"phone": "phone", "contact_phone": "phone", "detail": "address_detail"}


async def update_customer(
    *, ctx: AppContext, actor: Actor, account_no: str, changes: CustomerInput, expected_version: int | None, origin: Origin
) -> schemas.Customer:
    """Edit contact and address details; name and ID go through corrections (R-AC-08)."""
    require(actor, "customer.update")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, account_no)
        if row["status"] == "closed":
            raise Conflict("已注销的用户不能修改 / A closed account cannot be changed", code="customer.closed")
        _check_version(row, expected_version)
        current = current_values(row, ctx)
        valid = validate_customer_changes(current=current, changes=changes)
        values: dict[Any, Any] = {}
        diff: list[tuple[str, str | None, str | None]] = []
        for name in _PLAIN_FIELDS:
            new = getattr(valid, name)
            if new is not None and new != (getattr(current, name) or ""):
                new = new or None
                values[getattr(Customer, name)] = new
                diff.append((name, getattr(current, name), new))
        sensitive_changed = CustomerInput(
            **{
                name: getattr(valid, name)
                for name in _MASKED_FIELDS
                if getattr(valid, name) is not None and getattr(valid, name) != (getattr(current, name) or "")
            }
        )
        values.update(sealed_fields.sealed_values(ctx, data=sensitive_changed, account_no=row["account_no"]))
        for name, kind in _MASKED_FIELDS.items():
            new = getattr(sensitive_changed, name)
            if new is not None:
                diff.append((name, mask_value(kind=kind, value=getattr(current, name)), mask_value(kind=kind, value=new) or None))
        if not diff:
            return to_schema(row)
        values[Customer.updated_at] = now
        await _write_version(row, values)
        await record_history(customer_id=row["id"], actor=actor, now=now, action="updated", changes=diff)
        await audit.append(
            ctx=ctx, action="customer.update", actor=actor.username, origin=origin, target=row["account_no"],
            details={"fields": [d[0] for d in diff]},
        )
        row = await _load(ctx, actor, account_no)
    return to_schema(row)


async def transition(
    *,
    ctx: AppContext,
    actor: Actor,
    account_no: str,
    to: str,
    reason: str,
    cause: str | None,
    expected_version: int | None = None,
    origin: Origin,
) -> schemas.Customer:
    """开通 / 冻结 / 解冻 / 注销 with a reason, recorded in history and audit (R-AC-07).

    Two desks acting on the same account at once: the status is checked against the row as read
    and written only if nobody changed it since, so exactly one of them wins and the other gets 409.
    """
    require(actor, "customer.transition")
    now = ctx.now()
    async with db.unit_of_work(ctx.engine):
        row = await _load(ctx, actor, account_no)
        _check_version(row, expected_version)
        reason = check_transition(
            current=row["status"], target=to, reason=reason, cause=cause, balance_fen=row["balance_fen"]
        )
        await _write_version(row, {
            Customer.status: to,
            Customer.status_reason: reason,
            Customer.freeze_cause: cause if to == "frozen" else None,
            Customer.updated_at: now,
        })
        await record_history(
            customer_id=row["id"], actor=actor, now=now, action="status", changes=[("status", row["status"], to)], reason=reason
        )
        await audit.append(
            ctx=ctx, action="customer.transition", actor=actor.username, origin=origin, target=row["account_no"],
            details={"from": row["status"], "to": to, "reason": reason, "cause": cause},
        )
        row = await _load(ctx, actor, account_no)
    return to_schema(row)


async def reveal(
    *, ctx: AppContext, actor: Actor, account_no: str, field: str, reason: str, origin: Origin
) -> schemas.Revealed:
    """Show one full sensitive value, for a stated reason, and log it (R-PM-02)."""
    require(actor, "customer.read")
    require_reveal(actor=actor, field=field)
    reason = clean_reason(value=reason, purpose="reveal")
    try:
        async with db.unit_of_work(ctx.engine):
            row = await _load(ctx, actor, account_no)
            await audit.append(
                ctx=ctx, action="customer.reveal", actor=actor.username, origin=origin, target=row["account_no"],
                details={"field": field, "reason": reason},
            )
            await check_reveal_rate(ctx=ctx, actor=actor)
            column = sealed_fields.SENSITIVE[field][0]
            value = sealed_fields.open_value(ctx, column=column, account_no=row["account_no"], token=row[column]) or ""
    except RevealRateExceeded as refused:
        await audit_reveal_refusal(
            ctx=ctx, actor=actor, origin=origin, action="customer.reveal", target=row["account_no"],
            refused=refused, details={"field": field, "reason": reason},
        )
        raise
    return schemas.Revealed(field=field, value=value)


async def check_reveal_rate(*, ctx: AppContext, actor: Actor) -> None:
    """Refuse an act of revealing past the person's hourly budget (crm.accounts.reveal_rules).

    Called after the act's own audit event is appended: that append holds the audit head's lock
    until commit, so concurrent reveals are counted one after another and the count includes
    this one. Raising rolls the event back; the caller records the refusal on its own.
    """
    policy = ctx.reveal_policy
    revealed = await audit.count_since(
        ctx=ctx, actor=actor.username, actions=REVEAL_ACTIONS, since=policy.window_start(ctx.now())
    )
    policy.check(revealed=revealed)


# How far back the auditor's page counts refused reveals.
REFUSALS_SHOWN_FOR = dt.timedelta(hours=24)


async def refused_reveals(*, ctx: AppContext, actor: Actor) -> int:
    """For the auditor's page: acts of revealing refused past the rate limit in the last 24 hours."""
    require(actor, "audit.read")
    return await audit.count_since(
        ctx=ctx, actor=None, actions=REVEAL_ACTIONS, outcome="failure", since=ctx.now() - REFUSALS_SHOWN_FOR
    )


async def audit_reveal_refusal(
    *, ctx: AppContext, actor: Actor, origin: Origin, action: str, target: str, refused: RevealRateExceeded,
    details: dict[str, Any],
) -> None:
    """R-PM-05: the refused reveal stays in the trail (outcome failure), flagged for the auditor."""
    await audit.append_alone(
        ctx=ctx, action=action, actor=actor.username, origin=origin, outcome="failure", target=target,
        details={**details, "code": refused.code, "limit": ctx.reveal_policy.per_hour},
    )


async def history(*, ctx: AppContext, actor: Actor, account_no: str) -> list[schemas.HistoryEntry]:
    require(actor, "customer.read")
    async with db.read_only(ctx.engine):
        row = await _load(ctx, actor, account_no)
        rows = await CustomerHistory.select(CustomerHistory.all_columns()).where(
            CustomerHistory.customer == row["id"]).order_by(CustomerHistory.id)
        names = await ctx.staff_names.usernames(r["actor"] for r in rows)
    return [
        schemas.HistoryEntry(
            changed_at=r["changed_at"],
            actor=names.get(r["actor"]),
            action=r["action"],
            field=r["field"],
            old_value=r["old_value"],
            new_value=r["new_value"],
            reason=r["reason"],
        )
        for r in rows
    ]


async def load_for_scope(*, ctx: AppContext, actor: Actor, account_no: str) -> dict[str, Any]:
    """For sibling modules (meters, sheets, corrections) that act on a customer in scope."""
    return await _load(ctx, actor, account_no)
