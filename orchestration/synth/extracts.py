"""Extract calendars and the source records behind every dataset, before errors and formatting.

A record frame has one row per source record: `record_key` (the primary key values joined with
'|'), `person_id`, `event_day` (the day the record speaks of), `uprn` (true address that day),
`extract_day` (first extract carrying it) and the canonical fields a layout renders. Delta
records that change later (an episode closes, an outcome arrives) are re-sent in the extract
covering the change; `emit()` produces those rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.layouts import BY_KEY, LAYOUTS
from orchestration.synth.population import days
from orchestration.synth.world import OPEN, World

AGENCY_REF = {  # prefix, digits: how each agency writes its own person reference
    "police": ("", 8),
    "council_social_care": ("", 7),
    "council_housing": ("H", 6),
    "council_education/neet": ("C", 7),
    "council_revenues": ("HB", 7),
    "nhs/child_health": ("CH", 7),
    "nhs/mental_health": ("RVN", 7),
    "nhs/substance_misuse": ("SM", 6),
    "nhs/maternity": ("RVJ", 7),
    "nhs/ae_attendances": ("RA7", 7),
}
RECORD_REF = {
    "council_education/exclusions": ("EX", 7),
    "council_education/alternative_provision": ("AP", 6),
    "council_social_care/referrals": ("R", 7),
    "council_social_care/episodes": ("E", 7),
    "council_housing/homelessness": ("HL", 6),
    "council_housing/asb_cases": ("ASB", 6),
    "police/offences": ("54", 9),
    "police/asb_incidents": ("INC", 8),
    "police/arrests": ("AR", 8),
    "police/custody_releases": ("REL", 6),
    "police/orders": ("ORD", 7),
    "police/missing_episodes": ("MISS", 6),
    "police/exploitation_risk": ("EXP", 6),
    "police/domestic_abuse": ("DA", 8),
    "nhs/mental_health": ("SR", 8),
    "nhs/substance_misuse": ("EP", 7),
    "nhs/maternity": ("PR", 7),
    "nhs/ae_attendances": ("ATT", 9),
}
GP_PRACTICES = [f"L81{n:03d}" for n in range(1, 90)]


def extract_days(schedule: str) -> list[int]:
    """Extract dates for a schedule: term ends, or month/quarter ends up to the latest extract."""
    if schedule == "termly":
        return [days(end) for _, _, _, end in config.TERMS]
    out = []
    y, m = config.FIRST_EXTRACT_FROM.year, config.FIRST_EXTRACT_FROM.month
    while True:
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if end > config.LATEST_EXTRACT:
            break
        if schedule == "monthly" or (schedule == "quarterly" and m in (3, 6, 9, 12)):
            out.append(days(end))
        y, m = nxt.year, nxt.month
    return out


def person_refs(key: str, person_id: np.ndarray, seed: int) -> np.ndarray:
    """The agency's own reference for each person: stable, opaque, unique within the agency."""
    agency = key.split("/")[0]
    prefix, digits = AGENCY_REF.get(key) or AGENCY_REF[agency]
    space = 10 ** (digits - 1)
    rng = np.random.default_rng([seed, sum(map(ord, key if key in AGENCY_REF else agency))])
    # A random affine map gives unique numbers without materialising a permutation.
    a = int(rng.integers(1, space)) | 1
    while np.gcd(a, 9 * space) != 1:
        a += 2
    c = int(rng.integers(0, 9 * space))
    nums = (np.asarray(person_id, dtype=np.int64) * a + c) % (9 * space) + space
    return np.array([f"{prefix}{x}" for x in nums.tolist()], dtype=object)


def record_refs(key: str, n: int, rng: np.random.Generator) -> np.ndarray:
    prefix, digits = RECORD_REF[key]
    space = 10 ** (digits - 1)
    nums = rng.choice(9 * space, size=n, replace=False) + space
    return np.array([f"{prefix}{x}" for x in nums.tolist()], dtype=object)


def assign_first_extract(event_day: np.ndarray, schedule: str) -> np.ndarray:
    ex = np.array(extract_days(schedule))
    idx = np.searchsorted(ex, np.asarray(event_day), side="left")
    return np.where(idx < len(ex), ex[np.minimum(idx, len(ex) - 1)], -1)


