"""Write a generated organisation as a Chinese spreadsheet export: GB18030 CSV files (or one .xlsx workbook) with
Chinese headers, names and values, the way a CRM on a Chinese Windows desktop saves them.

    python scripts/make_chinese_export.py --out examples/crm-zh                 # the committed example
    python scripts/make_chinese_export.py --out /tmp/crm-zh --xlsx             # the workbook variant

examples/crm_zh.toml imports the CSV files; with --xlsx the script also writes crm_zh_xlsx.toml
beside the workbook: the same mapping with its [sources] pointing at the workbook's sheets.
Deterministic: the same size and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphcrm.generator import generate  # noqa: E402

MAPPING = ROOT / "examples" / "crm_zh.toml"
TIERS = {"intel": "信息组", "planning": "策划组", "solution": "方案组"}
KINDS = {"contact": "拜访", "communication": "沟通", "transaction": "成交", "assessment": "评级", "handover": "移交"}
ROLES = {"lead": "负责人", "backup": "后备"}
GRADES = {"A": "A类", "B": "B类", "C": "C类", None: "未评级"}
INDUSTRIES = {"manufacturing": "制造业", "banking": "银行", "public sector": "公共部门", "utilities": "公用事业",
              "retail": "零售", "telecom": "电信", "healthcare": "医疗", "education": "教育", "logistics": "物流",
              "hospitality": "酒店餐饮"}
TOPICS = {"holiday gift boxes": "节日礼盒", "canteen supply": "食堂供应", "year-end banquet": "年终宴会",
          "staff welfare packages": "员工福利礼包", "conference catering": "会议餐饮", "client hospitality": "客户招待",
          "new site opening": "新址开业", "anniversary event": "周年庆典"}
SOURCES = {"client visit": "客户拜访", "found by another tier": "其他组发现", "lost deal review": "丢单复盘"}
SUMMARIES = {"first collection done; planning takes over": "首次信息收集完成，转策划组", "value assessment": "客户价值评估",
             "plan agreed; solution team takes over": "方案已确认，转方案组"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东", "子涵", "雨桐", "浩然", "思远", "嘉怡"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "天津", "苏州", "青岛", "厦门"]
BRANDS = ["华润", "燕京", "金龙", "恒达", "瑞丰", "长城", "东方", "宏远", "嘉和", "中联", "新华", "海信", "百盛", "永辉"]
KINDS_OF_FIRM = ["集团", "控股", "食品", "银行", "能源", "物流", "酒店", "电信", "实业", "公司"]

HEADERS = {
    "员工": ["工号", "姓名", "邮箱", "所属组", "客户上限", "入职日期", "离职日期", "直属上级"],
    "团队": ["团队编号", "团队名称"],
    "团队成员": ["工号", "团队编号", "加入日期", "离开日期"],
    "客户": ["客户编号", "客户名称", "所属行业", "客户等级", "年采购额", "当前阶段"],
    "客户分工": ["工号", "客户编号", "负责阶段", "角色", "开始日期", "结束日期"],
    "团队客户": ["团队编号", "客户编号", "开始日期", "结束日期"],
    "往来记录": ["记录编号", "客户编号", "参与人", "类型", "时间", "金额", "摘要", "评级", "评分", "移交阶段"],
    "需求": ["需求编号", "客户编号", "内容", "发现日期", "来源", "记录人"],
}


def person(n: int) -> str:
    return SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11) % len(GIVEN)]


def firm(n: int) -> str:
    return CITIES[n % len(CITIES)] + BRANDS[(n * 5) % len(BRANDS)] + KINDS_OF_FIRM[(n * 3) % len(KINDS_OF_FIRM)]


def number(n: int) -> int:
    return int(re.sub(r"\D", "", n) or 0) if isinstance(n, str) else n


def day(d: date | None, workbook: bool):
    if d is None:
        return None if workbook else ""
    return d if workbook else f"{d.year}/{d.month}/{d.day}"


def moment(at: datetime, workbook: bool):
    wall = at.replace(tzinfo=None)          # the export writes UTC wall time, without a zone, as CRMs do
    return wall if workbook else f"{wall.year}/{wall.month}/{wall.day} {wall.hour}:{wall.minute:02d}"


def money(value: float | None, workbook: bool):
    if value is None:
        return None if workbook else ""
    return value if workbook else f"{value:,.2f}"


def translated(summary: str | None) -> str:
    if summary in SUMMARIES:
        return SUMMARIES[summary]
    found = re.fullmatch(r"(\w+) about (.+)", summary or "")
    if found:
        return f"{KINDS[found.group(1)]}：{TOPICS[found.group(2)]}"
    return summary or ""


def tables(size: str, seed: int, workbook: bool) -> dict[str, list[list]]:
    r = generate(size, seed)
    staff_no = {s.id: number(s.id) for s in r.staff}
    out = {name: [header] for name, header in HEADERS.items()}
    for s in r.staff:
        out["员工"].append([s.id, person(staff_no[s.id]), s.email or "", TIERS.get(s.tier, ""), s.capacity if s.capacity is not None else "",
                          day(s.joined, workbook), day(s.left, workbook), s.manager or ""])
    for t in r.teams:
        out["团队"].append([t.id, f"{BRANDS[number(t.id) % len(BRANDS)]}第{number(t.id)}组"])
    for m in r.memberships:
        out["团队成员"].append([m.staff, m.team, day(m.since, workbook), day(m.until, workbook)])
    for c in r.clients:
        out["客户"].append([c.id, firm(number(c.id)), INDUSTRIES.get(c.industry, ""), GRADES[c.grade],
                          money(c.value, workbook), TIERS.get(c.stage, "")])
    for c in r.coverage:
        out["客户分工"].append([c.staff, c.client, TIERS[c.tier], ROLES.get(c.role, ""), day(c.since, workbook), day(c.until, workbook)])
    for e in r.engagements:
        out["团队客户"].append([e.team, e.client, day(e.since, workbook), day(e.until, workbook)])
    for i in r.interactions:
        out["往来记录"].append([i.id, i.client, "、".join(i.staff), KINDS[i.kind], moment(i.at, workbook), money(i.amount, workbook),
                            translated(i.summary), GRADES[i.grade] if i.grade else "",
                            (int(i.score) if workbook else f"{i.score:g}") if i.score is not None else "", TIERS.get(i.stage, "")])
    for n in r.needs:
        topic, people = re.fullmatch(r"(.+) for (\d+) people", n.summary).groups()
        out["需求"].append([n.id, n.client, f"{TOPICS[topic]}，{people}人", day(n.detected, workbook), SOURCES[n.source], n.staff or ""])
    return out


def write_csv(folder: Path, size: str, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables(size, seed, workbook=False).items():
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        (folder / f"{name}.csv").write_bytes(text.getvalue().encode("gb18030"))


def xlsx_mapping() -> str:
    """crm_zh.toml with its sources pointing at the workbook's sheets instead of the GB18030 files."""
    text = MAPPING.read_text(encoding="utf-8")
    sources = "\n".join(f'"{name}" = {{ file = "客户资料.xlsx", sheet = "{name}" }}' for name in HEADERS)
    return re.sub(r"(?ms)^\[sources\]\n.*?\n\n", f"[sources]\n{sources}\n\n", text, count=1)


def write_xlsx(folder: Path, size: str, seed: int) -> None:
    import xlsxwriter

    folder.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(folder / "客户资料.xlsx"))
    book.set_properties({"created": datetime(2026, 1, 1)})        # the same bytes on every run
    formats = {date: book.add_format({"num_format": "yyyy/m/d"}), datetime: book.add_format({"num_format": "yyyy/m/d h:mm"})}
    for name, rows in tables(size, seed, workbook=True).items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    sheet.write_datetime(r, c, value if isinstance(value, datetime) else datetime(value.year, value.month, value.day),
                                         formats[type(value)])
                elif value is not None and value != "":
                    sheet.write(r, c, value)
    book.close()
    (folder / "crm_zh_xlsx.toml").write_text(xlsx_mapping(), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--size", default="S")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--xlsx", action="store_true", help="one workbook with a sheet per table, and its mapping")
    args = parser.parse_args()
    (write_xlsx if args.xlsx else write_csv)(args.out, args.size, args.seed)
    print(f"wrote {'a workbook' if args.xlsx else 'GB18030 CSV files'} to {args.out}")


if __name__ == "__main__":
    main()
