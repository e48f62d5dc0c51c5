"""Loads on real files into a real DuckDB file: every file fault, quarantine, idempotence,
history, and a load killed part way through."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.history import as_at_sql
from orchestration.ingest.loader import load_dataset, load_file

HEADER = "offence_ref,person_ref,surname,DOB,offence_date,offence_count,cost,proven,outcome_code"


def offence_rows(start: int, n: int) -> str:
    return "".join(
        f"O{i},P{i},O’Brien,01/02/2003,05/01/2015,{i % 5},12.50,Y,CHARGED\r\n"
        for i in range(start, start + n)
    )


@pytest.fixture
def setup(sample_contracts_dir: Path, tmp_path: Path):
    contracts = load_contracts(sample_contracts_dir)
    deny = load_deny_list(sample_contracts_dir / "deny_list.yml")
    landing = tmp_path / "landing"
    db = tmp_path / "warehouse.duckdb"
    return contracts, deny, landing, db


def land(landing: Path, dataset: str, name: str, content: str | bytes, encoding="cp1252") -> Path:
    path = landing / dataset / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def snapshot(db: Path, *, skip_register: bool = False) -> dict[str, list]:
    """Every row of every table, sorted: 'the warehouse exactly as it was'."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        return {
            f"{s}.{t}": sorted(map(repr, con.execute(f'select * from {s}."{t}"').fetchall()))
            for s, t in tables
            if not (skip_register and t == "load_register")
        }
    finally:
        con.close()


def run_load(db: Path, contract, deny, landing):
    con = duckdb.connect(str(db))
    try:
        return load_dataset(con, contract, deny, landing)
    finally:
        con.close()


def register(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select file, outcome, rows_read, rows_loaded, rows_rejected, columns_dropped, message"
            " from ops.load_register order by started_at"
        ).fetchall()
    finally:
        con.close()


def test_good_cp1252_file_loads_with_lineage_quarantine_and_dropped_columns(setup):
    contracts, deny, landing, db = setup
    content = (
        HEADER
        + ",officer_notes\r\n"
        + offence_rows(1, 3).replace("\r\n", ",n\r\n")
        + "O9,P9,Ng,31/02/2003,05/01/2015,two,1,Y,NFA,n\r\n"  # row 5: bad date and integer
        + "O10,P10,Ng,01/02/2003,05/01/2015\r\n"  # row 6: too few fields
        + "O11,,Ng,01/02/2003,05/01/2015,1,1,maybe,NFA,n\r\n"  # row 7: missing ref, bad bool
    )
    land(landing, "police/offences", "2015-01-31.csv", content)
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert (result.outcome, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        6,
        3,
        3,
    )
    assert result.columns_dropped == ["officer_notes"]

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select offence_ref, surname, DOB, offence_count, cost, proven, _source_file, "
        "_row_number, _extract_date, _load_id = ? from raw.police__offences order by 8",
        [result.load_id],
    ).fetchall()
    assert rows[0] == (
        "O1",
        "O’Brien",
        dt.date(2003, 2, 1),
        1,
        12.5,
        True,
        "landing/police/offences/2015-01-31.csv",
        2,
        dt.date(2015, 1, 31),
        True,
    )
    assert [r[7] for r in rows] == [2, 3, 4]
    assert "officer_notes" not in [
        c[0] for c in con.execute("describe raw.police__offences").fetchall()
    ]
    quarantine = con.execute(
        "select file, row_number, field, reason, raw_text from ops.quarantine order by 2, 3"
    ).fetchall()
    assert quarantine == [
        (
            "landing/police/offences/2015-01-31.csv",
            5,
            "DOB",
            "not a date in format %d/%m/%Y or %Y-%m-%d",
            "31/02/2003",
        ),
        ("landing/police/offences/2015-01-31.csv", 5, "offence_count", "not a whole number", "two"),
        (
            "landing/police/offences/2015-01-31.csv",
            6,
            None,
            "row has 5 fields, the header has 10",
            "O10,P10,Ng,01/02/2003,05/01/2015",
        ),
        (
            "landing/police/offences/2015-01-31.csv",
            7,
            "person_ref",
            "required value is missing",
            "",
        ),
        (
            "landing/police/offences/2015-01-31.csv",
            7,
            "proven",
            "not a boolean (true/false, yes/no, y/n, 1/0)",
            "maybe",
        ),
    ]
    (entry,) = con.execute(
        "select checksum_sha256, rows_read, rows_loaded, rows_rejected, columns_dropped, outcome,"
        " started_at <= ended_at, message from ops.load_register"
    ).fetchall()
    con.close()
    assert len(entry[0]) == 64
    assert entry[1:7] == (6, 3, 3, "officer_notes", "loaded", True)
    assert "dropped undeclared columns: officer_notes" in entry[7]


