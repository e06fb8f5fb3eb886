"""The one download response (crm.web.downloads): file names; caching and sniffing through the app's
headers (crm.http_headers, issue 14 finding 8)."""

from __future__ import annotations

from urllib.parse import unquote

from litestar import Controller, Response, get, post
from litestar.testing import create_test_client

from crm.http_errors import NO_STORE
from crm.http_headers import add_security_headers
from crm.web.downloads import ascii_filename, content_disposition, file_response

ARCHIVE_PDF = "archive-Z001-HT·2026-D30-DC-0001.pdf"


def utf8_name(disposition: str) -> str:
    return unquote(disposition.split("filename*=UTF-8''", 1)[1], encoding="utf-8")


class TestContentDisposition:
    def test_an_archive_number_keeps_its_middle_dot_in_the_utf8_name(self) -> None:
        disposition = content_disposition(ARCHIVE_PDF)

        assert disposition == (
            "attachment; filename=\"archive-Z001-HT_2026-D30-DC-0001.pdf\"; "
            "filename*=UTF-8''archive-Z001-HT%C2%B72026-D30-DC-0001.pdf"
        )
        assert utf8_name(disposition) == ARCHIVE_PDF

    def test_a_chinese_name_has_an_ascii_fallback_and_reads_back_whole(self) -> None:
        disposition = content_disposition("HT-DC-2026-00012 合同文本.pdf")

        assert disposition.startswith('attachment; filename="HT-DC-2026-00012 ____.pdf"; ')
        assert utf8_name(disposition) == "HT-DC-2026-00012 合同文本.pdf"

    def test_quotes_line_breaks_and_separators_cannot_break_out_of_the_header(self) -> None:
        hostile = 'a"; filename="evil.html\r\nSet-Cookie: x=1/..\\b.pdf'

        disposition = content_disposition(hostile)

        assert "\r" not in disposition and "\n" not in disposition
        assert disposition.count('"') == 2  # the fallback's own quotes, nothing else
        assert ascii_filename(hostile) == "a_; filename=_evil.html__Set-Cookie: x=1_.._b.pdf"
        assert utf8_name(disposition) == hostile

    def test_an_empty_name_still_names_the_file(self) -> None:
        assert content_disposition("  ") == "attachment; filename=\"download\"; filename*=UTF-8''download"


class TestFileResponse:
    def test_a_pdf_is_an_attachment_whose_other_headers_are_the_apps(self) -> None:
        response = file_response(content=b"%PDF-1.7", filename="contract-HT-1.pdf")

        assert response.status_code == 200 and response.media_type == "application/pdf"
        assert response.headers == {
            "content-disposition": "attachment; filename=\"contract-HT-1.pdf\"; filename*=UTF-8''contract-HT-1.pdf",
        }

    def test_a_stored_material_keeps_its_own_media_type(self) -> None:
        response = file_response(content=b"\x89PNG", filename="竣工图.png", media_type="image/png")

        assert response.media_type == "image/png"


class _NoStoreController(Controller):
    """An API controller as crm, contracts and archives write them: no-store on every answer."""

    path = "/api"
    cache_control = NO_STORE

    @get("/sheet.pdf")
    async def sheet(self) -> Response[bytes]:
        return file_response(content=b"%PDF-1.7", filename="customer-1.pdf")


@post("/sheet-full.pdf")
async def full_sheet() -> Response[bytes]:
    return file_response(content=b"%PDF-1.7", filename="customer-1-full.pdf")


class TestThroughLitestar:
    def test_an_api_controllers_cache_control_is_not_sent_twice(self) -> None:
        with create_test_client(route_handlers=[_NoStoreController], before_send=[add_security_headers]) as client:
            response = client.get("/api/sheet.pdf")

        assert response.headers.get_list("cache-control") == ["no-store"]
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]

    def test_a_page_form_that_posts_for_a_pdf_gets_200(self) -> None:
        with create_test_client(route_handlers=[full_sheet], before_send=[add_security_headers]) as client:
            response = client.post("/sheet-full.pdf")

        assert response.status_code == 200 and response.content == b"%PDF-1.7"
        assert response.headers.get_list("cache-control") == ["no-store"]
