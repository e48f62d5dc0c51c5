"""Stage two's person linkage (orchestration/exchange/link.py): the nightly's Splink model
links a police person to the council person they are, on a small hand-built warehouse."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.exchange.answer import RECORD_FIELDS
from orchestration.exchange.link import link_police_persons
from orchestration.linkage.standardise import refresh_standardised_records

COUNCIL = [
    # record_id, first, surname, dob, postcode, uprn, person
    ("housing:1", "Aisha", "Rahman", "1984-03-02", "LS1 4AB", "100", "P1"),
    ("education:7", "Aisha", "Rahman", "1984-03-02", "LS1 4AB", "100", "P1"),
    ("housing:2", "Daniel", "Okafor", "1990-11-20", "LS2 9ZZ", "200", "P2"),
    ("education:8", "Grace", "Okafor", "2008-05-14", "LS2 9ZZ", "200", "P3"),
]


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema linkage")
    rows = pd.DataFrame(
        [
            (r, r.split(":")[0], f, None, s, d, "F", "1 Any Street", p, u, n)
            for r, f, s, d, p, u, n in COUNCIL
        ],  # fmt: skip
        columns=[
            "record_id",
            "source_dataset",
            "first_name",
            "middle_names",
            "surname",
            "dob",
            "sex",
            "address",
            "postcode",
            "uprn",
            "person_id",
        ],  # fmt: skip
    )
    con.register("council_rows", rows)
    con.execute("create table src as select * exclude (uprn, person_id) from council_rows")
    con.execute(
        "create table uprns as select record_id, uprn, 'matched' as match_status from council_rows"
    )
    refresh_standardised_records(con, "src", "linkage.standardised_records", "uprns")
    con.execute(
        "create table linkage.person_index as select record_id, person_id from council_rows"
    )
    return con


def _police(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(
        [dict(zip(["person_ref", *RECORD_FIELDS], row, strict=True)) for row in rows]
    )
    return frame.astype(object)


def test_a_police_person_links_to_the_council_person_they_are_and_a_stranger_to_no_one():
    con = _warehouse()
    police = _police(
        ("X1", "police__arrests:1", "police__arrests", "AISHA", None, "RAHMAN", "1984-03-02",
         "F", "1 Any St", "LS1 4AB", None, None, None, "2016-01-05", "100"),
        ("X2", "police__arrests:2", "police__arrests", "Tomasz", None, "Nowak", "1975-07-30",
         "M", "9 Other Rd", "LS9 1QQ", None, None, None, "2016-02-01", None),
    )  # fmt: skip
    links = link_police_persons(con, police).set_index("person_ref")
    assert links.loc["X1", "link_status"] == "linked" and links.loc["X1", "person_id"] == "P1"
    assert links.loc["X2", "link_status"] == "not linked"
    # The working tables are gone: the warehouse holds only what it held.
    left = con.execute(
        "select table_name from duckdb_tables() where table_name like 'lk%' "
        "or table_name like 'exchange%'"
    ).fetchall()
    assert left == []
