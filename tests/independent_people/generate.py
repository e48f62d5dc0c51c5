"""People in households, written as a two-file link and as a one-file dedupe, with truth.

Households share a surname, an address and a postcode, and some hold twins: the people a
linkage model must keep apart are there, not only the copies it must join.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from independent_people.corrupt import Record, corrupt, format_noise, random_postcode
from independent_people.names import FEMALE, FEMININE_ENDINGS, MALE, STREETS, SURNAMES

COLUMNS = (
    "record_id",
    "first_name",
    "middle_names",
    "surname",
    "dob",
    "sex",
    "address",
    "postcode",
    "nhs_number",
)


@dataclass(frozen=True)
class LinkageCase:
    """Files to give `families link`, and for each record the person it truly is."""

    files: tuple[Path, ...]
    truth: dict[str, str]  # record_id as written in the files -> person id


def _nhs_number(rng: random.Random) -> str:
    """A valid (mod 11 check digit) NHS number."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _feminine(surname: str) -> str:
    for masculine, feminine in FEMININE_ENDINGS.items():
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


def _person(rng, pid, sex, surname, dob, address, postcode, taken: set[str]) -> Record:
    # Parents do not give two of their children one first name.
    names = [n for n in (FEMALE if sex == "F" else MALE) if n not in taken]
    first = rng.choice(names)
    taken.add(first)
    return {
        "person_id": pid,
        "first_name": first,
        "middle_names": rng.choice(names) if rng.random() < 0.4 else None,
        "surname": _feminine(surname) if sex == "F" else surname,
        "dob": dob.isoformat(),
        "sex": sex,
        "address": address,
        "postcode": postcode,
        "nhs_number": _nhs_number(rng),
        "age": 2025 - dob.year,
    }


def make_people(count: int, seed: int, households: bool = True) -> list[Record]:
    """`count` people in households of one to six (adults, children, sometimes twins), or,
    without `households`, each on their own (as in the FEBRL benchmark files)."""
    rng = random.Random(seed)
    people: list[Record] = []
    while len(people) < count:
        if not households:
            dob = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 79))
            address = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
            people.append(
                _person(
                    rng,
                    f"P{len(people)}",
                    rng.choice("MF"),
                    rng.choice(SURNAMES),
                    dob,
                    address,
                    random_postcode(rng),
                    set(),
                )
            )
            continue
        surname = rng.choice(SURNAMES)
        address = f"{rng.randint(1, 240)} {rng.choice(STREETS)}"
        postcode = random_postcode(rng)
        adults = rng.choices((1, 2), (35, 65))[0]
        taken: set[str] = set()
        for _ in range(adults):
            dob = date(1945, 1, 1) + timedelta(days=rng.randrange(365 * 60))
            sex = rng.choice("MF")
            people.append(
                _person(rng, f"P{len(people)}", sex, surname, dob, address, postcode, taken)
            )
        for _ in range(rng.choices((0, 1, 2, 3, 4), (30, 25, 25, 13, 7))[0]):
            dob = date(2006, 1, 1) + timedelta(days=rng.randrange(365 * 18))
            # Twins (about 1 maternity in 70 in England and Wales): same surname, DOB, address.
            births = 2 if rng.random() < 0.015 else 1
            for _ in range(births):
                sex = rng.choice("MF")
                people.append(
                    _person(rng, f"P{len(people)}", sex, surname, dob, address, postcode, taken)
                )
    return people[:count]


def _write(path: Path, rows: list[Record]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _released(record: Record, rng: random.Random, nhs_share: float) -> Record:
    # Identifiers are held by some systems only; when held they are right (check digit).
    if rng.random() >= nhs_share:
        record = {**record, "nhs_number": None}
    return record


def two_file_link(
    folder: Path, people: int = 5000, seed: int = 1, households: bool = True
) -> LinkageCase:
    """Two files of `people` records each; 80% of people are in both, once per file."""
    rng = random.Random(seed)
    everyone = make_people(people + people // 4, seed, households)
    shared = people * 4 // 5
    in_a = everyone[:people]
    in_b = everyone[:shared] + everyone[people : people + people - shared]
    rows_a, rows_b, truth = [], [], {}
    for i, person in enumerate(rng.sample(in_a, len(in_a))):
        record = corrupt(person, rng, max_errors=1)
        record["record_id"] = f"a{i}"
        rows_a.append(format_noise(_released(record, rng, 0.3), rng, "%Y-%m-%d"))
        truth[f"a{i}"] = person["person_id"]
    for i, person in enumerate(rng.sample(in_b, len(in_b))):
        record = corrupt(person, rng)
        record["record_id"] = f"b{i}"
        rows_b.append(format_noise(_released(record, rng, 0.2), rng, "%d/%m/%Y"))
        truth[f"b{i}"] = person["person_id"]
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "register_a.csv", rows_a)
    _write(folder / "register_b.csv", rows_b)
    return LinkageCase((folder / "register_a.csv", folder / "register_b.csv"), truth)


def one_file_dedupe(
    folder: Path, records: int = 5000, seed: int = 2, households: bool = True
) -> LinkageCase:
    """One file of `records` rows: about 70% distinct people, the rest their duplicates."""
    rng = random.Random(seed)
    people = make_people(records * 7 // 10, seed, households)
    rows = [corrupt(p, rng, max_errors=1) for p in people]
    while len(rows) < records:
        rows.append(corrupt(rng.choice(people), rng))
    rng.shuffle(rows)
    truth = {}
    out = []
    for i, row in enumerate(rows):
        truth[str(i)] = row["person_id"]
        out.append(
            format_noise(
                _released({**row, "record_id": str(i)}, rng, 0.25),
                rng,
                rng.choice(("%Y-%m-%d", "%d/%m/%Y")),
            )
        )
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "people.csv", out)
    return LinkageCase((folder / "people.csv",), truth)
