"""Every kind of error planted in the demo city is caught by the check meant for it.

The demo city (2,000 households, the demo seed) is generated, loaded by the real loader,
validated by the real suites and scored against truth by `evaluation.evaluate`, which maps
each planted kind to its check (`FAULT_CHECKS`). One test per kind: it fails if that check
stops catching the kind, or if the kind is no longer planted where a check can see it.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pytest

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import load_dataset
from orchestration.quality.evaluation import (
    FAULT_CHECKS,
    FORMATTING_ONLY,
    QUARANTINED_FAULTS,
    evaluate,
)
from orchestration.quality.validate import validate_all

DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 20150901

# Share of the records carrying each kind that its check must flag, over every dataset that
# has the check. Below 1 only where an exact comparison cannot see every case, as measured
# on this city: a duplicate whose pair lacks a birth date or was keyed differently; a stale
# address in a pupil's record when child health's own snapshot is stale too.
RECALL = {
    "dob_missing": 1.0,
    "postcode_missing": 1.0,
    "duplicate_reference": 0.95,
    "address_variant": 1.0,  # variants that change the house or street as written
    "dob_day_month_swap": 1.0,
    "typo": 1.0,
    "nickname": 1.0,
    "name_swap": 1.0,
    "stale_address": 0.8,
}
# Share of clean records a check may flag. The child-health comparison flags some clean
# pupils whose child-health registration is the stale one (an inconsistency it is right to
# report, charged to the other source) or whose family moved between snapshots.
FALSE_ALARMS = defaultdict(lambda: 0.002, address_agrees_with_child_health=0.02)


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory):
    from orchestration.synth.generate import generate

    root = tmp_path_factory.mktemp("demo_city")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FAMILIES_DATA_DIR", str(root))
        patch.setenv("FAMILIES_DB", str(root / "warehouse.duckdb"))
        generate(DEMO_HOUSEHOLDS, DEMO_SEED, root, log=lambda *_: None)
        contracts = load_contracts()
        deny_list = load_deny_list()
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        for contract in contracts.values():
            load_dataset(con, contract, deny_list, root / "landing")
        outcomes = validate_all(con, contracts)
        detections = evaluate(con, contracts, root / "truth")
        yield {"con": con, "outcomes": outcomes, "detections": detections, "root": root}
        con.close()


def _by_fault(detections, fault):
    return [d for d in detections if d.fault == fault and d.check is not None]


@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_each_planted_fault_kind_is_caught_by_the_check_meant_for_it(demo_city, fault):
    found = _by_fault(demo_city["detections"], fault)
    planted = sum(d.records_with_fault for d in found)
    assert planted >= 2, f"{fault}: not planted where its check can see it"
    flagged = sum(d.flagged for d in found)
    missed = {d.dataset: d.records_with_fault - d.flagged for d in found if d.recall < 1}
    assert flagged / planted >= RECALL[fault], (fault, flagged, planted, missed)


@pytest.mark.parametrize("fault", sorted(FAULT_CHECKS))
def test_the_check_for_each_fault_kind_leaves_clean_records_alone(demo_city, fault):
    for d in _by_fault(demo_city["detections"], fault):
        assert d.clean_records > 0
        assert d.false_alarm_rate <= FALSE_ALARMS[d.check], (d.dataset, d.check, d.clean_flagged)


def test_delta_duplicates_are_caught_across_extracts(demo_city):
    """A pupil given a second UPN in a later term's attendance, an A&E patient given a second
    number on a later visit: only a look at earlier extracts can see them. (Within one extract
    the check found none of attendance's and under a tenth of A&E's.) The A&E pairs missed
    differ by a keying error in a name, which an exact comparison cannot see."""
    found = {d.dataset: d for d in _by_fault(demo_city["detections"], "duplicate_reference")}
    for dataset in ("council_education__attendance", "nhs__ae_attendances"):
        assert found[dataset].records_with_fault >= 10
        assert found[dataset].recall >= 0.9, dataset


def test_a_one_line_address_holding_only_a_flat_is_not_called_inaccurate(demo_city):
    """A&E holds the first address line only: for a flat it is "First Floor Flat"."""
    found = {d.dataset: d for d in _by_fault(demo_city["detections"], "address_variant")}
    assert found["nhs__ae_attendances"].clean_flagged == 0
    con = demo_city["con"]
    not_judged = con.execute(
        "select sum(missing_count) from quality.validation_results "
        "where dataset = 'nhs__ae_attendances' and check_name = 'address_in_gazetteer'"
    ).fetchone()[0]
    assert not_judged > 0


def test_formatting_only_address_variants_are_not_flagged(demo_city):
    """Capitals, a missing town or a closed-up postcode: the same address, not a fault."""
    formatting = [d for d in demo_city["detections"] if d.fault == FORMATTING_ONLY]
    assert sum(d.records_with_fault for d in formatting) > 100
    assert sum(d.flagged for d in formatting) == 0


def test_structural_faults_are_quarantined_before_quality(demo_city):
    found = [d for d in demo_city["detections"] if d.check == "ingest_quarantine"]
    assert {d.fault for d in found} == set(QUARANTINED_FAULTS)
    assert all(d.flagged == d.records_with_fault for d in found)


def test_every_planted_kind_is_accounted_for(demo_city):
    """Kinds no check of a dataset can catch are listed (check None), never dropped."""
    import pandas as pd

    truth = pd.read_parquet(demo_city["root"] / "truth" / "record_truth.parquet")
    planted = {e for errors in truth["errors"] for e in errors}
    reported = {d.fault for d in demo_city["detections"]}
    assert planted <= reported | {"address_variant"}
    assert "address_variant" in reported


def test_a_clean_extract_of_the_city_passes(demo_city):
    """The gazetteer carries no planted errors: every check on it passes."""
    outcome = demo_city["outcomes"]["council_gis__gazetteer"][-1]
    assert outcome.status == "passed", [r.check.name for r in outcome.failed]


def test_reference_lookups_per_distinct_input_equal_row_by_row(demo_city):
    """The frame computes each reference look-up once per distinct input and joins it back
    (for speed); on every dataset of the city it must equal the row-by-row computation."""
    from orchestration.quality import references as refs
    from orchestration.quality.suites import build_checks
    from orchestration.quality.validate import (
        LOAD_CONTEXT,
        lookup_inputs,
        measured_checks,
        runnable_checks,
        validation_sql,
    )

    con = demo_city["con"]
    contracts = load_contracts()
    compared = 0
    for table, contract in contracts.items():
        checks = build_checks(contract, contracts)
        available = refs.build_references(con, contracts, {r for c in checks for r in c.requires})
        measured, _ = measured_checks(runnable_checks(checks, available))
        if not any(lookup_inputs(c) for c in measured):
            continue
        con.execute(
            f"create or replace temp table {LOAD_CONTEXT} as select distinct "
            "cast(_load_id as varchar) as load_id, null::date as prev_extract_date, "
            f"date '2016-08-01' as as_at_date, false as is_latest from raw.{table}"
        )
        fast, slow = (
            f"select * from ({validation_sql(table, measured, distinct_lookups=d)})"
            for d in (True, False)
        )
        differing = con.execute(
            f"select count(*) from (({fast}) except all ({slow})) "
            f"union all select count(*) from (({slow}) except all ({fast}))"
        ).fetchall()
        assert differing == [(0,), (0,)], table
        compared += 1
    assert compared >= 15