def emit(records: pd.DataFrame, schedule: str) -> pd.DataFrame:
    """Rows as sent: once when first recorded, again in the extract covering `end_day` if later."""
    if (records["extract_day"] >= 0).all():
        return records.sort_values(
            ["extract_day", "event_day", "person_id"], kind="stable"
        ).reset_index(drop=True)
    first = records.copy()
    first["extract_day"] = assign_first_extract(
        np.maximum(first["event_day"].to_numpy(), days(config.FIRST_EXTRACT_FROM) - 1), schedule
    )
    first = first[first["extract_day"] >= 0]
    if "end_day" not in first.columns:
        return first.reset_index(drop=True)
    end = first["end_day"].to_numpy()
    later = first[
        (end > first["extract_day"].to_numpy()) & (end <= days(config.LATEST_EXTRACT))
    ].copy()
    later["extract_day"] = assign_first_extract(later["end_day"].to_numpy(), schedule)
    later = later[later["extract_day"] >= 0]
    out = pd.concat([first, later], ignore_index=True)
    return out.sort_values(["extract_day", "event_day", "person_id"], kind="stable").reset_index(
        drop=True
    )


def build_records(
    world: World, events: dict[str, pd.DataFrame], seed: int
) -> dict[str, pd.DataFrame]:
    """Source records per dataset (truth-level values; errors are planted later)."""
    rng = np.random.default_rng([seed, 20])
    out: dict[str, pd.DataFrame] = {}
    latest = days(config.LATEST_EXTRACT)
    start = days(config.SIM_START)
    for layout in LAYOUTS:
        key = layout.key
        if layout.kind == "delta" and key in events:
            ev = events[key]
            ev = ev[
                (ev["event_day"] <= latest)
                & (
                    (ev["event_day"] >= start)
                    | (ev.get("end_day", pd.Series(OPEN, index=ev.index)) >= start)
                )
            ]
            rec = ev.copy().reset_index(drop=True)
            if "group" in rec.columns:
                groups = np.unique(rec["group"].to_numpy())
                refs = record_refs(key, len(groups), rng)
                rec["record_ref"] = refs[np.searchsorted(groups, rec["group"].to_numpy())]
            else:
                rec["record_ref"] = record_refs(key, len(rec), rng)
            out[key] = rec
    out["council_education/attendance"] = _attendance(events["enrolment"])
    out["council_education/school_census"] = _census(events["enrolment"])
    out["council_education/neet"] = _neet(world, events["neet_state"])
    out["nhs/child_health"] = _child_health(world, rng)
    out["council_housing/tenancies"] = _tenancies(world)
    out["dwp/out_of_work_benefits"] = _dwp(world, events["claims"])
    out["council_revenues/benefit_cap"] = _benefit_cap(events["cap"])
    for key, rec in out.items():
        if "person_ref" not in rec.columns and any(
            c.field == "person_ref" for c in BY_KEY[key].columns
        ):
            rec["person_ref"] = person_refs(key, rec["person_id"].to_numpy(), seed)
        if "extract_day" not in rec.columns:
            rec["extract_day"] = -1  # deltas: set by emit()
    # Locate every record's true UPRN on its event day.
    for key, rec in out.items():
        loc = world.locate(rec["person_id"].to_numpy(), rec["event_day"].to_numpy())
        rec["uprn"] = loc["uprn"].to_numpy()
        rec["household_id"] = loc["household_id"].to_numpy()
        out[key] = rec[rec["uprn"] >= 0].reset_index(drop=True)
    return out


def _attendance(en: pd.DataFrame) -> pd.DataFrame:
    rec = en[
        [
            "person_id",
            "laestab",
            "academic_year",
            "term",
            "term_end",
            "census_day",
            "possible",
            "authorised",
            "unauthorised",
        ]
    ].copy()
    rec = rec.rename(
        columns={
            "possible": "sessions_possible",
            "authorised": "authorised_absence",
            "unauthorised": "unauthorised_absence",
        }
    )
    rec["event_day"] = rec["census_day"]
    rec["end_day_term"] = rec["term_end"]
    rec["extract_day"] = rec["term_end"]
    return rec.reset_index(drop=True)


def _census(en: pd.DataFrame) -> pd.DataFrame:
    rec = en[
        [
            "person_id",
            "laestab",
            "academic_year",
            "term",
            "term_end",
            "census_day",
            "nc_year",
            "entry_date",
        ]
    ].copy()
    rec["census_term"] = rec["academic_year"] + " " + rec["term"]
    rec["event_day"] = rec["census_day"]
    rec["extract_day"] = rec["term_end"]
    return rec.reset_index(drop=True)


