"""Subject access on a hand-built warehouse: every layer searched, other people withheld."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.governance import subject_access as sar

KEYS = {"nhs__child_health": ["child_ref"], "police__offences": ["offence_ref"]}


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        """
        create schema raw; create schema ops; create schema intermediate; create schema linkage;
        create schema marts;
        create table ops.load_register (load_id varchar, file varchar, extract_date date);
        insert into ops.load_register values
            ('L1', 'nhs/child_health/2015-01-31.csv', '2015-01-31'),
            ('L2', 'police/offences/2015-02-28.csv', '2015-02-28');
        create table raw.nhs__child_health (child_ref varchar, nhs varchar, _load_id varchar);
        insert into raw.nhs__child_health values ('C1', '9434765919', 'L1'),
                                                 ('C2', '4010232137', 'L1');
        create table raw.police__offences (offence_ref varchar, surname varchar, _load_id varchar);
        insert into raw.police__offences values ('O7', 'Quillfeather', 'L2'),
                                                ('O8', 'Stranger', 'L2');
        create table ops.quarantine (load_id varchar, raw_text varchar);
        insert into ops.quarantine values ('L1', 'C9,9434765919,bad date'),
                                          ('L1', 'C10,4010232137,bad date');
        create table intermediate.int_person_records as select * from (values
            ('nhs__child_health:C1', '943 476 5919', null, null, 'QUILLFEATHER', date '2006-04-01'),
            ('police__offences:O7', null, null, null, 'Quillfeather', date '2006-04-01'),
            ('nhs__child_health:C2', '4010232137', null, null, 'STRANGER', date '2007-01-01'),
            ('police__offences:O8', null, null, null, 'Stranger', date '2007-01-01')
        ) t(record_id, nhs_number, upn, ni_number, surname, dob);
        create table linkage.person_index as select * from (values
            ('nhs__child_health:C1', 'P1'), ('police__offences:O7', 'P1'),
            ('nhs__child_health:C2', 'P2'), ('police__offences:O8', 'P2')) t(record_id, person_id);
        create table linkage.pairs as select * from (values
            ('nhs__child_health:C1', 'nhs__child_health:C2', -3.5)) t(record_id_l, record_id_r, w);
        create table marts.families as select * from (values
            ('FAM-1', ['P1', 'P2']), ('FAM-2', ['P3'])) t(family_id, person_ids);
        """
    )
    yield con
    con.close()


def test_a_strong_identifier_finds_every_layer_and_withholds_the_other_person(con):
    report = sar.subject_access(con, sar.SubjectQuery(nhs_number="9434765919"), KEYS)
    assert report.person_ids == ["P1"]
    assert report.record_ids == ["nhs__child_health:C1", "police__offences:O7"]
    held = {(h.layer, h.table): h.rows for h in report.holdings}
    assert {r["child_ref"] for r in held[("raw", "nhs__child_health")]} == {"C1"}
    assert held[("raw", "police__offences")][0]["source_file"].startswith("police/offences")
    assert [r["raw_text"] for r in held[("ops", "quarantine")]] == ["C9,9434765919,bad date"]
    assert held[("linkage", "pairs")][0]["record_id_r"] == sar.REDACTED
    assert held[("marts", "families")] == [
        {"family_id": "FAM-1", "person_ids": ["P1", sar.REDACTED]}
    ]
    text = str([h.rows for h in report.holdings])
    assert "Stranger" not in text and "P2" not in text and "C2" not in text


def test_name_and_date_of_birth_find_the_same_person(con):
    query = sar.SubjectQuery(surname="quillfeather", dob=dt.date(2006, 4, 1))
    assert sar.subject_access(con, query, KEYS).person_ids == ["P1"]


def test_nothing_found_says_which_identifiers_were_tried_and_logs_no_values(con):
    with pytest.raises(sar.SubjectNotFound, match="nhs_number"):
        sar.subject_access(con, sar.SubjectQuery(nhs_number="0000000000"), KEYS)
    report = sar.subject_access(con, sar.SubjectQuery(nhs_number="9434765919"), KEYS)
    sar.log_request(con, report, "Coordinator", "SAR-1")
    logged = con.execute("select * from ops.subject_access_log").fetchall()
    assert len(logged) == 1 and "9434765919" not in str(logged)


def test_the_report_file_is_readable_by_its_owner_only(con, tmp_path):
    report = sar.subject_access(con, sar.SubjectQuery(nhs_number="9434765919"), KEYS)
    path = sar.write_report(report, tmp_path / "sar")
    assert path.stat().st_mode & 0o077 == 0


def test_a_query_must_name_someone_before_anything_is_searched():
    from datetime import date

    enough = [
        sar.SubjectQuery(person_id="P1"),
        sar.SubjectQuery(nhs_number="943 476 5919"),
        sar.SubjectQuery(surname="Smith", dob=date(2001, 2, 3)),
    ]
    too_little = [
        sar.SubjectQuery(),
        sar.SubjectQuery(surname="Smith"),
        sar.SubjectQuery(surname="Smith", first_name="Ann"),
        sar.SubjectQuery(dob=date(2001, 2, 3)),
    ]
    assert all(q.is_enough() for q in enough)
    assert not any(q.is_enough() for q in too_little)
