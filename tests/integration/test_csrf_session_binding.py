"""The pages' CSRF token is bound to the session it was issued to (issue 14 finding 6, R-PM-01).

Before, the token was a double-submit cookie alone: another person's ``crm_csrf`` cookie with
its token was accepted, and so was a token from before a logout.
"""

from __future__ import annotations

from crm.accounts.tables import Customer
from tests.integration.test_pages import RESIDENT, csrf_token, page_login

COOKIE = "crm_csrf"
DOMAIN = "testserver.local"


async def _form_token(client, path: str = "/customers/new") -> str:
    return csrf_token((await client.get(path)).text)


def _set_cookie(client, name: str, value: str) -> None:
    client.cookies.delete(name)
    client.cookies.set(name, value, domain=DOMAIN, path="/")


class TestSessionBoundToken:
    async def test_another_persons_cookie_and_token_are_refused(self, client):
        """Finding 6: B's session with A's crm_csrf cookie and A's token is refused 403."""
        await page_login(client, "frontdesk")
        a_token, a_cookie = await _form_token(client), client.cookies.get(COOKIE)
        await page_login(client, "frontdesk2")
        b_token = await _form_token(client)
        b_cookie = client.cookies.get(COOKIE)

        _set_cookie(client, COOKIE, a_cookie)
        with_a_token = await client.post(
            "/customers/new", data={**RESIDENT, "branch": "XC", "_csrf_token": a_token}, follow_redirects=False
        )
        _set_cookie(client, COOKIE, b_cookie)
        with_own_token = await client.post(
            "/customers/new", data={**RESIDENT, "branch": "XC", "_csrf_token": b_token}, follow_redirects=False
        )

        assert with_a_token.status_code == 403
        assert with_own_token.status_code == 303
        assert await Customer.count() == 1

    async def test_a_token_from_before_a_logout_is_refused_after_logging_in_again(self, client):
        """Finding 6: a new session gets a new token; the old one dies with its session."""
        await page_login(client, "frontdesk")
        old_token = await _form_token(client)
        await client.post("/logout", data={"_csrf_token": old_token}, follow_redirects=False)
        login_form = await client.get("/login")
        await client.post(
            "/login",
            data={"username": "frontdesk", "password": "Demo-Pass-2026", "_csrf_token": csrf_token(login_form.text)},
            follow_redirects=False,
        )

        stale = await client.post("/customers/new", data={**RESIDENT, "_csrf_token": old_token}, follow_redirects=False)
        fresh = await client.post(
            "/customers/new", data={**RESIDENT, "_csrf_token": await _form_token(client)}, follow_redirects=False
        )

        assert stale.status_code == 403
        assert fresh.status_code == 303
        assert await Customer.count() == 1

    async def test_the_token_differs_between_sessions_of_one_person(self, client):
        await page_login(client, "frontdesk")
        first = await _form_token(client)
        await page_login(client, "frontdesk")

        second = await _form_token(client)

        assert first != second

    async def test_a_session_cookie_with_the_pre_login_token_is_refused(self, client):
        """The login form's token is for logging in only, not for a session's forms."""
        await page_login(client, "frontdesk")
        session_cookie = client.cookies.get("crm_session")
        client.cookies.clear()
        pre_login = csrf_token((await client.get("/login")).text)
        _set_cookie(client, "crm_session", session_cookie)

        response = await client.post("/customers/new", data={**RESIDENT, "_csrf_token": pre_login}, follow_redirects=False)

        assert response.status_code == 403
        assert await Customer.count() == 0
