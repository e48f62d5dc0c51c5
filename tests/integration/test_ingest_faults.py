"""Hostile and careless files: each fault is a refusal with its reason, registered once; no
valid row of any other file is lost, and the next file of the same dataset still loads."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest
from test_ingest_loads import HEADER, land, offence_rows, register, run_load

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import DUPLICATE_CONFLICT, DUPLICATE_COPY


@pytest.fixture
def setup(sample_contracts_dir: Path, tmp_path: Path):
    """(contracts, deny list, landing folder, warehouse file), as the loads' tests use."""
    contracts = load_contracts(sample_contracts_dir)
    deny = load_deny_list(sample_contracts_dir / "deny_list.yml")
    return contracts, deny, tmp_path / "landing", tmp_path / "warehouse.duckdb"


GOOD = HEADER + "\r\n" + offence_rows(1, 3)
CENSUS = "\ufeffupn|forename|year_group|entry_date\nA123|Zoë|7|2014-09-03 08:45\n"


def _encoded(codec: str) -> bytes:
    return (HEADER + "\r\n" + offence_rows(20, 2)).encode(codec)


def _land_fault(landing: Path, tmp_path: Path, fault: str) -> str:
    """Put the faulty file in place; return the name it is registered under."""
    folder = "police/offences"
    if fault in ENCODING_FAULTS:
        land(landing, folder, "2015-02-28.csv", _encoded(ENCODING_FAULTS[fault][0]))
        return "2015-02-28.csv"
    if fault == "csv-error-in-header":
        huge = HEADER + "," + "x" * 200_000 + "\r\n" + offence_rows(20, 2)
        land(landing, folder, "2015-02-28.csv", huge)
        return "2015-02-28.csv"
    if fault == "name-with-trailing-newline":
        land(landing, folder, "2015-02-28.csv\n", HEADER + "\r\n" + offence_rows(20, 2))
        return "2015-02-28.csv\n"
    if fault == "symlink-outside-landing":
        outside = tmp_path / "elsewhere" / "secret.csv"
        outside.parent.mkdir()
        outside.write_bytes((HEADER + "\r\n" + offence_rows(20, 2)).encode("cp1252"))
        (landing / folder / "2015-02-28.csv").symlink_to(outside)
        return "2015-02-28.csv"
    if fault == "future-date":
        name = f"{dt.date.today() + dt.timedelta(days=3 * 365):%Y-%m-%d}.csv"
        land(landing, folder, name, HEADER + "\r\n" + offence_rows(20, 2))
        return name
    raise AssertionError(fault)


ENCODING_FAULTS = {
    "utf-16-with-bom": ("utf-16", "the file is UTF-16 (little-endian) (by its byte-order mark)"),
    "utf-16-be-no-bom": ("utf-16-be", "the file is UTF-16 (big-endian) (by its NUL pattern)"),
    "utf-16-le-no-bom": ("utf-16-le", "the file is UTF-16 (little-endian) (by its NUL pattern)"),
    "utf-32-with-bom": ("utf-32", "the file is UTF-32 (little-endian) (by its byte-order mark)"),
    "utf-32-no-bom": ("utf-32-be", "the file is UTF-32 (big-endian) (by its NUL pattern)"),
}
REASONS = {
    **{fault: reason for fault, (_, reason) in ENCODING_FAULTS.items()},
    "csv-error-in-header": "header (line 1) is not delimited text: field larger than field limit",
    "name-with-trailing-newline": "file name must be exactly <YYYY-MM-DD>.csv",
    "symlink-outside-landing": "symbolic link: landing takes files, not links",
    "future-date": "is in the future (today is",
}


