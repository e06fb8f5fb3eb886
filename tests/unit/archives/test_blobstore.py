"""The blob store keeps archive ciphertext: atomic puts, strict keys, nothing half-written."""

from __future__ import annotations

import os
import stat
import uuid
from pathlib import Path

import pytest

from archives.blobstore import (
    BlobMissing,
    BlobStore,
    BlobStoreError,
    FilesystemBlobStore,
    MemoryBlobStore,
)

KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"


class _Crash(BaseException):
    """The process dying: not an Exception, so nothing catches it on the way out."""


def _crash(*args: object, **kwargs: object) -> None:
    raise _Crash()


def _do_nothing(*args: object, **kwargs: object) -> None:
    """os.unlink after the crash: a dead process cleans nothing up."""


@pytest.fixture(params=["filesystem", "memory"])
def store(request, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FilesystemBlobStore(tmp_path / "blobs")
    return MemoryBlobStore()


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class TestBlobStoreContract:
    def test_both_stores_implement_the_protocol(self, store: BlobStore) -> None:
        assert isinstance(store, BlobStore)

    @pytest.mark.parametrize(
        "data", [b"", b"\x00", os.urandom(3 << 20)], ids=["empty", "one-byte", "3MB"]
    )
    def test_get_returns_what_was_put(self, store: BlobStore, data: bytes) -> None:
        store.put(KEY, data)

        assert store.get(KEY) == data
        assert store.size(KEY) == len(data)
        assert store.exists(KEY)

    def test_a_missing_key_is_blob_missing(self, store: BlobStore) -> None:
        with pytest.raises(BlobMissing):
            store.get(KEY)
        with pytest.raises(BlobMissing):
            store.size(KEY)
        assert not store.exists(KEY)

    def test_put_over_an_existing_key_replaces_it(self, store: BlobStore) -> None:
        store.put(KEY, b"old content, longer than the new")

        store.put(KEY, b"new")

        assert store.get(KEY) == b"new"
        assert store.size(KEY) == 3
        assert list(store.keys()) == [KEY]

    def test_delete_removes_and_is_idempotent(self, store: BlobStore) -> None:
        store.put(KEY, b"x")
        store.put(OTHER_KEY, b"y")

        store.delete(KEY)
        store.delete(KEY)
        store.delete("a" * 32)  # never written

        assert not store.exists(KEY)
        with pytest.raises(BlobMissing):
            store.get(KEY)
        assert store.get(OTHER_KEY) == b"y"

    def test_keys_lists_exactly_what_was_put_in_sorted_order(self, store: BlobStore) -> None:
        assert list(store.keys()) == []
        written = [uuid.uuid4().hex for _ in range(20)] + [str(uuid.uuid4()) for _ in range(5)]
        for key in written:
            store.put(key, key.encode())
        store.delete(written[0])

        assert list(store.keys()) == sorted(written[1:])

    def test_keys_is_a_snapshot_callers_may_delete_while_iterating(self, store: BlobStore) -> None:
        for key in (KEY, OTHER_KEY):
            store.put(key, b"x")

        for key in store.keys():
            store.delete(key)

        assert list(store.keys()) == []

    @pytest.mark.parametrize(
        "key",
        ["a" * 16, "9" * 80, str(uuid.UUID(int=0)), uuid.UUID(int=1).hex, "0a-b-c-d-e-f-g-h-i"],
        ids=["shortest", "longest", "dashed-uuid", "hex-uuid", "dashes"],
    )
    def test_accepts_generated_ids(self, store: BlobStore, key: str) -> None:
        store.put(key, b"x")

        assert store.get(key) == b"x"
        assert list(store.keys()) == [key]


BAD_KEYS = [
    "../x",
    "../" + "a" * 20,
    "a" * 10 + "/../" + "a" * 10,
    "/etc/passwd-and-more",
    "A" * 20,
    "Abcdef0123456789abcd",
    "a" * 15,
    "",
    "a" * 81,
    "-" + "a" * 20,
    "." + "a" * 20,
    "a" * 20 + ".tmp",
    "a" * 20 + "\n",
    "a" * 10 + " " + "a" * 10,
    "a" * 10 + "_" + "a" * 10,
    "ａ" * 20,  # fullwidth letters
    b"a" * 20,
    None,
]


class TestKeyValidation:
    @pytest.mark.parametrize("key", BAD_KEYS)
    @pytest.mark.parametrize("operation", ["put", "get", "delete", "exists", "size"])
    def test_refuses_anything_but_a_generated_id(
        self, store: BlobStore, operation: str, key: object
    ) -> None:
        args = (key, b"x") if operation == "put" else (key,)

        with pytest.raises(ValueError):
            getattr(store, operation)(*args)

        assert list(store.keys()) == []

    def test_a_traversal_key_writes_nothing_outside_the_root(self, tmp_path: Path) -> None:
        store = FilesystemBlobStore(tmp_path / "blobs")

        with pytest.raises(ValueError):
            store.put("../../" + "a" * 20, b"x")

        assert list(tmp_path.rglob("*")) == []


class TestFilesystemLayout:
    def test_shards_by_the_first_four_characters(self, tmp_path: Path) -> None:
        store = FilesystemBlobStore(tmp_path / "blobs")

        store.put(KEY, b"ciphertext")

        assert (tmp_path / "blobs" / "01" / "23" / KEY).read_bytes() == b"ciphertext"

    def test_files_are_0600_and_folders_0700(self, tmp_path: Path) -> None:
        root = tmp_path / "blobs"
        store = FilesystemBlobStore(root)
        old_umask = os.umask(0)  # even a permissive umask must not widen them
        try:
            store.put(KEY, b"x")
            store.put(KEY, b"replaced")
        finally:
            os.umask(old_umask)

        assert _mode(root / "01" / "23" / KEY) == 0o600
        assert _mode(root / "01" / "23") == 0o700
        assert _mode(root / "01") == 0o700
        assert _mode(root) == 0o700

    def test_an_existing_root_keeps_its_own_mode(self, tmp_path: Path) -> None:
        root = tmp_path / "blobs"
        root.mkdir(mode=0o750)
        os.chmod(root, 0o750)

        FilesystemBlobStore(root).put(KEY, b"x")

        assert _mode(root) == 0o750

    def test_constructing_a_store_creates_nothing(self, tmp_path: Path) -> None:
        store = FilesystemBlobStore(tmp_path / "blobs")

        assert list(store.keys()) == []
        assert not (tmp_path / "blobs").exists()

    def test_a_second_store_on_the_same_root_sees_the_objects(self, tmp_path: Path) -> None:
        FilesystemBlobStore(tmp_path / "blobs").put(KEY, b"x")

        reopened = FilesystemBlobStore(tmp_path / "blobs")

        assert reopened.get(KEY) == b"x"
        assert list(reopened.keys()) == [KEY]

    def test_keys_ignores_strays_and_misplaced_files(self, tmp_path: Path) -> None:
        root = tmp_path / "blobs"
        store = FilesystemBlobStore(root)
        store.put(KEY, b"x")
        shard = root / "01" / "23"
        (shard / ("." + KEY + ".abc123.tmp")).write_bytes(b"half")
        (shard / "README").write_bytes(b"")
        (shard / ("0123" + "f" * 28)).mkdir()  # a folder named like a key
        (root / "ff" / "ff").mkdir(parents=True)
        (root / "ff" / "ff" / KEY).write_bytes(b"wrong shard")
        (root / "lost+found").mkdir()
        (root / "stray.txt").write_bytes(b"")

        assert list(store.keys()) == [KEY]


class TestFilesystemAtomicity:
    def test_a_crash_between_write_and_rename_keeps_the_old_object(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = tmp_path / "blobs"
        store = FilesystemBlobStore(root)
        store.put(KEY, b"old")

        with monkeypatch.context() as patched:
            patched.setattr(os, "replace", _crash)
            patched.setattr(os, "unlink", _do_nothing)
            with pytest.raises(_Crash):
                store.put(KEY, b"new content that never landed")

        leftovers = [p for p in (root / "01" / "23").iterdir() if p.name != KEY]
        assert [p.read_bytes() for p in leftovers] == [b"new content that never landed"]
        assert leftovers[0].name.startswith(".")
        assert store.get(KEY) == b"old"
        assert list(store.keys()) == [KEY]
        assert list(FilesystemBlobStore(root).keys()) == [KEY]

    def test_a_put_after_a_crash_still_lands(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = FilesystemBlobStore(tmp_path / "blobs")
        with monkeypatch.context() as patched:
            patched.setattr(os, "replace", _crash)
            patched.setattr(os, "unlink", _do_nothing)
            with pytest.raises(_Crash):
                store.put(KEY, b"lost")

        store.put(KEY, b"landed")

        assert store.get(KEY) == b"landed"
        assert list(store.keys()) == [KEY]

    def test_a_failed_write_keeps_the_old_object_and_leaves_no_temp_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = tmp_path / "blobs"
        store = FilesystemBlobStore(root)
        store.put(KEY, b"old")

        def full_disk(fd: int) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", full_disk)
            with pytest.raises(BlobStoreError):
                store.put(KEY, b"new")

        assert store.get(KEY) == b"old"
        assert sorted(p.name for p in (root / "01" / "23").iterdir()) == [KEY]

    def test_put_flushes_the_file_before_the_rename_and_the_folder_after(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        root = tmp_path / "blobs"
        store = FilesystemBlobStore(root)
        store.put(KEY, b"old")  # folders exist now, so only this put's flushes are seen
        events: list[str] = []
        real_fsync, real_replace = os.fsync, os.replace

        def spy_fsync(fd: int) -> None:
            events.append("fsync-dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync-file")
            real_fsync(fd)

        def spy_replace(src: str, dst: str) -> None:
            events.append("replace")
            real_replace(src, dst)

        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", spy_fsync)
            patched.setattr(os, "replace", spy_replace)
            store.put(KEY, b"new")

        assert events == ["fsync-file", "replace", "fsync-dir"]
        assert store.get(KEY) == b"new"


class TestFilesystemOddities:
    def test_a_folder_where_a_blob_should_be_is_a_store_error(self, tmp_path: Path) -> None:
        root = tmp_path / "blobs"
        (root / "01" / "23" / KEY).mkdir(parents=True)
        store = FilesystemBlobStore(root)

        with pytest.raises(BlobStoreError):
            store.get(KEY)
        with pytest.raises(BlobStoreError):
            store.size(KEY)

    def test_errors_carry_stable_codes(self) -> None:
        assert BlobMissing.code == "archive.blob_missing"
        assert BlobStoreError.code == "archive.blob_store_error"


class TestMemoryStore:
    def test_keeps_a_copy_of_the_bytes(self) -> None:
        store = MemoryBlobStore()
        data = bytearray(b"original")

        store.put(KEY, data)
        data[:] = b"mutated!"

        assert store.get(KEY) == b"original"
        assert type(store.get(KEY)) is bytes
