"""The simulated city as frames: persons with identifiers, stays, households, schools, and
look-ups (who lived where on a day) that every extract builder uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.gazetteer import address_lines, build_gazetteer
from orchestration.synth.identifiers import generate_nhs_numbers, generate_ni_numbers, make_upn
from orchestration.synth.life import simulate_life
from orchestration.synth.lodgers import take_lodgers
from orchestration.synth.population import CityState, build_population, days

OPEN = 10**7  # "still there": a day far beyond the simulation
LA_CODE = "801"  # Bristol's DfE local authority number
SIM_END = dt.date(2017, 1, 31)  # births booked before the last extract need their deliveries


@dataclass
class World:
    gazetteer: pd.DataFrame
    addresses: pd.DataFrame  # indexed by uprn: line1..line4, postcode, single
    persons: pd.DataFrame  # indexed by person_id
    stays: pd.DataFrame
    households: pd.DataFrame
    name_changes: pd.DataFrame
    births: pd.DataFrame
    separations: pd.DataFrame
    schools: pd.DataFrame

    def residents_on(self, day: int) -> pd.DataFrame:
        """Stays covering `day` (one per person)."""
        s = self.stays
        return s[(s["from_day"].to_numpy() <= day) & (s["to_day"].to_numpy() >= day)]

    def members_on(self, pairs: pd.DataFrame, day_col: str = "day") -> pd.DataFrame:
        """Members of each (household_id, day) pair that day, with their age and relationship."""
        s = self.stays[["household_id", "person_id", "from_day", "to_day", "relationship_to_head"]]
        m = pairs.merge(s, on="household_id", how="inner")
        d = m[day_col].to_numpy()
        m = m[(m["from_day"].to_numpy() <= d) & (m["to_day"].to_numpy() >= d)].copy()
        m["age"] = (
            m[day_col].to_numpy() - self.persons["dob_day"].to_numpy()[m["person_id"].to_numpy()]
        ) / 365.25
        return m.drop(columns=["from_day", "to_day"]).reset_index(drop=True)

    def locate(self, person_id: np.ndarray, day: np.ndarray) -> pd.DataFrame:
        """For each (person, day): stay index, household and UPRN (-1 when not in the city)."""
        s = self.stays
        order = np.lexsort((s["from_day"].to_numpy(), s["person_id"].to_numpy()))
        sp = s["person_id"].to_numpy()[order]
        sf = s["from_day"].to_numpy()[order]
        st = s["to_day"].to_numpy()[order]
        key = sp.astype(np.int64) * (OPEN * 2) + sf
        q = np.asarray(person_id, dtype=np.int64) * (OPEN * 2) + np.asarray(day, dtype=np.int64)
        pos = np.searchsorted(key, q, side="right") - 1
        pos_c = np.clip(pos, 0, len(key) - 1)
        ok = (pos >= 0) & (sp[pos_c] == np.asarray(person_id)) & (st[pos_c] >= np.asarray(day))
        idx = np.where(ok, order[pos_c], -1)
        hh = np.where(ok, s["household_id"].to_numpy()[np.maximum(idx, 0)], -1)
        uprn = np.where(ok, s["uprn"].to_numpy()[np.maximum(idx, 0)], -1)
        return pd.DataFrame({"stay": idx, "household_id": hh, "uprn": uprn})

    def surname_on(self, person_id: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Surname in use on a day (after any change on or before it)."""
        person_id = np.asarray(person_id, dtype=np.int64)
        out = self.persons["birth_surname"].to_numpy()[person_id].copy()
        nc = self.name_changes.sort_values(["person_id", "day"], kind="stable")
        if not len(nc):
            return out
        key = nc["person_id"].to_numpy() * (OPEN * 2) + nc["day"].to_numpy()
        pos = (
            np.searchsorted(
                key, person_id * (OPEN * 2) + np.asarray(day, dtype=np.int64), side="right"
            )
            - 1
        )
        pos_c = np.clip(pos, 0, len(key) - 1)
        hit = (pos >= 0) & (nc["person_id"].to_numpy()[pos_c] == person_id)
        out[hit] = nc["surname"].to_numpy()[pos_c[hit]]
        return out


