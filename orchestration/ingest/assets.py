"""One Dagster asset per source contract: load new landing files into `raw.<agency>__<dataset>`.

Each load asset depends on an external asset `["landing", "<agency>__<dataset>"]` (the folder
agencies drop files into), so the UI shows lineage from each landing dataset onward.
"""

from collections import Counter
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration import paths
from orchestration.ingest.contract import Contract, load_contracts, load_deny_list
from orchestration.platform.ownership import agency_owner, stage_tags

INGEST_GROUP = "ingest"
LANDING_GROUP = "landing"
DUCKDB_POOL = "duckdb"
FILE_FAULTS_CHECK = "file_faults"


def raw_asset_key(contract: Contract) -> dg.AssetKey:
    return dg.AssetKey(["raw", contract.table_name])


def landing_asset_key(contract: Contract) -> dg.AssetKey:
    return dg.AssetKey(["landing", contract.table_name])


def _column_schema(contract: Contract) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=column.sql_type,
                description=column.description
                + (" [personal identifier]" if column.personal_identifier else ""),
                constraints=dg.TableColumnConstraints(nullable=not column.required),
            )
            for column in contract.columns
        ]
    )


def _contract_metadata(contract: Contract) -> dict:
    return {
        "organisation": contract.organisation,
        "information_asset_owner": (
            f"{contract.information_asset_owner.name}, {contract.information_asset_owner.role}"
        ),
        "legal_gateways": ", ".join(str(g) for g in contract.legal_gateways),
        "indicators": ", ".join(contract.indicators) or "-",
        "extract": f"{contract.extract.kind}, {contract.extract.schedule}",
        "retention_years": contract.retention.years,
        "contract": str(contract.path.relative_to(paths.REPO_ROOT))
        if contract.path and contract.path.is_relative_to(paths.REPO_ROOT)
        else str(contract.path),
    }


def landing_spec(contract: Contract) -> dg.AssetSpec:
    """The landing folder of one dataset, written by the agency (not by Dagster)."""
    return dg.AssetSpec(
        key=landing_asset_key(contract),
        group_name=LANDING_GROUP,
        description=f"Extract files from {contract.organisation}: "
        f"data/landing/{contract.agency}/{contract.name}/<YYYY-MM-DD>.{contract.file.extension}",
        kinds={"csv"},
        owners=[agency_owner(contract.agency)],
        tags=stage_tags("landing", contract.agency),
        metadata=_contract_metadata(contract),
    )


def build_load_asset(contract: Contract, deny_list_path: Path | None = None) -> dg.AssetsDefinition:
    """The asset that loads new files of one dataset (see orchestration.ingest.loader).

    The deny list is read at run time, so an addition applies from the next load.
    """

    @dg.asset(
        key=raw_asset_key(contract),
        check_specs=[
            dg.AssetCheckSpec(
                FILE_FAULTS_CHECK,
                asset=raw_asset_key(contract),
                description="No file of this run refused, no undeclared column dropped and no "
                "declared column missing (warns: the run goes on with the files that loaded).",
            )
        ],
        deps=[landing_asset_key(contract)],
        group_name=INGEST_GROUP,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "python"},
        owners=[agency_owner(contract.agency)],
        tags=stage_tags("ingest", contract.agency),
        description=f"{contract.description.strip()} Loaded by contract {contract.dataset}; "
        "new extracts only, one transaction per file.",
        metadata={
            **_contract_metadata(contract),
            "dagster/column_schema": _column_schema(contract),
            "dagster/table_name": f"raw.{contract.table_name}",
        },
    )
    def load(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        from orchestration.ingest.file_faults import faults_of_results
        from orchestration.ingest.loader import load_dataset

        deny_list = load_deny_list(deny_list_path)
        with duckdb.get_connection() as con:
            results = load_dataset(con, contract, deny_list, paths.landing_dir())
            total_rows = con.execute(
                f'select count(*) from raw."{contract.table_name}"'
            ).fetchone()[0]
        outcomes = Counter(r.outcome for r in results)
        reasons = Counter()
        for result in results:
            reasons.update(result.reject_reasons)
        refused = [r for r in results if r.outcome == "refused"]
        rejected_md = "\n".join(
            f"| {field or '(row)'} | {reason} | {count} |"
            for (field, reason), count in reasons.most_common()
        )
        faults = faults_of_results(results)
        for fault in faults:
            context.log.warning(fault.describe())
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(
                    check_name=FILE_FAULTS_CHECK,
                    passed=not faults,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={
                        "faults": len(faults),
                        "details": dg.MetadataValue.md(
                            "\n".join(f"- {fault.describe()}" for fault in faults) or "none"
                        ),
                    },
                )
            ],
            metadata={
                "files_loaded": outcomes["loaded"],
                "files_refused": outcomes["refused"],
                "files_skipped_duplicate": outcomes["skipped"],
                "files_already_loaded": outcomes["unchanged"],
                "rows_loaded": sum(r.rows_loaded for r in results),
                "rows_rejected": sum(r.rows_rejected for r in results),
                "dagster/row_count": total_rows,
                "refused_files": dg.MetadataValue.md(
                    "\n".join(f"- `{r.file}`: {r.message}" for r in refused) or "none"
                ),
                "rejected_by_reason": dg.MetadataValue.md(
                    "| field | reason | count |\n|---|---|---|\n" + rejected_md
                    if rejected_md
                    else "none"
                ),
                "columns_dropped": ", ".join(
                    sorted({c for r in results for c in r.columns_dropped})
                )
                or "none",
            },
        )

    return load


def build_ingest_assets(
    contracts: dict[str, Contract] | None = None, deny_list_path: Path | None = None
) -> tuple[list[dg.AssetSpec], list[dg.AssetsDefinition]]:
    """(landing specs, load assets), one of each per contract."""
    contracts = load_contracts() if contracts is None else contracts
    return (
        [landing_spec(c) for c in contracts.values()],
        [build_load_asset(c, deny_list_path) for c in contracts.values()],
    )
