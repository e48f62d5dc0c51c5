"""A retrained model is compared side by side with the current one before promotion."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.linkage.model_comparison import _verdict, compare_models
from orchestration.linkage.sample_data import make_sample_person_data
from orchestration.linkage.settings import model_path


def test_both_models_are_scored_against_the_truth_and_the_reviewers(tmp_path):
    sample = make_sample_person_data(persons=300, seed=5)
    con = duckdb.connect()
    records = pd.concat([frame.assign(source_dataset=name) for name, frame in sample.files.items()])
    con.register("records_df", records)
    con.execute("CREATE TABLE records AS SELECT * FROM records_df")
    con.register("truth_df", sample.truth)
    con.execute("CREATE TABLE truth AS SELECT * FROM truth_df")
    # Two reviewers' decisions on true pairs and one on a pair of different people.
    pair_sql = """SELECT a.record_id, b.record_id FROM truth a JOIN truth b
                  ON a.record_id < b.record_id AND (a.person_id = b.person_id) = ?
                  ORDER BY 1, 2 LIMIT ?"""
    pairs = [(a, b, True) for a, b in con.execute(pair_sql, [True, 2]).fetchall()]
    pairs += [(a, b, False) for a, b in con.execute(pair_sql, [False, 1]).fetchall()]
    con.execute(
        "CREATE TABLE decisions (record_id_l VARCHAR, record_id_r VARCHAR, decision VARCHAR, "
        "decided_at TIMESTAMP)"
    )
    for a, b, same in pairs:
        con.execute(
            "INSERT INTO decisions VALUES (?, ?, ?, now())",
            [a, b, "match" if same else "non_match"],
        )
    nightly = model_path("v2")
    report = compare_models(
        con, "records", nightly, nightly, truth_table="truth", decisions_table="decisions"
    )
    for side in ("current", "candidate"):
        assert 0.9 <= report[side]["truth"]["f1"] <= 1.0
        assert report[side]["review_decisions"]["labelled_pairs"] == len(pairs)
    # The same model on the same records scores the same, so it may be promoted.
    assert report["current"]["truth"] == report["candidate"]["truth"]
    assert report["verdict"] == "promote"


def test_verdict_prefers_truth_then_reviewers_and_refuses_without_evidence():
    worse = {"truth": {"f1": 0.990}}
    better = {"truth": {"f1": 0.995}}
    assert _verdict(better, worse)[0] == "keep_current"
    assert _verdict(worse, better)[0] == "promote"
    labelled = {"review_decisions": {"precision": 0.9, "recall": 0.8}}
    poorer = {"review_decisions": {"precision": 0.7, "recall": 0.8}}
    assert _verdict(labelled, poorer)[0] == "keep_current"
    assert _verdict({}, {})[0] == "no_evidence"
