"""Retention and disposal on a real warehouse and landing folder with planted canary values:
one dataset past its retention (asb cases, kept 1 year from each extract) and one within it
(benefit cap, programme end plus 8 years)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from orchestration.governance import retention
from orchestration.governance.byte_scan import find_values
from orchestration.ingest.contract import Retention, load_contracts, load_deny_list
from orchestration.ingest.loader import load_file

TODAY = dt.date(2026, 12, 4)
PROGRAMME_END = dt.date(2020, 3, 31)
ASB, CAP = "council_housing__asb_cases", "council_revenues__benefit_cap"
GONE = ["Zqxcanaryasb", "ASBCANARY0001", "17 Canaryasb Lane", "Zqxquarantineasb"]
KEPT = ["Keepcanary Benefit", "HBKEEPCANARY01"]
ASB_RECORD = f"{ASB}:C1|ASBCANARY0001"  # the asb record only (person P1)
ASB_SHARED = f"{ASB}:C2|ASB0002"  # an asb record of P2, who also has a benefit cap record
CAP_RECORD = f"{CAP}:HBKEEPCANARY01|2024-04"

ASB_CSV = (
    "CASE_NO,PERSON_REF,SURNAME,FORENAME,DOB,ADDRESS,POSTCODE,CASE_OPENED,CASE_TYPE,ROLE\n"
    "C1,ASBCANARY0001,Zqxcanaryasb,Ann,01/02/2001,17 Canaryasb Lane,BS1 1AA,05/01/2020,NOISE,"
    "PERPETRATOR\n"
    "C2,ASB0002,Smith,Bob,03/04/1980,2 High St,BS1 1AB,06/01/2020,OTHER,VICTIM\n"
    "C3,ASB0003,Zqxquarantineasb,Cy,01/02/2001,3 High St,BS1 1AC,not a date,OTHER,VICTIM\n"
)
CAP_CSV = (
    "PERIOD,HB_CLAIM_REF,CLAIMANT_NAME,DOB,NINO,ADDRESS,POSTCODE,CAP_START_DATE,"
    "WEEKLY_CAP_AMOUNT\n"
    "2024-04,HBKEEPCANARY01,Keepcanary Benefit,03/04/1980,,2 High St,BS1 1AB,01/04/2024,50.00\n"
)


def _contracts() -> dict:
    contracts = load_contracts()
    asb = contracts[ASB]
    short = Retention(years=1, basis="test: one year from each extract", start="extract_date")
    return {ASB: dataclasses.replace(asb, retention=short), CAP: contracts[CAP]}


def _derived_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Layers keyed by record or person ids, as linkage and dbt build them."""
    con.execute(
        f"""
        create schema intermediate; create schema linkage; create schema marts;
        create schema quality;
        create table intermediate.int_person_records as select * from (values
            ('{ASB_RECORD}', 'Zqxcanaryasb'), ('{ASB_SHARED}', 'Smith'),
            ('{CAP_RECORD}', 'Keepcanary Benefit')) t(record_id, surname);
        create table linkage.person_index as select * from (values
            ('{ASB_RECORD}', 'P1'), ('{ASB_SHARED}', 'P2'), ('{CAP_RECORD}', 'P2'))
            t(record_id, person_id);
        create table linkage.pairs as select * from (values
            ('{ASB_RECORD}', '{CAP_RECORD}', 'Zqxcanaryasb'),
            ('{ASB_SHARED}', '{CAP_RECORD}', 'Smith')) t(record_id_l, record_id_r, surname_l);
        create table marts.person_summary as select * from (values
            ('P1', '17 Canaryasb Lane'), ('P2', 'Keepcanary Benefit')) t(person_id, detail);
        create table marts.families as select * from (values
            ('F1', ['P1', 'P3'], 'Zqxcanaryasb'), ('F2', ['P2'], 'Keepcanary Benefit'))
            t(family_id, member_person_ids, names);
        create table quality.ref_census_upns as select 'ASBCANARY0001' as ref_upn;
        create table quality.reference_builds as
            select 'quality.ref_census_upns' as name, 'x' as fingerprint,
                   now()::timestamp as built_at;
        """
    )


