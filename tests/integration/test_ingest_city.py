"""Every contract against the generated city: no file refused, and exactly the planted bad rows
quarantined (nothing more, nothing less)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import load_dataset


def test_generated_city_loads_with_exactly_the_planted_faults_quarantined(
    small_city_dir: Path, tmp_path: Path
):
    landing = tmp_path / "landing"
    shutil.copytree(small_city_dir / "landing", landing)
    contracts = load_contracts()
    deny = load_deny_list()
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    results = [r for c in contracts.values() for r in load_dataset(con, c, deny, landing)]

    assert [(r.file, r.message) for r in results if r.outcome != "loaded"] == []
    assert {r.dataset for r in results} == set(contracts)
    con.execute(
        # Both count rows as a person does (header = 1) and name files from the data folder.
        "create temp table planted as select replace(dataset, '/', '__') as dataset, file, "
        "row_number "
        f"from read_parquet('{small_city_dir / 'truth' / 'planted_faults.parquet'}')"
    )
    quarantined = "select distinct dataset, file, row_number from ops.quarantine"
    missed = con.execute(f"select * from planted except {quarantined}").fetchall()
    unexpected = con.execute(f"{quarantined} except select * from planted").fetchall()
    assert missed == []
    assert unexpected == []
    assert con.execute("select count(*) from planted").fetchone()[0] > 0
    con.close()
