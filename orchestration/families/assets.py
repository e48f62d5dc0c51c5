"""Dagster assets of the families stage: the dbt models (in two parts, around linkage) and
the eligible-families CSV.

Linkage (a Python asset) reads `int_person_records` and writes the tables the later models
read, so one @dbt_assets would make an op-level cycle: `dbt_before_linkage` builds agency
staging and `int_person_records`; `dbt_after_linkage` builds everything else.
"""

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.families import project
from orchestration.families.outputs import ELIGIBLE_CSV_COLUMNS, write_eligible_list
from orchestration.families.run_parameters import InvalidRunParameters, validate_run_parameters
from orchestration.platform.offline import OfflineDbtCliResource

# @dbt_assets reads the manifest when this module is imported: build it if missing or stale.
project.ensure_manifest()

DBT_PROJECT = DbtProject(project_dir=project.PROJECT_DIR, profiles_dir=project.PROJECT_DIR)


class FamiliesDbtTranslator(DagsterDbtTranslator):
    """Model and seed keys are their bare names (["int_person_records"], ["eligible_families"]),
    which linkage and the outputs depend on; sources keep ["raw", ...] and ["linkage", ...]
    so they join the ingest and linkage assets. Groups follow the layer folder."""

    def get_asset_key(self, dbt_resource_props):
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props):
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "model":
            return f"families_{dbt_resource_props['fqn'][1]}"
        return super().get_group_name(dbt_resource_props)


TRANSLATOR = FamiliesDbtTranslator()


class DbtRunConfig(dg.Config):
    """Optional run parameters: a past as-at date (YYYY-MM-DD) and the rule set."""

    as_at_date: str | None = None
    rule_set: str | None = None


def dbt_resource() -> DbtCliResource:
    # Offline: dagster-dbt's own version probe would make dbt call the package index.
    return OfflineDbtCliResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(project.PROJECT_DIR),
        dbt_executable=project.dbt_executable(),
    )


def staging_views_built_this_run(
    run: dg.DagsterRun, job_has_before_step: bool, config: DbtRunConfig
) -> bool:
    """Whether this run's dbt_before_linkage step re-created every staging view, with the same
    vars as `config`: then they already carry this run's as-at cut-off (a nightly run).

    Any other run (a rerun of the later models alone from the UI, a subset, another as-at
    date) re-creates them first.
    """
    if not job_has_before_step:
        return False
    if run.step_keys_to_execute is not None and "dbt_before_linkage" not in (
        run.step_keys_to_execute
    ):
        return False
    # A job's own run has no asset selection (None or empty); a subset run lists its assets.
    if run.asset_selection and not set(dbt_before_linkage.keys) <= set(run.asset_selection):
        return False
    ops = (run.run_config or {}).get("ops", {})
    before = (ops.get("dbt_before_linkage") or {}).get("config") or {}
    return (before.get("as_at_date"), before.get("rule_set")) == (
        config.as_at_date,
        config.rule_set,
    )


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtRunConfig,
    refresh_staging: bool = False,
):
    try:
        validate_run_parameters(config.as_at_date, config.rule_set)
    except InvalidRunParameters as error:
        # Before dbt touches a table: the last published night stays served.
        raise dg.Failure(description=str(error)) from None
    project.export_dbt_env()
    if refresh_staging and not staging_views_built_this_run(
        context.run, context.job_def.has_node_named("dbt_before_linkage"), config
    ):
        # Staging views carry the as-at cut-off they were created with: match this run's.
        project.refresh_staging_views(config.as_at_date, config.rule_set)
    # Unit tests check the SQL against fixed inputs, not the night's data: CI runs them on
    # every change (tests/integration/test_families_dbt.py), so a night builds and runs the
    # data tests only.
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        *project.dbt_vars(config.as_at_date, config.rule_set),
    ]
    # No fetch_row_counts()/fetch_column_metadata(): they leave a DuckDB handle open.
    target = project.step_target_path(context.op_execution_context.op.name)
    yield from dbt.cli(args, context=context, target_path=target).stream()


