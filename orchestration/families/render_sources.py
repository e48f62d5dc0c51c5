"""dbt's `models/staging/_sources.yml`, rendered from the source contracts.

Each contract in `orchestration/contracts/<agency>/<dataset>.yml` becomes one table of source
`raw`: its description, owner (the information asset owner, as `meta.owner`), freshness (warn
after the contract's `max_days_between_extracts`, measured on the raw table's `_extract_date`)
and its columns with their descriptions; and the exposure of the IAO quality reports, which
read every raw source. Adding a source means editing one contract and running
`families render-sources`; tests/unit/test_render_sources.py fails while the file is stale.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from orchestration import paths
from orchestration.ingest.contract import Contract, load_contracts

HEADER = (
    "# Rendered from orchestration/contracts by orchestration/families/render_sources.py\n"
    "# (`families render-sources`): edit the contract, not this file.\n"
)

# Columns ingest adds to every raw table (orchestration/ingest/loader.py).
LINEAGE_COLUMNS = (
    ("_load_id", "Id of the load (one file, one run) that wrote the row."),
    ("_source_file", "Name of the landed file the row came from."),
    ("_row_number", "Row number of the record in that file (1 = first data row)."),
    ("_extract_date", "Date the agency extracted the file (from its name); used for freshness."),
)

# Written by orchestration/linkage, not by a contract.
LINKAGE_SOURCE: dict[str, Any] = {
    "name": "linkage",
    "schema": "linkage",
    "description": "Written by orchestration/linkage (addresses to UPRNs, records to stable "
    "person ids).",
    "meta": {"owner": "orchestration/linkage (platform team)"},
    "tables": [
        {
            "name": "record_uprns",
            "description": "One row per person record: the UPRN its address matched, with "
            "weight and status (matched / low_confidence / unmatched).",
        },
        {
            "name": "person_index",
            "description": "One row per person record: its stable person id.",
        },
    ],
}


def source_table(contract: Contract) -> dict[str, Any]:
    """One `raw` source table as dbt reads it, from one contract."""
    extract = contract.extract
    owner = contract.information_asset_owner
    table: dict[str, Any] = {
        "name": contract.table_name,
        "description": f"{contract.description} ({extract.kind}, {extract.schedule}; "
        f"contract orchestration/contracts/{contract.dataset}.yml)",
        "meta": {
            "owner": f"{owner.name}, {owner.role} ({contract.organisation})",
            "information_asset_owner": {"name": owner.name, "role": owner.role},
            "organisation": contract.organisation,
            "max_days_between_extracts": extract.max_days_between_extracts,
            "kind": extract.kind,
            "schedule": extract.schedule,
            "primary_key": list(contract.primary_key),
            "indicators": list(contract.indicators),
            "legal_gateways": list(contract.legal_gateways),
        },
    }
    if extract.max_days_between_extracts is not None:
        table["loaded_at_field"] = "_extract_date"
        table["freshness"] = {
            "warn_after": {"count": extract.max_days_between_extracts, "period": "day"}
        }
    columns = [
        {
            "name": column.name,
            "description": column.description
            + (" Personal identifier." if column.personal_identifier else ""),
            "data_type": column.sql_type.lower(),
        }
        for column in contract.columns
    ]
    columns += [{"name": name, "description": text} for name, text in LINEAGE_COLUMNS]
    table["columns"] = columns
    return table


def iao_reports_exposure(contracts: dict[str, Contract]) -> dict[str, Any]:
    """The IAO quality reports read every raw source: an exposure kept current with them."""
    return {
        "name": "iao_quality_reports",
        "label": "Information Asset Owner quality reports",
        "type": "dashboard",
        "maturity": "high",
        "description": "data/reports/quality/iao/<agency>.html (orchestration/quality/reports.py): "
        "one report per agency for its Information Asset Owner, scoring each load of their "
        "extracts 0-100 on six dimensions (completeness, validity, uniqueness, timeliness, "
        "consistency, accuracy) with the fixes to make at source, and the Great Expectations "
        "Data Docs beside them.",
        "owner": {"name": "Data platform team, for each agency's Information Asset Owner"},
        "depends_on": [f"source('raw', '{name}')" for name in sorted(contracts)],
    }


def render_sources(contracts: dict[str, Contract] | None = None) -> str:
    """The text of `_sources.yml` for these contracts (default: every contract on disk)."""
    contracts = load_contracts() if contracts is None else contracts
    raw = {
        "name": "raw",
        "schema": "raw",
        "description": "Agency extracts as loaded by ingest: the contract columns, typed, plus "
        "_load_id, _source_file, _row_number, _extract_date. Loads accumulate.",
        "tables": [source_table(c) for _, c in sorted(contracts.items())],
    }
    document = {
        "version": 2,
        "sources": [raw, LINKAGE_SOURCE],
        "exposures": [iao_reports_exposure(contracts)],
    }
    body = yaml.safe_dump(document, sort_keys=False, width=100, allow_unicode=True)
    return HEADER + body


def sources_path() -> Path:
    """Where dbt reads the sources: dbt_project/models/staging/_sources.yml."""
    return paths.dbt_project_dir() / "models" / "staging" / "_sources.yml"


def write_sources(path: Path | None = None) -> Path:
    """Render the sources from the contracts and write them; returns the file written."""
    path = sources_path() if path is None else path
    path.write_text(render_sources(), encoding="utf-8")
    return path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "render-sources",
        help="re-render dbt's staging/_sources.yml from the source contracts",
        description="Write dbt_project/models/staging/_sources.yml from "
        "orchestration/contracts/**.yml (descriptions, owners, freshness, columns).",
    )
    command.set_defaults(func=lambda _args: print(f"wrote {write_sources()}") or 0)
