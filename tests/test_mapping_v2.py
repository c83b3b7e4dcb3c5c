"""Mapping files, version 2, and the gaps and bugs of issue 12 (each test here failed on the code before it)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from graphcrm.errors import ImportFailed, MappingError
from graphcrm.mapping import read_mapped
from graphcrm.model import Client, Records, Tier

from workbooks import write_xlsx

PRODUCTS = "code,name,family\nGTX Pro,GTX Pro 16GB,gpu\nGTX Lite,GTX Lite 8GB,gpu\nMX1,MX One,mouse\n"
ORDERS = ("order,customer,product,when,amount,stage\n"
          "1,K1,GTX Pro,03/01/2024,10.5,won\n2,K1,GTXPro,02/15/2024,20,won\n3,K2,MX1,01/20/2024,7,lost\n"
          "4,K2,GTX Lite,04/02/2024,1,won\n")


def export(tmp_path: Path, **files: str | bytes) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        name = name.replace("_", ".", 1) if "." not in name else name
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def mapping(tmp_path: Path, text: str, version: int | None = 2) -> Path:
    path = tmp_path / "m.toml"
    path.write_text((f"version = {version}\n" if version else "") + text, encoding="utf-8")
    return path


def errors(folder, path, known=None) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read_mapped(folder, path, known, shown_as="")
    return [str(e) for e in caught.value.errors]


CLIENTS_OUT = '[[output]]\nkind = "clients"\nsource = "orders"\ndistinct = true\n[output.columns]\nid = "customer"\n'


# -- 1. a lookup that finds nothing can fall back ----------------------------------------------------
@pytest.mark.parametrize("missing, expected", [
    ('"pass" }', ["GTX Pro 16GB", "GTXPro", "MX One", "GTX Lite 8GB"]),
    ('"unknown product {product}" }', ["GTX Pro 16GB", "unknown product GTXPro", "MX One", "GTX Lite 8GB"]),
    ('"empty" }, default = "?"', ["GTX Pro 16GB", "?", "MX One", "GTX Lite 8GB"]),
])
def test_1_a_lookup_that_finds_nothing_falls_back(tmp_path, missing, expected):
    folder = export(tmp_path, products_csv=PRODUCTS, orders_csv=ORDERS)
    path = mapping(tmp_path, '[sources]\nproducts = "products.csv"\norders = "orders.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "interactions"
source = "orders"
[output.columns]
id = "O{order}"
client = "customer"
kind = { const = "transaction" }
at = { column = "when", date = "%m/%d/%Y" }
summary = { column = "product", lookup = { source = "products", key = "code", value = "name", missing = """ + missing + " }\n")
    assert [i.summary for i in read_mapped(folder, path).interactions] == expected


def test_1_without_a_fallback_an_unmatched_key_is_a_row_error_naming_the_output(tmp_path):
    folder = export(tmp_path, products_csv=PRODUCTS, orders_csv=ORDERS)
    path = mapping(tmp_path, '[sources]\nproducts = "products.csv"\norders = "orders.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "interactions"
source = "orders"
[output.columns]
id = "O{order}"
client = "customer"
kind = { const = "transaction" }
at = { column = "when", date = "%m/%d/%Y" }
summary = { column = "product", lookup = { source = "products", key = "code", value = "name" } }
""")
    assert errors(folder, path) == [f"orders.csv:3: summary: no row of products.csv has code = 'GTXPro' ({path}, output 2: interactions)"]


# -- 2. steps run in the order written ----------------------------------------------------------------
def test_2_a_value_is_fixed_before_it_is_joined(tmp_path):
    folder = export(tmp_path, products_csv=PRODUCTS, orders_csv=ORDERS)
    path = mapping(tmp_path, '[sources]\nproducts = "products.csv"\norders = "orders.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "interactions"
source = "orders"
[output.columns]
id = "O{order}"
client = "customer"
kind = { const = "transaction" }
at = { column = "when", date = "%m/%d/%Y" }
summary = { column = "product", map = { GTXPro = "GTX Pro" }, else = "pass", lookup = { source = "products", key = "code", value = "family" } }
""")
    assert [i.summary for i in read_mapped(folder, path).interactions] == ["gpu", "gpu", "mouse", "gpu"]