def _rows(db: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * exclude (_load_id) from raw.{table} order by all").fetchall()


@pytest.mark.parametrize("fault", list(REASONS))
def test_file_fault_is_refused_once_and_never_blocks_the_next_file(setup, tmp_path, fault):
    contracts, deny, landing, db = setup
    offences, census = contracts["police__offences"], contracts["council_education__school_census"]
    land(landing, "police/offences", "2015-01-31.csv", GOOD)
    land(landing, "council_education/school_census", "2014-10-01.csv", CENSUS, "utf-8")
    run_load(db, offences, deny, landing)
    run_load(db, census, deny, landing)
    offences_before, census_before = (
        _rows(db, "police__offences"),
        _rows(db, "council_education__school_census"),
    )

    name = _land_fault(landing, tmp_path, fault)
    land(landing, "police/offences", "2015-03-31.csv", HEADER + "\r\n" + offence_rows(40, 2))
    results = {r.file.rsplit("/", 1)[-1]: r for r in run_load(db, offences, deny, landing)}

    refused = results[name]
    assert refused.outcome == "refused"
    assert REASONS[fault] in refused.message
    # Registered under its place in landing, never a machine path outside it.
    assert refused.file == f"landing/police/offences/{name}"
    assert results["2015-03-31.csv"].outcome == "loaded"
    assert results["2015-03-31.csv"].rows_loaded == 2
    after = _rows(db, "police__offences")
    assert set(offences_before) <= set(after)
    assert sorted(r[0] for r in after) == ["O1", "O2", "O3", "O40", "O41"]
    assert _rows(db, "council_education__school_census") == census_before

    # Registered once: later nights leave it alone until its content changes.
    entries = len(register(db))
    again = {r.file.rsplit("/", 1)[-1]: r.outcome for r in run_load(db, offences, deny, landing)}
    assert again[name] == "unchanged"
    assert len(register(db)) == entries


def test_a_linked_dataset_folder_resolving_outside_landing_is_refused(setup, tmp_path):
    contracts, deny, landing, db = setup
    outside = tmp_path / "elsewhere" / "offences"
    land(outside.parent, "offences", "2015-01-31.csv", GOOD)
    (landing / "police").mkdir(parents=True)
    os.symlink(outside, landing / "police" / "offences")
    (result,) = run_load(db, contracts["police__offences"], deny, landing)
    assert result.outcome == "refused"
    assert "outside landing: the path resolves outside the landing folder" in result.message
    assert result.file == "landing/police/offences/2015-01-31.csv"
    assert _rows(db, "police__offences") == []


def test_duplicate_primary_keys_in_one_file_are_quarantined_with_a_reason(setup):
    contracts, deny, landing, db = setup
    row = "O{n},P{n},Ng,01/02/2003,05/01/2015,{c},1,Y,NFA\r\n"
    content = (
        HEADER
        + "\r\n"
        + row.format(n=1, c=1)  # row 2: kept
        + row.format(n=2, c=1)  # row 3: conflicts with row 5
        + row.format(n=1, c=1)  # row 4: an exact copy of row 2
        + row.format(n=2, c=2)  # row 5
        + row.format(n=3, c=1)  # row 6: unique
    )
    land(landing, "police/offences", "2015-01-31.csv", content)
    land(landing, "police/offences", "2015-02-28.csv", HEADER + "\r\n" + row.format(n=2, c=3))
    first, second = run_load(db, contracts["police__offences"], deny, landing)
    assert (first.outcome, first.rows_read, first.rows_loaded, first.rows_rejected) == (
        "loaded",
        5,
        2,
        3,
    )
    assert first.reject_reasons == {
        ("offence_ref", DUPLICATE_COPY): 1,
        ("offence_ref", DUPLICATE_CONFLICT): 2,
    }
    assert [r[0] for r in _rows(db, "police__offences")] == ["O1", "O2", "O3"]
    with duckdb.connect(str(db), read_only=True) as con:
        quarantined = con.execute(
            "select row_number, field, reason from ops.quarantine order by 1"
        ).fetchall()
    assert quarantined == [
        (3, "offence_ref", DUPLICATE_CONFLICT),
        (4, "offence_ref", DUPLICATE_COPY),
        (5, "offence_ref", DUPLICATE_CONFLICT),
    ]
    # The key itself is fine in a later extract (a delta's next version of the record).
    assert second.outcome == "loaded" and second.rows_loaded == 1