def test_utf8_bom_pipe_delimited_snapshot_loads(setup):
    contracts, deny, landing, db = setup
    content = "\ufeffupn|forename|year_group|entry_date\nA123|Zoë|7|2014-09-03 08:45\n"
    land(landing, "council_education/school_census", "2014-10-01.csv", content, "utf-8")
    (result,) = run_load(db, contracts["council_education__school_census"], deny, landing)
    assert result.outcome == "loaded" and result.rows_loaded == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select upn, forename, year_group, entry_date from raw.council_education__school_census"
    ).fetchall() == [("A123", "Zoë", 7, dt.datetime(2014, 9, 3, 8, 45))]
    con.close()


FAULTS = {
    "missing-required-column": (
        HEADER.replace("offence_date,", "") + "\r\n" + "O1,P1,Ng,01/02/2003,1,1,Y,NFA\r\n",
        "missing required column(s) in header (line 1): offence_date",
    ),
    "empty": ("", "empty file: 0 bytes"),
    "header-only-blank": ("\r\n\r\n", "empty file"),
    "truncated": (HEADER + "\r\n" + offence_rows(1, 50) + "O51,P51,O’Bri", "truncated file"),
    "undecodable": (
        (HEADER + "\r\n" + offence_rows(1, 2)).encode("cp1252") + b"O3,P3,\x81x,01/02/2003,"
        b"05/01/2015,1,1,Y,NFA\r\n",
        "undecodable bytes: byte 0x81 at line 4",
    ),
    "wrong-delimiter": (
        (HEADER + "\r\n" + offence_rows(1, 2)).replace(",", "\t"),
        "wrong delimiter: line 1 splits into columns on '\\t'",
    ),
    "denied-category": (
        HEADER + ",clinical_notes\r\n" + offence_rows(1, 2).replace("\r\n", ",x\r\n"),
        "deny list: column 'clinical_notes' carries excluded category \"health professionals'",
    ),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_file_level_fault_refuses_the_file_and_leaves_the_warehouse_unchanged(setup, fault):
    contracts, deny, landing, db = setup
    contract = contracts["police__offences"]
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(1, 3))
    run_load(db, contract, deny, landing)
    before = snapshot(db, skip_register=True)

    content, problem = FAULTS[fault]
    land(landing, "police/offences", "2015-02-28.csv", content)
    results = run_load(db, contract, deny, landing)

    refused = [r for r in results if r.file.endswith("2015-02-28.csv")]
    assert [r.outcome for r in refused] == ["refused"]
    assert problem in refused[0].message
    assert snapshot(db, skip_register=True) == before
    entries = register(db)
    assert entries[-1][:2] == ("landing/police/offences/2015-02-28.csv", "refused")
    assert problem in entries[-1][6]
    # A refused file is not retried night after night; a corrected re-send is loaded.
    assert run_load(db, contract, deny, landing)[-1].outcome == "unchanged"
    land(landing, "police/offences", "2015-02-28.csv", HEADER + "\r\n" + offence_rows(10, 2))
    assert run_load(db, contract, deny, landing)[-1].outcome == "loaded"


