"""Opening and changing customer accounts (R-AC-01..04, R-AC-08)."""

from __future__ import annotations

import dataclasses

import pytest

from crm.accounts.customer_rules import (
    CATEGORIES,
    CATEGORY_ID_TYPES,
    CATEGORY_LABELS,
    CUSTOMER_FIELDS,
    FIELD_LABELS,
    ID_TYPE_LABELS,
    ID_TYPES,
    CustomerInput,
    CustomerInvalid,
    FieldError,
    NotCorrectable,
    validate_correction,
    validate_customer_changes,
    validate_new_customer,
)
from crm.errors import InvalidInput

RESIDENT_ID = "11010519491231002X"
OTHER_RESIDENT_ID = "110101199003074477"
CREDIT_CODE = "91350100M000100Y43"
OTHER_CREDIT_CODE = "914403001922038216"

RESIDENT = CustomerInput(
    category="residential",
    name="张三",
    id_type="resident_id",
    id_number=RESIDENT_ID,
    phone="13812345678",
    province="上海市",
    city="上海市",
    district="徐汇区",
    street="漕河泾街道",
    detail="幸福路1号3栋201室",
    branch="SH01",
    delivery_notice_no="SQ-2024-0001",
    acceptance_drawing_no="YS_2024_0001",
)

COLLECTIVE = dataclasses.replace(
    RESIDENT,
    category="collective",
    name="幸福小区业主委员会",
    id_type="credit_code",
    id_number=CREDIT_CODE,
    contact_name="李四",
    contact_phone="021-12345678",
)


def _errors_of(data: CustomerInput) -> dict[str, str]:
    with pytest.raises(CustomerInvalid) as caught:
        validate_new_customer(data)
    return {error.field: error.code for error in caught.value.errors}


class TestTables:
    def test_categories_have_chinese_labels(self) -> None:
        """R-AC-02: 居民, 商业, 集体, 工业, 上游供应商."""

        chinese = [CATEGORY_LABELS[c][0] for c in CATEGORIES]

        assert chinese == ["居民", "商业", "集体", "工业", "上游供应商"]
        assert set(CATEGORY_ID_TYPES) == set(CATEGORIES)

    def test_id_types_have_chinese_labels(self) -> None:
        """R-AC-01: 居民身份证 / 统一社会信用代码."""

        chinese = [ID_TYPE_LABELS[t][0] for t in ID_TYPES]

        assert chinese == ["居民身份证", "统一社会信用代码"]

    def test_every_field_has_a_label(self) -> None:
        """Messages name fields in both languages."""

        missing = set(CUSTOMER_FIELDS) - set(FIELD_LABELS)

        assert missing == set()


