"""Lookup register — 查(借)阅登记簿 (SPEC R-AR-06, §9).

Every request to look at or borrow an archive (purpose, days), who decided it and when (the
archivist; for restricted records also the general manager), until when the grant is valid
and where it stands; then the access log: every view and download under a grant.

A request's facts are split over two tables keyed by the request number (what was asked;
who decided it and when), which keeps every value on A4 portrait on one legible line.
The view model holds display strings only; the blocks are :mod:`reports.kit`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from reports.kit import ARCHIVE_NO_WIDTH, CONTENT_WIDTH, Kit, render_report

__all__ = ["AccessLogLine", "LookupRegister", "LookupRequestLine", "TITLE", "render_lookup_register"]

TITLE = "查(借)阅登记簿 Lookup Register"

_REQUEST_HEADERS = (
    ("申请编号", "Request No."),
    ("档号", "Archive No."),
    ("申请人", "Requester"),
    ("用途", "Purpose"),
    ("天数", "Days"),
    ("申请时间", "Requested at"),
    ("状态", "Status"),
)
_REQUEST_FIXED = (24 * mm, ARCHIVE_NO_WIDTH, 18 * mm, None, 10 * mm, 27 * mm, 16 * mm)
_REQUEST_WIDTHS = tuple(
    w if w is not None else CONTENT_WIDTH - sum(x for x in _REQUEST_FIXED if x) for w in _REQUEST_FIXED
)

_DECISION_HEADERS = (
    ("申请编号", "Request No."),
    ("档案员", "Archivist"),
    ("审批时间", "Decided at"),
    ("总经理", "General Manager"),
    ("审批时间", "Decided at"),
    ("有效期至", "Valid until"),
)
_DECISION_FIXED = (24 * mm, None, 27 * mm, None, 27 * mm, 27 * mm)
_DECISION_FREE = (CONTENT_WIDTH - sum(x for x in _DECISION_FIXED if x)) / 2
_DECISION_WIDTHS = tuple(w if w is not None else _DECISION_FREE for w in _DECISION_FIXED)

_LOG_HEADERS = (
    ("时间", "At"),
    ("人员", "By"),
    ("操作", "Action"),
    ("档号", "Archive No."),
    ("申请编号", "Request No."),
    ("文件", "File"),
)
_LOG_FIXED = (27 * mm, 16 * mm, 25 * mm, ARCHIVE_NO_WIDTH, 22 * mm, None)
_LOG_WIDTHS = tuple(
    w if w is not None else CONTENT_WIDTH - sum(x for x in _LOG_FIXED if x) for w in _LOG_FIXED
)


@dataclass(frozen=True)
class LookupRequestLine:
    """One lookup or borrowing request and its decisions.

    The general manager decides restricted records only: for the others ``manager_by`` and
    ``manager_decided_at`` are empty and print "—". The outcome is in ``status_label``.
    """

    request_no: str
    archive_no: str
    requester: str
    purpose: str
    days: str
    requested_at: str
    archivist_by: str
    archivist_decided_at: str
    manager_by: str
    manager_decided_at: str
    valid_until: str
    status_label: str


@dataclass(frozen=True)
class AccessLogLine:
    """One logged view or download under a grant."""

    at: str
    by: str
    action_label: str  # 查阅 View / 下载 Download
    archive_no: str
    request_no: str
    file_name: str


@dataclass(frozen=True)
class LookupRegister:
    company_name: str
    period: str  # e.g. "2026-11-01 至 2026-11-30"
    printed_by: str
    printed_at: str
    requests: tuple[LookupRequestLine, ...] = ()
    access_log: tuple[AccessLogLine, ...] = ()
    watermark: str | None = None


def render_lookup_register(
    *, register: LookupRegister, font_path: str | None = None, search_system: bool = True
) -> bytes:
    """Render the register as PDF bytes (fonts as in :func:`reports.kit.render_report`)."""
    return render_report(
        document=register,
        title=TITLE,
        subject=f"登记期间 Period {register.period}",
        keywords=("查(借)阅登记簿", "lookup register", "R-AR-06", register.period),
        author=register.printed_by,
        story=lambda kit: _story(register, kit),
        font_path=font_path,
        search_system=search_system,
    )


def _story(register: LookupRegister, kit: Kit) -> list:
    story = kit.title_block(
        "查(借)阅登记簿", "Lookup Register", company=register.company_name, fields=(("登记期间", "Period", register.period),)
    )
    story += kit.list_section(
        ("查(借)阅申请", "Requests"),
        headers=_REQUEST_HEADERS,
        rows=[
            (r.request_no, r.archive_no, r.requester, r.purpose, r.days, r.requested_at, r.status_label)
            for r in register.requests
        ],
        col_widths=_REQUEST_WIDTHS,
        empty=("本期无查(借)阅申请", "No requests in this period"),
    )
    if register.requests:
        story += kit.heading("审批", "Decisions")
        decisions = [
            (r.request_no, r.archivist_by, r.archivist_decided_at, r.manager_by, r.manager_decided_at, r.valid_until)
            for r in register.requests
        ]
        story.append(kit.list_table(headers=_DECISION_HEADERS, rows=decisions, col_widths=_DECISION_WIDTHS))
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            kit.note(
                "受限档案须经档案员和总经理审批；其余档案由档案员审批。",
                "Restricted records need the general manager's approval too.",
            )
        )

    story += kit.list_section(
        ("查阅日志", "Access Log"),
        headers=_LOG_HEADERS,
        rows=[(a.at, a.by, a.action_label, a.archive_no, a.request_no, a.file_name) for a in register.access_log],
        col_widths=_LOG_WIDTHS,
        empty=("本期无查阅记录", "No views or downloads in this period"),
    )
    story += kit.closing(printed_by=register.printed_by, printed_at=register.printed_at)
    return story
