"""Pairwise precision, recall and F1 of `families link` clusters against the truth."""

from __future__ import annotations

import csv
from collections import defaultdict
from itertools import combinations
from pathlib import Path


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {
        (a, b) if a < b else (b, a)
        for members in groups.values()
        for a, b in combinations(members, 2)
    }


def pairwise_scores(clusters_csv: Path, truth: dict[str, str]) -> dict[str, float]:
    """Precision, recall and F1 over record pairs put in one cluster vs one true person."""
    predicted: dict[str, list[str]] = defaultdict(list)
    with clusters_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            predicted[row["cluster_id"]].append(row["record_id"])
    actual: dict[str, list[str]] = defaultdict(list)
    for record, person in truth.items():
        actual[person].append(record)
    found, true = _pairs(predicted), _pairs(actual)
    hits = len(found & true)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_pairs": len(true),
        "found_pairs": len(found),
    }
