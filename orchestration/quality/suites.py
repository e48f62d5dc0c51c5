"""Build each dataset's checks: generic ones from its contract, plus its own module's rules.

`expectations/<agency>__<dataset>.py` is the suite as code for one dataset. It declares
`RULES` (population age range, tolerances, which trusted sources apply) and may add
`extra_checks(contract, contracts)`. Everything a contract already says (key, code lists,
identifier kinds, schedule) becomes a check here, so a new column is checked without code.

Severity policy (why two tiers): one bad NHS number should reach the Information Asset Owner
(a warning at any occurrence), but only a failure large enough to make the extract unfit for
the programme blocks downstream work (an error, `__blocking`, at a tolerance stated per check).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

from orchestration import paths
from orchestration.quality import columns as cols
from orchestration.quality import references as refs
from orchestration.quality.identifiers import (
    sql_nhs_number_is_valid,
    sql_ni_number_is_valid,
    sql_normalise_postcode,
    sql_postcode_is_valid,
    sql_upn_is_valid,
)
from orchestration.quality.spec import Check


def expectations_dir() -> Path:
    return paths.REPO_ROOT / "expectations"


@dataclass(frozen=True)
class DatasetRules:
    """What a dataset's module says beyond its contract; defaults suit a general population."""

    # Age in whole years at the extract date that a person in this dataset can have.
    dob_age_range: tuple[int, int] = (0, 110)
    # Share of rows that must hold each field the programme relies on (warning below it).
    completeness_mostly: float = 1.0
    # Fields to leave out of, or add to, the completeness checks (by column name).
    completeness_exclude: tuple[str, ...] = ()
    completeness_extra: tuple[str, ...] = ()
    # Identifiers the source holds for only part of its records by nature (an NHS number in a
    # council-run service): their completeness is reported to the owner, never blocking.
    partially_held: tuple[str, ...] = ()
    # Accuracy against the gazetteer: share of postcodes / address lines it must confirm.
    # None: not checked (people outside the city appear legitimately in some sources).
    postcode_in_gazetteer_mostly: float | None = 0.9
    address_in_gazetteer_mostly: float | None = 0.95
    # Per-check changes by check name, e.g. {"primary_key_unique": {"severity": "warning"}}.
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)


# Error tiers: the failure rate at which an extract is not fit for the programme.
# Set so that a systematic extract fault (a shifted column, a wrong date format, a dropped
# field) blocks, while the scattered keying errors of a small delta only warn. Completeness
# blocks only when a field is nearly empty: several sources hold an identifier for half
# their records or fewer by nature (NHS numbers in substance misuse), which is reported.
BLOCKING_MOSTLY = {
    "completeness": 0.2,
    "identifier": 0.8,
    "code_list": 0.8,
    "date": 0.8,
}
# A systematic fault is a rate: on a handful of rows (one record in a quiet month's delta)
# a single missing field would read as 0% complete and block the whole night. Below this
# many rows the error tier is not judged; the warning tier still reports each record.
BLOCKING_MIN_ROWS = 5
_IDENTIFIER_RULES = {
    "nhs_number": (
        "check_digit",
        sql_nhs_number_is_valid,
        "NHS number passes the modulus 11 check digit",
        "{percent} of records ({count}) have an NHS number in '{field}' that fails its check "
        "digit: check numbers are transcribed correctly at registration, or traced on the "
        "Personal Demographics Service, before the extract is made.",
    ),
    "upn": (
        "check_letter",
        sql_upn_is_valid,
        "UPN is 13 characters with the DfE check letter",
        "{percent} of records ({count}) have a UPN in '{field}' with a wrong check letter or "
        "length: ask schools to correct the UPN in their MIS or reissue it per the DfE guide.",
    ),
    "ni_number": (
        "format",
        sql_ni_number_is_valid,
        "National Insurance number has an allocatable format (two letters, six digits, A-D)",
        "{percent} of records ({count}) have a National Insurance number in '{field}' that is "
        "not in a valid format (two letters, six digits, A-D; no temporary numbers): verify it "
        "against DWP records at source.",
    ),
    "postcode": (
        "format",
        sql_postcode_is_valid,
        "postcode has a valid UK format",
        "{percent} of records ({count}) have a postcode in '{field}' that is not in a valid UK "
        "format: use address lookup (PAF or the LLPG) when capturing addresses.",
    ),
}


# Dates that may lawfully lie ahead of the extract: planned ends, expiries, due dates.
_FUTURE_ALLOWED = re.compile(r"end|expir|due|planned|review", re.IGNORECASE)


