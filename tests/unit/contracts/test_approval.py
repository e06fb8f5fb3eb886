"""The approval-chain table of 第四条 (R-CT-04)."""

from __future__ import annotations

import pytest

from contracts.approval import (
    DRAFTER_ROLES,
    FAMILIES,
    PAYMENT_KINDS,
    REASON_LABELS,
    ROLE_ORDER,
    RULES,
    SIGNER_ROLES,
    ChainFacts,
    ChainStep,
    DrafterNotAllowed,
    SignerNotAllowed,
    approval_chain,
    check_drafter,
    check_signer,
)
from crm.accounts.customer_rules import CATEGORIES
from crm.errors import PermissionDenied
from crm.staff.roles import ROLES


def _chain(
    family: str, category: str = "residential", payment_kind: str = "single", **flags: bool
) -> tuple[ChainStep, ...]:
    return approval_chain(
        facts=ChainFacts(family=family, customer_category=category, payment_kind=payment_kind, **flags)
    )


def _roles(steps: tuple[ChainStep, ...]) -> list[str]:
    return [step.role for step in steps]


class TestApprovalTable:
    def test_every_rule_has_a_unique_key_and_a_known_role(self) -> None:
        """R-CT-04: the table is the single place the chain comes from."""

        keys = [rule.key for rule in RULES]

        assert len(keys) == len(set(keys)) == 5
        assert {rule.role for rule in RULES} <= set(ROLE_ORDER)

    def test_every_rule_has_chinese_and_english_labels(self) -> None:
        """R-CT-04: readable by a manager in either language."""

        labels = REASON_LABELS

        assert set(labels) == {rule.key for rule in RULES}
        assert all(zh and en for zh, en in labels.values())
        assert "经营副总" in labels["installments"][0]

    def test_roles_are_ordered_junior_to_senior(self) -> None:
        """R-CT-04: operations_vp comes after market_manager when both apply."""

        order = ROLE_ORDER

        assert order == ("market_manager", "operations_vp", "general_manager")


class TestApprovalChain:
    @pytest.mark.parametrize("family", ["installation", "supply"])
    def test_residential_paid_at_once_needs_no_approval(self, family: str) -> None:
        """R-CT-04 row 1/4: the front desk signs a scattered residential contract directly."""

        steps = _chain(family, "residential", "single")

        assert steps == ()

    def test_supply_with_settled_fees_needs_no_approval(self) -> None:
        """R-CT-04: 供气合同由业务人员直接办理."""

        steps = _chain("supply", "commercial", "none")

        assert steps == ()

    @pytest.mark.parametrize("category", ["commercial", "collective"])
    def test_commercial_or_collective_installation_needs_market_manager(self, category: str) -> None:
        """R-CT-04 row 2: 商业用户、集体用户安装合同应由市场部经理审核签字."""

        steps = _chain("installation", category)

        assert steps == (ChainStep(role="market_manager", reasons=("non_residential_installation",)),)

    @pytest.mark.parametrize("category", ["industrial", "upstream_supplier", "unheard_of"])
    def test_industrial_upstream_and_unknown_categories_are_treated_like_commercial(self, category: str) -> None:
        """R-CT-04: only a scattered residential installation skips the market manager."""

        steps = _chain("installation", category)

        assert _roles(steps) == ["market_manager"]

    def test_installment_contract_needs_operations_vp(self) -> None:
        """R-CT-04 row 3: 分批付款的安装合同由经营副总签字审批."""

        steps = _chain("installation", "residential", "installments")

        assert steps == (ChainStep(role="operations_vp", reasons=("installments",)),)

    def test_collective_installments_go_to_market_manager_then_operations_vp(self) -> None:
        """R-CT-04 rows 2+3: the VP step comes after the market manager's."""

        steps = _chain("installation", "collective", "installments")

        assert steps == (
            ChainStep(role="market_manager", reasons=("non_residential_installation",)),
            ChainStep(role="operations_vp", reasons=("installments",)),
        )

    def test_supply_with_unsettled_installation_fees_needs_general_manager(self) -> None:
        """R-CT-04 row 5: 未结清安装费用需要送气的由总经理审批签字."""

        steps = _chain("supply", "residential", "none", installation_fees_unsettled=True)

        assert steps == (ChainStep(role="general_manager", reasons=("unsettled_installation_fees",)),)

    def test_unsettled_fees_do_not_matter_outside_supply(self) -> None:
        """R-CT-04: the unsettled-fee rule is about sending gas, i.e. supply contracts."""

        steps = _chain("installation", "residential", "single", installation_fees_unsettled=True)

        assert steps == ()

    def test_take_or_pay_always_needs_general_manager(self) -> None:
        """R-CT-04 row 6: 照付不议合同由总经理审核签订."""

        steps = _chain("take_or_pay", "industrial", "none")

        assert steps == (ChainStep(role="general_manager", reasons=("take_or_pay",)),)

    @pytest.mark.parametrize("family", FAMILIES)
    def test_property_dispute_adds_operations_vp_to_any_family(self, family: str) -> None:
        """R-CT-04 row 7: 大型用户涉及产权归属争议的由经营副总审核确定."""

        steps = _chain(family, "residential", "single", property_dispute=True)

        assert "operations_vp" in _roles(steps)
        vp = next(step for step in steps if step.role == "operations_vp")
        assert "property_dispute" in vp.reasons

    def test_take_or_pay_with_dispute_goes_to_operations_vp_then_general_manager(self) -> None:
        """R-CT-04 rows 6+7."""

        steps = _chain("take_or_pay", "upstream_supplier", "none", property_dispute=True)

        assert steps == (
            ChainStep(role="operations_vp", reasons=("property_dispute",)),
            ChainStep(role="general_manager", reasons=("take_or_pay",)),
        )

    def test_installments_with_dispute_merge_into_one_operations_vp_step(self) -> None:
        """R-CT-04 rows 3+7: one person rules on both, reasons in table order."""

        steps = _chain("installation", "residential", "installments", property_dispute=True)

        assert steps == (ChainStep(role="operations_vp", reasons=("installments", "property_dispute")),)

    def test_supply_unsettled_with_dispute_goes_to_operations_vp_then_general_manager(self) -> None:
        """R-CT-04 rows 5+7."""

        steps = _chain("supply", "commercial", "none", installation_fees_unsettled=True, property_dispute=True)

        assert steps == (
            ChainStep(role="operations_vp", reasons=("property_dispute",)),
            ChainStep(role="general_manager", reasons=("unsettled_installation_fees",)),
        )

    def test_commercial_installments_with_dispute_have_two_steps(self) -> None:
        """R-CT-04 rows 2+3+7: the market manager, then one VP step for both VP reasons."""

        steps = _chain("installation", "commercial", "installments", property_dispute=True)

        assert steps == (
            ChainStep(role="market_manager", reasons=("non_residential_installation",)),
            ChainStep(role="operations_vp", reasons=("installments", "property_dispute")),
        )

    @pytest.mark.parametrize("payment_kind", PAYMENT_KINDS)
    @pytest.mark.parametrize("category", CATEGORIES)
    def test_installation_chain_for_every_category_and_payment_kind(self, category: str, payment_kind: str) -> None:
        """R-CT-04: manager for non-residential, VP for installments, nothing else."""
        expected = []
        if category != "residential":
            expected.append("market_manager")
        if payment_kind == "installments":
            expected.append("operations_vp")

        steps = _chain("installation", category, payment_kind)

        assert _roles(steps) == expected

    @pytest.mark.parametrize("family", FAMILIES)
    @pytest.mark.parametrize("category", CATEGORIES)
    def test_steps_follow_role_order_with_one_step_per_role(self, family: str, category: str) -> None:
        """R-CT-04: with every flag on, still one step per role, junior first."""

        steps = _chain(family, category, "installments", installation_fees_unsettled=True, property_dispute=True)

        roles = _roles(steps)
        assert roles == sorted(roles, key=ROLE_ORDER.index)
        assert len(roles) == len(set(roles))

    def test_unknown_family_is_a_configuration_error(self) -> None:
        """R-CT-04: a contract type pointing nowhere must not silently skip its approvers."""

        with pytest.raises(ValueError, match="family"):
            _chain("leasing")

    def test_unknown_payment_kind_is_a_configuration_error(self) -> None:
        """R-CT-04: a misspelt "installment" must not silently skip the VP."""

        with pytest.raises(ValueError, match="payment kind"):
            _chain("installation", "residential", "installment")


