"""Dimension scores: for each dataset and load, 0-100 on each of the six dimensions.

A dimension's score is the mean, over its checks, of the share of rows that pass the check
(a timeliness check is all or nothing). The `__blocking` twin of a check measures the same
rows at a looser tolerance, so it is left out rather than counted twice. Skipped checks
(reference data not loaded) do not count; a dimension with no check has no score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration.quality.spec import DIMENSIONS


@dataclass(frozen=True)
class LoadScores:
    dataset: str
    load_id: str
    extract_date: Any
    row_count: int
    status: str
    scores: dict[str, float | None]  # dimension -> 0..100, None when not measured

    @property
    def overall(self) -> float | None:
        measured = [s for s in self.scores.values() if s is not None]
        return sum(measured) / len(measured) if measured else None


def load_scores(con: Any, datasets: list[str] | None = None) -> dict[str, list[LoadScores]]:
    """Scores of every validated load, oldest first, keyed by dataset."""
    where = ""
    params: list[Any] = []
    if datasets is not None:
        if not datasets:
            return {}
        where = f"and r.dataset in ({', '.join('?' for _ in datasets)})"
        params = list(datasets)
    validated = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'quality' and table_name = 'validation_results'"
    ).fetchone()[0]
    if not validated:
        return {}  # nothing validated yet in this warehouse: no history to show
    rows = con.execute(
        f"""
        select r.dataset, r.load_id, r.extract_date, r.dimension, avg(r.pass_rate) * 100
        from quality.validation_results r
        where r.status <> 'skipped' and r.check_name not like '%\\_\\_blocking' escape '\\' {where}
        group by all
        """,
        params,
    ).fetchall()
    by_load: dict[tuple[str, str], dict[str, float]] = {}
    for dataset, load_id, _extract_date, dimension, score in rows:
        by_load.setdefault((dataset, load_id), {})[dimension] = float(score)
    runs = con.execute(
        f"select dataset, load_id, extract_date, row_count, status from quality.validation_runs r "
        f"where true {where} order by dataset, extract_date, load_id",
        params,
    ).fetchall()
    result: dict[str, list[LoadScores]] = {}
    for dataset, load_id, extract_date, row_count, status in runs:
        measured = by_load.get((dataset, load_id), {})
        result.setdefault(dataset, []).append(
            LoadScores(
                dataset,
                load_id,
                extract_date,
                int(row_count or 0),
                status,
                {d: measured.get(d) for d in DIMENSIONS},
            )
        )
    return result


def scores_from_results(results: list[Any]) -> dict[str, float | None]:
    """Dimension scores (0-100) of one load's `CheckResult`s, by the same rule as above."""
    sums: dict[str, list[float]] = {}
    for result in results:
        if result.pass_rate is None or result.check.name.endswith("__blocking"):
            continue
        sums.setdefault(result.check.dimension, []).append(result.pass_rate)
    return {d: (100 * sum(sums[d]) / len(sums[d]) if d in sums else None) for d in DIMENSIONS}
