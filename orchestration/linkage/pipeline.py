"""The nightly person linkage: standardise, score with the saved model, cluster, keep ids.

`run_person_linkage` is what the Dagster asset calls; it is a plain function over a DuckDB
connection so tests run it without Dagster.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.linkage import diagnostics
from orchestration.linkage.clerical_estimates import estimate_from_decisions
from orchestration.linkage.diagnostics_page import TREND_NIGHTS
from orchestration.linkage.engine import connection_memory_limit, table_exists
from orchestration.linkage.model import load_model
from orchestration.linkage.person_index import assign_stable_ids, ensure_person_tables
from orchestration.linkage.predict import predict_and_cluster
from orchestration.linkage.review import ensure_review_tables, refresh_review_queue
from orchestration.linkage.settings import LinkageThresholds, model_path
from orchestration.linkage.standardise import refresh_standardised_records

logger = logging.getLogger(__name__)

# Kept between runs: a night standardises only the records that are new or changed.
STANDARDISED_RECORDS = "linkage.standardised_records"
# The last night's profiles (record_id -> unique_id) and the profile pairs it scored at or
# above the review band's lower edge: what the accuracy evaluation reads (accuracy.py).
RUN_RECORD_PROFILES = "linkage.run_record_profiles"
RUN_PROFILE_PAIRS = "linkage.run_profile_pairs"

_TEMP_TABLES = (
    "lk_profiles",
    "lk_record_map",
    "lk_pairs",
    "lk_record_clusters",
    "lk_review_candidates",
    "lk_roots",
    "lk_isolated",
    "lk_profile_keys",
    "lk_profile_tf",
    "lk_new_profiles",
)


def keep_run_for_evaluation(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the night's record -> profile map and scored profile pairs in the warehouse, so
    the accuracy evaluation (accuracy.py) runs after the night, from tables, rather than
    inside this stage while its working tables are alive. Ids and probabilities only: a
    profile's fields are read back from STANDARDISED_RECORDS through its smallest record."""
    con.execute(
        f"""CREATE OR REPLACE TABLE {RUN_RECORD_PROFILES} AS
            SELECT record_id, unique_id FROM lk_record_map;
            CREATE OR REPLACE TABLE {RUN_PROFILE_PAIRS} AS
            SELECT unique_id_l, unique_id_r, match_probability FROM lk_pairs"""
    )


