"""Staff password hashing and policy (R-ST-02)."""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable
from importlib import resources

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

from crm.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 256
_MIN_CONTEXT_LENGTH = 3
# Name parts are shorter and more often innocent ("min" in "admin"); a whole string is not.
_MIN_CONTEXT_PART_LENGTH = 4
_FIELD = "new_password"

_EDGE_CHARS = string.digits + string.punctuation + " "
# Common substitutions, so "P@ssw0rd2026" is recognised as "password".
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "$": "s", "5": "s", "7": "t", "!": "i"}
)


class WeakPassword(InvalidInput):
    code = "password.weak"


class PasswordHasher:
    """argon2id; the defaults are argon2-cffi's RFC 9106 low-memory profile."""

    def __init__(
        self,
        *,
        time_cost: int = RFC_9106_LOW_MEMORY.time_cost,
        memory_cost: int = RFC_9106_LOW_MEMORY.memory_cost,
        parallelism: int = RFC_9106_LOW_MEMORY.parallelism,
    ) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            type=argon2.Type.ID,
        )
        self._dummy_hash: str | None = None

    @classmethod
    def for_tests(cls) -> PasswordHasher:
        # The smallest parameters argon2 accepts: fast suites, never for real accounts.
        return cls(time_cost=1, memory_cost=8, parallelism=1)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, *, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            # A corrupt or placeholder hash must not turn a login into a server error.
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            # Unreadable hashes are replaced at the next successful login.
            return True

    def verify_unknown_user(self, *, password: str) -> bool:
        """Spend the same time as a real check, so response times don't reveal which usernames exist."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hash("crm-dummy-password-for-timing")
        self.verify(password_hash=self._dummy_hash, password=password)
        return False


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("crm.security").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().casefold()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def _is_trivial(text: str) -> bool:
    """One repeated short unit ("aaaa", "abab", "12341234") or a straight run ("abcdef", "654321")."""
    if len(text) < 4:
        return False
    for unit in range(1, 5):
        if len(text) >= 2 * unit and text == (text[:unit] * (len(text) // unit + 1))[: len(text)]:
            return True
    return _is_straight_run(text)


def _is_straight_run(text: str) -> bool:
    if text.isascii() and text.isdigit():
        # Digits wrap: "1234567890" and "123456789012" are the same keyboard habit.
        steps = {(int(b) - int(a)) % 10 for a, b in zip(text, text[1:])}
        return steps in ({1}, {9})
    if text.isascii() and text.isalpha():
        steps = {ord(b) - ord(a) for a, b in zip(text, text[1:])}
        return steps in ({1}, {-1})
    return False


def _candidates(password: str) -> set[str]:
    """The password as typed, and with the decoration people add to meet rules removed."""
    lowered = password.casefold()
    forms = {
        lowered,
        lowered.rstrip(string.punctuation + " "),
        lowered.rstrip(_EDGE_CHARS),
        lowered.strip(_EDGE_CHARS),
    }
    forms |= {form.translate(_LEET) for form in forms}
    forms |= {re.sub(r"[\s\-_.]+", "", form) for form in forms}
    return {form for form in forms if form}


def _is_common(password: str) -> bool:
    refused = common_passwords()
    return any(form in refused or _is_trivial(form) for form in _candidates(password))


def _context_terms(context: Iterable[str]) -> set[str]:
    terms: set[str] = set()
    for item in context:
        if not item:
            continue
        whole = item.strip().casefold()
        if len(whole) >= _MIN_CONTEXT_LENGTH:
            terms.add(whole)
        # "Zhang Wei" or "zhang.wei@example.com": each name part is as guessable as the whole.
        terms.update(
            part for part in re.split(r"[\s@._\-]+", whole) if len(part) >= _MIN_CONTEXT_PART_LENGTH
        )
    return terms


def check_password_policy(*, password: str, context: Iterable[str] = ()) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"密码至少需要 {MIN_LENGTH} 个字符 / Password must be at least {MIN_LENGTH} characters",
            field=_FIELD,
            code="password.too_short",
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(
            f"密码不能超过 {MAX_LENGTH} 个字符 / Password must be at most {MAX_LENGTH} characters",
            field=_FIELD,
            code="password.too_long",
        )
    if _is_common(password):
        raise WeakPassword(
            "密码过于常见或容易猜到，请换一个 / Password is too common or easy to guess; choose another",
            field=_FIELD,
            code="password.too_common",
        )
    lowered = password.casefold()
    if any(term in lowered for term in _context_terms(context)):
        raise WeakPassword(
            "密码不能包含用户名、姓名等个人信息 / Password must not contain your username, name or other personal details",
            field=_FIELD,
            code="password.contains_personal_info",
        )
