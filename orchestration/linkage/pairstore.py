"""Scored profile pairs kept between nightly runs, so a night scores only what is new.

Splink's costly part is comparing pairs. A pair's comparison vector (its gammas: which level
of each comparison the two profiles reach) depends only on the two profiles' standardised
fields and the model's comparison definitions, so it can be kept. Its match weight does not:
the prior is rescaled to the number of profiles in the run and term-frequency adjustments
depend on how common each name is in the run. So the store keeps gammas only, and every run
recomputes every weight from the gammas, the model's Bayes factors, this run's prior and
this run's term frequencies, with Splink's own formulas (`weighted_pairs`). A full run and an
incremental run therefore weigh a pair identically; they differ only in which pairs Splink
had to compare, which is what makes the incremental run cheap.

Two kinds of pair are kept, each with a safety margin (MARGIN_BITS) so that a later run's
prior or term frequencies cannot lift a pair that was never kept across the line:

* ``blocked``: pairs the blocking rules generate, kept at match weight >= the review band's
  lower edge (or the link threshold, if lower) minus the margin;
* ``within``: pairs inside a connected component of three or more profiles, kept at match
  weight <= CONFLICT_MATCH_WEIGHT plus the margin (candidate conflicts, conflicts.py).

Tables (schema ``linkage`` in the warehouse; temporary ones for `families link`):

* ``scored_pairs`` (profile_key_l, profile_key_r, kind, gamma_<comparison>...);
* ``scored_profiles`` (profile_key, component_key): the profiles of the last run and the
  connected component each was in (its smallest profile key), to know which components
  hold pairs never compared within;
* ``scoring_state`` (fingerprint, profiles_at_full, full_at, last_run_id): the fingerprint
  of the model file, its .meta.json, the thresholds' floor, the standardisation code and
  this store's version. A different fingerprint, or a run whose profile count has moved
  outside PROFILE_RATIO_RANGE of the last full run's, forces a full re-score.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.linkage.engine import table_exists
from orchestration.linkage.settings import CONFLICT_MATCH_WEIGHT, MODEL_COLUMNS

# Bump when what is stored, how it is keyed or how a stored pair is judged changes (this
# module, conflicts.py's rule, engine.build_profiles): the next run re-scores in
# full. Code files are not fingerprinted whole, so that editing a comment does not cost a
# full re-score; standardisation is (any change there changes what a profile is).
STORE_VERSION = "2"
# A weight moves between runs only through the prior (log2 of the change in profile count)
# and term frequencies (log2 of the change in a name's share). 3 bits is a factor of 8.
MARGIN_BITS = 3.0
# Outside this ratio of profiles to the last full run's, re-score in full (the prior alone
# would move weights by log2(0.8) = -0.32 .. log2(1.5) = 0.58 bits, well inside the margin).
PROFILE_RATIO_RANGE = (0.8, 1.5)

_LINKAGE_DIR = Path(__file__).parent
# Files whose content defines what a profile is and how it is compared.
_FINGERPRINTED_FILES = (
    "standardise.py",
    "nicknames.csv",
    "engine.py",
    "pairstore.py",
    "predict.py",
    "scoring.py",
    "conflicts.py",
)


@dataclass(frozen=True)
class StoreTables:
    """Where the store lives: the warehouse's linkage schema, or temp tables."""

    pairs: str
    profiles: str
    state: str
    persistent: bool

    @classmethod
    def in_schema(cls, schema: str | None) -> StoreTables:
        if schema:
            return cls(
                f"{schema}.scored_pairs",
                f"{schema}.scored_profiles",
                f"{schema}.scoring_state",
                True,
            )
        return cls("lk_store_pairs", "lk_store_profiles", "lk_store_state", False)


def fingerprint(model_path: Path, floor: float) -> str:
    """What the stored gammas and cut-offs depend on; any change forces a full re-score."""

    digest = hashlib.sha256(
        f"store={STORE_VERSION};floor={floor!r};margin={MARGIN_BITS!r};"
        f"conflict={CONFLICT_MATCH_WEIGHT!r};columns={MODEL_COLUMNS!r}".encode()
    )
    model_path = Path(model_path)
    meta = model_path.with_name(model_path.stem + ".meta.json")
    for path in (model_path, meta, *(_LINKAGE_DIR / f for f in _FINGERPRINTED_FILES)):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<absent>")
    return digest.hexdigest()


def probability_to_weight(probability: float) -> float:
    if probability <= 0:
        return -math.inf
    if probability >= 1:
        return math.inf
    return math.log2(probability / (1 - probability))


