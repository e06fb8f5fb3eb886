"""The customer's sensitive fields: which columns are sealed, indexed and masked, and how (R-PM-02, R-PM-04).

One place for the customer side of ``crm.common.sensitive``: opening, changing, correcting,
importing, exporting and printing a customer all seal and open through these functions.
"""

from __future__ import annotations

from typing import Any

from crm.accounts.customer_rules import CustomerInput
from crm.accounts.tables import Customer
from crm.common.sensitive import SealedTable, index_of, mask_value
from crm.context import AppContext

__all__ = ["SENSITIVE", "index", "open_value", "sealed_values"]

_CUSTOMERS = SealedTable(table="customer")

# Field name in the API -> (sealed column, blind-index purpose or None, masking kind).
SENSITIVE = {
    "id_number": ("id_number_sealed", "id_number", "id_number"),
    "phone": ("phone_sealed", "phone", "phone"),
    "contact_phone": ("contact_phone_sealed", "phone", "phone"),
    "address_detail": ("detail_sealed", None, "address_detail"),
}


def open_value(ctx: AppContext, *, column: str, account_no: str, token: str | None) -> str | None:
    """The plaintext of one sealed column of a customer; None when nothing was recorded."""
    return _CUSTOMERS.open(ctx.keyring, column=column, record=account_no, token=token)


def index(ctx: AppContext, *, purpose: str, value: str) -> str:
    return index_of(ctx.keyring, purpose=purpose, value=value)


def _sealed(ctx: AppContext, *, column: Any, account_no: str, value: str, purpose: str | None, kind: str) -> dict[Any, Any]:
    name = column._meta.name
    values: dict[Any, Any] = {
        column: _CUSTOMERS.seal(ctx.keyring, column=name, record=account_no, value=value),
        getattr(Customer, name.replace("_sealed", "_masked")): mask_value(kind=kind, value=value),
    }
    if purpose is not None:
        values[getattr(Customer, name.replace("_sealed", "_bidx"))] = index(ctx, purpose=purpose, value=value)
    return values


def sealed_values(ctx: AppContext, *, data: CustomerInput, account_no: str) -> dict[Any, Any]:
    """Column values for the sensitive fields of a validated input (sealed, indexed, masked)."""
    values: dict[Any, Any] = {}
    if data.id_number is not None:
        values |= _sealed(ctx, column=Customer.id_number_sealed, account_no=account_no, value=data.id_number,
                          purpose="id_number", kind="id_number")
    if data.phone is not None:
        values |= _sealed(ctx, column=Customer.phone_sealed, account_no=account_no, value=data.phone,
                          purpose="phone", kind="phone")
    if data.contact_phone == "":
        # Cleared (allowed unless the customer is collective, which the rules check).
        values |= {Customer.contact_phone_sealed: None, Customer.contact_phone_bidx: None,
                   Customer.contact_phone_masked: None}
    elif data.contact_phone is not None:
        values |= _sealed(ctx, column=Customer.contact_phone_sealed, account_no=account_no,
                          value=data.contact_phone, purpose="phone", kind="phone")
    if data.detail is not None:
        values |= _sealed(ctx, column=Customer.detail_sealed, account_no=account_no, value=data.detail,
                          purpose=None, kind="address_detail")
    return values
