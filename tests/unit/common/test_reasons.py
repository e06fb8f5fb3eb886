"""One rule for "state a reason": limits per purpose, cleaning, one error class (R-AC-07, R-PM-02, R-CT-10)."""

from __future__ import annotations

import pytest

from crm.common.reasons import NO_SUBSTANCE, REASON_LIMITS, InvalidReason, clean_reason, normalise_reason, substance
from crm.errors import InvalidInput

PURPOSES = sorted(REASON_LIMITS)
# Distinct characters, so a bound of any length has substance (substance is checked on its own below).
VARIED = "用户来电核对身份信息并办理业务" * 40


def _of_length(n: int) -> str:
    return VARIED[:n]


class TestLimitsTable:
    def test_every_purpose_has_a_floor_below_its_ceiling(self) -> None:
        """A reason can always be given: at least one character, and the minimum fits under the maximum."""

        bad = [p for p, limits in REASON_LIMITS.items() if not 1 <= limits.min_length < limits.max_length]

        assert bad == []

    @pytest.mark.parametrize(
        ("purpose", "bounds"),
        [
            ("reveal", (2, 200)),
            ("full_print", (2, 200)),
            ("full_export", (2, 200)),
            ("customer_status", (2, 500)),
            ("correction", (2, 500)),
            ("correction_rejection", (2, 500)),
            ("staff_disable", (2, 500)),
            ("contract_transition", (2, 500)),
            ("approval_decision", (2, 500)),
            ("lookup_purpose", (5, 500)),
            ("lookup_rejection", (2, 500)),
            ("handover_return", (2, 500)),
            ("disposal_appraisal", (2, 500)),
            ("disposal_rejection", (2, 500)),
            ("reading_review", (2, 500)),
        ],
    )
    def test_the_limits_per_purpose(self, purpose: str, bounds: tuple[int, int]) -> None:
        """R-PM-02: a reveal is an audit line (≤ 200); R-AR-06: a lookup purpose says what for (≥ 5)."""

        limits = REASON_LIMITS[purpose]

        assert (limits.min_length, limits.max_length) == bounds

    def test_the_table_lists_every_purpose_the_services_use(self) -> None:
        """Adding a purpose is a decision: this list and the table change together."""

        assert PURPOSES == sorted([
            "approval_decision", "contract_transition", "correction", "correction_rejection", "customer_status",
            "disposal_appraisal", "disposal_rejection", "full_export", "full_print", "handover_return",
            "lookup_purpose", "lookup_rejection", "reading_review", "reveal", "staff_disable",
        ])

    def test_an_unknown_purpose_is_a_programming_error(self) -> None:
        """A typo in a purpose must not silently fall back to some default limits."""

        with pytest.raises(ValueError, match="unknown reason purpose"):
            clean_reason(value="核对身份", purpose="revael")


class TestCleaning:
    @pytest.mark.parametrize(
        ("raw", "cleaned"),
        [
            ("  核对身份  ", "核对身份"),
            ("客户\t来电  核对", "客户 来电 核对"),
            ("\u3000全角空格\u3000", "全角空格"),
            ("第一行  \r\n  第二行", "第一行\n第二行"),
            ("甲\n\n\n\n乙", "甲\n\n乙"),
            (None, ""),
            ("   \n\t ", ""),
        ],
    )
    def test_whitespace_is_normalised(self, raw: str | None, cleaned: str) -> None:
        """Blanks are trimmed and collapsed; a line break a person typed stays, blank runs do not."""

        result = normalise_reason(raw)

        assert result == cleaned

    def test_the_cleaned_value_is_returned(self) -> None:
        """The value returned is the one callers store and audit."""

        reason = clean_reason(value="  客户来电   核对身份 ", purpose="reveal")

        assert reason == "客户来电 核对身份"

    def test_limits_count_the_cleaned_text(self) -> None:
        """Padding does not push a reason over its ceiling, nor blanks lift it over its floor."""

        padded = clean_reason(value="  " + _of_length(200) + "  ", purpose="reveal")

        assert padded == _of_length(200)
        with pytest.raises(InvalidReason):
            clean_reason(value=" 查 ", purpose="reveal")


