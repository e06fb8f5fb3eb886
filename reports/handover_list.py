"""Handover list — 移交清单 (SPEC R-AR-01, R-AR-02, §9).

The front desk submits a batch of fulfilled or terminated contracts with their materials; the
archivist checks it and accepts it (each contract then has its archive number) or returns it
with a reason. The list records both parties and is signed by both (移交人 / 接收人).

The view model holds display strings only (see :mod:`reports.archive_documents`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.archive_documents import (
    ARCHIVE_NO_WIDTH,
    CONTENT_WIDTH,
    fields_table,
    heading,
    list_table,
    note,
    printed_line,
    signature_block,
    title_block,
)
from reports.fonts import register_cjk_font
from reports.frame import DocumentInfo, build_pdf, styles

__all__ = ["HandoverLine", "HandoverList", "MaterialCount", "TITLE", "render_handover_list"]

TITLE = "移交清单 Handover List"

_CONTRACT_HEADERS = (
    ("序号", "No."),
    ("合同编号", "Contract No."),
    ("合同类型", "Type"),
    ("用户名称", "Customer"),
    ("户号", "Account No."),
    ("合同状态", "Status"),
    ("档号", "Archive No."),
)
_FIXED = (9 * mm, 29 * mm, 20 * mm, None, 24 * mm, 15 * mm, ARCHIVE_NO_WIDTH)
_CONTRACT_WIDTHS = tuple(w if w is not None else CONTENT_WIDTH - sum(x for x in _FIXED if x) for w in _FIXED)

_MATERIAL_HEADERS = (("序号", "No."), ("合同编号", "Contract No."), ("材料种类", "Kind"), ("文件数", "Files"))
_MATERIAL_WIDTHS = (9 * mm, 29 * mm, CONTENT_WIDTH - 60 * mm, 22 * mm)


@dataclass(frozen=True)
class MaterialCount:
    """One kind of related material and how many files of it (信函、图表、批件、预算、通知单)."""

    kind_label: str
    file_count: str


@dataclass(frozen=True)
class HandoverLine:
    """One contract of the batch; ``archive_no`` once the archivist has accepted it."""

    seq: str
    contract_no: str
    type_label: str
    customer_name: str
    account_no: str
    status_label: str  # 履行完毕 Fulfilled / 已终止 Terminated
    materials: tuple[MaterialCount, ...] = ()
    archive_no: str = ""


@dataclass(frozen=True)
class HandoverList:
    company_name: str
    batch_no: str
    status_label: str
    submitted_by: str
    submitted_at: str
    received_by: str  # the archivist who accepted or returned the batch
    received_at: str
    return_reason: str
    printed_by: str
    printed_at: str
    lines: tuple[HandoverLine, ...] = ()
    watermark: str | None = None


def render_handover_list(
    *, handover_list: HandoverList, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the handover list as PDF bytes (fonts as in :func:`render_customer_sheet`)."""
    doc = handover_list
    font_name = register_cjk_font(font_path=font_path, search_system=search_system)
    info = DocumentInfo(
        title=TITLE,
        subject=f"移交批次 Batch No. {doc.batch_no}",
        author=doc.printed_by or doc.company_name,
        company=doc.company_name,
        keywords=tuple(k for k in ("移交清单", "handover list", "R-AR-02", doc.batch_no) if k),
        watermark=doc.watermark,
    )
    return build_pdf(info=info, story=_story(doc, font_name), font_name=font_name)


def _story(doc: HandoverList, font_name: str) -> list:
    st = styles(font_name)
    story = title_block(
        "移交清单",
        "Handover List",
        company=doc.company_name,
        fields=(("移交批次", "Batch No.", doc.batch_no), ("状态", "Status", doc.status_label)),
        st=st,
    )
    story += heading("移交信息", "Handover", st)
    story.append(
        fields_table(
            [
                ("移交人（前台）", "Submitted by", doc.submitted_by),
                ("移交时间", "Submitted at", doc.submitted_at),
                ("接收/退回人（档案员）", "Received / returned by", doc.received_by),
                ("接收/退回时间", "Received / returned at", doc.received_at),
            ],
            font_name=font_name,
            pairs_per_row=2,
            label_ratio=0.42,
        )
    )
    story.append(
        fields_table(
            [("退回原因", "Return Reason", doc.return_reason)],
            font_name=font_name,
            label_ratio=0.21,
        )
    )

    story += heading("移交合同", "Contracts", st)
    if doc.lines:
        story.append(
            list_table(
                headers=_CONTRACT_HEADERS,
                rows=(
                    (
                        c.seq,
                        c.contract_no,
                        c.type_label,
                        c.customer_name,
                        c.account_no,
                        c.status_label,
                        c.archive_no,
                    )
                    for c in doc.lines
                ),
                col_widths=_CONTRACT_WIDTHS,
                font_name=font_name,
            )
        )
        story.append(Spacer(1, 1.5 * mm))
        story.append(note(f"共 {len(doc.lines)} 份合同", f"{len(doc.lines)} contract(s)", st))
    else:
        story.append(note("本批次无合同", "No contracts in this batch", st))

    story += heading("随附材料", "Related Materials", st)
    materials = [(c.seq, c.contract_no, m.kind_label, m.file_count) for c in doc.lines for m in c.materials]
    if materials:
        story.append(
            list_table(
                headers=_MATERIAL_HEADERS, rows=materials, col_widths=_MATERIAL_WIDTHS, font_name=font_name
            )
        )
    else:
        story.append(note("无随附材料", "No related materials", st))

    story.append(Spacer(1, 4 * mm))
    story.append(
        signature_block(
            (
                ("移交人", "Handed over by", doc.submitted_by),
                ("接收人", "Received by", doc.received_by),
            ),
            font_name=font_name,
            st=st,
        )
    )
    story.append(Spacer(1, 6 * mm))
    story.append(printed_line(doc.printed_by, doc.printed_at, st))
    return story
