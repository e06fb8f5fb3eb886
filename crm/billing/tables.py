"""Billing's tables: tariff versions (R-BL-01).

Prices are kept as decimal text inside ``components`` and volumes as integer thousandths:
Piccolo's SQLite engine would turn a Decimal column into a float.
"""

from piccolo.columns import BigInt, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from crm.staff.tables import Staff


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
