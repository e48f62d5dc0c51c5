"""Accuracy measures against a known truth: pairwise, cluster, per group, and the baseline."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.linkage.evaluation import (
    blocking_recall,
    evaluate_clusters,
    exact_name_dob_baseline,
)


@pytest.fixture()
def con():
    connection = duckdb.connect()
    # Truth: person A has records 1,2,3 (source s1, s1, s2); person B has 4,5 (s2).
    connection.execute(
        """CREATE TABLE truth AS SELECT * FROM (VALUES
            ('1', 'A', 'british'), ('2', 'A', 'british'), ('3', 'A', 'british'),
            ('4', 'B', 'somali'), ('5', 'B', 'somali')) t(record_id, person_id, name_origin)"""
    )
    connection.execute(
        """CREATE TABLE sources AS SELECT * FROM (VALUES
            ('1', 's1'), ('2', 's1'), ('3', 's2'), ('4', 's2'), ('5', 's2'))
            t(record_id, source_dataset)"""
    )
    yield connection
    connection.close()


def test_pairwise_counts_match_hand_counted_pairs(con):
    # Predicted: {1,2}, {3,4,5}: correct pairs 1-2 and 4-5; wrong 3-4, 3-5; missed 1-3, 2-3.
    con.execute(
        """CREATE TABLE pred AS SELECT * FROM (VALUES
            ('1', 'x'), ('2', 'x'), ('3', 'y'), ('4', 'y'), ('5', 'y'))
            t(record_id, predicted_id)"""
    )
    result = evaluate_clusters(con, "pred", "truth", "sources")
    pairwise = result["pairwise"]
    assert (pairwise["true_pairs"], pairwise["predicted_pairs"], pairwise["correct_pairs"]) == (
        4,
        4,
        2,
    )
    assert pairwise["precision"] == pytest.approx(0.5)
    assert pairwise["recall"] == pytest.approx(0.5)
    cluster = result["cluster"]
    assert cluster["persons_split_across_ids"] == 1
    assert cluster["ids_holding_several_persons"] == 1
    assert cluster["exact_cluster_share_of_true_persons"] == 0.0
    # Somali group: pairs touching records 4 or 5: true 4-5; predicted 3-4, 3-5, 4-5.
    somali = result["per_name_origin"]["somali"]
    assert (somali["true_pairs"], somali["predicted_pairs"], somali["correct_pairs"]) == (1, 3, 1)
    assert {d["group"] for d in result["disparities"]} >= {"somali"}


def test_perfect_prediction_scores_one(con):
    con.execute("CREATE TABLE pred AS SELECT record_id, person_id AS predicted_id FROM truth")
    result = evaluate_clusters(con, "pred", "truth", "sources")
    assert result["pairwise"]["f1"] == 1.0
    assert result["cluster"]["bcubed_f1"] == 1.0
    assert result["disparities"] == []


def test_exact_baseline_links_only_identical_name_and_dob(con):
    con.execute(
        """CREATE TABLE recs AS SELECT * FROM (VALUES
            ('1', 'Ann', 'Lee', DATE '2001-01-01'), ('2', 'ann ', 'LEE', DATE '2001-01-01'),
            ('3', 'Anne', 'Lee', DATE '2001-01-01'), ('4', 'Ann', 'Lee', NULL),
            ('5', 'Ann', 'Lee', NULL)) t(record_id, first_name, surname, dob)"""
    )
    exact_name_dob_baseline(con, "recs", "base")
    ids = dict(con.execute("SELECT record_id, predicted_id FROM base").fetchall())
    assert ids["1"] == ids["2"] != ids["3"]
    assert ids["4"] != ids["5"]


def test_blocking_recall_counts_true_pairs_a_rule_would_compare(con):
    con.execute(
        """CREATE TABLE profiles AS SELECT * FROM (VALUES
            (1, DATE '2001-01-01'), (2, DATE '2001-01-01'), (3, DATE '2002-02-02'),
            (4, DATE '1990-01-01'), (5, DATE '1990-01-01')) t(unique_id, dob)"""
    )
    con.execute("CREATE TABLE rmap AS SELECT record_id, record_id::INT AS unique_id FROM truth")
    result = blocking_recall(con, "profiles", "rmap", "truth", rules=['l."dob" = r."dob"'])
    # True profile pairs: 1-2, 1-3, 2-3, 4-5; the rule compares 1-2 and 4-5.
    assert result["true_profile_pairs"] == 4
    assert result["blocking_recall"] == pytest.approx(0.5)


def test_grouped_counts_equal_pairs_counted_one_by_one():
    # Random predictions over random truth: every pairwise figure, overall and per group,
    # equals a brute-force count over all record pairs.
    import itertools
    import random

    rng = random.Random(3)
    con = duckdb.connect()
    n = 60
    truth = [(str(i), f"t{rng.randrange(12)}", rng.choice(["a", "b", "c"])) for i in range(n)]
    # Name origin belongs to the true person.
    origin = {t: o for _, t, o in truth}
    truth = [(r, t, origin[t]) for r, t, _ in truth]
    sources = [(str(i), rng.choice(["s1", "s2", "s3"])) for i in range(n)]
    pred = [(str(i), f"p{rng.randrange(15)}") for i in range(n)]
    con.execute("CREATE TABLE truth (record_id VARCHAR, person_id VARCHAR, name_origin VARCHAR)")
    con.executemany("INSERT INTO truth VALUES (?, ?, ?)", truth)
    con.execute("CREATE TABLE sources (record_id VARCHAR, source_dataset VARCHAR)")
    con.executemany("INSERT INTO sources VALUES (?, ?)", sources)
    con.execute("CREATE TABLE pred (record_id VARCHAR, predicted_id VARCHAR)")
    con.executemany("INSERT INTO pred VALUES (?, ?)", pred)
    result = evaluate_clusters(con, "pred", "truth", "sources")

    t = {r: p for r, p, _ in truth}
    o = {r: g for r, _, g in truth}
    s = dict(sources)
    p = dict(pred)

    def brute(keep):
        tp = pr = tr = 0
        for a, b in itertools.combinations(sorted(t), 2):
            if not keep(a, b):
                continue
            tp += p[a] == p[b] and t[a] == t[b]
            pr += p[a] == p[b]
            tr += t[a] == t[b]
        return tp, pr, tr

    def got(rates):
        return rates["correct_pairs"], rates["predicted_pairs"], rates["true_pairs"]

    assert got(result["pairwise"]) == brute(lambda a, b: True)
    for src in ("s1", "s2", "s3"):
        expected = brute(lambda a, b, g=src: s[a] == g or s[b] == g)
        assert got(result["per_source"][src]) == expected
    for grp in set(o.values()):
        expected = brute(lambda a, b, g=grp: o[a] == g or o[b] == g)
        assert got(result["per_name_origin"][grp]) == expected
