"""The Dagster asset checks: one blocking check per source; an error stops downstream assets."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.ingest.contract import load_contracts
from orchestration.quality.assets import ASSETS
from orchestration.quality.checks import CHECK_NAME, CHECKS, build_quality_check
from orchestration.quality.sample_data import build_sample_warehouse


def test_there_is_one_blocking_check_per_contract_on_its_raw_asset():
    contracts = load_contracts()
    specs = [spec for check in CHECKS for spec in check.check_specs]
    assert {tuple(s.asset_key.path) for s in specs} == {("raw", t) for t in contracts}
    assert all(s.name == CHECK_NAME and s.blocking for s in specs)
    assert [a.key.path for a in ASSETS] == [["quality", "iao_reports"]]


def test_checks_and_report_asset_wire_into_the_platform_definitions():
    from orchestration.ingest.assets import build_ingest_assets
    from orchestration.quality.checks import build_quality_checks

    contracts = load_contracts()
    landing, loads = build_ingest_assets(contracts)
    defs = dg.Definitions(
        assets=[*landing, *loads, *ASSETS],
        asset_checks=build_quality_checks(contracts),
        resources={"duckdb": DuckDBResource(database=":memory:")},
    )
    graph = defs.resolve_asset_graph()
    check_keys = graph.asset_check_keys
    # One quality check per source, besides the load's own file-faults check.
    assert len([k for k in check_keys if k.name == CHECK_NAME]) == len(contracts)
    assert all(graph.has(key.asset_key) for key in check_keys)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality_dagster")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FAMILIES_DATA_DIR", str(root))
        path = root / "warehouse.duckdb"
        con = duckdb.connect(str(path))
        build_sample_warehouse(con, load_contracts())
        con.close()
        yield root, path


def _run(table: str, database) -> dg.ExecuteInProcessResult:
    @dg.asset(key=["raw", table])
    def raw_table() -> None:
        """Stands in for the loader: the sample warehouse already holds the table."""

    @dg.asset(key=["downstream", table], deps=[raw_table])
    def downstream() -> None:
        pass

    return dg.materialize(
        [raw_table, downstream, build_quality_check(table)],
        resources={"duckdb": DuckDBResource(database=str(database))},
        raise_on_error=False,
    )


def _evaluation(result: dg.ExecuteInProcessResult):
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 1
    return evaluations[0]


def test_an_error_check_blocks_everything_downstream_of_the_dataset(warehouse):
    root, database = warehouse
    result = _run("dwp__out_of_work_benefits", database)
    evaluation = _evaluation(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "NINO_format__blocking" in evaluation.metadata["blocking_checks"].value
    assert "score_validity" in evaluation.metadata
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("downstream", "dwp__out_of_work_benefits") not in materialized
    assert (root / "reports" / "quality" / "iao" / "dwp.html").exists()


def test_a_warning_is_reported_and_downstream_still_runs(warehouse):
    _, database = warehouse
    result = _run("council_education__attendance", database)
    evaluation = _evaluation(result)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    materialized = {tuple(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert ("downstream", "council_education__attendance") in materialized


def test_a_clean_source_passes(warehouse):
    _, database = warehouse
    evaluation = _evaluation(_run("council_gis__gazetteer", database))
    assert evaluation.passed
