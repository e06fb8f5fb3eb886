"""Per-file encryption of archive files (R-PM-04, R-AR-04, R-AR-05).

Every file gets its own random 256-bit key and is encrypted once with AES-256-GCM under it.
The file key is stored only wrapped, as a ``crm.security.sealing`` token bound to
``archive_file.file_key`` of this file's record, so:

* rotating the keyring re-wraps a few dozen bytes per file (``rewrap_key``) and never
  rewrites the blobs;
* discarding the wrapped key (disposal) makes the ciphertext unreadable for good, wherever
  copies of it remain: object-store versions or file backups. A database backup taken
  before the disposal still holds the wrapped key until that backup expires.

Blob layout (``FORMAT_VERSION`` 1)::

    1 byte version | 12-byte random nonce | GCM ciphertext | 16-byte tag

The associated data is ``b"crm.file.v1|" + file_id``: the version is bound, so a blob
relabelled with another version byte fails whichever reader gets it, and the file id is
bound, so a blob moved under another file's record fails to open. The file id is the whole
tail after a fixed prefix, so the encoding is unambiguous without length prefixes.

Memory: files are whole ``bytes`` (the upload rules cap them at tens of MB). Opening holds
the ciphertext and the plaintext, two copies. Sealing holds the plaintext and the
ciphertext, plus for a moment the unframed GCM output while the 13-byte header is joined on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm.security.keyring import Keyring
from crm.security.sealing import SealBroken, open_sealed, reseal, seal

FORMAT_VERSION = 1
FILE_KEY_BYTES = 32
NONCE_BYTES = 12
_TAG_BYTES = 16
_HEADER_BYTES = 1 + NONCE_BYTES
_AAD_PREFIX = b"crm.file.v1|"
# Where the wrapped key sits, as seen by the sealing layer's associated data.
_WRAP_TABLE = "archive_file"
_WRAP_COLUMN = "file_key"


class FileUnreadable(Exception):
    """The blob or its wrapped key cannot be opened: tampered, truncated, moved to another
    record, wrong format version, unknown key id, or the key was discarded."""

    code = "archive.file_unreadable"


class FileChanged(Exception):
    """The blob opens but its SHA-256 differs from the one recorded at upload."""

    code = "archive.file_changed"

    def __init__(
        self, message: str, *, expected_sha256: str | None = None, actual_sha256: str | None = None
    ) -> None:
        super().__init__(message)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256


@dataclass(frozen=True)
class SealedFile:
    # repr=False keeps the wrapped key and megabytes of ciphertext out of logs and tracebacks.
    wrapped_key: str = field(repr=False)
    ciphertext: bytes = field(repr=False)
    sha256: str  # hex of the plaintext
    size: int  # plaintext bytes


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal_file(*, keyring: Keyring, plaintext: bytes, file_id: str) -> SealedFile:
    _check_file_id(file_id)
    file_key = os.urandom(FILE_KEY_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    # A fresh AESGCM per file, not sealing's cached one: a cache would keep every file key
    # alive in memory long after its file was handled.
    sealed = AESGCM(file_key).encrypt(nonce, plaintext, _associated_data(file_id))
    ciphertext = b"".join((bytes([FORMAT_VERSION]), nonce, sealed))
    del sealed  # drop the unframed copy before wrapping, to keep the peak short
    wrapped_key = seal(
        keyring=keyring,
        plaintext=base64.urlsafe_b64encode(file_key).decode("ascii"),
        table=_WRAP_TABLE,
        column=_WRAP_COLUMN,
        record=file_id,
    )
    return SealedFile(
        wrapped_key=wrapped_key,
        ciphertext=ciphertext,
        sha256=sha256_hex(plaintext),
        size=len(plaintext),
    )


def open_file(
    *, keyring: Keyring, wrapped_key: str, ciphertext: bytes, file_id: str, expected_sha256: str
) -> bytes:
    _check_file_id(file_id)
    # Cheap structural checks first, so a damaged blob is reported without touching keys.
    if len(ciphertext) < _HEADER_BYTES + _TAG_BYTES:
        raise FileUnreadable(f"file {file_id}: blob is truncated ({len(ciphertext)} bytes)")
    if ciphertext[0] != FORMAT_VERSION:
        raise FileUnreadable(f"file {file_id}: unsupported format version {ciphertext[0]}")
    file_key = _unwrap(keyring=keyring, wrapped_key=wrapped_key, file_id=file_id)
    view = memoryview(ciphertext)  # slices of a view share the blob instead of copying it
    try:
        plaintext = AESGCM(file_key).decrypt(
            view[1:_HEADER_BYTES], view[_HEADER_BYTES:], _associated_data(file_id)
        )
    except InvalidTag:
        raise FileUnreadable(
            f"file {file_id}: blob failed authentication (tampered, truncated or another file's)"
        ) from None
    # GCM already proved these are bytes sealed for this file id; the hash still catches a
    # recorded value that changed, or a re-upload by someone holding the keyring, and the
    # fixity check reports that apart from an unreadable blob.
    actual = sha256_hex(plaintext)
    if actual != expected_sha256:
        raise FileChanged(
            f"file {file_id}: SHA-256 {actual} differs from the recorded {expected_sha256}",
            expected_sha256=expected_sha256,
            actual_sha256=actual,
        )
    return plaintext


def rewrap_key(*, keyring: Keyring, wrapped_key: str, file_id: str) -> str:
    """Wrap the file key under the current data key (``crm keys rotate``); the blob is untouched.

    A key already under the current data key comes back unchanged, but is still opened, so a
    broken one surfaces during rotation rather than at the next download.
    """
    _check_file_id(file_id)
    try:
        return reseal(
            keyring=keyring,
            token=wrapped_key,
            table=_WRAP_TABLE,
            column=_WRAP_COLUMN,
            record=file_id,
        )
    except SealBroken as exc:
        raise FileUnreadable(f"file {file_id}: wrapped key cannot be opened ({exc})") from exc


def _unwrap(*, keyring: Keyring, wrapped_key: str, file_id: str) -> bytes:
    try:
        text = open_sealed(
            keyring=keyring,
            token=wrapped_key,
            table=_WRAP_TABLE,
            column=_WRAP_COLUMN,
            record=file_id,
        )
    except SealBroken as exc:
        raise FileUnreadable(f"file {file_id}: wrapped key cannot be opened ({exc})") from exc
    try:
        file_key = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise FileUnreadable(f"file {file_id}: wrapped key does not hold a key") from exc
    if len(file_key) != FILE_KEY_BYTES:
        raise FileUnreadable(
            f"file {file_id}: wrapped key does not hold a {FILE_KEY_BYTES}-byte key"
        )
    return file_key


def _associated_data(file_id: str) -> bytes:
    return _AAD_PREFIX + file_id.encode("utf-8")


def _check_file_id(file_id: object) -> None:
    # An empty id would bind every such blob to the same associated data.
    if not isinstance(file_id, str) or not file_id:
        raise ValueError(f"invalid file id {file_id!r}")