def load_dataset_module(table: str, directory: Path | None = None) -> ModuleType | None:
    """The suite module `expectations/<table>.py`, or None when the dataset has none."""
    path = (directory or expectations_dir()) / f"{table}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"expectations_{table}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_blocking_tier(check: Check, blocking_mostly: float) -> list[Check]:
    """The warning at `check.mostly` plus its error twin at the fit-for-use tolerance."""
    blocking = replace(
        check,
        name=f"{check.name}__blocking",
        severity="error",
        mostly=blocking_mostly,
        min_rows=BLOCKING_MIN_ROWS,
        description=f"{check.description} (at least {blocking_mostly:.0%} of rows, judged on "
        f"extracts of {BLOCKING_MIN_ROWS} rows or more: below that the extract is not fit for "
        "use)",
    )
    return [check, blocking]


def uniqueness_checks(contract: Any) -> list[Check]:
    if not contract.primary_key:
        return []
    key = ", ".join(contract.primary_key)
    return [
        Check(
            name="primary_key_unique",
            kind="unique",
            dimension="uniqueness",
            severity="error",
            columns=tuple(contract.primary_key),
            description=f"each record's key ({key}) appears once in the extract",
            advice="{count} records share a key ("
            + key
            + ") with another record in the same extract: remove duplicated rows from the "
            "extract query (a join that repeats rows is the usual cause).",
        )
    ]


def person_duplicate_checks(contract: Any) -> list[Check]:
    """One person, one reference: the same name and birth date under two person references.

    A source that opens a second record for someone it already holds splits their history
    (a second offence looks like a first); this finds exact repeats only, as typed.

    What the source "already holds" depends on the extract: a snapshot holds everyone it
    knows, so the check looks within the extract; a delta sends only what is new, so a
    person's earlier records are in earlier extracts, and the check looks at every extract up
    to this one. (Within the extract alone it could not see a pupil given a second UPN from
    one term's attendance to the next, nor an A&E patient given a second local number on a
    later visit: one record per pupil per term, and rarely two visits in a month.)
    """
    dob = cols.first_of_kind(contract, "date_of_birth")
    surname = cols.surname_column(contract)
    forename = cols.first_name_column(contract)
    names = cols.of_kind(contract, "name")
    if not (contract.person_key and dob):
        return []
    if surname and forename:
        name_columns = [forename, surname]
        name_keys = [refs.sql_name_key(cols.quote(n)) for n in (surname, forename)]
    elif len(names) == 1:
        # One field for the whole name (police "SURNAME, Forename", social care "FullName"):
        # its words, sorted, stand for forename and surname together.
        name_columns = names
        name_keys = [refs.sql_full_name_key(cols.quote(names[0]))]
    else:
        return []
    person = " || '|' || ".join(
        f"coalesce(cast({cols.quote(k)} as varchar), '')" for k in contract.person_key
    )
    dob_sql = f"try_cast({cols.quote(dob)} as date)"
    history = contract.extract.kind == "delta"
    if history:
        # Every row of this and earlier extracts (peers on the same date included).
        window = (
            f"partition by {', '.join(name_keys)}, {dob_sql} order by "
            "cast(_extract_date as date) range between unbounded preceding and current row"
        )
        scope = "in this or an earlier extract"
    else:
        window = f"partition by _load_id, {', '.join(name_keys)}, {dob_sql}"
        scope = "in the extract"
    # min = max of the reference within a name and birth date: one reference. (A windowed
    # count(distinct) says the same but is far slower in DuckDB.)
    return [
        Check(
            name="person_held_once",
            kind="flag",
            dimension="uniqueness",
            severity="warning",
            columns=(*contract.person_key, *name_columns, dob),
            sql=f"case when {' or '.join(f'{k} is null' for k in name_keys)} or {dob_sql} is null "
            f"then null else min({person}) over ({window}) = max({person}) over ({window}) end",
            history=history,
            description=f"no two person references share the same name and date of birth {scope}",
            advice="{percent} of records ({count}) belong to a person held under more than one "
            "reference (same name and date of birth): merge duplicate person records in the "
            "source system and search before creating a new one.",
        )
    ]


def completeness_checks(contract: Any, rules: DatasetRules) -> list[Check]:
    """Fields the programme relies on: identifiers for matching, codes for indicators."""
    relied: list[str] = []
    for kind in ("date_of_birth", "nhs_number", "upn", "ni_number", "postcode"):
        relied += cols.of_kind(contract, kind)
    for finder in (cols.first_name_column, cols.surname_column):
        name = finder(contract)
        if name:
            relied.append(name)
    address = cols.first_of_kind(contract, "address")
    if address:
        relied.append(address)
    relied += [c.name for c in contract.columns if c.allowed_values]
    relied += list(rules.completeness_extra)
    required = {c.name for c in contract.columns if c.required}
    checks = []
    for name in dict.fromkeys(relied):
        # Required fields are enforced row by row at ingest (quarantine): not checked twice.
        if name in required or name in rules.completeness_exclude:
            continue
        check = Check(
            name=f"{name}_complete",
            kind="not_null",
            dimension="completeness",
            severity="warning",
            columns=(name,),
            mostly=rules.completeness_mostly,
            description=f"'{name}' is filled in (at least {rules.completeness_mostly:.0%})",
            advice="{percent} of records ({count}) have no value in '{field}', which the "
            "programme uses to match people and flag needs: make the field mandatory in the "
            "source system or include it in the extract query.",
        )
        if name in rules.partially_held:
            checks.append(check)
        else:
            checks += _with_blocking_tier(check, BLOCKING_MOSTLY["completeness"])
    return checks


