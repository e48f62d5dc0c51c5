"""One prediction run's state, shared by scoring, conflicts, clustering and review selection.

As Splink's Linker holds its settings and tables, a LinkageRun holds what the steps of one
run share: the working connection, the model as this run weighs it (prior rescaled), the
pair store's tables, Splink's connection and linker while they are alive, and the names of
the run's working tables, so no step has to know another's table names by heart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from orchestration.linkage import pairstore
from orchestration.linkage.settings import LinkageThresholds


@dataclass(frozen=True)
class RunTables:
    """The run's working tables on the working connection (temp tables or tables)."""

    # Written by engine.build_profiles.
    profiles: str = "lk_profiles"
    record_map: str = "lk_record_map"
    profile_keys: str = "lk_profile_keys"
    # Written by the steps of predict_and_cluster.
    new_profiles: str = "lk_new_profiles"
    pairs: str = "lk_pairs"
    roots: str = "lk_roots"
    record_clusters: str = "lk_record_clusters"
    review_candidates: str = "lk_review_candidates"
    # On Splink's connection.
    splink_profiles: str = "profiles"


@dataclass
class LinkageRun:
    """What one run of predict_and_cluster knows, built up step by step."""

    con: duckdb.DuckDBPyConnection
    model: dict
    model_path: Path
    thresholds: LinkageThresholds
    store: pairstore.StoreTables
    tables: RunTables = field(default_factory=RunTables)
    mode: str = "full"
    prior: float = 0.0
    splink_con: duckdb.DuckDBPyConnection | None = None
    linker: Any = None
    plan: list = field(default_factory=list)
    tf_lookups: dict = field(default_factory=dict)

    @property
    def gamma_columns(self) -> list[str]:
        return [f"gamma_{c['output_column_name']}" for c in self.model["comparisons"]]

    @property
    def floor_weight(self) -> float:
        """Match weight of the lowest probability the run keeps (review band or link)."""
        return pairstore.probability_to_weight(
            min(self.thresholds.review_low, self.thresholds.link)
        )
