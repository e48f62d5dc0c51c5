"""The Dagster definitions: asset graph, schedule, sensor, and a run of the load job."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration import paths
from orchestration.definitions import build_definitions, defs
from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.platform.dagster_home import ensure_dagster_home

# docs/architecture.md, "Datasets": every one has a contract and a load asset.
ARCHITECTURE_DATASETS = {
    "council_gis__gazetteer",
    "council_education__school_census",
    "council_education__attendance",
    "council_education__exclusions",
    "council_education__alternative_provision",
    "council_education__neet",
    "nhs__child_health",
    "council_social_care__referrals",
    "council_social_care__episodes",
    "council_housing__tenancies",
    "council_housing__homelessness",
    "council_housing__asb_cases",
    "council_revenues__benefit_cap",
    "dwp__out_of_work_benefits",
    "police__offences",
    "police__asb_incidents",
    "police__arrests",
    "police__custody_releases",
    "police__orders",
    "police__missing_episodes",
    "police__exploitation_risk",
    "police__domestic_abuse",
    "nhs__mental_health",
    "nhs__substance_misuse",
    "nhs__maternity",
    "nhs__ae_attendances",
}


def test_every_architecture_dataset_has_a_contract_and_a_load_asset_fed_by_its_landing():
    contracts = load_contracts()
    assert set(contracts) == ARCHITECTURE_DATASETS
    graph = defs.resolve_asset_graph()
    for table in ARCHITECTURE_DATASETS:
        raw_key = dg.AssetKey(["raw", table])
        node = graph.get(raw_key)
        assert node.group_name == "ingest"
        assert node.parent_keys == {dg.AssetKey(["landing", table])}
        assert graph.get(dg.AssetKey(["landing", table])).group_name == "landing"
        assert not graph.get(dg.AssetKey(["landing", table])).is_executable
        assert defs.resolve_assets_def(raw_key).op.pool == "duckdb"


def test_no_contract_declares_a_column_the_deny_list_excludes():
    deny = load_deny_list()
    assert {c.name for c in deny.categories} >= {"adoption"}
    offending = {t: deny.matches(c.column_names) for t, c in load_contracts().items()}
    assert {t: m for t, m in offending.items() if m} == {}


def test_nightly_job_runs_every_load_in_process_at_0200_london_time():
    job = defs.resolve_job_def("nightly")
    assert {dg.AssetKey(["raw", t]) for t in ARCHITECTURE_DATASETS} <= set(
        job.asset_layer.executable_asset_keys
    )
    assert defs.executor is dg.in_process_executor
    schedule = defs.resolve_schedule_def("nightly_at_0200")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "0 2 * * *",
        "Europe/London",
        "nightly",
    )
    # A summer (BST) tick: 02:00 in London, 01:00 UTC.
    when = dt.datetime(2015, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    context = dg.build_schedule_context(scheduled_execution_time=when)
    requests = schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1


def _land(landing: Path, relative: str, text: str, *, age_seconds: float = 60) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("cp1252"))
    then = time.time() - age_seconds
    os.utime(path, (then, then))
    return path


OFFENCES = (
    "offence_ref,person_ref,surname,DOB,offence_date,offence_count,cost,proven,outcome_code\n"
    "O1,P1,Ng,01/02/2003,05/01/2015,1,1,Y,NFA\n"
)


def test_sensor_requests_loads_only_for_datasets_with_new_settled_files(
    sample_contracts_dir, data_dir
):
    sample_defs = build_definitions(load_contracts(sample_contracts_dir))
    sensor = sample_defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.job_name == "load_landing_files"
    landing = paths.landing_dir()

    first = sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert first.run_requests == [] and first.skip_message

    _land(landing, "police/offences/2015-01-31.csv", OFFENCES)
    _land(landing, "police/offences/2015-02-28.csv.part", OFFENCES)  # still being written
    second = sensor.evaluate_tick(dg.build_sensor_context(cursor=first.cursor))
    assert [r.asset_selection for r in second.run_requests] == [
        [dg.AssetKey(["raw", "police__offences"])]
    ]

    third = sensor.evaluate_tick(dg.build_sensor_context(cursor=second.cursor))
    assert third.run_requests == []

    _land(landing, "council_education/school_census/2015-01-05.csv", "upn\nA1\n")
    _land(landing, "police/offences/2015-03-31.csv", OFFENCES, age_seconds=0)  # not settled
    fourth = sensor.evaluate_tick(dg.build_sensor_context(cursor=third.cursor))
    assert [r.asset_selection for r in fourth.run_requests] == [
        [dg.AssetKey(["raw", "council_education__school_census"])]
    ]
    assert second.run_requests[0].run_key != fourth.run_requests[0].run_key


def test_load_job_materialises_with_counts_and_refusals(sample_contracts_dir, data_dir):
    sample_defs = build_definitions(
        load_contracts(sample_contracts_dir), sample_contracts_dir / "deny_list.yml"
    )
    landing = paths.landing_dir()
    _land(landing, "police/offences/2015-01-31.csv", OFFENCES + "O2,P2,Ng,bad,05/01/2015\n")
    _land(landing, "police/offences/2015-02-28.csv", OFFENCES.replace(",", ";"))
    result = sample_defs.resolve_job_def("load_landing_files").execute_in_process()
    assert result.success
    metadata = {
        m.asset_key.path[-1]: {k: v.value for k, v in m.metadata.items()}
        for m in (
            e.step_materialization_data.materialization
            for e in result.get_asset_materialization_events()
        )
    }
    offences = metadata["police__offences"]
    assert (offences["files_loaded"], offences["files_refused"]) == (1, 1)
    assert (offences["rows_loaded"], offences["rows_rejected"]) == (1, 1)
    assert "wrong delimiter" in offences["refused_files"]
    assert metadata["council_education__school_census"]["files_loaded"] == 0
    con = duckdb.connect(str(paths.warehouse_path()), read_only=True)
    assert con.execute("select count(*) from raw.police__offences").fetchone()[0] == 1
    assert con.execute("select count(*) from raw.council_education__school_census").fetchone() == (
        0,
    )
    con.close()


def test_dagster_home_has_telemetry_off_and_one_writer_at_a_time(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry: {enabled: true}\nretention: {a: 1}\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert ensure_dagster_home() == home
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["concurrency"] == {
        "runs": {"max_concurrent_runs": 1},
        "pools": {"default_limit": 1},
    }
    assert config["retention"] == {"a": 1}  # a user's own settings are kept


def test_workspace_yaml_loads_the_definitions_module():
    workspace = yaml.safe_load((paths.REPO_ROOT / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["python_module"]["module_name"] == "orchestration.definitions"


@pytest.mark.parametrize("command", ["nightly", "demo", "ui"])
def test_cli_registers_the_ingest_commands(command):
    from orchestration.cli import build_parser

    args = build_parser().parse_args([command])
    assert callable(args.func)


def test_every_asset_has_an_owner_kinds_and_a_stage_tag_and_agency_data_its_iao():
    from orchestration.platform.ownership import agency_owner

    graph = defs.resolve_asset_graph()
    unowned = {
        key.to_user_string(): (node.owners, node.kinds, node.tags)
        for key in graph.get_all_asset_keys()
        if not (node := graph.get(key)).owners or not node.kinds or "stage" not in node.tags
    }
    assert unowned == {}
    for table, contract in load_contracts().items():
        for key in (dg.AssetKey(["landing", table]), dg.AssetKey(["raw", table])):
            node = graph.get(key)
            assert node.owners == [agency_owner(contract.agency)]
            assert node.tags["agency"] == contract.agency
    assert agency_owner("council_social_care") == "team:council-social-care-iao"
    staging = graph.get(dg.AssetKey(["stg_police__offences"]))
    assert staging.tags["agency"] == "police" and "dbt" in staging.kinds


def test_dbt_assets_are_described_from_their_yml_not_their_sql():
    graph = defs.resolve_asset_graph()
    families = graph.get(dg.AssetKey(["families"]))
    assert families.description.startswith("Households with at least one dependent child")
    described = [
        node.description
        for key in graph.get_all_asset_keys()
        if "dbt" in (node := graph.get(key)).kinds
    ]
    assert described and not [d for d in described if "{{" in d or "Raw SQL" in d]


def test_opening_the_ui_launches_nothing_the_landing_sensor_waits_to_be_started():
    sensor = defs.resolve_sensor_def("landing_files_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    schedule = defs.resolve_schedule_def("nightly_at_0200")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_a_backdated_rerun_takes_the_as_at_date_and_rule_set_as_named_fields():
    job = defs.resolve_job_def("backdated_rerun")
    resolved = dg.validate_run_config(job, {"as_at_date": "2016-01-31", "rule_set": "SFOF2022"})
    assert resolved["ops"]["dbt_after_linkage"]["config"] == {
        "as_at_date": "2016-01-31",
        "rule_set": "SFOF2022",
    }
    with pytest.raises(dg.DagsterInvalidConfigError, match="as_at_date"):
        dg.validate_run_config(job, {})  # the date is what a back-dated rerun is for
    keys = job.asset_layer.executable_asset_keys
    assert (
        dg.AssetKey(["eligible_families"]) in keys
        and dg.AssetKey(["outputs", "published_night"]) in keys
    )
    assert not {k for k in keys if k.path[0] in ("raw", "linkage")}
    assert dg.AssetKey(["int_person_records"]) not in keys


def test_every_nightly_run_carries_the_jobs_tags_and_the_schedule_says_it_started_it():
    from orchestration.platform.jobs import NIGHTLY_TAGS, TRIGGER_TAG

    assert NIGHTLY_TAGS.items() <= defs.resolve_job_def("nightly").tags.items()
    schedule = defs.resolve_schedule_def("nightly_at_0200")
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2015, 7, 1, 1))
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.tags[TRIGGER_TAG] == "schedule"


def test_the_evaluation_is_its_own_job_which_the_nightly_job_leaves_out():
    evaluation = {
        dg.AssetKey(["evaluation", "linkage_accuracy"]),
        dg.AssetKey(["evaluation", "eligibility_accuracy"]),
    }
    night = set(defs.resolve_job_def("nightly").asset_layer.executable_asset_keys)
    assert not night & evaluation
    assert dg.AssetKey(["linkage", "person_index"]) in night
    assert set(defs.resolve_job_def("evaluation").asset_layer.executable_asset_keys) == evaluation
    rerun = set(defs.resolve_job_def("backdated_rerun").asset_layer.executable_asset_keys)
    assert not rerun & evaluation


def _finished_run(tags: dict[str, str]):
    @dg.op
    def nothing():
        return None

    @dg.job
    def night():
        nothing()

    instance = dg.DagsterInstance.ephemeral()
    result = night.execute_in_process(instance=instance, tags=tags)
    return instance, result


def test_a_successful_night_starts_the_evaluation_only_in_a_synthetic_city(data_dir):
    from orchestration.platform.jobs import TRIGGER_TAG
    from orchestration.platform.sensors import EVALUATED_RUN_TAG, evaluation_after_night

    sensor = defs.resolve_sensor_def("evaluation_after_night")
    assert sensor.job_name == "evaluation"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING

    def tick(trigger: str):
        instance, result = _finished_run({TRIGGER_TAG: trigger})
        context = dg.build_run_status_sensor_context(
            sensor_name="evaluation_after_night",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
        )
        return result.run_id, evaluation_after_night(context)

    _, answer = tick("schedule")
    assert isinstance(answer, dg.SkipReason)  # no truth: a council's own data
    (data_dir / "truth").mkdir()
    (data_dir / "truth" / "family_truth.parquet").write_bytes(b"")
    run_id, answer = tick("schedule")
    assert isinstance(answer, dg.RunRequest)
    assert answer.run_key == run_id and answer.tags[EVALUATED_RUN_TAG] == run_id
    # `families nightly` runs the evaluation itself, so the sensor leaves its nights alone.
    _, answer = tick("command_line")
    assert isinstance(answer, dg.SkipReason)