@pytest.fixture
def city(tmp_path: Path) -> dict:
    data = tmp_path / "data"
    landing = data / "landing"
    contracts = _contracts()
    files = {
        ASB: (landing / "council_housing/asb_cases/2020-01-31.csv", ASB_CSV, "cp1252"),
        CAP: (landing / "council_revenues/benefit_cap/2024-04-30.csv", CAP_CSV, "utf-8"),
    }
    warehouse = data / "warehouse.duckdb"
    data.mkdir()
    with duckdb.connect(str(warehouse)) as con:
        for table, (path, text, encoding) in files.items():
            path.parent.mkdir(parents=True)
            path.write_bytes(text.encode(encoding))
            load_file(con, contracts[table], path, load_deny_list(), landing_root=landing)
        _derived_tables(con)
    night = data / "published" / "night-1.duckdb"
    night.parent.mkdir()
    with duckdb.connect(str(night)) as con:
        con.execute(f"attach '{warehouse}' as w (read_only)")
        con.execute("create schema marts")
        con.execute("create table marts.person_summary as select * from w.marts.person_summary")
    report = data / "reports" / "linkage" / "restricted" / "cluster_studio.html"
    report.parent.mkdir(parents=True)
    report.write_text("<td>Zqxcanaryasb</td>")
    return {
        "data": data,
        "landing": landing,
        "warehouse": warehouse,
        "night": night,
        "contracts": contracts,
        "files": files,
    }


def _run(city: dict, dry_run: bool):
    return retention.run(
        city["warehouse"],
        city["contracts"],
        TODAY,
        city["landing"],
        [city["night"]],
        dry_run=dry_run,
        programme_ends=PROGRAMME_END,
        reports=city["data"] / "reports",
    )


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def test_policy_expires_extract_dated_loads_and_keeps_the_programme_end_ones():
    contracts = _contracts()
    asb = retention.Policy.of(contracts[ASB], PROGRAMME_END)
    cap = retention.Policy.of(contracts[CAP], PROGRAMME_END)
    assert asb.expired(dt.date(2020, 1, 31), TODAY)
    assert not asb.expired(dt.date(2026, 1, 31), TODAY)
    assert not cap.expired(dt.date(2012, 1, 1), TODAY)  # counts from 2020-03-31, not the load
    assert cap.expired(dt.date(2024, 4, 30), dt.date(2028, 4, 1))
    assert retention.programme_end() == PROGRAMME_END


def test_dry_run_lists_counts_and_changes_no_byte(city):
    before = _digests(city["data"])
    disposals, run_id = _run(city, dry_run=True)
    assert _digests(city["data"]) == before
    assert run_id is None
    by_dataset = {d.dataset: d for d in disposals}
    assert CAP not in by_dataset
    asb = by_dataset[ASB]
    assert asb.rows["raw"] >= 2 and asb.rows["ops.quarantine"] >= 1
    assert asb.rows["linkage.person_index"] == 2  # both asb records; P2 keeps its cap record
    assert asb.rows["marts.person_summary"] == 1  # P1 only: P2 still has a record
    assert [p.name for p in asb.files] == ["2020-01-31.csv"]
    nights = by_dataset[retention.PUBLISHED].rows
    assert nights == {"published night-1.duckdb marts.person_summary": 1}


