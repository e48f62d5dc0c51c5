"""Nightly prediction: score pairs with the saved model, cluster, honour review decisions.

The steps share one LinkageRun (run_state.py) and live in their own modules: scoring.py
(Splink compares new pairs into the pair store), conflicts.py, identifier_conflicts.py and
date_of_birth_conflicts.py (pairs that must not end in one person), clustering.py (components, then constrained
re-clustering) and review_selection.py (which uncertain pairs a reviewer sees). A
reviewer's "match" is an edge of probability 1; a "not a match" is a cannot-link
constraint. Both are honoured on every later run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.linkage import pairstore
from orchestration.linkage.clustering import (
    connected_components,
    decided_profile_pairs,
    split_components_against_decisions,
)
from orchestration.linkage.conflicts import conflicts_within_components
from orchestration.linkage.engine import (
    build_profiles,
    load_profiles_into,
    make_linker,
    splink_connection,
)
from orchestration.linkage.date_of_birth_conflicts import (
    date_of_birth_conflicts,
    generation_gap_means_two_people,
)
from orchestration.linkage.identifier_conflicts import identifier_conflicts
from orchestration.linkage.model import load_model, scaled_prior
from orchestration.linkage.review_selection import review_candidates
from orchestration.linkage.run_state import LinkageRun
from orchestration.linkage.scoring import remember_profiles, score_new_pairs
from orchestration.linkage.settings import LinkageThresholds

logger = logging.getLogger(__name__)


@dataclass
class PredictionResult:
    """Counts of one prediction run (the tables it wrote hold the detail)."""

    records: int
    profiles: int
    scored_pairs: int
    linked_pairs: int
    clusters: int
    review_pairs: int
    mode: str = "full"
    mode_reason: str = ""
    new_profiles: int = 0
    conflicts: int = 0
    identifier_conflicts: int = 0
    date_of_birth_conflicts: int = 0
    split_persons: int = 0
    timings: dict | None = None


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
    except duckdb.CatalogException:
        return False


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


def predict_and_cluster(
    con: duckdb.DuckDBPyConnection,
    std_table: str,
    model_path: Path,
    thresholds: LinkageThresholds,
    decisions_table: str | None = None,
    diagnostics: Callable | None = None,
    store_schema: str | None = None,
    force_full: bool = False,
    run_id: str | None = None,
) -> PredictionResult:
    """Score and cluster the standardised records in `std_table`.

    Writes, on `con` (names in run_state.RunTables): lk_record_map (record_id, unique_id),
    lk_pairs (scored profile pairs with match_probability >= the review band's lower edge,
    gammas and Bayes factors), lk_record_clusters (record_id, cluster_key) and
    lk_review_candidates (representative record pairs in the review band, with evidence).
    `decisions_table` holds reviewer decisions (record_id_l, record_id_r, decision
    'match'/'non_match'). `diagnostics(linker, None)` is called while Splink's linker is
    alive (for model charts).

    With `store_schema` (the nightly run: "linkage"), scored pairs are kept in that schema
    between runs (pairstore.py) and only profiles not seen before are compared, unless the
    model, thresholds or standardisation changed or `force_full`; without it (`families
    link`), everything is scored, in temp tables.
    """
    started = time.monotonic()
    timings: dict[str, float] = {}
    run = LinkageRun(
        con=con,
        model=load_model(model_path),
        model_path=Path(model_path),
        thresholds=thresholds,
        store=pairstore.StoreTables.in_schema(store_schema),
    )
    t = run.tables
    decisions = decisions_table if decisions_table and _has_rows(con, decisions_table) else None
    if decisions:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE lk_isolated AS
            SELECT record_id_l AS record_id FROM {decisions} WHERE decision = 'non_match'
            UNION SELECT record_id_r FROM {decisions} WHERE decision = 'non_match'"""
        )
    profiles = build_profiles(
        con, std_table, t.profiles, t.record_map, "lk_isolated" if decisions else None
    )
    records = _count(con, f"SELECT count(*) FROM {t.record_map}")
    timings["profiles"] = round(time.monotonic() - started, 1)
    run.prior = scaled_prior(run.model, model_path, profiles)
    run.model["probability_two_random_records_match"] = run.prior
    forced, cannot_link = decided_profile_pairs(run, decisions) if decisions else ([], [])
    floor = min(thresholds.review_low, thresholds.link)
    current_fingerprint = pairstore.fingerprint(model_path, floor)
    run.mode, reason = pairstore.choose_mode(
        pairstore.previous_state(con, run.store), current_fingerprint, profiles, force_full
    )
    new_profiles = _find_new_profiles(run)
    logger.info(
        "person scoring: %s (%s), %d new of %d profiles", run.mode, reason, new_profiles, profiles
    )
    roots_arrow, model_conflicts = _score_and_find_components(
        run, new_profiles, forced, diagnostics, timings, started
    )
    con.register("lk_roots_arrow", roots_arrow)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {t.roots} AS SELECT * FROM lk_roots_arrow")
    con.unregister("lk_roots_arrow")
    del roots_arrow
    remember_profiles(run)
    # Different NHS numbers, UPNs or NI numbers in one component: two people, whatever the
    # model scored (twins share everything else). Same standing as the model's conflicts.
    id_conflicts = identifier_conflicts(con, t.profiles, t.roots)
    # Dates of birth a generation apart: two people, though names and address agree (where
    # the model learnt that true matches never differ so).
    dob_conflicts = (
        date_of_birth_conflicts(con, t.profiles, t.roots)
        if generation_gap_means_two_people(run.model)
        else []
    )
    conflicts = sorted(set(model_conflicts) | set(id_conflicts) | set(dob_conflicts))
    pairstore.write_state(
        con, run.store, current_fingerprint, profiles, run.mode, run_id, datetime.now(UTC)
    )
    # Reviewers' "not a match" decisions and conflicts both keep records apart.
    split_persons = 0
    if cannot_link or conflicts:
        split_persons = split_components_against_decisions(run, forced, cannot_link, conflicts)
    # A cluster's key is its smallest record id: deterministic, and only used to group.
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {t.record_clusters} AS
        SELECT m.record_id,
               min(m.record_id) OVER (PARTITION BY coalesce(r.root, m.unique_id)) AS cluster_key
        FROM {t.record_map} m LEFT JOIN {t.roots} r USING (unique_id)
        """
    )
    timings["clusters"] = round(time.monotonic() - started, 1)
    review_pairs = review_candidates(run, decisions)
    timings["total"] = round(time.monotonic() - started, 1)
    link_sql = f"SELECT count(*) FROM {t.pairs} WHERE match_probability >= ?"
    return PredictionResult(
        records=records,
        profiles=profiles,
        scored_pairs=_count(con, f"SELECT count(*) FROM {t.pairs}"),
        linked_pairs=_count(con, link_sql, [thresholds.link]),
        clusters=_count(con, f"SELECT count(DISTINCT cluster_key) FROM {t.record_clusters}"),
        review_pairs=review_pairs,
        mode=run.mode,
        mode_reason=reason,
        new_profiles=new_profiles,
        conflicts=len(conflicts),
        identifier_conflicts=len(id_conflicts),
        date_of_birth_conflicts=len(dob_conflicts),
        split_persons=split_persons,
        timings=timings,
    )


def _find_new_profiles(run: LinkageRun) -> int:
    """Profiles the store has never compared (lk_new_profiles); stored pairs of profiles
    gone since are dropped. A full run empties the store first."""
    con, store, keys = run.con, run.store, run.tables.profile_keys
    if run.mode == "full":
        pairstore.reset_store(con, store, run.gamma_columns)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {run.tables.new_profiles} AS
            SELECT k.unique_id FROM {keys} k ANTI JOIN {store.profiles} s USING (profile_key)"""
    )
    con.execute(
        f"""DELETE FROM {store.pairs} WHERE profile_key_l NOT IN (SELECT profile_key FROM
            {keys}) OR profile_key_r NOT IN (SELECT profile_key FROM {keys})"""
    )
    return _count(con, f"SELECT count(*) FROM {run.tables.new_profiles}")


