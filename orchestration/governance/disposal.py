"""The whole retention step, as `families retention` and the nightly job's
`governance/retention` asset run it: every layer past its retention, one register.

1. The warehouse, landing files, published nights and derived caches (retention.py).
2. The web application's review decisions about disposed records, and its audit detail past
   the audit's own retention (web_records.py).
3. Dagster's run history past the shortest dataset retention (run_logs.py).
4. Reports: the eligible-families CSV is written again from the purged published night, and
   subject access reports (a person's data, by design) go with the audit detail's retention.

Each part removes what it removes atomically (a transaction, or a new file swapped in), so a
failure in one leaves every store whole; what was disposed is recorded in
`ops.disposal_register` as counts by dataset and layer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.governance import retention
from orchestration.governance.run_logs import RUN_LOGS, dispose_run_logs
from orchestration.governance.web_records import WEB_APP, dispose_web_records
from orchestration.ingest.contract import Contract

REPORTS = "(reports)"
SUBJECT_ACCESS_REPORTS = "subject_access"


@dataclass
class Stores:
    """Where everything lives (the CLI and the asset fill it from paths and the run)."""

    warehouse: Path
    landing: Path
    reports: Path
    published: list[Path] = field(default_factory=list)
    instance: dg.DagsterInstance | None = None  # Dagster's run history, if any
    current_run: str | None = None  # never disposed of: the run doing the disposal


def stores_here(
    instance: dg.DagsterInstance | None = None, current_run: str | None = None
) -> Stores:
    """The stores of this data folder ($FAMILIES_DATA_DIR, $FAMILIES_DB)."""
    from orchestration import paths, published

    return Stores(
        warehouse=paths.warehouse_path(),
        landing=paths.landing_dir(),
        reports=paths.reports_dir(),
        published=sorted(published.published_dir().glob("night-*.duckdb")),
        instance=instance,
        current_run=current_run,
    )


def platform_store(disposal: retention.DatasetDisposal) -> bool:
    """Whether a disposal is of a store the platform keeps, not of a dataset."""
    return disposal.dataset in (
        retention.DERIVED,
        retention.PUBLISHED,
        WEB_APP,
        RUN_LOGS,
        REPORTS,
    )


def dispose(
    stores: Stores,
    contracts: dict[str, Contract],
    today: dt.date,
    dry_run: bool = False,
    programme_ends: dt.date | None = None,
) -> tuple[list[retention.DatasetDisposal], str | None]:
    """Dispose of (or, dry run, count) everything past retention; returns what, and the
    register's run id (None on a dry run or when nothing was due)."""
    disposals, run_id = retention.run(
        stores.warehouse,
        contracts,
        today,
        stores.landing,
        stores.published,
        dry_run=dry_run,
        programme_ends=programme_ends,
        reports=stores.reports,
    )
    records = {r for d in disposals for r in d.record_ids}
    audit_years = retention.audit_detail_years()
    later = [dispose_web_records(today, audit_years, records, dry_run)]
    if stores.instance is not None:
        ends = programme_ends or retention.programme_end()
        policies = [retention.Policy.of(c, ends) for c in contracts.values()]
        later.append(
            dispose_run_logs(stores.instance, policies, today, dry_run, stores.current_run)
        )
    published = next((d for d in disposals if d.dataset == retention.PUBLISHED), None)
    later.append(reports(stores, today, audit_years, bool(published and published.rows), dry_run))
    later = [d for d in later if d.rows or d.files]
    if not dry_run and later:
        run_id = record_more(stores.warehouse, later, run_id, today)
    return disposals + later, run_id


def reports(
    stores: Stores, today: dt.date, audit_years: int, night_purged: bool, dry_run: bool
) -> retention.DatasetDisposal:
    """Subject access reports older than the audit detail's retention; and, once published
    rows were disposed of, the eligible-families CSV written again from what is left."""
    found = retention.DatasetDisposal(
        REPORTS,
        f"subject access reports after {audit_years} years",
        files_layer="subject access reports",
    )
    cutoff = dt.datetime.combine(retention.plus_years(today, -audit_years), dt.time.min)
    folder = stores.reports / SUBJECT_ACCESS_REPORTS
    if folder.is_dir():
        found.files = sorted(
            p
            for p in folder.iterdir()
            if p.is_file() and dt.datetime.fromtimestamp(p.stat().st_mtime) < cutoff
        )
    if night_purged:
        found.rows["outputs/eligible_families.csv, _left.csv and .xlsx (written again)"] = 1
    if dry_run:
        return found
    for path in found.files:
        path.unlink(missing_ok=True)
    if night_purged:
        from orchestration.families.outputs import write_eligible_list
        from orchestration.published import NothingPublishedError, open_published

        try:
            with open_published(stores.published[0].parent if stores.published else None) as con:
                write_eligible_list(con)
        except NothingPublishedError:
            pass  # no night is served: there is no list to write
    return found


def record_more(
    warehouse: Path, disposals: list[retention.DatasetDisposal], run_id: str | None, today: dt.date
) -> str:
    """Add the stores outside the warehouse to the run's register rows (counts only)."""
    with duckdb.connect(str(warehouse)) as con:
        return retention.record(con, disposals, today, run_id)
