"""FF2015 family truth computed from the city's true events (never from the extracts).

For a household at an as-at date: is it a family, which of the six criteria does it meet,
with which indicator codes, and is it eligible (a family meeting two or more). Definitions
are in orchestration/synth/README.md ("Family truth"); windows are parameters here.
The programme's absent-parent rule applies: a parent of a dependent child who lives in the
city in another household counts for one problem only (the lowest criterion the members do
not meet), as programme-rules.md states it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.population import days
from orchestration.synth.world import World

WINDOW_DAYS = 365  # crime, ASB, domestic abuse, social care, health: the last 12 months
DEPENDENT_ACTIVITIES = {"110", "120", "130", "200", "540", "550", "610", "620"}
NEET_CODES = {"540", "550", "610", "620"}
PROVEN = {"1", "2", "3", "4", "6", "7", "8"}
CHILD_RELATIONSHIPS = {"child", "stepchild", "grandchild"}
CRITERIA = {
    "crit_1": ["1A", "1B", "1C", "1D", "1E"],
    "crit_2": ["2A", "2B", "2C", "2D"],
    "crit_3": ["3A", "3B", "3C", "3D", "3E", "3F", "3G", "3H"],
    "crit_4": ["4A", "4B", "4C", "4E"],
    "crit_5": ["5A", "5B", "5C"],
    "crit_6": ["6A", "6B", "6C"],
}


def _in_window(day: pd.Series, as_at: int) -> pd.Series:
    return (day <= as_at) & (day > as_at - WINDOW_DAYS)


def _overlaps(start: pd.Series, end: pd.Series, as_at: int, lo: int | None = None) -> pd.Series:
    lo = as_at - WINDOW_DAYS if lo is None else lo
    return (start <= as_at) & (end >= lo)


def person_indicators(world: World, events: dict[str, pd.DataFrame], as_at: int) -> pd.DataFrame:
    """(person_id, code) for every indicator a person meets at the as-at date."""
    dob = world.persons["dob_day"].to_numpy()

    def age_at(pid: pd.Series, day) -> np.ndarray:
        return (np.asarray(day) - dob[pid.to_numpy()]) / 365.25

    hits: list[pd.DataFrame] = []

    def add(frame: pd.DataFrame, code: str) -> None:
        hits.append(pd.DataFrame({"person_id": frame["person_id"].to_numpy(), "code": code}))

    off = events["police/offences"]
    add(off[off["proven"] & _in_window(off["event_day"], as_at) & (off["end_day"] <= as_at)], "1A")
    asb = events["police/asb_incidents"]
    add(asb[(asb["role"] == "SUSPECT") & _in_window(asb["event_day"], as_at)], "1B")
    cas = events["council_housing/asb_cases"]
    add(cas[(cas["role"] == "PERPETRATOR") & _in_window(cas["event_day"], as_at)], "1B")
    rel = events["police/custody_releases"]
    add(
        rel[
            _in_window(rel["event_day"], as_at) & (age_at(rel["person_id"], rel["event_day"]) >= 18)
        ],
        "1C",
    )
    orders = events["police/orders"]
    live = orders[_overlaps(orders["event_day"], orders["end_day"], as_at)]
    add(
        live[
            live["order_type"].isin(["LICENCE", "SUPERVISION"])
            & (age_at(live["person_id"], as_at) >= 18)
        ],
        "1D",
    )
    add(
        live[
            live["order_type"].isin(
                ["COMMUNITY_ORDER", "YOUTH_REHAB_ORDER", "ABC", "RESTORATIVE_JUSTICE"]
            )
        ],
        "1E",
    )

    # School: the last three completed terms before the as-at date.
    done = [t for t in config.TERMS if days(t[3]) <= as_at][-3:]
    if done:
        en = events["enrolment"]
        keys = {(ay, term) for ay, term, _, _ in done}
        mask = np.array(
            [(a, t) in keys for a, t in zip(en["academic_year"], en["term"], strict=True)],
            dtype=bool,
        )
        att = en[mask]
        totals = att.groupby("person_id")[["possible", "authorised", "unauthorised"]].sum()
        missed = totals["authorised"] + totals["unauthorised"]
        pa = totals[missed / totals["possible"] >= 0.10]
        hits.append(pd.DataFrame({"person_id": pa.index.to_numpy(), "code": "2A"}))
        lo = days(done[0][2])
        ex = events["council_education/exclusions"]
        ex = ex[(ex["event_day"] >= lo) & (ex["event_day"] <= as_at)]
        fixed = ex[ex["exclusion_category"] == "FIXD"].groupby("person_id").size()
        hits.append(pd.DataFrame({"person_id": fixed[fixed >= 3].index.to_numpy(), "code": "2B"}))
        add(ex[ex["exclusion_category"] == "PERM"], "2C")
        ap = events["council_education/alternative_provision"]
        add(ap[_overlaps(ap["event_day"], ap["end_day"], as_at, lo)], "2D")

    eps = events["council_social_care/episodes"]
    live = eps[_overlaps(eps["event_day"], eps["end_day"], as_at)]
    for kind, code in (("EH", "3A"), ("LAC", "3B"), ("CIN", "3C"), ("CP", "3D")):
        add(live[live["episode_type"] == kind], code)
    mat = events["nhs/maternity"]
    add(
        mat[
            _in_window(mat["event_day"], as_at) & (age_at(mat["person_id"], mat["event_day"]) < 18)
        ],
        "3E",
    )
    miss = events["police/missing_episodes"]
    add(
        miss[
            _in_window(miss["event_day"], as_at)
            & (age_at(miss["person_id"], miss["event_day"]) < 18)
        ],
        "3F",
    )
    hl = events["council_housing/homelessness"]
    add(
        hl[
            _in_window(hl["event_day"], as_at)
            & (hl["end_day"] <= as_at)
            & hl["decision"].isin(["ACCEPTED", "INTENTIONAL", "NOT_PRIORITY"])
        ],
        "3G",
    )
    ex = events["police/exploitation_risk"]
    add(
        ex[
            _in_window(ex["event_day"], as_at)
            & (ex["exploitation_type"] == "CSE")
            & ex["risk_level"].isin(["MEDIUM", "HIGH"])
        ],
        "3H",
    )

    cl = events["claims"]
    add(cl[(cl["event_day"] <= as_at) & (cl["end_day"] >= as_at)], "4A")
    ns = events["neet_state"]
    year = _academic_year(as_at)
    ns = ns[ns["year"] == year]
    add(ns[ns["risk_of_neet"] == "Y"], "4B")
    add(ns[ns["activity_code"].isin(NEET_CODES)], "4C")
    cap = events["cap"]
    add(cap[(cap["event_day"] <= as_at) & (cap["end_day"] >= as_at)], "4E")

    da = events["police/domestic_abuse"]
    da = da[_in_window(da["event_day"], as_at)]
    add(da[da["role"] == "VICTIM"], "5A")
    add(da[da["role"] == "PERPETRATOR"], "5B")
    add(da, "5C")

    mh = events["nhs/mental_health"]
    live = mh[_overlaps(mh["event_day"], mh["end_day"], as_at)]
    add(live[(live["team_type"] != "CAMHS") & (age_at(live["person_id"], as_at) >= 18)], "6A")
    sm = events["nhs/substance_misuse"]
    add(sm[(sm["record_type"] == "INCIDENT") & _in_window(sm["event_day"], as_at)], "6B")
    tx = sm[(sm["record_type"] == "TREATMENT") & _overlaps(sm["event_day"], sm["end_day"], as_at)]
    add(tx[age_at(tx["person_id"], as_at) >= 18], "6C")
    return pd.concat(hits, ignore_index=True).drop_duplicates()


def _academic_year(day: int) -> int:
    d = np.datetime64(int(day), "D").astype(object)
    return d.year if d.month >= 9 else d.year - 1


def absent_parent_problems(
    world: World, residents: pd.DataFrame, indicators: pd.DataFrame
) -> pd.Series:
    """For each family household with an absent parent who has problems: the one criterion
    that parent supplies (the lowest one the household's own members do not meet).

    An absent parent is the mother or father of a dependent child living in the city in
    another household on the as-at date; one who has left the city is not known to any
    agency here and is not counted.
    """
    crit_of = {code: crit for crit, codes in CRITERIA.items() for code in codes}
    children = residents[residents["is_dependent"]][["person_id", "household_id"]]
    parents = world.persons[["mother_id", "father_id"]].to_numpy()[children["person_id"].to_numpy()]
    pairs = pd.DataFrame(
        {
            "household_id": np.repeat(children["household_id"].to_numpy(), 2),
            "parent_id": parents.reshape(-1),
        }
    )
    pairs = pairs[pairs["parent_id"] >= 0].drop_duplicates()
    home = residents.set_index("person_id")["household_id"]
    pairs["parent_household"] = home.reindex(pairs["parent_id"].to_numpy()).to_numpy()
    pairs = pairs[
        pairs["parent_household"].notna() & (pairs["parent_household"] != pairs["household_id"])
    ]
    parent_crit = indicators.assign(criterion=indicators["code"].map(crit_of))
    absent_crit = pairs.merge(parent_crit, left_on="parent_id", right_on="person_id")
    member_crit = residents[["person_id", "household_id"]].merge(parent_crit, on="person_id")
    met = set(zip(member_crit["household_id"], member_crit["criterion"], strict=True))
    keep = np.array(
        [
            (h, c) not in met
            for h, c in zip(absent_crit["household_id"], absent_crit["criterion"], strict=True)
        ],
        dtype=bool,
    )
    return absent_crit[keep].groupby("household_id")["criterion"].min()


def family_truth(world: World, events: dict[str, pd.DataFrame], as_at_date) -> pd.DataFrame:
    as_at = days(as_at_date)
    res = world.residents_on(as_at)[
        ["person_id", "household_id", "uprn", "relationship_to_head"]
    ].copy()
    res["age"] = (as_at - world.persons["dob_day"].to_numpy()[res["person_id"].to_numpy()]) / 365.25
    ns = events["neet_state"]
    activity = ns[ns["year"] == _academic_year(as_at)].set_index("person_id")["activity_code"]
    act = activity.reindex(res["person_id"].to_numpy()).to_numpy()
    child_rel = res["relationship_to_head"].isin(CHILD_RELATIONSHIPS).to_numpy()
    young = res["age"].to_numpy() < 16
    older = (res["age"].to_numpy() >= 16) & (res["age"].to_numpy() < 19)
    in_ed = np.array(
        [
            a is None or (isinstance(a, float) and np.isnan(a)) or a in DEPENDENT_ACTIVITIES
            for a in act
        ],
        dtype=bool,
    )
    res["is_dependent"] = child_rel & (young | (older & in_ed))

    ind = person_indicators(world, events, as_at)
    hits = res[["person_id", "household_id"]].merge(ind, on="person_id")
    codes = hits.groupby("household_id")["code"].agg(lambda s: sorted(set(s)))
    problems = hits.groupby("household_id").size()
    hh = res.groupby("household_id").agg(
        uprn=("uprn", "first"),
        members=("person_id", "size"),
        dependent_children=("is_dependent", "sum"),
    )
    hh["is_family"] = hh["dependent_children"] > 0
    hh["indicator_codes"] = codes.reindex(hh.index)
    hh["indicator_codes"] = hh["indicator_codes"].map(lambda v: v if isinstance(v, list) else [])
    for crit, members in CRITERIA.items():
        hh[crit] = hh["indicator_codes"].map(lambda v, m=set(members): bool(m.intersection(v)))
    absent = absent_parent_problems(world, res, ind)
    hh["absent_parent_criterion"] = absent.reindex(hh.index)
    for crit in CRITERIA:
        hh[crit] = hh[crit] | (hh["absent_parent_criterion"] == crit).to_numpy()
    hh["criteria_count"] = hh[list(CRITERIA)].sum(axis=1).astype(int)
    hh["problem_count"] = problems.reindex(hh.index).fillna(0).astype(int)
    hh["is_eligible"] = hh["is_family"] & (hh["criteria_count"] >= 2)
    hh = hh.reset_index()
    hh.insert(0, "as_at_date", pd.Timestamp(as_at_date).date())
    cols = [
        "as_at_date",
        "household_id",
        "uprn",
        "members",
        "dependent_children",
        "is_family",
        *CRITERIA,
        "absent_parent_criterion",
        "indicator_codes",
        "criteria_count",
        "problem_count",
        "is_eligible",
    ]
    return hh[cols]
