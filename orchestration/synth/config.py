"""Every number the synthetic city is calibrated to, with its public source, in one place.

Status follows docs (../shared/domain/calibration.md): C stated in the source, D derived from
stated figures, U unconfirmed or an estimate (kept as a parameter, never trusted as fact).
`Target.tolerance` is what the tests allow (absolute, in the target's own unit) at the test
city's scale; rates are re-solved on every generated population, so they hold at any scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    value: float
    unit: str
    population: str
    source: str
    status: str
    tolerance: float


D = dt.date

# Where the city's simulated life starts (history before the first extract) and ends.
SIM_START = D(2012, 9, 1)
FIRST_EXTRACT_FROM = D(2013, 9, 1)
LATEST_EXTRACT = D(2016, 7, 20)
# Family truth is written for these as-at dates: the latest extract (education's), the latest
# date every source's extracts cover (2016-06-30, the platform's default as-at date: see the
# README, issue 6) and a year earlier.
TRUTH_AS_AT = (D(2016, 7, 20), D(2016, 6, 30), D(2015, 7, 22))
# `--nights 2`: the second night's extracts are dated the day after the latest extract; every
# delta dataset sends what it has not sent yet (family truth is then also written at this date).
NIGHT_TWO_EXTRACT = D(2016, 7, 21)
# Night two's size as a share of night one's rows (topped up with corrections, see generate.py).
NIGHT_TWO_SHARE = 0.01

# Term dates (Bristol-like); an extract is dated the last day of term.
TERMS = [
    ("2013/14", "AUT", D(2013, 9, 4), D(2013, 12, 20)),
    ("2013/14", "SPR", D(2014, 1, 6), D(2014, 4, 11)),
    ("2013/14", "SUM", D(2014, 4, 28), D(2014, 7, 23)),
    ("2014/15", "AUT", D(2014, 9, 3), D(2014, 12, 19)),
    ("2014/15", "SPR", D(2015, 1, 5), D(2015, 3, 27)),
    ("2014/15", "SUM", D(2015, 4, 13), D(2015, 7, 22)),
    ("2015/16", "AUT", D(2015, 9, 2), D(2015, 12, 18)),
    ("2015/16", "SPR", D(2016, 1, 4), D(2016, 3, 24)),
    ("2015/16", "SUM", D(2016, 4, 11), D(2016, 7, 20)),
]


def census_day(academic_year: str, term: str) -> dt.date:
    """DfE school census day of a term: the first Thursday of October (autumn), the third
    Thursday of January (spring) and of May (summer). The platform dates census records the
    same way (dbt macro census_day)."""
    first_year = int(academic_year[:4])
    year, month, week = {
        "AUT": (first_year, 10, 1),
        "SPR": (first_year + 1, 1, 3),
        "SUM": (first_year + 1, 5, 3),
    }[term]
    first = D(year, month, 1)
    first_thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + dt.timedelta(weeks=week - 1)


TARGETS: dict[str, Target] = {
    # --- population ---------------------------------------------------------------------
    "persons_per_household": Target(
        2.40,
        "residents per household",
        "households",
        "Bristol 2015: about 446,000 residents in 186,000 households (Census 2011/2021, D)",
        "D",
        0.12,
    ),
    "one_person_households": Target(
        0.303, "share", "households", "ONS Families and Households 2011 (E&W)", "C", 0.03
    ),
    "households_with_dependent_children": Target(
        0.267, "share", "households", "Census 2021, Bristol", "C", 0.035
    ),
    "lone_parent_households": Target(
        0.072, "share", "households", "ONS Families and Households 2011", "C", 0.02
    ),
    "children_per_family": Target(
        1.7, "dependent children per family", "families", "ONS 2012 (UK)", "C", 0.15
    ),
    "age_0_4": Target(
        0.069, "share", "residents", "calibration.md age bands (Bristol 2015)", "U", 0.02
    ),
    "age_5_10": Target(0.070, "share", "residents", "calibration.md age bands", "U", 0.02),
    "age_11_15": Target(0.048, "share", "residents", "calibration.md age bands", "U", 0.015),
    "age_16_18": Target(0.033, "share", "residents", "calibration.md age bands", "U", 0.015),
    "age_19_24": Target(0.120, "share", "residents", "calibration.md age bands", "U", 0.03),
    "age_25_44": Target(0.330, "share", "residents", "calibration.md age bands", "U", 0.04),
    "age_45_64": Target(0.210, "share", "residents", "calibration.md age bands", "U", 0.03),
    "age_65_plus": Target(0.125, "share", "residents", "calibration.md age bands", "U", 0.03),
    "births": Target(
        15.0, "per 1,000 residents a year", "residents", "Bristol JSNA 2014", "C", 4.0
    ),
    "movers": Target(
        0.12,
        "share of residents moving a year",
        "residents",
        "ONS 2011 origin-destination",
        "C",
        0.04,
    ),
    # --- school ---------------------------------------------------------------------------
    "persistent_absence": Target(
        0.11,
        "share of pupils missing 10%+ of sessions over 3 terms",
        "pupils 5-15",
        "DfE pupil absence 2014/15 (10% threshold)",
        "C",
        0.025,
    ),
    "fixed_term_exclusion": Target(
        0.02,
        "share of pupils with 1+ fixed-period exclusion a year",
        "pupils",
        "DfE exclusions 2015/16",
        "C",
        0.008,
    ),
    "permanent_exclusion": Target(
        0.0007, "share of pupils a year", "pupils", "DfE exclusions 2014/15", "C", 0.0015
    ),
    "alternative_provision": Target(
        0.003,
        "share of pupils placed in a year",
        "pupils",
        "estimate (PRU/AP census ~0.2-0.3%)",
        "U",
        0.004,
    ),
    # --- children's social care ---------------------------------------------------------
    "referrals": Target(
        475.0, "per 10,000 children a year", "children 0-17", "DfE CIN census 2015/16", "C", 150.0
    ),
    "children_in_need": Target(
        387.0,
        "per 10,000 children at a date (CIN incl. CP and LAC)",
        "children 0-17",
        "DfE CIN census, Bristol 2014",
        "D",
        120.0,
    ),
    "child_protection": Target(
        43.0, "per 10,000 children at a date", "children 0-17", "DfE 2015 (England)", "D", 35.0
    ),
    "looked_after": Target(
        77.0,
        "per 10,000 children at a date",
        "children 0-17",
        "DfE SSDA903, Bristol 2014",
        "D",
        45.0,
    ),
    "early_help": Target(
        300.0,
        "per 10,000 children at a date",
        "children 0-17",
        "estimate: early help assessments open",
        "U",
        110.0,
    ),
    "teenage_pregnancy": Target(
        8.7,
        "maternity bookings per 1,000 women 15-17 a year",
        "women 15-17",
        "ONS conceptions 17.3/1,000 (Bristol 2015), about half continuing to maternity (D)",
        "D",
        12.0,
    ),
    "missing_children": Target(
        50.0,
        "children reported missing per 10,000 aged 10-17 a year",
        "children 10-17",
        "estimate from NCA missing persons data",
        "U",
        50.0,
    ),
    "exploitation_risk": Target(
        15.0,
        "per 10,000 children 10-17 assessed a year",
        "children 10-17",
        "CSE a factor in 3% of CSC assessments, England 2014/15 (D)",
        "D",
        40.0,
    ),
    "homelessness_acceptances": Target(
        2.3, "per 1,000 households a year", "households", "DCLG P1E England 2014", "D", 3.0
    ),
    # --- work and money -------------------------------------------------------------------
    "out_of_work_benefits": Target(
        0.089,
        "share of adults 16-64 claiming at a date",
        "adults 16-64",
        "DWP 2016 (England)",
        "C",
        0.02,
    ),
    "neet": Target(
        0.045,
        "share of academic age 16-18 NEET at a date",
        "young people 16-18",
        "DfE NCCIS council-tracked NEET 2014-16",
        "C",
        0.025,
    ),
    "risk_of_neet": Target(
        0.08,
        "share of academic age 16-18 flagged at risk",
        "young people 16-18",
        "estimate (RONI flags)",
        "U",
        0.03,
    ),
    "benefit_cap": Target(
        8.3,
        "per 10,000 households capped at a date",
        "households",
        "DWP benefit cap statistics: Bristol 155 households, Nov 2016",
        "C",
        25.0,
    ),
    # --- crime, ASB, domestic abuse -----------------------------------------------------
    "proven_offenders": Target(
        0.012,
        "share of residents 10-64 with a proven offence a year",
        "residents 10-64",
        "MoJ criminal justice statistics (indictable convictions + cautions / population, D)",
        "D",
        0.006,
    ),
    "asb_suspects": Target(
        0.006,
        "share of residents 10+ named as ASB suspect a year",
        "residents 10+",
        "35 ASB incidents per 1,000 residents a year, about a quarter with a named suspect",
        "U",
        0.004,
    ),
    "prison_releases": Target(
        129.0,
        "per 100,000 residents a year",
        "residents",
        "MoJ offender management 2015 (D)",
        "D",
        150.0,
    ),
    "licence_supervision": Target(
        170.0,
        "per 100,000 residents at a date",
        "residents",
        "probation caseload 416/100,000 (D), share on licence estimated",
        "U",
        150.0,
    ),
    "community_orders": Target(
        250.0,
        "per 100,000 residents at a date",
        "residents",
        "probation caseload 416/100,000 (D), community-order share estimated",
        "U",
        180.0,
    ),
    "domestic_abuse_incidents": Target(
        18.0,
        "incidents per 1,000 residents a year",
        "residents",
        "ONS domestic abuse, police-recorded incidents and crimes E&W 2015/16",
        "D",
        6.0,
    ),
    # --- health ---------------------------------------------------------------------------
    "mental_health_services": Target(
        0.045,
        "share of adults in contact with secondary MH services a year",
        "adults 18+",
        "NHS Digital MHSDS 2017/18",
        "C",
        0.015,
    ),
    "substance_treatment": Target(
        6.7,
        "adults in drug or alcohol treatment per 1,000 a year",
        "adults 18+",
        "PHE NDTMS 2015/16 (D)",
        "D",
        5.0,
    ),
    "substance_incidents": Target(
        3.0,
        "people with a drug or alcohol incident per 1,000 aged 10+ a year",
        "residents 10+",
        "estimate",
        "U",
        3.0,
    ),
    "ae_attendances": Target(
        358.0,
        "per 1,000 residents a year",
        "residents",
        "NHS Digital HES A&E 2014/15 (D)",
        "D",
        60.0,
    ),
}


@dataclass(frozen=True)
class ErrorRates:
    """Per-record error rates for one source (a share of that source's person records)."""

    typo: float = 0.02
    nickname: float = 0.02
    name_swap: float = 0.005
    dob_day_month_swap: float = 0.005  # among records whose day of birth is 12 or less
    dob_missing: float = 0.01
    postcode_missing: float = 0.02
    stale_address: float = 0.05  # among records of people who moved in the two years before
    address_variant: float = 0.10
    duplicate_reference: float = 0.01  # share of a source's persons held under a second reference
    malformed_row: float = 0.001  # rows a loader must quarantine (impossible date, column count)


DEFAULT_ERRORS = ErrorRates()

# Sources differ: police and housing key names by hand from the person in front of them;
# education and NHS records are traced against national indexes.
ERRORS_BY_DATASET: dict[str, ErrorRates] = {
    "council_education/school_census": ErrorRates(
        typo=0.005,
        nickname=0.002,
        name_swap=0.001,
        dob_day_month_swap=0.002,
        dob_missing=0.0,
        postcode_missing=0.005,
        stale_address=0.03,
        address_variant=0.05,
        duplicate_reference=0.003,
    ),
    "council_education/attendance": ErrorRates(
        typo=0.005,
        nickname=0.002,
        name_swap=0.001,
        dob_day_month_swap=0.002,
        dob_missing=0.002,
        postcode_missing=0.0,
        stale_address=0.0,
        address_variant=0.0,
        duplicate_reference=0.003,
    ),
    "nhs/child_health": ErrorRates(
        typo=0.005,
        nickname=0.005,
        name_swap=0.002,
        dob_day_month_swap=0.001,
        dob_missing=0.0,
        postcode_missing=0.005,
        stale_address=0.08,
        address_variant=0.05,
        duplicate_reference=0.005,
    ),
    "police/offences": ErrorRates(
        typo=0.04,
        nickname=0.05,
        name_swap=0.01,
        dob_day_month_swap=0.01,
        dob_missing=0.03,
        postcode_missing=0.05,
        stale_address=0.08,
        address_variant=0.15,
        duplicate_reference=0.03,
    ),
    "police/asb_incidents": ErrorRates(
        typo=0.05,
        nickname=0.06,
        name_swap=0.015,
        dob_day_month_swap=0.01,
        dob_missing=0.08,
        postcode_missing=0.06,
        stale_address=0.08,
        address_variant=0.15,
        duplicate_reference=0.03,
    ),
    "police/domestic_abuse": ErrorRates(
        typo=0.04,
        nickname=0.05,
        name_swap=0.01,
        dob_day_month_swap=0.01,
        dob_missing=0.04,
        postcode_missing=0.04,
        stale_address=0.05,
        address_variant=0.15,
        duplicate_reference=0.03,
    ),
    "council_housing/asb_cases": ErrorRates(
        typo=0.04,
        nickname=0.05,
        name_swap=0.01,
        dob_day_month_swap=0.01,
        dob_missing=0.10,
        postcode_missing=0.03,
        stale_address=0.05,
        address_variant=0.2,
        duplicate_reference=0.02,
    ),
    "dwp/out_of_work_benefits": ErrorRates(
        typo=0.005,
        nickname=0.002,
        name_swap=0.002,
        dob_day_month_swap=0.001,
        dob_missing=0.0,
        postcode_missing=0.01,
        stale_address=0.10,
        address_variant=0.10,
        duplicate_reference=0.01,
    ),
    "nhs/ae_attendances": ErrorRates(
        typo=0.03,
        nickname=0.04,
        name_swap=0.01,
        dob_day_month_swap=0.01,
        dob_missing=0.01,
        postcode_missing=0.04,
        stale_address=0.06,
        address_variant=0.1,
        duplicate_reference=0.02,
    ),
}


def error_rates(dataset: str) -> ErrorRates:
    return ERRORS_BY_DATASET.get(dataset, DEFAULT_ERRORS)


# Share of a source's records that carry each identifier where the agency holds it.
IDENTIFIER_COVERAGE: dict[str, dict[str, float]] = {
    "council_social_care/referrals": {"nhs_number": 0.55},
    "council_social_care/episodes": {"nhs_number": 0.75},
    "nhs/child_health": {"nhs_number": 0.995},
    "nhs/mental_health": {"nhs_number": 0.97},
    "nhs/substance_misuse": {"nhs_number": 0.45},
    "nhs/maternity": {"nhs_number": 0.98},
    "nhs/ae_attendances": {"nhs_number": 0.93},
    "council_education/neet": {"upn": 0.85},
    "council_housing/tenancies": {"ni_number": 0.8},
    "council_housing/homelessness": {"ni_number": 0.7},
    "council_revenues/benefit_cap": {"ni_number": 0.98},
    "police/offences": {"pnc_id": 0.6},
    "police/arrests": {"pnc_id": 0.7},
    "police/custody_releases": {"pnc_id": 0.99},
    "police/orders": {"pnc_id": 0.95},
}


@dataclass(frozen=True)
class SynthConfig:
    households: int = 2000
    seed: int = 20150901
    truth_as_at: tuple[dt.date, ...] = TRUTH_AS_AT
    # Vulnerability drives correlated problems: logit slope per unit of latent vulnerability.
    vulnerability_slope: float = 1.6
    targets: dict[str, Target] = field(default_factory=lambda: dict(TARGETS))
