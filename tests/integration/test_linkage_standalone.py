"""`families link` on small files: deduplicate one file, link several; and UPRN matching."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.linkage.addresses import gazetteer_canonical_sql, match_record_addresses
from orchestration.linkage.sample_data import make_sample_person_data

HEADER = ["record_id", "first_name", "surname", "dob", "sex", "address", "postcode"]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    sample = make_sample_person_data(persons=400, seed=11)
    folder = tmp_path_factory.mktemp("train")
    for name, frame in sample.files.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    out = folder / "model.json"
    code = main(
        [
            "train-linkage",
            *sum((["--input", str(p)] for p in sorted(folder.glob("*.csv"))), []),
            "--out",
            str(out),
        ]
    )
    assert code == 0 and out.is_file()
    assert json.loads(out.read_text())["comparisons"]
    assert (folder / "model.meta.json").is_file()
    return out


def _write(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _clusters(out: Path) -> dict[str, str]:
    with (out / "clusters.csv").open() as handle:
        return {r["record_id"]: r["cluster_id"] for r in csv.DictReader(handle)}


def test_one_file_is_deduplicated(tmp_path, model):
    people = _write(
        tmp_path / "people.csv",
        [
            ["1", "Katherine", "O'Brien", "2004-05-06", "F", "1 High Street", "BS1 1AA"],
            ["2", "KATIE", "OBrien", "06/05/2004", "F", "1 High St", "BS11AA"],
            ["3", "Muhammad", "Khan", "2001-01-02", "M", "5 Mill Lane", "BS2 2BB"],
            ["4", "Mohammed", "Khan", "2001-01-02", "M", "5 Mill Lane", "BS2 2BB"],
            ["5", "Oliver", "Smith", "1999-12-31", "M", "9 Park Avenue", "BS3 3CC"],
            ["6", "Olivia", "Smith", "1999-12-31", "F", "9 Park Avenue", "BS3 3CC"],
        ],
    )
    out = tmp_path / "out"
    assert main(["link", "--input", str(people), "--output", str(out), "--model", str(model)]) == 0
    clusters = _clusters(out)
    assert set(clusters) == {"1", "2", "3", "4", "5", "6"}
    assert clusters["1"] == clusters["2"]
    assert clusters["3"] == clusters["4"]
    assert clusters["5"] != clusters["6"]  # twins of different sex and name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mode"] == "deduplicate" and summary["clusters"] == 4
    with (out / "pairs.csv").open() as handle:
        pairs = list(csv.DictReader(handle))
    assert {"record_id_l", "record_id_r", "match_probability", "dob_level"} <= set(pairs[0])


def test_two_files_are_linked_with_identifiers(tmp_path, model):
    header = [*HEADER, "nhs_number"]
    a = _write(
        tmp_path / "gp.csv",
        [
            ["g1", "Łukasz", "Kowalski", "2010-03-04", "M", "", "BS5 6XX", "9434765919"],
            ["g2", "Amina", "Warsame", "2012-07-08", "F", "", "BS5 7YY", ""],
        ],
        header,
    )
    b = _write(
        tmp_path / "school.csv",
        [
            ["s1", "Lukasz", "Kowalski", "2010-04-03", "M", "", "BS5 6XX", ""],
            ["s2", "Amina", "Warsame", "2012-07-08", "F", "", "BS5 7YY", ""],
            ["s3", "Hodan", "Warsame", "2014-01-01", "F", "", "BS5 7YY", ""],
        ],
        header,
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "link",
                "--input",
                str(a),
                "--input",
                str(b),
                "--output",
                str(out),
                "--model",
                str(model),
            ]
        )
        == 0
    )
    clusters = _clusters(out)
    assert clusters["g1"] == clusters["s1"]
    assert clusters["g2"] == clusters["s2"] != clusters["s3"]


def test_a_file_without_required_columns_is_refused_with_a_reason(tmp_path, model, capsys):
    bad = _write(tmp_path / "bad.csv", [["1", "x"]], header=["id", "name"])
    assert (
        main(["link", "--input", str(bad), "--output", str(tmp_path / "o"), "--model", str(model)])
        == 2
    )
    assert "missing column" in capsys.readouterr().err


def test_addresses_match_to_gazetteer_uprns_with_a_status():
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE gazetteer AS SELECT * FROM (VALUES
            (100, '1 High Street, Bristol', 'BS1 1AA'), (101, '2 High Street, Bristol', 'BS1 1AA'),
            (102, 'Flat 1, 3 Mill Lane, Bristol', 'BS2 2BB')) t(uprn, address, postcode)"""
    )
    con.execute(
        """CREATE TABLE recs AS SELECT * FROM (VALUES
            ('a', '1 HIGH ST', 'BS11AA'), ('b', 'flat 1 3 mill lane', 'BS2 2BB'),
            ('c', NULL, NULL), ('d', '99 Nowhere Road', 'ZZ1 1ZZ'))
            t(record_id, address, postcode)"""
    )
    summary = match_record_addresses(con, "recs", gazetteer_canonical_sql(con, "gazetteer"))
    rows = dict(con.execute("SELECT record_id, uprn FROM linkage.record_uprns").fetchall())
    status = dict(
        con.execute("SELECT record_id, match_status FROM linkage.record_uprns").fetchall()
    )
    assert rows["a"] == "100" and rows["b"] == "102"
    assert status["c"] == "unmatched" and status["d"] == "unmatched"
    assert summary["records_without_address"] == 1


