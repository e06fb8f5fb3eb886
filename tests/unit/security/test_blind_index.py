"""R-PM-04: exact-match search over sealed values through keyed blind indexes."""

from __future__ import annotations

import pytest

from crm.security.blind_index import ID_NUMBER, PHONE, blind_index
from crm.security.keyring import Keyring, generate_keyring, with_new_data_key


class TestBlindIndex:
    def test_is_deterministic_and_32_hex_characters(self, keyring: Keyring) -> None:
        first = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        second = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        assert first == second
        assert len(first) == 32
        int(first, 16)

    @pytest.mark.parametrize(
        "variant",
        ["11010519491231002x", " 11010519491231002X ", "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ"],
        ids=["lowercase-x", "padded", "spaced", "full-width"],
    )
    def test_normalises_case_spaces_and_full_width_digits(self, keyring: Keyring, variant: str) -> None:
        canonical = blind_index(keyring=keyring, value="11010519491231002X", purpose=ID_NUMBER)

        assert blind_index(keyring=keyring, value=variant, purpose=ID_NUMBER) == canonical

    def test_differs_by_value(self, keyring: Keyring) -> None:
        one = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        other = blind_index(keyring=keyring, value="13812345679", purpose=PHONE)

        assert one != other

    def test_differs_by_purpose(self, keyring: Keyring) -> None:
        as_phone = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        as_id = blind_index(keyring=keyring, value="13812345678", purpose=ID_NUMBER)

        assert as_phone != as_id

    def test_differs_by_index_key(self, keyring: Keyring) -> None:
        ours = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        theirs = blind_index(keyring=generate_keyring(), value="13812345678", purpose=PHONE)

        assert ours != theirs

    def test_survives_data_key_rotation(self, keyring: Keyring) -> None:
        before = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        after = blind_index(keyring=with_new_data_key(keyring=keyring), value="13812345678", purpose=PHONE)

        assert before == after

    def test_does_not_contain_the_value(self, keyring: Keyring) -> None:
        index = blind_index(keyring=keyring, value="13812345678", purpose=PHONE)

        assert "13812345678" not in index

    @pytest.mark.parametrize("value", ["", "   "])
    def test_refuses_an_empty_value(self, keyring: Keyring, value: str) -> None:
        with pytest.raises(ValueError):
            blind_index(keyring=keyring, value=value, purpose=PHONE)
