"""A model learnt from the data in front of it: what `families link` uses unless given one.

Comparisons are the platform's (settings.COMPARISONS) for the fields the data fills;
blocking rules are chosen from those fields within a comparison budget (blocking_choice);
u comes from random sampling, m from expectation maximisation over two blocking rules that
each leave different fields free, and the prior from the expected matches the model finds
(refined from a deterministic-rule start). The result is saved as Splink JSON with a
.meta.json, and used by the same engine as the nightly run.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.linkage import settings as model_settings
from orchestration.linkage.blocking_choice import (
    BlockingKeyRule,
    choose_blocking_rules,
    comparison_count,
    pair_budget,
    present_fields,
)
from orchestration.linkage.engine import load_profiles_into, make_linker, splink_connection
from orchestration.linkage.train import fill_untrained_levels

logger = logging.getLogger(__name__)

# A guess at the share of true matches that agree exactly on name and date of birth, only
# for the prior's starting value: the prior is then re-estimated from the fitted model.
DETERMINISTIC_RECALL = 0.6
U_MAX_PAIRS = 2e6
PRIOR_REFINEMENTS = 2

# Fields a comparison may need beyond those blocking rules use (blocking_choice._FIELDS).
_EXTRA_FIELDS = ("middle_names", "sex", *model_settings.OPTIONAL_MODEL_COLUMNS)


def _filled(con: duckdb.DuckDBPyConnection, profiles: str) -> set[str]:
    """Every field a comparison could use that the profiles fill (>= 1%)."""
    present = present_fields(con, profiles)
    total = con.execute(f"SELECT count(*) FROM {profiles}").fetchone()[0]
    columns = {c.lower() for c in con.sql(f"SELECT * FROM {profiles} LIMIT 0").columns}
    for field in (f for f in _EXTRA_FIELDS if f in columns):
        filled = con.execute(f'SELECT count("{field}") FROM {profiles}').fetchone()[0]
        if total and filled / total >= 0.01:
            present.add(field)
    return present


def _em_rules(con, profiles: str, present: set[str]) -> list[str]:
    """Two EM blocks that free different fields: one on date of birth, or else postcode
    (names and sex are learnt), one on names (date of birth and place are learnt); each
    narrowed if too large."""
    budget = pair_budget(con.execute(f"SELECT count(*) FROM {profiles}").fetchone()[0])
    # Without dates of birth, a block on postcode frees the names instead.
    frees_names = [
        ('{t}."dob"',),
        ('{t}."dob"', 'left({t}."surname", 1)'),
        ('{t}."postcode"',),
        ('{t}."postcode"', 'left({t}."surname", 1)'),
    ]
    frees_dob = [
        ('{t}."first_name_canonical"', '{t}."surname_root"'),
        ('{t}."first_name_canonical"', '{t}."surname_root"', 'year({t}."dob")'),
    ]
    rules: list[str] = []
    for group in (frees_names, frees_dob):
        for keys in group:
            rule = BlockingKeyRule(keys)
            if rule.fields() <= present and comparison_count(con, profiles, rule) <= budget:
                rules.append(rule.sql())
                break
    if not rules:
        raise ValueError(
            "cannot learn a model: the files fill neither date of birth, postcode nor both names "
            "enough to train on; pass a saved model with --model"
        )
    return rules


def learn_model(
    con: duckdb.DuckDBPyConnection, profiles_table: str, out_path: Path, description: str = ""
) -> dict:
    """Learn a model on the profiles in `profiles_table`, save it to out_path; return meta."""
    import splink

    started = time.monotonic()
    present = _filled(con, profiles_table)
    # Each comparison is named after the field it compares.
    candidates = [*model_settings.COMPARISONS, *model_settings.OPTIONAL_COMPARISONS]
    comparisons = [c for c in candidates if c["output_column_name"] in present]
    blocking, blocking_report = choose_blocking_rules(con, profiles_table, present)
    em_rules = _em_rules(con, profiles_table, present)
    settings = model_settings.base_settings()
    settings["comparisons"] = comparisons
    settings["blocking_rules_to_generate_predictions"] = [{"blocking_rule": r} for r in blocking]
    profiles = con.execute(f"SELECT count(*) FROM {profiles_table}").fetchone()[0]
    splink_con = splink_connection()
    try:
        load_profiles_into(splink_con, con, profiles_table)
        linker = make_linker(splink_con, settings)
        deterministic = [
            r for r in model_settings.TRAINING_DETERMINISTIC_RULES if _rule_fields_in(r, present)
        ]
        linker.training.estimate_probability_two_random_records_match(
            deterministic, recall=DETERMINISTIC_RECALL
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=U_MAX_PAIRS, seed=model_settings.TRAINING_SEED
        )
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        prior = _refine_prior(linker, splink_con, profiles)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        model = linker.misc.save_model_to_json(str(out_path), overwrite=True)
    finally:
        splink_con.close()
    model = fill_untrained_levels(model)
    out_path.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    meta = {
        "model_file": out_path.name,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "splink_version": splink.__version__,
        "training_profiles": profiles,
        "probability_two_random_records_match": prior,
        "fields_used": sorted(present),
        "blocking_rules": blocking_report,
        "em_blocking_rules": em_rules,
        "description": description or "learnt by families link from its input files",
        "seconds": round(time.monotonic() - started, 1),
    }
    out_path.with_name(out_path.stem + ".meta.json").write_text(
        json.dumps(meta, indent=2) + "\n", encoding="utf-8"
    )
    return meta


def _rule_fields_in(rule: str, present: set[str]) -> bool:
    fields = {"nhs_number", "upn", "ni_number", "first_name", "surname", "dob"}
    return all(f'"{f}"' not in rule or f in present for f in fields)


def _refine_prior(linker, splink_con: duckdb.DuckDBPyConnection, profiles: int) -> float:
    """Re-estimate the prior as the expected number of matching pairs the fitted model finds
    among all pairs, repeated a couple of times (the start was a guessed recall)."""
    total_pairs = profiles * (profiles - 1) / 2
    prior = linker._settings_obj._probability_two_random_records_match
    for _ in range(PRIOR_REFINEMENTS):
        scored = linker.inference.predict(threshold_match_probability=0.01)
        expected = splink_con.execute(
            f"SELECT coalesce(sum(match_probability), 0) FROM {scored.physical_name}"
        ).fetchone()[0]
        scored.drop_table_from_database_and_remove_from_cache()
        if not expected or total_pairs <= 0:
            break
        prior = min(0.5, expected / total_pairs)
        linker._settings_obj._probability_two_random_records_match = prior
    logger.info("learnt prior %.3g over %d profiles", prior, profiles)
    return prior
