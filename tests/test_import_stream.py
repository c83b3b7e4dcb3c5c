"""A folder too big to hold (issue 13): check_folder finds exactly read_folder's errors keeping only the big files'
ids, its batches are read_folder's records, and the CLI import written a chunk at a time stores the same graph on
both stores; a big file that changes between the check and the write is refused before any of it is written."""

from __future__ import annotations

import os

import pytest

import graphcrm.importer as importer
from graphcrm.errors import ImportFailed, ImportInterrupted
from graphcrm.exporter import write_folder
from graphcrm.generator import generate
from graphcrm.importer import check_folder, read_folder
from graphcrm.model import KnownIds, Records

from test_import import BAD_CASES, GOOD, _cli, folder

#: Problems in the big (streamed) files beyond BAD_CASES: where a check keeps only ids, these are the hard ones.
STREAMED_CASES = {
    "repeated interaction": {"interactions.csv": GOOD["interactions.csv"] + "I1,C2,S1,contact,2025-03-01,,,,,\n"},
    "repeated need, twice": {"needs.csv": "id,client,detected\nN1,C1,2025-01-01\nN2,C1,2025-01-01\nN1,C2,2025-01-02\n"
                                          "N2,C9,2025-01-03\n"},
    "unknown staff in a list": {"interactions.csv": "id,client,staff,kind,at\nI1,C1,S1;S9;S8,contact,2025-01-01\n"},
    "unknown stage": {"interactions.csv": "id,client,kind,at,stage\nI1,C1,handover,2025-01-01,sales\n"},
    "bytes that do not decode mid-file": {"interactions.csv": b"id,client,kind,at,summary\nI1,C1,contact,2025-01-01,ok\n"
                                                              b"I2,C1,contact,2025-01-01,caf\xe9\nI3,C9,contact,2025-01-01,x\n"},
    "malformed CSV": {"interactions.csv": 'id,client,kind,at,summary\nI1,C1,contact,2025-01-01,"ok"x\n'},
    "bad header": {"interactions.csv": "id,client,kind,at,mood\nI1,C1,contact,2025-01-01,happy\n"},
    "a bad row in a small file too": {"clients.csv": "id,grade\nC1,Q\n"},
    "blank lines and short rows": {"needs.csv": "id,client,detected\n\nN1,C1,2025-01-01\n,,\nN2,C1\n"},
}


def _errors(read, path, known=None) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read(path, known)
    return sorted(str(e) for e in caught.value.errors)


@pytest.mark.parametrize("case", sorted(BAD_CASES) + sorted(STREAMED_CASES))
def test_the_streaming_check_reports_exactly_what_reading_whole_reports(case, tmp_path):
    changes = BAD_CASES[case][0] if case in BAD_CASES else STREAMED_CASES[case]
    path = folder(tmp_path, **changes)
    whole = _errors(read_folder, path)
    assert whole, "the case must be a bad folder"
    assert _errors(check_folder, path) == whole


def test_a_repeated_identity_names_the_line_it_first_came_on(tmp_path):
    path = folder(tmp_path, **STREAMED_CASES["repeated need, twice"])
    assert _errors(check_folder, path) == [
        f"{path}/needs.csv:4: id: duplicate identity (N1) (first at line 2)",
        f"{path}/needs.csv:5: id: duplicate identity (N2) (first at line 3)",
    ]


def test_references_to_stored_records_are_accepted_by_the_streaming_check(tmp_path):
    only_needs = tmp_path / "more"
    only_needs.mkdir()
    (only_needs / "needs.csv").write_text("id,client,detected,staff\nN2,C2,2025-04-01,S2\n", encoding="utf-8")
    assert "unknown client 'C2'" in " ".join(_errors(check_folder, only_needs))
    checked = check_folder(only_needs, KnownIds(clients={"C2"}, staff={"S2"}))
    assert [n.id for batch in checked.batches() for n in batch.needs] == ["N2"]


