"""Dagster assets of the families stage: the dbt models (in two parts, around linkage) and
the eligible-families CSV.

Linkage (a Python asset) reads `int_person_records` and writes the tables the later models
read, so one @dbt_assets would make an op-level cycle: `dbt_before_linkage` builds agency
staging and `int_person_records`; `dbt_after_linkage` builds everything else.
"""

import contextlib

import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_duckdb import DuckDBResource
from pydantic import Field

from orchestration.families import project
from orchestration.families.outputs import ELIGIBLE_CSV_COLUMNS, write_eligible_list
from orchestration.families.row_counts import with_row_counts
from orchestration.families.run_parameters import InvalidRunParameters, validate_run_parameters
from orchestration.families.translator import FamiliesDbtTranslator
from orchestration.platform.offline import OfflineDbtCliResource
from orchestration.platform.ownership import BI_TEAM, stage_tags

# @dbt_assets reads the manifest when this module is imported: build it if missing or stale.
project.ensure_manifest()

DBT_PROJECT = DbtProject(project_dir=project.PROJECT_DIR, profiles_dir=project.PROJECT_DIR)


TRANSLATOR = FamiliesDbtTranslator()


class DbtRunConfig(dg.Config):
    """Optional run parameters: a past as-at date (YYYY-MM-DD) and the rule set."""

    as_at_date: str | None = Field(
        default=None,
        description="Judge the criteria as at this date (YYYY-MM-DD). Empty: the latest date "
        "every source's extracts cover.",
    )
    rule_set: str | None = Field(
        default=None,
        description="FF2015 (the agreement's, default) or SFOF2022 "
        "(dbt_project/seeds/rule_sets.csv).",
    )


def dbt_resource() -> DbtCliResource:
    # Offline: dagster-dbt's own version probe would make dbt call the package index.
    return OfflineDbtCliResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(project.PROJECT_DIR),
        dbt_executable=project.dbt_executable(),
    )


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    config: DbtRunConfig,
):
    try:
        validate_run_parameters(config.as_at_date, config.rule_set)
    except InvalidRunParameters as error:
        # Before dbt touches a table: the last published night stays served.
        raise dg.Failure(description=str(error)) from None
    project.export_dbt_env()
    # Unit tests check the SQL against fixed inputs, not the night's data: CI runs them on
    # every change (tests/integration/test_families_dbt.py), so a night builds and runs the
    # data tests only.
    args = [
        "build",
        "--exclude-resource-type",
        "unit_test",
        *project.dbt_vars(config.as_at_date, config.rule_set),
    ]
    target = project.step_target_path(context.op_execution_context.op.name)
    invocation = dbt.cli(args, context=context, target_path=target)
    # Held until dbt exits (it holds the warehouse while it runs), then counted: row_counts.py.
    events, failure = [], None
    # dagster-dbt writes every dbt event to stdout (about 330 lines a demo night): kept in
    # the step's progress.log instead, beside dbt's own dbt.log.
    target.mkdir(parents=True, exist_ok=True)
    with (
        (target / "progress.log").open("w", encoding="utf-8") as progress,
        contextlib.redirect_stdout(progress),
    ):
        try:
            events.extend(invocation.stream())
        except Exception as error:  # a failed model or test: pass on what built, then fail
            failure = error
    with duckdb.get_connection() as con:
        yield from with_row_counts(events, invocation.manifest, con)
    if failure is not None:
        raise failure


@dbt_assets(
    manifest=project.MANIFEST_PATH,
    project=DBT_PROJECT,
    select=project.BEFORE_LINKAGE_SELECT,
    name="dbt_before_linkage",
    dagster_dbt_translator=TRANSLATOR,
    pool="duckdb",
)
def dbt_before_linkage(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    config: DbtRunConfig,
):
    """Agency staging models and int_person_records (what linkage reads)."""
    yield from _build(context, dbt, duckdb, config)


@dbt_assets(
    manifest=project.MANIFEST_PATH,
    project=DBT_PROJECT,
    exclude=project.BEFORE_LINKAGE_SELECT,
    name="dbt_after_linkage",
    dagster_dbt_translator=TRANSLATOR,
    pool="duckdb",
)
def dbt_after_linkage(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    duckdb: DuckDBResource,
    config: DbtRunConfig,
):
    """Seeds, persons, households, families, indicators, criteria and the marts."""
    yield from _build(context, dbt, duckdb, config)


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
    kinds={"duckdb"},
    owners=[BI_TEAM],
    tags=stage_tags("outputs"),
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
    kinds={"csv"},
    owners=[BI_TEAM],
    tags=stage_tags("outputs"),
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
    kinds={"python"},
    owners=[BI_TEAM],
    tags=stage_tags("evaluation"),
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
