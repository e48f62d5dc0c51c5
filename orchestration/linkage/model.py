"""A saved person-linkage model: reading it, naming its levels, its prior for a run."""

from __future__ import annotations

import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


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


def level_label_sql(con, pairs_table: str, model: dict, alias: str = "p") -> dict[str, str]:
    """For each comparison scored in `pairs_table`, SQL naming the level a pair reached
    (`CASE p.gamma_x WHEN 2 THEN 'exact' ... END`), in the table's column order."""
    labels = comparison_level_labels(model)
    gamma_columns = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? AND column_name LIKE 'gamma_%' ORDER BY ordinal_position",
        [pairs_table],
    ).fetchall()
    cases = {}
    for (column,) in gamma_columns:
        name = column.removeprefix("gamma_")
        whens = " ".join(
            f"WHEN {g} THEN '{label.replace(chr(39), chr(39) * 2)}'"
            for g, label in labels.get(name, {}).items()
        )
        cases[name] = f"CASE {alias}.{column} {whens} END"
    return cases