def test_disposal_leaves_no_byte_of_the_expired_dataset_and_the_rest_intact(city):
    data = city["data"]
    found = find_values(data, GONE)
    assert {p.name for p in found} >= {
        "warehouse.duckdb",
        "night-1.duckdb",
        "2020-01-31.csv",
        "cluster_studio.html",
    }
    assert set().union(*found.values()) == set(GONE)  # the scan sees every canary before
    with duckdb.connect(str(city["warehouse"]), read_only=True) as con:
        cap_rows = _one(con, f"select count(*) from raw.{CAP}")
        assert _one(con, f"select count(*) from ops.quarantine where dataset = '{ASB}'") >= 1

    disposals, run_id = _run(city, dry_run=False)

    assert run_id and find_values(data, GONE) == {}
    kept = find_values(data, KEPT)
    assert {p.name for p in kept} >= {"warehouse.duckdb", "2024-04-30.csv", "night-1.duckdb"}
    assert not city["files"][ASB][0].exists() and city["files"][CAP][0].exists()
    with duckdb.connect(str(city["warehouse"]), read_only=True) as con:
        assert _one(con, f"select count(*) from raw.{ASB}") == 0
        assert _one(con, f"select count(*) from raw.{CAP}") == cap_rows == 1
        assert _one(con, f"select count(*) from ops.quarantine where dataset = '{ASB}'") == 0
        index = con.execute("select * from linkage.person_index order by 1").fetchall()
        assert index == [(CAP_RECORD, "P2")]
        assert con.execute("select person_id from marts.person_summary").fetchall() == [("P2",)]
        assert con.execute("select family_id from marts.families").fetchall() == [("F2",)]
        assert _one(con, "select count(*) from linkage.pairs") == 0
        outcomes = dict(con.execute("select dataset, outcome from ops.load_register").fetchall())
        assert outcomes == {ASB: "disposed", CAP: "loaded"}
        register = con.execute("select * from ops.disposal_register").fetchall()
        columns = [d[0] for d in con.description]
    assert columns == [
        "run_id",
        "disposed_at",
        "as_of",
        "dataset",
        "layer",
        "rows_disposed",
        "files_disposed",
        "policy",
    ]
    layers = {(row[3], row[4]): (row[5], row[6]) for row in register}
    assert layers[(ASB, "raw")][0] >= 2 and layers[(ASB, "landing")] == (0, 1)
    assert layers[(retention.PUBLISHED, "published night-1.duckdb marts.person_summary")] == (1, 0)
    assert layers[(retention.DERIVED, "restricted reports")] == (0, 1)
    assert layers[(retention.DERIVED, "quality.ref_census_upns")] == (1, 0)
    assert {row[3] for row in register} == {ASB, retention.DERIVED, retention.PUBLISHED}
    text = repr(register)
    assert not [v for v in GONE + KEPT if v in text]  # counts, never values


def test_a_second_run_finds_nothing_left_to_dispose(city):
    _run(city, dry_run=False)
    disposals, run_id = _run(city, dry_run=False)
    assert disposals == [] and run_id is None


def test_cli_dry_run_prints_counts_never_values(city, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["data"]))
    monkeypatch.setenv("FAMILIES_DB", str(city["warehouse"]))
    before = _digests(city["data"])
    # The repository's contracts: both datasets count from the programme end (2020-03-31).
    assert main(["retention", "--dry-run", "--today", "2026-12-04"]) == 0
    assert "0 dataset(s) past retention" in capsys.readouterr().out
    assert main(["retention", "--dry-run", "--today", "2028-04-01"]) == 0
    out = capsys.readouterr().out
    assert "2 dataset(s) past retention" in out and f"  {ASB} (8 years from programme" in out
    assert "would lose" in out and "next `families nightly`" in out
    assert not [v for v in GONE + KEPT if v in out]
    assert _digests(city["data"]) == before


def test_cli_refuses_a_warehouse_another_process_holds(city, monkeypatch, capsys):
    import subprocess
    import sys

    from orchestration.cli import main

    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["data"]))
    monkeypatch.setenv("FAMILIES_DB", str(city["warehouse"]))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " time.sleep(60)",
            str(city["warehouse"]),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = _digests(city["data"])
        assert main(["retention", "--today", "2028-04-01"]) == 2
        assert "is in use; run when no job runs" in capsys.readouterr().err
        assert _digests(city["data"]) == before
    finally:
        holder.kill()
        holder.wait()


def test_dry_run_counts_what_disposal_removes_when_a_person_spans_two_expiring_datasets(city):
    def per_layer(disposals) -> dict[str, int]:
        totals: dict[str, int] = {}
        for d in disposals:
            for layer, rows in d.rows.items():
                totals[layer] = totals.get(layer, 0) + rows
        return totals

    args = (city["warehouse"], city["contracts"], dt.date(2028, 4, 1), city["landing"])
    options = {"programme_ends": PROGRAMME_END, "published": [city["night"]]}
    planned, _ = retention.run(*args, dry_run=True, **options)
    done, _ = retention.run(*args, **options)
    # P2 has an asb and a benefit cap record: orphaned only once both datasets go.
    assert per_layer(planned)["marts.person_summary"] == 2
    assert per_layer(planned) == per_layer(done)
