"""Main navigation by role (R-PM-01), with links other packages register and their badges."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from litestar.datastructures import State
from piccolo.querystring import QueryString

from crm.staff.access import Actor
from crm.web.render import EXTRA_NAV_STATE, NavEntry, _page_navigation, flash_key, navigation

CLERK = Actor(
    staff_id=7, username="wang.li", display_name="王丽", role="front_desk", branch_id=1, branch_code="DC",
    all_branches=False,
)
MANAGER = dataclasses.replace(CLERK, role="market_manager", username="zhang.wei")


class _Engine:
    """Answers the one statement the navigation runs for its badges, and keeps it."""

    def __init__(self, row: dict[str, int]) -> None:
        self.row = row
        self.statements: list[str] = []

    async def run_querystring(self, querystring: QueryString) -> list[dict[str, int]]:
        self.statements.append(querystring.compile_string(engine_type="sqlite")[0])
        return [self.row]


def _request(entries: tuple[NavEntry, ...], engine: object = None) -> SimpleNamespace:
    ctx = SimpleNamespace(engine=engine)
    return SimpleNamespace(app=SimpleNamespace(state=State({"ctx": ctx, EXTRA_NAV_STATE: entries})))


class TestNavigation:
    def test_the_longest_matching_link_is_the_active_one(self) -> None:
        items = navigation(CLERK, "/customers/new")

        assert [(i.href, i.active) for i in items] == [("/customers", False), ("/customers/new", True)]

    async def test_a_badge_is_counted_only_for_roles_that_see_its_link(self) -> None:
        """Roles that do not decide pay no query for the approvals badge on every page."""
        calls: list[str] = []

        def waiting(*, actor: Actor) -> QueryString:
            calls.append(actor.username)
            return QueryString("SELECT 3")

        entries = (NavEntry(key="nav.approvals", href="/approvals", capability="contract.decide", badge=waiting),)
        engine = _Engine({"c0": 3})

        clerk_items = await _page_navigation(_request(entries), CLERK, "/customers")
        manager_items = await _page_navigation(_request(entries, engine), MANAGER, "/approvals")

        assert calls == ["zhang.wei"]
        assert "/approvals" not in [i.href for i in clerk_items]
        approvals = next(i for i in manager_items if i.href == "/approvals")
        assert (approvals.badge, approvals.active) == (3, True)

    async def test_every_badge_of_a_page_is_one_statement(self) -> None:
        """Each package contributes its count; the page asks for all of them at once."""
        archivist = dataclasses.replace(CLERK, role="archivist", username="zhao.min")
        entries = (
            NavEntry(key="nav.lookups", href="/lookups", capability="archive.access.decide",
                     badge=lambda *, actor: QueryString("SELECT 2")),
            NavEntry(key="nav.handovers", href="/handovers", capability="archive.receive",
                     badge=lambda *, actor: QueryString("SELECT {}", 5)),
            # Nothing can wait for this reader here: no count is asked for.
            NavEntry(key="nav.disposals", href="/disposals", capability="archive.dispose",
                     badge=lambda *, actor: None),
        )
        engine = _Engine({"c0": 2, "c1": 5})

        items = await _page_navigation(_request(entries, engine), archivist, "/customers")

        assert engine.statements == ['SELECT (SELECT 2) AS "c0", (SELECT ?) AS "c1"']
        assert {i.href: i.badge for i in items if i.href in {"/lookups", "/handovers", "/disposals"}} == {
            "/lookups": 2, "/handovers": 5, "/disposals": 0}


class TestFlash:
    def test_only_flash_entries_of_the_catalog_are_shown(self) -> None:
        assert flash_key("opened") == "flash.opened"
        assert flash_key("contract_signed") == "flash.contract_signed"
        assert flash_key("<script>") is None
        assert flash_key("app.name") is None
        assert flash_key(None) is None