def test_address_matches_are_cached_until_the_gazetteer_changes(tmp_path):
    con = duckdb.connect()
    prepared = tmp_path / "gazetteer_prepared"
    con.execute(
        """CREATE TABLE gazetteer AS SELECT * FROM (VALUES
            (100, '1 High Street, Bristol', 'BS1 1AA'), (101, '2 High Street, Bristol', 'BS1 1AA'),
            (102, 'Flat 1, 3 Mill Lane, Bristol', 'BS2 2BB')) t(uprn, address, postcode)"""
    )
    con.execute(
        """CREATE TABLE recs AS SELECT * FROM (VALUES
            ('a', '1 HIGH ST', 'BS11AA'), ('b', 'flat 1 3 mill lane', 'BS2 2BB'),
            ('c', NULL, NULL), ('d', '99 Nowhere Road', 'ZZ1 1ZZ'))
            t(record_id, address, postcode)"""
    )
    first = match_record_addresses(
        con, "recs", gazetteer_canonical_sql(con, "gazetteer"), prepared_dir=prepared
    )
    assert first["addresses_matched_this_run"] == 3
    # Matched through the prepared gazetteer, with the same results as from the raw one.
    assert len(list(prepared.iterdir())) == 1
    uprns = dict(con.execute("SELECT record_id, uprn FROM linkage.record_uprns").fetchall())
    assert uprns["a"] == "100" and uprns["b"] == "102" and uprns["d"] is None
    before = con.execute("SELECT * FROM linkage.record_uprns ORDER BY record_id").fetchall()
    # Next night: one new record at a new address, one at an address already matched.
    con.execute(
        "INSERT INTO recs VALUES ('e', '2 High Street', 'BS1 1AA'), ('f', '1 HIGH ST', 'BS11AA')"
    )
    second = match_record_addresses(
        con, "recs", gazetteer_canonical_sql(con, "gazetteer"), prepared_dir=prepared
    )
    assert (second["addresses_matched_this_run"], second["addresses_from_cache"]) == (1, 3)
    after = dict(con.execute("SELECT record_id, uprn FROM linkage.record_uprns").fetchall())
    assert after["e"] == "101" and after["f"] == "100"
    unchanged = con.execute(
        "SELECT * FROM linkage.record_uprns WHERE record_id IN ('a', 'b', 'c', 'd') "
        "ORDER BY record_id"
    ).fetchall()
    assert unchanged == before
    # A gazetteer change (a renumbered property) invalidates every cached match.
    con.execute("UPDATE gazetteer SET uprn = 200 WHERE uprn = 100")
    before_change = {f.name for f in prepared.iterdir()}
    third = match_record_addresses(
        con, "recs", gazetteer_canonical_sql(con, "gazetteer"), prepared_dir=prepared
    )
    assert third["addresses_matched_this_run"] == 4
    # The gazetteer prepared for the old fingerprint is replaced, not kept beside.
    after_change = {f.name for f in prepared.iterdir()}
    assert len(after_change) == 1 and after_change != before_change
    assert (
        dict(con.execute("SELECT record_id, uprn FROM linkage.record_uprns").fetchall())["a"]
        == "200"
    )