def validity_checks(contract: Any, rules: DatasetRules) -> list[Check]:
    checks: list[Check] = []
    for kind, (suffix, sql_builder, description, advice) in _IDENTIFIER_RULES.items():
        for name in cols.of_kind(contract, kind):
            check = Check(
                name=f"{name}_{suffix}",
                kind="flag",
                dimension="validity",
                severity="warning",
                columns=(name,),
                sql=sql_builder(cols.quote(name)),
                description=f"'{name}': {description}",
                advice=advice,
            )
            checks += _with_blocking_tier(check, BLOCKING_MOSTLY["identifier"])
    low, high = rules.dob_age_range
    for name in cols.of_kind(contract, "date_of_birth"):
        dob = f"try_cast({cols.quote(name)} as date)"
        age = f"date_sub('year', {dob}, cast(_extract_date as date))"
        check = Check(
            name=f"{name}_plausible",
            kind="flag",
            dimension="validity",
            severity="warning",
            columns=(name,),
            sql=f"case when {dob} is null then null "
            f"else {dob} <= cast(_extract_date as date) and {age} between {low} and {high} end",
            description=f"'{name}' gives an age of {low} to {high} at the extract date",
            advice="{percent} of records ({count}) have a date of birth in '{field}' that is "
            f"in the future or outside ages {low}-{high} expected in this dataset: check date "
            "formats (day/month order) and default dates such as 01/01/1900 in the source.",
        )
        checks += _with_blocking_tier(check, BLOCKING_MOSTLY["date"])
    for column in contract.columns:
        if column.type not in ("date", "datetime") or column.identifier_kind == "date_of_birth":
            continue
        if _FUTURE_ALLOWED.search(column.name):
            continue
        value = f"try_cast({cols.quote(column.name)} as date)"
        check = Check(
            name=f"{column.name}_not_after_extract",
            kind="flag",
            dimension="validity",
            severity="warning",
            columns=(column.name,),
            sql=f"case when {value} is null then null "
            f"else {value} <= cast(_extract_date as date) and {value} >= date '1900-01-01' end",
            description=f"'{column.name}' is not after the extract date, nor before 1900",
            advice="{percent} of records ({count}) have a date in '{field}' after the extract "
            "date or before 1900: check for mistyped years and placeholder dates at source.",
        )
        checks += _with_blocking_tier(check, BLOCKING_MOSTLY["date"])
    for column in contract.columns:
        if not column.allowed_values:
            continue
        check = Check(
            name=f"{column.name}_in_code_list",
            kind="in_set",
            dimension="validity",
            severity="warning",
            columns=(column.name,),
            values=tuple(column.allowed_values),
            description=f"'{column.name}' uses the agreed code list",
            advice="{percent} of records ({count}) have a code in '{field}' outside the agreed "
            "list: map local codes to the agreed list in the extract, or ask the programme to "
            "add a genuinely new code to the contract.",
        )
        checks += _with_blocking_tier(check, BLOCKING_MOSTLY["code_list"])
    return checks


def timeliness_checks(contract: Any) -> list[Check]:
    max_days = contract.extract.max_days_between_extracts
    if not max_days:
        return []
    schedule = contract.extract.schedule
    return [
        Check(
            name="extract_interval_on_schedule",
            kind="flag",
            dimension="timeliness",
            severity="warning",
            sql="case when _prev_extract_date is null then null else "
            f"date_diff('day', _prev_extract_date, cast(_extract_date as date)) <= {max_days} end",
            description=f"no more than {max_days} days since the previous extract ({schedule})",
            advice=f"This extract came more than {max_days} days after the previous one, "
            f"against an agreed {schedule} schedule: schedule the extract job and tell the "
            "programme when one will be late.",
        ),
        Check(
            name="extract_up_to_date",
            kind="flag",
            dimension="timeliness",
            severity="warning",
            sql="case when not _is_latest_load then null else "
            f"date_diff('day', cast(_extract_date as date), _as_at_date) <= {max_days} end",
            description=f"the latest extract is no more than {max_days} days older than the "
            "newest extract from any source",
            advice=f"The latest extract is more than {max_days} days behind other sources: the "
            f"{schedule} extract is overdue; send the missing extract.",
        ),
    ]


