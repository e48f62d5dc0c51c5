"""Dagster asset checks: one blocking data-quality check per loaded source.

`CHECKS` holds one check per contract, on the raw asset `["raw", "<agency>__<dataset>"]`.
It fails with severity ERROR (downstream assets in the run do not execute) when an
error-severity expectation fails and has not been accepted in
`expectations/accepted_failures.yml`; with WARN (reported, nothing blocked) when only
warnings fail. Metadata carries the six dimension scores, a link to the agency's page in the
web application and the report's path.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import paths
from orchestration.platform.links import iao_report_link
from orchestration.quality.pipeline import DatasetQuality, check_dataset
from orchestration.quality.scores import scores_from_results

CHECK_NAME = "data_quality"


def contract_tables(contracts_dir: Path | None = None) -> list[str]:
    """Raw table names from the contract file names: cheap enough for definition time."""
    root = contracts_dir or paths.contracts_dir()
    return sorted(
        f"{path.parent.name}__{path.stem}"
        for pattern in ("*/*.yml", "*/*.yaml")
        for path in root.glob(pattern)
    )


def check_result(quality: DatasetQuality) -> dg.AssetCheckResult:
    """The Dagster result for a dataset's latest validated load."""
    latest = quality.latest
    report = {}
    if quality.report:
        # The page in the web application (to the agency's owner), and the file it serves.
        report = {
            "iao_page": iao_report_link(quality.report.stem),
            "report": dg.MetadataValue.path(str(quality.report)),
        }
    if latest is None:
        return dg.AssetCheckResult(
            passed=True,
            metadata={"note": "no rows loaded yet: nothing to validate", **report},
            description="No load to validate.",
        )
    scores = scores_from_results(latest.results)
    failed = [r.check.name for r in latest.failed]
    blocking = [r.check.name for r in latest.blocking]
    accepted = [r.check.name for r in latest.failed if r.accepted]
    metadata = {
        "status": latest.status,
        "extract_date": latest.extract_date.isoformat(),
        "load_id": latest.load_id,
        "rows": latest.row_count,
        "loads_validated_this_run": len(quality.outcomes),
        "validation_seconds": round(sum(o.seconds for o in quality.outcomes), 2),
        **{f"score_{d}": round(s, 1) for d, s in scores.items() if s is not None},
        "failed_checks": ", ".join(failed) or "none",
        "blocking_checks": ", ".join(blocking) or "none",
        "accepted_failures": ", ".join(accepted) or "none",
        **report,
    }
    if quality.data_docs:
        metadata["data_docs"] = dg.MetadataValue.path(str(quality.data_docs))
    if blocking:
        description = (
            f"{len(blocking)} error check(s) failed: downstream use is blocked until the data is "
            "fixed or the failure accepted."
        )
    elif failed:
        description = f"{len(failed)} check(s) failed; none blocks."
    else:
        description = "Every check passed."
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        metadata=metadata,
        description=description,
    )


def build_quality_check(table: str, contracts: dict | None = None) -> dg.AssetChecksDefinition:
    """The blocking check for one raw table, judged against the contracts it was built from."""

    @dg.asset_check(
        asset=dg.AssetKey(["raw", table]),
        name=CHECK_NAME,
        description=f"Great Expectations suite expectations/{table}.py on every new load "
        "(completeness, validity, uniqueness, timeliness, consistency, accuracy).",
        blocking=True,
        pool="duckdb",
    )
    def _quality_check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            quality = check_dataset(con, table, contracts)
        return check_result(quality)

    return _quality_check


def build_quality_checks(contracts: dict | None = None) -> list[dg.AssetChecksDefinition]:
    """One check per contract (pass the same contracts the raw assets were built from)."""
    tables = sorted(contracts) if contracts is not None else contract_tables()
    return [build_quality_check(t, contracts) for t in tables]


CHECKS: list[dg.AssetChecksDefinition] = build_quality_checks()