@dbt_assets(
    manifest=project.MANIFEST_PATH,
    project=DBT_PROJECT,
    select=project.BEFORE_LINKAGE_SELECT,
    name="dbt_before_linkage",
    dagster_dbt_translator=TRANSLATOR,
    pool="duckdb",
)
def dbt_before_linkage(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig
):
    """Agency staging models and int_person_records (what linkage reads)."""
    yield from _build(context, dbt, config)


@dbt_assets(
    manifest=project.MANIFEST_PATH,
    project=DBT_PROJECT,
    exclude=project.BEFORE_LINKAGE_SELECT,
    name="dbt_after_linkage",
    dagster_dbt_translator=TRANSLATOR,
    pool="duckdb",
)
def dbt_after_linkage(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtRunConfig):
    """Seeds, persons, households, families, indicators, criteria and the marts."""
    yield from _build(context, dbt, config, refresh_staging=True)


PUBLISHED_NIGHT_KEY = dg.AssetKey(["outputs", "published_night"])


@dg.asset(
    key=PUBLISHED_NIGHT_KEY,
    # Every dbt model and test of the night, and the review queue linkage writes: this step
    # runs only when all of them succeeded, so nothing half-built is ever served.
    deps=[
        *dbt_before_linkage.keys,
        *dbt_after_linkage.keys,
        dg.AssetKey(["linkage", "person_index"]),
    ],
    group_name="outputs",
    pool="duckdb",
    description="data/published/: a read-only copy of the marts and the review queue, swapped "
    "in atomically once the whole build and its tests have passed. What readers are served.",
)
def published_night(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.published import publish

    with duckdb.get_connection() as con:
        night = publish(con)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(night.path)),
            "published_at": night.published_at,
            "tables": len(night.tables),
        }
    )


@dg.asset(
    key=["outputs", "eligible_families_csv"],
    deps=[PUBLISHED_NIGHT_KEY],
    group_name="outputs",
    description="data/outputs/eligible_families.csv and .xlsx (and eligible_families_left.csv), "
    "from the published night: family id, UPRN, priority, criteria by name, estimated cost, "
    "services involved, what changed since the last list, as-at date and rule set. No names.",
)
def eligible_families_csv() -> dg.MaterializeResult:
    from orchestration.published import open_published

    with open_published() as con:
        files = write_eligible_list(con)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(files.csv)),
            "xlsx": dg.MetadataValue.path(str(files.xlsx)),
            "rows": files.rows,
            "left_the_list": files.left,
            "columns": ", ".join(ELIGIBLE_CSV_COLUMNS),
        }
    )


@dg.asset(
    key=["evaluation", "eligibility_accuracy"],
    deps=[dg.AssetKey(["eligible_families"]), dg.AssetKey(["family_criteria"])],
    group_name="evaluation",
    pool="duckdb",
    description="Eligibility precision and recall, overall and per criterion, against the "
    "synthetic city's ground truth (data/reports/families/accuracy.json). Nothing reads it "
    "back: truth never decides a flag or a list.",
)
def eligibility_accuracy() -> dg.MaterializeResult:
    from orchestration import paths
    from orchestration.families.evaluation import evaluate_eligibility

    if not (paths.truth_dir() / "family_truth.parquet").exists():
        # Real agency data has no ground truth: there is nothing to measure against.
        return dg.MaterializeResult(metadata={"measured": False})
    report = evaluate_eligibility()
    overall = report["overall"]["eligibility"]
    return dg.MaterializeResult(
        metadata={
            "measured": True,
            "as_at_date": report["as_at_date"],
            # None where there is nothing to score (no eligible family either side).
            **{
                name: dg.MetadataValue.float(float(overall[name]))
                for name in ("precision", "recall", "f1")
                if overall[name] is not None
            },
            "report": dg.MetadataValue.path(
                str(paths.reports_dir() / "families" / "accuracy.json")
            ),
        }
    )


ASSETS = [
    dbt_before_linkage,
    dbt_after_linkage,
    published_night,
    eligible_families_csv,
    eligibility_accuracy,
]
