"""Dagster: retention as the nightly job's last step.

It depends on the night's last asset (the eligible-families CSV, hence on the published night):
it runs only once the night is built, tested and served, so a retention failure fails this step
alone, with its message, and the served night is the one just published. Each store it changes
is changed atomically (a transaction or a new file swapped in), so a failure leaves every store
whole. What it disposes of is gone from the night it just published too, and the next night
builds from what is left. The price: a night that fails upstream skips retention (the run says
so); `families retention` is the same step by hand.
"""

# No `from __future__ import annotations`: Dagster reads the config class from the hints.
import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

RETENTION_KEY = dg.AssetKey(["governance", "retention"])
# Not the accuracy evaluation: it runs after the night, in a job of its own (platform/jobs.py).
NIGHT_SINKS = [dg.AssetKey(["outputs", "eligible_families_csv"])]


class RetentionConfig(dg.Config):
    """The clock, for a rerun as of another day (YYYY-MM-DD; default today, UK time)."""

    today: str | None = None


@dg.asset(
    key=RETENTION_KEY,
    deps=NIGHT_SINKS,
    group_name="governance",
    pool="duckdb",
    owners=["team:coordinator"],
    kinds={"duckdb", "sqlite", "python"},
    tags={"stage": "governance", "writes": "disposal_register"},
    description="Disposes of every dataset's rows past its contract's retention from every "
    "layer (warehouse, landing, published nights, caches, the web application's review "
    "decisions and audit detail, Dagster run history, reports), rewrites the stores so the "
    "bytes are gone, and records counts in ops.disposal_register.",
)
def retention(context: dg.AssetExecutionContext, config: RetentionConfig) -> dg.MaterializeResult:
    from orchestration.governance.disposal import dispose, platform_store, stores_here
    from orchestration.ingest.contract import load_contracts

    today = (
        dt.date.fromisoformat(config.today)
        if config.today
        else dt.datetime.now(ZoneInfo("Europe/London")).date()
    )
    stores = stores_here(context.instance, context.run_id)
    try:
        disposals, run_id = dispose(stores, load_contracts(), today)
    except Exception as error:
        raise dg.Failure(
            description=f"retention as of {today} failed; every store is as it was before the "
            f"part that failed, and the night just published is served. {type(error).__name__}: "
            f"{error}. Rerun with `families retention --dry-run` to see what is due."
        ) from error
    datasets = [d for d in disposals if not platform_store(d)]
    return dg.MaterializeResult(
        metadata={
            "as_of": today.isoformat(),
            "datasets_past_retention": len(datasets),
            "rows_disposed": sum(n for d in disposals for n in d.rows.values()),
            "files_disposed": sum(len(d.files) for d in disposals),
            "register_run_id": run_id or "(nothing was due)",
            # Counts by dataset and layer, never a value.
            "by_store": dg.MetadataValue.json(
                {d.dataset: {**d.rows, "files": len(d.files)} for d in disposals}
            ),
        }
    )


ASSETS = [retention]
