"""Branches and staff from fixture data (`crm init`, the demo), for crm.seed.

Rows that exist already are left as they are, so loading twice changes nothing. Runs inside
the caller's unit of work, which also records the audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from crm.staff.tables import Branch, Staff


async def add_missing(
    *, branches: Sequence[dict[str, Any]], people: Sequence[dict[str, Any]], hash_password: Callable[[str], str]
) -> dict[str, int]:
    """Insert the branches and people not there yet (by code, by username); how many of each."""
    counts = {"branches": 0, "staff": 0}
    for b in branches:
        if not await Branch.exists().where(Branch.code == b["code"]):
            await Branch.insert(
                Branch(code=b["code"], number=b["number"], name=b["name"], is_head_office=b.get("head_office", False))
            )
            counts["branches"] += 1
    ids = {r["code"]: r["id"] for r in await Branch.select(Branch.id, Branch.code)}
    for p in people:
        if await Staff.exists().where(Staff.username == p["username"]):
            continue
        await Staff.insert(
            Staff(
                username=p["username"],
                display_name=p["display_name"],
                role=p["role"],
                branch=ids[p["branch"]],
                all_branches=p.get("all_branches", False),
                password_hash=hash_password(p["password"]),
                must_change_password=p.get("must_change_password", True),
            )
        )
        counts["staff"] += 1
    return counts