def test_refused_first_file_never_reaches_a_data_table(setup):
    contracts, deny, landing, db = setup
    land(
        landing,
        "police/offences",
        "2015-01-31.csv",
        HEADER + ",adopted_name\r\n" + offence_rows(1, 3).replace("\r\n", ",x\r\n"),
    )
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert result.outcome == "refused" and "adoption" in result.message
    tables = snapshot(db)
    assert tables["raw.police__offences"] == []
    assert tables["ops.quarantine"] == []


def test_loading_the_same_file_twice_changes_nothing(setup):
    contracts, deny, landing, db = setup
    contract = contracts["police__offences"]
    land(
        landing,
        "police/offences",
        "2015-01-31.csv",
        HEADER + "\r\n" + offence_rows(1, 5) + "O6,P6,Ng,xx,05/01/2015,1,1,Y,NFA\r\n",
    )
    first = run_load(db, contract, deny, landing)
    assert [r.outcome for r in first] == ["loaded"]
    before = snapshot(db)
    second = run_load(db, contract, deny, landing)
    assert [r.outcome for r in second] == ["unchanged"]
    con = duckdb.connect(str(db))
    again = load_file(
        con, contract, landing / "police/offences/2015-01-31.csv", deny, landing_root=landing
    )
    con.close()
    assert again.outcome == "unchanged"
    assert snapshot(db) == before


def test_unchanged_snapshot_on_a_new_date_loads_so_the_state_stays_current(setup):
    contracts, deny, landing, db = setup
    census = contracts["council_education__school_census"]
    content = "upn|forename|year_group|entry_date\nA1|Ann|7|\n"
    land(landing, "council_education/school_census", "2014-10-01.csv", content, "utf-8")
    land(landing, "council_education/school_census", "2015-01-05.csv", content, "utf-8")
    assert [r.outcome for r in run_load(db, census, deny, landing)] == ["loaded", "loaded"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        f"select max(_extract_date) from ({as_at_sql(census, dt.date(2015, 6, 1))})"
    ).fetchone() == (dt.date(2015, 1, 5),)
    con.close()


def test_same_content_under_another_name_is_skipped_and_changed_content_refused(setup):
    contracts, deny, landing, db = setup
    contract = contracts["police__offences"]
    content = HEADER + "\r\n" + offence_rows(1, 5)
    land(landing, "police/offences", "2015-01-31.csv", content)
    run_load(db, contract, deny, landing)
    land(landing, "police/offences", "2015-02-28.csv", content)
    assert run_load(db, contract, deny, landing)[-1].outcome == "skipped"
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(100, 1))
    result = [r for r in run_load(db, contract, deny, landing) if r.outcome != "unchanged"]
    assert [r.outcome for r in result] == ["refused"]
    assert "already loaded" in result[0].message
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select count(*) from raw.police__offences").fetchone()[0] == 5
    con.close()