class TestRefusals:
    @pytest.mark.parametrize("purpose", PURPOSES)
    @pytest.mark.parametrize("kind", ["missing", "whitespace", "too_short"])
    def test_a_required_reason_below_the_floor_is_refused_with_the_purpose_code(self, purpose: str, kind: str) -> None:
        """Every purpose: None, blanks only, and one character under the minimum."""
        limits = REASON_LIMITS[purpose]
        value = {"missing": None, "whitespace": " \t\u3000 ", "too_short": "因" * (limits.min_length - 1)}[kind]

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value=value, purpose=purpose)

        assert caught.value.code == limits.required_code
        assert caught.value.field == limits.field
        assert isinstance(caught.value, InvalidInput)

    @pytest.mark.parametrize("purpose", PURPOSES)
    def test_the_bounds_themselves_are_accepted(self, purpose: str) -> None:
        """Inclusive limits: exactly the minimum and exactly the maximum."""
        limits = REASON_LIMITS[purpose]

        shortest = clean_reason(value=_of_length(max(limits.min_length, limits.min_substance)), purpose=purpose)
        longest = clean_reason(value=_of_length(limits.max_length), purpose=purpose)

        assert (len(shortest), len(longest)) == (max(limits.min_length, limits.min_substance), limits.max_length)

    @pytest.mark.parametrize("purpose", PURPOSES)
    @pytest.mark.parametrize("required", [True, False])
    def test_a_reason_over_the_ceiling_is_refused_required_or_not(self, purpose: str, required: bool) -> None:
        """An optional remark is not truncated behind the speaker's back: it is refused."""
        limits = REASON_LIMITS[purpose]

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value="因" * (limits.max_length + 1), purpose=purpose, required=required)

        assert caught.value.code == limits.too_long_code
        assert str(limits.max_length) in caught.value.message

    def test_messages_are_bilingual_and_state_the_limits(self) -> None:
        """SPEC: messages are "中文 / English"; the person sees what is allowed."""

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value="", purpose="handover_return")

        zh, en = caught.value.message.split(" / ")
        assert "退回须说明原因" in zh and "2–500" in zh
        assert "Returning a batch needs a reason" in en and "2 to 500" in en

    def test_the_field_may_be_overridden(self) -> None:
        """A form whose reason input has another name still gets the error next to it."""

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value="", purpose="correction_rejection", field="decision_reason")

        assert caught.value.field == "decision_reason"

    def test_the_lookup_purpose_is_reported_on_its_own_field(self) -> None:
        """R-AR-06: the request form's input is the purpose."""

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value="查一下", purpose="lookup_purpose")

        assert (caught.value.code, caught.value.field) == ("access.purpose_required", "purpose")


class TestOptional:
    @pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
    def test_a_blank_optional_reason_is_none(self, value: str | None) -> None:
        """R-CT-10: an approval need not give a reason; nothing is stored rather than ""."""

        remark = clean_reason(value=value, purpose="approval_decision", required=False)

        assert remark is None

    def test_an_optional_remark_has_no_floor(self) -> None:
        """R-CT-10: "可" is a whole approval remark."""

        remark = clean_reason(value=" 可 ", purpose="approval_decision", required=False)

        assert remark == "可"


class TestSubstance:
    """Issue 14 finding 4: "ok" and ".." were accepted as the reason for revealing an ID number."""

    @pytest.mark.parametrize("value", ["..", "ok", "....", "aaaa", "查查查查", "核对", "。。。！", "1111", "a.a.a.a"])
    @pytest.mark.parametrize("purpose", ["reveal", "full_print", "full_export"])
    def test_a_reason_without_substance_is_refused_with_its_own_code(self, purpose: str, value: str) -> None:
        """Punctuation does not count and a repeated character counts once."""

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value=value, purpose=purpose)

        assert caught.value.code == NO_SUBSTANCE
        assert caught.value.field == "reason"
        zh, en = caught.value.message.split(" / ")
        assert "4" in zh and "GD-20261207" in zh and "4 different" in en

    @pytest.mark.parametrize("value", ["核对身份", "用户来电核对身份", "customer asked", "GD-20261207", "GD20261207", "工单 GD-482"])
    @pytest.mark.parametrize("purpose", ["reveal", "full_print", "full_export"])
    def test_four_real_characters_or_a_ticket_number_will_do(self, purpose: str, value: str) -> None:
        """A ticket or case number names the paperwork, however short it is."""

        assert clean_reason(value=value, purpose=purpose) == value

    def test_a_lower_case_word_with_digits_is_not_a_ticket(self) -> None:
        """Only the house form of a ticket number (capitals, digits) stands in for a sentence."""

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value="ab-111", purpose="reveal")

        assert caught.value.code == NO_SUBSTANCE

    @pytest.mark.parametrize("purpose", [p for p in PURPOSES if REASON_LIMITS[p].min_substance == 1])
    def test_every_other_required_reason_refuses_only_text_that_says_nothing(self, purpose: str) -> None:
        """Dots are never a reason; "笔误" (two characters) still is."""
        dots = "." * REASON_LIMITS[purpose].min_length

        with pytest.raises(InvalidReason) as caught:
            clean_reason(value=dots, purpose=purpose)

        assert caught.value.code == NO_SUBSTANCE
        assert clean_reason(value="笔误笔误笔"[:REASON_LIMITS[purpose].min_length], purpose=purpose)

    def test_which_purposes_need_four(self) -> None:
        """The finding's three: each opens a person's full data (R-PM-02)."""

        four = sorted(p for p, limits in REASON_LIMITS.items() if limits.min_substance == 4)

        assert four == ["full_export", "full_print", "reveal"]

    def test_an_optional_remark_needs_no_substance(self) -> None:
        """R-CT-10: an approval's "可" stays a whole remark."""

        assert clean_reason(value="..", purpose="approval_decision", required=False) == ".."

    def test_substance_counts_different_letters_digits_and_ideographs(self) -> None:

        counts = [substance(v) for v in ("", "..", "Aa", "核对身份", "ab12", "查查查")]

        assert counts == [0, 0, 1, 4, 4, 1]
