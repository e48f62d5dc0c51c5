"""Model conflicts: profile pairs in one component that the model scores as different people.

A pair at match weight <= CONFLICT_MATCH_WEIGHT inside a component of three or more
profiles (typically a parent and child with one name at one address, chained through a
record without a date of birth) must not end in one person.
"""

from __future__ import annotations

from orchestration.linkage import pairstore
from orchestration.linkage.engine import make_linker
from orchestration.linkage.run_state import LinkageRun
from orchestration.linkage.settings import CONFLICT_MATCH_WEIGHT


def conflicts_within_components(run: LinkageRun, roots_arrow) -> list[tuple[int, int]]:
    """Profile pairs in one component that the model scores as clearly different people.

    Every pair inside a component of three or more profiles must be scored with the same
    model, so conflicts are found however the component was chained together. A component
    needs Splink only if some pair in it has never been compared within a component: it
    holds a new profile, or profiles that were in different components last run (a full
    run compares all). Candidate conflicts join the store; conflicts are then read from the
    store, weighed for this run, for every current component.
    """
    con, splink_con, model, tables = run.con, run.splink_con, run.model, run.store
    gamma_columns, keys = run.gamma_columns, run.tables.profile_keys
    conflict_weight = CONFLICT_MATCH_WEIGHT
    con.register("lk_roots_arrow", roots_arrow)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_big_components AS
           SELECT unique_id, root FROM lk_roots_arrow
           WHERE root IN (SELECT root FROM lk_roots_arrow GROUP BY root HAVING count(*) >= 3)"""
    )
    con.unregister("lk_roots_arrow")
    if run.mode == "full":
        con.execute("CREATE OR REPLACE TEMP TABLE lk_rescore AS SELECT * FROM lk_big_components")
    else:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE lk_rescore AS
            WITH flagged AS (
                SELECT b.root FROM lk_big_components b
                JOIN {keys} k USING (unique_id)
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
            f"""CREATE OR REPLACE TABLE lk_component_profiles AS
               SELECT p.*, r.root AS lk_component
               FROM {run.tables.splink_profiles} p JOIN lk_rescore_arrow r USING (unique_id)"""
        )
        splink_con.unregister("lk_rescore_arrow")
        within = dict(model)
        within["additional_columns_to_retain"] = []
        within["blocking_rules_to_generate_predictions"] = [
            {"blocking_rule": 'l."lk_component" = r."lk_component"'}
        ]
        linker = make_linker(splink_con, within, table="lk_component_profiles")
        pairstore.register_tf_tables(linker, run.tf_lookups)
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
            JOIN {keys} kl ON kl.unique_id = s.unique_id_l
            JOIN {keys} kr ON kr.unique_id = s.unique_id_r
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
        FROM lk_big_components b JOIN {keys} k USING (unique_id);
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
        run.plan,
        run.prior,
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