def build_world(households: int, seed: int) -> World:
    rng = np.random.default_rng([seed, 1])
    gaz = build_gazetteer(rng, int(households * 1.12) + 20)
    dwell = gaz[gaz["is_dwelling"]]
    state = build_population(
        rng,
        dwell["uprn"].to_numpy(),
        dwell["classification"].to_numpy(),
        households,
        config.SIM_START,
    )
    simulate_life(state, np.random.default_rng([seed, 2]), config.SIM_START, SIM_END)
    # A stream of its own, so the rest of the city is the one the seed always gave.
    take_lodgers(
        state,
        np.random.default_rng([seed, 4]),
        dwell.loc[dwell["classification"] == "RH02", "uprn"].to_numpy(),
    )

    n = len(state.sex)
    dob_days = np.array(state.dob, dtype=np.int64)
    dob = (np.datetime64("1970-01-01") + dob_days.astype("timedelta64[D]")).astype("datetime64[D]")
    changes = pd.DataFrame(state.name_changes, columns=["person_id", "day", "surname"])
    id_rng = np.random.default_rng([seed, 3])
    nhs = generate_nhs_numbers(id_rng, n)
    latest = days(config.LATEST_EXTRACT)
    has_ni = dob_days <= latest - int(16 * 365.25)
    ni = np.full(n, None, dtype=object)
    ni[has_ni] = generate_ni_numbers(id_rng, int(has_ni.sum()))
    persons = pd.DataFrame(
        {
            "person_id": np.arange(n, dtype=np.int64),
            "sex": np.array(state.sex, dtype=object),
            "dob": dob,
            "dob_day": dob_days,
            "first_name": np.array(state.first, dtype=object),
            "middle_names": np.array(state.middle, dtype=object),
            "birth_surname": np.array(state.surname_at_start, dtype=object),
            "surname": np.array(state.surname, dtype=object),
            "name_origin": np.array(state.origin, dtype=object),
            "nhs_number": nhs,
            "ni_number": ni,
            "vulnerability": np.array(state.vuln, dtype=float),
            "mother_id": np.array(state.mother, dtype=np.int64),
            "father_id": np.array(state.father, dtype=np.int64),
            "died_day": np.array(
                [d if d is not None else OPEN for d in state.alive_to], dtype=np.int64
            ),
        }
    )
    stays = stays_frame(state)
    hh = pd.DataFrame(
        {
            "household_id": np.arange(len(state.hh_uprn), dtype=np.int64),
            "uprn": np.array(state.hh_uprn, dtype=np.int64),
            "formed_day": np.array(state.hh_formed, dtype=np.int64),
            "dissolved_day": np.array(
                [d if d is not None else OPEN for d in state.hh_dissolved], dtype=np.int64
            ),
            "composition": np.array(state.hh_composition, dtype=object),
            "social_tenant": np.array(state.hh_social_tenant, dtype=bool),
            "previous_household_id": np.array(state.hh_previous, dtype=np.int64),
        }
    )
    births = pd.DataFrame(state.births, columns=["person_id", "mother_id", "father_id", "day"])
    seps = pd.DataFrame(state.separations, columns=["woman_id", "man_id", "day"])
    addr = address_lines(gaz)
    addr.index = gaz["uprn"].to_numpy()
    addr["single"] = _join_lines(addr)
    world = World(gaz, addr, persons, stays, hh, changes, births, seps, pd.DataFrame())
    world.schools = _assign_schools_and_upns(world, np.random.default_rng([seed, 4]))
    return world


def stays_frame(state: CityState) -> pd.DataFrame:
    """The simulated stays as a frame, open ones ending OPEN; stays of no day are left out."""
    stays = pd.DataFrame(
        {
            "person_id": np.array(state.stay_person, dtype=np.int64),
            "household_id": np.array(state.stay_household, dtype=np.int64),
            "uprn": np.array(state.stay_uprn, dtype=np.int64),
            "from_day": np.array(state.stay_from, dtype=np.int64),
            "to_day": np.array(
                [t if t is not None else OPEN for t in state.stay_to], dtype=np.int64
            ),
            "relationship_to_head": np.array(state.stay_rel, dtype=object),
        }
    )
    return stays[stays["to_day"] >= stays["from_day"]].reset_index(drop=True)


def _join_lines(addr: pd.DataFrame) -> pd.Series:
    parts = addr[["line1", "line2", "line3", "line4"]].astype(str)
    joined = parts["line1"]
    for col in ("line2", "line3", "line4"):
        joined = joined + np.where(parts[col] != "", ", " + parts[col], "")
    return pd.Series(joined, index=addr.index)


def _assign_schools_and_upns(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """Schools per ward (primary) and per group of wards (secondary); a UPN for every pupil."""
    gaz = world.gazetteer
    wards = sorted(gaz["ward_code"].unique().tolist())
    n_children = int((world.persons["dob_day"] > days(dt.date(1995, 9, 1))).sum())
    rows = []
    per_ward = max(1, round(n_children * 0.55 / 300 / max(len(wards), 1)))
    estab = iter(rng.permutation(np.arange(2000, 3999)).tolist())
    for w in wards:
        for _ in range(per_ward):
            rows.append((f"{LA_CODE}{next(estab)}", "primary", w))
    n_secondary = max(2, round(n_children * 0.35 / 1000))
    estab_s = iter(rng.permutation(np.arange(4000, 4999)).tolist())
    for i in range(n_secondary):
        rows.append((f"{LA_CODE}{next(estab_s)}", "secondary", wards[i % len(wards)]))
    rows.append((f"{LA_CODE}1100", "pru", wards[0]))
    schools = pd.DataFrame(rows, columns=["laestab", "phase", "ward_code"])

    # UPNs: pupils of reception age by 2015/16 (born 1995-09-01 .. 2011-08-31).
    p = world.persons
    pupil = (p["dob_day"] >= days(dt.date(1995, 9, 1))) & (
        p["dob_day"] <= days(dt.date(2011, 8, 31))
    )
    ids = p.index[pupil].to_numpy()
    prim = schools[schools["phase"] == "primary"]["laestab"].to_numpy()
    first_school = prim[rng.integers(0, len(prim), size=ids.size)]
    entry_year = (p.loc[ids, "dob"].dt.year + 5).to_numpy()
    frame = pd.DataFrame({"pid": ids, "estab": first_school, "year": entry_year})
    frame["serial"] = frame.groupby(["estab", "year"]).cumcount() + 1 + rng.integers(0, 50)
    upn = np.full(len(p), None, dtype=object)
    upn[ids] = [
        make_upn(LA_CODE, e[3:], f"{y % 100:02d}", int(s))
        for e, y, s in zip(frame["estab"], frame["year"], frame["serial"], strict=True)
    ]
    world.persons["upn"] = upn
    return schools
