"""`families quality ...`: validate loads and write the owners' reports outside Dagster."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quality", help="validate loaded extracts and write data-quality reports"
    )
    parser.add_argument("--db", type=Path, default=None, help="warehouse (default $FAMILIES_DB)")
    parser.add_argument(
        "--revalidate", action="store_true", help="validate every load again, not only new ones"
    )
    parser.add_argument("--dataset", action="append", help="only this raw table (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration import paths
    from orchestration.ingest.contract import load_contracts
    from orchestration.quality.reports import write_quality_reports
    from orchestration.quality.validate import validate_dataset

    contracts = load_contracts()
    tables = args.dataset or list(contracts)
    blocked = 0
    with duckdb.connect(str(args.db or paths.warehouse_path())) as con:
        for table in tables:
            outcomes = validate_dataset(con, table, contracts, revalidate=args.revalidate)
            if not outcomes:
                continue
            latest = outcomes[-1]
            blocked += latest.status == "error"
            # Check names and counts only: never a value from the records.
            print(
                f"{table}: {latest.status} (extract {latest.extract_date}, "
                f"{latest.row_count} rows, {len(latest.failed)} failed, "
                f"{len(latest.blocking)} blocking)"
            )
        written = write_quality_reports(con, contracts)
    print(f"reports: {written[0].parent if written else 'none'}")
    return 1 if blocked else 0
