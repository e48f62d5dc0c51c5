"""As-at dates and rule sets are checked before dbt runs, with a message a person can act on."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.families.run_parameters import (
    InvalidRunParameters,
    known_rule_sets,
    validate_run_parameters,
)

TODAY = dt.date(2026, 12, 4)


@pytest.mark.parametrize(
    ("as_at", "problem"),
    [
        ("2017-3-31", "is not of the form YYYY-MM-DD"),
        ("31/03/2017", "is not of the form YYYY-MM-DD"),
        ("2017-03-31\n", "is not of the form YYYY-MM-DD"),
        ("2017-02-30", "is not a date"),
        ("2027-01-01", "is in the future (today is 2026-12-04)"),
    ],
)
def test_bad_as_at_dates_are_refused_with_the_reason(as_at, problem):
    with pytest.raises(InvalidRunParameters, match=problem.replace("(", r"\(").replace(")", r"\)")):
        validate_run_parameters(as_at, None, today=TODAY)


def test_unknown_rule_set_names_the_known_ones():
    with pytest.raises(InvalidRunParameters, match="'FF2051' is not one of FF2015, SFOF2022"):
        validate_run_parameters(None, "FF2051", today=TODAY)


def test_good_parameters_and_defaults_pass():
    assert known_rule_sets() == ["FF2015", "SFOF2022"]
    validate_run_parameters("2017-03-31", "SFOF2022", today=TODAY)
    validate_run_parameters("1990-01-01", None, today=TODAY)
    validate_run_parameters(None, None, today=TODAY)


def test_families_eligibility_stops_before_dbt_on_a_malformed_date(capsys, monkeypatch):
    from orchestration.cli import main
    from orchestration.families import project

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt must not run on a malformed date")

    monkeypatch.setattr(project, "run_dbt", no_dbt)
    assert main(["eligibility", "--as-at", "2017-13-45"]) == 2
    assert "as-at date '2017-13-45' is not a date" in capsys.readouterr().err
