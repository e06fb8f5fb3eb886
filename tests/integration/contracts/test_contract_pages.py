"""The contract pages over the contract services (SPEC §3; R-CT-04..06, R-CT-10, R-CT-11, R-BL-07, R-PM-01, R-PM-03).

The pages share the API's services, so these tests check what the page layer adds: the draft
form with its preview, inline errors mapped to the form's rows, the edit form of a draft, the
inbox and its navigation badge, the decision form, the 404 page for another branch, payments
and links shown by role.
"""

from __future__ import annotations

import re

from contracts.tables import ApprovalStep, Contract, FeePayment
from crm.audit.tables import AuditEvent
from tests.integration.contracts.conftest import INSTALLATION_FEN, installation, installments
from tests.integration.test_pages import page_login, submit, text_of

TERMS = "甲方为乙方安装户内燃气管道及设施，乙方按约定支付安装费用。工程验收合格后通气。"


def draft_form(account_no: str, *, action: str = "preview", **overrides) -> dict:
    """The draft form as a clerk fills it: 1 household installation and 12.5 m of DN25 pipe."""
    form = {
        "type": "installation",
        "account_no": account_no,
        "qty-AZ-RES": "1",
        "qty-GD-DN25": "12.5",
        "qty-BJ-01": "",
        "budget_estimate_ref": "",
        "amount": "",
        "payment_kind": "single",
        "terms": TERMS,
        "action": action,
    }
    form.update(overrides)
    return form


def two_installments(**overrides) -> dict:
    """2026-12-31 ¥1,934.37 and 2027-03-31 ¥1,934.38: the ¥3,868.75 of draft_form, in two."""
    rows = {
        "payment_kind": "installments",
        "inst-0-due_date": "2026-12-31", "inst-0-amount": "1934.37", "inst-0-step": "户内管道敷设",
        "inst-1-due_date": "2027-03-31", "inst-1-amount": "1,934.38", "inst-1-step": "表具安装及通气验收",
    }
    rows.update(overrides)
    return rows


