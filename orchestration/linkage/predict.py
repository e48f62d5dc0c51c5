"""Nightly prediction: score pairs with the saved model, cluster, honour review decisions.

Clustering is greedy and constrained rather than plain connected components: edges are taken
strongest first and a merge is refused when it would put two records a reviewer declared
different into one person. A reviewer's "match" is an edge of probability 1; a "not a match"
is a cannot-link constraint. Both are honoured on every later run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.linkage import pairstore
from orchestration.linkage.engine import (
    build_profiles,
    load_profiles_into,
    make_linker,
    splink_connection,
)
from orchestration.linkage.identifier_conflicts import identifier_conflicts
from orchestration.linkage.settings import LinkageThresholds

logger = logging.getLogger(__name__)


# A pair scored at or below this match weight (Bayes factor 1/1024 after the prior) is
# taken as two different people: no chain of links may put them in one cluster. It is
# measured on the run's rescaled prior, so in a large city it also catches pairs with some
# evidence for a match. Measured at 200,000 households with model v2: judging conflicts on
# the prior as trained instead halved them (66k against 120k), and pairwise precision fell
# from 0.9964 to 0.9876 while recall rose only from 0.9981 to 0.9993.
CONFLICT_MATCH_WEIGHT = -10.0


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
    split_persons: int = 0
    timings: dict | None = None


def load_model(path: Path) -> dict:
    """The saved model as a settings dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def comparison_level_labels(model: dict) -> dict[str, dict[int, str]]:
    """For each comparison, Splink's gamma value -> the level's readable label."""
    labels = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {-1: "missing"}
        for position, level in enumerate(non_null):
            mapping[len(non_null) - 1 - position] = level["label_for_charts"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def scaled_prior(model: dict, model_path: Path, profiles: int) -> float:
    """The model's prior, rescaled from the training volume to this run's.

    A person has about as many true matches whatever the size of the city, so the chance that
    two random profiles match falls in proportion to the number of profiles. Training
    records its volume in the model's .meta.json; without it, or for a run smaller than the
    training data, the prior is used as saved.
    """
    prior = model["probability_two_random_records_match"]
    meta_path = Path(model_path).with_name(Path(model_path).stem + ".meta.json")
    if not meta_path.is_file() or profiles <= 1:
        return prior
    trained_on = json.loads(meta_path.read_text(encoding="utf-8")).get("training_profiles")
    if not trained_on:
        return prior
    # Only ever scaled down: extrapolating up for a small file would make links too easy.
    scaled = prior * min(1.0, (trained_on - 1) / (profiles - 1))
    logger.info(
        "prior rescaled from %d to %d profiles: %.3g -> %.3g", trained_on, profiles, prior, scaled
    )
    return scaled


class _ConstrainedUnionFind:
    def __init__(self, hard: dict[int, set[int]], soft: dict[int, set[int]]):
        self.parent: dict[int, int] = {}
        # Per component root: profiles it must never contain. Hard ones come from reviewers
        # and bind everything; soft ones come from the model and yield to a reviewer's match.
        self.forbidden = (
            {k: set(v) for k, v in hard.items()},
            {k: set(v) for k, v in soft.items()},
        )

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def _violates(self, table: dict[int, set[int]], ra: int, rb: int) -> bool:
        fa, fb = table.get(ra), table.get(rb)
        return bool(
            (fa and any(self.find(x) == rb for x in fa))
            or (fb and any(self.find(x) == ra for x in fb))
        )

    def union(self, a: int, b: int, forced: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        hard, soft = self.forbidden
        if self._violates(hard, ra, rb) or (not forced and self._violates(soft, ra, rb)):
            return False
        self.parent[rb] = ra
        for table in self.forbidden:
            moved = table.pop(rb, None)
            if moved:
                table.setdefault(ra, set()).update(moved)
        return True


def _as_forbidden(pairs: list[tuple[int, int]]) -> dict[int, set[int]]:
    forbidden: dict[int, set[int]] = {}
    for a, b in pairs:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    return forbidden


def constrained_clusters(
    edges: list[tuple[int, int]],
    cannot_link: list[tuple[int, int]],
    forced: list[tuple[int, int]] | None = None,
    soft_cannot_link: list[tuple[int, int]] | None = None,
) -> dict[int, int]:
    """Profile -> cluster root, merging edges strongest first unless a constraint forbids.

    `forced` edges (reviewers' matches) are merged first and override `soft_cannot_link`
    (the model's conflicts) but never `cannot_link` (reviewers' non-matches). `edges` must
    come strongest first.
    """
    uf = _ConstrainedUnionFind(_as_forbidden(cannot_link), _as_forbidden(soft_cannot_link or []))
    nodes: set[int] = set()
    for a, b in forced or []:
        nodes.update((a, b))
        uf.union(a, b, forced=True)
    for a, b in edges:
        nodes.update((a, b))
        uf.union(a, b)
    return {node: uf.find(node) for node in nodes}


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

    Writes, on `con`: lk_record_map (record_id, unique_id), lk_pairs (scored profile pairs
    with match_probability >= the review band's lower edge, gammas and Bayes factors),
    lk_record_clusters (record_id, cluster_key) and lk_review_candidates (representative
    record pairs in the review band, with evidence). `decisions_table` holds reviewer
    decisions (record_id_l, record_id_r, decision 'match'/'non_match').
    `diagnostics(linker, None)` is called while Splink's linker is alive (for model charts).

    With `store_schema` (the nightly run: "linkage"), scored pairs are kept in that schema
    between runs (pairstore.py) and only profiles not seen before are compared, unless the
    model, thresholds or standardisation changed or `force_full`; without it (`families
    link`), everything is scored, in temp tables.
    """
    started = time.monotonic()
    timings: dict[str, float] = {}
    model = load_model(model_path)
    has_decisions = decisions_table is not None and _has_rows(con, decisions_table)
    if has_decisions:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE lk_isolated AS
            SELECT record_id_l AS record_id FROM {decisions_table} WHERE decision = 'non_match'
            UNION SELECT record_id_r FROM {decisions_table} WHERE decision = 'non_match'"""
        )
    profiles = build_profiles(
        con,
        std_table,
        "lk_profiles",
        "lk_record_map",
        isolated_records="lk_isolated" if has_decisions else None,
    )
    records = con.execute("SELECT count(*) FROM lk_record_map").fetchone()[0]
    timings["profiles"] = round(time.monotonic() - started, 1)
    prior = scaled_prior(model, model_path, profiles)
    model["probability_two_random_records_match"] = prior
    forced_matches, cannot_link = (
        _decided_profile_pairs(con, decisions_table) if has_decisions else ([], [])
    )
    floor = min(thresholds.review_low, thresholds.link)
    floor_weight = pairstore.probability_to_weight(floor)
    tables = pairstore.StoreTables.in_schema(store_schema)
    current_fingerprint = pairstore.fingerprint(model_path, floor)
    mode, reason = pairstore.choose_mode(
        pairstore.previous_state(con, tables), current_fingerprint, profiles, force_full
    )
    gamma_columns = [f"gamma_{c['output_column_name']}" for c in model["comparisons"]]
    if mode == "full":
        pairstore.reset_store(con, tables, gamma_columns)
    # Profiles the store has never compared; stored pairs of profiles gone since are dropped.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_new_profiles AS
            SELECT k.unique_id FROM lk_profile_keys k
            ANTI JOIN {tables.profiles} s USING (profile_key)"""
    )
    con.execute(
        f"""DELETE FROM {tables.pairs} WHERE profile_key_l NOT IN (SELECT profile_key FROM
            lk_profile_keys) OR profile_key_r NOT IN (SELECT profile_key FROM lk_profile_keys)"""
    )
    new_profiles = con.execute("SELECT count(*) FROM lk_new_profiles").fetchone()[0]
    logger.info(
        "person scoring: %s (%s), %d new of %d profiles", mode, reason, new_profiles, profiles
    )
    # Gammas are what the store keeps; Splink emits them only together with the compared
    # values, which stay behind in Splink's connection.
    model["retain_matching_columns"] = True
    model["retain_intermediate_calculation_columns"] = True
    splink_con = splink_connection()
    try:
        load_profiles_into(splink_con, con, "lk_profiles")
        linker = make_linker(splink_con, model)
        plan = pairstore.weight_plan(linker)
        tf_lookups = pairstore.build_term_frequencies(
            con, "lk_profiles", pairstore.tf_columns(plan)
        )
        pairstore.register_tf_tables(linker, tf_lookups)
        timings["splink_setup"] = round(time.monotonic() - started, 1)
        if new_profiles:
            _score_new_pairs(
                con,
                splink_con,
                linker,
                model,
                tables,
                gamma_columns,
                mode,
                floor_weight - pairstore.MARGIN_BITS,
                tf_lookups,
            )
        timings["score_new"] = round(time.monotonic() - started, 1)
        # Every stored pair is weighed afresh with this run's prior and term frequencies.
        pairstore.weighted_pairs(
            con, tables, plan, prior, "blocked", f"match_weight >= {floor_weight!r}", "lk_pairs"
        )
        edges = con.execute(
            "SELECT unique_id_l, unique_id_r FROM lk_pairs WHERE match_probability >= ?",
            [thresholds.link],
        ).to_arrow_table()
        roots_arrow = _connected_components(splink_con, edges, forced_matches)
        del edges
        timings["components"] = round(time.monotonic() - started, 1)
        conflicts = _conflicts_within_components(
            con,
            splink_con,
            model,
            plan,
            prior,
            roots_arrow,
            tables,
            gamma_columns,
            mode,
            tf_lookups,
            CONFLICT_MATCH_WEIGHT,
        )
        timings["conflicts"] = round(time.monotonic() - started, 1)
        if diagnostics is not None:
            diagnostics(linker, None)
    finally:
        splink_con.close()
    con.register("lk_roots_arrow", roots_arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE lk_roots AS SELECT * FROM lk_roots_arrow")
    con.unregister("lk_roots_arrow")
    del roots_arrow
    _remember_profiles(con, tables)
    # Different NHS numbers, UPNs or NI numbers in one component: two people, whatever the
    # model scored (twins share everything else). Same standing as the model's conflicts.
    id_conflicts = identifier_conflicts(con, "lk_profiles", "lk_roots")
    conflicts = sorted(set(conflicts) | set(id_conflicts))
    pairstore.write_state(
        con, tables, current_fingerprint, profiles, mode, run_id, datetime.now(UTC)
    )
    # Reviewers' "not a match" decisions, and pairs inside one component that the model is
    # confident are different people (a parent and child sharing a name, chained through a
    # record without a date of birth), both keep records apart.
    split_persons = 0
    if cannot_link or conflicts:
        split_persons = _split_components_against_decisions(
            con, thresholds.link, forced_matches, cannot_link, conflicts
        )
    linked = con.execute(
        "SELECT count(*) FROM lk_pairs WHERE match_probability >= ?", [thresholds.link]
    ).fetchone()[0]
    # A cluster's key is its smallest record id: deterministic, and only used to group.
    con.execute(
        """
        CREATE OR REPLACE TABLE lk_record_clusters AS
        SELECT m.record_id,
               min(m.record_id) OVER (PARTITION BY coalesce(r.root, m.unique_id)) AS cluster_key
        FROM lk_record_map m LEFT JOIN lk_roots r USING (unique_id)
        """
    )
    timings["clusters"] = round(time.monotonic() - started, 1)
    review_pairs = _review_candidates(
        con, model, thresholds, decisions_table if has_decisions else None
    )
    clusters = con.execute("SELECT count(DISTINCT cluster_key) FROM lk_record_clusters").fetchone()[
        0
    ]
    timings["total"] = round(time.monotonic() - started, 1)
    return PredictionResult(
        records=records,
        profiles=profiles,
        scored_pairs=con.execute("SELECT count(*) FROM lk_pairs").fetchone()[0],
        linked_pairs=linked,
        clusters=clusters,
        review_pairs=review_pairs,
        mode=mode,
        mode_reason=reason,
        new_profiles=new_profiles,
        conflicts=len(conflicts),
        identifier_conflicts=len(id_conflicts),
        split_persons=split_persons,
        timings=timings,
    )


def _score_new_pairs(
    con: duckdb.DuckDBPyConnection,
    splink_con: duckdb.DuckDBPyConnection,
    linker,
    model: dict,
    tables: pairstore.StoreTables,
    gamma_columns: list[str],
    mode: str,
    min_weight: float,
    tf_lookups: dict,
) -> None:
    """Compare, with the model's blocking rules, every pair involving a new profile.

    A full run is Splink's dedupe of all profiles. An incremental run links the new
    profiles against all profiles (link_only of the two tables: the same blocking rules,
    so exactly the pairs a dedupe would compare that involve a new profile, plus each new
    profile against itself, dropped). Gammas of pairs above `min_weight` join the store.
    """
    if mode == "full":
        df_predict = linker.inference.predict(threshold_match_weight=min_weight)
        table = df_predict.physical_name
    else:
        splink_con.register(
            "lk_new_ids_arrow",
            con.execute("SELECT unique_id FROM lk_new_profiles").to_arrow_table(),
        )
        splink_con.execute(
            """CREATE OR REPLACE TABLE new_profiles AS
               SELECT p.* FROM profiles p JOIN lk_new_ids_arrow USING (unique_id)"""
        )
        splink_con.unregister("lk_new_ids_arrow")
        settings = dict(model)
        settings["link_type"] = "link_only"
        from splink import DuckDBAPI, Linker

        new_linker = Linker(
            ["new_profiles", "profiles"],
            settings,
            db_api=DuckDBAPI(connection=splink_con),
            set_up_basic_logging=False,
            input_table_aliases=["new", "all"],
        )
        pairstore.register_tf_tables(new_linker, tf_lookups)
        df_predict = new_linker.inference.predict(threshold_match_weight=min_weight)
        table = df_predict.physical_name
    gammas = ", ".join(gamma_columns)
    pairs = splink_con.execute(
        f"""SELECT unique_id_l, unique_id_r, {gammas} FROM {table}
            WHERE unique_id_l <> unique_id_r"""
    ).to_arrow_table()
    df_predict.drop_table_from_database_and_remove_from_cache()
    con.register("lk_scored_arrow", pairs)
    # New-new pairs come twice from the link (both ways round); comparisons are symmetric.
    con.execute(
        f"""
        INSERT INTO {tables.pairs}
        SELECT DISTINCT ON (profile_key_l, profile_key_r)
               least(kl.profile_key, kr.profile_key) AS profile_key_l,
               greatest(kl.profile_key, kr.profile_key) AS profile_key_r,
               'blocked' AS kind, {", ".join(f"s.{g}" for g in gamma_columns)}
        FROM lk_scored_arrow s
        JOIN lk_profile_keys kl ON kl.unique_id = s.unique_id_l
        JOIN lk_profile_keys kr ON kr.unique_id = s.unique_id_r
        """
    )
    con.unregister("lk_scored_arrow")


def _remember_profiles(con: duckdb.DuckDBPyConnection, tables: pairstore.StoreTables) -> None:
    """This run's profiles with their connected component (its smallest profile key)."""
    con.execute(f"DELETE FROM {tables.profiles}")
    con.execute(
        f"""
        INSERT INTO {tables.profiles}
        SELECT k.profile_key,
               min(k.profile_key) OVER (PARTITION BY coalesce(r.root, k.unique_id))
        FROM lk_profile_keys k LEFT JOIN lk_roots r USING (unique_id)
        """
    )


def _decided_profile_pairs(
    con: duckdb.DuckDBPyConnection, decisions_table: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Reviewers' latest decisions as profile pairs: (forced matches, cannot-links)."""
    decided = con.execute(
        f"""
        SELECT ml.unique_id, mr.unique_id, d.decision
        FROM {decisions_table} d
        JOIN lk_record_map ml ON ml.record_id = d.record_id_l
        JOIN lk_record_map mr ON mr.record_id = d.record_id_r
        QUALIFY row_number() OVER (
            PARTITION BY least(d.record_id_l, d.record_id_r),
                         greatest(d.record_id_l, d.record_id_r)
            ORDER BY d.decided_at DESC) = 1
        """
    ).fetchall()
    forced = [(a, b) for a, b, d in decided if d == "match" and a != b]
    apart = [(a, b) for a, b, d in decided if d == "non_match" and a != b]
    return forced, apart


def _connected_components(
    splink_con: duckdb.DuckDBPyConnection,
    edges_arrow,
    forced_matches: list[tuple[int, int]],
):
    """Profile -> component root (as Arrow) over links and forced matches, in SQL."""
    from splink import DuckDBAPI
    from splink.internals.connected_components import solve_connected_components

    splink_con.register("lk_edges_arrow", edges_arrow)
    splink_con.execute("CREATE OR REPLACE TABLE lk_edges AS SELECT * FROM lk_edges_arrow")
    splink_con.unregister("lk_edges_arrow")
    if forced_matches:
        splink_con.executemany("INSERT INTO lk_edges VALUES (?, ?)", forced_matches)
    splink_con.execute("CREATE OR REPLACE TABLE lk_nodes AS SELECT unique_id FROM profiles")
    db_api = DuckDBAPI(connection=splink_con)
    components = solve_connected_components(
        nodes_table=db_api.table_to_splink_dataframe("lk_nodes", "lk_nodes"),
        edges_table=db_api.table_to_splink_dataframe("lk_edges", "lk_edges"),
        node_id_column_name="unique_id",
        edge_id_column_name_left="unique_id_l",
        edge_id_column_name_right="unique_id_r",
        db_api=db_api,
        threshold_match_probability=None,
    )
    roots = splink_con.execute(
        f"SELECT unique_id, cluster_id AS root FROM {components.physical_name}"
    ).to_arrow_table()
    components.drop_table_from_database_and_remove_from_cache()
    splink_con.execute("DROP TABLE lk_edges; DROP TABLE lk_nodes")
    return roots


def _conflicts_within_components(
    con: duckdb.DuckDBPyConnection,
    splink_con: duckdb.DuckDBPyConnection,
    model: dict,
    plan,
    prior: float,
    roots_arrow,
    tables: pairstore.StoreTables,
    gamma_columns: list[str],
    mode: str,
    tf_lookups: dict,
    conflict_weight: float,
) -> list[tuple[int, int]]:
    """Profile pairs in one component that the model scores as clearly different people.

    Every pair inside a component of three or more profiles must be scored with the same
    model, so conflicts are found however the component was chained together. A component
    needs Splink only if some pair in it has never been compared within a component: it
    holds a new profile, or profiles that were in different components last run (a full
    run compares all). Candidate conflicts join the store; conflicts are then read from the
    store, weighed for this run, for every current component.
    """
    con.register("lk_roots_arrow", roots_arrow)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_big_components AS
           SELECT unique_id, root FROM lk_roots_arrow
           WHERE root IN (SELECT root FROM lk_roots_arrow GROUP BY root HAVING count(*) >= 3)"""
    )
    con.unregister("lk_roots_arrow")
    if mode == "full":
        con.execute("CREATE OR REPLACE TEMP TABLE lk_rescore AS SELECT * FROM lk_big_components")
    else:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lk_rescore AS
            WITH flagged AS (
                SELECT b.root FROM lk_big_components b
                JOIN lk_profile_keys k USING (unique_id)
                LEFT JOIN {tables.profiles} s USING (profile_key)
                GROUP BY b.root
                HAVING count(*) FILTER (WHERE s.component_key IS NULL) > 0
                    OR count(DISTINCT s.component_key) > 1
            )
            SELECT * FROM lk_big_components WHERE root IN (SELECT root FROM flagged)
            """
        )
    to_score = con.execute("SELECT count(*) FROM lk_rescore").fetchone()[0]
    if to_score:
        splink_con.register(
            "lk_rescore_arrow", con.execute("SELECT * FROM lk_rescore").to_arrow_table()
        )
        splink_con.execute(
            """CREATE OR REPLACE TABLE lk_component_profiles AS
               SELECT p.*, r.root AS lk_component
               FROM profiles p JOIN lk_rescore_arrow r USING (unique_id)"""
        )
        splink_con.unregister("lk_rescore_arrow")
        within = dict(model)
        within["additional_columns_to_retain"] = []
        within["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": 'l."lk_component" = r."lk_component"'}
        ]
        linker = make_linker(splink_con, within, table="lk_component_profiles")
        pairstore.register_tf_tables(linker, tf_lookups)
        scored = linker.inference.predict(threshold_match_probability=None)
        pairs = splink_con.execute(
            f"""SELECT unique_id_l, unique_id_r, {", ".join(gamma_columns)}
                FROM {scored.physical_name}
                WHERE match_weight <= {conflict_weight + pairstore.MARGIN_BITS!r}"""
        ).to_arrow_table()
        scored.drop_table_from_database_and_remove_from_cache()
        splink_con.execute("DROP TABLE lk_component_profiles")
        con.register("lk_within_arrow", pairs)
        # Pairs already stored (a component re-scored because it gained a profile) are
        # replaced, not duplicated.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lk_within_new AS
            SELECT least(kl.profile_key, kr.profile_key) AS profile_key_l,
                   greatest(kl.profile_key, kr.profile_key) AS profile_key_r,
                   'within' AS kind, {", ".join(f"s.{g}" for g in gamma_columns)}
            FROM lk_within_arrow s
            JOIN lk_profile_keys kl ON kl.unique_id = s.unique_id_l
            JOIN lk_profile_keys kr ON kr.unique_id = s.unique_id_r
            """
        )
        con.unregister("lk_within_arrow")
        con.execute(
            f"""DELETE FROM {tables.pairs} s USING lk_within_new n
                WHERE s.kind = 'within' AND s.profile_key_l = n.profile_key_l
                  AND s.profile_key_r = n.profile_key_r"""
        )
        con.execute(f"INSERT INTO {tables.pairs} SELECT * FROM lk_within_new")
        con.execute("DROP TABLE lk_within_new")
    # Candidates no longer inside one component are forgotten: should the two profiles
    # meet again, their component will be re-scored.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_key_root AS
        SELECT k.profile_key, b.root
        FROM lk_big_components b JOIN lk_profile_keys k USING (unique_id);
        DELETE FROM {tables.pairs} s USING (
            SELECT w.profile_key_l, w.profile_key_r FROM {tables.pairs} w
            LEFT JOIN lk_key_root a ON a.profile_key = w.profile_key_l
            LEFT JOIN lk_key_root b ON b.profile_key = w.profile_key_r
            WHERE w.kind = 'within' AND (a.root IS NULL OR b.root IS NULL OR a.root <> b.root)
        ) d
        WHERE s.kind = 'within' AND s.profile_key_l = d.profile_key_l
          AND s.profile_key_r = d.profile_key_r;
        DROP TABLE lk_key_root;
        """
    )
    pairstore.weighted_pairs(
        con,
        tables,
        plan,
        prior,
        "within",
        f"match_weight <= {conflict_weight!r}",
        "lk_conflicts",
    )
    conflicts = con.execute(
        "SELECT unique_id_l, unique_id_r FROM lk_conflicts ORDER BY 1, 2"
    ).fetchall()
    for table in ("lk_conflicts", "lk_rescore", "lk_big_components"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return [(int(a), int(b)) for a, b in conflicts]


def _split_components_against_decisions(
    con: duckdb.DuckDBPyConnection,
    link_threshold: float,
    forced_matches: list[tuple[int, int]],
    cannot_link: list[tuple[int, int]],
    conflicts: list[tuple[int, int]],
) -> int:
    """Re-cluster, greedily and under constraints, the components a non-match decision cuts;
    return how many components were redone.

    Only components holding both records of a "not a match" decision are redone, so the
    cost stays small however large the city.
    """
    roots = dict(con.execute("SELECT unique_id, root FROM lk_roots").fetchall())
    broken = {
        roots[a] for a, b in cannot_link + conflicts if a in roots and roots.get(a) == roots.get(b)
    }
    if not broken:
        return 0
    con.register("lk_broken_arrow", pa.table({"root": pa.array(sorted(broken), pa.int64())}))
    con.execute("CREATE OR REPLACE TEMP TABLE lk_broken AS SELECT * FROM lk_broken_arrow")
    con.unregister("lk_broken_arrow")
    edges = con.execute(
        """
        SELECT p.unique_id_l, p.unique_id_r FROM lk_pairs p
        JOIN lk_roots r ON r.unique_id = p.unique_id_l
        WHERE r.root IN (SELECT root FROM lk_broken) AND p.match_probability >= ?
        ORDER BY p.match_probability DESC, p.unique_id_l, p.unique_id_r
        """,
        [link_threshold],
    ).fetchall()
    members = {node for node, root in roots.items() if root in broken}
    forced = [(a, b) for a, b in forced_matches if a in members]
    new_roots = constrained_clusters(edges, cannot_link, forced=forced, soft_cannot_link=conflicts)
    ordered = sorted(members)
    # Bulk load through Arrow: row-by-row inserts take minutes at city scale.
    new_arrow = pa.table(
        {
            "unique_id": pa.array(ordered, pa.int64()),
            "root": pa.array([new_roots.get(node, node) for node in ordered], pa.int64()),
        }
    )
    con.register("lk_new_roots_arrow", new_arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE lk_new_roots AS SELECT * FROM lk_new_roots_arrow")
    con.unregister("lk_new_roots_arrow")
    con.execute(
        """UPDATE lk_roots SET root = n.root FROM lk_new_roots n
           WHERE lk_roots.unique_id = n.unique_id"""
    )
    con.execute("DROP TABLE lk_new_roots")
    con.execute("DROP TABLE lk_broken")
    return len(broken)


def _has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
    except duckdb.CatalogException:
        return False


def _review_candidates(
    con: duckdb.DuckDBPyConnection,
    model: dict,
    thresholds: LinkageThresholds,
    decisions_table: str | None,
) -> int:
    """Representative record pairs in the uncertainty band whose decision would change a
    person, minus pairs already decided. Writes lk_review_candidates; returns the number of
    band pairs before that selection (for the run summary)."""
    labels = comparison_level_labels(model)
    gamma_cols = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'lk_pairs' AND column_name LIKE 'gamma_%'"
        ).fetchall()
    ]
    evidence_parts = []
    for col in gamma_cols:
        name = col.removeprefix("gamma_")
        cases = " ".join(
            f"WHEN {g} THEN '{label.replace(chr(39), chr(39) * 2)}'"
            for g, label in labels.get(name, {}).items()
        )
        evidence_parts.append(
            f"'{name}', json_object('level', CASE p.{col} {cases} END, "
            f"'bayes_factor', round(p.bf_{name}, 3))"
        )
    evidence = f"json_object({', '.join(evidence_parts)})" if evidence_parts else "NULL"
    excluded = (
        f"""ANTI JOIN {decisions_table} d
            ON least(d.record_id_l, d.record_id_r) = least(c.record_id_l, c.record_id_r)
           AND greatest(d.record_id_l, d.record_id_r) = greatest(c.record_id_l, c.record_id_r)"""
        if decisions_table
        else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE lk_review_candidates AS
        WITH reps AS (
            SELECT unique_id, min(record_id) AS record_id FROM lk_record_map GROUP BY unique_id
        ),
        cluster AS (
            SELECT m.unique_id, any_value(c.cluster_key) AS cluster_key
            FROM lk_record_map m JOIN lk_record_clusters c USING (record_id) GROUP BY 1
        ),
        candidates AS (
            SELECT least(rl.record_id, rr.record_id) AS record_id_l,
                   greatest(rl.record_id, rr.record_id) AS record_id_r,
                   p.match_probability, p.match_weight, {evidence} AS evidence,
                   cl.cluster_key = cr.cluster_key AS same_person, cl.cluster_key
            FROM lk_pairs p
            JOIN reps rl ON rl.unique_id = p.unique_id_l
            JOIN reps rr ON rr.unique_id = p.unique_id_r
            JOIN cluster cl ON cl.unique_id = p.unique_id_l
            JOIN cluster cr ON cr.unique_id = p.unique_id_r
            WHERE p.match_probability >= {thresholds.review_low}
              AND p.match_probability < {thresholds.review_high}
              AND ({thresholds.review_scope == "all"} OR cl.cluster_key = cr.cluster_key)
        ),
        undecided AS (SELECT c.* FROM candidates c {excluded}),
        -- Where a decision is likely to change a person (settings.REVIEW_SCOPES): in each
        -- person holding band pairs, the weakest of them, the likeliest false merge (a
        -- "not a match" splits the person, and the run after offers the next pair if one
        -- is still in doubt); with scope "all", also every band pair left in different
        -- persons (a "match" merges them).
        chosen AS (
            SELECT * EXCLUDE (same_person, cluster_key) FROM undecided
            QUALIFY NOT same_person OR row_number() OVER (
                PARTITION BY cluster_key, same_person
                ORDER BY match_probability, record_id_l, record_id_r) = 1
        )
        SELECT * FROM chosen
        """
    )
    return con.execute(
        "SELECT count(*) FROM lk_pairs WHERE match_probability >= ? AND match_probability < ?",
        [thresholds.review_low, thresholds.review_high],
    ).fetchone()[0]