def test_loads_accumulate_and_any_past_extract_date_can_be_queried(setup):
    contracts, deny, landing, db = setup
    census = contracts["council_education__school_census"]
    offences = contracts["police__offences"]
    head = "upn|forename|year_group|entry_date\n"
    land(
        landing,
        "council_education/school_census",
        "2014-10-01.csv",
        head + "A1|Ann|7|\nA2|Bob|8|\n",
        "utf-8",
    )
    land(
        landing,
        "council_education/school_census",
        "2015-01-05.csv",
        head + "A1|Ann|7|\nA3|Cy|9|\n",
        "utf-8",
    )
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(1, 2))
    # The February delta restates O2 (outcome changed) and adds O3.
    land(
        landing,
        "police/offences",
        "2015-02-28.csv",
        HEADER + "\r\nO2,P2,Ng,01/02/2003,05/01/2015,1,1,Y,NFA\r\n" + offence_rows(3, 1),
    )
    run_load(db, census, deny, landing)
    run_load(db, offences, deny, landing)

    con = duckdb.connect(str(db), read_only=True)

    def upns(day):
        return sorted(r[0] for r in con.execute(as_at_sql(census, day)).fetchall())

    def outcomes(day):
        sql = f"select offence_ref, outcome_code from ({as_at_sql(offences, day)}) order by 1"
        return con.execute(sql).fetchall()

    assert upns(dt.date(2014, 9, 1)) == []
    assert upns(dt.date(2014, 12, 31)) == ["A1", "A2"]
    assert upns(dt.date(2015, 6, 1)) == ["A1", "A3"]
    assert outcomes(dt.date(2015, 1, 31)) == [("O1", "CHARGED"), ("O2", "CHARGED")]
    assert outcomes(dt.date(2015, 3, 1)) == [("O1", "CHARGED"), ("O2", "NFA"), ("O3", "CHARGED")]
    assert (
        con.execute("select count(*) from raw.council_education__school_census").fetchone()[0] == 4
    )
    con.close()


