"""Consistency checks between a record's own fields and against other trusted sources.

Used by the suite modules in `expectations/`. Each returns an empty list when the dataset
lacks a column the check needs, so a contract change degrades to "not checked", never to a
crash; the suite tests say which checks each dataset is expected to have.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.quality import columns as cols
from orchestration.quality import references as refs
from orchestration.quality.identifiers import sql_normalise_postcode
from orchestration.quality.spec import Check

YEAR_GROUP_PATTERN = r"year_?group|nc_?year|ncyear"


def sql_year_group_number(column_sql: str) -> str:
    """National Curriculum year as a number: N1 -2, N2 -1, R 0, 'Y7'/'Year 7'/7 -> 7."""
    v = f"upper(trim(cast({column_sql} as varchar)))"
    return (
        f"case when {v} in ('N1') then -2 when {v} in ('N2') then -1 "
        f"when {v} in ('R', 'REC', 'RECEPTION') then 0 "
        f"else try_cast(regexp_replace({v}, '^Y(EAR)?\\s*', '') as integer) end"
    )


def sql_expected_year_group(dob_sql: str) -> str:
    """The year group for a date of birth in the academic year holding the extract date.

    A child's year is set by their age on 31 August before the academic year starts: aged 4
    then means Reception (0), aged 5 Year 1, and so on (age minus 4).
    """
    start_year = (
        "(year(cast(_extract_date as date)) - "
        "case when month(cast(_extract_date as date)) >= 9 then 0 else 1 end)"
    )
    return f"(date_sub('year', {dob_sql}, make_date({start_year}, 8, 31)) - 4)"


def year_group_matches_age(contract: Any, mostly: float = 0.99) -> list[Check]:
    year_group = cols.by_name(contract, YEAR_GROUP_PATTERN)
    dob = cols.first_of_kind(contract, "date_of_birth")
    if not (year_group and dob):
        return []
    recorded = sql_year_group_number(cols.quote(year_group))
    expected = sql_expected_year_group(f"try_cast({cols.quote(dob)} as date)")
    return [
        Check(
            name="year_group_matches_age",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=(year_group, dob),
            sql=f"case when {recorded} is null or try_cast({cols.quote(dob)} as date) is null "
            f"then null else {recorded} = {expected} end",
            mostly=mostly,
            description=f"'{year_group}' is the year group for the pupil's age on 31 August "
            f"(at least {mostly:.0%}; pupils taught out of year group are rare)",
            advice="{percent} of pupils ({count}) have a year group that does not match their "
            "date of birth: check the date of birth and the National Curriculum year in the "
            "school MIS; record pupils taught out of year group as such.",
        )
    ]


def known_to_child_health(contract: Any, mostly: float = 0.9) -> list[Check]:
    """Children in this source have a child-health registration (same birth date and surname
    or postcode): a definitive source for resident children."""
    dob = cols.first_of_kind(contract, "date_of_birth")
    surname = cols.surname_column(contract)
    postcode = cols.postcode_column(contract)
    if not dob or not (surname or postcode):
        return []
    keys = [("_key_dob", f"try_cast({cols.quote(dob)} as date)")]
    dob_sql = "_key_dob"
    conditions = []
    if surname:
        keys.append(("_key_surname", refs.sql_name_key(cols.quote(surname))))
        conditions.append("k.ref_surname_key = _key_surname")
    if postcode:
        keys.append(("_key_postcode", sql_normalise_postcode(cols.quote(postcode))))
        conditions.append("k.ref_postcode = _key_postcode")
    return [
        Check(
            name="child_known_to_child_health",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=tuple(c for c in (dob, surname, postcode) if c),
            keys=tuple(keys),
            sql=f"case when {dob_sql} is null then null else exists (select 1 from "
            f"{refs.CHILD_HEALTH_CHILDREN} k where k.ref_dob = {dob_sql} and "
            f"({' or '.join(conditions)})) end",
            mostly=mostly,
            requires=(refs.CHILD_HEALTH_CHILDREN,),
            description="the child has a child-health registration with the same date of birth "
            f"and surname or postcode (at least {mostly:.0%})",
            advice="{percent} of children ({count}) have no child-health registration with the "
            "same date of birth and surname or postcode: check dates of birth and names against "
            "the birth certificate or the child health record at admission.",
        )
    ]


def agrees_with_child_health(
    contract: Any, names_mostly: float = 0.98, address_mostly: float = 0.95
) -> list[Check]:
    """Names and address agree with the child's child-health registration.

    A pupil is paired with a registration by birth date and postcode to compare names (a
    typo, a nickname or swapped names in either source), and by birth date and names to
    compare postcodes with the registration as at the extract (an address one source has not
    updated). Unpaired pupils are not judged.
    """
    dob = cols.first_of_kind(contract, "date_of_birth")
    surname = cols.surname_column(contract)
    forename = cols.first_name_column(contract)
    postcode = cols.postcode_column(contract)
    if not (dob and surname and forename and postcode):
        return []
    keys = (
        ("_key_dob", f"try_cast({cols.quote(dob)} as date)"),
        ("_key_surname", refs.sql_name_key(cols.quote(surname))),
        ("_key_forename", refs.sql_name_key(cols.quote(forename))),
        ("_key_postcode", sql_normalise_postcode(cols.quote(postcode))),
    )
    d, s, f, p = (name for name, _ in keys)
    ref = refs.CHILD_HEALTH_CHILDREN
    as_at = refs.CHILD_HEALTH_AS_AT
    extract = "cast(_extract_date as date)"
    when = f"k.ref_from <= {extract} and {extract} < k.ref_to"
    same_names = f"k.ref_surname_key = {s} and k.ref_forename_key = {f}"
    return [
        Check(
            name="names_agree_with_child_health",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=(forename, surname, dob, postcode),
            keys=keys,
            sql=f"case when not exists (select 1 from {ref} k where k.ref_dob = {d} "
            f"and k.ref_postcode = {p}) then null else exists (select 1 from {ref} k "
            f"where k.ref_dob = {d} and k.ref_postcode = {p} and {same_names}) end",
            mostly=names_mostly,
            requires=(ref,),
            description="a child's forename and surname are those of the child-health "
            f"registration with the same birth date and postcode (at least {names_mostly:.0%})",
            advice="{percent} of children ({count}) are recorded under a name that differs "
            "from their child-health registration (spelling, a short form, or forename and "
            "surname swapped): record legal names as on the birth certificate.",
        ),
        Check(
            name="address_agrees_with_child_health",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=(forename, surname, dob, postcode),
            keys=keys,
            # Against the registrations around this extract (the child-health snapshots just
            # before and after it), not any snapshot: the address a school has not updated
            # is, by its nature, one an earlier snapshot held, so "any snapshot" hid most of
            # them. A registration without a postcode pairs with nothing: its fault, not ours.
            sql=f"case when not exists (select 1 from {as_at} k where k.ref_dob = {d} "
            f"and {same_names} and {when} and k.ref_postcode is not null) then null "
            f"else exists (select 1 from {as_at} k where k.ref_dob = {d} and {same_names} "
            f"and {when} and k.ref_postcode = {p}) end",
            mostly=address_mostly,
            requires=(as_at,),
            description="a child's postcode is that of their child-health registration at the "
            "snapshot before or after the extract (same names and birth date; at least "
            f"{address_mostly:.0%})",
            advice="{percent} of children ({count}) have a postcode different from their "
            "child-health registration: one of the two holds an old address; confirm the "
            "address with the family at each census and update it.",
        ),
    ]


def upn_on_school_census(contract: Any, mostly: float = 0.98) -> list[Check]:
    """Pupils in an education delta are on a school census (UPN seen in any census)."""
    upn = cols.first_of_kind(contract, "upn")
    if not upn or contract.table_name == refs.SCHOOL_CENSUS:
        return []
    value = f"upper(trim(cast({cols.quote(upn)} as varchar)))"
    return [
        Check(
            name=f"{upn}_on_school_census",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=(upn,),
            sql=f"case when nullif({value}, '') is null then null "
            f"else {value} in (select ref_upn from {refs.CENSUS_UPNS}) end",
            mostly=mostly,
            requires=(refs.CENSUS_UPNS,),
            description=f"'{upn}' belongs to a pupil on a school census (at least {mostly:.0%})",
            advice="{percent} of records ({count}) carry a UPN in '{field}' that no school "
            "census holds: check the UPN is copied from the pupil's census record, not retyped.",
        )
    ]


def sessions_consistent(contract: Any) -> list[Check]:
    """Attendance: absences (every absence column together) are between 0 and possible."""
    possible = cols.by_name(contract, r"possible")
    absences = [
        c.name
        for c in contract.columns
        if re.search(r"missed|absen", c.name, re.IGNORECASE) and c.type in ("integer", "decimal")
    ]
    if not (possible and absences):
        return []
    p = f"try_cast({cols.quote(possible)} as double)"
    parts = [f"try_cast({cols.quote(a)} as double)" for a in absences]
    total = " + ".join(parts)
    any_null = " or ".join(f"{x} is null" for x in [p, *parts])
    non_negative = " and ".join(f"{x} >= 0" for x in [p, *parts])
    return [
        Check(
            name="absence_within_sessions_possible",
            kind="flag",
            dimension="consistency",
            severity="warning",
            columns=(*absences, possible),
            sql=f"case when {any_null} then null else {non_negative} and {total} <= {p} end",
            description=f"absences ({' + '.join(absences)}) are between 0 and '{possible}'",
            advice="{percent} of records ({count}) have more sessions of absence than sessions "
            "possible, or a negative count: check the extract sums sessions over the same term.",
        )
    ]