def test_2_the_order_written_is_the_order_run(tmp_path):
    folder = export(tmp_path, people_csv="id,level\n1, Gold \n")
    out = '[sources]\np = "people.csv"\n[[output]]\nkind = "clients"\nsource = "p"\n[output.columns]\nid = "K{id}"\n'
    first_map = mapping(tmp_path, out + 'name = { map = { Gold = "A" }, else = "pass", template = "x" }\n')
    with pytest.raises(MappingError, match="'template' must come first"):
        read_mapped(folder, first_map)
    ordered = mapping(tmp_path, out + 'name = { template = "{level}!", map = { "Gold!" = "A" }, else = "pass" }\n')
    assert read_mapped(folder, ordered).clients[0].name == "A"


# -- 3. a map passes unmapped values through ----------------------------------------------------------------
def test_3_a_map_passes_unmapped_values_through_or_fills_a_template(tmp_path):
    folder = export(tmp_path, firms_csv="id,sector\n1,retail\n2,Banking\n3,\n")
    body = '[sources]\nf = "firms.csv"\n[[output]]\nkind = "clients"\nsource = "f"\n[output.columns]\nid = "K{id}"\n'
    passed = read_mapped(folder, mapping(tmp_path, body + 'industry = { column = "sector", map = { Banking = "banking" }, else = "pass" }\n'))
    assert [c.industry for c in passed.clients] == ["retail", "banking", None]
    templated = read_mapped(folder, mapping(tmp_path, body + 'industry = { column = "sector", map = { Banking = "banking" }, else = "other: {sector}" }\n'))
    assert [c.industry for c in templated.clients] == ["other: retail", "banking", None]


def test_3_a_version_1_default_that_looks_like_a_template_is_refused_not_written_literally(tmp_path):
    folder = export(tmp_path, firms_csv="id,sector\n1,retail\n")
    path = mapping(tmp_path, '[sources]\nf = "firms.csv"\n[[output]]\nkind = "clients"\nsource = "f"\n[output.columns]\n'
                             'id = "K{id}"\nindustry = { column = "sector", map = { a = "b" }, default = "{sector}" }\n', version=None)
    with pytest.raises(MappingError, match="would be written as it is"):
        read_mapped(folder, path)


