"""Readers answer from the published night, never the warehouse: `families review list`
and `families explain` while a writer holds the warehouse, and a clear message (no
traceback) when nothing has been published."""

from __future__ import annotations

import json

import duckdb

from orchestration import published
from orchestration.cli import main
from orchestration.linkage.review import ensure_review_tables


def _night_with_a_queued_pair(data_dir) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    ensure_review_tables(con)
    con.execute(
        "insert into linkage.review_queue values "
        "('a:1', 'b:2', 0.5, 0.1, '{\"surname\": \"exact\"}', timestamp '2026-01-01', 'r1')"
    )
    con.execute("create schema marts; create table marts.families as select 'FAM-1' as family_id")
    published.publish(con)
    return con


def test_review_list_reads_the_published_night_while_the_writer_holds_the_warehouse(
    data_dir, capsys
):
    writer = _night_with_a_queued_pair(data_dir)
    writer.execute("delete from linkage.review_queue")  # the next night is under way
    try:
        assert main(["review", "list"]) == 0
    finally:
        writer.close()
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["record_id_l"] == "a:1"


def test_readers_say_what_to_run_when_nothing_is_published(data_dir, capsys):
    assert main(["review", "list"]) == 2
    assert main(["explain", "FAM-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("run the nightly job (families nightly) first") == 2
    assert "Traceback" not in err
