"""Destruction register, 销毁清册 (SPEC R-AR-05, §9)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from reports.destruction_register import (
    TITLE,
    DestroyedArchiveLine,
    DestroyedFile,
    DestructionRegister,
    render_destruction_register,
)
from tests.unit.reports.pdf_helpers import extract_pages, squash

MakeRegister = Callable[..., DestructionRegister]


def digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def destroyed(n: int, *, files: int = 2) -> DestroyedArchiveLine:
    return DestroyedArchiveLine(
        seq=str(n),
        archive_no=f"Z001-HT·2016-D10-SCB-{n:04d}",
        title=f"供用气合同{n}",
        retention_label="10年 D10",
        year="2016",
        due_date="2026-12-31",
        file_count=str(files),
        files=tuple(DestroyedFile(f"scan-{n:04d}-{i}.pdf", digest(f"{n}/{i}")) for i in range(1, files + 1)),
    )


def sample_register(**overrides: object) -> DestructionRegister:
    values: dict = {
        "company_name": "某市燃气有限公司",
        "batch_no": "XH-2026-0001",
        "status_label": "已销毁 Destroyed",
        "proposed_by": "王五",
        "proposed_at": "2026-11-01 09:00",
        "approved_by": "赵总",
        "approved_at": "2026-11-05 16:00",
        "executed_by": "王五",
        "executed_at": "2026-11-10 09:00",
        "witnesses": ("孙一", "周二"),
        "printed_by": "王五",
        "printed_at": "2026-11-10 12:00",
        "lines": (destroyed(3), destroyed(4, files=1)),
        "watermark": None,
    }
    values.update(overrides)
    return DestructionRegister(**values)


@pytest.fixture
def make_register() -> MakeRegister:
    return sample_register


def all_text(pdf: bytes) -> str:
    return "\n".join(extract_pages(pdf))


class TestDestructionRegister:
    def test_extracted_text_has_batch_people_archives_and_page_number(
        self, make_register: MakeRegister, font_options: dict
    ) -> None:
        """R-AR-05 / SPEC §9: who proposed, approved, executed and witnessed, and what was destroyed."""
        pages = extract_pages(render_destruction_register(register=make_register(), **font_options))

        assert len(pages) == 1
        text = pages[0]
        assert "XH-2026-0001" in text and "已销毁 Destroyed" in text
        assert re.search(r"提出人（档案员）\s*Proposed by\s*王五", text)
        assert re.search(r"批准人（总经理）\s*Approved by\s*赵总", text)
        assert re.search(r"批准时间 Approved at\s*2026-11-05 16:00", text)
        assert re.search(r"销毁时间 Executed at\s*2026-11-10 09:00", text)
        assert re.search(r"监销人 Witnesses\s*孙一、周二", text)
        assert re.search(
            r"3\s*Z001-HT·2016-D10-SCB-0003\s*供用气合同3\s*10年 D10\s*2016\s*2026-12-31\s*2", text
        )
        assert re.search(
            r"4\s*Z001-HT·2016-D10-SCB-0004\s*供用气合同4\s*10年 D10\s*2016\s*2026-12-31\s*1", text
        )
        assert "第 1 页 共 1 页" in text

    def test_every_destroyed_file_hash_is_listed_in_full(
        self, make_register: MakeRegister, font_options: dict
    ) -> None:
        """R-AR-05: the register proves what was destroyed: every file's full SHA-256, on one line."""
        register = make_register()

        text = all_text(render_destruction_register(register=register, **font_options))

        for line in register.lines:
            for f in line.files:
                assert re.search(rf"{line.archive_no}\s*{f.file_name}\s*{f.sha256}$", text, flags=re.M)

    def test_statement_and_signatures(self, make_register: MakeRegister, font_options: dict) -> None:
        """R-AR-05: a closing statement, then the executor and both witnesses sign."""
        text = all_text(render_destruction_register(register=make_register(), **font_options))

        assert "以上 2 件档案已于 2026-11-10 09:00 在监销人 孙一、周二 监督下销毁，本清册永久保存。" in text
        assert "destroyed at 2026-11-10 09:00 in the presence of the witnesses named" in text
        assert "this register is kept permanently" in text
        assert re.search(
            r"销毁执行人 Executed by\s*监销人 Witness\s*监销人 Witness\s*王五\s*孙一\s*周二", text
        )

    def test_more_witnesses_continue_on_a_second_row(self, make_register: MakeRegister) -> None:
        """R-AR-05: two or more witnesses; each has a box to sign."""
        register = make_register(witnesses=("孙一", "周二", "吴三", "郑四"))

        text = all_text(render_destruction_register(register=register, search_system=False))

        assert re.search(r"监销人 Witnesses\s*孙一、周二、吴三、郑四", text)
        assert len(re.findall(r"监销人 Witness(?!es)", text)) == 4
        assert all(name in text for name in ("吴三", "郑四"))

    def test_each_witness_is_listed_with_the_time_they_confirmed(self, make_register: MakeRegister) -> None:
        """Issue 14 finding 7 / R-AR-05: who confirmed with their own login, and when; who is still awaited."""
        register = make_register(witness_confirmations=(("孙一（sunyi）", "2026-11-10 08:50"), ("周二（zhouer）", "")))

        text = all_text(render_destruction_register(register=register, search_system=False))

        assert re.search(r"监销确认\s*Confirmed\s*孙一（sunyi） 2026-11-10 08:50；周二（zhouer） 待确认", text)

    def test_missing_witnesses_still_get_two_boxes(self, make_register: MakeRegister) -> None:
        """R-AR-05: a register printed before execution has two empty witness boxes ("—")."""
        register = make_register(status_label="已批准 Approved", executed_by="", executed_at="", witnesses=())

        text = all_text(render_destruction_register(register=register, search_system=False))

        assert len(re.findall(r"监销人 Witness(?!es)", text)) == 2
        assert re.search(r"监销人 Witnesses\s*—", text)
        assert re.search(r"销毁时间 Executed at\s*—", text)
        assert "已于 — 在监销人 — 监督下销毁" in text

    def test_empty_batch_prints_notes(self, make_register: MakeRegister, font_options: dict) -> None:
        """SPEC §9: empty sections print a short note."""
        text = all_text(render_destruction_register(register=make_register(lines=()), **font_options))

        assert "本批次无销毁档案" in text and "无文件记录" in text
        assert "以上 0 件档案" in text

    def test_many_files_flow_across_pages(self, make_register: MakeRegister, font_options: dict) -> None:
        """R-AR-05: a large disposal batch lists every file hash, page after numbered page."""
        register = make_register(lines=tuple(destroyed(n, files=3) for n in range(1, 41)))

        pages = extract_pages(render_destruction_register(register=register, **font_options))

        total = len(pages)
        assert total >= 3
        assert all(f"第 {n} 页 共 {total} 页" in text for n, text in enumerate(pages, start=1))
        text = "\n".join(pages)
        assert all(f.sha256 in text for line in register.lines for f in line.files)
        assert all("SHA-256" in page for page in pages if re.search(r"[0-9a-f]{64}", page))

    def test_metadata(self, make_register: MakeRegister) -> None:
        """SPEC §9: title, subject and keywords carry the disposal batch number."""
        pdf = render_destruction_register(register=make_register(), search_system=False)

        meta = PdfReader(io.BytesIO(pdf)).metadata
        assert meta.title == TITLE
        assert meta.author == "王五"
        assert "XH-2026-0001" in meta.subject
        assert meta.creator == "Utility CRM & Archives"
        assert {"销毁清册", "R-AR-05", "XH-2026-0001"} <= set(meta["/Keywords"].split(", "))

    @pytest.mark.parametrize(
        "hostile",
        ['<font color="red">x</font>', "<img src=x>", "A & B <b>粗体</b>", "&lt;escaped&gt; &amp;"],
    )
    def test_markup_in_user_text_prints_literally(self, make_register: MakeRegister, hostile: str) -> None:
        """SPEC §9: tags and entities in user text show as typed."""
        line = DestroyedArchiveLine(
            "1", "Z001", hostile, "10年", "2016", "2026-12-31", "1", (DestroyedFile(hostile, "ab"),)
        )
        register = make_register(witnesses=(hostile, "周二"), lines=(line,))

        text = all_text(render_destruction_register(register=register, search_system=False))

        assert squash(text).count(squash(hostile)) >= 5
