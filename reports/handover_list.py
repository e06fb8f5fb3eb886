"""Handover list — 移交清单 (SPEC R-AR-01, R-AR-02, §9).

The front desk submits a batch of fulfilled or terminated contracts with their materials; the
archivist checks it and accepts it (each contract then has its archive number) or returns it
with a reason. The list records both parties and is signed by both (移交人 / 接收人).

The view model holds display strings only; the blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from reports.kit import ARCHIVE_NO_WIDTH, CONTENT_WIDTH, Kit, render_report

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
    """Render the handover list as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=handover_list,
        title=TITLE,
        subject=f"移交批次 Batch No. {handover_list.batch_no}",
        keywords=("移交清单", "handover list", "R-AR-02", handover_list.batch_no),
        author=handover_list.printed_by,
        story=lambda kit: _story(handover_list, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(batch: HandoverList, kit: Kit) -> list:
    story = kit.title_block(
        "移交清单",
        "Handover List",
        company=batch.company_name,
        fields=(("移交批次", "Batch No.", batch.batch_no), ("状态", "Status", batch.status_label)),
    )
    story += kit.heading("移交信息", "Handover")
    story.append(
        kit.field_pairs(
            [
                ("移交人（前台）", "Submitted by", batch.submitted_by),
                ("移交时间", "Submitted at", batch.submitted_at),
                ("接收/退回人（档案员）", "Received / returned by", batch.received_by),
                ("接收/退回时间", "Received / returned at", batch.received_at),
            ]
        )
    )
    story.append(kit.fields([("退回原因", "Return Reason", batch.return_reason)]))

    story += kit.list_section(
        ("移交合同", "Contracts"),
        headers=_CONTRACT_HEADERS,
        rows=[
            (c.seq, c.contract_no, c.type_label, c.customer_name, c.account_no, c.status_label, c.archive_no)
            for c in batch.lines
        ],
        col_widths=_CONTRACT_WIDTHS,
        empty=("本批次无合同", "No contracts in this batch"),
        total=("共 {n} 份合同", "{n} contract(s)"),
    )

    story += kit.list_section(
        ("随附材料", "Related Materials"),
        headers=_MATERIAL_HEADERS,
        rows=[(c.seq, c.contract_no, m.kind_label, m.file_count) for c in batch.lines for m in c.materials],
        col_widths=_MATERIAL_WIDTHS,
        empty=("无随附材料", "No related materials"),
    )

    story += kit.closing(
        printed_by=batch.printed_by,
        printed_at=batch.printed_at,
        signatures=(("移交人", "Handed over by", batch.submitted_by), ("接收人", "Received by", batch.received_by)),
    )
    return story
