"""Linkage accuracy of the last night against the synthetic city's truth, as a step of its own.

It runs after the night (the `evaluation` job), from what the persons stage kept in the
warehouse, so the night's list never waits for it. A real council has no truth: there is
then nothing to run. The measures themselves are evaluation.py's; this is the step that
points them at the night's tables and says what the headline figures are.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.linkage import evaluation
from orchestration.linkage.engine import table_exists
from orchestration.linkage.pipeline import (
    RUN_PROFILE_PAIRS,
    RUN_RECORD_PROFILES,
    STANDARDISED_RECORDS,
)


def evaluate_last_run(
    con: duckdb.DuckDBPyConnection,
    source: str,
    reports_dir: Path | None,
    truth_dir: Path | None = None,
    truth_table: str | None = None,
    uprns: str | None = "linkage.record_uprns",
) -> dict:
    """Measure the last run_person_linkage on `con` against the truth (`truth_dir`, or a
    ready `truth_table`); write accuracy.json/html to `reports_dir`; return the headline:
    pairwise precision, recall and F1 of Splink and of exact name + DOB matching, blocking
    recall, the number of disparities, and addresses and the review queue where measured."""
    for table in (RUN_RECORD_PROFILES, RUN_PROFILE_PAIRS, "linkage.person_index"):
        if not table_exists(con, table):
            raise FileNotFoundError(f"{table} is missing: run the persons stage first")
    accuracy = evaluation.evaluate_run(
        con,
        source,
        reports_dir,
        truth_dir=truth_dir,
        truth_table=truth_table,
        standardised=STANDARDISED_RECORDS,
        record_map=RUN_RECORD_PROFILES,
        pairs=RUN_PROFILE_PAIRS,
        record_uprns=uprns if uprns and table_exists(con, uprns) else None,
    )
    headline = {
        "splink": accuracy["splink"]["pairwise"],
        "baseline_exact_name_dob": accuracy["baseline_exact_name_dob"]["pairwise"],
        "blocking_recall": accuracy["blocking"]["blocking_recall"],
        "disparities": len(accuracy["splink"]["disparities"]),
    }
    for part in ("addresses", "review_queue"):
        if part in accuracy:
            headline[part] = accuracy[part]
    return headline
