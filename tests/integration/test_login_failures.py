"""Failed logins: one answer, locks per account and address, a per-address throttle.

SPEC R-ST-03 (等保 L3 login-failure handling), ASVS 2.2.1; issue 14 finding 5 and the bad
input "a login for an unknown name (same answer as a wrong password)".
"""

from __future__ import annotations

import pytest

from crm.context import Origin
from crm.errors import AccountLocked, AuthenticationFailed, InvalidInput, RateLimited
from crm.staff import admin
from crm.staff import service as staff_service
from tests.conftest import DEMO_PASSWORD

WRONG = "wrong-password-123"
HOME = Origin(source_ip="10.0.0.5")
OUTSIDER = Origin(source_ip="203.0.113.7")


async def _attempt(ctx, username: str, password: str = DEMO_PASSWORD, origin: Origin = HOME):
    """The refusal a login gets, or None when it succeeds."""
    try:
        await staff_service.login(ctx=ctx, username=username, password=password, kind="api", origin=origin)
    except (AuthenticationFailed, AccountLocked, RateLimited) as exc:
        return exc
    return None


def _answer(exc) -> tuple[str, str, str]:
    return type(exc).__mro__[1].__name__, exc.code, exc.message


class TestOneAnswer:
    async def test_wrong_password_unknown_name_and_locked_account_answer_alike(self, ctx):
        """R-ST-03, finding 5: a locked account is told apart only after a correct password."""
        for _ in range(ctx.lockout_policy.max_failures):
            await _attempt(ctx, "frontdesk", WRONG)

        locked_wrong = await _attempt(ctx, "frontdesk", WRONG)
        unknown = await _attempt(ctx, "nobody-here", WRONG)
        wrong = await _attempt(ctx, "gm", WRONG)

        assert _answer(locked_wrong) == _answer(unknown) == _answer(wrong)
        assert unknown.code == "auth.invalid_credentials"

    async def test_the_failure_that_locks_gets_the_same_answer_too(self, ctx):
        """Finding 5: today the fifth failure answered 423 auth.locked, telling the name exists."""
        answers = [await _attempt(ctx, "frontdesk", WRONG) for _ in range(ctx.lockout_policy.max_failures)]
        unknown = [await _attempt(ctx, "nobody-here", WRONG) for _ in range(ctx.lockout_policy.max_failures)]

        assert {_answer(a) for a in answers} == {_answer(a) for a in unknown}
        assert len({_answer(a) for a in answers}) == 1

    async def test_a_correct_password_on_a_locked_account_is_told_the_lock_and_its_end(self, ctx, clock):
        for _ in range(ctx.lockout_policy.max_failures):
            await _attempt(ctx, "frontdesk", WRONG)

        right_but_locked = await _attempt(ctx, "frontdesk")
        clock.advance(minutes=15)
        after = await _attempt(ctx, "frontdesk")

        assert isinstance(right_but_locked, AccountLocked) and right_but_locked.code == "auth.locked"
        assert "17:15" in right_but_locked.message  # START is 09:00 UTC, shown in Beijing time
        assert after is None

    async def test_every_case_checks_a_password_hash(self, ctx, monkeypatch):
        """Same time for every answer: a hash is verified for a locked account and an unknown name alike."""
        checks: list[str] = []
        real_verify = ctx.hasher.verify  # verify_unknown_user verifies against a dummy hash through it
        monkeypatch.setattr(ctx.hasher, "verify", lambda **kw: checks.append("hash") or real_verify(**kw))
        for _ in range(ctx.lockout_policy.max_failures):
            await _attempt(ctx, "frontdesk", WRONG)
        checks.clear()

        await _attempt(ctx, "frontdesk", WRONG)
        locked = len(checks)
        await _attempt(ctx, "nobody-here", WRONG)

        assert locked == 1 and len(checks) == 2


class TestLocksPerAddress:
    async def test_failures_from_one_address_lock_only_that_address_out(self, ctx):
        """Finding 5: anyone could lock `gm` out for 15 minutes from anywhere."""
        for _ in range(ctx.lockout_policy.max_failures + 2):
            await _attempt(ctx, "gm", WRONG, origin=OUTSIDER)

        from_outside = await _attempt(ctx, "gm", origin=OUTSIDER)
        from_home = await _attempt(ctx, "gm", origin=HOME)

        assert isinstance(from_outside, AccountLocked)
        assert from_home is None

    async def test_the_account_locks_for_everyone_after_several_addresses_and_the_sysadmin_sees_it(self, ctx):
        policy = ctx.lockout_policy
        for n in range(policy.account_lock_addresses):
            for _ in range(policy.max_failures):
                await _attempt(ctx, "gm", WRONG, origin=Origin(source_ip=f"198.51.100.{n}"))

        from_home = await _attempt(ctx, "gm", origin=HOME)
        sysadmin = await staff_service.command_actor(ctx=ctx, username="sysadmin", origin=HOME)
        listed = {s["username"]: s for s in await admin.list_staff(ctx=ctx, actor=sysadmin)}

        assert isinstance(from_home, AccountLocked)
        assert listed["gm"]["locked_until"] is not None

    async def test_a_success_from_the_address_forgets_its_earlier_failures(self, ctx):
        for _ in range(ctx.lockout_policy.max_failures - 1):
            await _attempt(ctx, "frontdesk", WRONG)
        assert await _attempt(ctx, "frontdesk") is None

        again = [await _attempt(ctx, "frontdesk", WRONG) for _ in range(ctx.lockout_policy.max_failures - 1)]

        assert await _attempt(ctx, "frontdesk") is None
        assert all(a.code == "auth.invalid_credentials" for a in again)


