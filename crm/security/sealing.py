"""AES-256-GCM field encryption (R-PM-04).

Token format: ``"<key_id>$<urlsafe-base64 without padding of nonce + ciphertext + tag>"``.
The key id rides along so rotation never needs to guess which key opens a value.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm.security.keyring import Keyring, UnknownKey

NONCE_BYTES = 12
_TAG_BYTES = 16
_SEPARATOR = "$"
# Versioned so a future change of the associated-data layout cannot collide with this one.
_AAD_PREFIX = "crm.seal.v1|"


class SealBroken(Exception):
    """A token that cannot be opened: malformed, tampered, moved to another field, or unknown key."""


@functools.lru_cache(maxsize=64)
def _cipher(key: bytes) -> AESGCM:
    # Building AESGCM costs more than encrypting a short field; keyed on the bytes so a
    # reloaded keyring with the same keys shares the entry.
    return AESGCM(key)


def _associated_data(table: str, column: str, record: str) -> bytes:
    # Length prefixes make the encoding unambiguous whatever characters the names contain,
    # so ("a|b", "c") and ("a", "b|c") can never bind to the same bytes.
    return (
        f"{_AAD_PREFIX}{len(table)}:{table}{len(column)}:{column}{len(record)}:{record}"
    ).encode("utf-8")


def seal(*, keyring: Keyring, plaintext: str, table: str, column: str, record: str) -> str:
    key_id, key = keyring.current_key()
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(
        nonce, plaintext.encode("utf-8"), _associated_data(table, column, record)
    )
    body = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{key_id}{_SEPARATOR}{body}"


def _split(token: str) -> tuple[str, str]:
    if not isinstance(token, str):
        raise SealBroken("sealed value is not a string")
    key_id, separator, body = token.partition(_SEPARATOR)
    if not separator or not key_id or not body:
        raise SealBroken("sealed value is malformed")
    return key_id, body


def _decode_body(body: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SealBroken("sealed value is not valid base64") from exc
    # urlsafe_b64decode silently skips foreign characters; re-encoding rejects them and any
    # non-canonical spelling, so exactly one token string maps to each ciphertext.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
        raise SealBroken("sealed value is not canonical base64")
    if len(raw) < NONCE_BYTES + _TAG_BYTES:
        raise SealBroken("sealed value is too short")
    return raw


def key_id_of(*, token: str) -> str:
    return _split(token)[0]


def open_sealed(*, keyring: Keyring, token: str, table: str, column: str, record: str) -> str:
    key_id, body = _split(token)
    try:
        key = keyring.key(key_id)
    except UnknownKey as exc:
        raise SealBroken(f"sealed with unknown key id {key_id!r}") from exc
    raw = _decode_body(body)
    try:
        plaintext = _cipher(key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], _associated_data(table, column, record)
        )
    except InvalidTag:
        raise SealBroken("sealed value failed authentication (tampered or wrong field)") from None
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SealBroken("sealed value is not UTF-8 text") from exc


def reseal(*, keyring: Keyring, token: str, table: str, column: str, record: str) -> str:
    """Re-encrypt under the current key; a current token is still opened so corruption surfaces."""
    plaintext = open_sealed(keyring=keyring, token=token, table=table, column=column, record=record)
    if key_id_of(token=token) == keyring.current_key_id:
        return token
    return seal(keyring=keyring, plaintext=plaintext, table=table, column=column, record=record)
