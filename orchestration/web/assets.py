"""Dagster: the web application's review decisions, applied before person linkage.

Wiring (definitions.py and linkage's person_index, owned elsewhere): add `ASSETS` to the
Definitions and `WEB_REVIEW_DECISIONS_KEY` to person_index's deps, so the nightly job (which
selects every asset) applies the day's decisions before it links people.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.platform.ownership import LINKAGE_REVIEWERS, stage_tags

WEB_REVIEW_DECISIONS_KEY = dg.AssetKey(["linkage", "web_review_decisions"])


@dg.asset(
    key=WEB_REVIEW_DECISIONS_KEY,
    group_name="linkage",
    pool="duckdb",
    kinds={"duckdb", "django"},
    owners=[LINKAGE_REVIEWERS],
    tags=stage_tags("linkage"),
    description="Clerical review decisions recorded in the web application since the last "
    "night, copied into linkage.review_decisions (binding on person linkage).",
)
def web_review_decisions(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.web.decisions import apply_web_decisions

    with duckdb.get_connection() as con:
        outcome = apply_web_decisions(con)
    return dg.MaterializeResult(
        metadata={
            "applied": dg.MetadataValue.int(outcome.applied),
            "left_unapplied_unknown_records": dg.MetadataValue.int(len(outcome.unknown_records)),
        }
    )


ASSETS = [web_review_decisions]