def _period(day: np.ndarray, style: str) -> np.ndarray:
    d = pd.to_datetime(np.asarray(day).astype("datetime64[D]"))
    if style == "month":
        return d.strftime("%Y-%m").to_numpy(dtype=object)
    if style == "yyyymm":
        return d.strftime("%Y%m").to_numpy(dtype=object)
    q = ((d.month - 1) // 3 + 1).astype(str)
    if style == "quarter_dash":
        return (d.year.astype(str) + "-Q" + q).to_numpy(dtype=object)
    return (d.year.astype(str) + "Q" + q).to_numpy(dtype=object)


def _snapshot_people(world: World, day: int, max_age: float | None = None) -> pd.DataFrame:
    r = world.residents_on(day)[
        ["person_id", "household_id", "uprn", "relationship_to_head", "from_day"]
    ].copy()
    r["age"] = (day - world.persons["dob_day"].to_numpy()[r["person_id"].to_numpy()]) / 365.25
    if max_age is not None:
        r = r[r["age"] < max_age]
    r["event_day"] = day
    r["extract_day"] = day
    return r


def _neet(world: World, state: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for day in extract_days("monthly"):
        d = dt.date(1970, 1, 1) + dt.timedelta(days=day)
        year = d.year if d.month >= 9 else d.year - 1
        s = state[state["year"] == year]
        r = _snapshot_people(world, day)
        r = r.merge(s, on="person_id", how="inner")
        frames.append(r)
    rec = pd.concat(frames, ignore_index=True)
    rec["period"] = _period(rec["extract_day"].to_numpy(), "month")
    rng = np.random.default_rng(len(rec))
    rec["activity_code"] = np.where(rng.random(len(rec)) < 0.03, "810", rec["activity_code"])
    rec["activity_start"] = np.minimum(rec["activity_start"], rec["extract_day"])
    return rec


def _child_health(world: World, rng: np.random.Generator) -> pd.DataFrame:
    ward_of = world.gazetteer.set_index("uprn")["ward_code"]
    wards = sorted(ward_of.unique().tolist())
    frames = [_snapshot_people(world, day, 19.0) for day in extract_days("quarterly")]
    rec = pd.concat(frames, ignore_index=True)
    ward_i = np.searchsorted(wards, ward_of.reindex(rec["uprn"].to_numpy()).to_numpy())
    rec["gp_practice"] = np.array(GP_PRACTICES, dtype=object)[
        (ward_i * 3 + rec["household_id"].to_numpy() % 3) % len(GP_PRACTICES)
    ]
    dob = world.persons["dob_day"].to_numpy()[rec["person_id"].to_numpy()]
    reg = np.maximum(rec["from_day"].to_numpy(), dob) + (rec["person_id"].to_numpy() % 40)
    rec["gp_registration_date"] = np.minimum(reg, rec["extract_day"].to_numpy())
    rec["period"] = _period(rec["extract_day"].to_numpy(), "quarter_dash")
    return rec


def _tenancies(world: World) -> pd.DataFrame:
    social = world.households.set_index("household_id")
    frames = []
    for day in extract_days("quarterly"):
        r = _snapshot_people(world, day)
        r = r[social["social_tenant"].reindex(r["household_id"].to_numpy()).to_numpy()]
        frames.append(r)
    rec = pd.concat(frames, ignore_index=True)
    rec["tenancy_ref"] = "T" + (rec["household_id"] * 7 + 100003).astype(str)
    rec["tenant_type"] = np.select(
        [rec["relationship_to_head"] == "head", rec["relationship_to_head"] == "partner"],
        ["LEAD", "JOINT"],
        "MEMBER",
    )
    rec["tenancy_start"] = social["formed_day"].reindex(rec["household_id"].to_numpy()).to_numpy()
    rec["period"] = _period(rec["extract_day"].to_numpy(), "quarter")
    return rec


def _dwp(world: World, claims: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for day in extract_days("quarterly"):
        q0 = day - 91
        live = claims[(claims["event_day"] <= day) & (claims["end_day"] > q0)].copy()
        live["extract_day"] = day
        live["snapshot_day"] = np.minimum(live["end_day"], day)
        frames.append(live)
    rec = pd.concat(frames, ignore_index=True)
    rec["period"] = _period(rec["extract_day"].to_numpy(), "yyyymm")
    rec["claim_end"] = rec["end_day"]
    rec["end_day"] = np.where(rec["end_day"] <= rec["extract_day"], rec["end_day"], OPEN)
    rec["claim_start"] = rec["event_day"]
    rec["event_day"] = rec["snapshot_day"]
    rec["ni_number"] = world.persons["ni_number"].to_numpy()[rec["person_id"].to_numpy()]
    return rec[rec["ni_number"].notna()].reset_index(drop=True)


def _benefit_cap(cap: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for day in extract_days("monthly"):
        live = cap[(cap["event_day"] <= day) & (cap["end_day"] >= day)].copy()
        live["extract_day"] = day
        frames.append(live)
    rec = pd.concat(frames, ignore_index=True) if frames else cap.iloc[:0]
    rec["cap_start"] = rec["event_day"]
    rec["event_day"] = rec["extract_day"]
    rec["period"] = _period(rec["extract_day"].to_numpy(), "month")
    return rec.reset_index(drop=True)
