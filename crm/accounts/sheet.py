"""打印用户信息: the customer information sheet PDF (R-AC-05, SPEC §9)."""

from __future__ import annotations


from crm import db
from crm.accounts.customer_rules import CATEGORY_LABELS, ID_TYPE_LABELS
from crm.accounts.lifecycle import STATUS_LABELS
from crm.accounts.meter_rules import APPLIANCE_KIND_LABELS, METER_TYPE_LABELS, format_volume_l
from crm.accounts.sealed_fields import SENSITIVE, open_value
from crm.accounts.reveal_rules import RevealRateExceeded
from crm.accounts.service import audit_reveal_refusal, check_reveal_rate, load_for_scope
from crm.common.labels import label
from crm.common.reasons import clean_reason
from crm.accounts.tables import Appliance, Meter
from crm.audit import service as audit
from crm.context import AppContext, Origin
from crm.staff.access import Actor, require, require_reveal
from crm.common.local_time import local_text as _local
from reports.customer_sheet import ApplianceLine, CustomerSheet, MeterLine, render_customer_sheet




async def customer_sheet_pdf(
    *, ctx: AppContext, actor: Actor, account_no: str, full: bool = False, reason: str | None = None, origin: Origin
) -> tuple[str, bytes]:
    """The sheet with masked values; a full copy needs reveal rights and a reason, and is watermarked."""
    require(actor, "customer.sheet")
    if full:
        for field in SENSITIVE:
            require_reveal(actor=actor, field=field)
        reason = clean_reason(value=reason, purpose="full_print")
    now = ctx.now()
    # A full copy is an act of revealing (crm.accounts.reveal_rules): its own action, so the
    # reveal limit and the auditor can tell it from a masked print.
    action = "customer.sheet_full" if full else "customer.sheet"
    try:
        async with db.unit_of_work(ctx.engine):
            row = await load_for_scope(ctx=ctx, actor=actor, account_no=account_no)
            meters = await Meter.select().where(Meter.customer == row["id"]).order_by(Meter.id)
            appliances = await Appliance.select().where(Appliance.customer == row["id"]).order_by(Appliance.id)
            await audit.append(
                ctx=ctx, action=action, actor=actor.username, origin=origin, target=row["account_no"],
                details={"full": full, "reason": reason} if full else {"full": False},
            )
            if full:
                await check_reveal_rate(ctx=ctx, actor=actor)
    except RevealRateExceeded as refused:
        await audit_reveal_refusal(
            ctx=ctx, actor=actor, origin=origin, action=action, target=row["account_no"], refused=refused,
            details={"full": True, "reason": reason},
        )
        raise

    def value(field: str, masked_column: str) -> str:
        if not full:
            return row[masked_column] or ""
        token = row[SENSITIVE[field][0]]
        return open_value(ctx, column=SENSITIVE[field][0], account_no=row["account_no"], token=token) or ""

    detail = value("address_detail", "detail_masked")
    sheet = CustomerSheet(
        company_name=ctx.settings.company_name,
        branch_name=row["branch.name"],
        account_no=row["account_no"],
        name=row["name"],
        category_label=label(CATEGORY_LABELS.get(row["category"])),
        id_type_label=label(ID_TYPE_LABELS.get(row["id_type"])),
        id_number=value("id_number", "id_number_masked"),
        phone=value("phone", "phone_masked"),
        contact_name=row["contact_name"] or "",
        contact_phone=value("contact_phone", "contact_phone_masked"),
        address="".join(p for p in (row["province"], row["city"], row["district"], row["street"], detail) if p),
        status_label=label(STATUS_LABELS.get(row["status"])),
        delivery_notice_no=row["delivery_notice_no"],
        acceptance_drawing_no=row["acceptance_drawing_no"],
        opened_at=_local(row["opened_at"]),
        printed_by=f"{actor.display_name}（{actor.username}）",
        printed_at=_local(now),
        meters=tuple(
            MeterLine(
                serial=m["serial"],
                model=m["model"],
                type_label=label(METER_TYPE_LABELS.get(m["meter_type"])),
                installed_date=m["installed_date"].isoformat() if m["installed_date"] else "",
                initial_reading=format_volume_l(m["initial_reading_l"]),
                seal_no=m["seal_no"] or "",
            )
            for m in meters
        ),
        appliances=tuple(
            ApplianceLine(
                kind_label=label(APPLIANCE_KIND_LABELS.get(a["kind"])),
                brand=a["brand"],
                model=a["model"] or "",
                installed_date=a["installed_date"].isoformat() if a["installed_date"] else "",
            )
            for a in appliances
        ),
        watermark=f"机密 CONFIDENTIAL · {actor.display_name} · {_local(now)}" if full else None,
    )
    return row["account_no"], render_customer_sheet(sheet=sheet, font_path=ctx.settings.cjk_font_path)
