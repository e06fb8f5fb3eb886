"""Roles, capabilities and clearances (R-PM-01)."""

from __future__ import annotations

import pytest

from crm.staff.roles import (
    CAPABILITIES,
    CAPABILITY_LABELS,
    CLEARANCE_LABELS,
    CLEARANCES,
    FIELD_CLASSES,
    ROLE_CLEARANCE,
    ROLE_LABELS,
    ROLES,
    capabilities_of,
    clearance_allows,
)


class TestRoleTables:
    @pytest.mark.parametrize(
        "table", [ROLE_LABELS, CAPABILITIES, ROLE_CLEARANCE], ids=["labels", "capabilities", "clearance"]
    )
    def test_every_role_has_an_entry_in_every_table(self, table: dict[str, object]) -> None:
        """R-PM-01: a role missing from a table would fail at the worst moment."""

        keys = set(table)

        assert keys == set(ROLES)

    def test_every_granted_capability_is_a_known_one(self) -> None:
        """R-PM-01: a typo in the table would grant nothing and fail silently."""

        granted = set().union(*CAPABILITIES.values())

        assert granted <= set(CAPABILITY_LABELS)

    def test_every_clearance_and_field_class_is_a_known_level(self) -> None:
        """R-PM-01: public < internal < confidential < restricted."""

        used = set(ROLE_CLEARANCE.values()) | set(FIELD_CLASSES.values())

        assert used <= set(CLEARANCES)
        assert set(CLEARANCE_LABELS) == set(CLEARANCES)

    def test_roles_have_their_chinese_titles(self) -> None:
        """R-PM-01: the names staff know from the company regulations."""

        chinese = [ROLE_LABELS[r][0] for r in ROLES]

        assert chinese == [
            "业务人员/营业厅",
            "市场部经理",
            "经营副总",
            "总经理",
            "财务部",
            "档案管理人员",
            "网络管理员",
            "内部审计",
        ]


class TestCapabilities:
    def test_sysadmin_has_no_customer_capability(self) -> None:
        """R-PM-01: separation of duties, the administrator sees no customer data."""

        customer = {
            c for c in capabilities_of("sysadmin") if c.startswith(("customer.", "meter.", "appliance.", "contract."))
        }

        assert customer == set()
        # Contract types are configuration: they hold no customer data.
        assert capabilities_of("sysadmin") == {"staff.admin", "contract_type.admin"}

    def test_auditor_only_reads(self) -> None:
        """R-PM-05: read-only access to the audit trail; issue 15 item 9: auditors read billing records."""

        capabilities = capabilities_of("auditor")

        assert "audit.read" in capabilities
        assert all(c.endswith(".read") for c in capabilities), capabilities

    def test_front_desk_opens_and_maintains_accounts(self) -> None:
        """R-AC-01..08: the counter does the day-to-day work but cannot approve corrections."""

        capabilities = capabilities_of("front_desk")

        assert {"customer.create", "customer.update", "meter.write", "appliance.write"} <= capabilities
        assert "customer.correct.request" in capabilities
        assert "customer.correct.approve" not in capabilities

    @pytest.mark.parametrize("role", ["market_manager", "operations_vp", "general_manager"])
    def test_managers_approve_corrections(self, role: str) -> None:
        """R-AC-08: 客户信息错误更正 needs manager approval."""

        capabilities = capabilities_of(role)

        assert "customer.correct.approve" in capabilities
        assert "customer.create" not in capabilities

    def test_nobody_both_requests_and_approves_corrections(self) -> None:
        """R-AC-08: four eyes on every correction."""

        both = [r for r in ROLES if {"customer.correct.request", "customer.correct.approve"} <= capabilities_of(r)]

        assert both == []

    @pytest.mark.parametrize(("role", "can_transition"), [("finance", True), ("general_manager", True), ("archivist", False)])
    def test_who_may_freeze_and_close_accounts(self, role: str, can_transition: bool) -> None:
        """R-AC-07: finance freezes for arrears; the archivist only reads."""

        granted = "customer.transition" in capabilities_of(role)

        assert granted is can_transition

    def test_unknown_role_raises(self) -> None:
        """R-PM-01: an unknown role is a data error, not a silent deny."""

        with pytest.raises(ValueError):
            capabilities_of("superuser")


class TestClearance:
    @pytest.mark.parametrize(
        ("clearance", "field_class", "allowed"),
        [
            ("public", "public", True),
            ("public", "internal", False),
            ("internal", "confidential", False),
            ("confidential", "confidential", True),
            ("confidential", "restricted", False),
            ("restricted", "confidential", True),
            ("restricted", "restricted", True),
        ],
    )
    def test_a_clearance_covers_its_level_and_below(self, clearance: str, field_class: str, allowed: bool) -> None:
        """R-PM-01: public < internal < confidential < restricted."""

        result = clearance_allows(clearance=clearance, field_class=field_class)

        assert result is allowed

    def test_unknown_level_raises(self) -> None:
        """R-PM-01: a typo must not open or close access silently."""

        with pytest.raises(ValueError):
            clearance_allows(clearance="secret", field_class="public")

    def test_sysadmin_clearance_covers_no_personal_field(self) -> None:
        """R-PM-01, R-PM-02: separation of duties holds for clearance too."""

        visible = [f for f, c in FIELD_CLASSES.items() if clearance_allows(clearance=ROLE_CLEARANCE["sysadmin"], field_class=c)]

        assert visible == []