def test_identifiers_never_reach_the_log_or_the_register(setup, caplog):
    contracts, deny, landing, db = setup
    land(
        landing,
        "police/offences",
        "2015-01-31.csv",
        HEADER + "\r\nO1,SECRETREF,Zebedee,99/99/1999,05/01/2015,1,1,Y,NFA\r\n"
        "O2,P2,Quux,01/02/2003\r\n",
    )
    with caplog.at_level(logging.DEBUG):
        (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert result.rows_rejected == 2
    text = caplog.text + " ".join(str(e) for e in register(db)) + repr(result)
    for identifier in ("SECRETREF", "Zebedee", "99/99/1999", "Quux"):
        assert identifier not in text


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import duckdb
    from orchestration.ingest import loader
    from orchestration.ingest.contract import load_contracts, load_deny_list

    contracts_dir, db, landing, marker = map(Path, sys.argv[1:5])

    def stall_mid_transaction(con, *args, **kwargs):
        # Called inside the load transaction, after the raw rows are inserted: prove they are
        # there (uncommitted), then wait to be killed.
        n = con.execute("select count(*) from raw.police__offences").fetchone()[0]
        marker.write_text(str(n))
        time.sleep(600)

    loader._insert_quarantine = stall_mid_transaction
    con = duckdb.connect(str(db))
    loader.load_dataset(con, load_contracts(contracts_dir)["police__offences"],
                        load_deny_list(contracts_dir / "deny_list.yml"), landing)
    """
)


def test_load_killed_part_way_through_a_file_leaves_the_warehouse_unchanged(
    setup, sample_contracts_dir, tmp_path
):
    contracts, deny, landing, db = setup
    contract = contracts["police__offences"]
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(1, 10))
    run_load(db, contract, deny, landing)
    before = snapshot(db)

    land(
        landing,
        "police/offences",
        "2015-02-28.csv",
        HEADER + "\r\n" + offence_rows(100, 20_000) + "O0,P0,Ng,bad,05/01/2015,1,1,Y,NFA\r\n",
    )
    marker = tmp_path / "inside_transaction"
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT)
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(sample_contracts_dir),
            str(db),
            str(landing),
            str(marker),
        ],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, "the loader exited before reaching the transaction"
            assert time.monotonic() < deadline, "the loader never reached the transaction"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert int(marker.read_text()) == 10 + 20_000  # the kill came with the rows inserted

    assert snapshot(db) == before
    # The next run loads the file cleanly, once.
    results = run_load(db, contract, deny, landing)
    assert [(r.outcome, r.rows_loaded, r.rows_rejected) for r in results] == [
        ("unchanged", 0, 0),
        ("loaded", 20_000, 1),
    ]


@pytest.mark.parametrize(
    ("field", "value", "column_index"),
    [
        ("offence_count", "12.7", 5),  # would round to 13
        ("offence_count", "1e3", 5),
        ("cost", "nan", 6),
        ("DOB", "01/02/03", 3),  # %Y would read the year 3
        ("offence_date", "5 Jan 2015", 4),
    ],
)
def test_values_that_only_look_typed_are_quarantined_not_coerced(setup, field, value, column_index):
    contracts, deny, landing, db = setup
    fields = ["O1", "P1", "Ng", "01/02/2003", "05/01/2015", "1", "1", "Y", "NFA"]
    fields[column_index] = value
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + ",".join(fields) + "\r\n")
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert (result.rows_loaded, result.rows_rejected) == (0, 1)
    assert [f for f, _ in result.reject_reasons] == [field]


def test_a_contract_that_gains_an_optional_column_keeps_the_earlier_loads(
    setup, sample_contracts_dir
):
    contracts, deny, landing, db = setup
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(1, 2))
    run_load(db, contracts["police__offences"], deny, landing)

    path = sample_contracts_dir / "police" / "offences.yml"
    path.write_text(path.read_text() + "  - {name: force_code, type: string}\n")
    wider = load_contracts(sample_contracts_dir)["police__offences"]
    land(
        landing,
        "police/offences",
        "2015-02-28.csv",
        HEADER + ",force_code\r\n" + offence_rows(3, 1).replace("\r\n", ",AS\r\n"),
    )
    results = run_load(db, wider, deny, landing)
    assert [r.outcome for r in results] == ["unchanged", "loaded"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select offence_ref, force_code from raw.police__offences order by 1"
    ).fetchall() == [("O1", None), ("O2", None), ("O3", "AS")]
    con.close()


def test_whole_numbers_written_with_a_zero_fraction_load_as_integers(setup):
    contracts, deny, landing, db = setup
    land(
        landing,
        "police/offences",
        "2015-01-31.csv",
        HEADER + "\r\nO1,P1,Ng,01/02/2003,05/01/2015,16.00,1,Y,NFA\r\n",
    )
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert result.rows_loaded == 1
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("select offence_count from raw.police__offences").fetchone() == (16,)
    con.close()


def test_a_file_withdrawn_between_listing_and_reading_is_skipped(setup, monkeypatch):
    contracts, deny, landing, db = setup
    kept = land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n" + offence_rows(1, 1))
    gone = landing / "police/offences/2015-02-28.csv"
    monkeypatch.setattr(
        "orchestration.ingest.loader.landing_files", lambda contract, root: [gone, kept]
    )
    results = run_load(db, contracts["police__offences"], deny, landing)
    assert [(r.file, r.outcome) for r in results] == [
        ("landing/police/offences/2015-01-31.csv", "loaded")
    ]


def test_header_only_deltas_on_successive_dates_all_load_as_nothing_new(setup):
    contracts, deny, landing, db = setup
    land(landing, "police/offences", "2015-01-31.csv", HEADER + "\r\n")
    land(landing, "police/offences", "2015-02-28.csv", HEADER + "\r\n")
    results = run_load(db, contracts["police__offences"], deny, landing)
    assert [(r.outcome, r.rows_read) for r in results] == [("loaded", 0), ("loaded", 0)]


def test_whitespace_only_values_are_missing_and_other_text_is_kept_as_sent(setup):
    contracts, deny, landing, db = setup
    land(
        landing,
        "police/offences",
        "2015-01-31.csv",
        HEADER + "\r\nO1,  ,Ng,01/02/2003,05/01/2015,1,1,Y,NFA\r\n"
        "O2,P2, de Souza ,01/02/2003, 05/01/2015 , 3 ,1,Y,NFA\r\n",
    )
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert result.reject_reasons == {("person_ref", "required value is missing"): 1}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select surname, offence_date, offence_count from raw.police__offences"
    ).fetchall() == [(" de Souza ", dt.date(2015, 1, 5), 3)]
    con.close()
