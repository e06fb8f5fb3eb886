"""Customer accounts, meters, appliances, history and correction requests.

Sensitive values are stored only sealed (AES-256-GCM, R-PM-04) next to a keyed blind index
for exact search and the masked form shown to most viewers, so list pages never decrypt.
"""

from piccolo.columns import (
    BigInt,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from crm.staff.tables import Branch, Staff


class AccountCounter(Table, tablename="account_counter"):
    """Next account-number sequence per branch; the row lock makes numbers unique."""

    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False, unique=True)
    next_value = BigInt(default=1)


class Customer(Table, tablename="customer"):
    account_no = Varchar(length=16, unique=True)
    branch = ForeignKey(references=Branch, on_delete=OnDelete.restrict, null=False, index=True)
    category = Varchar(length=32)
    name = Varchar(length=100, index=True)
    id_type = Varchar(length=16)
    id_number_sealed = Text()
    id_number_bidx = Varchar(length=32, unique=True)
    id_number_masked = Varchar(length=32)
    phone_sealed = Text()
    phone_bidx = Varchar(length=32, index=True)
    phone_masked = Varchar(length=32)
    contact_name = Varchar(length=100, null=True, default=None)
    contact_phone_sealed = Text(null=True, default=None)
    contact_phone_bidx = Varchar(length=32, null=True, default=None, index=True)
    contact_phone_masked = Varchar(length=32, null=True, default=None)
    province = Varchar(length=50)
    city = Varchar(length=50)
    district = Varchar(length=50)
    street = Varchar(length=100, null=True, default=None)
    detail_sealed = Text()
    detail_masked = Varchar(length=220)
    delivery_notice_no = Varchar(length=64)
    acceptance_drawing_no = Varchar(length=64)
    status = Varchar(length=16, index=True)
    status_reason = Text(null=True, default=None)
    freeze_cause = Varchar(length=16, null=True, default=None)
    # Outstanding amount in fen; billing keeps it current, closing needs it at zero (R-AC-07).
    balance_fen = BigInt(default=0)
    version = Integer(default=1)
    opened_at = Timestamptz()
    updated_at = Timestamptz()
    created_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True)


class Meter(Table, tablename="meter"):
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    serial = Varchar(length=32, unique=True)
    model = Varchar(length=16)
    meter_type = Varchar(length=16)
    installed_date = Date(null=True, default=None)
    initial_reading_l = BigInt(default=0)
    seal_no = Varchar(length=32, null=True, default=None)
    created_at = Timestamptz()


class Appliance(Table, tablename="appliance"):
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    kind = Varchar(length=16)
    brand = Varchar(length=50)
    model = Varchar(length=50, null=True, default=None)
    installed_date = Date(null=True, default=None)
    created_at = Timestamptz()


class CustomerHistory(Table, tablename="customer_history"):
    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    changed_at = Timestamptz()
    actor = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True)
    action = Varchar(length=32)
    field = Varchar(length=32, null=True, default=None)
    # Sensitive values appear here masked only (R-AC-08).
    old_value = Text(null=True, default=None)
    new_value = Text(null=True, default=None)
    reason = Text(null=True, default=None)


class CorrectionRequest(Table, tablename="correction_request"):
    """A change of name or ID number waits for a manager (客户信息错误更正, R-AC-08)."""

    customer = ForeignKey(references=Customer, on_delete=OnDelete.restrict, null=False, index=True)
    field = Varchar(length=16)
    new_value_sealed = Text()
    new_value_masked = Varchar(length=120)
    reason = Text()
    status = Varchar(length=16, index=True)
    requested_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=False)
    requested_at = Timestamptz()
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.restrict, null=True)
    decided_at = Timestamptz(null=True, default=None)
    decision_reason = Text(null=True, default=None)