def gazetteer_checks(contract: Any, rules: DatasetRules) -> list[Check]:
    """Accuracy: postcodes and address lines confirmed by the council gazetteer (LLPG)."""
    if contract.table_name == refs.GAZETTEER:
        return []
    postcode = cols.first_of_kind(contract, "postcode")
    checks: list[Check] = []
    if postcode and rules.postcode_in_gazetteer_mostly is not None:
        pc = sql_normalise_postcode(cols.quote(postcode))
        checks.append(
            Check(
                name=f"{postcode}_in_gazetteer",
                kind="flag",
                dimension="accuracy",
                severity="warning",
                columns=(postcode,),
                sql=f"case when {sql_postcode_is_valid(cols.quote(postcode))} is not true "
                f"then null else {pc} in (select ref_postcode from {refs.GAZETTEER_POSTCODES}) end",
                mostly=rules.postcode_in_gazetteer_mostly,
                requires=(refs.GAZETTEER_POSTCODES,),
                description=f"'{postcode}' is a postcode in the council gazetteer "
                f"(at least {rules.postcode_in_gazetteer_mostly:.0%})",
                advice="{percent} of records ({count}) have a well-formed postcode in '{field}' "
                "that the council gazetteer does not hold: check postcodes against the LLPG or "
                "PAF at capture; a person who has moved out of the area should be recorded so.",
            )
        )
    lines = cols.of_kind(contract, "address")
    if postcode and lines and rules.address_in_gazetteer_mostly is not None:
        # All address lines together: a flat number or a locality line may come first.
        keys = (
            ("_key_postcode", sql_normalise_postcode(cols.quote(postcode))),
            (
                "_key_address",
                refs.sql_address_key(f"concat_ws(' ', {', '.join(cols.quote(n) for n in lines)})"),
            ),
        )
        pc, key = "_key_postcode", "_key_address"
        mostly = rules.address_in_gazetteer_mostly
        contains = (
            f"exists (select 1 from {refs.GAZETTEER_ADDRESSES} g where g.ref_postcode = {pc} "
            f"and contains({key}, g.ref_line_key))"
        )
        # A one-line address field holding only "First Floor Flat" (the house and street are
        # on the line the source does not collect) names a real sub-building at the postcode
        # but cannot show its house and street: not judged, rather than flagged as inaccurate.
        only_sub_building = (
            f"exists (select 1 from {refs.GAZETTEER_SUB_BUILDINGS} s where s.ref_postcode = {pc} "
            f"and s.ref_sub_building_key = {key})"
        )
        checks.append(
            Check(
                name="address_in_gazetteer",
                kind="flag",
                dimension="accuracy",
                severity="warning",
                columns=(*lines, postcode),
                keys=keys,
                sql=f"case when {pc} is null or nullif({key}, '') is null then null "
                f"when {contains} then true when {only_sub_building} then null else false end",
                mostly=mostly,
                requires=(refs.GAZETTEER_ADDRESSES, refs.GAZETTEER_SUB_BUILDINGS),
                description="the address holds a gazetteer property's house and street at its "
                f"postcode (at least {mostly:.0%}; an address held as only a flat or floor "
                "is not judged)",
                advice="{percent} of records ({count}) have an address that the gazetteer does "
                "not hold at that postcode: select addresses from the LLPG lookup rather than "
                "typing them free-hand.",
            )
        )
    return checks


def _apply_overrides(checks: list[Check], overrides: dict[str, dict[str, Any]]) -> list[Check]:
    known = {c.name for c in checks}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"overrides name checks that do not exist: {unknown}")
    return [replace(c, **overrides[c.name]) if c.name in overrides else c for c in checks]


def build_checks(
    contract: Any, contracts: dict[str, Any], directory: Path | None = None
) -> list[Check]:
    """The dataset's suite as plain checks, in a stable order (dimension, then name)."""
    module = load_dataset_module(contract.table_name, directory)
    rules: DatasetRules = getattr(module, "RULES", None) or DatasetRules()
    checks = (
        completeness_checks(contract, rules)
        + validity_checks(contract, rules)
        + uniqueness_checks(contract)
        + person_duplicate_checks(contract)
        + timeliness_checks(contract)
        + gazetteer_checks(contract, rules)
    )
    extra = getattr(module, "extra_checks", None)
    if extra is not None:
        checks += list(extra(contract, contracts))
    checks = _apply_overrides(checks, rules.overrides)
    names = [c.name for c in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{contract.table_name}: duplicate check names {duplicates}")
    return checks
