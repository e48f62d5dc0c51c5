"""The benchmark's measuring parts: stage mapping, tree memory, step spans, night two, report."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from orchestration.bench.measure import run_measured
from orchestration.bench.report import goals, markdown, peer_ratios
from orchestration.bench.run import BenchCity, BenchError
from orchestration.bench.stages import EVALUATION, STAGES, latest_run_steps, stage_of


def test_every_step_of_the_nightly_job_has_a_bench_stage():
    from dagster._core.execution.api import create_execution_plan

    from orchestration.definitions import defs

    plan = create_execution_plan(defs.resolve_job_def("nightly"))
    stages = {stage_of(step.key) for step in plan.get_all_steps_in_topo_order()}
    assert stages == set(STAGES) - {"generate"}, stages


def test_the_evaluation_is_no_stage_of_the_night_and_has_a_stage_of_its_own():
    from dagster._core.execution.api import create_execution_plan

    from orchestration.definitions import defs

    plan = create_execution_plan(defs.resolve_job_def("evaluation"))
    steps = [step.key for step in plan.get_all_steps_in_topo_order()]
    assert sorted(steps) == ["evaluation__eligibility_accuracy", "evaluation__linkage_accuracy"]
    assert {stage_of(s) for s in steps} == {EVALUATION} and EVALUATION not in STAGES


def test_a_step_nobody_placed_is_an_error_not_a_silent_stage():
    with pytest.raises(ValueError, match="no bench stage"):
        stage_of("something_new")


def test_quality_checks_count_as_validation_and_loads_as_loading():
    assert stage_of("raw__police__offences") == "load"
    assert stage_of("raw__police__offences_data_quality") == "validate"
    assert stage_of("linkage__record_uprns_address_match_rate") == "addresses"
    assert stage_of("linkage__person_index_person_link_rate_shift") == "persons"


def test_memory_is_measured_over_the_whole_process_tree(tmp_path):
    # A parent that holds little starts a child that holds about 300 MB: the peak must see it.
    child = "b = bytearray(300 * 1024 * 1024); import time; time.sleep(1.5)"
    parent = textwrap.dedent(
        f"""
        import subprocess, sys
        subprocess.run([sys.executable, "-c", {child!r}], check=True)
        """
    )
    measured = run_measured([sys.executable, "-c", parent], log_path=tmp_path / "log")
    assert measured.returncode == 0
    assert measured.peak_bytes > 300 * 1024 * 1024
    assert 1.5 <= measured.seconds < 30
    late = measured.samples[-1][0]
    assert measured.peak_between(late + 100, late + 200) == measured.samples[-1][1]


def test_a_failing_command_reports_its_exit_code(tmp_path):
    measured = run_measured([sys.executable, "-c", "raise SystemExit(3)"])
    assert measured.returncode == 3


def test_step_spans_come_from_the_runs_event_log(tmp_path):
    @dg.asset(key=["raw", "police__offences"])
    def load():
        return 1

    @dg.asset(key=["linkage", "person_index"], deps=[load])
    def link():
        import time

        time.sleep(0.3)

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    job = dg.define_asset_job("nightly", selection=[load, link])
    defs = dg.Definitions(assets=[load, link], jobs=[job])
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        result = defs.resolve_job_def("nightly").execute_in_process(instance=instance)
    assert result.success
    run_id, spans = latest_run_steps(home)
    assert run_id == result.run_id
    assert [(s.step_key, s.stage) for s in spans] == [
        ("raw__police__offences", "load"),
        ("linkage__person_index", "persons"),
    ]
    assert all(s.succeeded for s in spans)
    assert spans[1].seconds >= 0.3


def _city_with_night_two(root: Path) -> BenchCity:
    city = BenchCity(root)
    for day in ("2016-06-30", "2016-07-21"):
        path = city.data / "landing" / "police" / "offences" / f"{day}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("header\n")
    (city.data / "truth").mkdir(parents=True)
    pd.DataFrame(
        {
            "dataset": ["police__offences", "nhs__maternity"],
            "extract_date": ["2016-07-21", "2016-07-21"],
            "rows": [5, 0],
        }
    ).to_csv(city.data / "truth" / "night_two.csv", index=False)
    return city


def test_night_two_is_held_back_from_night_one_then_released(tmp_path):
    city = _city_with_night_two(tmp_path)
    landing = city.data / "landing" / "police" / "offences"
    assert city.hold_back_night_two() == 1
    assert sorted(p.name for p in landing.iterdir()) == ["2016-06-30.csv"]
    assert city.hold_back_night_two() == 0  # idempotent: a rerun of the bench
    assert city.release_night_two() == 1
    assert sorted(p.name for p in landing.iterdir()) == ["2016-06-30.csv", "2016-07-21.csv"]


def test_a_city_without_night_two_says_how_to_make_one(tmp_path):
    city = _city_with_night_two(tmp_path)
    (city.data / "truth" / "night_two.csv").unlink()
    with pytest.raises(BenchError, match="--nights 2"):
        city.hold_back_night_two()


def _result(first_seconds: float, second_seconds: float, first_gb: float) -> dict:
    def night(n, seconds, gb):
        stage = {"seconds": seconds / 8, "peak_gb": gb, "steps": 1, "rows": {"rows": 10}}
        return {
            "night": n,
            "seconds": seconds,
            "peak_gb": gb,
            "load_average_at_start": 0.5,
            "stages": {s: dict(stage) for s in (*STAGES[1:], "orchestration")},
            "evaluation": {
                "seconds": 17.0,
                "peak_gb": 1.5,
                "steps": {"evaluation__linkage_accuracy": 12.0},
            },
            "accuracy": {
                "linkage": {
                    "splink": {"precision": 0.99, "recall": 0.98, "f1": 0.985},
                    "baseline_exact_name_dob": {"precision": 1.0, "recall": 0.9, "f1": 0.947},
                    "blocking_recall": 0.98,
                    "addresses": None,
                },
                "eligibility": {"as_at_date": "2016-06-30", "precision": 0.98, "recall": 0.97},
                "family_detection": None,
            },
            "slowest_steps": [{"step": "dbt_after_linkage", "seconds": 12.0}],
        }

    return {
        "date": "2026-11-24",
        "households": 200000,
        "command": "make bench",
        "machine": {"cores": 2, "memory_gb": 24, "python": "3.11"},
        "code": {"commit": "abc", "uncommitted_changes": False},
        "generate": {"seconds": 300.0, "peak_gb": 4.0, "rows": {"households": 200000}},
        "nights": [night(1, first_seconds, first_gb), night(2, second_seconds, 1.0)],
        "second_night_share_of_first": round(second_seconds / first_seconds, 3),
    }


def test_goals_are_judged_from_the_measured_figures():
    met = goals(_result(1100, 250, 6.0))
    assert [g["met"] for g in met] == [True, True, True]
    missed = goals(_result(1300, 400, 11.0))
    assert [g["met"] for g in missed] == [False, False, False]


def test_markdown_summary_shows_each_stage_and_the_baseline_beside_splink():
    text = markdown(_result(1100, 250, 6.0))
    for stage in STAGES:
        assert f"| {stage} |" in text
    assert "| evaluation (after the night, its own run) | 17 | 1.50 |" in text
    assert "exact name + date of birth baseline" in text and "0.947" in text
    assert "| second night at most a quarter of the first | 22.7% | yes |" in text


def _peer(seconds: float, peak_gb: float, f1: float) -> dict:
    return {
        "seconds": seconds,
        "peak_gb": peak_gb,
        "records": 53872,
        "persons": 4285,
        "pairwise": {"precision": 0.92, "recall": 0.99, "f1": f1},
    }


def test_peer_ratios_are_project_over_peer_for_time_memory_and_f1():
    first = _result(1100, 250, 6.0)["nights"][0]
    first["stages"]["persons"].update(seconds=120.0, peak_gb=4.8)
    first["stages"]["addresses"].update(seconds=300.0)
    ratios = peer_ratios(first, _peer(seconds=240.0, peak_gb=3.2, f1=0.954))
    assert ratios["time_ratio"] == 0.5  # the project took half the peer's time
    assert ratios["time_ratio_with_addresses"] == 1.75  # (120 + 300) / 240
    assert ratios["peak_memory_ratio"] == 1.5
    assert ratios["f1_ratio"] == round(0.985 / 0.954, 3)
    assert ratios["project_f1"] == 0.985 and ratios["peer_f1"] == 0.954


def test_peer_ratio_of_f1_is_absent_when_the_night_measured_no_accuracy():
    first = _result(1100, 250, 6.0)["nights"][0]
    first["accuracy"]["linkage"]["splink"] = None
    assert peer_ratios(first, _peer(240.0, 3.2, 0.954))["f1_ratio"] is None


def test_markdown_reports_the_peer_beside_the_project_with_ratios():
    result = _result(1100, 250, 6.0)
    assert "plain Splink" not in markdown(result)  # a bench run without the peer
    peer = _peer(seconds=55.0, peak_gb=2.0, f1=0.954)
    result["peer"] = {**peer, "against_project": peer_ratios(result["nights"][0], peer)}
    text = markdown(result)
    assert "## Against plain Splink" in text
    # Persons stage of _result is 1100 / 8 = 137.5 s: 2.5 times the peer's 55 s.
    assert "| wall time, s | 137.5 | 55.0 | 2.500 |" in text
    assert "| pairwise F1 | 0.985 | 0.954 | 1.032 |" in text


def test_a_failed_side_measurement_is_reported_and_the_bench_goes_on():
    from orchestration.bench.run import _carry_on

    def peer_that_fills_the_disk():
        raise BenchError("the plain Splink peer failed (exit 1); see peer.log")

    seen = []
    peer = _carry_on(peer_that_fills_the_disk, seen.append)
    assert peer == {"failed": "the plain Splink peer failed (exit 1); see peer.log"}
    assert seen == ["  the plain Splink peer failed (exit 1); see peer.log"]
    result = _result(1100, 250, 6.0)
    result["peer"] = peer
    result["pages"] = {"failed": "page latency: the server did not start"}
    text = markdown(result)
    assert "Not measured: the plain Splink peer failed (exit 1)" in text
    assert "Failed: page latency: the server did not start" in text
    assert [g for g in goals(result) if g["measured"] == "failed" and not g["met"]]
