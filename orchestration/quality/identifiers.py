"""Validity rules for the identifiers agencies hold: NHS number, UPN, NI number, UK postcode.

Each rule exists twice on purpose: a plain Python function (the reference, unit-tested against
published examples) and a DuckDB SQL expression builder used at validation time, because
computing the flags in DuckDB keeps the nightly validation cheap at 200,000 households. A test
checks that the two agree on valid, invalid and malformed values.

The SQL builders return NULL for a NULL or blank value, so a missing identifier counts against
completeness only, never against validity too.
"""

from __future__ import annotations

import re

# DfE "Unique Pupil Numbers (UPNs): a guide for schools and local authorities": the check
# letter and a temporary UPN's final letter come from this 23-letter alphabet (no I, O, S).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

# HMRC NIM39110: prefixes never issued (BG, GB, NK, KN, TN, NT, ZZ) and letters never used.
NI_PATTERN = r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]"
NI_UNALLOCATED_PREFIXES = ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ")

# Royal Mail postcode format (the strict form from the government data standards catalogue):
# letters that never appear in a position are excluded, so "transposed" codes fail.
POSTCODE_PATTERN = (
    r"(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|([A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?)|[0-9][A-HJKPS-UW])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})"
)

_NHS_RE = re.compile(r"[0-9]{10}")
_UPN_RE = re.compile(rf"[{UPN_LETTERS}][0-9]{{11}}[0-9{UPN_LETTERS}]")
_NI_RE = re.compile(NI_PATTERN)
_POSTCODE_RE = re.compile(POSTCODE_PATTERN)


def normalise_nhs_number(value: str) -> str:
    """Digits as keyed: spaces and hyphens (the usual 3-3-4 display) removed."""
    return re.sub(r"[\s-]", "", value)


def nhs_number_is_valid(value: str | None) -> bool:
    """True when a 10-digit NHS number passes the modulus 11 check (NHS Data Dictionary)."""
    if value is None:
        return False
    digits = normalise_nhs_number(str(value))
    if not _NHS_RE.fullmatch(digits):
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def upn_check_letter(first_twelve_after_letter: str) -> str:
    """The DfE check letter for characters 2-13 of a UPN (weights 2..13, modulus 23)."""
    total = 0
    for position, char in enumerate(first_twelve_after_letter, start=2):
        value = int(char) if char.isdigit() else UPN_LETTERS.index(char)
        total += position * value
    return UPN_LETTERS[total % 23]


def upn_is_valid(value: str | None) -> bool:
    """True when a 13-character UPN (permanent or temporary) carries the right check letter."""
    if value is None:
        return False
    upn = str(value).strip().upper()
    if not _UPN_RE.fullmatch(upn):
        return False
    return upn[0] == upn_check_letter(upn[1:])


def ni_number_is_valid(value: str | None) -> bool:
    """True when a National Insurance number has an allocatable format (HMRC NIM39110)."""
    if value is None:
        return False
    nino = re.sub(r"\s", "", str(value)).upper()
    return bool(_NI_RE.fullmatch(nino)) and nino[:2] not in NI_UNALLOCATED_PREFIXES


def normalise_postcode(value: str) -> str:
    """Upper case, single space before the inward code: the form the gazetteer holds."""
    compact = re.sub(r"\s", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def postcode_is_valid(value: str | None) -> bool:
    """True when a postcode has a valid UK format (not whether it exists: see the gazetteer)."""
    if value is None:
        return False
    return bool(_POSTCODE_RE.fullmatch(str(value).strip().upper()))


# ---------------------------------------------------------------- DuckDB SQL expressions


def _is_blank(column_sql: str) -> str:
    return f"nullif(trim(cast({column_sql} as varchar)), '') is null"


def _let(name: str, value_sql: str, body_sql: str) -> str:
    """`body_sql` with `name` bound to `value_sql`, evaluated once per row. A check-digit
    rule reads its cleaned value a dozen times; written out, DuckDB cleaned it a dozen times
    (over twice as slow)."""
    return f"list_transform([{value_sql}], lambda {name}: {body_sql})[1]"


def sql_nhs_number_is_valid(column_sql: str) -> str:
    """DuckDB expression equal to `nhs_number_is_valid`, NULL for a missing value."""
    cleaned = f"regexp_replace(cast({column_sql} as varchar), '[\\s-]', '', 'g')"
    n = "_nhs"
    weighted = " + ".join(
        f"try_cast(substr({n}, {i + 1}, 1) as integer) * {10 - i}" for i in range(9)
    )
    check = f"(11 - (({weighted}) % 11)) % 11"
    return (
        f"case when {_is_blank(column_sql)} then null else "
        + _let(
            n,
            cleaned,
            f"case when not regexp_full_match({n}, '[0-9]{{10}}') then false "
            f"else {check} = try_cast(substr({n}, 10, 1) as integer) end",
        )
        + " end"
    )


def sql_upn_is_valid(column_sql: str) -> str:
    """DuckDB expression equal to `upn_is_valid`, NULL for a missing value."""
    u = "_upn"

    def value(pos: int) -> str:
        c = f"substr({u}, {pos}, 1)"
        return (
            f"(case when {c} between '0' and '9' then try_cast({c} as integer) "
            f"else instr('{UPN_LETTERS}', {c}) - 1 end)"
        )

    weighted = " + ".join(f"{pos} * {value(pos)}" for pos in range(2, 14))
    letter = f"substr('{UPN_LETTERS}', (({weighted}) % 23) + 1, 1)"
    pattern = f"[{UPN_LETTERS}][0-9]{{11}}[0-9{UPN_LETTERS}]"
    return (
        f"case when {_is_blank(column_sql)} then null else "
        + _let(
            u,
            f"upper(trim(cast({column_sql} as varchar)))",
            f"case when not regexp_full_match({u}, '{pattern}') then false "
            f"else substr({u}, 1, 1) = {letter} end",
        )
        + " end"
    )


def sql_ni_number_is_valid(column_sql: str) -> str:
    """DuckDB expression equal to `ni_number_is_valid`, NULL for a missing value."""
    n = f"upper(regexp_replace(cast({column_sql} as varchar), '\\s', '', 'g'))"
    prefixes = ", ".join(f"'{p}'" for p in NI_UNALLOCATED_PREFIXES)
    return (
        f"case when {_is_blank(column_sql)} then null "
        f"else regexp_full_match({n}, '{NI_PATTERN}') and substr({n}, 1, 2) not in ({prefixes}) end"
    )


def sql_postcode_is_valid(column_sql: str) -> str:
    """DuckDB expression equal to `postcode_is_valid`, NULL for a missing value."""
    p = f"upper(trim(cast({column_sql} as varchar)))"
    return (
        f"case when {_is_blank(column_sql)} then null "
        f"else regexp_full_match({p}, '{POSTCODE_PATTERN}') end"
    )


def sql_normalise_postcode(column_sql: str) -> str:
    """DuckDB expression equal to `normalise_postcode` (NULL stays NULL)."""
    compact = f"upper(regexp_replace(cast({column_sql} as varchar), '\\s', '', 'g'))"
    return (
        f"case when length({compact}) > 3 then "
        f"substr({compact}, 1, length({compact}) - 3) || ' ' || right({compact}, 3) "
        f"else nullif({compact}, '') end"
    )
