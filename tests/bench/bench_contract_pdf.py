"""Benchmark: contract documents with their approval trail (R-CT-11) per second, on one core.

Plain script, not a test:  python tests/bench/bench_contract_pdf.py [--count 300]

For each font path (CID ``STSong-Light``; an embedded TrueType CJK font when one is found)
it prints, from the same run:
  * baseline  — a minimal reportlab PDF per second (Canvas, one drawString, save) in that
    font, the same baseline as tests/bench/bench_sheet_pdf.py;
  * contracts — full contract documents per second (goal: >= 50): 3 fee lines,
    3 installments, 2 approval steps and ~1,500 characters of Chinese terms each.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from reports.contract_document import (  # noqa: E402
    ApprovalLine,
    ContractDocument,
    FeeLine,
    InstallmentLine,
    render_contract_document,
)
from reports.fonts import resolve_cjk_font  # noqa: E402
from tests.bench.bench_sheet_pdf import rate  # noqa: E402

GOAL_PER_SECOND = 50

_CLAUSES = (
    "第一条 工程内容：供气方按照国家及地方现行标准，为用户方安装庭院及户内天然气管道、燃气计量表及配套设施，"
    "安装位置以双方确认的设计图纸为准。",
    "第二条 工程费用：安装费用按物价部门核定的收费标准计算，合同金额与费用明细一致，任何一方不得擅自调整；"
    "因用户方变更设计增加的工程量，另行签订补充协议。",
    "第三条 付款方式：用户方按本合同付款计划分期支付安装费用，每期款项应在到期日前足额支付至供气方指定账户，"
    "逾期未付的，供气方有权暂停后续施工，工期相应顺延。",
    "第四条 施工与验收：供气方应在约定工期内完成施工，用户方应为施工提供必要的场地、水电等条件。"
    "工程竣工后，双方按照国家规范共同验收，验收合格后方可通气使用。",
    "第五条 安全责任：用户方应按照安全用气规定使用天然气，不得擅自改装、迁移或者拆除燃气设施，"
    "不得在燃气设施上方堆放物品或者搭建建筑物；发现燃气泄漏应立即关闭阀门并通知供气方。",
    "第六条 维护与检修：供气方负责管道及计量设施的日常维护和定期安全检查，用户方应予以配合，"
    "检查中发现的安全隐患，由责任方负责整改。",
    "第七条 保修：自通气之日起，管道工程保修期为二年，燃气计量表按国家计量检定规程执行；"
    "保修期内因施工质量造成的损坏，由供气方免费维修。",
    "第八条 违约责任：任何一方违反本合同约定的，应承担相应的违约责任，给对方造成损失的，应当予以赔偿。",
    "第九条 争议解决：因本合同发生的争议，双方协商解决；协商不成的，可向供气方所在地人民法院提起诉讼。",
    "第十条 计量与抄表：燃气计量以供气方安装并经法定计量检定机构检定合格的燃气表读数为准，用户方对计量有异议的，"
    "可申请检定，检定费用由责任方承担；用户方应为抄表、换表提供便利。",
    "第十一条 停气与恢复：因管道检修、抢修等原因需要停止供气的，供气方应提前公告；因不可抗力或者突发事故停气的，"
    "供气方应及时抢修并尽快恢复供气，用户方应关闭燃气器具阀门，待恢复供气后按规定开启。",
    "第十二条 设施产权：庭院管道及计量表前设施由供气方负责管理，表后户内设施产权属于用户方，"
    "用户方应妥善保护，不得私自接管、改变燃气用途或者转供他人使用。",
    "第十三条 变更与解除：合同履行期间，用户方名称、地址、用气性质等发生变化的，应及时书面通知供气方并办理变更手续；"
    "用户方需要解除合同的，应结清全部费用并配合供气方拆除或者封堵相关设施。",
    "第十四条 通知与送达：双方往来通知以本合同载明的地址和联系方式为准，一方联系方式变更的，应在变更之日起七日内书面通知对方，"
    "未及时通知的，按原地址送达视为已送达。",
    "第十五条 信息保护：供气方对在履行本合同过程中知悉的用户方身份信息、联系方式及用气数据负有保密义务，"
    "除法律法规另有规定或者经用户方同意外，不得向第三方提供；用户方同意供气方为安全检查、收费和服务目的使用上述信息。",
    "第十六条 不可抗力：因地震、洪水等不可抗力或者政府行为导致本合同不能履行或者不能完全履行的，受影响一方应及时通知对方，"
    "并在合理期限内提供证明，双方可根据不可抗力的影响部分或者全部免除责任，但法律另有规定的除外。",
    "第十七条 特别约定：施工期间用户方应配合做好现场安全防护工作，因用户方原因延误工期的，工期相应顺延；"
    "因施工需要占用公共部位的，由用户方负责协调物业管理单位。",
    "第十八条 其他：本合同一式两份，双方各执一份，经双方签字盖章并按规定完成审批后生效。"
    "本合同未尽事宜，由双方另行协商并签订补充协议，补充协议与本合同具有同等法律效力。",
)
TERMS = "\n".join(_CLAUSES)


def sample_document(n: int) -> ContractDocument:
    return ContractDocument(
        company_name="某市燃气有限公司",
        branch_name="城东营业所",
        contract_no=f"HT-AZ-2026-{n:06d}",
        type_label="天然气用户工程安装合同 Installation",
        status_label="已签订 Signed",
        customer_name=f"欧阳娜娜餐饮有限公司{n}",
        account_no=f"01{n:010d}5",
        customer_category_label="商业 Commercial",
        customer_address=f"上海市浦东新区世纪大道{n}号1层",
        customer_contact="王经理 139****0000",
        amount="¥12,345.00",
        fee_basis="物价部门标准 JZ-2026 第2版 / Price standard JZ-2026 v2",
        payment_kind_label="分批付款 Installments",
        terms=TERMS,
        drafted_by="李四",
        drafted_at="2026-11-20 09:30",
        signed_by="周七",
        signed_at="2026-11-24 15:00",
        printed_by="李四",
        printed_at="2026-11-25 14:03",
        extra_terms=(
            ("施工期限", "Construction Period", "2026-12-01 至 2027-01-31"),
            ("规划建设部测算", "Planning Estimate", f"GH-CS-2026-{n:04d}"),
        ),
        fee_lines=(
            FeeLine("AZ-01", "庭院管道安装", "米", "¥120.00", "50", "¥6,000.00"),
            FeeLine("AZ-02", "户内管道安装", "户", "¥5,345.00", "1", "¥5,345.00"),
            FeeLine("AZ-07", "燃气表及表具安装", "只", "¥1,000.00", "1", "¥1,000.00"),
        ),
        installments=(
            InstallmentLine("1", "2026-12-01", "¥4,000.00", "开工前：庭院管道施工"),
            InstallmentLine("2", "2027-01-05", "¥4,000.00", "户内管道安装完成"),
            InstallmentLine("3", "2027-01-31", "¥4,345.00", "燃气表安装及通气验收后"),
        ),
        approvals=(
            ApprovalLine("1", "市场部经理 Market manager", "赵六", "2026-11-21 10:00", "同意 Approve", "收费符合物价标准"),
            ApprovalLine("2", "运营副总 Operations VP", "钱八", "2026-11-22 16:30", "同意 Approve", "分期计划与施工步骤一致"),
        ),
    )


def _font_modes() -> list[tuple[str, dict]]:
    modes = [("CID STSong-Light", {"font_path": None, "search_system": False})]
    system = resolve_cjk_font()
    if system.source == "system":
        modes.append((f"TrueType {Path(system.path).name}", {"font_path": system.path}))
    return modes


def _one_line_pdf(font_name: str):
    """The baseline job of bench_sheet_pdf.measure: a one-line Canvas PDF in ``font_name``."""

    def one_line(i: int) -> None:
        canvas = Canvas(io.BytesIO())
        canvas.setFont(font_name, 12)
        canvas.drawString(72, 720, f"用户信息表 {i}")
        canvas.save()

    return one_line


def measure(count: int) -> list[dict]:
    """Per font path: {"font", "count", "per_second", "baseline_per_second"} from one run."""
    documents = [sample_document(i) for i in range(count + 1)]
    results = []
    for label, options in _font_modes():
        font_name = resolve_cjk_font(**options).regular

        def contract(i: int, options: dict = options) -> None:
            render_contract_document(document=documents[i], **options)

        baseline = rate(count, _one_line_pdf(font_name))
        per_second = rate(count, contract)
        results.append(
            {"font": label, "count": count, "per_second": per_second, "baseline_per_second": baseline}
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()

    from reportlab.lib import rl_accel

    accelerated = "fp_str" in rl_accel._c_funcs  # the optional C speedups (pip install rl-accel)
    print(
        f"{args.count} contracts ({len(TERMS)} characters of terms, 3 fee lines, 3 installments, "
        f"2 approvals); rl_accel C extension: {'yes' if accelerated else 'no'}"
    )
    results = measure(args.count)
    if len(results) == 1:
        print("(no TrueType CJK font found: CID only)")
    for r in results:
        verdict = "meets" if r["per_second"] >= GOAL_PER_SECOND else "BELOW"
        print(
            f"{r['font']:32s} baseline one-line PDF: {r['baseline_per_second']:8.1f}/s   "
            f"contract: {r['per_second']:7.1f}/s   ({r['per_second'] / r['baseline_per_second']:.0%} of baseline; "
            f"{verdict} goal >= {GOAL_PER_SECOND}/s)"
        )


if __name__ == "__main__":
    main()
