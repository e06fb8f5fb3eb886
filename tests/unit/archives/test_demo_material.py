"""The demo's stand-in materials (archives.fixtures): rendered with the report kit, every string as text."""

from __future__ import annotations

import io

from pypdf import PdfReader

from archives.fixtures import _material_pdf

# Paragraph markup that reportlab would evaluate (CVE-2023-33733) or choke on if parsed.
HOSTILE = '<para><font color="[[[getattr(pow, Word(\'__globals__\'))]]] ">HT-2026-0001 & <b>'


def test_a_material_shows_its_strings_literally_on_one_page() -> None:
    pdf = _material_pdf(title="竣工图 <i>", contract_no=HOSTILE, text="管径以现场验收为准 <br/> & 阀门", company="示范燃气公司")

    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()

    assert len(reader.pages) == 1
    assert HOSTILE in text
    assert "管径以现场验收为准 <br/> & 阀门" in text
    assert reader.metadata.title == "竣工图 <i>" and reader.metadata.subject == HOSTILE
