"""Sealed customer values for `crm keys rotate`: each column with how it was bound when sealed.

The rotation itself (crm.rotation) walks these; the tables and their AAD bindings stay here
with the package that owns the rows.
"""

from crm.accounts.tables import CorrectionRequest, Customer
from crm.rotation import SealedColumns

SEALED = (
    SealedColumns(
        table=Customer,
        columns=("id_number_sealed", "phone_sealed", "contact_phone_sealed", "detail_sealed"),
        extra=(Customer.account_no,),
        binding=lambda row, column: ("customer", column, row["account_no"]),
    ),
    SealedColumns(
        table=CorrectionRequest,
        columns=("new_value_sealed",),
        extra=(CorrectionRequest.field, CorrectionRequest.customer.account_no),
        binding=lambda row, column: ("correction_request", row["field"], row["customer.account_no"]),
    ),
)