class TestDrafterAndSigner:
    @pytest.mark.parametrize("family", ["installation", "supply"])
    def test_front_desk_drafts_and_signs_installation_and_supply(self, family: str) -> None:
        """R-CT-04: 由业务人员与用户签订."""

        check_drafter(family=family, role="front_desk")
        check_signer(family=family, role="front_desk")

        assert DRAFTER_ROLES[family] == SIGNER_ROLES[family] == frozenset({"front_desk"})

    def test_only_operations_vp_drafts_take_or_pay(self) -> None:
        """R-CT-04: 照付不议合同由经营副总草拟."""

        check_drafter(family="take_or_pay", role="operations_vp")

        assert DRAFTER_ROLES["take_or_pay"] == frozenset({"operations_vp"})

    @pytest.mark.parametrize("role", [r for r in ROLES if r != "operations_vp"])
    def test_anyone_else_drafting_take_or_pay_is_refused(self, role: str) -> None:
        """R-CT-04: not even the general manager drafts what they will review."""

        with pytest.raises(DrafterNotAllowed) as caught:
            check_drafter(family="take_or_pay", role=role)

        assert caught.value.code == "contract.drafter_not_allowed"
        assert isinstance(caught.value, PermissionDenied)
        assert "经营副总" in caught.value.message

    def test_only_general_manager_signs_take_or_pay(self) -> None:
        """R-CT-04: 总经理审核签订."""

        check_signer(family="take_or_pay", role="general_manager")

        with pytest.raises(SignerNotAllowed) as caught:
            check_signer(family="take_or_pay", role="operations_vp")
        assert caught.value.code == "contract.signer_not_allowed"
        assert isinstance(caught.value, PermissionDenied)

    @pytest.mark.parametrize("family", ["installation", "supply"])
    def test_a_manager_does_not_draft_or_sign_front_desk_contracts(self, family: str) -> None:
        """R-CT-04: managers approve; the front desk drafts and signs."""

        with pytest.raises(DrafterNotAllowed):
            check_drafter(family=family, role="market_manager")
        with pytest.raises(SignerNotAllowed):
            check_signer(family=family, role="general_manager")

    def test_unknown_family_for_drafter_or_signer_is_a_configuration_error(self) -> None:
        """R-CT-04: the role tables cover exactly the families."""

        with pytest.raises(ValueError):
            check_drafter(family="leasing", role="front_desk")
        with pytest.raises(ValueError):
            check_signer(family="leasing", role="front_desk")
        assert set(DRAFTER_ROLES) == set(SIGNER_ROLES) == set(FAMILIES)
