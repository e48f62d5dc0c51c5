"""The published night: readers see the last good night, never a half-built one."""

from __future__ import annotations

import duckdb
import pytest

from orchestration import published


def _warehouse(path, families: int):
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema linkage; create schema raw")
    con.execute(
        "create table marts.families as select 'FAM-' || i as family_id from range(?) t(i)",
        [families],
    )
    con.execute("create table linkage.review_queue as select 1 as record_id_l, 2 as record_id_r")
    con.execute("create table linkage.person_index as select 1 as person_id")
    con.execute("create table raw.secret as select 'x' as name")
    return con


def test_reader_sees_published_tables_only_and_counts(tmp_path):
    con = _warehouse(tmp_path / "w.duckdb", 3)
    night = published.publish(con, tmp_path / "pub")
    assert night.tables == {"linkage.review_queue": 1, "marts.families": 3}
    with published.open_published(tmp_path / "pub") as reader:
        assert reader.execute("select count(*) from marts.families").fetchone()[0] == 3
        with pytest.raises(duckdb.CatalogException):
            reader.execute("select * from raw.secret")
        with pytest.raises(duckdb.CatalogException):
            reader.execute("select * from linkage.person_index")


def test_reader_is_not_blocked_by_the_writer_and_sees_the_new_night_after_swap(tmp_path):
    con = _warehouse(tmp_path / "w.duckdb", 3)
    published.publish(con, tmp_path / "pub")
    reader = published.open_published(tmp_path / "pub")
    con.execute("insert into marts.families values ('FAM-new')")  # the night writes on
    assert reader.execute("select count(*) from marts.families").fetchone()[0] == 3
    published.publish(con, tmp_path / "pub")
    # the open reader keeps its night; a new reader gets the new one
    assert reader.execute("select count(*) from marts.families").fetchone()[0] == 3
    with published.open_published(tmp_path / "pub") as fresh:
        assert fresh.execute("select count(*) from marts.families").fetchone()[0] == 4


def test_old_nights_are_pruned_and_partial_files_removed(tmp_path):
    con = _warehouse(tmp_path / "w.duckdb", 1)
    root = tmp_path / "pub"
    root.mkdir()
    (root / "night-killed.duckdb.partial").write_bytes(b"half")
    for _ in range(5):
        published.publish(con, root)
    assert len(list(root.glob("night-*.duckdb"))) == 1 + published.KEEP_PREVIOUS
    assert not list(root.glob("*.partial"))


def test_nothing_published_says_what_to_run(tmp_path):
    with pytest.raises(published.NothingPublishedError, match="families nightly"):
        published.open_published(tmp_path / "none")
