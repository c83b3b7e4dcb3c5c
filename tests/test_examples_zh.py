"""The Chinese spreadsheet example: GB18030 CSV files (and an .xlsx variant) with Chinese headers, names and values,
made from the generator's organisation by scripts/make_chinese_export.py, import as that organisation on both stores."""

import subprocess
import sys
from dataclasses import astuple
from datetime import date
from pathlib import Path

import pytest

from graphcrm.config import Policy
from graphcrm.generator import generate
from graphcrm.mapping import read_mapped
from graphcrm.reports import run_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "crm-zh"
AS_OF = date(2026, 11, 1)


def make(out: Path, *flags: str) -> Path:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_chinese_export.py"), "--out", str(out), *flags],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return out


def structure(records):
    """Everything but the words (names, e-mails, industries, summaries, sources), which the export writes in Chinese."""
    return {
        "staff": sorted((s.id, s.tier, s.capacity, s.joined, s.left, s.manager) for s in records.staff),
        "clients": sorted((c.id, c.grade, c.value, c.stage) for c in records.clients),
        "interactions": sorted((i.id, i.client, i.kind, i.at, i.staff, i.amount, i.grade, i.score, i.stage)
                               for i in records.interactions),
        "needs": sorted((n.id, n.client, n.detected, n.staff) for n in records.needs),
        **{kind: sorted(astuple(r) for r in getattr(records, kind)) for kind in ("memberships", "coverage", "engagements")},
        "teams": sorted(t.id for t in records.teams),
    }


def test_the_committed_files_are_what_the_script_makes(tmp_path):
    made = make(tmp_path / "zh")
    assert sorted(p.name for p in made.iterdir()) == sorted(p.name for p in EXAMPLE.iterdir())
    for path in EXAMPLE.iterdir():
        assert (made / path.name).read_bytes() == path.read_bytes(), path.name
    header = (EXAMPLE / "客户.csv").read_bytes().split(b"\r\n")[0]
    assert header.decode("gb18030") == "客户编号,客户名称,所属行业,客户等级,年采购额,当前阶段"
    with pytest.raises(UnicodeDecodeError):
        header.decode("utf-8")


@pytest.mark.parametrize("variant", ["gb18030-csv", "xlsx"])
def test_the_chinese_export_imports_as_the_generated_organisation(tmp_path, store, variant):
    if variant == "xlsx":
        folder = make(tmp_path / "book", "--xlsx")
        mapping = folder / "crm_zh_xlsx.toml"
    else:
        folder, mapping = EXAMPLE, ROOT / "examples" / "crm_zh.toml"
    records = read_mapped(folder, mapping, store.known_ids())
    store.write(records)
    stored = store.read_all()
    generated = generate("S", 1)
    assert structure(stored) == structure(generated)
    names = {c.id: c.name for c in stored.clients}
    assert names["C0001"] == "上海长城银行" and stored.staff[0].name and not stored.staff[0].name.isascii()
    assert {i.summary for i in stored.interactions if i.id == "I00002"} == {"客户价值评估"}
    assert {n.summary for n in stored.needs if n.id == "N0001"} == {"年终宴会，2066人"}
    risk = run_report(store, "key_person_risk", AS_OF, {}, Policy()).rows
    from graphcrm.stores import open_store

    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    try:
        reference.write(generated)
        assert risk == run_report(reference, "key_person_risk", AS_OF, {}, Policy()).rows
    finally:
        reference.close()
