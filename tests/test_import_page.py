"""The import page without a browser, on both stores: every file's errors, no server paths, unrecognised files named,
new/changed/unchanged summary, dry run, workbooks and encodings, and hostile uploads answered with a clear 4xx."""

import io
import re
import time
import zipfile
from datetime import datetime

import pytest

from graphcrm.webapp import create_app

from handbuilt import organisation
from workbooks import under_declared_zip, write_xlsx, zip_of

PASSWORD = "correct-horse-battery"


@pytest.fixture
def app(store, tmp_path):
    store.write(organisation())
    application = create_app({"GRAPHCRM_STORE": store.url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    application.extensions["graphcrm"].users.add("admin@x.org", "admin", None, PASSWORD)
    yield application
    application.extensions["graphcrm"].close()


@pytest.fixture
def client(app):
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"email": "admin@x.org", "password": PASSWORD, "csrf_token": token})
    client.token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/import").text).group(1)
    return client


def post(client, files: dict[str, bytes], mapping: bytes | None = None, **form):
    data = {"csrf_token": client.token, **form,
            "files": [(io.BytesIO(content), name) for name, content in files.items()]}
    if mapping is not None:
        data["mapping"] = (io.BytesIO(mapping), "export.toml")
    return client.post("/import", data=data, content_type="multipart/form-data")


def errors_in(response) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", response.text.split('class="errors"')[1]) if 'class="errors"' in response.text else []


def no_server_path(response, tmp_path):
    assert "/tmp" not in response.text and str(tmp_path) not in response.text and "Traceback" not in response.text


def test_one_undecodable_file_does_not_hide_the_other_files_errors(client, tmp_path):
    response = post(client, {"clients.csv": "id,name,grade\nK9,Caf\u00e9,A\n".encode("latin-1"),
                             "teams.csv": b"id,name\n,Nameless\n"})
    errors = errors_in(response)
    assert response.status_code == 400
    assert any(e.startswith("clients.csv:2: -: not UTF-8 (byte 0xe9") for e in errors), errors
    assert "teams.csv:2: id: empty" in errors
    no_server_path(response, tmp_path)


def test_no_import_files_names_no_server_path_and_says_what_was_not_recognised(client, tmp_path):
    response = post(client, {"customers.csv": b"id,name\n1,Ann\n", "notes.pdf": b"%PDF"})
    assert response.status_code == 400
    assert "no import files" in response.text
    recognised = response.text.split('id="import-unrecognised"')[1]
    assert "customers.csv" in recognised and "notes.pdf" in recognised
    no_server_path(response, tmp_path)


def test_an_unrecognised_file_beside_good_ones_is_named_and_the_rest_imports(client):
    response = post(client, {"clients.csv": b"id,name\nNEW1,New\n", "customers.csv": b"id\n1\n"})
    assert response.status_code == 200
    assert "customers.csv" in response.text.split('id="import-unrecognised"')[1]
    assert "1 new" in response.text


def test_dry_run_then_import_then_reimport_say_new_changed_unchanged(client, store):
    files = {"clients.csv": b"id,name,grade\nNEW1,New Client,B\nK1,Renamed,A\n"}
    before = store.read_all().canonical()
    dry = post(client, files, dry_run="1")
    assert dry.status_code == 200 and "dry run, nothing written" in dry.text
    summary = dry.text.split('id="import-summary"')[1]
    assert re.search(r"clients</th><td>1</td><td>1</td><td>0</td>", summary), summary
    assert store.read_all().canonical() == before
    done = post(client, files)
    assert "imported: 1 new, 1 changed, 0 unchanged" in done.text
    again = post(client, files)
    assert "imported: nothing changed (2 records unchanged)" in again.text
    assert {c.id: c.name for c in store.read_all().clients}["K1"] == "Renamed"


def test_a_gb18030_file_imports_with_the_encoding_chosen(client, store):
    text = "id,name,industry\nCN1,北京燕京啤酒集团,酒类\n"
    wrong = post(client, {"clients.csv": text.encode("gb18030")})
    assert wrong.status_code == 400 and "not UTF-8" in wrong.text and "gb18030" in wrong.text.lower()
    right = post(client, {"clients.csv": text.encode("gb18030")}, encoding="gb18030")
    assert right.status_code == 200, errors_in(right)
    assert {c.id: c.name for c in store.read_all().clients}["CN1"] == "北京燕京啤酒集团"


def test_a_workbook_with_its_mapping(client, store, tmp_path):
    book = write_xlsx(tmp_path / "crm.xlsx", {"客户": [["编号", "名称", "建档日期"], ["X1", "华润万家", datetime(2024, 3, 1)]]})
    mapping = ('version = 2\n[sources]\nclients = { file = "crm.xlsx", sheet = "客户" }\n'
               '[[output]]\nkind = "clients"\nsource = "clients"\n[output.columns]\nid = "编号"\nname = "名称"\n').encode()
    response = post(client, {"crm.xlsx": book.read_bytes()}, mapping)
    assert response.status_code == 200, errors_in(response)
    assert "1 new" in response.text
    assert {c.id: c.name for c in store.read_all().clients}["X1"] == "华润万家"


def test_mapping_errors_name_the_uploaded_mapping_and_files_only(client, tmp_path):
    mapping = b'version = 2\n[sources]\np = "people.csv"\n[[output]]\nkind = "teams"\nsource = "p"\n[output.columns]\nid = "Idd"\n'
    response = post(client, {"people.csv": b"Id,Name\n1,x\n"}, mapping)
    assert response.status_code == 400
    assert "export.toml: output 1 (teams).columns.id: no column &#39;Idd&#39; in people.csv; did you mean &#39;Id&#39;?" in response.text
    no_server_path(response, tmp_path)


@pytest.mark.parametrize("upload, status, words", [
    (b"this is not a zip", 400, "not a zip file, or a damaged one"),
    (zip_of({"clients.csv": b"id\nK1\n" * 20000})[:-200], 400, "not a zip file, or a damaged one"),
    (zip_of({"clients.csv": "id,name\n".encode() + "".join(f"K{i},{i * 7919 % 10007}\n" for i in range(50000)).encode()})[:30000],
     400, "not a zip file, or a damaged one"),
    (zip_of({f"f{i}.csv": b"" for i in range(1001)}), 413, "1,001 files in the zip; at most 1,000"),
])
def test_bad_zips_are_a_clear_400(client, tmp_path, upload, status, words):
    response = post(client, {"org.zip": upload})
    assert response.status_code == status
    assert words in response.text
    no_server_path(response, tmp_path)


def test_a_zip_that_under_declares_its_size_is_stopped_by_the_bytes_it_really_unpacks(client, tmp_path):
    response = post(client, {"org.zip": under_declared_zip("clients.csv", 300 * 2**20, 1000)})
    assert response.status_code in (400, 413) and "org.zip" in response.text
    no_server_path(response, tmp_path)


def test_an_honest_zip_bomb_is_refused_before_unpacking(client, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("clients.csv", "w", force_zip64=True) as member:
            for _ in range(400):
                member.write(b"0" * 2**20)
    started = time.perf_counter()
    response = post(client, {"bomb.zip": buffer.getvalue()})
    assert response.status_code == 413 and "unpacks to more than 256 MB" in response.text
    assert time.perf_counter() - started < 5
