"""The hard-case classes accuracy is reported by: built from the truth and the gazetteer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.families.case_classes import create_case_classes

AS_AT = dt.date(2016, 6, 30)


def _files(tmp_path: Path) -> tuple[Path, Path]:
    truth = tmp_path / "truth"
    truth.mkdir()
    db = tmp_path / "wh.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema raw")
        # 10 is an HMO, 20 a flat in block 2, 30 a house.
        con.execute(
            "create table raw.council_gis__gazetteer as select * from (values "
            "(10, null, 'RH02'), (20, 2, 'RD06'), (30, null, 'RD04'), (2, null, 'PP')) "
            't("UPRN", "PARENT_UPRN", "CLASSIFICATION_CODE")'
        )
    with duckdb.connect() as con:
        # Households: 1 (family) and 2 (lodger) at HMO 10; 3 (family) at flat 20 whose
        # father lives in household 4 at house 30 and gives criterion 5.
        con.execute(
            "copy (select * from (values "
            "(date '2016-06-30', 1, 10, null), (date '2016-06-30', 2, 10, null), "
            "(date '2016-06-30', 3, 20, 'crit_5'), (date '2016-06-30', 4, 30, null)) "
            "t(as_at_date, household_id, uprn, absent_parent_criterion)) "
            f"to '{truth / 'family_truth.parquet'}' (format parquet)"
        )
        con.execute(
            "copy (select person_id, household_id, timestamp '2015-01-01' as from_date, "
            "cast(null as timestamp) as to_date from (values (100, 1), (101, 2), (102, 3), "
            f"(103, 4)) t(person_id, household_id)) to '{truth / 'residences.parquet'}' "
            "(format parquet)"
        )
        con.execute(
            "copy (select * from (values "
            "(100, date '1980-01-01', null, null), (101, date '1990-01-01', null, null), "
            "(102, date '2008-01-01', null, 103), (103, date '1979-01-01', null, null)) "
            "t(person_id, dob, mother_id, father_id)) "
            f"to '{truth / 'persons.parquet'}' (format parquet)"
        )
    return db, truth


def test_case_classes_from_truth_and_gazetteer(tmp_path):
    db, truth = _files(tmp_path)
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as wh (read_only)")
        assert create_case_classes(con, truth, AS_AT)
        classes = set(con.execute("select uprn, case_class from case_classes").fetchall())
    assert classes == {
        ("10", "shared_uprn"),
        ("10", "house_in_multiple_occupation"),
        ("20", "flat_in_a_block"),
        ("20", "separated_parents"),
        ("20", "absent_parent_problem"),
        ("30", "ordinary"),
    }


def test_no_classes_without_parents_in_the_truth(tmp_path):
    db, truth = _files(tmp_path)
    (truth / "persons.parquet").unlink()
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as wh (read_only)")
        assert not create_case_classes(con, truth, AS_AT)
