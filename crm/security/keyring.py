"""Versioned encryption keys (R-PM-04).

Data keys are kept by id so ciphertext written under an old key can still be opened after a
rotation; the blind-index and audit keys are separate so that no key serves two purposes.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crm.common.private_files import private_dir

KEY_BYTES = 32
FORMAT_VERSION = 1

# Key ids travel inside every sealed token ("k2$..."), so they must never contain "$".
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_VERSIONED_ID = re.compile(r"^k(\d+)$")


class KeyringError(Exception):
    """The keyring is unusable: missing, malformed or inconsistent."""


class UnknownKey(Exception):
    """A key id that this keyring does not hold."""


@dataclass(frozen=True)
class Keyring:
    # repr=False keeps key material out of logs and tracebacks.
    data_keys: Mapping[str, bytes] = field(repr=False)
    current_key_id: str
    index_key: bytes = field(repr=False)
    audit_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        # A read-only copy: a frozen dataclass alone would still let callers mutate the dict.
        object.__setattr__(self, "data_keys", MappingProxyType(dict(self.data_keys)))
        if not self.data_keys:
            raise KeyringError("keyring holds no data keys")
        for key_id, key in self.data_keys.items():
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"invalid data key id {key_id!r}")
            _require_key_bytes(key, f"data key {key_id!r}")
        if self.current_key_id not in self.data_keys:
            raise KeyringError(f"current key id {self.current_key_id!r} is not among the data keys")
        _require_key_bytes(self.index_key, "index key")
        _require_key_bytes(self.audit_key, "audit key")

    def current_key(self) -> tuple[str, bytes]:
        return self.current_key_id, self.data_keys[self.current_key_id]

    def key(self, key_id: str) -> bytes:
        try:
            return self.data_keys[key_id]
        except KeyError:
            raise UnknownKey(f"no data key with id {key_id!r}") from None


def _require_key_bytes(key: object, what: str) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise KeyringError(f"{what} must be {KEY_BYTES} bytes")


def generate_keyring() -> Keyring:
    return Keyring(
        data_keys={"k1": os.urandom(KEY_BYTES)},
        current_key_id="k1",
        index_key=os.urandom(KEY_BYTES),
        audit_key=os.urandom(KEY_BYTES),
    )


def with_new_data_key(*, keyring: Keyring) -> Keyring:
    """Add the next data key version and make it current; earlier keys stay for decryption."""
    versions = [int(m.group(1)) for k in keyring.data_keys if (m := _VERSIONED_ID.match(k))]
    new_id = f"k{max(versions, default=0) + 1}"
    return Keyring(
        data_keys={**keyring.data_keys, new_id: os.urandom(KEY_BYTES)},
        current_key_id=new_id,
        index_key=keyring.index_key,
        audit_key=keyring.audit_key,
    )


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeyringError(f"keyring file: {what} must be a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise KeyringError(f"keyring file: {what} is not valid base64") from exc


def save_keyring(*, keyring: Keyring, path: Path) -> None:
    """Write atomically so a crash mid-write never leaves a half-written (unrecoverable) keyring."""
    document = {
        "format": FORMAT_VERSION,
        "current_key_id": keyring.current_key_id,
        "data_keys": {key_id: _b64(key) for key_id, key in keyring.data_keys.items()},
        "index_key": _b64(keyring.index_key),
        "audit_key": _b64(keyring.audit_key),
    }
    path = Path(path)
    # mkdir(mode=0o700) would leave the parents it creates to the umask.
    private_dir(path.parent)
    # mkstemp creates the file 0600, so the keys are never readable by others, even briefly.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_keyring(*, path: Path) -> Keyring:
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyringError(f"keyring file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyringError(f"keyring file {path} is not readable JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise KeyringError(f"keyring file {path}: expected a JSON object")
    if document.get("format") != FORMAT_VERSION:
        raise KeyringError(
            f"keyring file {path}: unsupported format {document.get('format')!r} "
            f"(expected {FORMAT_VERSION})"
        )
    data_keys = document.get("data_keys")
    if not isinstance(data_keys, dict) or not data_keys:
        raise KeyringError(f"keyring file {path}: 'data_keys' must be a non-empty object")
    current_key_id = document.get("current_key_id")
    if not isinstance(current_key_id, str):
        raise KeyringError(f"keyring file {path}: 'current_key_id' must be a string")
    return Keyring(
        data_keys={key_id: _unb64(text, f"data key {key_id!r}") for key_id, text in data_keys.items()},
        current_key_id=current_key_id,
        index_key=_unb64(document.get("index_key"), "index_key"),
        audit_key=_unb64(document.get("audit_key"), "audit_key"),
    )
