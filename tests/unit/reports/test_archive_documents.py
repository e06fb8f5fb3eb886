"""What every archive record shares (SPEC §5 R-AR-02..07, §9): page frame, metadata, watermark,
escaping of every user string (CVE-2023-33733), and the shared building blocks."""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from pypdf import PdfReader

from reports import archive_catalogue, archive_record, departure_list, destruction_register, handover_list
from reports import lookup_register
from tests.unit.reports.pdf_helpers import extract_pages, squash
from tests.unit.reports.test_archive_catalogue import sample_catalogue
from tests.unit.reports.test_archive_record import sample_record
from tests.unit.reports.test_customer_sheet import cve_payload
from tests.unit.reports.test_departure_list import sample_departure
from tests.unit.reports.test_destruction_register import sample_register as sample_destruction
from tests.unit.reports.test_handover_list import sample_handover
from tests.unit.reports.test_lookup_register import sample_register as sample_lookup


class Document(NamedTuple):
    build: Callable[..., object]
    render: Callable[..., bytes]
    title: str
    number: str  # the identifying number in the subject and keywords
    author: str


DOCUMENTS = {
    "handover_list": Document(
        sample_handover,
        lambda doc, **kw: handover_list.render_handover_list(handover_list=doc, **kw),
        handover_list.TITLE,
        "YJ-2026-0012",
        "王五",
    ),
    "archive_record": Document(
        sample_record,
        lambda doc, **kw: archive_record.render_archive_record(record=doc, **kw),
        archive_record.TITLE,
        "Z001-HT·2026-D30-SCB-0007",
        "王五",
    ),
    "archive_catalogue": Document(
        sample_catalogue,
        lambda doc, **kw: archive_catalogue.render_archive_catalogue(catalogue=doc, **kw),
        archive_catalogue.TITLE,
        "Z001",
        "王五",
    ),
    "lookup_register": Document(
        sample_lookup,
        lambda doc, **kw: lookup_register.render_lookup_register(register=doc, **kw),
        lookup_register.TITLE,
        "2026-11-01 至 2026-11-30",
        "王五",
    ),
    "destruction_register": Document(
        sample_destruction,
        lambda doc, **kw: destruction_register.render_destruction_register(register=doc, **kw),
        destruction_register.TITLE,
        "XH-2026-0001",
        "王五",
    ),
    "departure_list": Document(
        sample_departure,
        lambda doc, **kw: departure_list.render_departure_list(departure_list=doc, **kw),
        departure_list.TITLE,
        "JJ-2026-0003",
        "王五",
    ),
}

document_kinds = pytest.mark.parametrize("kind", list(DOCUMENTS))


def with_strings(value: object, make: Callable[[], str]) -> object:
    """``value`` with every string inside it (fields, rows, tuples) replaced by ``make()``.

    The optional watermark stays as it is (it has its own tests).
    """
    if isinstance(value, str):
        return make()
    if isinstance(value, tuple):
        return tuple(with_strings(v, make) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: with_strings(getattr(value, f.name), make)
            for f in dataclasses.fields(value)
            if f.name != "watermark"
        }
        return dataclasses.replace(value, **changes)
    return value


class TestEveryArchiveDocument:
    @document_kinds
    def test_page_frame_and_metadata(self, kind: str, font_options: dict) -> None:
        """SPEC §9: company and title in the header, "第 N 页 共 M 页", metadata with the number."""
        doc = DOCUMENTS[kind]

        pdf = doc.render(doc.build(), **font_options)

        pages = extract_pages(pdf)
        assert all(f"第 {n} 页 共 {len(pages)} 页" in text for n, text in enumerate(pages, start=1))
        assert all("某市燃气有限公司" in text and doc.title in text for text in pages)
        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert (meta.title, meta.author, meta.creator) == (doc.title, doc.author, "Utility CRM & Archives")
        assert doc.number in meta.subject
        assert doc.number in meta["/Keywords"].split(", ")

    @document_kinds
    def test_watermark_only_when_set(self, kind: str, font_options: dict) -> None:
        """SPEC §9 / R-AR-06: a confidential copy carries its watermark, an ordinary one none."""
        doc = DOCUMENTS[kind]
        mark = "查阅人 张三（zhangsan） 2026-11-25 10:31 仅供查阅"

        marked = extract_pages(doc.render(doc.build(watermark=mark), **font_options))
        plain = extract_pages(doc.render(doc.build(), **font_options))

        assert all(mark in text for text in marked)
        assert not any("仅供查阅" in text for text in plain)

    @document_kinds
    def test_every_user_string_prints_literally(self, kind: str) -> None:
        """SPEC §9: every string of the view model appears as typed, tags and entities included."""
        doc = DOCUMENTS[kind]
        counter = itertools.count(1)
        hostile = with_strings(doc.build(), lambda: f'<i>f{next(counter)}</i> & <b>"x"</b>')
        strings = next(counter) - 1

        text = squash("".join(extract_pages(doc.render(hostile, search_system=False))))

        missing = [n for n in range(1, strings + 1) if squash(f'<i>f{n}</i> & <b>"x"</b>') not in text]
        assert strings >= 10 and missing == []

    @document_kinds
    def test_cve_2023_33733_payload_everywhere_is_printed_not_executed(
        self, kind: str, tmp_path: Path, font_options: dict
    ) -> None:
        """CVE-2023-33733: the proof of concept in every string field, even narrow columns."""
        doc = DOCUMENTS[kind]
        marker = tmp_path / "pwned"
        payload = cve_payload(marker)

        pages = extract_pages(doc.render(with_strings(doc.build(), lambda: payload), **font_options))

        assert not marker.exists()
        assert squash("".join(pages)).count(squash(payload)) >= 3
        assert all(f"第 {n} 页 共 {len(pages)} 页" in text for n, text in enumerate(pages, start=1))

