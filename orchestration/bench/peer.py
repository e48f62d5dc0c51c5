"""The peer a user would pick instead: plain Splink with a textbook model, on the same records.

After night one the bench links the night's standardised person records
(`linkage.standardised_records`: the same names, dates of birth, postcodes and sex the
project's model saw) with Splink's library comparisons and the training steps of Splink's
tutorials (prior from a deterministic rule, u by random sampling, m by EM on a name block and
a date-of-birth block), records straight in, no profiles, no pair store, no identifiers or
UPRNs. It runs as its own process so its time and memory are measured like a night's, and its
clusters are scored against the truth by the project's own evaluation (evaluation.py).

`python -m orchestration.bench.peer --warehouse W --truth DIR --out peer.json`
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

LINK_THRESHOLD = 0.9  # the project's own link threshold (settings.LinkageThresholds)
U_MAX_PAIRS = 1e6
DETERMINISTIC_RECALL = 0.7
SEED = 42
COLUMNS = "record_id, source_dataset, first_name, surname, dob, postcode, sex"


def textbook_settings():
    """Splink's library comparisons for names, date of birth, postcode and sex, and the
    blocking rules its tutorials start from."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("dob"),
            block_on("surname", "postcode"),
            block_on("first_name", "postcode"),
        ],
    )


def link_with_plain_splink(con: duckdb.DuckDBPyConnection, records: str) -> tuple[str, dict]:
    """Cluster `records` with a textbook model trained on them; returns the name of a table
    (record_id, predicted_id) on `con` and the seconds of each step."""
    from splink import DuckDBAPI, Linker, block_on

    seconds = {}
    started = time.monotonic()
    linker = Linker(records, textbook_settings(), db_api=DuckDBAPI(connection=con))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob")], recall=DETERMINISTIC_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "surname")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    seconds["train"] = round(time.monotonic() - started, 1)
    predictions = linker.inference.predict(threshold_match_probability=LINK_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, LINK_THRESHOLD
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE peer_predicted AS
            SELECT record_id::VARCHAR AS record_id, cluster_id::VARCHAR AS predicted_id
            FROM {clusters.physical_name}"""
    )
    seconds["predict_and_cluster"] = round(time.monotonic() - started - seconds["train"], 1)
    return "peer_predicted", seconds


def run_peer(warehouse: Path, truth_dir: Path) -> dict:
    """Link the warehouse's standardised records with plain Splink; score against the truth."""
    from orchestration.linkage.evaluation import evaluate_clusters, load_truth

    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
        con.execute(
            f"CREATE TABLE peer_records AS SELECT {COLUMNS} FROM w.linkage.standardised_records"
        )
        con.execute("DETACH w")
        records = con.execute("SELECT count(*) FROM peer_records").fetchone()[0]
        predicted, seconds = link_with_plain_splink(con, "peer_records")
        load_truth(con, truth_dir)
        con.execute(
            "CREATE TABLE peer_sources AS SELECT record_id, source_dataset FROM peer_records"
        )
        accuracy = evaluate_clusters(con, predicted, "lk_truth", "peer_sources")
        persons = con.execute(f"SELECT count(DISTINCT predicted_id) FROM {predicted}").fetchone()[0]
    finally:
        con.close()
    return {
        "records": records,
        "persons": persons,
        "steps_seconds": seconds,
        "pairwise": accuracy["pairwise"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    args.out.write_text(json.dumps(run_peer(args.warehouse, args.truth), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
