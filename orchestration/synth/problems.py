"""True events behind every indicator, driven by a latent vulnerability so problems cluster.

Each generator returns a canonical frame: `person_id`, `event_day`, optional `end_day`
(OPEN while open), a `group` (records sharing an incident or case) and the dataset's own
fields. Every rate is solved on the city's own population against config.TARGETS, so the
targets hold at any scale. Events are kept only when the person lived in the city that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from orchestration.synth import config
from orchestration.synth.calibrate import logistic_probabilities, poisson_rates, rates_for_any_event
from orchestration.synth.population import days
from orchestration.synth.world import OPEN, World

SLOPE = (
    1.6  # logit change per unit of latent vulnerability (config.SynthConfig.vulnerability_slope)
)
LATEST = days(config.LATEST_EXTRACT)
SIM0 = days(config.SIM_START)


def _target(name: str) -> float:
    return config.TARGETS[name].value


def academic_years(first: int) -> list[tuple[int, int, int]]:
    """(year, first day, last day) of academic years from `first`, cut at the latest extract."""
    out = []
    for y in range(first, config.LATEST_EXTRACT.year):
        a, b = days(dt.date(y, 9, 1)), min(days(dt.date(y + 1, 8, 31)), LATEST)
        out.append((y, a, b))
    return out


class EventBuilder:
    def __init__(self, world: World, rng: np.random.Generator):
        self.w = world
        self.rng = rng
        self.p = world.persons
        self._residents: dict[int, pd.DataFrame] = {}

    # --- populations -------------------------------------------------------------------

    def residents(self, day: int) -> pd.DataFrame:
        day = max(day, SIM0 + 1)
        if day not in self._residents:
            r = self.w.residents_on(day)[
                ["person_id", "household_id", "uprn", "relationship_to_head"]
            ].copy()
            pid = r["person_id"].to_numpy()
            r["age"] = (day - self.p["dob_day"].to_numpy()[pid]) / 365.25
            r["sex"] = self.p["sex"].to_numpy()[pid]
            r["vuln"] = self.p["vulnerability"].to_numpy()[pid]
            self._residents[day] = r.reset_index(drop=True)
        return self._residents[day]

    def person_years(self, first_year: int, age_lo: float, age_hi: float) -> pd.DataFrame:
        frames = []
        for y, a, b in academic_years(first_year):
            mid = (a + b) // 2
            r = self.residents(mid)
            r = r[(r["age"] >= age_lo) & (r["age"] < age_hi)].copy()
            r["year"], r["day0"], r["day1"] = y, a, b
            frames.append(r)
        return pd.concat(frames, ignore_index=True)

    def household_years(self, first_year: int) -> pd.DataFrame:
        frames = []
        for y, a, b in academic_years(first_year):
            r = self.residents((a + b) // 2)
            g = r.assign(kid=(r["age"] < 18).astype(int)).groupby("household_id", sort=True)
            h = pd.DataFrame(
                {"vuln": g["vuln"].mean(), "kids": g["kid"].sum(), "size": g.size()}
            ).reset_index()
            h["year"], h["day0"], h["day1"], h["mid"] = y, a, b, (a + b) // 2
            frames.append(h)
        return pd.concat(frames, ignore_index=True)

    # --- helpers ---------------------------------------------------------------------------

    def draw_days(self, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
        return (d0 + self.rng.random(len(d0)) * (d1 - d0 + 1)).astype(np.int64)

    def keep_resident(self, frame: pd.DataFrame, day_col: str = "event_day") -> pd.DataFrame:
        loc = self.w.locate(frame["person_id"].to_numpy(), frame[day_col].to_numpy())
        frame = frame.assign(
            household_id=loc["household_id"].to_numpy(), uprn=loc["uprn"].to_numpy()
        )
        alive = (
            self.p["died_day"].to_numpy()[frame["person_id"].to_numpy()] > frame[day_col].to_numpy()
        )
        return frame[
            (frame["uprn"].to_numpy() >= 0) & alive & (frame[day_col] <= LATEST)
        ].reset_index(drop=True)

    def expand(self, frame: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
        counts = np.asarray(counts, dtype=np.int64)
        out = frame.loc[np.repeat(frame.index.to_numpy(), counts)].reset_index(drop=True)
        out["event_day"] = self.draw_days(out["day0"].to_numpy(), out["day1"].to_numpy())
        return out

    def durations(self, n: int, mean_days, sigma: float = 0.7) -> np.ndarray:
        mu = np.log(np.asarray(mean_days, dtype=float)) - sigma**2 / 2
        return np.maximum(1, self.rng.lognormal(mu, sigma, n)).astype(np.int64)

    def pick(self, options: list[str], probs: list[float], n: int) -> np.ndarray:
        p = np.array(probs, dtype=float)
        return np.array(options, dtype=object)[self.rng.choice(len(options), size=n, p=p / p.sum())]

    def episodes(
        self, py: pd.DataFrame, annual_start: np.ndarray, mean_days: float
    ) -> pd.DataFrame:
        starts = py[self.rng.random(len(py)) < annual_start].copy()
        starts["event_day"] = self.draw_days(starts["day0"].to_numpy(), starts["day1"].to_numpy())
        starts["end_day"] = starts["event_day"] + self.durations(len(starts), mean_days)
        return self.keep_resident(starts)


def _age_crime_curve(age: np.ndarray) -> np.ndarray:
    return np.log(np.exp(-(((age - 20) / 11) ** 2)) + 0.12)


def generate_events(world: World, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """All delta datasets' true events plus the states snapshots are cut from."""
    b = EventBuilder(world, rng)
    out: dict[str, pd.DataFrame] = {}
    school = school_states(b)
    out.update(school)
    out.update(social_care(b))
    out.update(crime(b))
    out["police/domestic_abuse"] = domestic_abuse(b)
    out.update(housing(b))
    out.update(work(b, school["neet_state"]))
    out.update(health(b))
    return out


