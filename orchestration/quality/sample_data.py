"""A small warehouse with known faults, for tests and for trying the reports without a city.

`build_sample_warehouse(con)` writes raw tables for the gazetteer, child health, school
census (three termly loads), attendance and DWP benefits, shaped by the real contracts.
Every fault is planted in its own row and listed in `PLANTED`, with the check meant to catch
it; every other row is clean, and the first census load is wholly clean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from orchestration.quality.identifiers import UPN_LETTERS, upn_check_letter


@dataclass(frozen=True)
class PlantedFault:
    table: str
    load_id: str
    row_number: int
    check: str  # the check meant to catch it
    fault: str


def make_upn(serial: int) -> str:
    body = f"80120{serial:07d}"
    return upn_check_letter(body) + body


def bad_upn(serial: int) -> str:
    upn = make_upn(serial)
    wrong = UPN_LETTERS[(UPN_LETTERS.index(upn[0]) + 1) % len(UPN_LETTERS)]
    return wrong + upn[1:]


def make_nhs_number(seed: int) -> str:
    """A valid NHS number near `seed` (the first whose check digit is not 10)."""
    base = 400_000_000 + seed * 7
    while True:
        digits = f"{base:09d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = (11 - total % 11) % 11
        if check != 10:
            return digits + str(check)
        base += 1


GAZETTEER = [
    # UPRN, number, street, postcode
    ("100000000001", 12, "ACACIA ROAD", "BS1 4DJ"),
    ("100000000002", 14, "ACACIA ROAD", "BS1 4DJ"),
    ("100000000003", 3, "BRUNEL WAY", "BS3 2AB"),
    ("100000000004", 5, "BRUNEL WAY", "BS3 2AB"),
    ("100000000005", 7, "CABOT STREET", "BS5 6QR"),
]

# School census pupils: (serial, forename, surname, dob, year group on 2014-12, address)
PUPILS = [
    (1, "Amelia", "Hartwell", dt.date(2005, 3, 10), "5", 0),
    (2, "Oliver", "Penhaligon", dt.date(2008, 10, 1), "1", 1),
    (3, "Isla", "Marchbank", dt.date(2003, 11, 20), "6", 2),
    (4, "Jacob", "Fairweather", dt.date(2000, 5, 5), "10", 3),
    (5, "Sofia", "Quennell", dt.date(2009, 12, 1), "R", 4),
    (6, "Harry", "Thistlewood", dt.date(2006, 2, 14), "4", 0),
    (7, "Grace", "Oldroyd", dt.date(2004, 7, 30), "6", 1),
    (8, "Noah", "Kettleborough", dt.date(2007, 9, 2), "2", 2),
]


FAULT_SURNAMES = [
    "Ashdown",
    "Bramwell",
    "Carraway",
    "Dunmore",
    "Ellerby",
    "Fenwick",
    "Garside",
    "Holroyd",
    "Ingleby",
    "Jessop",
]


def _row(contract: Any, **values: Any) -> dict[str, Any]:
    row = {c.name: None for c in contract.columns}
    unknown = set(values) - set(row)
    if unknown:
        raise KeyError(f"{contract.table_name} has no columns {sorted(unknown)}")
    row.update(values)
    return row


def _write(con: Any, contract: Any, loads: list[tuple[str, dt.date, list[dict[str, Any]]]]) -> None:
    import pandas as pd

    types = {
        "integer": "bigint",
        "decimal": "double",
        "date": "date",
        "datetime": "timestamp",
        "boolean": "boolean",
    }
    column_sql = ", ".join(f'"{c.name}" {types.get(c.type, "varchar")}' for c in contract.columns)
    con.execute("create schema if not exists raw")
    table = f'raw."{contract.table_name}"'
    con.execute(
        f"create or replace table {table} ({column_sql}, _load_id varchar, _source_file varchar, "
        "_row_number bigint, _extract_date date)"
    )
    for load_id, extract_date, rows in loads:
        frame = pd.DataFrame(rows, columns=[c.name for c in contract.columns], dtype=object)
        frame["_load_id"] = load_id
        frame["_source_file"] = f"{contract.dataset}/{extract_date.isoformat()}.csv"
        frame["_row_number"] = range(2, len(rows) + 2)  # row 1 is the header
        frame["_extract_date"] = extract_date
        con.register("_sample_frame", frame)
        con.execute(f"insert into {table} by name select * from _sample_frame")
        con.unregister("_sample_frame")


def _pupil_row(contract: Any, pupil: tuple, term: str, extract: dt.date, **changes: Any) -> dict:
    serial, forename, surname, dob, year, address = pupil
    number, street, postcode = GAZETTEER[address][1:]
    values = {
        "CensusTerm": term,
        "LAEstab": "8012001",
        "UPN": make_upn(serial),
        "LegalSurname": surname,
        "LegalForename": forename,
        "DOB": dob,
        "Gender": "F" if serial % 2 else "M",
        "NCyearActual": year,
        "EntryDate": dt.date(2014, 9, 3),
        "AddressLine1": f"{number} {street.title()}",
        "AddressLine4": "Bristol",
        "PostCode": postcode,
    }
    values.update(changes)
    return _row(contract, **values)


def build_sample_warehouse(con: Any, contracts: dict[str, Any]) -> list[PlantedFault]:
    """Write the sample raw tables; returns the planted faults."""
    planted: list[PlantedFault] = []

    gazetteer = contracts["council_gis__gazetteer"]
    gaz_rows = [
        _row(
            gazetteer,
            UPRN=uprn,
            PAO_START_NUMBER=number,
            STREET_DESCRIPTION=street,
            TOWN_NAME="BRISTOL",
            POSTCODE_LOCATOR=postcode,
            WARD_CODE="E05010885",
            WARD_NAME="Central",
            CLASSIFICATION_CODE="RD04",
        )
        for uprn, number, street, postcode in GAZETTEER
    ]
    _write(con, gazetteer, [("G1", dt.date(2014, 12, 31), gaz_rows)])

    child_health = contracts["nhs__child_health"]
    ch_rows = []
    for serial, forename, surname, dob, _year, address in PUPILS:
        ch_rows.append(
            _row(
                child_health,
                reporting_period="2014-Q4",
                child_health_id=f"CH{serial:05d}",
                nhs_number=make_nhs_number(serial),
                person_family_name=surname,
                person_given_name=forename,
                date_of_birth=dob,
                person_stated_gender_code="1",
                address_line_1=f"{GAZETTEER[address][1]} {GAZETTEER[address][2].title()}",
                postcode=GAZETTEER[address][3],
            )
        )
    bad_nhs = make_nhs_number(99)
    bad_nhs = bad_nhs[:9] + str((int(bad_nhs[9]) + 1) % 10)
    ch_rows.append(
        _row(
            child_health,
            reporting_period="2014-Q4",
            child_health_id="CH00099",
            nhs_number=bad_nhs,
            person_family_name="Vanstone",
            person_given_name="Ada",
            date_of_birth=dt.date(2012, 6, 6),
            person_stated_gender_code="2",
            address_line_1="5 Brunel Way",
            postcode="BS3 2AB",
        )
    )
    planted.append(
        PlantedFault(
            "nhs__child_health",
            "H1",
            len(ch_rows) + 1,
            "nhs_number_check_digit",
            "NHS number with a wrong check digit",
        )
    )
    _write(con, child_health, [("H1", dt.date(2014, 12, 31), ch_rows)])

    census = contracts["council_education__school_census"]
    term1, term2, term3 = "2014/15 AUT", "2014/15 SPR", "2015/16 AUT"
    d1, d2, d3 = dt.date(2014, 12, 19), dt.date(2015, 4, 1), dt.date(2015, 12, 18)
    load1 = [_pupil_row(census, p, term1, d1) for p in PUPILS]
    load2 = [_pupil_row(census, p, term2, d2) for p in PUPILS]
    faults2 = [
        ("UPN_check_letter", "UPN with a wrong check letter", {"UPN": bad_upn(21)}),
        ("PostCode_format", "malformed postcode", {"PostCode": "BS1 4CJ"}),
        ("PostCode_in_gazetteer", "postcode unknown to the gazetteer", {"PostCode": "BS9 9ZZ"}),
        ("DOB_plausible", "date of birth in the future", {"DOB": dt.date(2016, 1, 1)}),
        ("LegalSurname_complete", "surname missing", {"LegalSurname": None}),
        ("NCyearActual_in_code_list", "year group outside the code list", {"NCyearActual": "Y5"}),
        ("year_group_matches_age", "year group inconsistent with age", {"NCyearActual": "9"}),
        (
            "child_known_to_child_health",
            "child unknown to child health",
            {"LegalSurname": "Nobody", "DOB": dt.date(2005, 1, 2)},
        ),
        (
            "child_known_to_child_health",
            "child unknown to child health",
            {"LegalSurname": "Nobodier", "DOB": dt.date(2005, 1, 3), "PostCode": "BS5 6QR"},
        ),
    ]
    for i, (check, fault, changes) in enumerate(faults2):
        pupil = PUPILS[i % len(PUPILS)]
        serial = 20 + i
        # A surname of its own, so a fault row is never also a second record of a pupil.
        changes = {"LegalSurname": FAULT_SURNAMES[i], **changes}
        row = _pupil_row(census, (serial, *pupil[1:]), term2, d2, **changes)
        if check != "UPN_check_letter":
            row["UPN"] = make_upn(serial)
        load2.append(row)
        planted.append(PlantedFault(census.table_name, "S2", len(load2) + 1, check, fault))
    # A pupil entered a second time under a new UPN: both records are flagged.
    load2.append(_pupil_row(census, PUPILS[1], term2, d2, UPN=make_upn(40)))
    planted.append(
        PlantedFault(
            census.table_name,
            "S2",
            len(load2) + 1,
            "person_held_once",
            "person held under a second reference",
        )
    )
    # A duplicated pupil (same key twice): both rows are flagged.
    load2.append(_pupil_row(census, PUPILS[0], term2, d2))
    planted.append(
        PlantedFault(
            census.table_name,
            "S2",
            len(load2) + 1,
            "primary_key_unique",
            "record repeated in the extract",
        )
    )
    # Third census more than 160 days after the second: late against the termly schedule.
    load3 = [
        _pupil_row(census, p, term3, d3, NCyearActual=str(int(p[4]) + 1) if p[4] != "R" else "1")
        for p in PUPILS
    ]
    planted.append(
        PlantedFault(
            census.table_name,
            "S3",
            2,
            "extract_interval_on_schedule",
            "extract later than the termly schedule allows",
        )
    )
    # A pupil whose address the school has not updated (child health has the new one), and
    # a forename keyed differently from the birth registration.
    load3[2].update(PostCode="BS5 6QR", AddressLine1="7 Cabot Street")
    planted.append(
        PlantedFault(
            census.table_name,
            "S3",
            4,
            "address_agrees_with_child_health",
            "postcode disagrees with the child-health registration",
        )
    )
    load3[4].update(LegalForename="Sophia")
    planted.append(
        PlantedFault(
            census.table_name,
            "S3",
            6,
            "names_agree_with_child_health",
            "forename disagrees with the child-health registration",
        )
    )
    _write(con, census, [("S1", d1, load1), ("S2", d2, load2), ("S3", d3, load3)])

    attendance = contracts["council_education__attendance"]
    att_rows = []
    for p in PUPILS:
        att_rows.append(
            _row(
                attendance,
                UPN=make_upn(p[0]),
                LegalSurname=p[2],
                LegalForename=p[1],
                DOB=p[3],
                Gender="F" if p[0] % 2 else "M",
                LAEstab="8012001",
                AcademicYear="2014/15",
                Term="AUT",
                TermEndDate=d1,
                SessionsPossible=140,
                AuthorisedAbsence=4,
                UnauthorisedAbsence=2,
            )
        )
    att_rows[2]["UnauthorisedAbsence"] = 150
    planted.append(
        PlantedFault(
            attendance.table_name,
            "A1",
            4,
            "absence_within_sessions_possible",
            "more absences than sessions possible",
        )
    )
    att_rows.append(dict(att_rows[0], UPN=make_upn(77), LegalSurname="Unenrolled"))
    planted.append(
        PlantedFault(
            attendance.table_name,
            "A1",
            len(att_rows) + 1,
            "UPN_on_school_census",
            "UPN no school census holds",
        )
    )
    _write(con, attendance, [("A1", d1, att_rows)])

    dwp = contracts["dwp__out_of_work_benefits"]
    dwp_rows = [
        _row(
            dwp,
            SNAPSHOT="2014-12",
            NINO=f"JK{100000 + i:06d}C",
            SURNAME=s,
            FORENAME=f,
            DOB=dt.date(1980 + i, 1, 15),
            SEX="F",
            ADDRESS_LINE_1=f"{g[1]} {g[2].title()}",
            POSTCODE=g[3],
            BENEFIT_TYPE="JSA",
            START_DATE=dt.date(2014, 1, 1),
        )
        for i, (f, s, g) in enumerate(
            zip(
                ["Ann", "Beth", "Cara", "Dina"],
                ["Lowther", "Mabey", "Nettle", "Orme"],
                GAZETTEER,
                strict=False,
            )
        )
    ]
    # Two wrong NI numbers in seven rows: a systematic fault (over 20%), so it blocks.
    for bad_nino, source_row in (("JK12345E", 1), ("QQ123456A", 2)):
        dwp_rows.append(dict(dwp_rows[source_row], NINO=bad_nino, SURNAME=f"Pryce{source_row}"))
        planted.append(
            PlantedFault(
                dwp.table_name,
                "D1",
                len(dwp_rows) + 1,
                "NINO_format",
                "National Insurance number in a wrong format",
            )
        )
    dwp_rows.append(dict(dwp_rows[0], BENEFIT_TYPE="XYZ", NINO="JK200001C"))
    planted.append(
        PlantedFault(
            dwp.table_name,
            "D1",
            len(dwp_rows) + 1,
            "BENEFIT_TYPE_in_code_list",
            "benefit code outside the agreed list",
        )
    )
    _write(con, dwp, [("D1", dt.date(2014, 12, 31), dwp_rows)])
    return planted