@pytest.mark.parametrize("size", [1, 7, 10_000])
def test_the_batches_are_the_records_read_whole(tmp_path, size):
    write_folder(generate("S", 3), tmp_path / "org")
    whole = read_folder(tmp_path / "org")
    checked = check_folder(tmp_path / "org")
    together, batches = Records(), 0
    for batch in checked.batches(size):
        batches += 1
        for kind, items in batch.kinds():
            assert len(items) <= size or kind not in importer.STREAMED
            getattr(together, kind).extend(items)
    assert together.canonical() == whole.canonical()
    assert checked.rows == len(whole)
    big = sum(len(getattr(whole, kind)) for kind in importer.STREAMED)
    assert batches == 1 + sum(-(-len(getattr(whole, k)) // size) for k in importer.STREAMED if getattr(whole, k))
    assert big > 0


def test_a_big_file_changed_between_the_check_and_the_write_is_refused_before_any_of_it_is_read(tmp_path):
    path = folder(tmp_path)
    checked = check_folder(path)
    target = path / "interactions.csv"
    target.write_text(GOOD["interactions.csv"] + "I3,C9,S1,contact,2025-03-01,,,,,\n", encoding="utf-8")
    batches = checked.batches()
    assert next(batches).clients                     # the small files were checked whole and are held
    with pytest.raises(ImportInterrupted) as caught:
        next(batches)
    assert str(caught.value).startswith(f"{path}/interactions.csv changed after it was checked, so none of it was written")


def test_a_big_file_touched_but_equal_in_size_is_refused_too(tmp_path):
    path = folder(tmp_path)
    checked = check_folder(path)
    target = path / "needs.csv"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ImportInterrupted):
        list(checked.batches())


@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_the_cli_import_in_small_chunks_stores_the_same_graph_on_both_stores(kind, tmp_path, monkeypatch, request):
    """Chunks of 50 records: the interactions of size S cross many chunks; a re-import changes nothing."""
    from click.testing import CliRunner

    from graphcrm.cli import cli
    from graphcrm.stores import open_store

    monkeypatch.setattr(importer, "CHUNK_ROWS", 50)
    records = generate("S", 5)
    write_folder(records, tmp_path / "org")
    if kind == "neo4j":
        settings = request.getfixturevalue("neo4j_settings")
        request.getfixturevalue("neo4j_store")                      # emptied for this test
        url, env = settings["uri"], {"NEO4J_USER": settings["user"], "NEO4J_PASSWORD": settings["password"]}
    else:
        url, env = f"sqlite:///{tmp_path / 'g.db'}", {}
    runner = CliRunner()
    first = runner.invoke(cli, ["--store", url, "import", str(tmp_path / "org")], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert f"interactions: {len(records.interactions)} new, 0 changed, 0 unchanged" in first.output
    store = open_store(url, **({"user": env["NEO4J_USER"], "password": env["NEO4J_PASSWORD"]} if env else {}))
    try:
        assert store.read_all().canonical() == records.canonical()
    finally:
        store.close()
    again = runner.invoke(cli, ["--store", url, "import", str(tmp_path / "org")], env=env, catch_exceptions=False)
    assert again.exit_code == 0 and "nothing changed (" in again.output, again.output


def test_the_cli_refuses_a_bad_big_file_and_creates_no_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    path = folder(tmp_path, **STREAMED_CASES["repeated interaction"])
    result = _cli("--store", url, "import", str(path))
    assert result.returncode == 3
    assert "interactions.csv:4: id: duplicate identity (I1) (first at line 2)" in result.stderr
    assert list(tmp_path.glob("fresh.db*")) == []


def test_a_big_file_changed_while_it_is_being_written_stops_the_import_and_says_what_stays(tmp_path):
    path = folder(tmp_path, interactions_csv=GOOD["interactions.csv"] + "I3,C2,S1,contact,2025-03-01,,,,,\n")
    checked = check_folder(path)
    batches = checked.batches(1)
    next(batches)                                     # the small files
    assert [i.id for i in next(batches).interactions] == ["I1"]
    (path / "interactions.csv").write_text("id,client,kind,at\n", encoding="utf-8")   # truncated under the reader
    with pytest.raises(ImportInterrupted) as caught:
        list(batches)
    assert "interactions.csv changed while it was being written" in str(caught.value)
    assert "what came before was written and stays" in str(caught.value)


def test_prefetched_keeps_order_hands_on_errors_and_stops_its_thread_when_the_consumer_stops():
    import threading

    from graphcrm.bulk import prefetched

    assert list(prefetched(iter(range(1000)), depth=3)) == list(range(1000))

    def failing():
        yield 1
        raise ValueError("bad chunk")

    got = []
    with pytest.raises(ValueError, match="bad chunk"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [1]

    made = []

    def endless():
        n = 0
        while True:
            made.append(n)
            yield n
            n += 1

    for item in prefetched(endless(), depth=2):
        if item == 5:
            break
    assert not [t for t in threading.enumerate() if t.name == "prefetch"]
    assert len(made) <= 5 + 1 + 2 + 1                    # read ahead by at most its depth


def _interaction_indexes(store) -> set[str]:
    import sqlite3

    db = sqlite3.connect(store.path)
    try:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                                                "tbl_name = 'interaction' AND sql IS NOT NULL")}
    finally:
        db.close()


def test_the_embedded_bulk_series_builds_the_interaction_indexes_once_at_the_end_even_when_it_fails(embedded_store):
    records = generate("S", 2)
    before = _interaction_indexes(embedded_store)
    assert len(before) == 3
    with pytest.raises(RuntimeError, match="stopped"):
        with embedded_store.bulk():
            assert _interaction_indexes(embedded_store) == set()        # a first import: put off to the end
            embedded_store.write(records)
            raise RuntimeError("stopped")
    assert _interaction_indexes(embedded_store) == before
    assert embedded_store.read_all().canonical() == records.canonical()
    with embedded_store.bulk():                                       # interactions stored: nothing put off
        assert _interaction_indexes(embedded_store) == before


def test_an_import_stopped_inside_the_bulk_series_gets_its_indexes_back_on_the_next_open(tmp_path):
    from graphcrm.stores import open_store

    url = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(url)
    store._drop_interaction_indexes()                                 # as a process killed inside bulk() leaves it
    store.close()
    again = open_store(url)
    try:
        assert len(_interaction_indexes(again)) == 3
    finally:
        again.close()