def nav_of(page_html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', page_html, re.S).group(0)


async def api_submitted(client, as_role, account_no: str, **overrides) -> str:
    """A contract drafted and submitted through the API by the DC front desk."""
    desk = await as_role("frontdesk")
    response = await client.post("/api/v1/contracts", json=installation(account_no, **overrides), headers=desk)
    assert response.status_code == 201, response.text
    no = response.json()["contract_no"]
    submitted = await client.post(f"/api/v1/contracts/{no}/submit", headers=desk)
    assert submitted.status_code == 200, submitted.text
    return no


class TestDraftForm:
    async def test_preview_shows_the_computed_fee_and_the_chain_it_will_go_through(
        self, client, open_customer, price_standard
    ):
        """R-CT-06: the fee comes from the price standard; R-CT-04 rows 2 and 3: market manager, then VP."""
        await price_standard()
        account_no = await open_customer("commercial")
        await page_login(client, "frontdesk")

        response = await submit(client, "/contracts/new", {**draft_form(account_no), **two_installments()},
                                form_page=f"/contracts/new?account_no={account_no}")

        assert response.status_code == 200, text_of(response.text)
        preview = re.search(r'<section class="card preview-card".*?</section>', response.text, re.S).group(0)
        text = text_of(preview)
        assert "¥3,868.75" in text
        assert "DN25 镀锌管敷设" in text and "1,068.75" in text  # 12.5 m × ¥85.50
        chain = re.search(r'<ol class="chain".*?</ol>', preview, re.S).group(0)
        roles = re.findall(r'<strong class="chain-role">([^<]+)</strong>', chain)
        assert roles == ["市场部经理", "经营副总"]
        assert "商业、集体等非居民用户安装合同由市场部经理审核签字" in text_of(chain)
        assert "分批付款的安装合同由经营副总签字审批" in text_of(chain)
        assert 'value="12.5"' in response.text  # the form keeps what was typed
        assert await Contract.count() == 0

    async def test_a_residential_installation_paid_at_once_previews_without_approval(
        self, client, open_customer, price_standard
    ):
        """R-CT-04 row 1: scattered residential, paid at once: the front desk signs directly."""
        await price_standard()
        account_no = await open_customer("residential")
        await page_login(client, "frontdesk")

        response = await submit(client, "/contracts/new", draft_form(account_no),
                                form_page=f"/contracts/new?account_no={account_no}")

        assert response.status_code == 200
        assert "无需审批，业务人员直接签订" in text_of(response.text)

    async def test_a_fee_mismatch_is_refused_next_to_the_amount_and_nothing_is_written(
        self, client, open_customer, price_standard
    ):
        """R-CT-06: staff cannot over-charge by a single fen."""
        await price_standard()
        account_no = await open_customer("residential")
        await page_login(client, "frontdesk")

        response = await submit(client, "/contracts/new", draft_form(account_no, action="save", amount="3868.76"),
                                form_page=f"/contracts/new?account_no={account_no}")

        assert response.status_code == 422
        error = re.search(r'<p class="field-error" id="f-amount-error">([^<]+)</p>', response.text)
        assert error and "不得多收或少收" in error.group(1)
        assert 'href="#f-amount"' in response.text  # the summary links to the field
        assert await Contract.count() == 0

    async def test_a_missing_installment_due_date_is_refused_on_its_row_and_nothing_is_written(
        self, client, open_customer, price_standard
    ):
        """R-CT-05: installment contracts list every payment deadline."""
        await price_standard()
        account_no = await open_customer("commercial")
        await page_login(client, "frontdesk")
        # The second filled row is the form's third: the error must land there, not on row 2.
        rows = two_installments(**{"inst-1-due_date": "", "inst-1-amount": "", "inst-1-step": ""})
        rows.update({"inst-2-due_date": "", "inst-2-amount": "1934.38", "inst-2-step": "表具安装及通气验收"})

        response = await submit(client, "/contracts/new", {**draft_form(account_no, action="save"), **rows},
                                form_page=f"/contracts/new?account_no={account_no}")

        assert response.status_code == 422
        error = re.search(r'id="f-inst-2-due_date-error">([^<]+)<', response.text)
        assert error and "第 2 期须写明交款期限" in error.group(1)
        assert "第 3 期交款期限" in text_of(response.text)  # the summary names the form's row
        assert await Contract.count() == 0

    async def test_unreadable_numbers_are_refused_before_any_service_call(self, client, open_customer, price_standard):
        await price_standard()
        account_no = await open_customer("residential")
        await page_login(client, "frontdesk")

        response = await submit(client, "/contracts/new",
                                draft_form(account_no, action="save", **{"qty-GD-DN25": "twelve", "amount": "1.234"}),
                                form_page=f"/contracts/new?account_no={account_no}")

        assert response.status_code == 422
        assert 'id="f-qty-GD-DN25-error"' in response.text and 'id="f-amount-error"' in response.text
        assert await Contract.count() == 0

    async def test_saving_a_draft_leads_to_the_contract_page(self, client, open_customer, price_standard):
        """起草: saved as a draft with its fee lines and schedule; the audit trail has it."""
        await price_standard()
        account_no = await open_customer("commercial")
        await page_login(client, "frontdesk")

        response = await submit(client, "/contracts/new", {**draft_form(account_no, action="save"), **two_installments()},
                                form_page=f"/contracts/new?account_no={account_no}")
        page = await client.get(response.headers["location"])

        assert response.status_code == 303
        assert re.match(r"^/contracts/HT-DC-2026-\d{5}\?done=contract_drafted$", response.headers["location"])
        text = text_of(page.text)
        assert "合同草稿已保存" in text
        assert "¥3,868.75" in text and "2027-03-31" in text and "表具安装及通气验收" in text
        assert "提交审批" in text
        assert await AuditEvent.count().where(AuditEvent.action == "contract.draft") == 1

    async def test_the_draft_form_speaks_english_too(self, client, open_customer, price_standard):
        await price_standard()
        account_no = await open_customer("residential")
        await page_login(client, "frontdesk")
        await client.get("/lang", params={"to": "en", "next": "/"})

        page = await client.get(f"/contracts/new?account_no={account_no}")
        refused = await submit(client, "/contracts/new", draft_form(account_no, action="save", amount="1"),
                               form_page=f"/contracts/new?account_no={account_no}")

        assert "Preview fee and approval chain" in page.text and "Save draft" in page.text
        assert "fees may not be raised or lowered" in text_of(refused.text)
        assert "不得多收或少收" not in text_of(refused.text)


def version_of(page_html: str) -> str:
    """The contract version the edit form carries in its hidden field."""
    match = re.search(r'<input type="hidden" name="version" value="(\d+)">', page_html)
    assert match, "the edit form has no version"
    return match.group(1)


async def returned_for_revision(client, as_role, account_no: str, reason: str = "请增加报警器") -> str:
    """A commercial installation submitted, then returned by the market manager with a reason."""
    no = await api_submitted(client, as_role, account_no)
    returned = await client.post(f"/api/v1/contracts/{no}/decisions", headers=await as_role("market"),
                                 json={"decision": "return", "reason": reason})
    assert returned.status_code == 200, returned.text
    return no


class TestEditDraft:
    async def test_a_returned_contract_shows_why_and_offers_the_edit_form_filled_from_it(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-10/11: back to draft with the reason; the form holds what was saved, type and customer fixed."""
        await price_standard()
        account_no = await open_customer("commercial")
        no = await returned_for_revision(client, as_role, account_no)
        await page_login(client, "frontdesk")

        page = await client.get(f"/contracts/{no}")
        form = await client.get(f"/contracts/{no}/edit")

        notice = text_of(re.search(r'<div class="notice notice-warn" role="status" id="returned-notice">.*?</div>',
                                   page.text, re.S).group(0))
        assert "合同已退回草稿，原因： 请增加报警器" in notice
        assert "退回修改" in notice and "张伟" in notice
        assert page.text.count(f'href="/contracts/{no}/edit"') == 2  # in the notice and in the side column
        assert "修改草稿" in text_of(page.text)
        assert form.status_code == 200
        assert 'value="1"' in form.text and 'id="f-qty-GD-DN25" name="qty-GD-DN25" value="12.5"' in form.text
        assert TERMS in form.text
        assert version_of(form.text) == str((await Contract.select(Contract.version).first())["version"])
        assert '<select id="f-type"' not in form.text and 'name="account_no" value="' + account_no in form.text
        assert f'action="/contracts/{no}/edit"' in form.text
        assert "保存修改" in text_of(form.text) and "保存草稿" not in text_of(form.text)

    async def test_the_edit_form_and_the_payments_speak_english_too(self, client, as_role, open_customer, price_standard):
        await price_standard()
        no = await returned_for_revision(client, as_role, await open_customer("commercial"))
        await page_login(client, "frontdesk")
        await client.get("/lang", params={"to": "en", "next": "/"})

        page = await client.get(f"/contracts/{no}")
        form = await client.get(f"/contracts/{no}/edit")

        assert "Sent back to draft. Reason: 请增加报警器" in text_of(page.text)
        assert "Return for revision" in text_of(page.text) and "Edit draft" in text_of(page.text)
        assert "Save changes" in text_of(form.text) and "The type and the customer cannot change" in text_of(form.text)
        assert not re.search(r"\b(edit_draft|contract|payments)\.[a-z_]+\b", text_of(page.text) + text_of(form.text))

    async def test_an_edited_returned_contract_is_repriced_and_resubmitted_in_a_new_round(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-06: the fee is computed again; R-CT-10: the new submission starts a fresh chain (round 2)."""
        await price_standard()
        account_no = await open_customer("commercial")
        no = await returned_for_revision(client, as_role, account_no)
        await page_login(client, "frontdesk")
        version = version_of((await client.get(f"/contracts/{no}/edit")).text)
        edited = draft_form(account_no, **{"qty-BJ-01": "1"}, version=version)

        preview = await submit(client, f"/contracts/{no}/edit", edited, form_page=f"/contracts/{no}/edit")
        amount_after_preview = (await Contract.select(Contract.amount_fen).first())["amount_fen"]
        saved = await submit(client, f"/contracts/{no}/edit", {**edited, "action": "save"},
                             form_page=f"/contracts/{no}/edit")
        page = await client.get(saved.headers["location"])
        resubmitted = await submit(client, f"/contracts/{no}/submit", {}, form_page=f"/contracts/{no}")
        after = await client.get(f"/contracts/{no}")

        assert preview.status_code == 200, text_of(preview.text)
        assert "¥4,318.75" in text_of(re.search(r'<section class="card preview-card".*?</section>', preview.text,
                                                re.S).group(0))  # + one gas alarm at ¥450.00
        assert "保存修改" in text_of(preview.text) and version_of(preview.text) == version
        assert amount_after_preview == INSTALLATION_FEN  # a preview writes nothing
        assert saved.status_code == 303 and saved.headers["location"] == f"/contracts/{no}?done=contract_revised"
        assert "草稿已修改" in text_of(page.text) and "¥4,318.75" in text_of(page.text)
        assert "可燃气体报警器" in text_of(page.text)
        assert await AuditEvent.count().where(AuditEvent.action == "contract.revise") == 1
        assert resubmitted.headers["location"] == f"/contracts/{no}?done=contract_submitted"
        steps = await ApprovalStep.select(ApprovalStep.approval_round, ApprovalStep.status).order_by(ApprovalStep.id)
        assert [(s["approval_round"], s["status"]) for s in steps] == [(1, "returned"), (2, "pending")]
        earlier = text_of(re.search(r'<table class="table table-compact" id="previous-rounds">.*?</table>', after.text,
                                    re.S).group(0))
        assert "第 1 次提交" in earlier and "请增加报警器" in earlier
        assert 'id="returned-notice"' not in after.text and f'href="/contracts/{no}/edit"' not in after.text

    async def test_a_stale_version_shows_the_conflict_on_the_form_and_changes_nothing(
        self, client, as_role, open_customer, price_standard
    ):
        """Two clerks on one draft: the second save over a form filled before the first is refused (409)."""
        await price_standard()
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")
        no = (await client.post("/api/v1/contracts", json=installation(account_no), headers=desk)).json()["contract_no"]
        await page_login(client, "frontdesk")
        version = version_of((await client.get(f"/contracts/{no}/edit")).text)
        meanwhile = await client.patch(f"/api/v1/contracts/{no}", headers=desk, json={
            **installation(account_no, price_items=[{"code": "AZ-RES", "quantity": 1}]), "version": int(version)})
        assert meanwhile.status_code == 200, meanwhile.text

        response = await submit(client, f"/contracts/{no}/edit",
                                draft_form(account_no, action="save", **{"qty-BJ-01": "2"}, version=version),
                                form_page=f"/contracts/{no}/edit")

        assert response.status_code == 409
        error = re.search(r'<p class="field-error" id="f-version-error">([^<]+)</p>', response.text)
        assert error and "合同已被他人修改" in error.group(1)
        assert "合同已被他人修改" in text_of(re.search(r'id="error-summary".*?</div>', response.text, re.S).group(0))
        assert version_of(response.text) == version  # stays stale until reloaded
        assert 'name="qty-BJ-01" value="2"' in response.text  # what was typed is kept
        row = await Contract.select(Contract.amount_fen, Contract.version).first()
        assert row == {"amount_fen": 280_000, "version": int(version) + 1}  # the other clerk's change stands
        assert await AuditEvent.count().where(AuditEvent.action == "contract.revise") == 1

    async def test_a_contract_under_approval_has_no_edit_link_and_its_edit_page_refuses(
        self, client, as_role, open_customer, price_standard
    ):
        """Only a draft is revised: what is under approval is what the approvers see."""
        await price_standard()
        account_no = await open_customer("commercial")
        no = await api_submitted(client, as_role, account_no)
        await page_login(client, "frontdesk")

        page = await client.get(f"/contracts/{no}")
        form = await client.get(f"/contracts/{no}/edit")
        saved = await submit(client, f"/contracts/{no}/edit",
                             draft_form(account_no, action="save", **{"qty-BJ-01": "1"}, version="2"),
                             form_page=f"/contracts/{no}")

        assert f"/contracts/{no}/edit" not in page.text and "修改草稿" not in text_of(page.text)
        assert form.status_code == 409 and "只有草稿可以修改" in text_of(form.text)
        assert saved.status_code == 409 and "只有草稿可以修改" in text_of(saved.text)
        row = await Contract.select(Contract.status, Contract.amount_fen).first()
        assert row == {"status": "pending_approval", "amount_fen": INSTALLATION_FEN}

    async def test_the_approver_and_other_branches_get_no_edit_form(self, client, as_role, open_customer, price_standard):
        """R-PM-01: the market manager decides, the front desk drafts; R-PM-03: XC does not see DC's draft."""
        await price_standard()
        no = await returned_for_revision(client, as_role, await open_customer("commercial"))
        await page_login(client, "market")
        manager_page = await client.get(f"/contracts/{no}")
        manager_form = await client.get(f"/contracts/{no}/edit")
        await page_login(client, "frontdesk2")

        other_branch = await client.get(f"/contracts/{no}/edit")

        assert manager_page.status_code == 200 and f"/contracts/{no}/edit" not in manager_page.text
        assert manager_form.status_code == 403
        assert other_branch.status_code == 404

    async def test_an_edit_priced_on_its_own_budget_estimate_previews_and_saves(self, client, as_role, open_customer):
        """R-CT-06: the draft's own estimate is not "already used" by the draft being edited."""
        account_no = await open_customer("collective")
        recorded = await client.post("/api/v1/budget-estimates", headers=await as_role("finance"), json={
            "ref": "YS-2026-0007", "account_no": account_no, "amount_fen": 1_234_500, "description": "庭院管网预算"})
        assert recorded.status_code == 201, recorded.text
        drafted = await client.post("/api/v1/contracts", headers=await as_role("frontdesk"), json={
            "type": "installation", "account_no": account_no, "terms": TERMS, "budget_estimate_ref": "YS-2026-0007"})
        no = drafted.json()["contract_no"]
        await page_login(client, "frontdesk")
        form = await client.get(f"/contracts/{no}/edit")
        edited = draft_form(account_no, **{"qty-AZ-RES": "", "qty-GD-DN25": ""}, budget_estimate_ref="YS-2026-0007",
                            terms=TERMS + "工期三十天。", version=version_of(form.text))

        preview = await submit(client, f"/contracts/{no}/edit", edited, form_page=f"/contracts/{no}/edit")
        saved = await submit(client, f"/contracts/{no}/edit", {**edited, "action": "save"},
                             form_page=f"/contracts/{no}/edit")

        assert 'name="budget_estimate_ref" type="text" value="YS-2026-0007"' in form.text
        assert preview.status_code == 200, text_of(preview.text)
        assert "¥12,345.00" in text_of(preview.text) and "已用于合同" not in text_of(preview.text)
        assert saved.status_code == 303, text_of(saved.text)
        assert (await Contract.select(Contract.terms).first())["terms"].endswith("工期三十天。")

    async def test_unreadable_edits_are_refused_inline_before_any_service_call(
        self, client, as_role, open_customer, price_standard
    ):
        await price_standard()
        account_no = await open_customer("residential")
        no = (await client.post("/api/v1/contracts", json=installation(account_no),
                                headers=await as_role("frontdesk"))).json()["contract_no"]
        await page_login(client, "frontdesk")

        unreadable = await submit(client, f"/contracts/{no}/edit",
                                  draft_form(account_no, action="save", **{"qty-GD-DN25": "twelve"}, version="1"),
                                  form_page=f"/contracts/{no}/edit")
        versionless = await submit(client, f"/contracts/{no}/edit", draft_form(account_no, action="save"),
                                   form_page=f"/contracts/{no}/edit")

        assert unreadable.status_code == 422 and 'id="f-qty-GD-DN25-error"' in unreadable.text
        assert versionless.status_code == 422 and 'id="f-version-error"' in versionless.text
        assert (await Contract.select(Contract.version).first())["version"] == 1


class TestInbox:
    async def test_the_inbox_lists_what_waits_oldest_first_and_the_badge_counts_it(
        self, client, login, as_role, open_customer, price_standard, clock
    ):
        """审批待办 for the market manager; overdue items are marked (default: 3 days)."""
        await price_standard()
        older = await api_submitted(client, as_role, await open_customer("commercial"))
        account_no = await open_customer("collective")
        clock.advance(days=2)
        desk = await login("frontdesk")  # the first session has expired meanwhile
        newer = (await client.post("/api/v1/contracts", json=installation(account_no), headers=desk)).json()["contract_no"]
        await client.post(f"/api/v1/contracts/{newer}/submit", headers=desk)
        clock.advance(days=3)  # older has waited 5 days, newer 3 days
        await page_login(client, "market")

        page = await client.get("/approvals")

        assert page.status_code == 200
        listed = re.findall(r'<tr class="inbox-row[^"]*" data-contract="([^"]+)"', page.text)
        assert listed == [older, newer]
        older_row = re.search(rf'<tr class="inbox-row row-overdue" data-contract="{older}">.*?</tr>', page.text, re.S)
        assert older_row and "逾期 2 天" in text_of(older_row.group(0))
        assert 'class="inbox-row" data-contract="' + newer in page.text  # 3 days is not more than 3
        badge = re.search(r'href="/approvals"[^>]*>[^<]*<span class="nav-badge"[^>]*>(\d+)</span>', nav_of(page.text))
        assert badge and badge.group(1) == "2"

    async def test_roles_that_decide_nothing_get_no_inbox_link_and_no_badge(self, client, as_role, open_customer, price_standard):
        await price_standard()
        await api_submitted(client, as_role, await open_customer("commercial"))
        await page_login(client, "frontdesk")

        page = await client.get("/customers")

        assert re.findall(r'href="([^"]+)"', nav_of(page.text)) == ["/customers", "/customers/new", "/contracts", "/handover", "/archives", "/lookups/mine"]
        assert "nav-badge" not in page.text

    async def test_a_decision_with_a_reason_is_recorded_from_the_contract_page(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-10: 同意 with a reason; the decider goes back to the inbox, the next step is the VP's."""
        await price_standard()
        no = await api_submitted(client, as_role, await open_customer("commercial"), payment_plan=installments())
        await page_login(client, "market")

        contract_page = await client.get(f"/contracts/{no}")
        decided = await submit(client, f"/contracts/{no}/decision",
                               {"decision": "approve", "reason": "价格合规", "step": "1"}, form_page=f"/contracts/{no}")
        inbox = await client.get(decided.headers["location"])
        after = await client.get(f"/contracts/{no}")

        assert 'id="decision-form"' in contract_page.text
        assert decided.status_code == 303 and decided.headers["location"] == "/approvals?done=contract_decided"
        assert "审批意见已提交" in text_of(inbox.text) and no not in inbox.text
        steps = await ApprovalStep.select(ApprovalStep.seq, ApprovalStep.status, ApprovalStep.decision_reason).order_by(
            ApprovalStep.seq)
        assert [(s["status"], s["decision_reason"]) for s in steps] == [("approved", "价格合规"), ("pending", None)]
        chain = text_of(re.search(r'<table class="table table-compact" id="approval-chain">.*?</table>', after.text, re.S).group(0))
        assert "张伟" in chain and "价格合规" in chain and "同意" in chain
        assert 'id="decision-form"' not in after.text  # the VP's turn now

    async def test_a_rejection_without_a_reason_is_refused_inline(self, client, as_role, open_customer, price_standard):
        """R-CT-10: reject needs a reason; nothing is decided."""
        await price_standard()
        no = await api_submitted(client, as_role, await open_customer("commercial"))
        await page_login(client, "market")

        response = await submit(client, f"/contracts/{no}/decision", {"decision": "reject", "reason": " ", "step": "1"},
                                form_page=f"/contracts/{no}")

        assert response.status_code == 422
        assert re.search(r'id="dc-reason-error">[^<]*请填写原因', response.text)
        assert await ApprovalStep.count().where(ApprovalStep.decided_by.is_not_null()) == 0

    async def test_a_returned_contract_shows_the_reason_and_the_earlier_round_after_resubmission(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-11: returned goes back to draft; a new submission starts a fresh chain, the old decision stays visible."""
        await price_standard()
        no = await api_submitted(client, as_role, await open_customer("commercial"))
        await page_login(client, "market")
        await submit(client, f"/contracts/{no}/decision", {"decision": "return", "reason": "请补充图纸", "step": "1"},
                     form_page=f"/contracts/{no}")
        await page_login(client, "frontdesk")

        returned = await client.get(f"/contracts/{no}")
        resubmitted = await submit(client, f"/contracts/{no}/submit", {}, form_page=f"/contracts/{no}")
        page = await client.get(f"/contracts/{no}")

        assert "合同已退回草稿，原因： 请补充图纸" in text_of(returned.text)
        assert resubmitted.headers["location"] == f"/contracts/{no}?done=contract_submitted"
        earlier = text_of(re.search(r'<table class="table table-compact" id="previous-rounds">.*?</table>', page.text, re.S).group(0))
        assert "退回修改" in earlier and "请补充图纸" in earlier and "张伟" in earlier


class TestContractPage:
    async def test_another_branchs_contract_page_is_a_404_page(self, client, as_role, open_customer, price_standard):
        """R-PM-03: the XC clerk cannot see, sign or download DC's contract."""
        await price_standard()
        no = await api_submitted(client, as_role, await open_customer("residential"))
        await page_login(client, "frontdesk2")

        page = await client.get(f"/contracts/{no}")
        pdf = await client.get(f"/contracts/{no}/document.pdf")
        signed = await submit(client, f"/contracts/{no}/sign", {}, form_page="/contracts")
        listed = await client.get("/contracts")

        assert page.status_code == 404 and "未找到" in text_of(page.text)
        assert pdf.status_code == 404
        assert signed.status_code == 404
        assert no not in listed.text
        assert (await Contract.select(Contract.status).first())["status"] == "approved"

    async def test_a_role_without_contract_draft_sees_no_draft_link(self, client, open_customer):
        """R-PM-01: finance reads customers and contracts but does not draft them."""
        account_no = await open_customer("residential")
        await page_login(client, "frontdesk")
        clerk_view = await client.get(f"/customers/{account_no}")
        await page_login(client, "finance")

        finance_view = await client.get(f"/customers/{account_no}")
        form = await client.get(f"/contracts/new?account_no={account_no}")

        assert f'href="/contracts/new?account_no={account_no}"' in clerk_view.text
        assert "起草合同" in text_of(clerk_view.text)
        assert finance_view.status_code == 200
        assert "/contracts/new" not in finance_view.text and "起草合同" not in text_of(finance_view.text)
        assert f'href="/contracts?account_no={account_no}"' in finance_view.text
        assert form.status_code == 403

    async def test_the_front_desk_submits_signs_collects_and_downloads_from_the_page(
        self, client, as_role, open_customer, price_standard
    ):
        """R-CT-04 row 1, R-CT-11, R-BL-07: no approval, signed, a payment filled into the schedule, the PDF."""
        await price_standard()
        account_no = await open_customer("residential")
        desk = await as_role("frontdesk")
        drafted = await client.post("/api/v1/contracts", json=installation(account_no), headers=desk)
        no = drafted.json()["contract_no"]
        await page_login(client, "frontdesk")

        submitted = await submit(client, f"/contracts/{no}/submit", {}, form_page=f"/contracts/{no}")
        signed = await submit(client, f"/contracts/{no}/sign", {}, form_page=f"/contracts/{no}")
        too_much = await submit(client, f"/contracts/{no}/payments",
                                {"amount": "5000", "paid_on": "", "channel": "counter", "reference": ""},
                                form_page=f"/contracts/{no}")
        paid = await submit(client, f"/contracts/{no}/payments",
                            {"amount": "1,000.00", "paid_on": "2026-11-25", "channel": "wechat", "reference": "WX-1"},
                            form_page=f"/contracts/{no}")
        page = await client.get(f"/contracts/{no}")
        pdf = await client.get(f"/contracts/{no}/document.pdf")

        assert submitted.headers["location"] == f"/contracts/{no}?done=contract_approved_directly"
        assert signed.headers["location"] == f"/contracts/{no}?done=contract_signed"
        assert too_much.status_code == 422 and re.search(r'id="pm-amount-error">[^<]*超过未结清金额', too_much.text)
        assert paid.status_code == 303
        assert await FeePayment.count() == 1
        assert "¥2,868.75" in text_of(page.text)  # outstanding after ¥1,000.00
        payments = text_of(re.search(r'<table class="table table-compact" id="payment-records">.*?</table>', page.text,
                                     re.S).group(0))
        assert "收款记录" in text_of(page.text)
        assert "2026-11-25" in payments and "1,000.00" in payments and "微信支付" in payments and "WX-1" in payments
        assert "frontdesk" in payments
        assert paid.headers["location"] == f"/contracts/{no}?done=payment_recorded#payments"
        parties = text_of(re.search(r'<section class="card" aria-labelledby="parties-title">.*?</section>', page.text,
                                    re.S).group(0))
        assert parties.count("王丽") == 2  # drafted and signed by the front desk, by name
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == (
            f"attachment; filename=\"contract-{no}.pdf\"; filename*=UTF-8''contract-{no}.pdf"
        )

    async def test_transitions_need_a_reason(self, client, as_role, open_customer, price_standard):
        """R-CT-11: 履行 / 终止 each with a stated reason."""
        await price_standard()
        no = await api_submitted(client, as_role, await open_customer("residential"))
        await client.post(f"/api/v1/contracts/{no}/sign", headers=await as_role("frontdesk"))
        await page_login(client, "frontdesk")

        bare = await submit(client, f"/contracts/{no}/status", {"to": "active", "reason": ""}, form_page=f"/contracts/{no}")
        moved = await submit(client, f"/contracts/{no}/status", {"to": "active", "reason": "开工安装"},
                             form_page=f"/contracts/{no}")

        assert bare.status_code == 422 and re.search(r'id="st-reason-error"', bare.text)
        assert moved.headers["location"] == f"/contracts/{no}?done=contract_status_changed"
        assert (await Contract.select(Contract.status, Contract.status_reason).first()) == {
            "status": "active", "status_reason": "开工安装"}

    async def test_the_list_filters_by_status_and_customer(self, client, as_role, open_customer, price_standard):
        await price_standard()
        first = await api_submitted(client, as_role, await open_customer("commercial"))
        account_no = await open_customer("residential")
        second = await api_submitted(client, as_role, account_no)
        await page_login(client, "frontdesk")

        pending = await client.get("/contracts", params={"status": "pending_approval"})
        by_customer = await client.get("/contracts", params={"account_no": account_no})
        unknown = await client.get("/contracts", params={"status": "nonsense"})

        assert first in pending.text and second not in pending.text
        assert second in by_customer.text and first not in by_customer.text
        assert unknown.status_code == 422 and "未知的合同状态" in text_of(unknown.text)