class TestThrottle:
    async def test_spraying_many_names_from_one_address_must_wait_longer_and_longer(self, ctx, clock):
        """ASVS 2.2.1, finding 5: password spraying was unlimited."""
        policy = ctx.lockout_policy
        for n in range(policy.throttle_free):
            await _attempt(ctx, f"guess{n}", WRONG, origin=OUTSIDER)

        known = await _attempt(ctx, "frontdesk", origin=OUTSIDER)
        unknown = await _attempt(ctx, "nobody-here", origin=OUTSIDER)
        elsewhere = await _attempt(ctx, "frontdesk", origin=HOME)
        answers = []
        for wait in (1, 1, 1, 3, 1):  # the waits double: 1 s, then 2 s, then 4 s
            clock.advance(seconds=wait)
            answers.append((await _attempt(ctx, "guess-next", WRONG, origin=OUTSIDER)).code)

        assert known.code == unknown.code == "auth.throttled"
        assert _answer(known) == _answer(unknown)
        assert "1 秒" in known.message and known.retry_after == 1
        assert elsewhere is None
        assert answers == [
            "auth.invalid_credentials", "auth.throttled", "auth.invalid_credentials", "auth.throttled",
            "auth.invalid_credentials",
        ]


    async def test_the_api_answers_429_alike_for_known_and_unknown_names(self, client, ctx):
        """ASVS 2.2.1: the throttle's answer must not reveal which names exist either."""
        for n in range(ctx.lockout_policy.throttle_free):
            await client.post("/api/v1/auth/login", json={"username": f"guess{n}", "password": WRONG})

        known = await client.post("/api/v1/auth/login", json={"username": "frontdesk", "password": DEMO_PASSWORD})
        unknown = await client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": WRONG})

        assert (known.status_code, known.json()["code"]) == (429, "auth.throttled")
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())


class TestPasswordChange:
    async def test_wrong_current_passwords_count_and_lock(self, ctx):
        """Finding 5: seven wrong current passwords got 422 and nothing counted."""
        session = await staff_service.login(ctx=ctx, username="frontdesk", password=DEMO_PASSWORD, kind="api", origin=HOME)
        authenticated = await staff_service.authenticate(ctx=ctx, token=session.token, kind="api")
        answers = []
        for _ in range(ctx.lockout_policy.max_failures + 2):
            try:
                await staff_service.change_password(
                    ctx=ctx, actor=authenticated.actor, current_password=WRONG, new_password="Gas-Meter-Reading-77",
                    session_id=authenticated.session_id, origin=HOME,
                )
            except (InvalidInput, AccountLocked) as exc:
                answers.append(exc.code)

        login_after = await _attempt(ctx, "frontdesk", origin=HOME)

        assert answers[: ctx.lockout_policy.max_failures] == ["auth.invalid_credentials"] * ctx.lockout_policy.max_failures
        assert answers[ctx.lockout_policy.max_failures :] == ["auth.locked", "auth.locked"]
        assert isinstance(login_after, AccountLocked)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_running_policy_is_the_configured_one(ctx):
    """R-ST-03 "(configurable)": every number of the policy comes from the settings."""
    policy, settings = ctx.lockout_policy, ctx.settings

    assert (policy.max_failures, policy.lock_for) == (settings.lockout_failures, settings.lockout_duration)
    assert (policy.account_lock_addresses, policy.failure_window) == (settings.lockout_addresses, settings.lockout_window)
    assert (policy.throttle_free, policy.throttle_window, policy.throttle_max) == (
        settings.login_throttle_free, settings.login_throttle_window, settings.login_throttle_max
    )


class TestLoginPage:
    async def test_the_page_shows_one_message_and_the_lock_only_after_a_correct_password(self, client, ctx):
        """R-ST-03, finding 5: the login page tells a lock only to whoever knows the password."""
        from tests.integration.test_pages import page_login, text_of

        for _ in range(ctx.lockout_policy.max_failures):
            await page_login(client, "frontdesk", WRONG)

        locked_wrong = await page_login(client, "frontdesk", WRONG)
        unknown = await page_login(client, "nobody-here", WRONG)
        locked_right = await page_login(client, "frontdesk")

        assert locked_wrong.status_code == unknown.status_code == 401
        assert "用户名或密码错误" in text_of(locked_wrong.text) and "用户名或密码错误" in text_of(unknown.text)
        assert "已锁定" not in text_of(locked_wrong.text)
        assert locked_right.status_code == 423
        assert "账号已锁定至 17:15" in text_of(locked_right.text)

    async def test_the_password_page_counts_wrong_current_passwords_and_says_the_lock(self, client, ctx):
        """Finding 5: wrong current passwords on the password form count too."""
        from tests.integration.test_pages import page_login, submit, text_of

        await page_login(client, "frontdesk")
        form = {"current_password": WRONG, "new_password": "Gas-Meter-Reading-77", "confirm_password": "Gas-Meter-Reading-77"}
        wrong = [await submit(client, "/password", form) for _ in range(ctx.lockout_policy.max_failures)]

        locked = await submit(client, "/password", {**form, "current_password": DEMO_PASSWORD})

        assert {w.status_code for w in wrong} == {422}
        assert locked.status_code == 423
        assert "账号已锁定至" in text_of(locked.text)
