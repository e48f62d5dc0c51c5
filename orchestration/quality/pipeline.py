"""Validate one dataset's new loads, then refresh its agency's report and the Data Docs.

This is what the Dagster asset check runs (`checks.py`), as a plain function so it can be
tested and run without Dagster. Reports are written here rather than by a downstream asset:
a blocking check that fails stops downstream assets in its run, and the Information Asset
Owner's report is needed most exactly then.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.quality.gx_suite import quality_reports_dir
from orchestration.quality.validate import LoadOutcome, validate_dataset


@dataclass
class DatasetQuality:
    table: str
    outcomes: list[LoadOutcome]  # loads validated in this run, oldest first; last = latest
    report: Path | None
    data_docs: Path | None

    @property
    def latest(self) -> LoadOutcome | None:
        return self.outcomes[-1] if self.outcomes else None


def check_dataset(
    con: Any, table: str, contracts: dict[str, Any] | None = None, *, data_docs: bool = True
) -> DatasetQuality:
    """Validate `table`'s new loads and rewrite its agency's one-page report."""
    if contracts is None:
        from orchestration.ingest.contract import load_contracts

        contracts = load_contracts()
    outcomes = validate_dataset(con, table, contracts)
    from orchestration.quality.reports import write_agency_report

    report = write_agency_report(
        con, contracts[table].agency, contracts, quality_reports_dir() / "iao"
    )
    docs = None
    fresh = [o for o in outcomes if not o.reloaded]
    if data_docs and fresh:
        from orchestration.quality.gx_suite import build_data_docs, run_name_for, validation_page

        only = {table: {run_name_for(o.extract_date, o.load_id) for o in fresh}}
        index = build_data_docs(only=only)
        # The check links the latest load's own page; the index where GX did not validate it.
        latest = fresh[-1]
        docs = validation_page(table, run_name_for(latest.extract_date, latest.load_id)) or index
    return DatasetQuality(table, outcomes, report, docs)
