"""No source missing in silence: the nightly job run without a required source finishes with
a failed check naming it, and the eligible list marks the criteria it could not assess.

Also: the raw sources dbt reads (and int_source_coverage expects) are the contracts', with
the contracts' extract intervals.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.families import project
from orchestration.ingest.contract import load_contracts
from orchestration.quality.freshness import SOURCE_COVERAGE_KEY, coverage_result

MISSING = "police/offences"  # feeds 1A (criterion 1: crime)


def test_dbt_raw_sources_are_the_contracts_with_their_extract_intervals():
    sources = yaml.safe_load((project.PROJECT_DIR / "models/staging/_sources.yml").read_text())
    raw = next(source for source in sources["sources"] if source["name"] == "raw")
    declared = {t["name"]: t["meta"]["max_days_between_extracts"] for t in raw["tables"]}
    expected = {
        key.replace("/", "__"): contract.extract.max_days_between_extracts
        for key, contract in load_contracts().items()
    }
    assert declared == expected


def test_check_result_names_missing_and_overdue_sources():
    result = coverage_result(
        [
            {
                "source_dataset": "police__offences",
                "coverage_status": "missing",
                "latest_extract_on": None,
                "newest_extract_on": "2016-07-20",
                "max_days_between_extracts": 40,
            },
            {
                "source_dataset": "dwp__out_of_work_benefits",
                "coverage_status": "overdue",
                "latest_extract_on": "2016-03-31",
                "newest_extract_on": "2016-07-20",
                "max_days_between_extracts": 100,
            },
        ]
    )
    assert not result.passed
    assert "never arrived: police__offences" in result.description
    assert "overdue: dwp__out_of_work_benefits (latest extract 2016-03-31" in result.description
    assert coverage_result([]).passed


@pytest.mark.slow
def test_nightly_without_a_required_source_fails_a_check_naming_it(small_city_dir, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(small_city_dir / "landing", data_dir / "landing")
    shutil.rmtree(data_dir / "landing" / MISSING)
    dagster_home = tmp_path / "dagster_home"
    env = {
        **os.environ,
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(dagster_home),
    }
    run = subprocess.run(
        [str(Path(sys.executable).parent / "families"), "nightly"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    # A failed check is reported, not a failed night: everything else still runs.
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    check_key = dg.AssetCheckKey(SOURCE_COVERAGE_KEY, "every_expected_source_arrived_on_time")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([check_key])
    record = latest[check_key]
    assert record.status.value == "FAILED"
    evaluation = record.event.dagster_event.event_specific_data
    assert "never arrived: police__offences" in evaluation.description

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        marks = con.execute(
            "select distinct criteria_not_assessed, unavailable_sources "
            "from marts.eligible_families where not has_criterion_1"
        ).fetchall()
        not_assessed = con.execute(
            "select count(*) from marts.family_criteria "
            "where criterion_code = 1 and not is_met and not is_assessed "
            "and reason like 'not assessed: no current extract from %police__offences%'"
        ).fetchone()[0]
        silently_not_met = con.execute(
            "select count(*) from marts.family_criteria "
            "where criterion_code = 1 and not is_met and is_assessed"
        ).fetchone()[0]
    assert marks and all(1 in criteria for criteria, _ in marks), marks
    assert all("police__offences" in sources for _, sources in marks), marks
    assert not_assessed > 0 and silently_not_met == 0