# --- education ------------------------------------------------------------------------------


def _weekdays(a: dt.date, b: dt.date) -> int:
    return int(np.busday_count(np.datetime64(a), np.datetime64(b + dt.timedelta(days=1))))


def school_states(b: EventBuilder) -> dict[str, pd.DataFrame]:
    w, rng = b.w, b.rng
    p = w.persons
    schools = w.schools
    ward_of = w.gazetteer.set_index("uprn")["ward_code"]
    prim = (
        schools[schools["phase"] == "primary"].groupby("ward_code")["laestab"].apply(list).to_dict()
    )
    sec = schools[schools["phase"] == "secondary"]["laestab"].tolist()
    wards = sorted(ward_of.unique().tolist())
    ward_index = {wc: i for i, wc in enumerate(wards)}

    # Activity of young people of academic age 16-18, one per academic year (NEET truth).
    neet_rows = []
    for y, _a, _ in academic_years(2012):
        r = b.residents(days(dt.date(y, 10, 1)))
        ac = np.floor(
            (days(dt.date(y, 8, 31)) - p["dob_day"].to_numpy()[r["person_id"].to_numpy()]) / 365.25
        )
        r = r.assign(academic_age=ac)
        r = r[(r["academic_age"] >= 16) & (r["academic_age"] <= 18)].copy()
        r["year"] = y
        neet_rows.append(r)
    ns = pd.concat(neet_rows, ignore_index=True)
    p_neet = logistic_probabilities(
        SLOPE * ns["vuln"].to_numpy() + 0.5 * (ns["academic_age"].to_numpy() - 17), _target("neet")
    )
    is_neet = rng.random(len(ns)) < p_neet
    teen_mums = set(
        w.births.merge(p[["person_id", "dob_day"]], left_on="mother_id", right_on="person_id")
        .query("day - dob_day < 19 * 365.25")["mother_id"]
        .tolist()
    )
    neet_code = b.pick(["540", "550", "610"], [0.55, 0.3, 0.15], len(ns))
    neet_code = np.where(ns["person_id"].isin(teen_mums).to_numpy(), "620", neet_code)
    young = ns["academic_age"].to_numpy() < 18
    eet_young = b.pick(
        ["110", "120", "130", "200", "210", "220"], [0.45, 0.15, 0.25, 0.07, 0.04, 0.04], len(ns)
    )
    eet_old = b.pick(["110", "130", "200", "210", "220"], [0.08, 0.32, 0.12, 0.15, 0.33], len(ns))
    ns["activity_code"] = np.where(is_neet, neet_code, np.where(young, eet_young, eet_old))
    p_roni = logistic_probabilities(
        1.2 * ns["vuln"].to_numpy(), _target("risk_of_neet") / max(1 - _target("neet"), 0.5)
    )
    ns["risk_of_neet"] = np.where(~is_neet & (rng.random(len(ns)) < p_roni), "Y", "N")
    ns["activity_start"] = [days(dt.date(y, 9, 1)) for y in ns["year"]]
    ns["activity_start"] += rng.integers(0, 60, len(ns)) * is_neet
    neet_state = ns[
        ["person_id", "year", "academic_age", "activity_code", "risk_of_neet", "activity_start"]
    ]

    # Enrolment per term: pupils of academic age 4-15, and 16-17 in a school sixth form.
    sixth = set(
        zip(
            ns.loc[ns["activity_code"] == "110", "person_id"],
            ns.loc[ns["activity_code"] == "110", "year"],
            strict=True,
        )
    )
    enrol_rows = []
    for ay, term, start, end in config.TERMS:
        y = int(ay[:4])
        census = days(config.census_day(ay, term))
        r = b.residents(census)
        dob = p["dob_day"].to_numpy()[r["person_id"].to_numpy()]
        ac = np.floor((days(dt.date(y, 8, 31)) - dob) / 365.25)
        r = r.assign(academic_age=ac)
        base = (r["academic_age"] >= 4) & (r["academic_age"] <= 15)
        older = (r["academic_age"] >= 16) & (r["academic_age"] <= 17)
        older &= np.array([(pid, y) in sixth for pid in r["person_id"].tolist()], dtype=bool)
        r = r[base | older].copy()
        r["academic_year"], r["term"], r["term_start"], r["term_end"], r["census_day"] = (
            ay,
            term,
            days(start),
            days(end),
            census,
        )
        r["possible"] = 2 * _weekdays(start, end) - 14  # half-term week and two INSET days
        enrol_rows.append(r)
    en = pd.concat(enrol_rows, ignore_index=True)
    en["nc_year"] = np.where(
        en["academic_age"] == 4, "R", (en["academic_age"] - 4).astype(int).astype(str)
    )
    ward = ward_of.reindex(en["uprn"].to_numpy()).to_numpy()
    pid = en["person_id"].to_numpy()
    primary = en["academic_age"].to_numpy() <= 10
    en["laestab"] = [
        prim[wd][pi % len(prim[wd])]
        if is_p and wd in prim
        else sec[(ward_index[wd] + pi) % len(sec)]
        for pi, wd, is_p in zip(pid.tolist(), ward.tolist(), primary.tolist(), strict=True)
    ]
    # Entry to a school: by the start of the first term it is seen at (earlier for some).
    first_seen = en.groupby(["person_id", "laestab"])["census_day"].transform("min")
    first_term_start = en.groupby(["person_id", "laestab"])["term_start"].transform("min")
    en["entry_date"] = np.where(
        first_seen == en["census_day"].min(),
        np.minimum(
            first_term_start,
            [days(dt.date(int(d), 9, 2)) for d in (p["dob"].dt.year.to_numpy()[pid] + 5)],
        ),
        first_term_start - rng.integers(0, 60, len(en)),
    )
    en["entry_date"] = np.maximum(en["entry_date"], p["dob_day"].to_numpy()[pid] + 4 * 365)

    # Attendance: a persistent absence propensity per pupil plus term noise, solved so that the
    # share missing 10%+ over three terms meets the target.
    pupils = np.unique(pid)
    z = pd.Series(rng.normal(size=pupils.size), index=pupils)
    score = 1.0 * p["vulnerability"].to_numpy()[pid] + 0.75 * z.reindex(pid).to_numpy()
    term_noise = rng.normal(0, 0.35, len(en))
    ages_ok = (en["academic_age"].to_numpy() >= 5) & (en["academic_age"].to_numpy() <= 15)
    last3 = en["academic_year"].isin(["2015/16"]).to_numpy() & ages_ok
    lo, hi = -8.0, 2.0
    for _ in range(40):
        mid = (lo + hi) / 2
        rate = 1 / (1 + np.exp(-(mid + score + term_noise)))
        share = np.mean(pd.Series(rate[last3]).groupby(pid[last3]).mean().to_numpy() >= 0.10)
        lo, hi = (mid, hi) if share < _target("persistent_absence") else (lo, mid)
    rate = 1 / (1 + np.exp(-((lo + hi) / 2 + score + term_noise)))
    missed = rng.binomial(en["possible"].to_numpy(), np.minimum(rate, 0.95))
    unauth_share = 1 / (1 + np.exp(-(-1.4 + 0.8 * p["vulnerability"].to_numpy()[pid])))
    en["unauthorised"] = rng.binomial(missed, unauth_share)
    en["authorised"] = missed - en["unauthorised"]

    # Exclusions: Poisson counts per pupil-year, mostly in secondary school.
    years = en.drop_duplicates(["person_id", "academic_year"]).reset_index(drop=True)
    yr_bounds = {ay: (days(s), days(e)) for ay, t, s, e in config.TERMS if t == "AUT"}
    yr_end = {ay: days(e) for ay, t, s, e in config.TERMS if t == "SUM"}
    years["day0"] = years["academic_year"].map(lambda a: yr_bounds[a][0])
    years["day1"] = years["academic_year"].map(yr_end)
    sec_mask = years["academic_age"].to_numpy() >= 11
    score = 1.5 * years["vuln"].to_numpy() + np.where(sec_mask, 0.0, -1.6)
    lam = rates_for_any_event(score, _target("fixed_term_exclusion"))
    counts = rng.poisson(lam * rng.gamma(1.5, 1 / 1.5, len(years)))
    fx = b.expand(years, counts)
    fx["exclusion_category"] = np.where(rng.random(len(fx)) < 0.08, "LNCH", "FIXD")
    fx["sessions"] = np.where(fx["exclusion_category"] == "LNCH", 1, rng.integers(1, 11, len(fx)))
    p_perm = logistic_probabilities(
        2.0 * years["vuln"].to_numpy() + np.where(sec_mask, 0.0, -3.0),
        _target("permanent_exclusion"),
    )
    perm = years[rng.random(len(years)) < p_perm].copy()
    perm["event_day"] = b.draw_days(perm["day0"].to_numpy(), perm["day1"].to_numpy())
    perm["exclusion_category"], perm["sessions"] = "PERM", 0
    excl = pd.concat([fx, perm], ignore_index=True)
    # Exclusions start on school days: a weekend date moves to the Monday.
    excl["event_day"] = np.busday_offset(
        excl["event_day"].to_numpy().astype("datetime64[D]"), 0, roll="forward"
    ).astype(np.int64)
    excl["exclusion_reason"] = b.pick(
        ["PP", "PA", "VP", "VA", "BU", "RA", "DM", "TH", "DA", "SM", "DB", "OT"],
        [30, 8, 7, 5, 3, 2, 3, 2, 6, 1, 25, 8],
        len(excl),
    )
    excl = b.keep_resident(excl)
    excl = excl.merge(
        en[["person_id", "academic_year", "term_start", "term_end", "laestab"]].drop_duplicates(
            ["person_id", "academic_year"]
        ),
        on=["person_id", "academic_year"],
        how="left",
        suffixes=("_drop", ""),
    )
    excl = excl.drop(columns=[c for c in excl.columns if c.endswith("_drop")])

    # Alternative provision: everyone permanently excluded, and a few more placed.
    p_ap = logistic_probabilities(
        2.0 * years["vuln"].to_numpy() + np.where(sec_mask, 0.0, -2.5),
        _target("alternative_provision"),
    )
    ap = years[rng.random(len(years)) < p_ap].copy()
    ap["event_day"] = b.draw_days(ap["day0"].to_numpy(), ap["day1"].to_numpy())
    perm_ap = excl[excl["exclusion_category"] == "PERM"][["person_id", "event_day"]].copy()
    perm_ap["event_day"] += rng.integers(6, 25, len(perm_ap))
    ap = pd.concat([ap[["person_id", "event_day"]], perm_ap], ignore_index=True)
    ap["end_day"] = ap["event_day"] + b.durations(len(ap), 160)
    ap["setting_type"] = b.pick(
        ["PRU", "AP_ACADEMY", "AP_FREE_SCHOOL", "INDEPENDENT_AP"], [55, 25, 10, 10], len(ap)
    )
    ap["setting_urn"] = [f"1{int(x):05d}" for x in rng.integers(30000, 39999, len(ap))]
    ap = b.keep_resident(ap)
    return {
        "enrolment": en,
        "neet_state": neet_state,
        "council_education/exclusions": excl,
        "council_education/alternative_provision": ap,
    }


