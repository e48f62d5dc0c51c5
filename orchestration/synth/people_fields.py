"""Fill each source record with what the agency holds about the person on the record's day:
names in use then, date of birth, sex, identifiers where the agency holds them, true address."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.synth.config import IDENTIFIER_COVERAGE
from orchestration.synth.layouts import BY_KEY
from orchestration.synth.world import World

PNC_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def pnc_ids(person_id: np.ndarray, dob_day: np.ndarray) -> np.ndarray:
    """PNC-style ids (YY/NNNNNNL): year first recorded, serial, check letter."""
    if len(person_id) == 0:
        return np.array([], dtype=object)
    year = (1970 + (dob_day // 365.25 + 17)).astype(int) % 100
    serial = (person_id * 7919 + 13) % 1_000_000
    letter = np.array(list(PNC_LETTERS), dtype=object)[(year * 1_000_000 + serial) % 23]
    return np.char.add(
        np.char.add(
            np.char.add(np.char.zfill(year.astype(str), 2), "/"),
            np.char.zfill(serial.astype(str), 6),
        ),
        letter.astype(str),
    ).astype(object)


def attach_person_fields(
    rec: pd.DataFrame, world: World, key: str, rng: np.random.Generator
) -> pd.DataFrame:
    layout = BY_KEY[key]
    fields = {c.field for c in layout.columns}
    p = world.persons
    pid = rec["person_id"].to_numpy()
    day = rec["event_day"].to_numpy()
    rec = rec.copy()
    rec["first_name"] = p["first_name"].to_numpy()[pid]
    rec["middle_names"] = p["middle_names"].to_numpy()[pid]
    rec["surname"] = world.surname_on(pid, day)
    rec["dob_day"] = p["dob_day"].to_numpy()[pid]
    rec["sex"] = p["sex"].to_numpy()[pid]
    rec["address_uprn"] = rec["uprn"].to_numpy()
    coverage = IDENTIFIER_COVERAGE.get(key, {})
    n = len(rec)
    if "nhs_number" in fields:
        held = rng.random(n) < coverage.get("nhs_number", 1.0)
        rec["nhs_number"] = np.where(held, p["nhs_number"].to_numpy()[pid], None)
    if "upn" in fields:
        held = rng.random(n) < coverage.get("upn", 1.0)
        rec["upn"] = np.where(held, p["upn"].to_numpy()[pid], None)
    if "ni_number" in fields and "ni_number" not in rec.columns:
        adult = (day - rec["dob_day"].to_numpy()) >= 16 * 365.25
        held = adult & (rng.random(n) < coverage.get("ni_number", 1.0))
        rec["ni_number"] = np.where(held, p["ni_number"].to_numpy()[pid], None)
    if "pnc_id" in fields:
        held = rng.random(n) < coverage.get("pnc_id", 1.0)
        rec["pnc_id"] = np.where(held, pnc_ids(pid, rec["dob_day"].to_numpy()), None)
    return rec
