"""CSV import: every kind of bad row is reported as file:line: field: reason and nothing is written, on both stores."""

from pathlib import Path

import pytest

from graphcrm.errors import ImportFailed
from graphcrm.exporter import write_folder
from graphcrm.importer import read_folder

from handbuilt import organisation

GOOD = {
    "tiers.csv": "key,level,name,duty\nintel,1,Intel,gather\nplanning,2,Planning,grade\n",
    "staff.csv": "id,name,email,tier,capacity,joined,left,manager\nS1,Ann,a@x,intel,3,2024-01-01,,\nS2,Bo,b@x,planning,,2024-01-01,,S1\n",
    "clients.csv": "id,name,industry,grade,value,stage\nC1,Alpha,retail,A,1000,intel\nC2,Beta,bank,,,\n",
    "coverage.csv": "staff,client,tier,role,since,until\nS1,C1,intel,lead,2024-02-01,\nS2,C1,planning,backup,2024-02-01,2025-01-01\n",
    "interactions.csv": "id,client,staff,kind,at,amount,summary,grade,score,stage\n"
                        "I1,C1,S1;S2,contact,2025-01-02T09:00:00Z,,hello,,,\nI2,C1,S2,assessment,2025-02-01,,,B,70,\n",
    "needs.csv": "id,client,summary,detected,source,staff\nN1,C1,gifts,2025-03-01,visit,S1\n",
}


def folder(tmp_path: Path, **changes) -> Path:
    files = {**GOOD, **{k.replace("_", ".", 1) if "." not in k else k: v for k, v in changes.items()}}
    out = tmp_path / "in"
    out.mkdir(exist_ok=True)
    for name, text in files.items():
        if text is None:
            continue
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (out / name).write_bytes(data)
    return out


def errors_of(path, known=None) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read_folder(path, known)
    return [str(e) for e in caught.value.errors]


def test_a_good_folder_imports(tmp_path):
    records = read_folder(folder(tmp_path))
    assert records.counts()["interactions"] == 2
    assert records.interactions[0].staff == ("S1", "S2")
    assert records.interactions[1].at.isoformat() == "2025-02-01T00:00:00+00:00"   # a bare date is midnight UTC


