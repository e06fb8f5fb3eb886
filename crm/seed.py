"""Loading fixtures: branches, staff and (for the demo) customers with meters and appliances."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path
from typing import Any

from crm import db
from crm.accounts import equipment, service as accounts
from crm.accounts.customer_rules import CustomerInput
from crm.accounts.meter_rules import ApplianceInput, MeterInput
from crm.audit import service as audit
from crm.context import CLI, AppContext
from crm.staff import directory as staff_directory, fixtures as staff_fixtures
from crm.staff.access import Actor

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


async def initialise(ctx: AppContext) -> None:
    """Schema and audit head; idempotent."""
    await db.migrate(ctx.engine)
    await audit.ensure_head()


async def load_staff_fixtures(ctx: AppContext, folder: Path) -> dict[str, int]:
    """Branches and staff from JSON; rows that exist already are left as they are."""
    branches = json.loads((folder / "branches.json").read_text(encoding="utf-8"))
    people = json.loads((folder / "staff.json").read_text(encoding="utf-8"))
    async with db.unit_of_work(ctx.engine):
        counts = await staff_fixtures.add_missing(branches=branches, people=people, hash_password=ctx.hasher.hash)
        if counts["branches"] or counts["staff"]:
            await audit.append(ctx=ctx, action="admin.fixtures", actor=None, origin=CLI, details=counts)
    return counts


async def actor_for(*, username: str) -> Actor:
    """The staff member acting in a command, fixture or test (no login: the caller vouches for them)."""
    row = await staff_directory.staff_by_username(username=username)
    return Actor(
        staff_id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        branch_id=row["branch"],
        branch_code=row["branch.code"],
        all_branches=row["all_branches"],
    )


async def load_demo_customers(ctx: AppContext, folder: Path) -> int:
    """Customers through the same service as the front desk, so they pass every rule."""
    path = folder / "customers.json"
    if not path.exists():
        return 0
    created = 0
    actors: dict[str, Actor] = {}
    for c in json.loads(path.read_text(encoding="utf-8")):
        if await accounts.find_by_id_number(ctx, c["id_number"]):
            continue
        opener = c["opened_by"]
        actor = actors.get(opener) or actors.setdefault(opener, await actor_for(username=opener))
        address = c["address"]
        customer = await accounts.open_account(
            ctx=ctx,
            actor=actor,
            origin=CLI,
            data=CustomerInput(
                category=c["category"], name=c["name"], id_type=c["id_type"], id_number=c["id_number"],
                phone=c["phone"], contact_name=c.get("contact_name"), contact_phone=c.get("contact_phone"),
                province=address["province"], city=address["city"], district=address["district"],
                street=address.get("street"), detail=address["detail"], branch=c["branch"],
                delivery_notice_no=c["delivery_notice_no"], acceptance_drawing_no=c["acceptance_drawing_no"],
            ),
        )
        for m in c.get("meters", []):
            await equipment.add_meter(
                ctx=ctx, actor=actor, account_no=customer.account_no, origin=CLI,
                data=MeterInput(
                    serial=m["serial"], model=m["model"], meter_type=m["meter_type"],
                    installed_date=dt.date.fromisoformat(m["installed_date"]),
                    initial_reading=m["initial_reading"], seal_no=m.get("seal_no"),
                ),
            )
        for a in c.get("appliances", []):
            await equipment.add_appliance(
                ctx=ctx, actor=actor, account_no=customer.account_no, origin=CLI,
                data=ApplianceInput(
                    kind=a["kind"], brand=a["brand"], model=a.get("model"),
                    installed_date=dt.date.fromisoformat(a["installed_date"]),
                ),
            )
        if c.get("status", "active") != "pending":
            await accounts.transition(
                ctx=ctx, actor=actor, account_no=customer.account_no, to="active",
                reason="安装验收合格，通气开户", cause=None, origin=CLI,
            )
        created += 1
    return created


# Other packages' demo data, named rather than imported: crm never imports them
# (dependencies point one way, ARCHITECTURE.md); each loader is idempotent.
DEMO_LOADERS = ("contracts.fixtures:load_demo", "archives.fixtures:load_demo")


async def load_package_demos(ctx: AppContext, folder: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for spec in DEMO_LOADERS:
        module, _, function = spec.partition(":")
        counts.update(await getattr(importlib.import_module(module), function)(ctx=ctx, folder=folder))
    return counts


def demo_logins(folder: Path) -> list[dict[str, Any]]:
    return json.loads((folder / "staff.json").read_text(encoding="utf-8"))
