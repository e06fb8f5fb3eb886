"""The one set of security headers (crm.http_headers; issue 14 finding 8, SPEC §6 R-PM-04)."""

from __future__ import annotations

from crm.http_headers import NO_STORE, SECURITY_HEADERS, add_security_headers, with_security_headers


def as_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in headers:
        found.setdefault(name.decode().lower(), []).append(value.decode())
    return found


class TestWithSecurityHeaders:
    def test_an_answer_without_any_gets_every_one_once_and_no_store(self) -> None:
        headers = as_dict(with_security_headers([(b"content-type", b"application/json")], cacheable=False))

        assert headers["content-type"] == ["application/json"]
        assert headers["cache-control"] == [NO_STORE]
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == [value]

    def test_values_already_set_under_any_spelling_are_replaced_not_repeated(self) -> None:
        raw = [(b"Cache-Control", b"no-store"), (b"cache-control", b"no-store"), (b"X-Frame-Options", b"SAMEORIGIN"),
               (b"Referrer-Policy", b"unsafe-url"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]

        headers = as_dict(with_security_headers(raw, cacheable=False))

        assert headers["cache-control"] == ["no-store"]
        assert headers["x-frame-options"] == ["DENY"]
        assert headers["referrer-policy"] == ["no-referrer"]
        assert headers["set-cookie"] == ["a=1", "b=2"]

    def test_a_cacheable_answer_keeps_its_own_caching_once(self) -> None:
        raw = [(b"cache-control", b"max-age=3600"), (b"Cache-Control", b"max-age=3600")]

        headers = as_dict(with_security_headers(raw, cacheable=True))

        assert headers["cache-control"] == ["max-age=3600"]
        assert headers["x-content-type-options"] == ["nosniff"]

    def test_the_policy_forbids_framing_and_foreign_scripts(self) -> None:
        policy = SECURITY_HEADERS["content-security-policy"]

        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy


class TestTheHook:
    async def test_only_the_start_of_an_http_answer_is_touched(self) -> None:
        body = {"type": "http.response.body", "body": b"{}"}
        start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]}

        await add_security_headers(body, {"type": "http", "path": "/customers"})
        await add_security_headers(start, {"type": "http", "path": "/customers"})

        assert body == {"type": "http.response.body", "body": b"{}"}
        assert as_dict(start["headers"])["cache-control"] == ["no-store"]

    async def test_static_assets_are_not_marked_no_store(self) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": []}

        await add_security_headers(start, {"type": "http", "path": "/static/app.css"})

        assert "cache-control" not in as_dict(start["headers"])
        assert as_dict(start["headers"])["x-content-type-options"] == ["nosniff"]