# --- children's social care -------------------------------------------------------------------


def social_care(b: EventBuilder) -> dict[str, pd.DataFrame]:
    rng = b.rng
    kids = b.person_years(2012, 0, 18)
    p_ref = logistic_probabilities(
        SLOPE * kids["vuln"].to_numpy(), _target("referrals") / 10_000 / 1.2
    )
    refs = kids[rng.random(len(kids)) < p_ref]
    refs = b.expand(refs.reset_index(drop=True), 1 + rng.poisson(0.2, len(refs)))
    refs["referral_source"] = b.pick(
        ["POLICE", "SCHOOL", "HEALTH", "LA", "INDIVIDUAL", "OTHER"],
        [29, 18, 14, 5, 9, 25],
        len(refs),
    )
    refs["referral_outcome"] = b.pick(
        ["NFA", "EARLY_HELP", "ASSESSMENT", "S47"], [30, 20, 40, 10], len(refs)
    )
    refs = b.keep_resident(refs)

    # Early help, child in need and child protection are family-wide: every child in the household.
    hy = b.household_years(2010)
    hy = hy[hy["kids"] > 0].reset_index(drop=True)
    episodes = []
    cin_only = _target("children_in_need") - _target("child_protection") - _target("looked_after")
    for kind, per10k, mean_days in (
        ("EH", _target("early_help"), 180),
        ("CIN", cin_only, 270),
        ("CP", _target("child_protection"), 270),
    ):
        # x1.15: children who turn 18 or leave the city end their episode early.
        p_start = logistic_probabilities(
            SLOPE * 1.2 * hy["vuln"].to_numpy(),
            1.15 * per10k / 10_000 * 365 / mean_days,
            weights=hy["kids"].to_numpy(),
        )
        chosen = hy[rng.random(len(hy)) < p_start].copy()
        chosen["start"] = b.draw_days(chosen["day0"].to_numpy(), chosen["day1"].to_numpy())
        chosen["end"] = chosen["start"] + b.durations(len(chosen), mean_days)
        chosen["family_episode"] = np.arange(len(chosen))
        # Members as of the household's snapshot day; each child must still live here at the start.
        m = b.w.members_on(chosen[["household_id", "mid", "start", "end", "family_episode"]], "mid")
        m = m[m["age"] < 18]
        if len(m):
            m = m.rename(columns={"start": "event_day", "end": "end_day"})
            m["episode_type"] = kind
            m["family_ref"] = kind + m["family_episode"].astype(str)
            episodes.append(m[["person_id", "event_day", "end_day", "episode_type", "family_ref"]])
    lac_years = b.person_years(2009, 0, 18)
    # x1.4: episodes end at 18 and some children leave the city, which the stock formula ignores.
    p_lac = logistic_probabilities(
        2.2 * lac_years["vuln"].to_numpy(), 1.4 * _target("looked_after") / 10_000 * 365 / 720
    )
    lac = b.episodes(lac_years, p_lac, 720)
    lac["episode_type"] = "LAC"
    lac["family_ref"] = "LAC" + lac.index.astype(str)
    episodes.append(lac[["person_id", "event_day", "end_day", "episode_type", "family_ref"]])
    eps = b.keep_resident(pd.concat(episodes, ignore_index=True))
    dob = b.p["dob_day"].to_numpy()[eps["person_id"].to_numpy()]
    eps["end_day"] = np.minimum(eps["end_day"].to_numpy(), dob + int(18 * 365.25))
    eps = eps[eps["end_day"] > eps["event_day"]].reset_index(drop=True)
    return {"council_social_care/referrals": refs, "council_social_care/episodes": eps}


