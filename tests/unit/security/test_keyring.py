"""R-PM-04: versioned, rotatable keys kept outside the database."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from crm.security.keyring import (
    Keyring,
    KeyringError,
    UnknownKey,
    generate_keyring,
    load_keyring,
    save_keyring,
    with_new_data_key,
)


class TestGeneratedKeyring:
    def test_starts_with_one_current_data_key_k1(self) -> None:
        keyring = generate_keyring()

        key_id, key = keyring.current_key()

        assert key_id == "k1"
        assert len(key) == 32
        assert list(keyring.data_keys) == ["k1"]

    def test_keeps_index_audit_and_data_keys_distinct(self) -> None:
        keyring = generate_keyring()

        keys = {keyring.key("k1"), keyring.index_key, keyring.audit_key}

        assert len(keys) == 3

    def test_refuses_an_unknown_key_id(self, keyring: Keyring) -> None:
        with pytest.raises(UnknownKey):
            keyring.key("k9")

    def test_does_not_show_key_material_in_its_repr(self, keyring: Keyring) -> None:
        text = repr(keyring)

        assert repr(keyring.key("k1")) not in text
        assert repr(keyring.index_key) not in text

    def test_cannot_be_mutated_through_its_data_keys(self, keyring: Keyring) -> None:
        with pytest.raises(TypeError):
            keyring.data_keys["k2"] = os.urandom(32)  # type: ignore[index]

    def test_refuses_a_key_of_the_wrong_length(self) -> None:
        with pytest.raises(KeyringError):
            Keyring(
                data_keys={"k1": b"short"},
                current_key_id="k1",
                index_key=os.urandom(32),
                audit_key=os.urandom(32),
            )

    def test_refuses_a_current_key_id_it_does_not_hold(self) -> None:
        with pytest.raises(KeyringError):
            Keyring(
                data_keys={"k1": os.urandom(32)},
                current_key_id="k2",
                index_key=os.urandom(32),
                audit_key=os.urandom(32),
            )


class TestRotation:
    def test_adds_the_next_version_and_makes_it_current(self, keyring: Keyring) -> None:
        rotated = with_new_data_key(keyring=with_new_data_key(keyring=keyring))

        assert rotated.current_key_id == "k3"
        assert set(rotated.data_keys) == {"k1", "k2", "k3"}

    def test_keeps_old_keys_and_the_index_and_audit_keys(self, keyring: Keyring) -> None:
        rotated = with_new_data_key(keyring=keyring)

        assert rotated.key("k1") == keyring.key("k1")
        assert rotated.key("k2") != keyring.key("k1")
        assert rotated.index_key == keyring.index_key
        assert rotated.audit_key == keyring.audit_key

    def test_leaves_the_original_keyring_unchanged(self, keyring: Keyring) -> None:
        with_new_data_key(keyring=keyring)

        assert keyring.current_key_id == "k1"
        assert list(keyring.data_keys) == ["k1"]


class TestKeyringFile:
    def test_round_trips_through_save_and_load(self, keyring: Keyring, tmp_path: Path) -> None:
        rotated = with_new_data_key(keyring=keyring)
        path = tmp_path / "keys.json"

        save_keyring(keyring=rotated, path=path)
        loaded = load_keyring(path=path)

        assert loaded == rotated

    def test_is_written_with_mode_0600_into_a_created_parent(self, keyring: Keyring, tmp_path: Path) -> None:
        path = tmp_path / "secrets" / "nested" / "keys.json"

        save_keyring(keyring=keyring, path=path)

        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_overwrites_atomically_without_leaving_temp_files(self, keyring: Keyring, tmp_path: Path) -> None:
        path = tmp_path / "keys.json"
        save_keyring(keyring=keyring, path=path)

        save_keyring(keyring=with_new_data_key(keyring=keyring), path=path)

        assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]
        assert load_keyring(path=path).current_key_id == "k2"

    def test_stores_a_format_marker_and_base64_keys(self, keyring: Keyring, tmp_path: Path) -> None:
        path = tmp_path / "keys.json"

        save_keyring(keyring=keyring, path=path)
        document = json.loads(path.read_text())

        assert document["format"] == 1
        assert document["current_key_id"] == "k1"
        assert set(document["data_keys"]) == {"k1"}

    @pytest.mark.parametrize(
        "content",
        [
            "not json",
            "[]",
            '{"format": 2}',
            '{"format": 1, "current_key_id": "k1", "data_keys": {}}',
            '{"format": 1, "current_key_id": "k1", "data_keys": {"k1": "@@@"}, "index_key": "",'
            ' "audit_key": ""}',
            '{"format": 1, "current_key_id": "k1", "data_keys": {"k1": "c2hvcnQ="}, "index_key": "c2hvcnQ=",'
            ' "audit_key": "c2hvcnQ="}',
        ],
        ids=["not-json", "not-object", "wrong-format", "no-keys", "bad-base64", "short-keys"],
    )
    def test_refuses_a_malformed_file_with_a_keyring_error(self, tmp_path: Path, content: str) -> None:
        path = tmp_path / "keys.json"
        path.write_text(content)

        with pytest.raises(KeyringError):
            load_keyring(path=path)

    def test_refuses_a_missing_file_with_a_keyring_error(self, tmp_path: Path) -> None:
        with pytest.raises(KeyringError, match="does not exist"):
            load_keyring(path=tmp_path / "absent.json")
