"""Destruction register — 销毁清册 (SPEC R-AR-05, §9; kept permanently).

A disposal batch: proposed by the archivist, approved by the general manager, executed in the
presence of (at least) two witnesses (监销人). It lists every destroyed archive and the SHA-256
of every destroyed file, so the register proves exactly what was destroyed, then closes with
a statement and the signatures of the executor and the witnesses.

The view model holds display strings only; the blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from reports.cells import ENGLISH_COLOR, text_block
from reports.kit import ARCHIVE_NO_WIDTH, CONTENT_WIDTH, Kit, fitted_width, render_report, value
from reports.text import plain_text

__all__ = [
    "DestroyedArchiveLine",
    "DestroyedFile",
    "DestructionRegister",
    "TITLE",
    "render_destruction_register",
]

TITLE = "销毁清册 Destruction Register"

_ARCHIVE_HEADERS = (
    ("序号", "No."),
    ("档号", "Archive No."),
    ("题名", "Title"),
    ("保管期限", "Retention"),
    ("年度", "Year"),
    ("到期日期", "Due"),
    ("文件数", "Files"),
)
_ARCHIVE_FIXED = (9 * mm, ARCHIVE_NO_WIDTH, None, 16 * mm, 12 * mm, 21 * mm, 12 * mm)
_ARCHIVE_WIDTHS = tuple(
    w if w is not None else CONTENT_WIDTH - sum(x for x in _ARCHIVE_FIXED if x) for w in _ARCHIVE_FIXED
)

_FILE_HEADERS = (("档号", "Archive No."), ("文件名", "File Name"), ("SHA-256", "SHA-256"))
_CELL_FONT_SIZE = 8.5  # reports.frame's list cell style
# A digest is 91 mm (CID) to 107 mm (WenQuanYi) wide at 8.5 pt: with the archive number's
# column, at least this much is left for the file name (which may wrap; the digest must not).
_MIN_FILE_NAME_WIDTH = 20 * mm


@dataclass(frozen=True)
class DestroyedFile:
    file_name: str
    sha256: str  # the full hex digest


@dataclass(frozen=True)
class DestroyedArchiveLine:
    seq: str
    archive_no: str
    title: str
    retention_label: str
    year: str
    due_date: str
    file_count: str
    files: tuple[DestroyedFile, ...] = ()


@dataclass(frozen=True)
class DestructionRegister:
    company_name: str
    batch_no: str
    status_label: str
    proposed_by: str
    proposed_at: str
    approved_by: str  # the general manager
    approved_at: str
    executed_by: str
    executed_at: str
    witnesses: tuple[str, ...]  # 监销人, at least two
    printed_by: str
    printed_at: str
    lines: tuple[DestroyedArchiveLine, ...] = ()
    # (witness, when they confirmed with their own login, or "" while waiting): 监销确认.
    witness_confirmations: tuple[tuple[str, str], ...] = ()
    watermark: str | None = None


def render_destruction_register(
    *, register: DestructionRegister, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the register as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=register,
        title=TITLE,
        subject=f"销毁批次 Disposal Batch No. {register.batch_no}",
        keywords=("销毁清册", "destruction register", "R-AR-05", register.batch_no),
        author=register.printed_by,
        story=lambda kit: _story(register, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(reg: DestructionRegister, kit: Kit) -> list:
    witnesses = "、".join(plain_text(w) for w in reg.witnesses if plain_text(w))
    story = kit.title_block(
        "销毁清册",
        "Destruction Register",
        company=reg.company_name,
        fields=(("销毁批次", "Batch No.", reg.batch_no), ("状态", "Status", reg.status_label)),
    )
    story += kit.heading("销毁经过", "Disposal")
    story.append(
        kit.field_pairs(
            [
                ("提出人（档案员）", "Proposed by", reg.proposed_by),
                ("提出时间", "Proposed at", reg.proposed_at),
                ("批准人（总经理）", "Approved by", reg.approved_by),
                ("批准时间", "Approved at", reg.approved_at),
                ("执行人", "Executed by", reg.executed_by),
                ("销毁时间", "Executed at", reg.executed_at),
            ]
        )
    )
    confirmations = "；".join(
        f"{plain_text(who)} {plain_text(at) or '待确认 awaiting'}" for who, at in reg.witness_confirmations if plain_text(who)
    )
    rows = [("监销人", "Witnesses", witnesses)]
    if confirmations:
        rows.append(("监销确认", "Confirmed", confirmations))
    story.append(kit.fields(rows))

    story += kit.list_section(
        ("销毁档案", "Destroyed Archives"),
        headers=_ARCHIVE_HEADERS,
        rows=[(a.seq, a.archive_no, a.title, a.retention_label, a.year, a.due_date, a.file_count) for a in reg.lines],
        col_widths=_ARCHIVE_WIDTHS,
        empty=("本批次无销毁档案", "No archives in this batch"),
    )

    files = [(a.archive_no, f.file_name, f.sha256) for a in reg.lines for f in a.files]
    story += kit.list_section(
        ("销毁文件及校验值", "Destroyed Files (SHA-256)"),
        headers=_FILE_HEADERS,
        rows=files,
        col_widths=_file_widths(files, kit.font_name),
        empty=("无文件记录", "No files recorded"),
    )

    # At least two witness boxes, even before the witnesses are known (R-AR-05).
    witness_names = list(reg.witnesses) + [""] * (2 - len(reg.witnesses))
    parties = [("销毁执行人", "Executed by", reg.executed_by)] + [("监销人", "Witness", w) for w in witness_names]
    # The closing statement and the signatures under it stay on one page.
    story += kit.closing(
        printed_by=reg.printed_by,
        printed_at=reg.printed_at,
        signatures=parties,
        lead=(_statement(reg, witnesses, kit), Spacer(1, 3 * mm)),
    )
    return story


def _file_widths(files: list[tuple[str, str, str]], font_name: str) -> tuple[float, float, float]:
    """The full digest stays on one line: its column is as wide as the widest digest."""
    sha_width = fitted_width(
        (sha for _, _, sha in files),
        font_name,
        size=_CELL_FONT_SIZE,
        minimum=30 * mm,
        maximum=CONTENT_WIDTH - ARCHIVE_NO_WIDTH - _MIN_FILE_NAME_WIDTH,
    )
    return ARCHIVE_NO_WIDTH, CONTENT_WIDTH - ARCHIVE_NO_WIDTH - sha_width, sha_width


def _statement(reg: DestructionRegister, witnesses: str, kit: Kit) -> Flowable:
    count = len(reg.lines)
    return text_block(
        [
            [
                (
                    f"以上 {count} 件档案已于 {value(reg.executed_at)} 在监销人 {witnesses or '—'} "
                    "监督下销毁，本清册永久保存。",
                    None,
                    None,
                )
            ],
            [
                (
                    f"The {count} archive(s) above were destroyed at {value(reg.executed_at)} in the presence "
                    "of the witnesses named; this register is kept permanently.",
                    7.5,
                    ENGLISH_COLOR,
                )
            ],
        ],
        kit.st["body"],
        CONTENT_WIDTH,
    )
