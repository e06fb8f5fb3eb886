"""Regenerates fixtures/demo/customers.json: ~200 valid, varied demo customers (deterministic)."""

from __future__ import annotations

import json
import random
from pathlib import Path

RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"]
DISTRICTS = {"DC": ["东城区", "朝阳区"], "XC": ["西城区", "海淀区"]}
STREETS = ["建国路", "和平街", "人民路", "幸福大街", "长安街", "解放路", "中山路", "新华路"]
ESTATES = ["阳光花园", "幸福小区", "锦绣家园", "翠湖苑", "金色家园", "和谐新村"]
ORG_KINDS = {
    "commercial": ["餐饮有限公司", "酒店管理有限公司", "面馆", "烘焙坊"],
    "collective": ["物业管理有限公司", "学校", "机关事务管理局", "医院"],
    "industrial": ["陶瓷有限公司", "食品加工厂", "热力有限公司", "玻璃制品有限公司"],
    "upstream_supplier": ["天然气销售有限公司", "管道燃气有限公司"],
}
BRANDS = ["方太", "老板", "华帝", "万家乐", "林内", "能率", "A.O.史密斯"]


def resident_id(rng: random.Random) -> str:
    body = f"{rng.choice(['110101', '110102', '110105', '110108', '310104', '440305'])}{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, RESIDENT_WEIGHTS))
    return body + "10X98765432"[total % 11]


def credit_code(rng: random.Random) -> str:
    body = "91" + "110101" + "".join(rng.choice(CREDIT_CHARSET) for _ in range(9))
    total = sum(CREDIT_CHARSET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
    return body + CREDIT_CHARSET[(31 - total % 31) % 31]


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def main() -> None:
    rng = random.Random(2026)
    plan = ["residential"] * 120 + ["commercial"] * 35 + ["collective"] * 25 + ["industrial"] * 15 + ["upstream_supplier"] * 5
    customers = []
    serial = 100000
    for i, category in enumerate(plan):
        branch = "DC" if i % 2 == 0 else "XC"
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if category == "residential":
            name, id_type, id_number = person, "resident_id", resident_id(rng)
        else:
            name = rng.choice(["华北", "京东", "城南", "新源", "恒泰", "永安", "东方", "金鼎"]) + rng.choice(ORG_KINDS[category])
            id_type, id_number = "credit_code", credit_code(rng)
        district = rng.choice(DISTRICTS[branch])
        c = {
            "category": category,
            "name": name,
            "id_type": id_type,
            "id_number": id_number,
            "phone": mobile(rng),
            "address": {
                "province": "北京市",
                "city": "北京市",
                "district": district,
                "street": rng.choice(STREETS),
                "detail": f"{rng.choice(ESTATES)}{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2804)}室",
            },
            "branch": branch,
            "opened_by": "frontdesk" if branch == "DC" else "frontdesk2",
            "delivery_notice_no": f"SQ-2026-{i + 1:05d}",
            "acceptance_drawing_no": f"YS-2026-{i + 1:05d}",
            "status": "pending" if i % 17 == 0 else "active",
        }
        if category == "collective" or rng.random() < 0.3 and category != "residential":
            c["contact_name"] = rng.choice(SURNAMES) + rng.choice(GIVEN)
            c["contact_phone"] = mobile(rng)
        meters = 1 if category == "residential" else rng.randint(1, 3)
        c["meters"] = []
        for _ in range(meters):
            serial += rng.randint(1, 50)
            c["meters"].append(
                {
                    "serial": f"M{serial}",
                    "model": "G2.5" if category == "residential" else rng.choice(["G4", "G6", "G10", "G16", "G25"]),
                    "meter_type": rng.choice(["diaphragm", "ic_card", "smart"]),
                    "installed_date": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
                    "initial_reading": f"{rng.randint(0, 50)}.{rng.randint(0, 999):03d}",
                    "seal_no": f"QF{rng.randint(100000, 999999)}",
                }
            )
        c["appliances"] = [
            {
                "kind": rng.choice(["stove", "water_heater", "wall_boiler"]),
                "brand": rng.choice(BRANDS),
                "model": f"JZT-{rng.randint(100, 999)}",
                "installed_date": c["meters"][0]["installed_date"],
            }
            for _ in range(rng.randint(1, 2))
        ]
        customers.append(c)
    out = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "customers.json"
    out.write_text(json.dumps(customers, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(customers)} customers to {out}")


if __name__ == "__main__":
    main()
