"""Refused files, dropped undeclared columns and missing declared columns are not a green
run: the load asset's check warns, and the agency's IAO page names them (never a value)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.ingest.assets import FILE_FAULTS_CHECK, build_load_asset
from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import load_dataset

HEADER = "offence_ref,person_ref,surname,DOB,offence_date,offence_count,cost,proven,outcome_code"
ROW = "O{n},P{n},Quixley,01/02/2003,05/01/2015,1,12.50,Y,CHARGED"


def _land(landing: Path, name: str, content: str | bytes) -> None:
    path = landing / "police" / "offences" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("cp1252"))


def _faulty_nights(landing: Path) -> None:
    # An undeclared column, and the optional `cost` column missing.
    header = HEADER.replace(",cost", "") + ",officer_comment"
    rows = "".join(ROW.format(n=n).replace(",12.50", "") + ",x\r\n" for n in range(3))
    _land(landing, "2015-01-31.csv", header + "\r\n" + rows)
    _land(landing, "2015-02-28.csv", (HEADER + "\r\n" + ROW.format(n=9)).encode("utf-16"))


@pytest.fixture
def contracts(sample_contracts_dir: Path):
    return load_contracts(sample_contracts_dir)


def test_iao_page_names_refused_files_dropped_and_missing_columns(
    data_dir: Path, sample_contracts_dir: Path, contracts
):
    from orchestration.quality.reports import write_quality_reports

    _faulty_nights(data_dir / "landing")
    deny = load_deny_list(sample_contracts_dir / "deny_list.yml")
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        load_dataset(con, contracts["police__offences"], deny, data_dir / "landing")
        written = write_quality_reports(con, contracts, data_docs=False)
    page = next(p for p in written if p.name == "police.html").read_text(encoding="utf-8")
    assert "landing/police/offences/2015-02-28.csv was refused whole" in page
    assert "wrong encoding" in page
    assert "officer_comment" in page and "does not declare" in page
    assert "lacked declared column(s), loaded as empty: cost" in page
    assert "Quixley" not in page and "P1" not in page


def _materialize(contracts, sample_contracts_dir: Path, db: Path) -> dg.AssetCheckEvaluation:
    asset = build_load_asset(contracts["police__offences"], sample_contracts_dir / "deny_list.yml")
    result = dg.materialize(
        [asset], resources={"duckdb": DuckDBResource(database=str(db))}, raise_on_error=False
    )
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == FILE_FAULTS_CHECK
    return evaluation


def test_load_asset_check_warns_on_file_faults_and_passes_on_clean_files(
    data_dir: Path, sample_contracts_dir: Path, contracts
):
    db = data_dir / "warehouse.duckdb"
    _faulty_nights(data_dir / "landing")
    warned = _materialize(contracts, sample_contracts_dir, db)
    assert not warned.passed
    assert warned.severity == dg.AssetCheckSeverity.WARN
    assert warned.metadata["faults"].value == 3
    details = warned.metadata["details"].value
    assert "2015-02-28.csv was refused whole" in details and "officer_comment" in details

    rows = "".join(ROW.format(n=n) + "\r\n" for n in range(10, 12))
    _land(data_dir / "landing", "2015-03-31.csv", HEADER + "\r\n" + rows)
    clean = _materialize(contracts, sample_contracts_dir, db)
    assert clean.passed
