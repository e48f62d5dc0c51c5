"""Clerical review decisions, constrained clustering that honours them, and run checks."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.linkage import checks
from orchestration.linkage.clustering import constrained_clusters
from orchestration.linkage.model import comparison_level_labels
from orchestration.linkage.review import pending_reviews, record_decision, refresh_review_queue
from orchestration.linkage.settings import base_settings


def _groups(roots: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, root in roots.items():
        groups.setdefault(root, set()).add(node)
    return {frozenset(g) for g in groups.values()}


def test_edges_chain_into_one_cluster_without_constraints():
    assert _groups(constrained_clusters([(1, 2), (2, 3), (4, 5)], [])) == {
        frozenset({1, 2, 3}),
        frozenset({4, 5}),
    }


def test_a_non_match_decision_keeps_two_records_apart_even_through_a_chain():
    # 1-2 and 2-3 would chain 1 with 3; the reviewer said 1 and 3 differ.
    groups = _groups(constrained_clusters([(1, 2), (2, 3)], [(1, 3)]))
    assert not any({1, 3} <= g for g in groups)
    assert frozenset({1, 2}) in groups


def test_constraint_survives_merges_of_whole_components():
    groups = _groups(constrained_clusters([(1, 2), (3, 4), (2, 3)], [(1, 4)]))
    assert not any({1, 4} <= g for g in groups)


def test_record_decision_validates_and_leaves_the_queue():
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE cands AS SELECT 'a' AS record_id_l, 'b' AS record_id_r,
           0.7 AS match_probability, 1.2 AS match_weight, '{}' AS evidence"""
    )
    refresh_review_queue(con, "cands", "run1", datetime(2016, 1, 1, tzinfo=UTC))
    assert len(pending_reviews(con)) == 1
    with pytest.raises(ValueError):
        record_decision(con, "a", "b", "maybe", "A Reviewer")
    with pytest.raises(ValueError):
        record_decision(con, "a", "b", "match", " ")
    record_decision(con, "b", "a", "match", "A Reviewer", note="same GP")
    assert pending_reviews(con) == []
    row = con.execute(
        "SELECT record_id_l, record_id_r, decision, reviewer, decided_at IS NOT NULL "
        "FROM linkage.review_decisions"
    ).fetchone()
    assert row == ("a", "b", "match", "A Reviewer", True)


def test_gamma_labels_follow_splink_numbering():
    labels = comparison_level_labels(base_settings())
    assert labels["dob"][-1] == "missing"
    assert labels["dob"][0] == "all other comparisons"
    assert labels["dob"][1] == "years differ by at most 9 (a wrong last digit of the year)"
    assert labels["dob"][5] == "exact"
    assert labels["dob"][4] == "one digit differs or day and month swapped"
    assert labels["dob"][3] == "same year, one date a 1 January stand-in"


def test_link_rate_shift_fails_on_a_sudden_change_and_passes_when_steady():
    before = {
        "records_per_person": 3.0,
        "share_in_two_or_more_sources": 0.6,
        "pair_link_rates": {"a|b": 0.5},
    }
    steady = {
        "records_per_person": 3.1,
        "share_in_two_or_more_sources": 0.62,
        "pair_link_rates": {"a|b": 0.52},
    }
    broken = {
        "records_per_person": 1.0,
        "share_in_two_or_more_sources": 0.05,
        "pair_link_rates": {"a|b": 0.01},
    }
    assert checks.link_rate_shift(steady, before).passed
    assert not checks.link_rate_shift(broken, before).passed
    assert checks.link_rate_shift(broken, {}).passed


def test_cluster_size_sanity_fails_on_a_giant_cluster():
    assert checks.cluster_size_sanity({"max_profiles_in_a_cluster": 5, "records": 10}).passed
    assert not checks.cluster_size_sanity(
        {"max_profiles_in_a_cluster": 10_000, "records": 10}
    ).passed


def test_model_conflicts_stop_chains_but_yield_to_a_reviewers_match():
    # 2 is a record without a date of birth linking parent 1 and child 3 of one name.
    groups = _groups(constrained_clusters([(1, 2), (2, 3)], [], soft_cannot_link=[(1, 3)]))
    assert not any({1, 3} <= g for g in groups)
    forced = _groups(constrained_clusters([], [], forced=[(1, 3)], soft_cannot_link=[(1, 3)]))
    assert frozenset({1, 3}) in forced
    # A reviewer's non-match still beats a reviewer's match made earlier on another pair.
    hard = _groups(constrained_clusters([], [(1, 3)], forced=[(1, 2), (2, 3)]))
    assert not any({1, 3} <= g for g in hard)


def test_prior_scales_down_with_a_larger_city_and_never_up(tmp_path):
    import json

    from orchestration.linkage.model import scaled_prior

    model_file = tmp_path / "m.json"
    model_file.write_text("{}")
    (tmp_path / "m.meta.json").write_text(json.dumps({"training_profiles": 1001}))
    model = {"probability_two_random_records_match": 0.01}
    assert scaled_prior(model, model_file, 10001) == pytest.approx(0.001)
    assert scaled_prior(model, model_file, 11) == pytest.approx(0.01)


def test_review_commands_record_a_decision_with_who_and_when(tmp_path, capsys):
    from orchestration.cli import main

    db = tmp_path / "w.duckdb"
    assert (
        main(
            [
                "review",
                "--db",
                str(db),
                "decide",
                "b:1",
                "a:2",
                "non_match",
                "--reviewer",
                "A Reviewer",
                "--note",
                "different DOB",
            ]
        )
        == 0
    )
    assert main(["review", "--db", str(db), "list"]) == 0
    con = duckdb.connect(str(db), read_only=True)
    row = con.execute(
        "SELECT record_id_l, record_id_r, decision, reviewer, decided_at IS NOT NULL, note "
        "FROM linkage.review_decisions"
    ).fetchone()
    assert row == ("a:2", "b:1", "non_match", "A Reviewer", True, "different DOB")