def previous_state(con: duckdb.DuckDBPyConnection, tables: StoreTables) -> dict | None:
    """The stored scoring state, or None if there is no usable store."""
    if not all(table_exists(con, t) for t in (tables.pairs, tables.profiles, tables.state)):
        return None
    row = con.execute(
        f"SELECT fingerprint, profiles_at_full FROM {tables.state} LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    return {"fingerprint": row[0], "profiles_at_full": row[1]}


def choose_mode(
    state: dict | None, current_fingerprint: str, profiles: int, force_full: bool
) -> tuple[str, str]:
    """("full" | "incremental", reason)."""
    if force_full:
        return "full", "full re-score requested"
    if state is None:
        return "full", "no stored scores"
    if state["fingerprint"] != current_fingerprint:
        return "full", "model, thresholds or standardisation changed"
    ratio = profiles / max(state["profiles_at_full"], 1)
    low, high = PROFILE_RATIO_RANGE
    if not low <= ratio <= high:
        return "full", f"profile count moved to {ratio:.2f}x the last full run's"
    return "incremental", "model, thresholds and standardisation unchanged"


def reset_store(con: duckdb.DuckDBPyConnection, tables: StoreTables, gamma_columns: list[str]):
    """Empty store with this model's gamma columns (a full re-score starts here)."""
    temp = "" if tables.persistent else "TEMP "
    schema = tables.pairs.rpartition(".")[0]
    if schema:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    gammas = "".join(f", {g} TINYINT" for g in gamma_columns)
    con.execute(
        f"""CREATE OR REPLACE {temp}TABLE {tables.pairs} (
                profile_key_l VARCHAR NOT NULL, profile_key_r VARCHAR NOT NULL,
                kind VARCHAR NOT NULL{gammas})"""
    )
    con.execute(
        f"""CREATE OR REPLACE {temp}TABLE {tables.profiles} (
                profile_key VARCHAR NOT NULL, component_key VARCHAR NOT NULL)"""
    )
    con.execute(
        f"""CREATE OR REPLACE {temp}TABLE {tables.state} (
                fingerprint VARCHAR, profiles_at_full BIGINT, full_at TIMESTAMP,
                last_run_id VARCHAR)"""
    )


def write_state(
    con: duckdb.DuckDBPyConnection,
    tables: StoreTables,
    current_fingerprint: str,
    profiles: int,
    mode: str,
    run_id: str | None,
    now: datetime,
) -> None:
    if mode == "full":
        con.execute(f"DELETE FROM {tables.state}")
        con.execute(
            f"INSERT INTO {tables.state} VALUES (?, ?, ?, ?)",
            [current_fingerprint, profiles, now.replace(tzinfo=None), run_id],
        )
    else:
        con.execute(f"UPDATE {tables.state} SET last_run_id = ?", [run_id])


@dataclass(frozen=True)
class _Level:
    gamma: int
    log2_bf: float
    bf: float
    tf_column: str | None
    tf_u_exact: float | None
    tf_weight: float
    tf_minimum_u: float


@dataclass(frozen=True)
class _Comparison:
    name: str
    gamma_column: str
    levels: tuple[_Level, ...]


def weight_plan(linker) -> list[_Comparison]:
    """Each comparison's levels with Bayes factor and term-frequency terms, read from Splink.

    Read from the linker's own settings object so the arithmetic is Splink's: the Bayes
    factor of a level is m/u, a null level is 1, and a level with a term-frequency
    adjustment multiplies by (u of the exact level / the larger term frequency of the two
    values) ** weight (Splink's ComparisonLevel._tf_adjustment_sql).
    """
    plan = []
    for comparison in linker._settings_obj.comparisons:
        levels = []
        all_levels = comparison.comparison_levels
        for level in all_levels:
            if level.is_null_level:
                continue
            bf = level._bayes_factor
            tf_column = None
            u_exact = None
            if (
                level._has_tf_adjustments
                and level._tf_adjustment_weight != 0
                and not level._is_else_level
            ):
                tf_column = level._tf_adjustment_input_column_name
                u_exact = level._u_probability_corresponding_to_exact_match(all_levels)
            levels.append(
                _Level(
                    gamma=level.comparison_vector_value,
                    log2_bf=math.log2(bf) if bf > 0 else -math.inf,
                    bf=bf,
                    tf_column=tf_column,
                    tf_u_exact=u_exact,
                    tf_weight=float(level._tf_adjustment_weight or 0),
                    tf_minimum_u=float(level._tf_minimum_u_value or 0),
                )
            )
        plan.append(
            _Comparison(
                name=comparison.output_column_name,
                gamma_column=comparison._gamma_column_name,
                levels=tuple(levels),
            )
        )
    return plan


def tf_columns(plan: list[_Comparison]) -> list[str]:
    return sorted({lv.tf_column for c in plan for lv in c.levels if lv.tf_column})


def build_term_frequencies(
    con: duckdb.DuckDBPyConnection, profiles: str, columns: list[str], target: str = "lk_profile_tf"
) -> dict:
    """This run's term frequencies: one Arrow table per adjusted column, and per profile.

    As Splink computes them over its input (the profiles): a value's share of the profiles
    where the column is not null. The per-column tables are registered with every Splink
    linker of the run (register_tf_tables), so Splink's own weights, used only to decide
    which pairs to keep, agree with the weights computed here from the store, whichever
    subset of profiles Splink was given. Writes `target` (unique_id, tf_<column>...).
    """
    lookups = {}
    for c in columns:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE lk_tf_{c} AS
                SELECT {c}, count(*) / sum(count(*)) OVER () AS tf_{c}
                FROM {profiles} WHERE {c} IS NOT NULL GROUP BY 1"""
        )
        lookups[c] = con.execute(f"SELECT * FROM lk_tf_{c}").to_arrow_table()
    selects = "".join(f", tf_{c}.tf_{c}" for c in columns)
    joins = " ".join(f"LEFT JOIN lk_tf_{c} tf_{c} ON tf_{c}.{c} = p.{c}" for c in columns)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {target} AS
            SELECT p.unique_id{selects} FROM {profiles} p {joins}"""
    )
    for c in columns:
        con.execute(f"DROP TABLE lk_tf_{c}")
    return lookups