class TestValidateNewCustomer:
    def test_complete_residential_customer_is_accepted(self) -> None:
        """R-AC-01, R-AC-04: a full, valid form passes unchanged."""

        result = validate_new_customer(RESIDENT)

        assert result == RESIDENT

    def test_values_are_normalised(self) -> None:
        """R-AC-01: stripped strings, canonical phone and ID, empty optionals become None."""
        typed = dataclasses.replace(
            RESIDENT,
            name="  张三 ",
            id_number=" 11010519491231002x",
            phone="+86 138-1234-5678",
            street="   ",
            delivery_notice_no="ＳＱ－２０２４－０００１",
        )

        result = validate_new_customer(typed)

        assert result.name == "张三"
        assert result.id_number == RESIDENT_ID
        assert result.phone == "13812345678"
        assert result.street is None
        assert result.delivery_notice_no == "SQ-2024-0001"

    def test_complete_collective_customer_is_accepted(self) -> None:
        """R-AC-03: a collective customer with contact person and phone."""

        result = validate_new_customer(COLLECTIVE)

        assert result.contact_phone == "021-12345678"

    def test_all_errors_are_reported_at_once(self) -> None:
        """R-AC-01..04: the form shows every problem inline, not one per submit."""

        errors = _errors_of(CustomerInput())

        assert errors == {
            "category": "validation.required",
            "name": "validation.required",
            "id_type": "validation.required",
            "id_number": "validation.required",
            "phone": "validation.required",
            "province": "validation.required",
            "city": "validation.required",
            "district": "validation.required",
            "detail": "validation.required",
            "branch": "validation.required",
            "delivery_notice_no": "validation.required",
            "acceptance_drawing_no": "validation.required",
        }

    def test_exception_mirrors_the_first_error_and_lists_all(self) -> None:
        """The HTTP layer can treat it as any InvalidInput, the form can use the list."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_new_customer(dataclasses.replace(RESIDENT, name=None, phone="123"))

        error = caught.value
        assert isinstance(error, InvalidInput)
        assert (error.code, error.field) == ("validation.required", "name")
        assert error.as_dict()["errors"] == [
            {"code": "validation.required", "message": error.errors[0].message, "field": "name"},
            {"code": "customer.invalid_phone", "message": error.errors[1].message, "field": "phone"},
        ]
        assert error.as_dict()["code"] == "validation.required"

    def test_an_empty_error_list_is_a_programming_error(self) -> None:
        """CustomerInvalid always carries at least one error."""

        with pytest.raises(ValueError):
            CustomerInvalid([])

    def test_unknown_category_is_refused(self) -> None:
        """R-AC-02: only the five categories exist."""

        errors = _errors_of(dataclasses.replace(RESIDENT, category="government"))

        assert errors == {"category": "customer.unknown_category"}

    @pytest.mark.parametrize(
        ("category", "id_type", "id_number"),
        [
            ("residential", "credit_code", CREDIT_CODE),
            ("collective", "resident_id", RESIDENT_ID),
            ("industrial", "resident_id", RESIDENT_ID),
            ("upstream_supplier", "resident_id", RESIDENT_ID),
        ],
    )
    def test_id_type_must_fit_the_category(self, category: str, id_type: str, id_number: str) -> None:
        """R-AC-01: individuals use resident IDs, organisations credit codes."""
        data = dataclasses.replace(COLLECTIVE, category=category, id_type=id_type, id_number=id_number)

        errors = _errors_of(data)

        assert errors == {"id_type": "customer.id_type_mismatch"}

    @pytest.mark.parametrize(("id_type", "id_number"), [("resident_id", RESIDENT_ID), ("credit_code", CREDIT_CODE)])
    def test_commercial_customers_may_use_either_document(self, id_type: str, id_number: str) -> None:
        """R-AC-01, R-AC-02: a sole trader registers with a resident ID."""
        data = dataclasses.replace(RESIDENT, category="commercial", id_type=id_type, id_number=id_number)

        result = validate_new_customer(data)

        assert result.id_type == id_type

    def test_unknown_id_type_is_refused(self) -> None:
        """R-AC-01: only resident IDs and credit codes."""

        errors = _errors_of(dataclasses.replace(RESIDENT, id_type="passport", id_number="E12345678"))

        assert errors == {"id_type": "customer.invalid_id_type"}

    def test_invalid_id_number_is_refused(self) -> None:
        """R-AC-01: the check digit is verified."""

        errors = _errors_of(dataclasses.replace(RESIDENT, id_number="110105194912310021"))

        assert errors == {"id_number": "customer.invalid_id_number"}

    @pytest.mark.parametrize(("name", "code"), [("张", "validation.too_short"), ("张" * 101, "validation.too_long")])
    def test_name_must_have_2_to_100_characters(self, name: str, code: str) -> None:
        """R-AC-01: real names have at least two characters."""

        errors = _errors_of(dataclasses.replace(RESIDENT, name=name))

        assert errors == {"name": code}

    def test_control_characters_are_refused(self) -> None:
        """Invisible characters break printing and duplicate detection."""

        errors = _errors_of(dataclasses.replace(RESIDENT, name="张\x00三"))

        assert errors == {"name": "validation.invalid_chars"}

    def test_invalid_phone_is_refused(self) -> None:
        """R-AC-01: the customer must be reachable."""

        errors = _errors_of(dataclasses.replace(RESIDENT, phone="400-820-8820"))

        assert errors == {"phone": "customer.invalid_phone"}

    @pytest.mark.parametrize("missing", ["contact_name", "contact_phone"])
    def test_collective_customer_needs_contact_name_and_phone(self, missing: str) -> None:
        """R-AC-03: 集体用户必须有联系人姓名和电话."""

        errors = _errors_of(dataclasses.replace(COLLECTIVE, **{missing: "  "}))

        assert errors == {missing: "customer.collective_contact_required"}

    def test_collective_customer_without_any_contact_gets_one_error_per_field(self) -> None:
        """R-AC-03: both fields are marked on the form."""

        errors = _errors_of(dataclasses.replace(COLLECTIVE, contact_name=None, contact_phone=None))

        assert errors == {
            "contact_name": "customer.collective_contact_required",
            "contact_phone": "customer.collective_contact_required",
        }

    def test_other_customers_may_leave_the_contact_out(self) -> None:
        """R-AC-03 applies to collective customers only."""

        result = validate_new_customer(dataclasses.replace(RESIDENT, contact_name=None, contact_phone=None))

        assert result.contact_name is None

    def test_contact_phone_is_validated_when_given(self) -> None:
        """R-AC-03: a contact phone must be callable."""

        errors = _errors_of(dataclasses.replace(RESIDENT, contact_phone="12345"))

        assert errors == {"contact_phone": "customer.invalid_phone"}

    @pytest.mark.parametrize(
        ("field", "limit"),
        [
            ("province", 50),
            ("city", 50),
            ("district", 50),
            ("street", 100),
            ("detail", 200),
            ("branch", 16),
            ("contact_name", 50),
            ("delivery_notice_no", 64),
            ("acceptance_drawing_no", 64),
        ],
    )
    def test_oversized_values_are_refused(self, field: str, limit: int) -> None:
        """R-AC-04, R-AC-05: every text field has a limit."""
        at_limit = dataclasses.replace(RESIDENT, **{field: "号" * limit})
        over_limit = dataclasses.replace(RESIDENT, **{field: "号" * (limit + 1)})

        accepted = validate_new_customer(at_limit)
        errors = _errors_of(over_limit)

        assert getattr(accepted, field) == "号" * limit
        assert errors == {field: "validation.too_long"}

    @pytest.mark.parametrize("field", ["delivery_notice_no", "acceptance_drawing_no"])
    def test_reference_numbers_refuse_odd_characters(self, field: str) -> None:
        """R-AC-04: document numbers are letters, digits, CJK and a little punctuation."""

        errors = _errors_of(dataclasses.replace(RESIDENT, **{field: "SQ 2024;DROP"}))

        assert errors == {field: "validation.invalid_format"}

    def test_chinese_document_numbers_are_accepted(self) -> None:
        """R-AC-04: 燃气验〔2024〕12号 is how such documents are numbered."""

        result = validate_new_customer(dataclasses.replace(RESIDENT, acceptance_drawing_no="燃气验〔2024〕12号"))

        assert result.acceptance_drawing_no == "燃气验〔2024〕12号"


class TestValidateCustomerChanges:
    def test_only_given_fields_are_returned_normalised(self) -> None:
        """R-AC-08: the history records exactly what changed."""

        result = validate_customer_changes(current=RESIDENT, changes=CustomerInput(phone="+86 139 0000 1111"))

        assert result == CustomerInput(phone="13900001111")

    def test_clearing_an_optional_field_returns_an_empty_string(self) -> None:
        """R-AC-08: "" means clear, None means untouched."""

        result = validate_customer_changes(current=RESIDENT, changes=CustomerInput(street=""))

        assert result.street == ""
        assert result.detail is None

    def test_clearing_a_required_field_is_refused(self) -> None:
        """R-AC-05: the address detail cannot be removed."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_customer_changes(current=RESIDENT, changes=CustomerInput(detail=" "))

        assert caught.value.errors[0] == FieldError(
            code="validation.required", message=caught.value.errors[0].message, field="detail"
        )

    def test_collective_customer_cannot_clear_its_contact(self) -> None:
        """R-AC-03: the rule holds for the merged record, not just the form."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_customer_changes(current=COLLECTIVE, changes=CustomerInput(contact_phone=""))

        assert caught.value.code == "customer.collective_contact_required"
        assert caught.value.field == "contact_phone"

    def test_residential_customer_may_clear_its_contact(self) -> None:
        """R-AC-03 applies to collective customers only."""
        current = dataclasses.replace(RESIDENT, contact_name="王五")

        result = validate_customer_changes(current=current, changes=CustomerInput(contact_name=""))

        assert result.contact_name == ""

    @pytest.mark.parametrize(
        ("field", "value"), [("name", "李四"), ("id_type", "credit_code"), ("id_number", OTHER_RESIDENT_ID)]
    )
    def test_identity_changes_need_a_correction_request(self, field: str, value: str) -> None:
        """R-AC-08: name and ID changes need manager approval."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_customer_changes(current=RESIDENT, changes=CustomerInput(**{field: value}))

        assert caught.value.code == "customer.correction_required"
        assert caught.value.field == field

    @pytest.mark.parametrize(("field", "value"), [("category", "commercial"), ("branch", "SH02")])
    def test_category_and_branch_cannot_be_changed(self, field: str, value: str) -> None:
        """R-AC-02: category and branch are fixed at opening."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_customer_changes(current=RESIDENT, changes=CustomerInput(**{field: value}))

        assert caught.value.code == "customer.field_immutable"
        assert caught.value.field == field

    def test_unchanged_protected_fields_from_a_full_form_are_dropped(self) -> None:
        """R-AC-08: an edit form that resends the name is not a correction."""
        changes = dataclasses.replace(RESIDENT, id_number=RESIDENT_ID.lower(), name=" 张三 ", phone="13900001111")

        result = validate_customer_changes(current=RESIDENT, changes=changes)

        assert result.name is None
        assert result.id_number is None
        assert result.category is None
        assert result.branch is None
        assert result.phone == "13900001111"

    def test_all_change_errors_are_reported_together(self) -> None:
        """R-AC-08: refused fields and invalid values show at once."""
        changes = CustomerInput(name="李四", phone="123", province="")

        with pytest.raises(CustomerInvalid) as caught:
            validate_customer_changes(current=RESIDENT, changes=changes)

        assert {e.field: e.code for e in caught.value.errors} == {
            "name": "customer.correction_required",
            "phone": "customer.invalid_phone",
            "province": "validation.required",
        }


class TestValidateCorrection:
    def test_name_correction_returns_the_normalised_name(self) -> None:
        """R-AC-08: 客户信息错误更正."""

        result = validate_correction(current=RESIDENT, field="name", new_value=" 张叁 ")

        assert result == "张叁"

    def test_id_number_is_checked_against_the_current_type(self) -> None:
        """R-AC-08: a corrected ID number must itself be valid."""

        result = validate_correction(current=RESIDENT, field="id_number", new_value=OTHER_RESIDENT_ID)

        assert result == OTHER_RESIDENT_ID

    def test_invalid_corrected_id_number_is_refused(self) -> None:
        """R-AC-01, R-AC-08."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_correction(current=RESIDENT, field="id_number", new_value="110105194912310021")

        assert caught.value.code == "customer.invalid_id_number"

    def test_id_type_correction_must_fit_the_category(self) -> None:
        """R-AC-01, R-AC-08: a residential customer cannot switch to a credit code."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_correction(current=RESIDENT, field="id_type", new_value="credit_code")

        assert caught.value.code == "customer.id_type_mismatch"

    def test_type_and_number_are_corrected_together_by_replacing_the_type_first(self) -> None:
        """R-AC-08: a commercial sole trader registering their company."""
        current = dataclasses.replace(RESIDENT, category="commercial")
        new_type = validate_correction(current=current, field="id_type", new_value="credit_code")

        new_number = validate_correction(
            current=dataclasses.replace(current, id_type=new_type), field="id_number", new_value=OTHER_CREDIT_CODE
        )

        assert (new_type, new_number) == ("credit_code", OTHER_CREDIT_CODE)

    def test_correction_to_the_same_value_is_refused(self) -> None:
        """R-AC-08: an approval for nothing would clutter the manager's inbox."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_correction(current=RESIDENT, field="id_number", new_value=RESIDENT_ID.lower())

        assert caught.value.code == "customer.correction_unchanged"

    def test_clearing_a_name_is_refused(self) -> None:
        """R-AC-01: real-name registration needs a name."""

        with pytest.raises(CustomerInvalid) as caught:
            validate_correction(current=RESIDENT, field="name", new_value="  ")

        assert caught.value.code == "validation.required"

    def test_other_fields_are_not_corrections(self) -> None:
        """R-AC-08: only name, ID type and ID number go through this procedure."""

        with pytest.raises(NotCorrectable) as caught:
            validate_correction(current=RESIDENT, field="phone", new_value="13900001111")

        assert caught.value.code == "customer.not_correctable"
        assert caught.value.field == "field"
