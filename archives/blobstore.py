"""Where archive ciphertext lives (R-AR-04, R-PM-04).

The store only ever sees ciphertext from ``archives.file_crypto``; it knows nothing about
keys, records or plaintext. Keys are generated ids (``ArchiveFile.file_id``), never user
input, so they are validated strictly rather than escaped.

Any backend (this filesystem one today, an S3-compatible object store later) must guarantee:

* atomic put: a reader sees the old object or the whole new one, never a part; an
  interrupted put leaves the old object (or nothing) behind. S3 ``PutObject`` is atomic;
  multipart uploads are too, once completed.
* durability before return: when ``put`` or ``delete`` returns, the change survives a crash
  or power loss, because the database row that names the blob is committed right after.
* read-after-write: ``get``, ``exists``, ``size`` and ``keys`` see a finished ``put`` or
  ``delete`` at once, from any process (S3 is strongly consistent; check an S3-compatible
  store before relying on it).
* idempotent delete: deleting a missing key succeeds (S3 ``DeleteObject`` does).
* keys are opaque names: no ``/`` handling, no case folding, listed in sorted order.

Disposal deletes the blob and discards the wrapped per-file key; a backend that keeps old
versions (S3 versioning, object lock) or a backup still holds the ciphertext, and only the
discarded key makes that copy unreadable.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from crm.common.private_files import PRIVATE_DIR, private_dir

# 16–80 characters of [a-z0-9-], not starting with "-": covers uuid4 in hex or dashed form,
# can never hold "/", "." or "..", and never collides with a temp file (those start with ".").
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{15,79}")
_TEMP_SUFFIX = ".tmp"


class BlobMissing(Exception):
    """No object under this key: never written, deleted, or lost (the fixity check reports it)."""

    code = "archive.blob_missing"


class BlobStoreError(Exception):
    """The store itself failed: I/O error, permissions, full disk, something odd at a key's path."""

    code = "archive.blob_store_error"


@runtime_checkable
class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any old object atomically."""

    def get(self, key: str) -> bytes:
        """The whole object; ``BlobMissing`` if there is none."""

    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """Stored bytes (ciphertext length); ``BlobMissing`` if there is none."""

    def keys(self) -> Iterator[str]:
        """Every stored key, in sorted order."""


def _check_key(key: object) -> str:
    # fullmatch, not match with "$": "$" would also accept a trailing newline.
    if not isinstance(key, str) or KEY_PATTERN.fullmatch(key) is None:
        raise ValueError(f"invalid blob key {key!r}")
    return key


class FilesystemBlobStore:
    """Objects as files under ``root/<k[0:2]>/<k[2:4]>/<key>``.

    Sharding keeps directories small (uuid keys spread evenly over 65,536 leaf folders). Files
    are 0o600 and folders 0o700: ciphertext is not secret, but nobody else needs to list or
    read it. Empty shard folders are never removed, so a delete cannot race a put into the
    same folder. A crash during ``put`` can leave a ``.<key>.*.tmp`` file next to the object;
    it is never listed or read.
    """

    def __init__(self, root: Path) -> None:
        # Nothing is created here: the folders appear with the first put.
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _check_key(key)
        return self.root / key[0:2] / key[2:4] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            self._make_dirs(path.parent)
            # mkstemp creates the file 0o600 with a unique name, so concurrent puts of one key
            # never share a temp file; the last replace wins whole.
            fd, tmp_name = tempfile.mkstemp(prefix=f".{key}.", suffix=_TEMP_SUFFIX, dir=path.parent)
        except OSError as exc:
            raise BlobStoreError(f"cannot write blob {key}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException as exc:
            _unlink_quietly(tmp_name)
            if isinstance(exc, OSError):
                raise BlobStoreError(f"cannot write blob {key}: {exc}") from exc
            raise
        # The rename is only durable once the folder holding it is flushed too.
        _fsync_dir(path.parent)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise BlobMissing(key) from None
        except OSError as exc:
            raise BlobStoreError(f"cannot read blob {key}: {exc}") from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BlobStoreError(f"cannot delete blob {key}: {exc}") from exc
        _fsync_dir(path.parent)

    def exists(self, key: str) -> bool:
        try:
            self._stat(key)
        except BlobMissing:
            return False
        return True

    def size(self, key: str) -> int:
        return self._stat(key).st_size

    def keys(self) -> Iterator[str]:
        # Sorting each level yields keys in global sorted order, because each shard name is a
        # prefix of the keys inside it.
        for first in _subdirs(self.root):
            for second in _subdirs(self.root / first):
                folder = self.root / first / second
                for name in _entries(folder):
                    # Only a well-formed key in its own shard counts: temp files, strays
                    # and anything copied into the wrong folder are ignored.
                    if (
                        KEY_PATTERN.fullmatch(name)
                        and name[0:2] == first
                        and name[2:4] == second
                        and _is_regular_file(folder / name)
                    ):
                        yield name

    def _stat(self, key: str) -> os.stat_result:
        path = self._path(key)
        try:
            result = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            raise BlobMissing(key) from None
        except OSError as exc:
            raise BlobStoreError(f"cannot stat blob {key}: {exc}") from exc
        if not stat.S_ISREG(result.st_mode):
            raise BlobStoreError(f"blob {key} is not a regular file")
        return result

    def _make_dirs(self, leaf: Path) -> None:
        if not self.root.is_dir():
            # Parents that exist are the deployment's business (e.g. CRM_DATA_DIR); those created
            # here hold nothing but archive files and are private like them.
            private_dir(self.root.parent)
        for folder in (self.root, leaf.parent, leaf):
            _make_dir(folder)


def _make_dir(folder: Path) -> None:
    try:
        os.mkdir(folder, PRIVATE_DIR)
    except FileExistsError:
        return
    # mkdir's mode is filtered by the umask; chmod makes 0o700 certain. An existing folder
    # is left as its owner set it.
    os.chmod(folder, PRIVATE_DIR)
    _fsync_dir(folder.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not every platform lets a folder be opened; nothing more can be done there
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some filesystems cannot flush a folder at all; any other failure means the change
        # may not survive a crash, which the caller must hear about.
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise BlobStoreError(f"cannot flush folder {folder}: {exc}") from exc
    finally:
        os.close(fd)


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _subdirs(folder: Path) -> list[str]:
    # Shard folders have two-character names; anything else under the root is not ours.
    return sorted(
        name
        for name in _entries(folder)
        if len(name) == 2 and (folder / name).is_dir() and not (folder / name).is_symlink()
    )


def _entries(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BlobStoreError(f"cannot list {folder}: {exc}") from exc


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False  # deleted while listing


class MemoryBlobStore:
    """The same contract in a dict, for tests and for code that needs no disk."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, key: str, data: bytes) -> None:
        key = _check_key(key)
        # A copy, so a caller mutating its bytearray afterwards cannot change the stored object.
        stored = bytes(data)
        with self._lock:
            self._objects[key] = stored

    def get(self, key: str) -> bytes:
        key = _check_key(key)
        with self._lock:
            try:
                return self._objects[key]
            except KeyError:
                raise BlobMissing(key) from None

    def delete(self, key: str) -> None:
        key = _check_key(key)
        with self._lock:
            self._objects.pop(key, None)

    def exists(self, key: str) -> bool:
        key = _check_key(key)
        with self._lock:
            return key in self._objects

    def size(self, key: str) -> int:
        return len(self.get(key))

    def keys(self) -> Iterator[str]:
        # A snapshot, so callers may put or delete while iterating.
        with self._lock:
            snapshot = sorted(self._objects)
        return iter(snapshot)
