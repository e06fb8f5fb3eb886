"""Billing's tables: tariff versions (R-BL-01) and meter readings (R-BL-02).

Prices are kept as decimal text inside ``components`` and volumes as integer thousandths:
Piccolo's SQLite engine would turn a Decimal column into a float.
"""

from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from crm.accounts.tables import Customer, Meter
from crm.staff.tables import Branch, Staff


class TariffVersion(Table, tablename="tariff"):
    """One version of one tariff code, in force over [effective_from, effective_to)."""

    # "<code>@<version>": two versions of one code racing each other cannot both be written.
    key = Varchar(length=48, unique=True)
    code = Varchar(length=32, index=True)
    version = Integer()
    name = Varchar(length=100)
    customer_category = Varchar(length=32, index=True)
    unit = Varchar(length=8)
    effective_from = Date()
    effective_to = Date(null=True, default=None)
    # JSON: [{name, kind, unit_price: "0.4883" | null, tiers: [{up_to_milli: int | null, unit_price: "2.61"}]}]
    components = Text()
    year_start_month = Integer(default=1)
    year_start_day = Integer(default=1)
    extra_volume_per_person_milli = BigInt(default=0)
    household_base_persons = Integer(default=4)
    created_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    created_at = Timestamptz()


class MeterReading(Table, tablename="meter_reading"):
    """One reading of one meter (R-BL-02), kept as entered: a rejected one stays, marked rejected.

    meter, customer and branch are crm.accounts' ids, copied on entry and never joined: the
    branch is here so the review queue is branch-scoped without reading another package's rows.
    """

    # Indexed together with read_on by the migration (Piccolo declares single-column indexes only).
    meter = ForeignKey(references=Meter, on_delete=OnDelete.restrict, null=False)
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False)
    value_milli = BigInt()
    read_on = Date()
    kind = Varchar(length=16)
    estimated = Boolean(default=False)
    dial_digits = Integer(null=True, default=None)
    # A replacement's new meter; the meter row itself keeps its serial (see readings.record_reading).
    new_serial = Varchar(length=32, null=True, default=None)
    new_initial_milli = BigInt(null=True, default=None)
    consumption_milli = BigInt()
    flags = Text(default="[]")  # JSON list of reading_rules flag codes
    review_status = Varchar(length=16, default="none", index=True)  # none | pending | accepted | rejected
    reviewed_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    review_reason = Text(null=True, default=None)
    recorded_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    recorded_at = Timestamptz()
