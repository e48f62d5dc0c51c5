"""The independent error model: how a clerk, a scanner or a form mangles a person record.

Each kind of error is one small function of (record, rng) that edits the record in place and
returns whether it applied. `ERROR_RATES` weighs the kinds; `corrupt` applies a random number
of them. Rates are this generator's own guesses, not the city generator's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from independent_people.names import NICKNAMES, OUTWARD_CODES, STREETS, SURNAMES

Record = dict[str, str | None]

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_OCR_CONFUSIONS = (
    ("m", "rn"),
    ("d", "cl"),
    ("w", "vv"),
    ("l", "1"),
    ("o", "0"),
    ("e", "c"),
    ("h", "b"),
    ("u", "v"),
    ("i", "l"),
    ("n", "ri"),
)


def _neighbours(letter: str) -> str:
    for row in _KEYBOARD_ROWS:
        at = row.find(letter.lower())
        if at >= 0:
            return row[max(at - 1, 0) : at] + row[at + 1 : at + 2]
    return ""


def _pick_name_field(record: Record, rng: random.Random) -> str | None:
    fields = [
        f
        for f in ("first_name", "surname", "first_name", "surname", "middle_names")
        if record.get(f) and len(record[f]) >= 3
    ]
    return rng.choice(fields) if fields else None


def keyboard_typo(record: Record, rng: random.Random) -> bool:
    field = _pick_name_field(record, rng)
    if not field:
        return False
    value = record[field]
    at = rng.randrange(1, len(value))
    near = _neighbours(value[at])
    if not near:
        return False
    record[field] = value[:at] + rng.choice(near) + value[at + 1 :]
    return True


def ocr_confusion(record: Record, rng: random.Random) -> bool:
    field = _pick_name_field(record, rng)
    if not field:
        return False
    value = record[field]
    options = [(a, b) for a, b in _OCR_CONFUSIONS if a in value[1:]]
    options += [(b, a) for a, b in _OCR_CONFUSIONS if b in value[1:]]
    if not options:
        return False
    old, new = rng.choice(options)
    at = value.find(old, 1)
    record[field] = value[:at] + new + value[at + len(old) :]
    return True


def transposition(record: Record, rng: random.Random) -> bool:
    field = _pick_name_field(record, rng)
    if not field:
        return False
    value = record[field]
    at = rng.randrange(1, len(value) - 1)
    record[field] = value[:at] + value[at + 1] + value[at] + value[at + 2 :]
    return True


def dropped_or_doubled_letter(record: Record, rng: random.Random) -> bool:
    field = _pick_name_field(record, rng)
    if not field:
        return False
    value = record[field]
    at = rng.randrange(1, len(value))
    if rng.random() < 0.5:
        record[field] = value[:at] + value[at + 1 :]
    else:
        record[field] = value[:at] + value[at] + value[at:]
    return True


def nickname(record: Record, rng: random.Random) -> bool:
    forms = NICKNAMES.get(record.get("first_name") or "")
    if not forms:
        return False
    record["first_name"] = rng.choice(forms)
    return True


def swapped_names(record: Record, rng: random.Random) -> bool:
    if not (record.get("first_name") and record.get("surname")):
        return False
    record["first_name"], record["surname"] = record["surname"], record["first_name"]
    return True


def missing_field(record: Record, rng: random.Random) -> bool:
    field = rng.choices(
        ("dob", "postcode", "middle_names", "sex", "first_name", "address"), (3, 3, 3, 2, 1, 2)
    )[0]
    if not record.get(field):
        return False
    record[field] = None
    return True


def _dob(record: Record) -> date | None:
    return date.fromisoformat(record["dob"]) if record.get("dob") else None


def dob_day_month_swap(record: Record, rng: random.Random) -> bool:
    dob = _dob(record)
    if dob is None or dob.day > 12 or dob.day == dob.month:
        return False
    record["dob"] = dob.replace(month=dob.day, day=dob.month).isoformat()
    return True


def dob_digit_error(record: Record, rng: random.Random) -> bool:
    dob = _dob(record)
    if dob is None:
        return False
    shifted = rng.choice(
        (
            dob + timedelta(days=rng.choice((-10, -1, 1, 10))),
            dob.replace(year=dob.year + rng.choice((-1, 1)))
            if dob.month * 100 + dob.day != 229
            else dob,
        )
    )
    if shifted == dob or shifted > date(2025, 12, 31):
        return False
    record["dob"] = shifted.isoformat()
    return True


def dob_placeholder(record: Record, rng: random.Random) -> bool:
    dob = _dob(record)
    if dob is None:
        return False
    record["dob"] = dob.replace(month=1, day=1).isoformat()  # "year known" only
    return True


def postcode_typo(record: Record, rng: random.Random) -> bool:
    postcode = record.get("postcode")
    if not postcode or " " not in postcode:
        return False
    kind = rng.randrange(3)
    if kind == 0:
        record["postcode"] = postcode.replace(" ", "")
    elif kind == 1:
        outward, inward = postcode.split(" ")
        record["postcode"] = f"{outward} {inward[0]}{inward[2]}{inward[1]}"
    else:
        outward, inward = postcode.split(" ")
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        record["postcode"] = f"{outward} {inward[:2]}{rng.choice(letters)}"
    return True


def moved_house(record: Record, rng: random.Random) -> bool:
    record["address"] = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
    record["postcode"] = random_postcode(rng)
    return True


def changed_surname(record: Record, rng: random.Random) -> bool:
    if record.get("sex") != "F" or not record.get("surname") or record.get("age", 0) < 18:
        return False
    other = rng.choice(SURNAMES)
    record["surname"] = f"{record['surname']}-{other}" if rng.random() < 0.5 else other
    return True


def wrong_sex(record: Record, rng: random.Random) -> bool:
    if not record.get("sex"):
        return False
    record["sex"] = {"M": "F", "F": "M"}[record["sex"]]
    return True


def random_postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return (
        f"{rng.choice(OUTWARD_CODES)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


ERROR_RATES: dict[Callable[[Record, random.Random], bool], float] = {
    keyboard_typo: 14,
    ocr_confusion: 6,
    transposition: 8,
    dropped_or_doubled_letter: 8,
    nickname: 8,
    swapped_names: 3,
    missing_field: 14,
    dob_day_month_swap: 4,
    dob_digit_error: 8,
    dob_placeholder: 1,
    postcode_typo: 6,
    moved_house: 12,
    changed_surname: 4,
    wrong_sex: 2,
}


def corrupt(record: Record, rng: random.Random, max_errors: int = 3) -> Record:
    """A copy of `record` with 0..max_errors errors (fewer likelier), drawn by ERROR_RATES."""
    copy = dict(record)
    wanted = rng.choices(range(max_errors + 1), (30, 35, 22, 13)[: max_errors + 1])[0]
    kinds, weights = list(ERROR_RATES), list(ERROR_RATES.values())
    applied, attempts = 0, 0
    while applied < wanted and attempts < 20:
        attempts += 1
        if rng.choices(kinds, weights)[0](copy, rng):
            applied += 1
    return copy


def format_noise(record: Record, rng: random.Random, dob_format: str) -> Record:
    """How a file writes a record: its date format, and some upper-case or padded names."""
    out = dict(record)
    if out.get("dob"):
        out["dob"] = date.fromisoformat(out["dob"]).strftime(dob_format)
    for field in ("first_name", "surname"):
        if out.get(field) and rng.random() < 0.1:
            out[field] = out[field].upper()
        if out.get(field) and rng.random() < 0.03:
            out[field] = f" {out[field]} "
    return out
