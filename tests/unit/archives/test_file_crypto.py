"""R-PM-04: every archive file has its own AES-256-GCM key, wrapped by the keyring."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from archives.file_crypto import (
    FORMAT_VERSION,
    FileChanged,
    FileUnreadable,
    SealedFile,
    open_file,
    rewrap_key,
    seal_file,
    sha256_hex,
)
from crm.security.keyring import Keyring, generate_keyring, with_new_data_key
from crm.security.sealing import key_id_of, open_sealed, seal

FILE_ID = "0123456789abcdef0123456789abcdef"
OTHER_FILE_ID = "fedcba9876543210fedcba9876543210"
CONTRACT_TEXT = "供气合同 第七条 / Gas supply contract, clause 7".encode() * 10


@pytest.fixture
def keyring() -> Keyring:
    return generate_keyring()


def _open(keyring: Keyring, sealed: SealedFile, **overrides: object) -> bytes:
    arguments: dict[str, object] = {
        "keyring": keyring,
        "wrapped_key": sealed.wrapped_key,
        "ciphertext": sealed.ciphertext,
        "file_id": FILE_ID,
        "expected_sha256": sealed.sha256,
    }
    arguments.update(overrides)
    return open_file(**arguments)  # type: ignore[arg-type]


class TestRoundTrip:
    @pytest.mark.parametrize(
        "plaintext",
        [b"", b"\x00", CONTRACT_TEXT, os.urandom(5 << 20)],
        ids=["empty", "one-byte", "contract-text", "5MB"],
    )
    def test_opens_to_the_sealed_bytes(self, keyring: Keyring, plaintext: bytes) -> None:
        sealed = seal_file(keyring=keyring, plaintext=plaintext, file_id=FILE_ID)

        opened = _open(keyring, sealed)

        assert opened == plaintext
        assert sealed.size == len(plaintext)
        assert sealed.sha256 == hashlib.sha256(plaintext).hexdigest() == sha256_hex(plaintext)

    def test_blob_is_version_nonce_ciphertext_and_tag(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        assert sealed.ciphertext[0] == FORMAT_VERSION == 1
        assert len(sealed.ciphertext) == 1 + 12 + len(CONTRACT_TEXT) + 16
        assert CONTRACT_TEXT[:16] not in sealed.ciphertext

    def test_wrapped_key_is_a_sealed_token_for_this_files_key_column(
        self, keyring: Keyring
    ) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)

        text = open_sealed(
            keyring=keyring,
            token=sealed.wrapped_key,
            table="archive_file",
            column="file_key",
            record=FILE_ID,
        )

        assert key_id_of(token=sealed.wrapped_key) == "k1"
        assert len(base64.urlsafe_b64decode(text)) == 32
        assert text not in sealed.wrapped_key

    def test_repr_hides_the_key_and_the_ciphertext(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"secret", file_id=FILE_ID)

        assert sealed.wrapped_key not in repr(sealed)
        assert "ciphertext" not in repr(sealed)


class TestFreshness:
    def test_two_seals_of_the_same_bytes_share_nothing(self, keyring: Keyring) -> None:
        first = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)
        second = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        assert first.ciphertext != second.ciphertext
        assert first.ciphertext[1:13] != second.ciphertext[1:13]
        assert first.wrapped_key != second.wrapped_key
        assert _file_key(keyring, first) != _file_key(keyring, second)
        assert first.sha256 == second.sha256

    def test_never_repeats_a_nonce_or_key(self, keyring: Keyring) -> None:
        sealed = [seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID) for _ in range(200)]

        assert len({s.ciphertext[1:13] for s in sealed}) == 200
        assert len({_file_key(keyring, s) for s in sealed}) == 200


def _file_key(keyring: Keyring, sealed: SealedFile) -> str:
    return open_sealed(
        keyring=keyring,
        token=sealed.wrapped_key,
        table="archive_file",
        column="file_key",
        record=FILE_ID,
    )


class TestUnreadable:
    def test_every_single_bit_flip_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"ten bytes!", file_id=FILE_ID)
        blob = sealed.ciphertext

        for bit in range(len(blob) * 8):
            tampered = bytearray(blob)
            tampered[bit // 8] ^= 1 << (bit % 8)
            with pytest.raises(FileUnreadable):
                _open(keyring, sealed, ciphertext=bytes(tampered))

    @pytest.mark.parametrize("position", [0, 1, 12, 13, 100_000, -17, -16, -1])
    def test_a_flipped_bit_in_a_large_blob_is_refused(
        self, keyring: Keyring, position: int
    ) -> None:
        sealed = seal_file(keyring=keyring, plaintext=os.urandom(200_000), file_id=FILE_ID)
        tampered = bytearray(sealed.ciphertext)
        tampered[position] ^= 0x80

        with pytest.raises(FileUnreadable) as caught:
            _open(keyring, sealed, ciphertext=bytes(tampered))

        assert caught.value.code == "archive.file_unreadable"

    @pytest.mark.parametrize(
        "keep", [0, 1, 13, 28, -1], ids=["empty", "version", "header", "no-tag-byte", "last-byte"]
    )
    def test_a_truncated_blob_is_refused(self, keyring: Keyring, keep: int) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, ciphertext=sealed.ciphertext[:keep])

    def test_an_extended_blob_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, ciphertext=sealed.ciphertext + b"\x00")

    def test_an_empty_files_truncated_blob_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"", file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, ciphertext=sealed.ciphertext[:-1])

    def test_a_blob_and_key_moved_to_another_file_id_are_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, file_id=OTHER_FILE_ID)

    def test_a_wrapped_key_from_another_file_is_refused(self, keyring: Keyring) -> None:
        mine = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)
        theirs = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=OTHER_FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, mine, wrapped_key=theirs.wrapped_key)
        with pytest.raises(FileUnreadable):
            _open(keyring, mine, wrapped_key=theirs.wrapped_key, file_id=OTHER_FILE_ID)

    def test_a_blob_from_another_file_is_refused_even_with_its_key_rewrapped(
        self, keyring: Keyring
    ) -> None:
        # Someone holding the keyring could re-wrap another file's key for this record; the
        # blob is still bound to its own file id.
        theirs = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=OTHER_FILE_ID)
        moved_key = seal(
            keyring=keyring,
            plaintext=open_sealed(
                keyring=keyring,
                token=theirs.wrapped_key,
                table="archive_file",
                column="file_key",
                record=OTHER_FILE_ID,
            ),
            table="archive_file",
            column="file_key",
            record=FILE_ID,
        )

        with pytest.raises(FileUnreadable):
            _open(keyring, theirs, wrapped_key=moved_key)

    def test_a_key_id_the_keyring_does_not_hold_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(
            keyring=with_new_data_key(keyring=keyring), plaintext=b"x", file_id=FILE_ID
        )

        with pytest.raises(FileUnreadable, match="unknown key"):
            _open(keyring, sealed)

    def test_another_installations_keyring_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(generate_keyring(), sealed)

    @pytest.mark.parametrize("version", [0, 2, 255])
    def test_a_wrong_version_byte_is_refused(self, keyring: Keyring, version: int) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        with pytest.raises(FileUnreadable, match="version"):
            _open(keyring, sealed, ciphertext=bytes([version]) + sealed.ciphertext[1:])

    @pytest.mark.parametrize("wrapped_key", ["", "k1", "k1$", "k1$AAAA", "garbage"])
    def test_a_malformed_wrapped_key_is_refused(self, keyring: Keyring, wrapped_key: str) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, wrapped_key=wrapped_key)

    def test_a_wrapped_value_that_is_not_a_key_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)
        short_key = seal(
            keyring=keyring,
            plaintext=base64.urlsafe_b64encode(b"\x00" * 16).decode(),
            table="archive_file",
            column="file_key",
            record=FILE_ID,
        )

        with pytest.raises(FileUnreadable):
            _open(keyring, sealed, wrapped_key=short_key)


class TestChanged:
    def test_a_different_recorded_hash_is_file_changed(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)
        recorded = sha256_hex(b"what was uploaded, according to the database")

        with pytest.raises(FileChanged) as caught:
            _open(keyring, sealed, expected_sha256=recorded)

        assert caught.value.code == "archive.file_changed"
        assert caught.value.expected_sha256 == recorded
        assert caught.value.actual_sha256 == sealed.sha256

    def test_file_changed_is_not_file_unreadable(self) -> None:
        assert not issubclass(FileChanged, FileUnreadable)
        assert not issubclass(FileUnreadable, FileChanged)


class TestRewrap:
    def test_rewrapped_key_names_the_new_key_and_opens_the_old_blob(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)
        rotated = with_new_data_key(keyring=keyring)

        rewrapped = rewrap_key(keyring=rotated, wrapped_key=sealed.wrapped_key, file_id=FILE_ID)

        assert key_id_of(token=rewrapped) == "k2"
        assert _open(rotated, sealed, wrapped_key=rewrapped) == CONTRACT_TEXT

    def test_rewrapped_key_no_longer_needs_the_old_data_key(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)
        rotated = with_new_data_key(keyring=keyring)
        rewrapped = rewrap_key(keyring=rotated, wrapped_key=sealed.wrapped_key, file_id=FILE_ID)

        only_new = Keyring(
            data_keys={"k2": rotated.data_keys["k2"]},
            current_key_id="k2",
            index_key=rotated.index_key,
            audit_key=rotated.audit_key,
        )

        assert _open(only_new, sealed, wrapped_key=rewrapped) == CONTRACT_TEXT
        with pytest.raises(FileUnreadable):
            _open(only_new, sealed)

    def test_old_wrapped_keys_still_open_after_rotation(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=CONTRACT_TEXT, file_id=FILE_ID)

        assert _open(with_new_data_key(keyring=keyring), sealed) == CONTRACT_TEXT

    def test_a_current_wrapped_key_comes_back_unchanged(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)

        assert (
            rewrap_key(keyring=keyring, wrapped_key=sealed.wrapped_key, file_id=FILE_ID)
            == sealed.wrapped_key
        )

    def test_rewrap_under_another_file_id_is_refused(self, keyring: Keyring) -> None:
        sealed = seal_file(keyring=keyring, plaintext=b"x", file_id=FILE_ID)

        with pytest.raises(FileUnreadable):
            rewrap_key(
                keyring=with_new_data_key(keyring=keyring),
                wrapped_key=sealed.wrapped_key,
                file_id=OTHER_FILE_ID,
            )
        with pytest.raises(FileUnreadable):
            rewrap_key(keyring=keyring, wrapped_key=sealed.wrapped_key, file_id=OTHER_FILE_ID)


class TestArguments:
    @pytest.mark.parametrize("file_id", ["", None, b"0123456789abcdef"])
    def test_refuses_an_empty_or_non_text_file_id(self, keyring: Keyring, file_id: object) -> None:
        with pytest.raises(ValueError):
            seal_file(keyring=keyring, plaintext=b"x", file_id=file_id)  # type: ignore[arg-type]

    def test_public_functions_are_keyword_only(self, keyring: Keyring) -> None:
        with pytest.raises(TypeError):
            seal_file(keyring, b"x", FILE_ID)  # type: ignore[misc]