# --- crime, ASB, exploitation ------------------------------------------------------------------


def crime(b: EventBuilder) -> dict[str, pd.DataFrame]:
    rng = b.rng
    py = b.person_years(2012, 10, 65)
    male = (py["sex"] == "M").to_numpy()
    score = (
        SLOPE * py["vuln"].to_numpy()
        + _age_crime_curve(py["age"].to_numpy())
        + np.where(male, 1.0, -0.3)
    )
    p_off = logistic_probabilities(score, _target("proven_offenders"))
    offenders = py[rng.random(len(py)) < p_off].reset_index(drop=True)
    proven = b.expand(offenders, 1 + rng.poisson(0.4, len(offenders)))
    proven["proven"] = True
    p_sus = logistic_probabilities(score * 0.8, _target("proven_offenders") * 0.8)
    suspects = py[rng.random(len(py)) < p_sus].reset_index(drop=True)
    unproven = b.expand(suspects, np.ones(len(suspects), dtype=np.int64))
    unproven["proven"] = False
    off = b.keep_resident(pd.concat([proven, unproven], ignore_index=True))
    youth = off["age"].to_numpy() < 18
    n = len(off)
    proven_code = np.where(
        youth,
        b.pick(["1", "2", "8", "4"], [45, 30, 20, 5], n),
        b.pick(["1", "3", "6", "7", "8", "4"], [55, 15, 8, 4, 12, 6], n),
    )
    off["outcome_code"] = np.where(
        off["proven"], proven_code, b.pick(["14", "15", "16", "18"], [30, 25, 25, 20], n)
    )
    off["end_day"] = off["event_day"] + np.where(
        off["proven"], rng.integers(7, 120, n), rng.integers(14, 180, n)
    )
    off["offence_group"] = b.pick(
        [
            "VIOLENCE",
            "SEXUAL",
            "ROBBERY",
            "THEFT",
            "BURGLARY",
            "VEHICLE",
            "CRIMINAL_DAMAGE",
            "DRUGS",
            "PUBLIC_ORDER",
            "WEAPONS",
            "OTHER",
        ],
        [30, 3, 3, 22, 6, 4, 10, 10, 6, 3, 3],
        n,
    )

    arrests = off[rng.random(n) < np.where(off["proven"], 0.6, 0.45)].copy()
    arrests["event_day"] = arrests["event_day"] + rng.integers(0, 4, len(arrests))
    arrests = b.keep_resident(arrests.drop(columns=["end_day"]))

    adults = py[py["age"] >= 18].reset_index(drop=True)
    residents_per_adult = len(py) / max(len(adults), 1) * 1.25
    amale = (adults["sex"] == "M").to_numpy()
    p_rel = logistic_probabilities(
        2.2 * adults["vuln"].to_numpy() + np.where(amale, 1.5, -1.0),
        _target("prison_releases") / 100_000 * residents_per_adult,
    )
    rel = adults[rng.random(len(adults)) < p_rel].reset_index(drop=True)
    rel = b.expand(rel, np.ones(len(rel), dtype=np.int64))
    rel["release_type"] = b.pick(["LICENCE", "END_OF_SENTENCE", "HDC"], [78, 15, 7], len(rel))
    rel = b.keep_resident(rel)

    orders = []
    lic = rel[rel["release_type"] != "END_OF_SENTENCE"][["person_id", "event_day"]].copy()
    lic["end_day"] = lic["event_day"] + b.durations(len(lic), 240, 0.5)
    lic["order_type"] = "LICENCE"
    orders.append(lic)
    sup_share = (
        max(_target("licence_supervision") - _target("prison_releases") * 240 / 365, 20) / 100_000
    )
    p_sup = logistic_probabilities(
        2.0 * adults["vuln"].to_numpy() + np.where(amale, 1.2, -0.8),
        1.3 * sup_share * residents_per_adult,
    )  # x1.3: orders end on leaving
    sup = b.episodes(adults, p_sup, 365)
    sup["order_type"] = "SUPERVISION"
    orders.append(sup[["person_id", "event_day", "end_day", "order_type"]])
    charged = off[off["proven"] & (off["outcome_code"] == "1")]
    adult_charged = charged[charged["age"] >= 18]
    # Community orders are most of the 1E stock (mean length a year): starts a year = 0.8 x stock.
    residents_now = len(b.residents((SIM0 + LATEST) // 2))
    wanted = 0.8 * _target("community_orders") / 100_000 * residents_now
    years = max((LATEST - SIM0) / 365.25, 1)
    p_co = min(1.0, wanted * years / max(len(adult_charged), 1))
    co = adult_charged[rng.random(len(adult_charged)) < p_co][["person_id", "end_day"]].copy()
    co["event_day"] = co["end_day"] + rng.integers(7, 40, len(co))
    co["end_day"] = co["event_day"] + b.durations(len(co), 365, 0.4)
    co["order_type"] = "COMMUNITY_ORDER"
    orders.append(co)
    youth_charged = charged[charged["age"] < 18]
    yro = youth_charged[rng.random(len(youth_charged)) < 0.35][["person_id", "end_day"]].copy()
    yro["event_day"] = yro["end_day"] + rng.integers(7, 40, len(yro))
    yro["end_day"] = yro["event_day"] + b.durations(len(yro), 270, 0.4)
    yro["order_type"] = "YOUTH_REHAB_ORDER"
    orders.append(yro)
    rj_src = off[off["proven"] & (off["outcome_code"] == "8")]
    rj = rj_src[rng.random(len(rj_src)) < 0.4][["person_id", "event_day"]].copy()
    rj["event_day"] = rj["event_day"] + rng.integers(3, 30, len(rj))
    rj["end_day"] = rj["event_day"] + rng.integers(14, 90, len(rj))
    rj["order_type"] = "RESTORATIVE_JUSTICE"
    orders.append(rj)

    # ASB: named suspects, and the victims and witnesses of the same incidents.
    py10 = b.person_years(2012, 10, 120)
    s_score = SLOPE * py10["vuln"].to_numpy() + np.log(
        np.exp(-(((py10["age"].to_numpy() - 17) / 9) ** 2)) + 0.1
    )
    s_score += np.where(py10["sex"].to_numpy() == "M", 0.6, -0.4)
    p_asb = logistic_probabilities(s_score, _target("asb_suspects"))
    sus = py10[rng.random(len(py10)) < p_asb].reset_index(drop=True)
    sus = b.keep_resident(b.expand(sus, 1 + rng.poisson(0.6, len(sus))))
    sus["role"] = "SUSPECT"
    sus["group"] = np.arange(len(sus))
    others = []
    for role, share in (("VICTIM", 0.5), ("WITNESS", 0.1)):
        picked = sus[rng.random(len(sus)) < share][["group", "event_day"]].copy()
        pool = py10.drop_duplicates("person_id")["person_id"].to_numpy()
        picked["person_id"] = pool[rng.integers(0, len(pool), len(picked))]
        picked["role"] = role
        others.append(picked)
    asb = b.keep_resident(
        pd.concat([sus[["person_id", "event_day", "group", "role"]], *others], ignore_index=True)
    )
    asb = asb.drop_duplicates(["group", "person_id"]).reset_index(drop=True)
    asb["asb_category"] = np.array(["PERSONAL", "NUISANCE", "ENVIRONMENTAL"], dtype=object)[
        asb["group"].to_numpy() % 3
    ]
    abc = sus[(sus["age"] < 26)]
    abc = abc[rng.random(len(abc)) < 0.08][["person_id", "event_day"]].copy()
    abc["event_day"] += rng.integers(7, 60, len(abc))
    abc["end_day"] = abc["event_day"] + 182
    abc["order_type"] = "ABC"
    orders.append(abc)
    orders_df = b.keep_resident(pd.concat(orders, ignore_index=True))

    # Missing children and exploitation risk.
    kids = b.person_years(2012, 10, 18)
    kv = kids["vuln"].to_numpy()
    p_miss = logistic_probabilities(2.2 * kv, _target("missing_children") / 10_000)
    missing = kids[rng.random(len(kids)) < p_miss].reset_index(drop=True)
    missing = b.keep_resident(b.expand(missing, 1 + rng.geometric(0.5, len(missing)) - 1))
    missing["end_day"] = missing["event_day"]
    missing["risk_grade"] = b.pick(
        ["ABSENT", "LOW", "MEDIUM", "HIGH"], [15, 45, 32, 8], len(missing)
    )
    expl = []
    for etype, per10k, female_bonus in (
        ("CSE", _target("exploitation_risk"), 1.6),
        ("CCE", 10.0, -1.6),
    ):
        sc = 2.2 * kv + np.where(kids["sex"].to_numpy() == "F", female_bonus, -female_bonus)
        pe = logistic_probabilities(sc, per10k / 10_000)
        e = kids[rng.random(len(kids)) < pe].reset_index(drop=True)
        e = b.expand(e, np.ones(len(e), dtype=np.int64))
        e["exploitation_type"] = etype
        expl.append(e)
    expl_df = b.keep_resident(pd.concat(expl, ignore_index=True))
    expl_df["risk_level"] = b.pick(["LOW", "MEDIUM", "HIGH"], [35, 45, 20], len(expl_df))
    return {
        "police/offences": off,
        "police/arrests": arrests,
        "police/custody_releases": rel,
        "police/orders": orders_df,
        "police/asb_incidents": asb,
        "police/missing_episodes": missing,
        "police/exploitation_risk": expl_df,
    }


def domestic_abuse(b: EventBuilder) -> pd.DataFrame:
    """Incidents between partners or ex-partners; children at the victim's home are present."""
    rng, w = b.rng, b.w
    frames = []
    residents_total = 0
    for _y, a, z in academic_years(2012):
        r = b.residents((a + z) // 2)
        residents_total += len(r) * (z - a + 1) / 365.25
        adults = r[r["age"] >= 16]
        heads = adults[adults["relationship_to_head"] == "head"][
            ["household_id", "person_id", "sex", "vuln"]
        ]
        partners = adults[adults["relationship_to_head"] == "partner"][
            ["household_id", "person_id", "sex"]
        ]
        pairs = heads.merge(partners, on="household_id", suffixes=("_h", "_p"))
        pairs = pairs[pairs["sex_h"] != pairs["sex_p"]]
        woman = np.where(pairs["sex_h"] == "F", pairs["person_id_h"], pairs["person_id_p"])
        man = np.where(pairs["sex_h"] == "F", pairs["person_id_p"], pairs["person_id_h"])
        cand = [
            pd.DataFrame(
                {"woman": woman, "man": man, "vuln": pairs["vuln"].to_numpy(), "weight": 1.0}
            )
        ]
        seps = w.separations[w.separations["day"] < z]
        if len(seps):
            sv = b.p["vulnerability"].to_numpy()[seps["woman_id"].to_numpy()]
            cand.append(
                pd.DataFrame(
                    {
                        "woman": seps["woman_id"].to_numpy(),
                        "man": seps["man_id"].to_numpy(),
                        "vuln": sv,
                        "weight": 1.8,
                    }
                )
            )
        lone = heads[(heads["sex"] == "F") & ~heads["household_id"].isin(pairs["household_id"])]
        cand.append(
            pd.DataFrame(
                {
                    "woman": lone["person_id"].to_numpy(),
                    "man": -1,
                    "vuln": lone["vuln"].to_numpy(),
                    "weight": 0.8,
                }
            )
        )
        c = pd.concat(cand, ignore_index=True)
        c["day0"], c["day1"] = a, z
        frames.append(c)
    cands = pd.concat(frames, ignore_index=True)
    years = cands["day1"].to_numpy() - cands["day0"].to_numpy() + 1
    target_incidents = _target("domestic_abuse_incidents") / 1000 * residents_total
    lam = poisson_rates(
        1.7 * cands["vuln"].to_numpy()
        + np.log(cands["weight"].to_numpy())
        + np.log(years / 365.25),
        target_incidents / len(cands),
    )
    inc = b.expand(cands, rng.poisson(lam))
    inc["group"] = np.arange(len(inc))
    male_victim = rng.random(len(inc)) < 0.15
    victim = np.where(male_victim & (inc["man"] >= 0), inc["man"], inc["woman"])
    perp = np.where(male_victim & (inc["man"] >= 0), inc["woman"], inc["man"])
    rows = [
        pd.DataFrame(
            {
                "person_id": victim,
                "event_day": inc["event_day"],
                "group": inc["group"],
                "role": "VICTIM",
            }
        )
    ]
    known = perp >= 0
    rows.append(
        pd.DataFrame(
            {
                "person_id": perp[known],
                "event_day": inc["event_day"].to_numpy()[known],
                "group": inc["group"].to_numpy()[known],
                "role": "PERPETRATOR",
            }
        )
    )
    da = pd.concat(rows, ignore_index=True)
    # Where police attended: the victim's home that day.
    vloc = w.locate(victim, inc["event_day"].to_numpy())
    attend = pd.DataFrame(
        {
            "group": inc["group"].to_numpy(),
            "incident_uprn": vloc["uprn"].to_numpy(),
            "incident_household": vloc["household_id"].to_numpy(),
            "event_day": inc["event_day"].to_numpy(),
        }
    )
    attend = attend[attend["incident_uprn"] >= 0]
    present = attend[rng.random(len(attend)) < 0.45].rename(
        columns={"incident_household": "household_id"}
    )
    m = b.w.members_on(present[["household_id", "event_day", "group"]], "event_day")
    kids = [m[m["age"] < 16][["person_id", "group", "event_day"]].assign(role="CHILD_PRESENT")]
    if kids:
        da = pd.concat([da, *kids], ignore_index=True)
    da = da.merge(attend[["group", "incident_uprn"]], on="group", how="inner")
    da = b.keep_resident(da.drop_duplicates(["group", "person_id"]))
    per_group = da.groupby("group")["group"].transform("size")
    da["dash_risk"] = np.where(
        rng.random(len(da)) < 0.1, "HIGH", np.where(rng.random(len(da)) < 0.3, "MEDIUM", "STANDARD")
    )
    da["dash_risk"] = da.groupby("group")["dash_risk"].transform("first")
    da["crime_flag"] = np.where(da["group"].to_numpy() % 5 < 2, "Y", "N")
    del per_group
    return da


# --- housing, work and money ---------------------------------------------------------------------


def housing(b: EventBuilder) -> dict[str, pd.DataFrame]:
    rng = b.rng
    hy = b.household_years(2012)
    p_app = logistic_probabilities(
        1.8 * hy["vuln"].to_numpy() + np.where(hy["kids"] > 0, 0.5, 0.0),
        _target("homelessness_acceptances") / 1000 / 0.5,
    )
    apps = hy[rng.random(len(hy)) < p_app].reset_index(drop=True)
    apps["event_day"] = b.draw_days(apps["day0"].to_numpy(), apps["day1"].to_numpy())
    m = b.w.members_on(apps[["household_id", "mid", "event_day"]], "mid")
    heads = m[m["relationship_to_head"] == "head"][["person_id", "event_day"]]
    homeless = b.keep_resident(heads.drop_duplicates().reset_index(drop=True))
    homeless["end_day"] = homeless["event_day"] + rng.integers(10, 60, len(homeless))
    homeless["decision"] = b.pick(
        ["ACCEPTED", "INTENTIONAL", "NOT_PRIORITY", "NOT_HOMELESS"], [50, 6, 12, 32], len(homeless)
    )

    # Council ASB cases are about tenants: the perpetrator and a complaining neighbour.
    social = set(b.w.households.loc[b.w.households["social_tenant"], "household_id"].tolist())
    py = b.person_years(2012, 10, 80)
    py = py[py["household_id"].isin(social)].reset_index(drop=True)
    per_person = 3.0 / 1000 * 0.85 / max(py["person_id"].nunique() / max(len(social), 1), 1)
    p_case = logistic_probabilities(
        SLOPE * py["vuln"].to_numpy() - np.abs(py["age"].to_numpy() - 25) / 20, per_person
    )
    perps = py[rng.random(len(py)) < p_case].reset_index(drop=True)
    perps = b.expand(perps, np.ones(len(perps), dtype=np.int64))
    perps["role"] = "PERPETRATOR"
    perps["group"] = np.arange(len(perps))
    vic = perps[rng.random(len(perps)) < 0.7][["group", "event_day"]].copy()
    pool = py["person_id"].unique()
    vic["person_id"] = pool[rng.integers(0, len(pool), len(vic))] if len(pool) else []
    vic["role"] = "VICTIM"
    cases = b.keep_resident(
        pd.concat([perps[["person_id", "event_day", "group", "role"]], vic], ignore_index=True)
    )
    cases = cases.drop_duplicates(["group", "person_id"]).reset_index(drop=True)
    cases["asb_type"] = np.array(
        ["NOISE", "HARASSMENT", "VANDALISM", "DRUGS", "OTHER"], dtype=object
    )[cases["group"].to_numpy() % 5]
    return {"council_housing/homelessness": homeless, "council_housing/asb_cases": cases}


def work(b: EventBuilder, neet_state: pd.DataFrame) -> dict[str, pd.DataFrame]:
    rng = b.rng
    py = b.person_years(2008, 16, 65)
    # Mean claim length about 20 months across the mix below; starts solved for the stock.
    mean_days = 600
    score = SLOPE * py["vuln"].to_numpy() + np.where(py["age"].to_numpy() < 18, -1.5, 0.0)
    p_claim = logistic_probabilities(
        score, _target("out_of_work_benefits") * 365 / mean_days * 1.15
    )
    claims = py[rng.random(len(py)) < p_claim].reset_index(drop=True)
    claims["event_day"] = b.draw_days(claims["day0"].to_numpy(), claims["day1"].to_numpy())
    n = len(claims)
    btype = b.pick(["JSA", "ESA", "IS_OTH"], [40, 52, 8], n)
    lone = (
        claims["household_id"]
        .map(b.w.households.set_index("household_id")["composition"])
        .eq("lone_parent")
    )
    btype = np.where(lone.to_numpy() & (claims["sex"].to_numpy() == "F"), "IS_LP", btype)
    uc_day = days(dt.date(2015, 4, 1))
    btype = np.where(
        (claims["event_day"].to_numpy() >= uc_day) & (btype == "JSA") & (rng.random(n) < 0.3),
        "UC_SW",
        btype,
    )
    btype = np.where(
        (claims["event_day"].to_numpy() < days(dt.date(2010, 1, 1))) & (btype == "ESA"), "IB", btype
    )
    claims["benefit_type"] = btype
    mean_by = {"JSA": 200, "UC_SW": 180, "ESA": 1100, "IB": 1500, "IS_LP": 700, "IS_OTH": 700}
    means = np.array([mean_by[t] for t in btype], dtype=float)
    claims["end_day"] = claims["event_day"].to_numpy() + b.durations(n, means, 0.8)
    claims = b.keep_resident(claims)
    # One claim at a time per person: drop a claim starting while another is open.
    claims = claims.sort_values(["person_id", "event_day"], kind="stable").reset_index(drop=True)
    prev_end = claims.groupby("person_id")["end_day"].shift().fillna(-1).to_numpy()
    claims = claims[claims["event_day"].to_numpy() > prev_end].reset_index(drop=True)

    # The benefit cap: larger claimant families from August 2013.
    cap_start = days(dt.date(2013, 8, 15))
    big = claims[(claims["end_day"] > cap_start)].copy()
    hh_kids = {}
    for _y, a, z in academic_years(2013):
        r = b.residents((a + z) // 2)
        hh_kids.update(r[r["age"] < 18].groupby("household_id").size().to_dict())
    big = big[big["household_id"].map(hh_kids).fillna(0).to_numpy() >= 3]
    households_now = len(b.residents(LATEST)["household_id"].unique())
    # x1.5: a cap also ends when the claim does, so spells are shorter than their 300-day mean.
    wanted = 1.5 * _target("benefit_cap") / 10_000 * households_now * (LATEST - cap_start) / 300
    take = min(1.0, wanted / max(len(big), 1))
    cap = big[rng.random(len(big)) < take][["person_id", "event_day", "end_day"]].copy()
    cap["event_day"] = np.maximum(cap["event_day"], cap_start + rng.integers(0, 60, len(cap)))
    cap["end_day"] = np.minimum(cap["end_day"], cap["event_day"] + b.durations(len(cap), 300))
    cap = b.keep_resident(cap[cap["end_day"] > cap["event_day"]])
    cap["cap_amount"] = np.round(rng.uniform(5, 120, len(cap)), 2)
    return {"claims": claims, "cap": cap}


# --- health -------------------------------------------------------------------------------------


def health(b: EventBuilder) -> dict[str, pd.DataFrame]:
    rng, w = b.rng, b.w
    adults = b.person_years(2011, 18, 120)
    av = adults["vuln"].to_numpy()
    mean_mh = 180
    p_mh = logistic_probabilities(1.4 * av, _target("mental_health_services") / (1 + mean_mh / 365))
    mh = b.episodes(adults, p_mh, mean_mh)
    mh["team_type"] = b.pick(["CMHT", "IAPT", "CRISIS", "EIP"], [45, 40, 10, 5], len(mh))
    kids = b.person_years(2011, 5, 18)
    camhs = b.episodes(kids, logistic_probabilities(1.4 * kids["vuln"].to_numpy(), 0.02), 200)
    camhs["team_type"] = "CAMHS"
    mental = pd.concat([mh, camhs], ignore_index=True)

    mean_tx = 270
    p_tx = logistic_probabilities(
        2.2 * av + np.where(adults["sex"].to_numpy() == "M", 0.7, -0.7),
        _target("substance_treatment") / 1000 / (1 + mean_tx / 365),
    )
    tx = b.episodes(adults, p_tx, mean_tx)
    tx["record_type"] = "TREATMENT"
    py10 = b.person_years(2012, 10, 120)
    p_inc = logistic_probabilities(
        2.0 * py10["vuln"].to_numpy(), _target("substance_incidents") / 1000
    )
    inc = py10[rng.random(len(py10)) < p_inc].reset_index(drop=True)
    inc = b.keep_resident(b.expand(inc, 1 + rng.poisson(0.3, len(inc))))
    inc["end_day"] = OPEN
    inc["record_type"] = "INCIDENT"
    sm = pd.concat([tx, inc], ignore_index=True)
    sm["substance"] = b.pick(
        ["OPIATE", "NON_OPIATE", "ALCOHOL", "ALCOHOL_NON_OPIATE"], [45, 15, 30, 10], len(sm)
    )

    births = w.births.copy()
    births["event_day"] = births["day"] - rng.integers(170, 230, len(births))
    births = births[births["event_day"] <= LATEST]
    mat = pd.DataFrame(
        {
            "person_id": births["mother_id"].to_numpy(),
            "event_day": births["event_day"].to_numpy(),
            "end_day": births["day"].to_numpy(),
        }
    )
    mat = b.keep_resident(mat)

    # A&E: Poisson attendances per person-year, more for infants, young adults and the old.
    everyone = b.person_years(2012, 0, 120)
    age = everyone["age"].to_numpy()
    age_factor = np.select(
        [age < 5, age < 16, age < 25, age < 65, age < 80], [1.8, 0.8, 1.3, 0.9, 1.2], 2.4
    )
    span = (everyone["day1"] - everyone["day0"] + 1).to_numpy() / 365.25
    lam = poisson_rates(
        0.5 * everyone["vuln"].to_numpy() + np.log(age_factor), _target("ae_attendances") / 1000
    )
    ae = b.keep_resident(b.expand(everyone, rng.poisson(lam * span)))
    ae["event_minute"] = rng.integers(0, 24 * 60, len(ae))
    ae["ae_category"] = b.pick(["1", "2", "3"], [88, 5, 7], len(ae))
    return {
        "nhs/mental_health": mental,
        "nhs/substance_misuse": sm,
        "nhs/maternity": mat,
        "nhs/ae_attendances": ae,
    }
