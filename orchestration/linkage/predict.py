"""Nightly prediction: score pairs with the saved model, cluster, honour review decisions.

Clustering is greedy and constrained rather than plain connected components: edges are taken
strongest first and a merge is refused when it would put two records a reviewer declared
different into one person. A reviewer's "match" is an edge of probability 1; a "not a match"
is a cannot-link constraint. Both are honoured on every later run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.linkage.engine import (
    build_profiles,
    load_profiles_into,
    make_linker,
    splink_connection,
)
from orchestration.linkage.settings import LinkageThresholds

logger = logging.getLogger(__name__)


# A pair scored at or below this match weight (Bayes factor 1/1024 after the prior) is
# taken as two different people: no chain of links may put them in one cluster.
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
) -> PredictionResult:
    """Score and cluster the standardised records in `std_table`.

    Writes, on `con`: lk_record_map (record_id, unique_id), lk_pairs (scored profile pairs
    with match_probability >= the review band's lower edge, gammas and Bayes factors),
    lk_record_clusters (record_id, cluster_key) and lk_review_candidates (representative
    record pairs in the review band, with evidence). `decisions_table` holds reviewer
    decisions (record_id_l, record_id_r, decision 'match'/'non_match').
    `diagnostics(linker, df_predict)` is called while Splink's tables are alive.
    """
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
    model["probability_two_random_records_match"] = scaled_prior(model, model_path, profiles)
    forced_matches, cannot_link = (
        _decided_profile_pairs(con, decisions_table) if has_decisions else ([], [])
    )
    floor = min(thresholds.review_low, thresholds.link)
    # Gammas and Bayes factors are the review evidence; Splink emits gammas only together
    # with the compared values, which we then leave behind in Splink's connection.
    model["retain_matching_columns"] = True
    model["retain_intermediate_calculation_columns"] = True
    splink_con = splink_connection()
    try:
        load_profiles_into(splink_con, con, "lk_profiles")
        linker = make_linker(splink_con, model)
        df_predict = linker.inference.predict(threshold_match_probability=floor)
        keep = [
            c
            for c in splink_con.table(df_predict.physical_name).columns
            if c in ("unique_id_l", "unique_id_r", "match_weight", "match_probability")
            or c.startswith(("gamma_", "bf_"))
        ]
        pairs_arrow = splink_con.execute(
            f"SELECT {', '.join(keep)} FROM {df_predict.physical_name}"
        ).to_arrow_table()
        roots_arrow = _connected_components(
            splink_con, df_predict.physical_name, thresholds.link, forced_matches
        )
        conflicts = _conflicts_within_components(splink_con, model, roots_arrow)
        if diagnostics is not None:
            diagnostics(linker, df_predict)
    finally:
        splink_con.close()
    con.register("lk_pairs_arrow", pairs_arrow)
    con.execute("CREATE OR REPLACE TABLE lk_pairs AS SELECT * FROM lk_pairs_arrow")
    con.unregister("lk_pairs_arrow")
    del pairs_arrow
    con.register("lk_roots_arrow", roots_arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE lk_roots AS SELECT * FROM lk_roots_arrow")
    con.unregister("lk_roots_arrow")
    # Reviewers' "not a match" decisions, and pairs inside one component that the model is
    # confident are different people (a parent and child sharing a name, chained through a
    # record without a date of birth), both keep records apart.
    if cannot_link or conflicts:
        _split_components_against_decisions(
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
    review_pairs = _review_candidates(
        con, model, thresholds, decisions_table if has_decisions else None
    )
    clusters = con.execute("SELECT count(DISTINCT cluster_key) FROM lk_record_clusters").fetchone()[
        0
    ]
    return PredictionResult(
        records=records,
        profiles=profiles,
        scored_pairs=con.execute("SELECT count(*) FROM lk_pairs").fetchone()[0],
        linked_pairs=linked,
        clusters=clusters,
        review_pairs=review_pairs,
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
    predictions: str,
    link_threshold: float,
    forced_matches: list[tuple[int, int]],
):
    """Profile -> component root (as Arrow) over links and forced matches, in SQL."""
    from splink import DuckDBAPI
    from splink.internals.connected_components import solve_connected_components

    splink_con.execute(
        f"""CREATE OR REPLACE TABLE lk_edges AS
            SELECT unique_id_l, unique_id_r FROM {predictions}
            WHERE match_probability >= {link_threshold}"""
    )
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
    return splink_con.execute(
        f"SELECT unique_id, cluster_id AS root FROM {components.physical_name}"
    ).to_arrow_table()


def _conflicts_within_components(
    splink_con: duckdb.DuckDBPyConnection, model: dict, roots_arrow
) -> list[tuple[int, int]]:
    """Profile pairs in one component that the model scores as clearly different people.

    Every pair inside components of three or more profiles is scored with the same model
    (a second, tiny prediction blocked on the component), so conflicts are found however
    the component was chained together.
    """
    splink_con.register("lk_roots_arrow", roots_arrow)
    splink_con.execute(
        """CREATE OR REPLACE TABLE lk_component_profiles AS
           SELECT p.*, r.root AS lk_component
           FROM profiles p JOIN lk_roots_arrow r USING (unique_id)
           WHERE r.root IN (SELECT root FROM lk_roots_arrow GROUP BY root HAVING count(*) >= 3)"""
    )
    splink_con.unregister("lk_roots_arrow")
    if splink_con.execute("SELECT count(*) FROM lk_component_profiles").fetchone()[0] == 0:
        return []
    within = dict(model)
    within["retain_matching_columns"] = False
    within["retain_intermediate_calculation_columns"] = False
    within["additional_columns_to_retain"] = []
    within["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": 'l."lk_component" = r."lk_component"'}
    ]
    linker = make_linker(splink_con, within, table="lk_component_profiles")
    scored = linker.inference.predict(threshold_match_probability=None)
    pairs = splink_con.execute(
        f"""SELECT unique_id_l, unique_id_r FROM {scored.physical_name}
            WHERE match_weight <= {CONFLICT_MATCH_WEIGHT}"""
    ).fetchall()
    scored.drop_table_from_database_and_remove_from_cache()
    return [(int(a), int(b)) for a, b in pairs]


def _split_components_against_decisions(
    con: duckdb.DuckDBPyConnection,
    link_threshold: float,
    forced_matches: list[tuple[int, int]],
    cannot_link: list[tuple[int, int]],
    conflicts: list[tuple[int, int]],
) -> None:
    """Re-cluster, greedily and under constraints, the components a non-match decision cuts.

    Only components holding both records of a "not a match" decision are redone, so the
    cost stays small however large the city.
    """
    roots = dict(con.execute("SELECT unique_id, root FROM lk_roots").fetchall())
    broken = {
        roots[a] for a, b in cannot_link + conflicts if a in roots and roots.get(a) == roots.get(b)
    }
    if not broken:
        return
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
    """Representative record pairs in the uncertainty band, minus pairs already decided."""
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
        candidates AS (
            SELECT least(rl.record_id, rr.record_id) AS record_id_l,
                   greatest(rl.record_id, rr.record_id) AS record_id_r,
                   p.match_probability, p.match_weight, {evidence} AS evidence
            FROM lk_pairs p
            JOIN reps rl ON rl.unique_id = p.unique_id_l
            JOIN reps rr ON rr.unique_id = p.unique_id_r
            WHERE p.match_probability >= {thresholds.review_low}
              AND p.match_probability < {thresholds.review_high}
        )
        SELECT c.* FROM candidates c {excluded}
        """
    )
    return con.execute("SELECT count(*) FROM lk_review_candidates").fetchone()[0]