BAD_CASES = {
    "missing column": ({"clients.csv": "name,grade\nAlpha,A\n"}, "clients.csv:1: id: missing column"),
    "unknown column": ({"teams.csv": "id,name,colour\nT1,x,red\n"}, "teams.csv:1: colour: unknown column"),
    "bad date": ({"needs.csv": "id,client,detected\nN1,C1,01/03/2025\n"}, "needs.csv:2: detected: bad date '01/03/2025' (expected YYYY-MM-DD)"),
    "bad date-time": ({"interactions.csv": "id,client,kind,at\nI1,C1,contact,yesterday\n"}, "interactions.csv:2: at: bad date-time 'yesterday'"),
    "bad number": ({"clients.csv": "id,value\nC1,lots\n"}, "clients.csv:2: value: bad number 'lots'"),
    "bad whole number": ({"staff.csv": "id,capacity\nS1,2.5\n"}, "staff.csv:2: capacity: bad whole number '2.5'"),
    "unknown reference": ({"coverage.csv": "staff,client,tier\nS9,C1,intel\n"}, "coverage.csv:2: staff: unknown staff member 'S9'"),
    "unknown client": ({"needs.csv": "id,client,detected\nN1,C9,2025-01-01\n"}, "needs.csv:2: client: unknown client 'C9'"),
    "unknown tier": ({"coverage.csv": "staff,client,tier\nS1,C1,sales\n"}, "coverage.csv:2: tier: unknown tier 'sales'"),
    "duplicate identity": ({"coverage.csv": "staff,client,tier,since\nS1,C1,intel,2024-01-01\nS1,C1,intel,2024-01-01\n"},
                           "coverage.csv:3: staff,client,tier,since: duplicate identity (S1, C1, intel, 2024-01-01) (first at line 2)"),
    "duplicate id": ({"clients.csv": "id\nC1\nC2\nC1\n"}, "clients.csv:4: id: duplicate identity (C1) (first at line 2)"),
    "unknown grade": ({"clients.csv": "id,grade\nC1,D\n"}, "clients.csv:2: grade: unknown grade 'D' (use A, B, C)"),
    "unknown kind": ({"interactions.csv": "id,client,kind,at\nI1,C1,lunch,2025-01-01\n"}, "interactions.csv:2: kind: unknown kind 'lunch'"),
    "unknown role": ({"coverage.csv": "staff,client,tier,role\nS1,C1,intel,boss\n"}, "coverage.csv:2: role: unknown role 'boss' (use lead, backup)"),
    "empty id": ({"clients.csv": "id,name\n,Nameless\n"}, "clients.csv:2: id: empty"),
    "non-UTF-8 bytes": ({"clients.csv": b"id,name\nC1,Caf\xe9\n"}, "clients.csv:2: -: not UTF-8 (byte 0xe9"),
    "until before since": ({"coverage.csv": "staff,client,tier,since,until\nS1,C1,intel,2025-01-01,2024-01-01\n"},
                           "coverage.csv:2: until: until 2024-01-01 must be after since 2025-01-01"),
    "assessment without grade": ({"interactions.csv": "id,client,kind,at\nI1,C1,assessment,2025-01-01\n"},
                                 "interactions.csv:2: grade: an assessment needs a grade"),
    "handover without stage": ({"interactions.csv": "id,client,kind,at\nI1,C1,handover,2025-01-01\n"},
                               "interactions.csv:2: stage: a handover needs the stage"),
    "too many cells": ({"teams.csv": "id,name\nT1,a,b\n"}, "teams.csv:2: -: 3 cells but the header has 2 columns"),
    "manager cycle": ({"staff.csv": "id,manager\nS1,S2\nS2,S1\n"}, "staff.csv:2: manager: 'S1' reports to themselves through a cycle"),
    "level below one": ({"tiers.csv": "key,level\nintel,0\n"}, "tiers.csv:2: level: must be at least 1, got 0"),
    "NUL character": ({"clients.csv": "id,name\nC1,a\x00b\n"}, "clients.csv:2: name: contains a NUL character"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(case, tmp_path, store):
    changes, expected = BAD_CASES[case]
    path = folder(tmp_path, **changes)
    before = store.read_all().canonical()
    messages = errors_of(path, store.known_ids())
    assert any(m.endswith(expected) or expected in m for m in messages), messages
    assert all(m.count(":") >= 3 for m in messages)
    assert store.read_all().canonical() == before


def test_line_numbers_count_physical_lines_with_quoted_newlines(tmp_path):
    text = 'id,name\nC1,"two\nlines"\nC2,ok\nC3,x,y\n'
    messages = errors_of(folder(tmp_path, clients_csv=text))
    assert any(m.endswith("clients.csv:5: -: 3 cells but the header has 2 columns") for m in messages), messages


def test_every_error_is_reported_not_just_the_first(tmp_path):
    messages = errors_of(folder(tmp_path, clients_csv="id,grade,value\nC1,Q,1\nC2,A,x\n,A,1\n"))
    assert len(messages) >= 3


def test_references_to_records_already_stored_are_accepted(tmp_path, store):
    store.write(read_folder(folder(tmp_path)))
    only_needs = tmp_path / "more"
    only_needs.mkdir()
    (only_needs / "needs.csv").write_text("id,client,detected,staff\nN2,C2,2025-04-01,S2\n", encoding="utf-8")
    store.write(read_folder(only_needs, store.known_ids()))
    assert {n.id for n in store.read_all().needs} == {"N1", "N2"}


def test_reimporting_the_same_folder_changes_nothing(tmp_path, store):
    path = folder(tmp_path)
    store.write(read_folder(path, store.known_ids()))
    first = store.read_all().canonical()
    store.write(read_folder(path, store.known_ids()))
    assert store.read_all().canonical() == first


def test_empty_or_missing_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no import files" in errors_of(tmp_path / "empty")[0]
    assert "not a folder" in errors_of(tmp_path / "nope")[0]


def test_exported_folder_imports_to_the_same_records(tmp_path):
    write_folder(organisation(), tmp_path / "out")
    assert read_folder(tmp_path / "out").canonical() == organisation().canonical()


# -- encodings, and what an import changes (issue 12, bug 11; issue 11's import page findings) --------------
def test_one_undecodable_file_does_not_hide_the_others_errors(tmp_path):
    messages = errors_of(folder(tmp_path, clients_csv="id,name\nC1,Caf\u00e9\n".encode("latin-1"),
                                teams_csv="id,name\n,Nameless\n"))
    assert any("clients.csv:2: -: not UTF-8 (byte 0xe9" in m for m in messages), messages
    assert any(m.endswith("teams.csv:2: id: empty") for m in messages), messages


def test_a_plain_folder_in_another_encoding_imports_with_the_option(tmp_path):
    path = folder(tmp_path, clients_csv="id,name,industry\nC1,北京燕京啤酒集团,酒类\nC2,华润万家,零售\n".encode("gb18030"))
    assert "not UTF-8" in " ".join(errors_of(path))
    records = read_folder(path, encoding="gb18030")
    assert {c.id: c.name for c in records.clients} == {"C1": "北京燕京啤酒集团", "C2": "华润万家"}


def test_a_duplicate_column_in_a_wide_header_is_found_in_linear_time(tmp_path):
    import time

    header = ",".join(["id"] + [f"c{n}" for n in range(1_998)] + ["id"])
    started = time.perf_counter()
    messages = errors_of(folder(tmp_path, teams_csv=header + "\nT1\n"))
    assert "teams.csv:1: id: column appears twice" in " ".join(messages)
    assert time.perf_counter() - started < 5


def test_stored_versions_tell_new_changed_and_unchanged_on_both_stores(tmp_path, store):
    from graphcrm.importplan import plan_import

    records = read_folder(folder(tmp_path))
    first = plan_import(records, store.stored_versions(records))
    assert first.totals() == (len(records), 0, 0)
    store.write(first.changes)
    again = plan_import(records, store.stored_versions(records))
    assert again.nothing_changed and again.headline() == f"nothing changed ({len(records)} records unchanged)"
    changed = folder(tmp_path, clients_csv="id,name,industry,grade,value,stage\nC1,Alpha,retail,B,1000,intel\nC2,Beta,bank,,,\nC3,New,,,,\n")
    plan = plan_import(read_folder(changed), store.stored_versions(read_folder(changed)))
    assert plan.counts["clients"] == (1, 1, 1)
    assert sorted(c.id for c in plan.changes.clients) == ["C1", "C3"]


def _cli(*args):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "GRAPHCRM_DEBUG"}
    return subprocess.run([sys.executable, "-m", "graphcrm.cli", *args], capture_output=True, text=True, env=env)


def test_the_cli_says_what_changed_and_a_dry_run_writes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'g.db'}"
    path = folder(tmp_path)
    dry = _cli("--store", url, "import", str(path), "--dry-run")
    assert dry.returncode == 0 and "nothing written" in dry.stdout and "clients: 2 new, 0 changed, 0 unchanged" in dry.stdout
    assert not (tmp_path / "g.db").exists()
    first = _cli("--store", url, "import", str(path))
    assert "imported into embedded store" in first.stdout and "interactions: 2 new" in first.stdout
    again = _cli("--store", url, "import", str(path))
    assert "nothing changed (" in again.stdout and " new" not in again.stdout.replace("0 new", "")


def test_a_rejected_import_leaves_no_new_database_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = _cli("--store", url, "import", str(folder(tmp_path, clients_csv="id,grade\nC1,Q\n")))
    assert result.returncode == 3 and "unknown grade 'Q'" in result.stderr
    assert list(tmp_path.glob("fresh.db*")) == []


def test_the_service_import_writes_only_changes_audits_the_counts_and_a_dry_run_writes_nothing(tmp_path, store):
    import json

    from graphcrm.config import Settings
    from graphcrm.permissions import User
    from graphcrm.service import Service

    service, admin = Service(store, Settings()), User("admin@x.org", "admin", None)
    records = read_folder(folder(tmp_path))
    dry = service.import_records(admin, records, "test", dry_run=True)
    assert dry.audit is None and dry.plan.totals() == (len(records), 0, 0)
    assert len(store.read_all()) == 0 and store.list_audit() == []
    done = service.import_records(admin, records, "test")
    assert json.loads(done.audit.after)["records"]["clients"] == {"new": 2, "changed": 0, "unchanged": 0}
    again = service.import_records(admin, records, "test")
    assert again.message == f"imported: nothing changed ({len(records)} records unchanged)" and len(again.records) == 0
