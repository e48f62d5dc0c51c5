"""Small synthetic person files in the standard person schema, with their truth.

For tests, demonstrations of `families link` and development before the synthetic city
exists. Nothing here is used by the nightly run; the truth it returns is only for evaluation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

_NAMES = {
    "english": (
        [
            "Oliver",
            "Jack",
            "Harry",
            "George",
            "Thomas",
            "William",
            "James",
            "Daniel",
            "Samuel",
            "Joshua",
            "Amelia",
            "Olivia",
            "Emily",
            "Jessica",
            "Sophie",
            "Charlotte",
            "Elizabeth",
            "Katherine",
            "Rebecca",
            "Margaret",
            "Michael",
            "Robert",
            "Alexander",
            "Ellie",
        ],
        [
            "Smith",
            "Jones",
            "Taylor",
            "Brown",
            "Williams",
            "Wilson",
            "Johnson",
            "Davies",
            "Robinson",
            "Wright",
            "Thompson",
            "Evans",
            "Walker",
            "White",
            "O'Brien",
            "Smith-Jones",
            "Hughes",
            "Green",
            "Hall",
            "Wood",
        ],
    ),
    "somali": (
        [
            "Mohamed",
            "Abdi",
            "Ahmed",
            "Hassan",
            "Hussein",
            "Ali",
            "Omar",
            "Fatima",
            "Aisha",
            "Khadija",
            "Hodan",
            "Amina",
            "Ibrahim",
            "Yusuf",
        ],
        [
            "Mohamed",
            "Abdi",
            "Ahmed",
            "Hassan",
            "Ali",
            "Farah",
            "Warsame",
            "Jama",
            "Osman",
            "Ismail",
        ],
    ),
    "pakistani": (
        [
            "Muhammad",
            "Ahmed",
            "Ali",
            "Hamza",
            "Bilal",
            "Ayesha",
            "Fatima",
            "Zainab",
            "Maryam",
            "Usman",
            "Imran",
            "Sana",
        ],
        ["Khan", "Hussain", "Ahmed", "Iqbal", "Shah", "Akhtar", "Butt", "Malik", "Rashid"],
    ),
    "polish": (
        [
            "Łukasz",
            "Paweł",
            "Krzysztof",
            "Tomasz",
            "Zofia",
            "Małgorzata",
            "Agnieszka",
            "Jakub",
            "Wojciech",
            "Katarzyna",
        ],
        ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Lewandowski", "Zieliński", "Dąbrowski"],
    ),
    "chinese": (
        ["Wei", "Jing", "Li", "Ming", "Xiao", "Hui", "Yan", "Lei"],
        ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang"],
    ),
}
_ORIGIN_WEIGHTS = {"english": 80, "somali": 6, "pakistani": 6, "polish": 5, "chinese": 3}
_VARIANTS = {
    "Mohamed": ["Mohammed", "Muhammad", "Maxamed"],
    "Muhammad": ["Mohammed", "Mohamed"],
    "William": ["Bill", "Will"],
    "Robert": ["Bob", "Rob"],
    "Katherine": ["Kate", "Katie"],
    "Elizabeth": ["Liz", "Beth"],
    "Michael": ["Mike", "Mick"],
    "Thomas": ["Tom"],
    "James": ["Jim", "Jamie"],
    "Daniel": ["Dan", "Danny"],
    "Alexander": ["Alex"],
    "Samuel": ["Sam"],
    "Margaret": ["Maggie"],
    "Rebecca": ["Becky"],
    "Ahmed": ["Axmed"],
    "Hassan": ["Xasan"],
    "Hussein": ["Hussain"],
    "Yusuf": ["Yousef"],
    "Omar": ["Umar"],
}
_STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Park Avenue",
    "Mill Lane",
    "Victoria Road",
    "Queens Road",
    "Grove Road",
    "Manor Way",
    "Kings Drive",
]


@dataclass(frozen=True)
class SampleLinkageData:
    """Person files by source dataset, and the truth (record_id -> person_id, name_origin)."""

    files: dict[str, pd.DataFrame]
    truth: pd.DataFrame


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.choice(["swap", "drop", "double", "sub"])
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "double":
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice("aeiounrst") + text[i + 1 :]


def _strip_polish(text: str) -> str:
    return text.translate(str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ"))


def make_sample_person_data(
    persons: int = 300, seed: int = 1, error_rate: float = 0.25
) -> SampleLinkageData:
    """Persons recorded by four sources with realistic errors; deterministic for a seed."""
    rng = random.Random(seed)
    people = []
    for pid in range(persons):
        origin = rng.choices(list(_ORIGIN_WEIGHTS), weights=list(_ORIGIN_WEIGHTS.values()))[0]
        firsts, surnames = _NAMES[origin]
        sex = rng.choice("MF")
        surname = rng.choice(surnames)
        if origin == "polish" and sex == "F" and surname.endswith("ski"):
            surname = surname[:-1] + "a"
        people.append(
            {
                "person_id": f"T{pid:06d}",
                "name_origin": origin,
                "first_name": rng.choice(firsts),
                "middle_names": rng.choice(firsts) if rng.random() < 0.3 else None,
                "surname": surname,
                "sex": sex,
                "dob": date(1975, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365)),
                "house": rng.randrange(1, 120),
                "street": rng.choice(_STREETS),
                "postcode": f"BS{rng.randrange(1, 16)} {rng.randrange(1, 9)}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                "nhs_number": f"{rng.randrange(10**9, 10**10)}",
                "upn": f"A{rng.randrange(10**11, 10**12)}X",
                "ni_number": f"AB{rng.randrange(10**5, 10**6)}C",
            }
        )
    sources = {
        "nhs__child_health": ("nhs_number", 0.8),
        "council_education__school_census": ("upn", 0.6),
        "police__offences": (None, 0.4),
        "dwp__out_of_work_benefits": ("ni_number", 0.4),
    }
    files: dict[str, list[dict]] = {name: [] for name in sources}
    truth = []
    for person in people:
        for source, (identifier, coverage) in sources.items():
            copies = 0 if rng.random() > coverage else (2 if rng.random() < 0.15 else 1)
            for _ in range(copies):
                record = _record_with_errors(rng, person, identifier, error_rate)
                record_id = f"{source}:{len(files[source]) + 1}"
                files[source].append({"record_id": record_id, "source_dataset": source, **record})
                truth.append(
                    {
                        "record_id": record_id,
                        "person_id": person["person_id"],
                        "name_origin": person["name_origin"],
                        "source_dataset": source,
                    }
                )
    frames = {name: pd.DataFrame(rows) for name, rows in files.items()}
    return SampleLinkageData(files=frames, truth=pd.DataFrame(truth))


def _record_with_errors(
    rng: random.Random, person: dict, identifier: str | None, error_rate: float
) -> dict:
    first, surname, middle = person["first_name"], person["surname"], person["middle_names"]
    dob, postcode, house = person["dob"], person["postcode"], person["house"]
    if rng.random() < error_rate:
        error = rng.choice(
            [
                "typo_first",
                "typo_surname",
                "variant",
                "dob_swap",
                "dob_digit",
                "dob_missing",
                "moved",
                "case_punct",
                "diacritics",
                "order_swap",
            ]
        )
        if error == "typo_first":
            first = _typo(rng, first)
        elif error == "typo_surname":
            surname = _typo(rng, surname)
        elif error == "variant" and first in _VARIANTS:
            first = rng.choice(_VARIANTS[first])
        elif error == "dob_swap" and dob.day <= 12:
            dob = date(dob.year, dob.day, dob.month)
        elif error == "dob_digit":
            dob = dob + timedelta(days=rng.choice([-10, -1, 1, 10]))
        elif error == "dob_missing":
            dob = None
        elif error == "moved":
            postcode = f"BS{rng.randrange(1, 16)} {rng.randrange(1, 9)}TR"
            house = rng.randrange(1, 120)
        elif error == "case_punct":
            first, surname = first.upper(), surname.upper().replace("'", "")
        elif error == "diacritics":
            first, surname = _strip_polish(first), _strip_polish(surname)
        elif error == "order_swap" and person["name_origin"] in ("chinese", "somali"):
            first, surname = surname, first
    return {
        "source_person_ref": None,
        "first_name": first,
        "middle_names": middle if rng.random() < 0.7 else None,
        "surname": surname,
        "dob": dob.isoformat() if dob else None,
        "sex": person["sex"] if rng.random() > 0.02 else "U",
        "address": f"{house} {person['street']}, Bristol",
        "postcode": postcode if rng.random() > 0.05 else None,
        "nhs_number": person["nhs_number"] if identifier == "nhs_number" else None,
        "upn": person["upn"] if identifier == "upn" else None,
        "ni_number": person["ni_number"] if identifier == "ni_number" else None,
        "event_date": None,
    }
