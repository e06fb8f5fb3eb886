"""Keyed blind indexes for exact-match search over sealed fields (R-PM-04).

One index per value class (``id_number``, ``phone``), not per column: a phone search finds the
number in any phone column, and a value never yields several unrelated indexes that leak
together. The subkey per purpose keeps an ID-number index from being compared with a phone one.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import unicodedata

from crm.security.keyring import Keyring

ID_NUMBER = "id_number"
PHONE = "phone"

# 128 bits: collisions stay negligible while the stored value reveals less of the HMAC.
INDEX_HEX_CHARS = 32
_SUBKEY_LABEL = b"crm.blind-index.v1\x1f"


@functools.lru_cache(maxsize=64)
def _subkey(index_key: bytes, purpose: str) -> bytes:
    return hmac.digest(index_key, _SUBKEY_LABEL + purpose.encode("utf-8"), hashlib.sha256)


def normalise(value: str) -> str:
    """NFKC folds full-width digits typed with a Chinese IME; spaces and case never distinguish."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def blind_index(*, keyring: Keyring, value: str, purpose: str) -> str:
    if not purpose:
        raise ValueError("blind index purpose must not be empty")
    normalised = normalise(value)
    if not normalised:
        # Indexing "" would make every blank value match every other one.
        raise ValueError("cannot build a blind index of an empty value")
    digest = hmac.digest(_subkey(keyring.index_key, purpose), normalised.encode("utf-8"), hashlib.sha256)
    return digest.hex()[:INDEX_HEX_CHARS]