def register_tf_tables(linker, lookups: dict) -> None:
    """Make `linker` use this run's term frequencies rather than its input's."""
    for column, table in lookups.items():
        linker.table_management.register_term_frequency_lookup(table, column, overwrite=True)


def _sql_float(x: float) -> str:
    if x == math.inf:
        return "'Infinity'::DOUBLE"
    if x == -math.inf:
        return "'-Infinity'::DOUBLE"
    return f"{x!r}::DOUBLE"


def weighted_pairs(
    con: duckdb.DuckDBPyConnection,
    tables: StoreTables,
    plan: list[_Comparison],
    prior: float,
    kind: str,
    where: str,
    target: str,
    profile_keys: str = "lk_profile_keys",
    profile_tf: str = "lk_profile_tf",
) -> int:
    """`target` (unique_id_l, unique_id_r, match_weight, match_probability, gamma_*, bf_*)
    for stored pairs of `kind` meeting `where` (on match_weight), weighed for this run.

    bf_<comparison> is the level's Bayes factor, as Splink reports it (without the
    term-frequency adjustment, which is folded into match_weight).
    """
    prior_weight = math.log2(prior / (1 - prior))
    weight_terms = []
    bf_columns = []
    for comparison in plan:
        g = f"s.{comparison.gamma_column}"
        base = " ".join(
            f"WHEN {lv.gamma} THEN {_sql_float(lv.log2_bf)}" for lv in comparison.levels
        )
        weight_terms.append(f"CASE {g} {base} ELSE 0.0 END")
        bf = " ".join(f"WHEN {lv.gamma} THEN {_sql_float(lv.bf)}" for lv in comparison.levels)
        bf_columns.append(f"CASE {g} {bf} ELSE 1.0 END AS bf_{comparison.name}")
        for lv in comparison.levels:
            if not lv.tf_column:
                continue
            tl, tr = f"tl.tf_{lv.tf_column}", f"tr.tf_{lv.tf_column}"
            # Splink: the larger of the two values' frequencies (either, if one is unknown),
            # floored at tf_minimum_u_value; no adjustment when neither is known.
            divisor = f"greatest(coalesce({tl}, {tr}), coalesce({tr}, {tl}), {lv.tf_minimum_u!r})"
            weight_terms.append(
                f"CASE WHEN {g} = {lv.gamma} AND coalesce({tl}, {tr}) IS NOT NULL "
                f"THEN {lv.tf_weight!r} * log2({lv.tf_u_exact!r} / {divisor}) ELSE 0.0 END"
            )
    gamma_select = ", ".join(f"s.{c.gamma_column}" for c in plan)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        WITH w AS (
            SELECT least(kl.unique_id, kr.unique_id) AS unique_id_l,
                   greatest(kl.unique_id, kr.unique_id) AS unique_id_r,
                   {_sql_float(prior_weight)} + {" + ".join(weight_terms) or "0.0"}
                       AS match_weight,
                   {gamma_select}, {", ".join(bf_columns)}
            FROM {tables.pairs} s
            JOIN {profile_keys} kl ON kl.profile_key = s.profile_key_l
            JOIN {profile_keys} kr ON kr.profile_key = s.profile_key_r
            LEFT JOIN {profile_tf} tl ON tl.unique_id = kl.unique_id
            LEFT JOIN {profile_tf} tr ON tr.unique_id = kr.unique_id
            WHERE s.kind = '{kind}'
        )
        SELECT unique_id_l, unique_id_r, match_weight,
               -- Splink's match_probability: odds / (1 + odds), odds = 2 ** weight.
               CASE WHEN match_weight > 1000 THEN 1.0
                    ELSE pow(2.0, match_weight) / (1.0 + pow(2.0, match_weight))
               END AS match_probability,
               * EXCLUDE (unique_id_l, unique_id_r, match_weight)
        FROM w WHERE {where}
        """
    )
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