def test_addresses_matched_in_chunks_get_the_same_uprns_as_in_one_call():
    con = duckdb.connect()
    streets = [("High Street", "BS1 1AA"), ("Mill Lane", "BS2 2BB"), ("Church Road", "BS3 3CC")]
    con.execute("CREATE TABLE gazetteer (uprn BIGINT, address VARCHAR, postcode VARCHAR)")
    for s, (street, postcode) in enumerate(streets):
        for number in range(1, 13):
            con.execute(
                "INSERT INTO gazetteer VALUES (?, ?, ?)",
                [1000 * (s + 1) + number, f"{number} {street}, Bristol", postcode],
            )
            con.execute(
                "INSERT INTO gazetteer VALUES (?, ?, ?)",
                [1000 * (s + 1) + 100 + number, f"Flat A, {number} {street}, Bristol", postcode],
            )
    # Each address written several ways, a few with a wrong or missing postcode, and some
    # that are in no gazetteer: exact, probabilistic and unmatched outcomes all occur.
    con.execute(
        """CREATE TABLE recs AS
           SELECT row_number() OVER ()::VARCHAR AS record_id, address, postcode FROM (
               SELECT upper(address) AS address, replace(postcode, ' ', '') AS postcode
               FROM gazetteer
               UNION ALL SELECT replace(replace(address, 'Street', 'St'), 'Road', 'Rd'), postcode
               FROM gazetteer WHERE uprn % 3 = 0
               UNION ALL SELECT replace(address, ', Bristol', ''), NULL FROM gazetteer
               WHERE uprn % 4 = 0
               UNION ALL SELECT number || ' Nowhere Road', 'BS9 9ZZ' FROM range(1, 6) t(number))"""
    )
    canonical = gazetteer_canonical_sql(con, "gazetteer")
    match_record_addresses(con, "recs", canonical, cache=None, chunk_size=None)
    whole = con.execute("SELECT * FROM linkage.record_uprns ORDER BY record_id").fetchall()
    # Without a kept prepared gazetteer, the chunks share one prepared in a temporary folder.
    match_record_addresses(con, "recs", canonical, cache=None, chunk_size=7)
    chunked = con.execute("SELECT * FROM linkage.record_uprns ORDER BY record_id").fetchall()
    statuses = {row[3] for row in whole}
    assert {"matched", "unmatched"} <= statuses
    assert chunked == whole


def test_a_night_whose_addresses_all_match_exactly_gets_matched_statuses():
    # uk-address-matcher's result has no weight columns when Splink matched nothing.
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE gazetteer AS SELECT * FROM (VALUES
            (100, '1 High Street, Bristol', 'BS1 1AA'), (101, '2 High Street, Bristol', 'BS1 1AA'))
            t(uprn, address, postcode)"""
    )
    con.execute(
        """CREATE TABLE recs AS SELECT * FROM (VALUES
            ('a', '1 High Street, Bristol', 'BS1 1AA'), ('b', '2 HIGH STREET BRISTOL', 'BS11AA'))
            t(record_id, address, postcode)"""
    )
    summary = match_record_addresses(
        con, "recs", gazetteer_canonical_sql(con, "gazetteer"), cache=None
    )
    rows = con.execute(
        "SELECT record_id, uprn, match_weight, match_status FROM linkage.record_uprns "
        "ORDER BY record_id"
    ).fetchall()
    assert rows == [("a", "100", 99.0, "matched"), ("b", "101", 99.0, "matched")]
    assert summary["matched"] == 2