def ensure_run_metrics(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE SCHEMA IF NOT EXISTS linkage;
           CREATE TABLE IF NOT EXISTS linkage.run_metrics (
               run_id VARCHAR, run_at TIMESTAMP, metrics JSON)"""
    )


def previous_run_metrics(con: duckdb.DuckDBPyConnection, before_run: str | None = None) -> dict:
    """Metrics of the latest run (or the latest before `before_run`), {} if none."""
    ensure_run_metrics(con)
    row = con.execute(
        """SELECT metrics FROM linkage.run_metrics WHERE ? IS NULL OR run_id <> ?
           ORDER BY run_at DESC LIMIT 1""",
        [before_run, before_run],
    ).fetchone()
    return json.loads(row[0]) if row else {}


def run_person_linkage(
    con: duckdb.DuckDBPyConnection,
    source: str = "intermediate.int_person_records",
    uprns: str | None = "linkage.record_uprns",
    model_file: Path | None = None,
    thresholds: LinkageThresholds | None = None,
    reports_dir: Path | None = None,
    run_id: str | None = None,
    dashboards: bool = True,
    full_rescore: bool | None = None,
) -> dict:
    """Link the persons in `source` and replace linkage.person_index; return the run summary.

    Also refreshes linkage.review_queue, appends to linkage.person_id_history and
    linkage.run_metrics, keeps the night's profiles and scored pairs (RUN_RECORD_PROFILES,
    RUN_PROFILE_PAIRS) and writes diagnostics to `reports_dir` when given. Accuracy against
    a truth is measured afterwards, off the night's critical path (accuracy.py).

    Scores are kept between runs (linkage.scored_pairs, pairstore.py): a run compares only
    profiles not seen before, unless the model, thresholds or standardisation changed, or
    `full_rescore` (default: FAMILIES_LINKAGE_FULL=1) asks for a full re-score.
    """
    started = time.monotonic()
    now = datetime.now(UTC)
    run_id = run_id or now.strftime("%Y%m%dT%H%M%S%f")
    thresholds = thresholds or LinkageThresholds.from_env()
    model_file = Path(model_file) if model_file else model_path()
    ensure_person_tables(con)
    ensure_review_tables(con)
    ensure_run_metrics(con)
    # The warehouse connection spills rather than growing past the stage's memory budget
    # (Splink's own connection has its own cap, engine.splink_connection).
    con.execute(f"SET memory_limit = '{connection_memory_limit()}'")
    con.execute("SET preserve_insertion_order = false")
    if full_rescore is None:
        full_rescore = os.environ.get("FAMILIES_LINKAGE_FULL", "") not in ("", "0")
    if uprns and not table_exists(con, uprns):
        uprns = None
    timings = {}
    try:
        standardised = refresh_standardised_records(con, source, STANDARDISED_RECORDS, uprns)
        timings["standardise"] = round(time.monotonic() - started, 1)
        timings["standardised"] = standardised

        charts: dict[str, str] = {}

        def _charts(linker, _df_predict):
            if reports_dir is not None:
                charts.update(diagnostics.write_model_charts(linker, reports_dir))

        result = predict_and_cluster(
            con,
            STANDARDISED_RECORDS,
            model_file,
            thresholds,
            decisions_table="linkage.review_decisions",
            diagnostics=_charts,
            store_schema="linkage",
            force_full=full_rescore,
            run_id=run_id,
        )
        timings["scoring"] = {
            "mode": result.mode,
            "reason": result.mode_reason,
            "new_profiles": result.new_profiles,
            **(result.timings or {}),
        }
        timings["predict_and_cluster"] = round(time.monotonic() - started, 1)
        clerical = estimate_from_decisions(
            con, "linkage.review_decisions", "lk_record_map", "lk_pairs", thresholds.link
        )
        id_events = assign_stable_ids(con, "lk_record_clusters", run_id, now)
        timings["ids"] = round(time.monotonic() - started, 1)
        queued = refresh_review_queue(con, "lk_review_candidates", run_id, now)
        timings["review_queue"] = round(time.monotonic() - started, 1)
        summary = {
            "run_id": run_id,
            "model": model_file.name,
            "thresholds": vars(thresholds),
            "counts": {
                "records": result.records,
                "distinct_profiles": result.profiles,
                "scored_pairs": result.scored_pairs,
                "linked_pairs": result.linked_pairs,
                "conflicts": result.conflicts,
                "identifier_conflicts": result.identifier_conflicts,
                "date_of_birth_conflicts": result.date_of_birth_conflicts,
                "persons_split_by_conflicts": result.split_persons,
                "persons": result.clusters,
                "pairs_in_review_band": result.review_pairs,
                "review_queue": queued,
                **{f"ids_{k}": v for k, v in id_events.items()},
            },
            # The measure a council has without truth (clerical_estimates.py).
            "estimated_from_review_decisions": clerical,
            "cluster_sizes": diagnostics.cluster_size_distribution(con),
            "link_rates": diagnostics.link_rates(con, STANDARDISED_RECORDS),
        }
        if reports_dir is not None and dashboards:
            charts.update(
                diagnostics.write_restricted_dashboards(
                    con,
                    load_model(model_file),
                    reports_dir / "restricted",
                    floor=min(thresholds.review_low, thresholds.link),
                )
            )
        timings["dashboards"] = round(time.monotonic() - started, 1)
        summary["seconds"] = timings
        summary["reports"] = sorted(charts)
        metrics = {
            "records_per_person": result.records / max(result.clusters, 1),
            "share_in_two_or_more_sources": summary["link_rates"][
                "share_of_persons_in_two_or_more_sources"
            ],
            "pair_link_rates": summary["link_rates"]["pair_link_rates"],
            "max_profiles_in_a_cluster": summary["cluster_sizes"]["max_profiles_in_a_cluster"],
            "records": result.records,
            "persons": result.clusters,
        }
        con.execute(
            "INSERT INTO linkage.run_metrics VALUES (?, ?, ?)",
            [run_id, now.replace(tzinfo=None), json.dumps(metrics)],
        )
        keep_run_for_evaluation(con)
        timings["kept_for_evaluation"] = round(time.monotonic() - started, 1)
        timings["total"] = round(time.monotonic() - started, 1)
        if reports_dir is not None:
            diagnostics.write_run_report(
                reports_dir, summary, diagnostics.night_metrics(con, TREND_NIGHTS)
            )
    finally:
        for table in _TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    logger.info("person linkage: %d records -> %d persons", result.records, result.clusters)
    return summary
