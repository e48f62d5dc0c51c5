"""Measure the generated city against every documented target (config.TARGETS).

Used by the tests and written to truth/calibration.csv, so each run states how close it came.
Point-in-time rates are averaged over several dates, and annual rates over the academic years
2013/14-2015/16, to keep a small city's sampling noise down.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.population import days
from orchestration.synth.truth import NEET_CODES, PROVEN, family_truth
from orchestration.synth.world import World

YEARS = [(days(dt.date(y, 9, 1)), days(dt.date(y + 1, 8, 31))) for y in (2013, 2014)] + [
    (days(dt.date(2015, 9, 1)), days(config.LATEST_EXTRACT))
]
POINTS = [days(dt.date(y, m, 15)) for y in (2014, 2015) for m in (1, 4, 7, 10)] + [
    days(dt.date(2016, 1, 15)),
    days(dt.date(2016, 4, 15)),
]


def _residents(world: World, day: int) -> pd.DataFrame:
    r = world.residents_on(day)[
        ["person_id", "household_id", "relationship_to_head", "from_day"]
    ].copy()
    r["age"] = (day - world.persons["dob_day"].to_numpy()[r["person_id"].to_numpy()]) / 365.25
    r["sex"] = world.persons["sex"].to_numpy()[r["person_id"].to_numpy()]
    return r


def measure_targets(world: World, events: dict[str, pd.DataFrame]) -> dict[str, float]:
    out: dict[str, float] = {}
    latest = days(config.LATEST_EXTRACT)
    res = _residents(world, latest)
    size = res.groupby("household_id").size()
    out["persons_per_household"] = float(size.mean())
    out["one_person_households"] = float((size == 1).mean())
    ft = family_truth(world, events, config.LATEST_EXTRACT)
    out["households_with_dependent_children"] = float(ft["is_family"].mean())
    adults = (
        res[res["age"] >= 19]
        .groupby("household_id")
        .size()
        .reindex(ft["household_id"])
        .fillna(0)
        .to_numpy()
    )
    out["lone_parent_households"] = float((ft["is_family"].to_numpy() & (adults == 1)).mean())
    out["children_per_family"] = float(ft.loc[ft["is_family"], "dependent_children"].mean())
    bands = [
        (0, 5, "age_0_4"),
        (5, 11, "age_5_10"),
        (11, 16, "age_11_15"),
        (16, 19, "age_16_18"),
        (19, 25, "age_19_24"),
        (25, 45, "age_25_44"),
        (45, 65, "age_45_64"),
        (65, 200, "age_65_plus"),
    ]
    for lo, hi, name in bands:
        out[name] = float(((res["age"] >= lo) & (res["age"] < hi)).mean())

    def per_year(count_fn, denom_fn) -> float:
        num = sum(count_fn(a, b) for a, b in YEARS)
        den = sum(denom_fn((a + b) // 2) * (b - a + 1) / 365.25 for a, b in YEARS)
        return num / max(den, 1e-9)

    def at_points(fn) -> float:
        return float(np.mean([fn(d) for d in POINTS]))

    def n_res(day, lo=0, hi=200, sex=None):
        r = _residents(world, day)
        m = (r["age"] >= lo) & (r["age"] < hi)
        if sex:
            m &= r["sex"] == sex
        return int(m.sum())

    def n_households(day):
        return int(world.residents_on(day)["household_id"].nunique())

    def in_year(frame, a, b, col="event_day"):
        return frame[(frame[col] >= a) & (frame[col] <= b)]

    def age_at(pid, day):
        return (np.asarray(day) - world.persons["dob_day"].to_numpy()[np.asarray(pid)]) / 365.25

    births = world.births
    out["births"] = 1000 * per_year(lambda a, b: len(in_year(births, a, b, "day")), n_res)
    mid = days(dt.date(2015, 7, 1))
    r = _residents(world, mid)
    born = world.persons["dob_day"].to_numpy()[r["person_id"].to_numpy()]
    moved = (r["from_day"] > mid - 365) & (born < mid - 365)
    out["movers"] = float(moved[born < mid - 365].mean())

    en = events["enrolment"]
    last = en[(en["academic_year"] == "2015/16") & en["academic_age"].between(5, 15)]
    t = last.groupby("person_id")[["possible", "authorised", "unauthorised"]].sum()
    out["persistent_absence"] = float(
        ((t["authorised"] + t["unauthorised"]) / t["possible"] >= 0.10).mean()
    )
    ex = events["council_education/exclusions"]
    shares_fixed, shares_perm, shares_ap = [], [], []
    ap = events["council_education/alternative_provision"]
    for ay in ("2013/14", "2014/15", "2015/16"):
        pupils = en.loc[en["academic_year"] == ay, "person_id"].unique()
        e = ex[ex["academic_year"] == ay]
        shares_fixed.append(
            np.isin(pupils, e.loc[e["exclusion_category"] == "FIXD", "person_id"]).mean()
        )
        shares_perm.append(
            np.isin(pupils, e.loc[e["exclusion_category"] == "PERM", "person_id"]).mean()
        )
        y0 = int(ay[:4])
        a_ = ap[
            (ap["event_day"] >= days(dt.date(y0, 9, 1)))
            & (ap["event_day"] <= days(dt.date(y0 + 1, 8, 31)))
        ]
        shares_ap.append(np.isin(pupils, a_["person_id"]).mean())
    out["fixed_term_exclusion"] = float(np.mean(shares_fixed))
    out["permanent_exclusion"] = float(np.mean(shares_perm))
    out["alternative_provision"] = float(np.mean(shares_ap))

    refs = events["council_social_care/referrals"]
    out["referrals"] = 10_000 * per_year(
        lambda a, b: len(in_year(refs, a, b)), lambda d: n_res(d, 0, 18)
    )
    eps = events["council_social_care/episodes"]

    def open_children(types):
        def fn(d):
            live = eps[
                (eps["event_day"] <= d) & (eps["end_day"] >= d) & eps["episode_type"].isin(types)
            ]
            return 10_000 * live["person_id"].nunique() / max(n_res(d, 0, 18), 1)

        return fn

    out["children_in_need"] = at_points(open_children(["CIN", "CP", "LAC"]))
    out["child_protection"] = at_points(open_children(["CP"]))
    out["looked_after"] = at_points(open_children(["LAC"]))
    out["early_help"] = at_points(open_children(["EH"]))
    mat = events["nhs/maternity"]
    teen = mat[age_at(mat["person_id"], mat["event_day"]) < 18]
    out["teenage_pregnancy"] = 1000 * per_year(
        lambda a, b: len(in_year(teen, a, b)), lambda d: n_res(d, 15, 18, "F")
    )
    miss = events["police/missing_episodes"]
    out["missing_children"] = 10_000 * per_year(
        lambda a, b: in_year(miss, a, b)["person_id"].nunique(), lambda d: n_res(d, 10, 18)
    )
    cse = events["police/exploitation_risk"]
    cse = cse[cse["exploitation_type"] == "CSE"]
    out["exploitation_risk"] = 10_000 * per_year(
        lambda a, b: len(in_year(cse, a, b)), lambda d: n_res(d, 10, 18)
    )
    hl = events["council_housing/homelessness"]
    acc = hl[hl["decision"] == "ACCEPTED"]
    out["homelessness_acceptances"] = 1000 * per_year(
        lambda a, b: len(in_year(acc, a, b)), n_households
    )

    cl = events["claims"]
    out["out_of_work_benefits"] = at_points(
        lambda d: (
            cl[(cl["event_day"] <= d) & (cl["end_day"] >= d) & (age_at(cl["person_id"], d) < 65)][
                "person_id"
            ].nunique()
            / max(n_res(d, 16, 65), 1)
        )
    )
    ns = events["neet_state"]
    ns = ns[ns["year"].isin([2013, 2014, 2015])]
    out["neet"] = float(ns["activity_code"].isin(NEET_CODES).mean())
    out["risk_of_neet"] = float((ns["risk_of_neet"] == "Y").mean())
    cap = events["cap"]
    out["benefit_cap"] = at_points(
        lambda d: (
            10_000
            * len(cap[(cap["event_day"] <= d) & (cap["end_day"] >= d)])
            / max(n_households(d), 1)
        )
    )

    off = events["police/offences"]
    proven = off[off["outcome_code"].isin(PROVEN)]
    out["proven_offenders"] = per_year(
        lambda a, b: in_year(proven, a, b)["person_id"].nunique(), lambda d: n_res(d, 10, 65)
    )
    asb = events["police/asb_incidents"]
    sus = asb[asb["role"] == "SUSPECT"]
    out["asb_suspects"] = per_year(
        lambda a, b: in_year(sus, a, b)["person_id"].nunique(), lambda d: n_res(d, 10)
    )
    rel = events["police/custody_releases"]
    out["prison_releases"] = 100_000 * per_year(lambda a, b: len(in_year(rel, a, b)), n_res)
    orders = events["police/orders"]

    def live_orders(types):
        def fn(d):
            o = orders[
                (orders["event_day"] <= d)
                & (orders["end_day"] >= d)
                & orders["order_type"].isin(types)
            ]
            return 100_000 * o["person_id"].nunique() / max(n_res(d), 1)

        return fn

    out["licence_supervision"] = at_points(live_orders(["LICENCE", "SUPERVISION"]))
    out["community_orders"] = at_points(
        live_orders(["COMMUNITY_ORDER", "YOUTH_REHAB_ORDER", "ABC", "RESTORATIVE_JUSTICE"])
    )
    da = events["police/domestic_abuse"]
    out["domestic_abuse_incidents"] = 1000 * per_year(
        lambda a, b: in_year(da, a, b)["group"].nunique(), n_res
    )

    mh = events["nhs/mental_health"]
    mh = mh[mh["team_type"] != "CAMHS"]
    out["mental_health_services"] = per_year(
        lambda a, b: mh[
            (mh["event_day"] <= b) & (mh["end_day"] >= a) & (age_at(mh["person_id"], b) >= 18)
        ]["person_id"].nunique(),
        lambda d: n_res(d, 18),
    )
    sm = events["nhs/substance_misuse"]
    tx = sm[sm["record_type"] == "TREATMENT"]
    out["substance_treatment"] = 1000 * per_year(
        lambda a, b: tx[(tx["event_day"] <= b) & (tx["end_day"] >= a)]["person_id"].nunique(),
        lambda d: n_res(d, 18),
    )
    inc = sm[sm["record_type"] == "INCIDENT"]
    out["substance_incidents"] = 1000 * per_year(
        lambda a, b: in_year(inc, a, b)["person_id"].nunique(), lambda d: n_res(d, 10)
    )
    ae = events["nhs/ae_attendances"]
    out["ae_attendances"] = 1000 * per_year(lambda a, b: len(in_year(ae, a, b)), n_res)
    return out


def calibration_table(world: World, events: dict[str, pd.DataFrame]) -> pd.DataFrame:
    observed = measure_targets(world, events)
    rows = []
    for name, t in config.TARGETS.items():
        obs = observed.get(name)
        rows.append(
            {
                "target": name,
                "value": t.value,
                "observed": obs,
                "tolerance": t.tolerance,
                "within_tolerance": obs is not None and abs(obs - t.value) <= t.tolerance,
                "unit": t.unit,
                "population": t.population,
                "source": t.source,
                "status": t.status,
            }
        )
    return pd.DataFrame(rows)
