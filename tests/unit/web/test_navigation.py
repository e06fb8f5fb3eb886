"""Main navigation by role (R-PM-01), with links other packages register and their badges."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from litestar.datastructures import State

from crm.staff.access import Actor
from crm.web.render import EXTRA_NAV_STATE, NavEntry, _page_navigation, flash_key, navigation

CLERK = Actor(
    staff_id=7, username="wang.li", display_name="王丽", role="front_desk", branch_id=1, branch_code="DC",
    all_branches=False,
)
MANAGER = dataclasses.replace(CLERK, role="market_manager", username="zhang.wei")


def _request(entries: tuple[NavEntry, ...]) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=State({"ctx": object(), EXTRA_NAV_STATE: entries})))


class TestNavigation:
    def test_the_longest_matching_link_is_the_active_one(self) -> None:
        items = navigation(CLERK, "/customers/new")

        assert [(i.href, i.active) for i in items] == [("/customers", False), ("/customers/new", True)]

    async def test_a_badge_is_counted_only_for_roles_that_see_its_link(self) -> None:
        """Roles that do not decide pay no query for the approvals badge on every page."""
        calls: list[str] = []

        async def waiting(*, ctx: object, actor: Actor) -> int:
            calls.append(actor.username)
            return 3

        entries = (NavEntry(key="nav.approvals", href="/approvals", capability="contract.decide", badge=waiting),)

        clerk_items = await _page_navigation(_request(entries), CLERK, "/customers")
        manager_items = await _page_navigation(_request(entries), MANAGER, "/approvals")

        assert calls == ["zhang.wei"]
        assert "/approvals" not in [i.href for i in clerk_items]
        approvals = next(i for i in manager_items if i.href == "/approvals")
        assert (approvals.badge, approvals.active) == (3, True)


class TestFlash:
    def test_only_flash_entries_of_the_catalog_are_shown(self) -> None:
        assert flash_key("opened") == "flash.opened"
        assert flash_key("contract_signed") == "flash.contract_signed"
        assert flash_key("<script>") is None
        assert flash_key("app.name") is None
        assert flash_key(None) is None
