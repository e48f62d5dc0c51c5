"""Eligibility accuracy against truth: counts, precision/recall and the report file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.families.evaluation import _scores, evaluate_eligibility

AS_AT = dt.date(2016, 7, 20)


def _warehouse(path: Path, families: list[tuple[str, bool, list[bool], list[bool]]]) -> None:
    """families: (uprn, is_eligible, six shipped flags, six flags met through an absent parent)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_run_parameters as "
            "select date '2016-07-20' as as_at_date, 'FF2015' as rule_set_version"
        )
        flags = ", ".join(f"has_criterion_{n} boolean" for n in range(1, 7))
        con.execute(
            f"create table intermediate.int_family_eligibility "
            f"(family_id varchar, uprn varchar, is_eligible boolean, {flags})"
        )
        con.execute(
            "create table intermediate.int_family_criteria (family_id varchar, "
            "criterion_code integer, is_met boolean, is_met_by_absent_parent boolean)"
        )
        for uprn, eligible, met, by_absent in families:
            con.execute(
                "insert into intermediate.int_family_eligibility "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [f"FAM-{uprn}", uprn, eligible, *met],
            )
            for n in range(6):
                con.execute(
                    "insert into intermediate.int_family_criteria values (?, ?, ?, ?)",
                    [f"FAM-{uprn}", n + 1, met[n], by_absent[n]],
                )


def _truth(
    folder: Path,
    rows: list[tuple[int, bool, bool, list[bool]] | tuple[int, bool, bool, list[bool], str]],
) -> Path:
    """rows: (uprn, is_family, is_eligible, six flags[, the criterion an absent parent gave])."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        values = ", ".join(
            f"(date '{AS_AT}', {i}, {row[0]}, {row[1]}, {row[2]}, "
            + ", ".join(str(f).lower() for f in row[3])
            + (f", '{row[4]}')" if len(row) > 4 else ", null)")
            for i, row in enumerate(rows)
        )
        crits = ", ".join(f"crit_{n}" for n in range(1, 7))
        con.execute(
            f"copy (select * from (values {values}) as t(as_at_date, household_id, uprn, "
            f"is_family, is_eligible, {crits}, absent_parent_criterion)) "
            f"to '{folder / 'family_truth.parquet'}' (format parquet)"
        )
    return folder


NO = [False] * 6


def test_scores_handle_empty_denominators():
    assert _scores(0, 0, 0)["precision"] is None
    assert _scores(3, 1, 0) | {} == {
        "true_positives": 3,
        "false_positives": 1,
        "false_negatives": 0,
        "precision": 0.75,
        "recall": 1.0,
        "f1": 0.8571,
    }


def test_eligibility_and_criteria_are_scored_by_uprn(tmp_path):
    db = tmp_path / "wh.duckdb"
    crit12 = [True, True, False, False, False, False]
    _warehouse(
        db,
        [
            ("1", True, crit12, NO),  # true positive
            ("2", True, [True, False, False, False, True, False], NO),  # false positive
            ("3", False, [True, False, False, False, False, False], NO),  # true negative
            # Criterion 5 met only through an absent parent: shipped, not member-only.
            ("5", True, [False, True, False, False, True, False], [False] * 4 + [True, False]),
        ],
    )
    truth = _truth(
        tmp_path / "truth",
        [
            # Truth's absent parent gives criterion 3, which the platform misses.
            (1, True, True, [True, True, True, False, False, False], "crit_3"),
            (2, True, False, [True] + [False] * 5),
            (3, True, False, [True] + [False] * 5),
            (4, True, True, crit12),  # missed family: false negative
            (5, True, False, [False, True, False, False, False, False]),
        ],
    )
    report = evaluate_eligibility(db, truth, tmp_path / "reports")
    eligibility = report["overall"]["eligibility"]
    assert (eligibility["true_positives"], eligibility["false_positives"]) == (1, 2)
    assert eligibility["false_negatives"] == 1
    assert report["per_criterion"]["crit_1"]["recall"] == 0.75  # 3 of 4
    # Shipped flags against the programme's truth, absent parents counted both sides.
    assert report["per_criterion"]["crit_5"]["false_positives"] == 2  # families 2 and 5
    assert report["per_criterion"]["crit_3"]["false_negatives"] == 1  # family 1
    # Members only, both sides: family 5's absent parent and family 1's drop out.
    assert report["per_criterion_members_only"]["crit_5"]["false_positives"] == 1
    assert report["per_criterion_members_only"]["crit_3"]["false_negatives"] == 0
    written = json.loads((tmp_path / "reports" / "accuracy.json").read_text())
    assert written["as_at_date"] == "2016-07-20" and written["matched_on"] == "uprn"


def test_a_warehouse_built_for_another_date_is_refused(tmp_path):
    db = tmp_path / "wh.duckdb"
    _warehouse(db, [("1", False, NO, NO)])
    truth = tmp_path / "truth"
    truth.mkdir()
    with duckdb.connect() as con:
        con.execute(
            "copy (select date '2015-07-22' as as_at_date, 1 as uprn, true as is_family, "
            "false as is_eligible, false as crit_1, false as crit_2, false as crit_3, "
            "false as crit_4, false as crit_5, false as crit_6, "
            "cast(null as varchar) as absent_parent_criterion) "
            f"to '{truth / 'family_truth.parquet'}' (format parquet)"
        )
    with pytest.raises(ValueError, match="2015-07-22"):
        evaluate_eligibility(db, truth, tmp_path / "reports")


def test_a_truth_written_before_the_absent_parent_rule_is_refused(tmp_path):
    db = tmp_path / "wh.duckdb"
    _warehouse(db, [("1", False, NO, NO)])
    truth = tmp_path / "truth"
    truth.mkdir()
    with duckdb.connect() as con:
        con.execute(
            "copy (select date '2016-07-20' as as_at_date, 1 as uprn, true as is_family, "
            "false as is_eligible, false as crit_1, false as crit_2, false as crit_3, "
            "false as crit_4, false as crit_5, false as crit_6) "
            f"to '{truth / 'family_truth.parquet'}' (format parquet)"
        )
    with pytest.raises(ValueError, match="regenerate the city"):
        evaluate_eligibility(db, truth, tmp_path / "reports")
