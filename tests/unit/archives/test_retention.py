"""Retention periods and disposal due dates (R-AR-05)."""

from __future__ import annotations

import datetime as dt

import pytest

from archives.numbering import RETENTION_CODES
from archives.retention import (
    DEFAULT_RETENTION,
    RETENTION_BY_CONTRACT_TYPE,
    RETENTION_LABELS,
    NotYetDue,
    PermanentRecord,
    check_disposable,
    disposal_due_date,
    is_due,
    retention_for,
)
from crm.errors import Conflict

SEEDED_TYPES = ("installation", "alarm_installation", "residential_supply", "commercial_supply", "take_or_pay")


class TestLabels:
    def test_every_retention_code_has_a_chinese_label(self) -> None:
        """R-AR-05: 永久 Y, 30年 D30, 10年 D10."""

        labels = {code: RETENTION_LABELS[code] for code in RETENTION_CODES}

        assert labels == {"Y": ("永久", "Permanent"), "D30": ("30年", "30 years"), "D10": ("10年", "10 years")}


class TestRetentionForContractTypes:
    @pytest.mark.parametrize(
        ("contract_type", "expected"),
        [
            ("installation", "D30"),
            ("alarm_installation", "D10"),
            ("residential_supply", "D30"),
            ("commercial_supply", "D30"),
            ("take_or_pay", "Y"),
        ],
    )
    def test_each_seeded_type_has_its_default(self, contract_type: str, expected: str) -> None:
        """R-AR-05: retention per category."""

        assert retention_for(contract_type=contract_type) == expected

    def test_the_default_table_covers_every_seeded_type(self) -> None:
        """R-AR-05."""

        assert set(RETENTION_BY_CONTRACT_TYPE) == set(SEEDED_TYPES)
        assert set(RETENTION_BY_CONTRACT_TYPE.values()) <= set(RETENTION_CODES)

    def test_an_unknown_type_keeps_thirty_years(self) -> None:
        """R-AR-05: a type added as data keeps records too long rather than too short."""

        assert retention_for(contract_type="boiler_maintenance") == "D30" == DEFAULT_RETENTION

    def test_a_configured_table_overrides_the_default(self) -> None:
        """R-AR-05: retention is configuration."""

        table = {"installation": "Y"}

        assert retention_for(contract_type="installation", table=table) == "Y"
        assert retention_for(contract_type="take_or_pay", table=table) == "D30"

    def test_a_configured_table_with_an_unknown_code_is_a_configuration_error(self) -> None:
        """R-AR-05."""

        with pytest.raises(ValueError):
            retention_for(contract_type="installation", table={"installation": "D5"})


class TestDueDates:
    def test_a_d10_record_of_2026_is_due_on_1_january_2037(self) -> None:
        """R-AR-05: counted from 1 January of the following year (次年1月1日起算)."""

        assert disposal_due_date(retention="D10", archive_year=2026) == dt.date(2037, 1, 1)

    def test_a_d30_record_of_2026_is_due_on_1_january_2057(self) -> None:
        """R-AR-05."""

        assert disposal_due_date(retention="D30", archive_year=2026) == dt.date(2057, 1, 1)

    def test_a_permanent_record_is_never_due(self) -> None:
        """R-AR-05: 永久."""

        assert disposal_due_date(retention="Y", archive_year=1990) is None
        assert not is_due(retention="Y", archive_year=1990, today=dt.date(9999, 12, 31))

    def test_an_unknown_code_is_a_programming_error(self) -> None:
        """R-AR-05."""

        with pytest.raises(ValueError):
            disposal_due_date(retention="D5", archive_year=2026)

    def test_not_due_the_day_before(self) -> None:
        """R-AR-05: 31 December 2036 is still inside the ten years."""

        assert not is_due(retention="D10", archive_year=2026, today=dt.date(2036, 12, 31))

    def test_due_on_the_day(self) -> None:
        """R-AR-05: 1 January 2037."""

        assert is_due(retention="D10", archive_year=2026, today=dt.date(2037, 1, 1))

    def test_still_due_afterwards(self) -> None:
        """R-AR-05."""

        assert is_due(retention="D10", archive_year=2026, today=dt.date(2040, 6, 1))


class TestCheckDisposable:
    def test_a_due_record_may_be_proposed(self) -> None:
        """R-AR-05."""

        check_disposable(
            archive_no="Z001-HT·2026-D10-SCB-0001", retention="D10", archive_year=2026, today=dt.date(2037, 1, 1)
        )

    def test_a_permanent_record_is_refused(self) -> None:
        """R-AR-05: a permanent record is never destroyed."""

        with pytest.raises(PermanentRecord) as caught:
            check_disposable(
                archive_no="Z001-HT·2026-Y-SCB-0003", retention="Y", archive_year=2026, today=dt.date(2200, 1, 1)
            )

        assert caught.value.code == "disposal.permanent_record"
        assert isinstance(caught.value, Conflict)
        assert "Z001-HT·2026-Y-SCB-0003" in caught.value.message
        assert "永久" in caught.value.message

    def test_a_record_not_yet_due_is_refused_the_day_before(self) -> None:
        """R-AR-05: the message names the record and the day it becomes due."""

        with pytest.raises(NotYetDue) as caught:
            check_disposable(
                archive_no="Z001-HT·2026-D10-SCB-0001", retention="D10", archive_year=2026, today=dt.date(2036, 12, 31)
            )

        assert caught.value.code == "disposal.not_due"
        assert isinstance(caught.value, Conflict)
        assert "Z001-HT·2026-D10-SCB-0001" in caught.value.message
        assert "2037-01-01" in caught.value.message
