"""Scoring: Splink compares the pairs the blocking rules give; the pair store keeps them.

A full run is Splink's dedupe of all profiles; an incremental run compares only profiles
the store has never seen (pairstore.py). Either way every kept pair's gammas join the store.
"""

from __future__ import annotations

from orchestration.linkage import pairstore
from orchestration.linkage.run_state import LinkageRun


def score_new_pairs(run: LinkageRun, min_weight: float) -> None:
    """Compare, with the model's blocking rules, every pair involving a new profile.

    A full run is Splink's dedupe of all profiles. An incremental run links the new
    profiles against all profiles (link_only of the two tables: the same blocking rules,
    so exactly the pairs a dedupe would compare that involve a new profile, plus each new
    profile against itself, dropped). Gammas of pairs above `min_weight` join the store.
    """
    con, splink_con, t = run.con, run.splink_con, run.tables
    if run.mode == "full":
        df_predict = run.linker.inference.predict(threshold_match_weight=min_weight)
    else:
        splink_con.register(
            "lk_new_ids_arrow",
            con.execute(f"SELECT unique_id FROM {t.new_profiles}").to_arrow_table(),
        )
        splink_con.execute(
            f"""CREATE OR REPLACE TABLE new_profiles AS
               SELECT p.* FROM {t.splink_profiles} p JOIN lk_new_ids_arrow USING (unique_id)"""
        )
        splink_con.unregister("lk_new_ids_arrow")
        settings = dict(run.model)
        settings["link_type"] = "link_only"
        from splink import DuckDBAPI, Linker

        new_linker = Linker(
            ["new_profiles", t.splink_profiles],
            settings,
            db_api=DuckDBAPI(connection=splink_con),
            set_up_basic_logging=False,
            input_table_aliases=["new", "all"],
        )
        pairstore.register_tf_tables(new_linker, run.tf_lookups)
        df_predict = new_linker.inference.predict(threshold_match_weight=min_weight)
    gammas = ", ".join(run.gamma_columns)
    pairs = splink_con.execute(
        f"""SELECT unique_id_l, unique_id_r, {gammas} FROM {df_predict.physical_name}
            WHERE unique_id_l <> unique_id_r"""
    ).to_arrow_table()
    df_predict.drop_table_from_database_and_remove_from_cache()
    con.register("lk_scored_arrow", pairs)
    # New-new pairs come twice from the link (both ways round); comparisons are symmetric.
    con.execute(
        f"""
        INSERT INTO {run.store.pairs}
        SELECT DISTINCT ON (profile_key_l, profile_key_r)
               least(kl.profile_key, kr.profile_key) AS profile_key_l,
               greatest(kl.profile_key, kr.profile_key) AS profile_key_r,
               'blocked' AS kind, {", ".join(f"s.{g}" for g in run.gamma_columns)}
        FROM lk_scored_arrow s
        JOIN {t.profile_keys} kl ON kl.unique_id = s.unique_id_l
        JOIN {t.profile_keys} kr ON kr.unique_id = s.unique_id_r
        """
    )
    con.unregister("lk_scored_arrow")


def remember_profiles(run: LinkageRun) -> None:
    """This run's profiles with their connected component (its smallest profile key)."""
    run.con.execute(f"DELETE FROM {run.store.profiles}")
    run.con.execute(
        f"""
        INSERT INTO {run.store.profiles}
        SELECT k.profile_key,
               min(k.profile_key) OVER (PARTITION BY coalesce(r.root, k.unique_id))
        FROM {run.tables.profile_keys} k LEFT JOIN {run.tables.roots} r USING (unique_id)
        """
    )
