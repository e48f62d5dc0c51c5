"""Dagster assets and checks of the linkage stage (thin: the work is in plain functions),
and its accuracy against the synthetic truth (group `evaluation`, run after the night)."""

from __future__ import annotations

import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import paths
from orchestration.linkage import checks
from orchestration.platform.ownership import BI_TEAM, stage_tags

PERSON_RECORDS = "intermediate.int_person_records"
GAZETTEER = "raw.council_gis__gazetteer"

RECORD_UPRNS_KEY = dg.AssetKey(["linkage", "record_uprns"])
PERSON_INDEX_KEY = dg.AssetKey(["linkage", "person_index"])
LINKAGE_ACCURACY_KEY = dg.AssetKey(["evaluation", "linkage_accuracy"])


def _reports_dir():
    return paths.reports_dir() / "linkage"


@dg.asset(
    key=RECORD_UPRNS_KEY,
    deps=[dg.AssetKey(["int_person_records"]), dg.AssetKey(["raw", "council_gis__gazetteer"])],
    group_name="linkage",
    pool="duckdb",
    kinds={"duckdb", "python"},
    owners=[BI_TEAM],
    tags=stage_tags("linkage"),
    description="Every person record's address matched to a UPRN in the gazetteer "
    "(uk-address-matcher): matched, low_confidence or unmatched.",
)
def record_uprns(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.linkage.addresses import (
        address_report_by_source,
        gazetteer_canonical_sql,
        match_record_addresses,
    )

    with duckdb.get_connection() as con:
        summary = match_record_addresses(
            con,
            PERSON_RECORDS,
            gazetteer_canonical_sql(con, GAZETTEER),
            prepared_dir=paths.data_dir() / "linkage" / "gazetteer_prepared",
        )
        by_source = address_report_by_source(con, PERSON_RECORDS)
    out = _reports_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / "addresses.json").write_text(
        json.dumps({"overall": summary, "by_source": by_source}, indent=2)
    )
    return dg.MaterializeResult(
        metadata={
            **{k: dg.MetadataValue.int(v) for k, v in summary.items() if isinstance(v, int)},
            "seconds": dg.MetadataValue.float(float(summary["seconds"])),
            "report": dg.MetadataValue.path(str(out / "addresses.json")),
        }
    )


@dg.asset(
    key=PERSON_INDEX_KEY,
    # Reviewers' decisions from the web application are binding: applied before linking.
    deps=[
        dg.AssetKey(["int_person_records"]),
        RECORD_UPRNS_KEY,
        dg.AssetKey(["linkage", "web_review_decisions"]),
    ],
    group_name="linkage",
    pool="duckdb",
    kinds={"duckdb", "splink"},
    owners=[BI_TEAM],
    tags=stage_tags("linkage"),
    description="Master person index: a stable person id per linked cluster of records "
    "(Splink, saved model), with review queue, id history and diagnostics.",
)
def person_index(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.linkage.pipeline import run_person_linkage

    with duckdb.get_connection() as con:
        summary = run_person_linkage(
            con, source=PERSON_RECORDS, uprns="linkage.record_uprns", reports_dir=_reports_dir()
        )
    metadata = {k: dg.MetadataValue.int(int(v)) for k, v in summary["counts"].items()}
    metadata["seconds"] = dg.MetadataValue.float(float(summary["seconds"]["total"]))
    metadata["model"] = dg.MetadataValue.text(summary["model"])
    metadata["diagnostics"] = dg.MetadataValue.path(str(_reports_dir() / "diagnostics.html"))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key=LINKAGE_ACCURACY_KEY,
    deps=[PERSON_INDEX_KEY, RECORD_UPRNS_KEY],
    group_name="evaluation",
    pool="duckdb",
    kinds={"duckdb", "python"},
    owners=[BI_TEAM],
    tags=stage_tags("evaluation"),
    description="Person linkage precision, recall and F1 (and exact name + DOB matching's, "
    "blocking recall, per source and name origin) against the synthetic city's ground truth "
    "(data/reports/linkage/accuracy.json). Runs after the night: no link depends on it.",
)
def linkage_accuracy(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.linkage.accuracy import evaluate_last_run

    truth = paths.truth_dir()
    if not (truth / "record_truth.parquet").is_file():
        # Real agency data has no ground truth: there is nothing to measure against.
        return dg.MaterializeResult(metadata={"measured": False})
    with duckdb.get_connection() as con:
        accuracy = evaluate_last_run(con, PERSON_RECORDS, _reports_dir(), truth_dir=truth)
    metadata: dict = {"measured": True}
    for method in ("splink", "baseline_exact_name_dob"):
        for measure in ("precision", "recall", "f1"):
            metadata[f"{method}_{measure}"] = dg.MetadataValue.float(
                float(accuracy[method][measure])
            )
    metadata["blocking_recall"] = dg.MetadataValue.float(float(accuracy["blocking_recall"]))
    metadata["report"] = dg.MetadataValue.path(str(_reports_dir() / "accuracy.json"))
    return dg.MaterializeResult(metadata=metadata)


def _latest_two_runs(con) -> tuple[dict, dict]:
    from orchestration.linkage.pipeline import ensure_run_metrics

    ensure_run_metrics(con)
    rows = con.execute(
        "SELECT metrics FROM linkage.run_metrics ORDER BY run_at DESC LIMIT 2"
    ).fetchall()
    current = json.loads(rows[0][0]) if rows else {}
    previous = json.loads(rows[1][0]) if len(rows) > 1 else {}
    return current, previous


def _result(outcome: checks.CheckOutcome, severity=dg.AssetCheckSeverity.ERROR):
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=severity,
        description=outcome.description,
        metadata={
            k: dg.MetadataValue.json(v) if isinstance(v, dict) else v
            for k, v in outcome.metadata.items()
        },
    )


@dg.asset_check(
    asset=PERSON_INDEX_KEY,
    pool="duckdb",
    description="Link rates have not shifted suddenly since the previous run.",
)
def person_link_rate_shift(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        current, previous = _latest_two_runs(con)
    return _result(checks.link_rate_shift(current, previous))


@dg.asset_check(
    asset=PERSON_INDEX_KEY,
    pool="duckdb",
    description="No person gathers an implausible number of distinct records.",
)
def person_cluster_size_sanity(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        current, _ = _latest_two_runs(con)
    return _result(checks.cluster_size_sanity(current))


@dg.asset_check(
    asset=RECORD_UPRNS_KEY,
    pool="duckdb",
    description="Most addressed records match a gazetteer UPRN confidently.",
)
def address_match_rate(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        rows = dict(
            con.execute(
                "SELECT match_status, count(*) FROM linkage.record_uprns GROUP BY 1"
            ).fetchall()
        )
    report = _reports_dir() / "addresses.json"
    counts = {"matched": rows.get("matched", 0), "low_confidence": rows.get("low_confidence", 0)}
    if report.is_file():
        counts["unmatched_with_address"] = json.loads(report.read_text())["overall"][
            "unmatched_with_address"
        ]
    return _result(checks.address_match_rate(counts), dg.AssetCheckSeverity.WARN)


ASSETS = [record_uprns, person_index, linkage_accuracy]
CHECKS = [person_link_rate_shift, person_cluster_size_sanity, address_match_rate]
