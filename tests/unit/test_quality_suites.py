"""Suites as code: one per dataset, every check with a dimension and severity; small rules."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.ingest.contract import load_contracts
from orchestration.quality.acceptance import find_acceptance, load_accepted_failures
from orchestration.quality.cross_checks import sql_expected_year_group, sql_year_group_number
from orchestration.quality.reports import _format_advice, sparkline
from orchestration.quality.spec import DIMENSIONS, Check
from orchestration.quality.suites import (
    DatasetRules,
    _apply_overrides,
    build_checks,
    expectations_dir,
)


@pytest.fixture(scope="module")
def contracts():
    return load_contracts()


def test_every_contract_has_its_suite_module_and_no_module_is_orphaned(contracts):
    modules = {p.stem for p in expectations_dir().glob("*.py")}
    assert modules == set(contracts)


def test_every_suite_builds_with_dimension_severity_and_advice(contracts):
    seen_dimensions = set()
    for table, contract in contracts.items():
        checks = build_checks(contract, contracts)
        assert checks, table
        for check in checks:
            assert check.dimension in DIMENSIONS
            assert check.severity in ("error", "warning")
            assert check.advice and check.description
            seen_dimensions.add(check.dimension)
        # Every dataset's key is checked for uniqueness, and blocks when repeated.
        unique = [c for c in checks if c.name == "primary_key_unique"]
        assert unique and unique[0].severity == "error", table
    assert seen_dimensions == set(DIMENSIONS)


def test_identifier_columns_get_the_validity_rule_for_their_kind(contracts):
    names = {c.name for c in build_checks(contracts["nhs__child_health"], contracts)}
    assert {
        "nhs_number_check_digit",
        "nhs_number_check_digit__blocking",
        "postcode_format",
    } <= names
    census = {
        c.name for c in build_checks(contracts["council_education__school_census"], contracts)
    }
    assert {
        "UPN_check_letter",
        "year_group_matches_age",
        "child_known_to_child_health",
        "PostCode_in_gazetteer",
        "DOB_plausible",
        "extract_interval_on_schedule",
    } <= census
    dwp = {c.name for c in build_checks(contracts["dwp__out_of_work_benefits"], contracts)}
    assert "NINO_format" in dwp


def test_each_warning_has_a_looser_blocking_twin():
    check = Check("x_complete", "not_null", "completeness", "warning", "d", "a", ("x",))
    from orchestration.quality.suites import _with_blocking_tier

    warning, error = _with_blocking_tier(check, 0.8)
    assert (warning.severity, warning.mostly) == ("warning", 1.0)
    assert (error.name, error.severity, error.mostly) == ("x_complete__blocking", "error", 0.8)


def test_overrides_must_name_existing_checks():
    check = Check("a", "not_null", "completeness", "warning", "d", "a", ("x",))
    changed = _apply_overrides([check], {"a": {"severity": "error"}})
    assert changed[0].severity == "error"
    with pytest.raises(ValueError, match="do not exist"):
        _apply_overrides([check], {"b": {"mostly": 0.5}})


def test_checks_refuse_unknown_dimensions_and_flags_without_sql():
    with pytest.raises(ValueError, match="dimension"):
        Check("a", "not_null", "freshness", "warning", "d", "a", ("x",))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="SQL"):
        Check("a", "flag", "validity", "warning", "d", "a")


def test_dataset_rules_carry_the_population_age_range():
    rules = DatasetRules(dob_age_range=(2, 20))
    assert rules.dob_age_range == (2, 20)


@pytest.mark.parametrize(
    "dob,extract,expected",
    [
        ("2005-03-10", "2014-12-19", 5),  # 9 on 31 Aug 2014: Year 5
        ("2008-10-01", "2014-12-19", 1),
        ("2009-12-01", "2014-12-19", 0),  # Reception
        ("2005-08-31", "2015-07-17", 5),  # summer-born, summer term: still 2014/15
        ("2005-09-01", "2015-12-18", 5),  # September-born is oldest in the year
    ],
)
def test_expected_year_group_follows_age_on_31_august(dob, extract, expected):
    con = duckdb.connect()
    sql = sql_expected_year_group(f"date '{dob}'").replace("_extract_date", f"date '{extract}'")
    assert con.execute(f"select {sql}").fetchone()[0] == expected


@pytest.mark.parametrize(
    "recorded,number", [("R", 0), ("5", 5), ("Y7", 7), ("Year 11", 11), ("N2", -1), ("x", None)]
)
def test_year_group_codes_read_as_numbers(recorded, number):
    con = duckdb.connect()
    sql = sql_year_group_number("v")
    assert con.execute(f"select {sql} from (select ? as v)", [recorded]).fetchone()[0] == number


def test_accepted_failures_need_who_and_why(tmp_path):
    path = tmp_path / "accepted.yml"
    path.write_text(
        "accepted_failures:\n"
        "  - dataset: police/offences\n    check: c__blocking\n    extract_date: 2016-03-31\n"
        "    accepted_by: Head of Information\n    reason: agreed\n"
    )
    accepted = load_accepted_failures(path)
    assert find_acceptance(accepted, "police__offences", "c__blocking", dt.date(2016, 3, 31))
    assert not find_acceptance(accepted, "police__offences", "c__blocking", dt.date(2016, 4, 30))
    path.write_text(
        "accepted_failures:\n  - dataset: police/offences\n    check: c\n"
        "    extract_date: 2016-03-31\n"
    )
    with pytest.raises(ValueError, match="entry 1 lacks accepted_by, reason"):
        load_accepted_failures(path)


def test_the_shipped_acceptance_file_is_valid():
    assert isinstance(load_accepted_failures(), list)


def test_advice_is_filled_with_counts_and_field_names_only():
    text = _format_advice("{percent} of records ({count}) lack '{field}'", "DOB", 41, 1000)
    assert text == "4.1% of records (41) lack 'DOB'"


def test_sparkline_needs_two_points_and_draws_one_line():
    assert sparkline([99.0]) == ""
    svg = sparkline([99.0, 95.5, 100.0])
    assert svg.startswith("<svg") and svg.count("<polyline") == 1


def test_partially_held_identifiers_are_reported_but_never_block(contracts):
    checks = {c.name: c for c in build_checks(contracts["nhs__substance_misuse"], contracts)}
    assert checks["nhs_number_complete"].severity == "warning"
    assert "nhs_number_complete__blocking" not in checks
    # A field every record should carry keeps its blocking twin.
    assert checks["postcode_complete__blocking"].severity == "error"


def test_a_pending_offence_outcome_is_not_a_completeness_fault(contracts):
    names = {c.name for c in build_checks(contracts["police__offences"], contracts)}
    assert not {n for n in names if n.startswith("OUTCOME_CODE_complete")}
    assert "OUTCOME_CODE_in_code_list" in names  # the values present are still checked


def test_blocking_twins_are_not_judged_on_a_handful_of_rows():
    from orchestration.quality.suites import BLOCKING_MIN_ROWS
    from orchestration.quality.validate import _outcome_from_counts

    warning = Check(
        name="DOB_complete",
        kind="not_null",
        dimension="completeness",
        severity="warning",
        description="d",
        advice="a",
        columns=("DOB",),
    )
    blocking = Check(
        **{
            **warning.__dict__,
            "name": "DOB_complete__blocking",
            "severity": "error",
            "mostly": 0.2,
            "min_rows": BLOCKING_MIN_ROWS,
        }
    )
    checks = [warning, blocking]

    def outcome(rows: int, missing: int):
        counts = {
            c.name: {
                "element_count": rows,
                "unexpected_count": missing,
                "missing_count": 0,
                "example_rows": [],
            }
            for c in checks
        }
        result = _outcome_from_counts(
            "t", "L1", dt.date(2016, 1, 1), checks, checks, counts, None, [], 0.0
        )
        return {r.check.name: r.status for r in result.results}

    # One record with no date of birth in a quiet month: warned, not judged as a rate.
    assert outcome(1, 1) == {"DOB_complete": "failed", "DOB_complete__blocking": "skipped"}
    # The same fault across a real extract blocks.
    assert outcome(40, 40) == {"DOB_complete": "failed", "DOB_complete__blocking": "failed"}


def test_a_blocking_twin_is_judged_from_its_warnings_counts_not_measured_again(contracts):
    from orchestration.quality.validate import _outcome_from_counts, measured_checks

    checks = build_checks(contracts["dwp__out_of_work_benefits"], contracts)
    measured, source = measured_checks(checks)
    twins = [c for c in checks if c.name.endswith("__blocking")]
    assert twins and not any(c.name.endswith("__blocking") for c in measured)
    assert all(source[t.name] == t.name.removesuffix("__blocking") for t in twins)
    assert all(source[c.name] == c.name for c in measured)
    # Counts exist for the warning only; its twin gets a verdict of its own from them.
    warning = next(c for c in measured if c.name == "NINO_format")
    blocking = next(c for c in twins if c.name == "NINO_format__blocking")
    counts = {
        "NINO_format": {
            "element_count": 10,
            "unexpected_count": 3,
            "missing_count": 0,
            "example_rows": [2, 5, 7],
        }
    }
    outcome = _outcome_from_counts(
        "t",
        "L1",
        dt.date(2016, 1, 1),
        [warning, blocking],
        [warning, blocking],
        counts,
        None,
        [],
        0.0,
        source,
    )
    statuses = {r.check.name: (r.status, r.unexpected_count) for r in outcome.results}
    # 30% invalid: the warning fails; over the 20% tolerance, so the error tier fails too.
    assert statuses == {"NINO_format": ("failed", 3), "NINO_format__blocking": ("failed", 3)}
    counts["NINO_format"]["unexpected_count"] = 1
    outcome = _outcome_from_counts(
        "t",
        "L1",
        dt.date(2016, 1, 1),
        [warning, blocking],
        [warning, blocking],
        counts,
        None,
        [],
        0.0,
        source,
    )
    assert {r.check.name: r.status for r in outcome.results} == {
        "NINO_format": "failed",
        "NINO_format__blocking": "passed",
    }


def test_a_delta_looks_for_a_second_reference_in_earlier_extracts_too(contracts):
    """A delta's earlier records are in earlier extracts; a snapshot holds everyone at once."""
    by_table = {
        table: next(
            (c for c in build_checks(contract, contracts) if c.name == "person_held_once"), None
        )
        for table, contract in contracts.items()
    }
    for table in ("council_education__attendance", "nhs__ae_attendances", "police__offences"):
        assert by_table[table].history and "_load_id" not in by_table[table].sql, table
    for table in ("council_education__school_census", "nhs__child_health"):
        assert not by_table[table].history and "_load_id" in by_table[table].sql, table
    # Sources keeping the whole name in one field are checked too.
    for table in ("police__domestic_abuse", "council_social_care__referrals"):
        assert by_table[table] is not None, table


def test_a_whole_name_in_one_field_matches_in_either_order():
    from orchestration.quality.references import sql_full_name_key

    con = duckdb.connect()
    keys = con.execute(
        f"select {sql_full_name_key('n')} from (values ('SMITH, John'), ('John  Smith'), "
        "('John-Paul Smith'), (''), (null)) t(n)"
    ).fetchall()
    assert keys == [("JOHN SMITH",), ("JOHN SMITH",), ("JOHN PAUL SMITH",), (None,), (None,)]
