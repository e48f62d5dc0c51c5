"""Side by side: the current nightly model and a newly trained one, on the same records.

A retrained model replaces the nightly one only on evidence: pairwise precision, recall and
F1 against the synthetic truth where there is one (evaluation only; nothing that links
reads it), and against reviewers' decisions (clerical_estimates.py), which is all a
council has. Both models link the same standardised records without the store and
without applying decisions, so their verdicts are their own.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.linkage.clerical_estimates import estimate_from_decisions
from orchestration.linkage.predict import predict_and_cluster
from orchestration.linkage.settings import LinkageThresholds
from orchestration.linkage.standardise import standardise_person_records

# A candidate may lose this much F1 to the current model and still be promoted: two
# trainings on the same data differ by sampling noise of about this size.
F1_TOLERANCE = 0.0005


def _truth_scores(con: duckdb.DuckDBPyConnection, truth_table: str) -> dict:
    from orchestration.linkage.evaluation import evaluate_clusters

    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_cmp_predicted AS
           SELECT record_id, cluster_key AS predicted_id FROM lk_record_clusters"""
    )
    result = evaluate_clusters(con, "lk_cmp_predicted", truth_table, "lk_cmp_sources")
    return {k: result["pairwise"][k] for k in ("precision", "recall", "f1")} | {
        "name_origin_disparities": len(
            [d for d in result["disparities"] if d["group_kind"] == "per_name_origin"]
        )
    }


def compare_models(
    con: duckdb.DuckDBPyConnection,
    source: str,
    current: Path,
    candidate: Path,
    uprns: str | None = None,
    thresholds: LinkageThresholds | None = None,
    truth_table: str | None = None,
    decisions_table: str | None = None,
) -> dict:
    """Figures for both models on `source` (standard schema) and whether to promote."""
    thresholds = thresholds or LinkageThresholds.from_env()
    standardise_person_records(con, source, "lk_cmp_std", uprns=uprns)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_cmp_sources AS SELECT record_id, source_dataset "
        "FROM lk_cmp_std"
    )
    report: dict = {}
    for label, path in (("current", Path(current)), ("candidate", Path(candidate))):
        result = predict_and_cluster(con, "lk_cmp_std", path, thresholds)
        entry: dict = {
            "model": path.name,
            "linked_pairs": result.linked_pairs,
            "persons": result.clusters,
        }
        if decisions_table:
            entry["review_decisions"] = estimate_from_decisions(
                con, decisions_table, "lk_record_map", "lk_pairs", thresholds.link
            )
        if truth_table:
            entry["truth"] = _truth_scores(con, truth_table)
        report[label] = entry
    report["verdict"], report["reason"] = _verdict(report["current"], report["candidate"])
    return report


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None or precision + recall == 0:
        return None
    return 2 * precision * recall / (precision + recall)


def _verdict(current: dict, candidate: dict) -> tuple[str, str]:
    if "truth" in candidate:
        old, new = current["truth"]["f1"], candidate["truth"]["f1"]
        measure = "pairwise F1 against the truth"
    else:
        labels_old = current.get("review_decisions") or {}
        labels_new = candidate.get("review_decisions") or {}
        old = _f1(labels_old.get("precision"), labels_old.get("recall"))
        new = _f1(labels_new.get("precision"), labels_new.get("recall"))
        measure = "F1 on reviewers' decisions"
        if old is None or new is None:
            return "no_evidence", "no truth and too few reviewers' decisions to compare on"
    if new + F1_TOLERANCE >= old:
        return "promote", f"{measure}: candidate {new:.4f}, current {old:.4f}"
    return "keep_current", f"{measure}: candidate {new:.4f} is worse than current {old:.4f}"
