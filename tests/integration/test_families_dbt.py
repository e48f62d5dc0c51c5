"""The families dbt project end to end on a tiny hand-built city: every model, data test and
unit test builds; the marts say what the rules say; the CSV and `families explain` work."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.families import project
from orchestration.families.explain import FamilyNotFound, explain_family
from orchestration.families.outputs import ELIGIBLE_CSV_COLUMNS, write_eligible_list
from orchestration.families.sample_warehouse import (
    create_empty_warehouse,
    insert_linkage,
    insert_raw_rows,
)

D = dt.date
AS_AT = D(2016, 7, 20)
# Two households. UPRN 100: mother (out-of-work benefits), son 12 (persistent absence), her
# partner (proven offence). UPRN 200: a lone adult with an offence and a benefit claim (no
# child: not a family). The father of the UPRN 100 son lives at 300 (absent parent) and is a
# domestic abuse perpetrator: he adds criterion 5, for one problem only.
NAMES = {"surname": "Testperson", "forename": "Alex"}


def _build_city(db: Path) -> None:
    create_empty_warehouse(db)
    ex = D(2016, 7, 20)
    insert_raw_rows(
        db,
        "council_education__school_census",
        [
            {
                "CensusTerm": "2015/16 SUM",
                "LAEstab": "8011234",
                "UPN": "A801000000001",
                "LegalSurname": NAMES["surname"],
                "LegalForename": "Sam",
                "DOB": D(2004, 1, 5),
                "Gender": "M",
                "NCyearActual": "7",
                "PostCode": "BS1 1AA",
            }
        ],
        ex,
    )
    insert_raw_rows(
        db,
        "council_education__attendance",
        [
            {
                "UPN": "A801000000001",
                "LAEstab": "8011234",
                "AcademicYear": "2015/16",
                "Term": term,
                "TermEndDate": end,
                "SessionsPossible": 100,
                "AuthorisedAbsence": 6,
                "UnauthorisedAbsence": 6,
            }
            for term, end in (
                ("AUT", D(2015, 12, 18)),
                ("SPR", D(2016, 3, 24)),
                ("SUM", D(2016, 7, 20)),
            )
        ],
        ex,
    )
    insert_raw_rows(
        db,
        "dwp__out_of_work_benefits",
        [
            {
                "SNAPSHOT": "201606",
                "NINO": nino,
                "SURNAME": NAMES["surname"],
                "FORENAME": NAMES["forename"],
                "DOB": dob,
                "SEX": sex,
                "BENEFIT_TYPE": "JSA",
                "START_DATE": D(2015, 1, 1),
            }
            for nino, dob, sex in (
                ("AB123456C", D(1980, 3, 1), "F"),
                ("CD654321A", D(1975, 1, 1), "M"),
            )
        ],
        D(2016, 6, 30),
    )
    insert_raw_rows(
        db,
        "police__offences",
        [
            {
                "CRIME_REF": ref,
                "NOMINAL_ID": nominal,
                "SURNAME": NAMES["surname"].upper(),
                "FORENAMES": "Chris John",
                "DOB": D(1979, 5, 5),
                "SEX": "M",
                "OFFENCE_DATE": D(2016, 2, 1),
                "OFFENCE_GROUP": "THEFT",
                "OUTCOME_CODE": "1",
                "OUTCOME_DATE": D(2016, 3, 1),
            }
            for ref, nominal in (("CR1", "N1"), ("CR2", "N2"))
        ],
        D(2016, 6, 30),
    )
    insert_raw_rows(
        db,
        "police__domestic_abuse",
        [
            {
                "INCIDENT_NO": "DA1",
                "NOMINAL_ID": "N3",
                "NAME": f"{NAMES['surname'].upper()}, Pat",
                "DOB": D(1978, 1, 1),
                "SEX": "M",
                "INCIDENT_DATETIME": dt.datetime(2016, 5, 1, 22, 0),
                "ROLE": "PERPETRATOR",
            }
        ],
        D(2016, 6, 30),
    )
    insert_raw_rows(
        db,
        "nhs__ae_attendances",
        [
            {
                "attendance_id": "ATT1",
                "local_patient_id": "L1",
                "arrival_datetime": dt.datetime(2012, 7, 1, 10, 0),
            }
        ],
        D(2013, 9, 30),
    )
    people = {
        "council_education__school_census:A801000000001|2015/16 SUM": ("P-SON", "100"),
        **{
            f"council_education__attendance:A801000000001|8011234|2015/16|{t}": ("P-SON", "100")
            for t in ("AUT", "SPR", "SUM")
        },
        "dwp__out_of_work_benefits:AB123456C|JSA|201606": ("P-MUM", "100"),
        "dwp__out_of_work_benefits:CD654321A|JSA|201606": ("P-LONE", "200"),
        "police__offences:CR1|N1": ("P-PARTNER", "100"),
        "police__offences:CR2|N2": ("P-LONE", "200"),
        "police__domestic_abuse:DA1|N3": ("P-DAD", "300"),
        # The father lived with his son in 2012: the A&E record places him at 100 then.
        "nhs__ae_attendances:ATT1": ("P-DAD", "100"),
    }
    insert_linkage(
        db,
        person_index=[(r, p) for r, (p, _) in people.items()],
        record_uprns=[(r, u) for r, (_, u) in people.items()],
    )
    # The son's 2012 stay at 100 overlaps the father's A&E record there.
    insert_raw_rows(
        db,
        "nhs__child_health",
        [
            {
                "reporting_period": "2013-Q3",
                "child_health_id": "CH1",
                "date_of_birth": D(2004, 1, 5),
                "person_stated_gender_code": "1",
            }
        ],
        D(2012, 6, 30),
    )
    insert_linkage(
        db, [("nhs__child_health:CH1|2013-Q3", "P-SON")], [("nhs__child_health:CH1|2013-Q3", "100")]
    )


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("families_city")
    db = folder / "warehouse.duckdb"
    _build_city(db)
    mp = pytest.MonkeyPatch()
    mp.setenv("FAMILIES_DB", str(db))
    mp.setenv("FAMILIES_DATA_DIR", str(folder))
    result = project.run_dbt(
        # The absent-parent rule is on by default (programme-rules.md).
        ["build", "--vars", f'{{"as_at_date": "{AS_AT.isoformat()}"}}'],
        check=False,
        target_path=folder / "target",
    )
    yield {"db": db, "folder": folder, "build": result}
    mp.undo()


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_model_data_test_and_unit_test_passes(city):
    build = city["build"]
    assert build.returncode == 0, build.stdout[-3000:]
    assert "ERROR=0" in build.stdout and "FAIL" not in build.stdout.split("Done.")[-1]


def test_household_with_a_dependent_child_is_a_family_and_lone_adult_is_not(city):
    families = _query(city["db"], "select family_id from marts.families order by 1")
    assert families == [("FAM-100",)]
    households = _query(city["db"], "select household_id from marts.households order by 1")
    assert ("HH-200",) in households


def test_family_meets_crime_school_work_and_absent_parent_domestic_abuse(city):
    row = _query(
        city["db"],
        "select has_criterion_1, has_criterion_2, has_criterion_3, has_criterion_4, "
        "has_criterion_5, has_criterion_6, criteria_count, rule_set_version "
        "from marts.eligible_families where family_id = 'FAM-100'",
    )
    assert row == [(True, True, False, True, True, False, 4, "FF2015")]
    absent = _query(
        city["db"],
        "select is_met_by_absent_parent from marts.family_criteria "
        "where family_id = 'FAM-100' and criterion_code = 5",
    )
    assert absent == [(True,)]


def test_indicator_events_carry_evidence_gateways_and_rule_set(city):
    rows = _query(
        city["db"],
        "select indicator_code, evidence_record_ids, legal_gateways, rule_set_version "
        "from marts.indicator_events where family_id = 'FAM-100' order by indicator_code",
    )
    codes = [r[0] for r in rows]
    assert codes == ["1A", "2A", "4A", "5B", "5C"]
    two_a = rows[1]
    assert len(two_a[1]) == 3 and all(
        r.startswith("council_education__attendance:") for r in two_a[1]
    )
    assert two_a[2] == "1 4 5 8 9 10 11 12" and two_a[3] == "FF2015"


def test_eligible_list_names_criteria_and_holds_no_names(city, monkeypatch):
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(city["folder"]))
    with duckdb.connect(str(city["db"])) as con:
        files = write_eligible_list(con)
    assert files.csv == city["folder"].resolve() / "outputs" / "eligible_families.csv"
    with files.csv.open(newline="") as handle:
        table = list(csv.DictReader(handle))
    assert tuple(table[0]) == ELIGIBLE_CSV_COLUMNS and files.rows == len(table) == 1
    row = table[0]
    assert (row["family_id"], row["uprn"], row["criteria_count"], row["priority_rank"]) == (
        "FAM-100",
        "100",
        "4",
        "1",
    )
    assert [c.split(" ")[0] for c in row["criteria"].split("; ")] == ["1", "2", "4", "5"]
    assert (row["rule_set_version"], row["as_at_date"]) == ("FF2015", "2016-07-20")
    text = files.csv.read_text() + files.left_csv.read_text()
    for name in ("Testperson", "TESTPERSON", "Alex", "Sam", "Chris", "Pat"):
        assert name not in text


def test_explain_names_each_criterion_its_sources_dates_and_records(city):
    text = explain_family("FAM-100", city["db"])
    assert "ELIGIBLE: 4 of 6 criteria met" in text
    assert "police__offences:CR1|N1" in text
    assert "council_education__attendance" in text and "2016-07-20" in text
    # Which problem the absent parent supplied, and from whom.
    assert "counted through the absent parent" in text and "absent parent P-DAD" in text
    assert "Testperson" not in text and "TESTPERSON" not in text
    with pytest.raises(FamilyNotFound):
        explain_family("FAM-999", city["db"])


def test_a_past_as_at_date_does_not_see_later_extracts(city, tmp_path):
    db = tmp_path / "past.duckdb"
    _build_city(db)
    mp = pytest.MonkeyPatch()
    mp.setenv("FAMILIES_DB", str(db))
    try:
        result = project.run_dbt(
            ["build", "--exclude", "test_type:unit", "--vars", '{"as_at_date": "2016-01-31"}'],
            check=False,
            target_path=tmp_path / "target",
        )
    finally:
        mp.undo()
    assert result.returncode == 0, result.stdout[-3000:]
    # Before the June extracts: no offence, no benefit claim, no census of the son yet.
    assert _query(db, "select count(*) from marts.indicator_events") == [(0,)]
    assert _query(db, "select as_at_date from intermediate.int_run_parameters") == [
        (D(2016, 1, 31),)
    ]


def test_the_default_as_at_is_the_latest_date_every_source_covers(city, tmp_path):
    """Unset, the as-at date is the earliest of the sources' latest extracts, as the load
    register knows them (a header-only extract counts); a snapshot whose latest extract was
    header-only has no current rows."""
    db = tmp_path / "register.duckdb"
    _build_city(db)
    insert_raw_rows(
        db,
        "council_revenues__benefit_cap",
        [
            {
                "PERIOD": "2016-03",
                "HB_CLAIM_REF": "HB1",
                "CLAIMANT_NAME": "TESTPERSON, Alex",
                "DOB": D(1980, 2, 2),
                "CAP_START_DATE": D(2015, 1, 1),
            }
        ],
        D(2016, 3, 31),
    )
    with duckdb.connect(str(db)) as con:
        con.execute(
            "create schema ops; create table ops.load_register (load_id varchar, "
            "dataset varchar, file varchar, extract_date date, outcome varchar)"
        )
        datasets = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        rows = []
        for dataset in datasets:
            latest = D(2016, 7, 20) if dataset.startswith("council_education") else D(2016, 6, 30)
            # Every source reported on its schedule; most of these files were header-only.
            rows.append((f"L-{dataset}", dataset, f"{latest}.csv", latest, "loaded"))
            rows.append((f"R-{dataset}", dataset, "2016-08-31.csv", D(2016, 8, 31), "refused"))
        con.executemany("insert into ops.load_register values (?, ?, ?, ?, ?)", rows)
    mp = pytest.MonkeyPatch()
    mp.setenv("FAMILIES_DB", str(db))
    try:
        result = project.run_dbt(
            ["build", "--exclude", "test_type:unit"], check=False, target_path=tmp_path / "target"
        )
    finally:
        mp.undo()
    assert result.returncode == 0, result.stdout[-3000:]
    # Education's term-end extract (2016-07-20) is the latest of any source, but the others
    # cover only 2016-06-30; the A&E and child health rows (2012, 2013) are not their latest
    # extracts; a refused file covers nothing.
    assert _query(db, "select as_at_date from intermediate.int_run_parameters") == [
        (D(2016, 6, 30),)
    ]
    limits = _query(
        db, "select count(*) from intermediate.int_extract_dates where limits_coverage"
    )[0][0]
    assert limits == len(datasets) - 5  # all but the five education datasets
    assert _query(db, "select count(*) from intermediate.int_extract_dates")[0][0] == len(datasets)
    # Staging keeps the row (every version, whatever the date); the header-only latest
    # snapshot is what says the cap is no longer current.
    assert _query(
        db,
        "select record_id, superseded_on from staging.stg_council_revenues__benefit_caps",
    ) == [("council_revenues__benefit_cap:HB1|2016-03", None)]
    assert _query(
        db, "select count(*) from intermediate.int_indicator_events where indicator_code = '4E'"
    ) == [(0,)]


def test_person_records_take_in_new_and_restated_records_as_a_full_build_would(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    _build_city(db)
    build = ["build", "--select", "+int_person_records", "--exclude", "test_type:unit"]
    mp = pytest.MonkeyPatch()
    mp.setenv("FAMILIES_DB", str(db))
    try:
        project.run_dbt(build, target_path=tmp_path / "target")
        before = _query(db, "select count(*) from intermediate.int_person_records")[0][0]
        # The next census: Sam's record restated with a new postcode, and a new pupil.
        pupil = {
            "CensusTerm": "2015/16 SUM",
            "LAEstab": "8011234",
            "LegalForename": "Sam",
            "LegalSurname": NAMES["surname"],
            "DOB": D(2004, 1, 5),
            "Gender": "M",
            "NCyearActual": "7",
        }
        insert_raw_rows(
            db,
            "council_education__school_census",
            [
                {**pupil, "UPN": "A801000000001", "PostCode": "BS2 2BB"},
                {**pupil, "UPN": "A801000000099", "LegalForename": "Jo", "PostCode": "BS3 3CC"},
            ],
            D(2016, 7, 21),
        )
        project.run_dbt(build, target_path=tmp_path / "target")
        # Same file name: the staging views name their catalog, "warehouse".
        full = tmp_path / "rebuilt" / "warehouse.duckdb"
        full.parent.mkdir()
        full.write_bytes(db.read_bytes())
        mp.setenv("FAMILIES_DB", str(full))
        project.run_dbt(
            ["run", "--select", "int_person_records", "--full-refresh"],
            target_path=tmp_path / "target_full",
        )
    finally:
        mp.undo()
    assert _query(db, "select count(*) from intermediate.int_person_records")[0][0] == before + 1
    assert _query(
        db,
        "select postcode from intermediate.int_person_records "
        "where record_id like 'council_education__school_census:A801000000001%'",
    ) == [("BS2 2BB",)]
    with duckdb.connect() as con:
        con.execute(f"attach '{db}' as incremental (read_only)")
        con.execute(f"attach '{full}' as rebuilt (read_only)")
        for a, b in (("incremental", "rebuilt"), ("rebuilt", "incremental")):
            differ = con.execute(
                f"""select count(*) from (
                    select * from {a}.intermediate.int_person_records
                    except all select * from {b}.intermediate.int_person_records)"""
            ).fetchone()[0]
            assert differ == 0, f"{a} has {differ} row(s) {b} has not"


def test_a_past_as_at_date_reads_the_version_of_a_record_known_then(tmp_path):
    """Staging keeps every version of a record; a run for a date before a restatement reads
    the version extracted by then, a run without a date the latest one."""
    db = tmp_path / "warehouse.duckdb"
    _build_city(db)
    insert_raw_rows(
        db,
        "council_education__school_census",
        [
            {
                "CensusTerm": "2015/16 SUM",
                "LAEstab": "8011234",
                "UPN": "A801000000001",
                "LegalSurname": NAMES["surname"],
                "LegalForename": "Sam",
                "DOB": D(2004, 1, 5),
                "Gender": "M",
                "NCyearActual": "7",
                "PostCode": "BS2 2BB",
            }
        ],
        D(2016, 7, 21),
    )
    census = "council_education__school_census:A801000000001|2015/16 SUM"
    postcode = f"select postcode from intermediate.int_record_persons where record_id = '{census}'"
    build = ["build", "--select", "+int_record_persons", "--exclude", "test_type:unit"]
    mp = pytest.MonkeyPatch()
    mp.setenv("FAMILIES_DB", str(db))
    try:
        project.run_dbt(
            [*build, "--vars", '{"as_at_date": "2016-07-20"}'], target_path=tmp_path / "target"
        )
        known_then = _query(db, postcode)
        project.run_dbt(build, target_path=tmp_path / "target")
        known_now = _query(db, postcode)
    finally:
        mp.undo()
    assert _query(
        db,
        "select extracted_on, superseded_on from staging.stg_council_education__school_census "
        f"where record_id = '{census}' order by extracted_on",
    ) == [(D(2016, 7, 20), D(2016, 7, 21)), (D(2016, 7, 21), None)]
    assert known_then == [("BS1 1AA",)]
    assert known_now == [("BS2 2BB",)]
