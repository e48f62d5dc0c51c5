"""`families link`: link (or, given one file, deduplicate) person files in the standard schema.

By default a model is learnt from the files themselves (learn.py) and saved beside the
output as model.json, since files from elsewhere differ from the data the nightly model was
trained on; `model_file` reuses a saved model instead. Same standardisation, scoring and
clustering as the nightly run; writes the scored pairs and the clusters to a folder, with
the model's own estimate of its blocking recall. Nothing is written to the warehouse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from orchestration.linkage.address_text import add_address_text
from orchestration.linkage.blocking_choice import estimate_blocking_recall
from orchestration.linkage.engine import build_profiles
from orchestration.linkage.inputs import load_person_files
from orchestration.linkage.learn import learn_model
from orchestration.linkage.model import level_label_sql, load_model, scaled_prior
from orchestration.linkage.predict import predict_and_cluster
from orchestration.linkage.settings import LinkageThresholds
from orchestration.linkage.standardise import standardise_person_records


def link_files(
    inputs: Sequence[Path],
    output_dir: Path,
    model_file: Path | None = None,
    thresholds: LinkageThresholds | None = None,
    column_map: Mapping[str, str] | None = None,
) -> dict:
    """Write pairs.csv, clusters.csv, summary.json (and model.json, when the model is
    learnt here) for the person files `inputs`."""
    thresholds = thresholds or LinkageThresholds.from_env()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    messages: list[str] = []
    con = duckdb.connect()
    try:
        load_person_files(con, inputs, "lk_input", column_map=column_map, messages=messages)
        standardise_person_records(con, "lk_input", "lk_std")
        add_address_text(con, "lk_input", "lk_std")
        learnt = model_file is None
        if learnt:
            model_file = output_dir / "model.json"
            build_profiles(con, "lk_std", "lk_learn_profiles", "lk_learn_map")
            learn_model(con, "lk_learn_profiles", model_file)
            con.execute("DROP TABLE lk_learn_profiles; DROP TABLE lk_learn_map")
        model_file = Path(model_file)
        if not model_file.is_file():
            raise FileNotFoundError(f"{model_file}: no such model file")
        result = predict_and_cluster(con, "lk_std", model_file, thresholds)
        model = load_model(model_file)
        model["probability_two_random_records_match"] = scaled_prior(
            model, model_file, result.profiles
        )
        blocking = estimate_blocking_recall(con, "lk_profiles", model, thresholds.link)
        level_cols = [
            f"{case} AS {name}_level"
            for name, case in level_label_sql(con, "lk_pairs", model).items()
        ]
        levels = (", " + ", ".join(level_cols)) if level_cols else ""
        # Profile pairs expand to record pairs; records with identical standardised fields
        # are pairs of probability 1 by construction.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lk_out_pairs AS
            SELECT least(ml.record_id, mr.record_id) AS record_id_l,
                   greatest(ml.record_id, mr.record_id) AS record_id_r,
                   round(p.match_probability, 6) AS match_probability,
                   round(p.match_weight, 3) AS match_weight,
                   p.match_probability >= {thresholds.link} AS is_linked,
                   p.match_probability >= {thresholds.review_low}
                       AND p.match_probability < {thresholds.review_high} AS needs_review
                   {levels}
            FROM lk_pairs p
            JOIN lk_record_map ml ON ml.unique_id = p.unique_id_l
            JOIN lk_record_map mr ON mr.unique_id = p.unique_id_r
            UNION ALL BY NAME
            SELECT a.record_id AS record_id_l, b.record_id AS record_id_r, 1.0 AS match_probability,
                   NULL AS match_weight, true AS is_linked, false AS needs_review
            FROM lk_record_map a JOIN lk_record_map b
              ON a.unique_id = b.unique_id AND a.record_id < b.record_id
            """
        )
        pairs_path = output_dir / "pairs.csv"
        con.execute(
            f"COPY (SELECT * FROM lk_out_pairs ORDER BY match_probability DESC, record_id_l, "
            f"record_id_r) TO '{_sql_path(pairs_path)}' (HEADER)"
        )
        clusters_path = output_dir / "clusters.csv"
        con.execute(
            f"""
            COPY (
                SELECT c.record_id, i.source_dataset,
                       'C' || lpad(dense_rank() OVER (ORDER BY c.cluster_key)::VARCHAR, 7, '0')
                           AS cluster_id,
                       count(*) OVER (PARTITION BY c.cluster_key) AS cluster_size
                FROM lk_record_clusters c JOIN lk_input i USING (record_id)
                ORDER BY cluster_id, c.record_id
            ) TO '{_sql_path(clusters_path)}' (HEADER)
            """
        )
        files = con.execute("SELECT count(DISTINCT source_dataset) FROM lk_input").fetchone()[0]
        summary = {
            "mode": "deduplicate" if len(inputs) == 1 else "link and deduplicate",
            "input_files": len(inputs),
            "source_datasets": files,
            "model": str(model_file),
            "model_learnt_from_inputs": learnt,
            "input_messages": messages,
            "blocking": blocking,
            "thresholds": vars(thresholds),
            "records": result.records,
            "distinct_profiles": result.profiles,
            "scored_pairs": con.execute("SELECT count(*) FROM lk_out_pairs").fetchone()[0],
            "linked_pairs": con.execute(
                "SELECT count(*) FROM lk_out_pairs WHERE is_linked"
            ).fetchone()[0],
            "pairs_needing_review": con.execute(
                "SELECT count(*) FROM lk_out_pairs WHERE needs_review"
            ).fetchone()[0],
            "clusters": result.clusters,
            "conflicts": result.conflicts,
            "identifier_conflicts": result.identifier_conflicts,
            "date_of_birth_conflicts": result.date_of_birth_conflicts,
            "clusters_split_by_conflicts": result.split_persons,
            "outputs": {"pairs": str(pairs_path), "clusters": str(clusters_path)},
        }
        (output_dir / "summary.json").write_text(json.dumps(summary, indent=2))
        return summary
    finally:
        con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
