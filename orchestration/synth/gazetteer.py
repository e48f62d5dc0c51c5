"""A council's Local Land and Property Gazetteer: wards, streets, postcodes and dwellings.

One row per UPRN. Dwellings are houses (some with letters, 14A, or names, "Rose Cottage"),
flats in named blocks and in converted houses ("Ground Floor Flat", "Flat B"), and houses in
multiple occupation. Blocks and converted houses also appear as parent property shells (PP),
as in a real LLPG, so a matcher must not place people in them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.synth.names import name_lists

# (ward name, postcode district); Bristol's 2016 wards.
WARDS = [
    ("Ashley", "BS6"),
    ("Avonmouth and Lawrence Weston", "BS11"),
    ("Bedminster", "BS3"),
    ("Bishopston and Ashley Down", "BS7"),
    ("Bishopsworth", "BS13"),
    ("Brislington East", "BS4"),
    ("Brislington West", "BS4"),
    ("Central", "BS1"),
    ("Clifton", "BS8"),
    ("Clifton Down", "BS8"),
    ("Cotham", "BS6"),
    ("Easton", "BS5"),
    ("Eastville", "BS5"),
    ("Filwood", "BS4"),
    ("Frome Vale", "BS16"),
    ("Hartcliffe and Withywood", "BS13"),
    ("Henbury and Brentry", "BS10"),
    ("Hengrove and Whitchurch Park", "BS14"),
    ("Hillfields", "BS16"),
    ("Horfield", "BS7"),
    ("Hotwells and Harbourside", "BS8"),
    ("Knowle", "BS4"),
    ("Lawrence Hill", "BS5"),
    ("Lockleaze", "BS7"),
    ("Redland", "BS6"),
    ("St George Central", "BS5"),
    ("St George Troopers Hill", "BS5"),
    ("St George West", "BS5"),
    ("Southmead", "BS10"),
    ("Southville", "BS3"),
    ("Stockwood", "BS14"),
    ("Stoke Bishop", "BS9"),
    ("Westbury-on-Trym and Henleaze", "BS9"),
    ("Windmill Hill", "BS3"),
]
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # C I K M O V never appear in the inward code
STREET_SUFFIXES = [
    "Road",
    "Street",
    "Avenue",
    "Close",
    "Lane",
    "Gardens",
    "Terrace",
    "Crescent",
    "Way",
    "Hill",
    "Place",
    "Walk",
    "Grove",
    "Drive",
    "Court",
    "Park",
    "Rise",
    "Parade",
    "Square",
    "Vale",
]
HOUSE_NAMES = [
    "Rose Cottage",
    "The Cottage",
    "Ivy House",
    "The Old Vicarage",
    "Orchard House",
    "Hillside",
    "The Laurels",
    "Fernleigh",
    "Woodlands",
    "The Coach House",
    "Mill House",
    "Brook Cottage",
]
BLOCK_WORDS = ["House", "Court", "Point", "Lodge", "Tower", "Mansions", "Heights"]
CONVERSION_SAOS = [
    "Ground Floor Flat",
    "First Floor Flat",
    "Second Floor Flat",
    "Basement Flat",
    "Top Floor Flat",
    "Garden Flat",
]


def build_gazetteer(rng: np.random.Generator, dwellings: int) -> pd.DataFrame:
    """Rows for at least `dwellings` dwellings plus their parent shells."""
    stems = list(name_lists()["british"]["S"].names[:400])
    street_names: list[str] = []
    seen: set[str] = set()
    order = rng.permutation(len(stems) * len(STREET_SUFFIXES))
    for code in order.tolist():
        name = (
            f"{stems[code // len(STREET_SUFFIXES)]} {STREET_SUFFIXES[code % len(STREET_SUFFIXES)]}"
        )
        if name not in seen:
            seen.add(name)
            street_names.append(name)
    ward_weights = rng.dirichlet(np.full(len(WARDS), 8.0))
    district_units: dict[str, list[str]] = {}

    def next_postcode(district: str) -> str:
        pool = district_units.get(district)
        if not pool:
            letters = POSTCODE_UNIT_LETTERS
            codes = [f"{s}{a}{b}" for s in range(1, 10) for a in letters for b in letters]
            pool = [codes[i] for i in rng.permutation(len(codes)).tolist()]
            district_units[district] = pool
        return f"{district} {pool.pop()}"

    rows: list[tuple] = []
    made = 0
    street_index = 0
    while made < dwellings:
        ward_i = int(rng.choice(len(WARDS), p=ward_weights))
        ward, district = WARDS[ward_i]
        street = street_names[street_index % len(street_names)]
        if street_index >= len(street_names):
            side = ["North", "South", "East", "West"][street_index // len(street_names) % 4]
            street = f"{street} {side}"
        street_index += 1
        locality = ward.split(" and ")[0] if ward != "Central" else "City Centre"
        n_plots = int(rng.integers(12, 70))
        postcode = next_postcode(district)
        in_unit = 0
        unit_size = int(rng.integers(10, 25))
        for number in range(1, n_plots + 1):
            in_unit += 1
            if in_unit > unit_size:
                postcode, in_unit = next_postcode(district), 0
            kind = rng.random()
            base = dict(street=street, locality=locality, postcode=postcode, ward_i=ward_i)
            if kind < 0.865:  # a house
                cls = ["RD02", "RD03", "RD04", "RD04"][int(rng.integers(0, 4))]
                suffix = "A" if rng.random() < 0.03 else ""
                if rng.random() < 0.04:
                    rows.append(
                        (
                            None,
                            "",
                            None,
                            "",
                            HOUSE_NAMES[int(rng.integers(len(HOUSE_NAMES)))],
                            cls,
                            base,
                        )
                    )
                else:
                    rows.append((None, "", number, suffix, "", cls, base))
                made += 1
            elif kind < 0.905:  # house in multiple occupation
                rows.append((None, "", number, "", "", "RH02", base))
                made += 1
            elif kind < 0.975:  # house converted into flats
                shell = len(rows)
                rows.append((None, "", number, "", "", "PP", base))
                for sao in CONVERSION_SAOS[: int(rng.integers(2, 4))]:
                    rows.append((shell, sao, number, "", "", "RD06", base))
                    made += 1
            else:  # purpose-built block
                shell = len(rows)
                stem = stems[int(rng.integers(len(stems)))]
                block = f"{stem} {BLOCK_WORDS[int(rng.integers(len(BLOCK_WORDS)))]}"
                rows.append((None, "", None, "", block, "PP", base))
                for flat in range(1, int(rng.integers(6, 30)) + 1):
                    rows.append((shell, f"Flat {flat}", None, "", block, "RD06", base))
                    made += 1
    n = len(rows)
    uprns = np.sort(rng.choice(900_000_000, size=n, replace=False)) + 100_000_000_000 // 1000
    uprns = uprns.astype(np.int64)
    frame = pd.DataFrame(
        {
            "uprn": uprns,
            "parent_uprn": [uprns[r[0]] if r[0] is not None else pd.NA for r in rows],
            "sao_text": [r[1] for r in rows],
            "pao_number": pd.array([r[2] for r in rows], dtype="Int64"),
            "pao_suffix": [r[3] for r in rows],
            "pao_text": [r[4] for r in rows],
            "street": [r[6]["street"] for r in rows],
            "locality": [r[6]["locality"] for r in rows],
            "town": "Bristol",
            "postcode": [r[6]["postcode"] for r in rows],
            "ward_code": [f"E0501{1000 + r[6]['ward_i']:04d}" for r in rows],
            "ward_name": [WARDS[r[6]["ward_i"]][0] for r in rows],
            "classification": [r[5] for r in rows],
        }
    )
    frame["parent_uprn"] = frame["parent_uprn"].astype("Int64")
    frame["is_dwelling"] = frame["classification"] != "PP"
    return frame


def address_lines(gaz: pd.DataFrame) -> pd.DataFrame:
    """The true postal address of each UPRN as up to four lines."""
    number = gaz["pao_number"].astype("string").fillna("") + gaz["pao_suffix"].fillna("")
    street_line = (number + " " + gaz["street"]).str.strip()
    first = (gaz["sao_text"].fillna("") + " " + gaz["pao_text"].fillna("")).str.strip()
    has_first = first != ""
    # Converted flats: the flat on line 1, "14 Cotham Road" on line 2; houses start with the street.
    line1 = first.where(has_first, street_line)
    line2 = street_line.where(
        has_first & (number != ""), gaz["street"].where(has_first, gaz["locality"])
    )
    line3 = gaz["locality"].where(has_first, gaz["town"])
    line4 = gaz["town"].where(has_first, "")
    # A named block has no number: its street goes on line 2, so locality and town follow.
    return pd.DataFrame(
        {
            "line1": line1,
            "line2": line2,
            "line3": line3,
            "line4": line4,
            "postcode": gaz["postcode"],
        }
    )
