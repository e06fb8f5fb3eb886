"""Staff and branches as other packages read them, and the staff rows a departure changes.

The one place outside `crm.staff` goes for people and branches (ARCHITECTURE.md: each package
owns its rows): contracts, archives, accounts and the seed never query the staff tables
themselves. Reads take plain values and return plain dicts; none checks permissions, which
stay with the calling use case. Writes run inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crm.staff.tables import Branch, Staff


async def branch_by_code(*, code: str) -> dict[str, Any] | None:
    return await Branch.select().where(Branch.code == code).first()


async def list_branches() -> list[dict[str, Any]]:
    return await Branch.select().order_by(Branch.number)


async def branch_count() -> int:
    """Also the health check's proof that the schema is there and answering."""
    return await Branch.count()


async def staff_by_username(*, username: str) -> dict[str, Any] | None:
    """Every column of the person, with their branch's code as ``branch.code``."""
    return await Staff.select(*Staff.all_columns(), Staff.branch.code).where(Staff.username == username).first()


async def names_by_id(*, staff_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(username, display name) of each person, in one query."""
    ids = sorted(set(staff_ids))
    if not ids:
        return {}
    rows = await Staff.select(Staff.id, Staff.username, Staff.display_name).where(Staff.id.is_in(ids))
    return {r["id"]: (r["username"], r["display_name"]) for r in rows}


async def active_usernames(*, usernames: Iterable[str]) -> set[str]:
    """Which of these are people on the staff today (disabled accounts are not)."""
    names = sorted(set(usernames))
    if not names:
        return set()
    rows = await Staff.select(Staff.username).where(Staff.username.is_in(names) & (Staff.active == True))  # noqa: E712
    return {r["username"] for r in rows}


async def active_people(*, usernames: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The people on the staff today among these usernames: username -> {id, username, role}."""
    names = sorted(set(usernames))
    if not names:
        return {}
    rows = await Staff.select(Staff.id, Staff.username, Staff.role).where(
        Staff.username.is_in(names) & (Staff.active == True)  # noqa: E712
    )
    return {r["username"]: r for r in rows}


async def staff_overview() -> list[dict[str, Any]]:
    """Everyone, people in work first, then by branch, role and username; ``branch.name`` included."""
    return await Staff.select(
        Staff.username, Staff.display_name, Staff.role, Staff.active, Staff.disabled_at, Staff.branch.name,
    ).order_by(Staff.active, ascending=False).order_by(Staff.branch).order_by(Staff.role).order_by(Staff.username)


async def active_colleagues(*, role: str, excluding_staff_id: int) -> list[dict[str, Any]]:
    """Active holders of ``role`` other than this person, by username; ``branch.name`` included."""
    return await Staff.select(Staff.username, Staff.display_name, Staff.branch.name).where(
        (Staff.role == role) & (Staff.active == True) & (Staff.id != excluding_staff_id)  # noqa: E712
    ).order_by(Staff.username)
