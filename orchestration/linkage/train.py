"""Deliberate training of the person-linkage model, saved as versioned JSON in the repository.

Training is a recorded act (`families train-linkage`), never part of the nightly run: the
nightly run loads the newest saved model, so its behaviour changes only when someone
retrains and commits a new version.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.linkage import settings as model_settings
from orchestration.linkage.engine import (
    build_profiles,
    load_profiles_into,
    make_linker,
    splink_connection,
)
from orchestration.linkage.standardise import standardise_person_records

logger = logging.getLogger(__name__)


def fill_untrained_levels(model: dict) -> dict:
    """Give levels training never observed a modest m probability instead of none/invalid."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            if m is None or not 0 < m <= 1:
                level["m_probability"] = model_settings.UNTRAINED_M_PROBABILITY
            u = level.get("u_probability")
            if u is None or not 0 < u <= 1:
                level["u_probability"] = model_settings.UNTRAINED_M_PROBABILITY
    return model


def train_model(
    con: duckdb.DuckDBPyConnection,
    source: str,
    out_path: Path,
    uprns: str | None = None,
    description: str = "",
) -> dict:
    """Estimate the model's parameters on `source` (standard schema) and save it to out_path.

    Writes `<out_path>` (Splink's JSON, loadable by `Linker`) and `<stem>.meta.json` (when,
    on what volume, with which Splink); returns the metadata. Holds no identifiers.
    """
    import splink

    started = time.monotonic()
    records = standardise_person_records(con, source, "lk_train_std", uprns=uprns)
    profiles = build_profiles(con, "lk_train_std", "lk_train_profiles", "lk_train_map")
    splink_con = splink_connection()
    try:
        load_profiles_into(splink_con, con, "lk_train_profiles")
        linker = make_linker(splink_con, model_settings.base_settings())
        linker.training.estimate_probability_two_random_records_match(
            model_settings.TRAINING_DETERMINISTIC_RULES,
            recall=model_settings.TRAINING_DETERMINISTIC_RECALL,
        )
        linker.training.estimate_u_using_random_sampling(
            max_pairs=model_settings.TRAINING_U_MAX_PAIRS, seed=model_settings.TRAINING_SEED
        )
        for rule in model_settings.TRAINING_EM_BLOCKING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        out_path.parent.mkdir(parents=True, exist_ok=True)
        model = linker.misc.save_model_to_json(str(out_path), overwrite=True)
    finally:
        splink_con.close()
        for table in ("lk_train_std", "lk_train_profiles", "lk_train_map"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    model = fill_untrained_levels(model)
    # Pretty-printed with sorted keys so a retrain shows as a readable diff in review.
    out_path.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    meta = {
        "model_file": out_path.name,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "splink_version": splink.__version__,
        "training_records": records,
        "training_profiles": profiles,
        "probability_two_random_records_match": model["probability_two_random_records_match"],
        "description": description,
        "seconds": round(time.monotonic() - started, 1),
    }
    meta_path = out_path.with_name(out_path.stem + ".meta.json")
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info("trained linkage model %s on %d records", out_path.name, records)
    return meta
