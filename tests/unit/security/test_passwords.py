"""R-ST-02: argon2id hashing and the staff password policy."""

from __future__ import annotations

import pytest

from crm.errors import InvalidInput
from crm.security.passwords import PasswordHasher, WeakPassword, check_password_policy, common_passwords

DEMO_PASSWORD = "Demo-Pass-2026"


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    return PasswordHasher.for_tests()


class TestPasswordHasher:
    def test_hashes_with_argon2id(self, hasher: PasswordHasher) -> None:
        password_hash = hasher.hash("correct horse battery staple")

        assert password_hash.startswith("$argon2id$")
        assert "correct horse" not in password_hash

    def test_verifies_the_right_password(self, hasher: PasswordHasher) -> None:
        password_hash = hasher.hash("correct horse battery staple")

        assert hasher.verify(password_hash=password_hash, password="correct horse battery staple") is True

    def test_rejects_a_wrong_password_without_raising(self, hasher: PasswordHasher) -> None:
        password_hash = hasher.hash("correct horse battery staple")

        assert hasher.verify(password_hash=password_hash, password="Correct horse battery staple") is False

    def test_rejects_against_a_corrupt_hash_without_raising(self, hasher: PasswordHasher) -> None:
        assert hasher.verify(password_hash="not-a-hash", password="anything") is False

    def test_salts_each_hash(self, hasher: PasswordHasher) -> None:
        assert hasher.hash("same password") != hasher.hash("same password")

    def test_asks_to_rehash_when_parameters_grow(self, hasher: PasswordHasher) -> None:
        weak_hash = hasher.hash("correct horse battery staple")

        stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)

        assert stronger.needs_rehash(weak_hash) is True
        assert hasher.needs_rehash(weak_hash) is False
        assert hasher.needs_rehash("garbage") is True

    def test_defaults_follow_the_rfc_9106_low_memory_profile(self) -> None:
        hasher = PasswordHasher()

        password_hash = hasher.hash("correct horse battery staple")

        assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")

    def test_unknown_user_check_always_fails(self, hasher: PasswordHasher) -> None:
        assert hasher.verify_unknown_user(password="crm-dummy-password-for-timing") is False


def _refusal(password: str, context: tuple[str, ...] = ()) -> WeakPassword:
    with pytest.raises(WeakPassword) as caught:
        check_password_policy(password=password, context=context)
    return caught.value


class TestPasswordPolicy:
    def test_accepts_the_demo_password(self) -> None:
        check_password_policy(password=DEMO_PASSWORD, context=("zhang.min", "张敏", "frontdesk"))

    @pytest.mark.parametrize(
        "password",
        ["correct horse battery staple", "Tq8#vLm2!pZr", "煤气表读数每月十五号抄一次", "Bamboo-Teapot-Lantern"],
    )
    def test_accepts_long_uncommon_passwords(self, password: str) -> None:
        check_password_policy(password=password, context=("li.na",))

    def test_refuses_fewer_than_12_characters(self) -> None:
        error = _refusal("Tq8#vLm2!pZ")

        assert error.code == "password.too_short"
        assert error.field == "new_password"
        assert error.message.startswith("密码至少需要 12 个字符")
        assert "Password must be at least 12 characters" in error.message
        assert isinstance(error, InvalidInput)

    def test_accepts_exactly_12_characters(self) -> None:
        check_password_policy(password="Tq8#vLm2!pZr")

    def test_refuses_more_than_256_characters(self) -> None:
        error = _refusal("Tq8#vLm2!pZr" * 22)

        assert error.code == "password.too_long"
        assert error.field == "new_password"

    def test_accepts_exactly_256_characters(self) -> None:
        check_password_policy(password=("Tq8#vLm2!pZr" * 22)[:256])

    @pytest.mark.parametrize(
        "password",
        [
            "password1234",
            "Password2026!",
            "P@ssw0rd2026",
            "2026-Password",
            "qwertyuiop123",
            "1qaz2wsx3edc",
            "woaini1314520",
            "Iloveyou!!!!",
            "Welcome-2026",
            "Admin@123456",
            "Changeme2025#",
        ],
    )
    def test_refuses_common_passwords_and_decorated_variants(self, password: str) -> None:
        error = _refusal(password)

        assert error.code == "password.too_common"
        assert error.field == "new_password"

    @pytest.mark.parametrize(
        "password",
        [
            "aaaaaaaaaaaa",
            "123456789012",
            "abcdefghijkl",
            "lkjihgfedcba",
            "210987654321",
            "abcabcabcabc",
            "1234567890!!",
        ],
    )
    def test_refuses_repeated_characters_and_straight_runs(self, password: str) -> None:
        assert _refusal(password).code == "password.too_common"

    def test_judges_non_ascii_digits_without_crashing(self) -> None:
        check_password_policy(password="²³⁴⁵⁶⁷⁸⁹¹²³⁴-Garden")

    def test_bundles_a_list_of_several_hundred_refused_passwords(self) -> None:
        refused = common_passwords()

        assert len(refused) >= 500
        assert "password" in refused
        assert all(entry == entry.lower() for entry in refused)

    @pytest.mark.parametrize(
        ("password", "context"),
        [
            ("Zhangminx-Garden-77", ("zhangminx",)),
            ("my-ZHANGMINX-garden", ("zhangminx", "Zhang Min")),
            ("Lotus-Wangfang-Bridge", ("wang.fang@example.com",)),
            ("Garden-欧阳娜娜-Bridge", ("欧阳娜娜",)),
            ("Bridge-Ops-Garden-7", ("ops",)),
        ],
        ids=["username", "case-insensitive", "email-part", "chinese-name", "three-chars"],
    )
    def test_refuses_passwords_containing_personal_context(
        self, password: str, context: tuple[str, ...]
    ) -> None:
        error = _refusal(password, context)

        assert error.code == "password.contains_personal_info"
        assert error.field == "new_password"

    def test_ignores_context_strings_shorter_than_three_characters(self) -> None:
        check_password_policy(password="Bridge-Li-Garden-7", context=("li", "", "王"))
