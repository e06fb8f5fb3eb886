"""Sensitive fields of a record: sealed at rest, found by blind index, shown masked (R-PM-02, R-PM-04).

Every package that keeps personal data (customers today; billing's bank accounts and the
service desk's callers next) seals, opens, indexes and masks through this one place, so a value
is always bound to its table, column and record (a sealed ID number copied into another row or
column no longer opens) and an index of one value class is never comparable with another's.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.common.masking import mask_value
from crm.security.blind_index import blind_index
from crm.security.keyring import Keyring
from crm.security.sealing import open_sealed, seal

__all__ = ["SealedTable", "index_of", "mask_value"]


@dataclass(frozen=True)
class SealedTable:
    """The sealed columns of one table; ``record`` is the row's stable business key (e.g. account_no)."""

    table: str

    def seal(self, keyring: Keyring, *, column: str, record: str, value: str) -> str:
        return seal(keyring=keyring, plaintext=value, table=self.table, column=column, record=record)

    def open(self, keyring: Keyring, *, column: str, record: str, token: str | None) -> str | None:
        """The plaintext; None for a value never recorded (a NULL column)."""
        if not token:
            return None
        return open_sealed(keyring=keyring, token=token, table=self.table, column=column, record=record)


def index_of(keyring: Keyring, *, purpose: str, value: str) -> str:
    """The blind index of ``value`` for exact-match search; ``purpose`` is the value class (id_number, phone)."""
    return blind_index(keyring=keyring, value=value, purpose=purpose)
