"""Which column of a person file supplies each field of the standard person schema.

A file may name its fields otherwise (`date_of_birth`, `forename`, `family_name`...): a
known alias is mapped, with a message, when it is the only candidate; when two columns
could supply one field, or a field named by `--column` is absent, the file is refused with
a message that says how to map it. Columns that supply nothing are named in a warning, so
no field is silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

# Standard field -> other names it goes by (compared lower-cased, spaces and dashes as _).
ALIASES: dict[str, tuple[str, ...]] = {
    "record_id": ("id", "rec_id", "unique_id", "person_id", "row_id"),
    "first_name": (
        "given_name",
        "forename",
        "firstname",
        "first_names",
        "given_names",
        "forenames",
        "christian_name",
    ),
    "middle_names": ("middle_name", "middlename", "other_names", "second_name"),
    "surname": ("last_name", "family_name", "lastname", "familyname", "surname_name"),
    "dob": ("date_of_birth", "birth_date", "birthdate", "dateofbirth", "d_o_b"),
    "sex": ("gender",),
    "address": ("address_line_1", "address1", "street_address", "full_address"),
    "postcode": ("post_code", "postal_code", "zip", "zipcode"),
    "nhs_number": ("nhs", "nhs_no", "nhsnumber"),
    "upn": ("unique_pupil_number", "pupil_number"),
    "ni_number": ("nino", "ni_no", "national_insurance_number"),
    "source_dataset": ("source", "dataset"),
}


class PersonFileError(ValueError):
    """A person file that does not follow the standard person schema."""


def _normal(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def resolve_columns(
    path: Path,
    columns: Sequence[str],
    standard: Sequence[str],
    required: Sequence[str],
    explicit: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Standard field -> the file's column for it, and messages for the user.

    `explicit` (from `--column field=their_column`) wins over names and aliases.
    Raises PersonFileError for an ambiguous or missing required field.
    """
    by_normal = {_normal(c): c for c in columns}
    mapping: dict[str, str] = {}
    messages: list[str] = []
    for field, theirs in (explicit or {}).items():
        if field not in standard:
            raise PersonFileError(
                f"--column {field}={theirs}: {field} is not a field of the standard person "
                f"schema ({', '.join(standard)})"
            )
        if _normal(theirs) not in by_normal:
            raise PersonFileError(f"{path}: --column {field}={theirs}: no column {theirs!r}")
        mapping[field] = by_normal[_normal(theirs)]
    for field in standard:
        if field in mapping:
            continue
        if field in by_normal:
            mapping[field] = by_normal[field]
            continue
        found = [by_normal[a] for a in ALIASES.get(field, ()) if a in by_normal]
        if len(found) == 1:
            mapping[field] = found[0]
            messages.append(f"{path}: column {found[0]!r} read as {field}")
        elif len(found) > 1:
            choices = " or ".join(f"--column {field}={c}" for c in found)
            raise PersonFileError(
                f"{path}: columns {', '.join(map(repr, found))} could each be {field}; "
                f"say which with {choices}"
            )
    missing = [f for f in required if f not in mapping]
    if missing:
        hints = "; ".join(
            f"map one with --column {f}=<your column> (known names: "
            f"{', '.join((f, *ALIASES.get(f, ())))})"
            for f in missing
        )
        raise PersonFileError(f"{path}: missing column(s) {', '.join(missing)}: {hints}")
    used = set(mapping.values())
    unknown = [c for c in columns if c not in used]
    if unknown:
        messages.append(
            f"{path}: column(s) {', '.join(map(repr, unknown))} not in the standard person "
            f"schema, ignored (map one with --column <field>=<column>)"
        )
    return mapping, messages


def parse_column_options(options: Sequence[str] | None) -> dict[str, str]:
    """`["dob=date_of_birth", ...]` -> {"dob": "date_of_birth"}; refuses malformed ones."""
    mapping = {}
    for option in options or ():
        field, sep, theirs = option.partition("=")
        if not sep or not field.strip() or not theirs.strip():
            raise PersonFileError(f"--column {option!r}: write it as field=your_column")
        mapping[field.strip()] = theirs.strip()
    return mapping