# -- 4. aggregates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("op, expected", [("min", date(2024, 2, 15)), ("max", date(2024, 3, 1))])
def test_4_a_coverage_since_is_the_first_or_last_order_date(tmp_path, op, expected):
    folder = export(tmp_path, orders_csv=ORDERS, reps_csv="rep,customer\nS1,K1\n")
    path = mapping(tmp_path, '[sources]\norders = "orders.csv"\nreps = "reps.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "tiers"
rows = [{ key = "sales", level = 1 }]
[[output]]
kind = "staff"
source = "reps"
[output.columns]
id = "rep"
[[output]]
kind = "coverage"
source = "reps"
[output.columns]
staff = "rep"
client = "customer"
tier = { const = "sales" }
since = { column = "customer", aggregate = { source = "orders", key = "customer", op = \"""" + op + """\", value = { column = "when", date = "%m/%d/%Y" } } }
""")
    assert read_mapped(folder, path).coverage[0].since == expected


@pytest.mark.parametrize("op, expected", [("count", 3.0), ("sum", 31.5), ("first", 10.5), ("last", 1.0), ("min", 1.0), ("max", 20.0)])
def test_4_count_sum_first_last_min_max_over_matching_rows(tmp_path, op, expected):
    folder = export(tmp_path, orders_csv=ORDERS)
    path = mapping(tmp_path, """[sources]
orders = "orders.csv"
[[output]]
kind = "clients"
source = "orders"
distinct = true
where = "customer == 'K1'"
[output.columns]
id = { const = "ALL" }
value = { const = "won", aggregate = { source = "orders", key = "stage", op = \"""" + op + """\", value = "amount" } }
""")
    assert [c.value for c in read_mapped(folder, path).clients] == [expected]


# -- 5. encodings, delimiters, workbooks --------------------------------------------------------------------
CN_CLIENTS = "编号;名称;行业\nK1;北京燕京啤酒集团;酒类\nK2;华润万家;零售\n"


@pytest.mark.parametrize("encoding, data", [
    ("gb18030", CN_CLIENTS.encode("gb18030")), ("gbk", CN_CLIENTS.encode("gbk")),
    ("utf-16", CN_CLIENTS.encode("utf-16")), ("utf-8", b"\xef\xbb\xbf" + CN_CLIENTS.encode()),
])
def test_5_sources_in_other_encodings_with_their_delimiter(tmp_path, encoding, data):
    folder = export(tmp_path, **{"客户.csv": data})
    path = mapping(tmp_path, f'[sources]\nc = {{ file = "客户.csv", encoding = "{encoding}", delimiter = ";" }}\n'
                             '[[output]]\nkind = "clients"\nsource = "c"\n[output.columns]\nid = "编号"\nname = "名称"\nindustry = "行业"\n')
    assert [(c.id, c.name, c.industry) for c in read_mapped(folder, path).clients] == [
        ("K1", "北京燕京啤酒集团", "酒类"), ("K2", "华润万家", "零售")]


def test_5_latin_1_is_read_when_named_and_undecodable_bytes_suggest_the_encoding(tmp_path):
    text = "id;name\n" + "".join(f"{n};Café Müller Straße {n}\n{n + 1000};Crème brûlée façade\n" for n in range(1, 40))
    folder = export(tmp_path, firms_csv=text.encode("latin-1"))
    body = '[[output]]\nkind = "clients"\nsource = "f"\n[output.columns]\nid = "K{id}"\nname = "name"\n'
    named = mapping(tmp_path, '[sources]\nf = { file = "firms.csv", encoding = "latin-1", delimiter = ";" }\n' + body)
    assert read_mapped(folder, named).clients[0].name == "Café Müller Straße 1"
    unnamed = mapping(tmp_path, '[sources]\nf = { file = "firms.csv", delimiter = ";" }\n' + body)
    message = errors(folder, unnamed)[0]
    assert message.startswith("firms.csv:2: -: not UTF-8 (byte 0xe9 at offset 13); it looks like ")
    assert "set encoding =" in message


def test_5_a_wrong_delimiter_says_which_one_the_file_uses(tmp_path):
    folder = export(tmp_path, firms_csv="id;name\n1;Ann\n")
    path = mapping(tmp_path, '[sources]\nf = "firms.csv"\n[[output]]\nkind = "clients"\nsource = "f"\n[output.columns]\nid = "id"\n')
    with pytest.raises(MappingError) as caught:
        read_mapped(folder, path, shown_as="")
    assert str(caught.value).endswith("no column 'id' in firms.csv (its columns: id;name); "
                                      "the header is one column holding ';': set delimiter = \";\"")
    folder = export(tmp_path, firms_csv="id;name\n1;Ann,Bo\n")
    whole = mapping(tmp_path, '[sources]\nf = "firms.csv"\n[[output]]\nkind = "clients"\nsource = "f"\n[output.columns]\nid = "id;name"\n')
    assert errors(folder, whole) == ["firms.csv:2: -: 2 cells but the header has 1 columns; the header is one column "
                                     "holding ';': set delimiter = \";\""]


def test_5_a_workbook_sheet_with_date_cells_and_excel_serials(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write_xlsx(folder / "crm.xlsx", {"Summary": [["nothing here"]],
                                     "客户": [["编号", "名称", "金额", "建档", "序列号"],
                                              [1001, "华润万家", 1234.5, datetime(2024, 3, 1, 9, 30), 45352],
                                              [1002, "燕京啤酒", 99, date(2023, 12, 31), 45291.75]]})
    path = mapping(tmp_path, """[sources]
c = { file = "crm.xlsx", sheet = "客户" }
[[output]]
kind = "tiers"
rows = [{ key = "t", level = 1 }]
[[output]]
kind = "clients"
source = "c"
[output.columns]
id = "K{编号}"
name = "名称"
value = "金额"
[[output]]
kind = "interactions"
source = "c"
[output.columns]
id = "I{编号}"
client = "K{编号}"
kind = { const = "contact" }
at = { column = "建档", datetime = "%d/%m/%Y %H:%M" }
summary = { column = "序列号", datetime = "excel" }
""")
    records = read_mapped(folder, path)
    assert [(c.id, c.name, c.value) for c in records.clients] == [("K1001", "华润万家", 1234.5), ("K1002", "燕京啤酒", 99.0)]
    assert [i.at.isoformat() for i in records.interactions] == ["2024-03-01T09:30:00+00:00", "2023-12-31T00:00:00+00:00"]
    assert [i.summary for i in records.interactions] == ["2024-03-01T00:00:00", "2023-12-31T18:00:00"]


# -- 6. row filters and conditional values --------------------------------------------------------------------
def test_6_where_filters_rows_and_when_chooses_values(tmp_path):
    folder = export(tmp_path, orders_csv=ORDERS)
    path = mapping(tmp_path, '[sources]\norders = "orders.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "interactions"
source = "orders"
where = "stage != 'lost' and amount >= 1.5"
[output.columns]
id = "O{order}"
client = "customer"
kind = [{ when = "amount > 15", const = "transaction" }, { const = "communication" }]
at = { column = "when", date = "%m/%d/%Y" }
summary = { when = "contains(product, 'Pro')", column = "product", else = "pass", map = {} }
""")
    rows = [(i.id, i.kind, i.summary) for i in read_mapped(folder, path).interactions]
    assert rows == [("O1", "communication", "GTX Pro"), ("O2", "transaction", "GTXPro")]


# -- 7. ambiguous lookup keys ---------------------------------------------------------------------------------------
def test_7_an_ambiguous_key_is_an_error_once_unless_a_pick_is_written(tmp_path):
    folder = export(tmp_path, orders_csv=ORDERS, owners_csv="customer,rep\nK1,S1\nK1,S2\nK2,S3\n")
    body = '[sources]\norders = "orders.csv"\nowners = "owners.csv"\n' + CLIENTS_OUT + """
[[output]]
kind = "interactions"
source = "orders"
[output.columns]
id = "O{order}"
client = "customer"
kind = { const = "transaction" }
at = { column = "when", date = "%m/%d/%Y" }
summary = { column = "customer", lookup = { source = "owners", key = "customer", value = "rep"PICK } }
"""
    found = errors(folder, mapping(tmp_path, body.replace("PICK", "")))
    assert found == [f"orders.csv:2: summary: customer = 'K1' matches 2 rows of owners.csv (lines 2, 3): "
                     f"set pick = \"first\" or \"last\" (reported once) ({tmp_path / 'm.toml'}, output 2: interactions)"]
    for pick, rep in (("first", "S1"), ("last", "S2")):
        records = read_mapped(folder, mapping(tmp_path, body.replace("PICK", f', pick = "{pick}"')))
        assert [i.summary for i in records.interactions] == [rep, rep, "S3", "S3"]


# -- 8. require skips rows without reporting their other columns -------------------------------------------------------
def test_8_require_skips_rows_without_reporting_errors_from_their_other_columns(tmp_path):
    folder = export(tmp_path, people_csv="id,rep,joined\n1,7,2024-01-05\n2,,not a date\n3,,\n")
    path = mapping(tmp_path, '[sources]\np = "people.csv"\n[[output]]\nkind = "tiers"\nrows = [{ key = "t", level = 1 }]\n'
                             '[[output]]\nkind = "staff"\nsource = "p"\nrequire = ["manager"]\n[output.columns]\nid = "P{id}"\n'
                             'joined = { column = "joined", date = "%Y-%m-%d" }\nmanager = "P{rep}"\n', version=None)
    with pytest.raises(ImportFailed) as caught:          # P7 is unknown: the only error, the skipped rows say nothing
        read_mapped(folder, path, shown_as="")
    assert [str(e) for e in caught.value.errors] == [f"people.csv:2: manager: unknown staff member 'P7' ({path}, output 2: staff)"]


# -- 9. a misspelt column: one error listing the columns, naming the output ------------------------------------------
def test_9_a_misspelt_column_is_one_error_that_lists_the_columns(tmp_path):
    folder = export(tmp_path, orders_csv=ORDERS * 1 + "".join(f"{n},K1,MX1,01/01/2024,1,won\n" for n in range(5, 600)))
    path = mapping(tmp_path, '[sources]\norders = "orders.csv"\n[[output]]\nkind = "clients"\nsource = "orders"\n'
                             'distinct = true\n[output.columns]\nid = "custmer"\n', version=None)
    with pytest.raises(MappingError) as caught:
        read_mapped(folder, path)
    assert str(caught.value) == (f"{path}: output 1 (clients).columns.id: no column 'custmer' in {folder / 'orders.csv'}; "
                                 "did you mean 'customer'? (its columns: order, customer, product, when, amount, stage)")


def test_9_a_missing_source_file_reads_as_a_sentence(tmp_path):
    folder = export(tmp_path, orders_csv=ORDERS)
    path = mapping(tmp_path, '[sources]\norders = "Orders.csv"\n[[output]]\nkind = "clients"\nsource = "orders"\n[output.columns]\nid = "customer"\n')
    with pytest.raises(MappingError) as caught:
        read_mapped(folder, path)
    assert str(caught.value) == f"{path}: sources.orders: Orders.csv is not in the export (files there: orders.csv)"


# -- 10. numbers round once ------------------------------------------------------------------------------------------
def test_10_a_sum_rounds_once(tmp_path):
    folder = export(tmp_path, orders_csv="id\n1\n", lines_csv="order,price,qty\n1,372.374999595,1\n1,0,3\n")
    path = mapping(tmp_path, '[sources]\no = "orders.csv"\nl = "lines.csv"\n[[output]]\nkind = "clients"\nsource = "o"\n'
                             '[output.columns]\nid = "K{id}"\nvalue = { column = "id", sum = { source = "l", key = "order", '
                             'expr = "price * qty" }, round = 2 }\n', version=None)
    assert read_mapped(folder, path).clients[0].value == 372.37


def test_10_a_value_measure_prints_without_float_noise(embedded_store):
    from graphcrm.config import Policy
    from graphcrm.model import Coverage, Staff
    from graphcrm.reports import run_report

    embedded_store.write(Records(tiers=[Tier("t", 1)], staff=[Staff("S1")],
                                 clients=[Client("K1", value=0.1), Client("K2", value=0.2)],
                                 coverage=[Coverage("S1", "K1", "t"), Coverage("S1", "K2", "t")]))
    rows = run_report(embedded_store, "truck_factor", date(2026, 1, 1), {"by": "value"}, Policy()).rows
    assert rows[0]["orphaned"] == 0.3 and repr(rows[0]["orphaned"]) == "0.3"


# -- hardening (issue 9, finding 13): hostile expressions and files answer clearly ----------------------------------------
@pytest.mark.parametrize("expr, message", [
    (" + ".join(["price"] * 50_000), "the expression is 399,997 characters long; at most 1,000"),
    ("-" * 100_000 + "1", "the expression is 100,001 characters long; at most 1,000"),
    ("-" * 900 + "1", "nested more than 40 deep"),
    ("price in (" + ",".join("1" for _ in range(400)) + ")", "more than 300 parts"),
    ("price ** 99999999", "may use only numbers, column names and + - * /"),
])
def test_hostile_expressions_are_refused_clearly(tmp_path, expr, message):
    folder = export(tmp_path, orders_csv="id\n1\n", lines_csv="order,price\n1,2\n")
    path = mapping(tmp_path, '[sources]\no = "orders.csv"\nl = "lines.csv"\n[[output]]\nkind = "clients"\nsource = "o"\n'
                             f'[output.columns]\nid = "K{{id}}"\nvalue = {{ column = "id", sum = {{ source = "l", key = "order", expr = "{expr}" }} }}\n')
    with pytest.raises(MappingError) as caught:
        read_mapped(folder, path)
    assert message in str(caught.value)


def test_division_by_zero_is_a_row_error(tmp_path):
    folder = export(tmp_path, orders_csv="id\n1\n2\n", lines_csv="order,price,qty\n1,2,0\n2,4,2\n")
    path = mapping(tmp_path, '[sources]\no = "orders.csv"\nl = "lines.csv"\n[[output]]\nkind = "clients"\nsource = "o"\n'
                             '[output.columns]\nid = "K{id}"\nvalue = { column = "id", sum = { source = "l", key = "order", expr = "price / qty" } }\n')
    assert errors(folder, path) == [f"orders.csv:2: value: division by zero in 'price / qty' ({path}, output 1: clients)"]


def test_a_deeply_nested_or_huge_mapping_file_is_refused(tmp_path):
    folder = export(tmp_path, orders_csv="id\n1\n")
    nested = tmp_path / "nested.toml"
    nested.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match="nested too deeply|bytes; a mapping file has at most"):
        read_mapped(folder, nested)
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 2**21 + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match="a mapping file has at most 1,048,576"):
        read_mapped(folder, huge)


def test_a_100000_column_header_is_refused_at_once(tmp_path):
    import time

    header = ",".join(f"c{n}" for n in range(100_000))
    folder = export(tmp_path, orders_csv=header + "\n" + ",".join("1" for _ in range(100_000)) + "\n")
    path = mapping(tmp_path, '[sources]\no = "orders.csv"\n[[output]]\nkind = "clients"\nsource = "o"\n[output.columns]\nid = "c1"\n')
    started = time.perf_counter()
    assert errors(folder, path) == ["orders.csv:1: -: the header has 100,000 columns; at most 2,000 are read"]
    assert time.perf_counter() - started < 5
