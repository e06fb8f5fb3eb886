"""R-PM-04: sensitive fields are sealed with AES-256-GCM bound to table, column and record."""

from __future__ import annotations

import base64

import pytest

from crm.security.keyring import Keyring, generate_keyring, with_new_data_key
from crm.security.sealing import SealBroken, key_id_of, open_sealed, reseal, seal

FIELD = {"table": "customer", "column": "id_number", "record": "42"}


def _body(token: str) -> bytes:
    body = token.split("$", 1)[1]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _with_body(token: str, raw: bytes) -> str:
    return token.split("$", 1)[0] + "$" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class TestSealRoundTrip:
    @pytest.mark.parametrize(
        "plaintext",
        ["11010519491231002X", "13812345678", "上海市浦东新区世纪大道100号 3楼", "", "😀 emoji"],
        ids=["id-number", "phone", "chinese-address", "empty", "astral"],
    )
    def test_opens_to_the_sealed_text(self, keyring: Keyring, plaintext: str) -> None:
        token = seal(keyring=keyring, plaintext=plaintext, **FIELD)

        opened = open_sealed(keyring=keyring, token=token, **FIELD)

        assert opened == plaintext

    def test_token_names_the_current_key_and_hides_the_plaintext(self, keyring: Keyring) -> None:
        token = seal(keyring=keyring, plaintext="11010519491231002X", **FIELD)

        assert token.startswith("k1$")
        assert key_id_of(token=token) == "k1"
        assert "11010519491231002X" not in token
        assert "=" not in token

    def test_never_repeats_a_token_or_nonce_for_the_same_value(self, keyring: Keyring) -> None:
        tokens = [seal(keyring=keyring, plaintext="13812345678", **FIELD) for _ in range(1000)]

        nonces = {_body(token)[:12] for token in tokens}

        assert len(set(tokens)) == 1000
        assert len(nonces) == 1000


class TestSealRefusals:
    @pytest.mark.parametrize(
        "elsewhere",
        [
            {"table": "staff", "column": "id_number", "record": "42"},
            {"table": "customer", "column": "phone", "record": "42"},
            {"table": "customer", "column": "id_number", "record": "43"},
            {"table": "customer", "column": "id_number4", "record": "2"},
        ],
        ids=["other-table", "other-column", "other-record", "shifted-boundary"],
    )
    def test_refuses_a_token_moved_to_another_field(
        self, keyring: Keyring, elsewhere: dict[str, str]
    ) -> None:
        token = seal(keyring=keyring, plaintext="11010519491231002X", **FIELD)

        with pytest.raises(SealBroken):
            open_sealed(keyring=keyring, token=token, **elsewhere)

    @pytest.mark.parametrize("position", [0, 12, -1], ids=["nonce", "ciphertext", "tag"])
    def test_refuses_a_tampered_token(self, keyring: Keyring, position: int) -> None:
        token = seal(keyring=keyring, plaintext="11010519491231002X", **FIELD)
        raw = bytearray(_body(token))
        raw[position] ^= 0x01

        with pytest.raises(SealBroken):
            open_sealed(keyring=keyring, token=_with_body(token, bytes(raw)), **FIELD)

    def test_refuses_a_token_sealed_under_an_unknown_key(self, keyring: Keyring) -> None:
        token = seal(keyring=with_new_data_key(keyring=keyring), plaintext="x", **FIELD)

        with pytest.raises(SealBroken, match="unknown key"):
            open_sealed(keyring=keyring, token=token, **FIELD)

    def test_refuses_a_token_relabelled_with_another_key_id(self, keyring: Keyring) -> None:
        rotated = with_new_data_key(keyring=keyring)
        token = seal(keyring=rotated, plaintext="x", **FIELD)

        with pytest.raises(SealBroken):
            open_sealed(keyring=rotated, token="k1$" + token.split("$", 1)[1], **FIELD)

    def test_refuses_a_token_from_a_different_keyring(self, keyring: Keyring) -> None:
        token = seal(keyring=generate_keyring(), plaintext="x", **FIELD)

        with pytest.raises(SealBroken):
            open_sealed(keyring=keyring, token=token, **FIELD)

    @pytest.mark.parametrize(
        "token",
        ["", "k1", "k1$", "$abc", "k1$!!!!", "k1$AAAA", "k1$" + "A" * 37 + "*"],
        ids=["empty", "no-separator", "no-body", "no-key-id", "not-base64", "too-short", "stray-char"],
    )
    def test_refuses_a_malformed_token(self, keyring: Keyring, token: str) -> None:
        with pytest.raises(SealBroken):
            open_sealed(keyring=keyring, token=token, **FIELD)


class TestRotationAndReseal:
    def test_old_tokens_still_open_after_rotation(self, keyring: Keyring) -> None:
        old_token = seal(keyring=keyring, plaintext="13812345678", **FIELD)

        rotated = with_new_data_key(keyring=keyring)

        assert open_sealed(keyring=rotated, token=old_token, **FIELD) == "13812345678"
        assert key_id_of(token=seal(keyring=rotated, plaintext="x", **FIELD)) == "k2"

    def test_reseal_moves_an_old_token_to_the_current_key(self, keyring: Keyring) -> None:
        old_token = seal(keyring=keyring, plaintext="13812345678", **FIELD)
        rotated = with_new_data_key(keyring=keyring)

        new_token = reseal(keyring=rotated, token=old_token, **FIELD)

        assert key_id_of(token=new_token) == "k2"
        assert open_sealed(keyring=rotated, token=new_token, **FIELD) == "13812345678"

    def test_reseal_returns_a_current_token_unchanged(self, keyring: Keyring) -> None:
        token = seal(keyring=keyring, plaintext="13812345678", **FIELD)

        assert reseal(keyring=keyring, token=token, **FIELD) == token

    def test_reseal_refuses_a_broken_token_even_when_current(self, keyring: Keyring) -> None:
        token = seal(keyring=keyring, plaintext="13812345678", **FIELD)

        with pytest.raises(SealBroken):
            reseal(keyring=keyring, token=token, table="customer", column="phone", record="42")
