"""Access checks for staff (R-PM-01..03)."""

from __future__ import annotations

import dataclasses

import pytest

from crm.errors import InvalidInput, PermissionDenied
from crm.staff.access import (
    Actor,
    ClearanceTooLow,
    MissingCapability,
    UnknownField,
    can,
    can_reveal,
    in_scope,
    require,
    require_reveal,
)
from crm.staff.roles import FIELD_CLASSES, ROLES

CLERK = Actor(
    staff_id=7,
    username="zhang.clerk",
    display_name="张小明",
    role="front_desk",
    branch_id=1,
    branch_code="SH01",
    all_branches=False,
)


def _as(role: str, **overrides: object) -> Actor:
    return dataclasses.replace(CLERK, role=role, **overrides)


class TestActor:
    def test_capabilities_and_clearance_come_from_the_role(self) -> None:
        """R-PM-01: an actor's powers are its role's."""

        actor = _as("general_manager")

        assert "customer.correct.approve" in actor.capabilities
        assert actor.clearance == "restricted"

    def test_unknown_role_is_refused_when_building_the_actor(self) -> None:
        """R-PM-01: fail at login, not deep inside a request."""

        with pytest.raises(ValueError):
            _as("superuser")


class TestRequire:
    def test_granted_capability_passes(self) -> None:
        """R-PM-01: the clerk opens accounts."""

        result = require(CLERK, "customer.create")

        assert result is None

    def test_missing_capability_is_denied_with_the_role_named(self) -> None:
        """R-PM-01: the archivist cannot open accounts."""

        with pytest.raises(MissingCapability) as caught:
            require(_as("archivist"), "customer.create")

        assert isinstance(caught.value, PermissionDenied)
        assert caught.value.code == "permission.denied"
        assert "档案管理人员" in caught.value.message

    def test_can_answers_without_raising(self) -> None:
        """R-PM-01: pages hide buttons the actor cannot use."""

        answers = (can(CLERK, "customer.create"), can(CLERK, "customer.correct.approve"))

        assert answers == (True, False)

    def test_sysadmin_cannot_read_customers(self) -> None:
        """R-PM-01: separation of duties."""

        with pytest.raises(MissingCapability):
            require(_as("sysadmin"), "customer.read")


class TestScope:
    def test_own_branch_is_in_scope(self) -> None:
        """R-PM-03: a clerk works on their branch's records."""

        result = in_scope(CLERK, 1)

        assert result is True

    def test_other_branch_is_out_of_scope(self) -> None:
        """R-PM-03: branch A's clerk does not see branch B's customer."""

        result = in_scope(CLERK, 2)

        assert result is False

    def test_all_branch_scope_covers_every_branch(self) -> None:
        """R-PM-03: head-office staff may be granted all-branch scope."""

        result = in_scope(_as("general_manager", all_branches=True), 2)

        assert result is True


class TestRequireReveal:
    @pytest.mark.parametrize("field", ["id_number", "phone", "contact_phone", "address_detail"])
    def test_clerk_may_reveal_confidential_fields(self, field: str) -> None:
        """R-PM-02: confidential clearance covers confidential fields."""

        result = require_reveal(actor=CLERK, field=field)

        assert result is None

    def test_bank_account_needs_restricted_clearance(self) -> None:
        """R-PM-02: bank accounts are restricted."""

        with pytest.raises(ClearanceTooLow) as caught:
            require_reveal(actor=_as("finance"), field="bank_account")

        assert caught.value.code == "permission.clearance"
        assert isinstance(caught.value, PermissionDenied)

    def test_general_manager_may_reveal_bank_accounts(self) -> None:
        """R-PM-02: restricted clearance covers every field."""

        results = [require_reveal(actor=_as("general_manager"), field=f) for f in FIELD_CLASSES]

        assert results == [None] * len(FIELD_CLASSES)

    @pytest.mark.parametrize("role", ["sysadmin", "auditor"])
    def test_roles_without_the_reveal_capability_are_denied(self, role: str) -> None:
        """R-PM-01, R-PM-02: no customer data for administrators and auditors."""

        with pytest.raises(MissingCapability):
            require_reveal(actor=_as(role), field="phone")

    def test_archivist_lacks_the_reveal_capability_despite_clearance(self) -> None:
        """R-PM-02: revealing needs both the capability and the clearance."""

        with pytest.raises(MissingCapability):
            require_reveal(actor=_as("archivist"), field="id_number")

    def test_unknown_field_is_invalid_input(self) -> None:
        """R-PM-02: only the sensitive fields can be revealed."""

        with pytest.raises(UnknownField) as caught:
            require_reveal(actor=CLERK, field="name")

        assert isinstance(caught.value, InvalidInput)
        assert caught.value.code == "customer.unknown_field"
        assert caught.value.field == "field"


class TestCanReveal:
    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("field", [*FIELD_CLASSES, "no_such_field"])
    def test_the_page_offers_revealing_exactly_when_the_service_allows_it(self, role: str, field: str) -> None:
        """R-PM-02: one rule decides; the customer page asks it instead of restating it."""
        actor = _as(role)
        try:
            require_reveal(actor=actor, field=field)
            allowed = True
        except (PermissionDenied, InvalidInput):
            allowed = False

        offered = can_reveal(actor=actor, field=field)

        assert offered is allowed