def _score_and_find_components(
    run: LinkageRun,
    new_profiles: int,
    forced: list[tuple[int, int]],
    diagnostics: Callable | None,
    timings: dict,
    started: float,
):
    """With Splink alive: score new pairs, weigh the store, find components and the model's
    conflicts within them. Returns (component roots as Arrow, conflicts)."""
    # Gammas are what the store keeps; Splink emits them only together with the compared
    # values, which stay behind in Splink's connection.
    run.model["retain_matching_columns"] = True
    run.model["retain_intermediate_calculation_columns"] = True
    run.splink_con = splink_connection()
    try:
        load_profiles_into(run.splink_con, run.con, run.tables.profiles)
        run.linker = make_linker(run.splink_con, run.model)
        run.plan = pairstore.weight_plan(run.linker)
        run.tf_lookups = pairstore.build_term_frequencies(
            run.con, run.tables.profiles, pairstore.tf_columns(run.plan)
        )
        pairstore.register_tf_tables(run.linker, run.tf_lookups)
        timings["splink_setup"] = round(time.monotonic() - started, 1)
        if new_profiles:
            score_new_pairs(run, run.floor_weight - pairstore.MARGIN_BITS)
        timings["score_new"] = round(time.monotonic() - started, 1)
        # Every stored pair is weighed afresh with this run's prior and term frequencies.
        pairstore.weighted_pairs(
            run.con,
            run.store,
            run.plan,
            run.prior,
            "blocked",
            f"match_weight >= {run.floor_weight!r}",
            run.tables.pairs,
        )
        edges = run.con.execute(
            f"SELECT unique_id_l, unique_id_r FROM {run.tables.pairs} WHERE match_probability >= ?",
            [run.thresholds.link],
        ).to_arrow_table()
        roots_arrow = connected_components(run, edges, forced)
        del edges
        timings["components"] = round(time.monotonic() - started, 1)
        conflicts = conflicts_within_components(run, roots_arrow)
        timings["conflicts"] = round(time.monotonic() - started, 1)
        if diagnostics is not None:
            diagnostics(run.linker, None)
    finally:
        run.splink_con.close()
        run.splink_con, run.linker = None, None
    return roots_arrow, conflicts
