"""A small warehouse holding the marts a published night serves, shaped as the dbt marts
are (the columns the readers use), with the real reference seeds, for the list, the
changes since the last list and the explanation. Families are given compactly:

    Family("FAM-100", met=[1, 2], members=[("P1", 35, False), ("P2", 9, True)])

Each met criterion gets one indicator hit ('<code>A') on the first member unless `events`
gives them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
AS_AT = dt.date(2016, 6, 30)
SOURCES = {
    1: ("police", "police__offences", "1 5 9 10 11 12"),
    2: ("council_education", "council_education__attendance", "1 4 5 8 9 10 11 12"),
    3: ("council_social_care", "council_social_care__episodes", "1 2 4 6 8 9 10 11 12"),
    4: ("dwp", "dwp__out_of_work_benefits", "1 9 10 13"),
    5: ("police", "police__domestic_abuse", "1 4 7 9 10 11 12"),
    6: ("nhs", "nhs__mental_health", "1 7 9 10 11 12"),
}


@dataclass
class Family:
    family_id: str
    met: list[int]
    members: list[tuple[str, int | None, bool]] = field(
        default_factory=lambda: [("P1", 35, False), ("P2", 9, True)]
    )
    absent: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)  # '<person>: <how>'
    predecessors: list[str] = field(default_factory=list)
    events: list[dict] | None = None  # indicator_events rows beyond the defaults' columns
    cost: float = 1000.0

    @property
    def uprn(self) -> str:
        return self.family_id.removeprefix("FAM-")


def event(family: str, person: str, code: str, reason_details: str, **extra) -> dict:
    criterion = int(code[0])
    return {
        "family_id": family,
        "person_id": person,
        "is_absent_parent": False,
        "indicator_code": code,
        "criterion_code": criterion,
        "source_dataset": SOURCES[criterion][1],
        "event_on": dt.date(2016, 5, 1),
        "first_event_on": dt.date(2016, 1, 1),
        "record_count": 1,
        "evidence_record_ids": [f"{SOURCES[criterion][1]}:{person}-{code}"],
        "rule_set_version": "FF2015",
        "legal_gateways": SOURCES[criterion][2],
        "window_kind": "days",
        "window_started_on": dt.date(2015, 7, 1),
        "as_at_date": AS_AT,
        "details": reason_details,
        **extra,
    }


def build_night(path: Path, families: list[Family], households: list[str] = ()) -> Path:
    """Write the marts and reference tables for `families` (and extra household ids that
    are not families) into a new DuckDB file at `path`."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts; create schema reference")
        for seed in ("criteria", "rule_sets", "indicator_catalogue"):
            con.execute(
                f"create table reference.{seed} as select * from read_csv(?, header = true)",
                [str(SEEDS / f"{seed}.csv")],
            )
        _create(con)
        descriptions = dict(
            con.execute(
                "select indicator_code, description from reference.indicator_catalogue "
                "where rule_set_version = 'FF2015'"
            ).fetchall()
        )
        names = dict(
            con.execute(
                "select criterion_code, criterion_name from reference.criteria "
                "where rule_set_version = 'FF2015'"
            ).fetchall()
        )
        eligible = sorted(
            (f for f in families if len(f.met) >= 2), key=lambda f: (-len(f.met), -f.cost)
        )
        rank = {f.family_id: n for n, f in enumerate(eligible, start=1)}
        for f in families:
            _insert_family(con, f, rank.get(f.family_id), descriptions, names)
        for household in households:
            con.execute("insert into marts.households values (?, ?)", [household, household[3:]])
    finally:
        con.close()
    return path


def _create(con: duckdb.DuckDBPyConnection) -> None:
    flags = ", ".join(f"has_criterion_{n} boolean" for n in range(1, 11))
    con.execute(
        f"""
        create table marts.households (household_id varchar, uprn varchar);
        create table marts.families (
            family_id varchar, household_id varchar, uprn varchar, as_at_date date,
            member_count bigint, adult_count bigint, dependent_child_count bigint,
            person_ids varchar[], dependent_child_person_ids varchar[],
            absent_parent_person_ids varchar[], members_placed_by_inference varchar[],
            family_id_change varchar, predecessor_family_ids varchar[],
            member_age_years integer[]);
        create table marts.eligible_families (
            family_id varchar, household_id varchar, uprn varchar, {flags},
            criteria_count bigint, criteria_met integer[], min_criteria integer,
            rule_set_version varchar, as_at_date date, criteria_not_assessed integer[],
            unavailable_sources varchar[]);
        create table marts.family_priority (
            family_id varchar, household_id varchar, uprn varchar, criteria_count bigint,
            weighted_score double, estimated_annual_cost_gbp double, cost_price_year varchar,
            rule_set_version varchar, as_at_date date, priority_rank bigint);
        create table marts.family_criteria (
            family_id varchar, criterion_code integer, criterion_name varchar, is_met boolean,
            is_met_by_absent_parent boolean, reason varchar, rule_set_version varchar,
            as_at_date date, is_assessed boolean, unavailable_sources varchar[]);
        create table marts.indicator_events (
            family_id varchar, person_id varchar, is_absent_parent boolean,
            indicator_code varchar, criterion_code integer, source_dataset varchar,
            event_on date, first_event_on date, record_count bigint,
            evidence_record_ids varchar[], rule_set_version varchar, legal_gateways varchar,
            window_kind varchar, window_started_on date, as_at_date date, reason varchar);
        create table marts.services_involved (
            family_id varchar, agency varchar, source_dataset varchar, person_count bigint,
            record_count bigint, first_contact_on date, last_contact_on date,
            is_current boolean);
        """
    )


def _insert_family(con, f: Family, rank, descriptions, names) -> None:
    household = "HH-" + f.uprn
    people = [p for p, _, _ in f.members]
    children = [p for p, _, child in f.members if child]
    con.execute("insert into marts.households values (?, ?)", [household, f.uprn])
    con.execute(
        "insert into marts.families values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [f.family_id, household, f.uprn, AS_AT, len(people),
         sum(1 for _, age, _ in f.members if (age or 0) >= 18), len(children), people,
         children, f.absent, f.inferred, "continued", f.predecessors,
         [age for _, age, _ in f.members]],
    )  # fmt: skip
    events = f.events
    if events is None:
        events = [event(f.family_id, people[0], f"{c}A", f"record for {c}A") for c in f.met]
    for e in events:
        e = dict(e)
        details = e.pop("details")
        window = f" [window {e['window_started_on']} to {e['as_at_date']}]"
        e["reason"] = f"{descriptions[e['indicator_code']]}: {details}{window}"
        columns = ", ".join(f"? as {k}" for k in e)
        con.execute(
            f"insert into marts.indicator_events by name select {columns}", list(e.values())
        )
    for code, name in names.items():
        met = code in f.met
        con.execute(
            "insert into marts.family_criteria values "
            "(?, ?, ?, ?, false, ?, 'FF2015', ?, true, [])",
            [f.family_id, code, name, met, "met: ..." if met else "not met: no record", AS_AT],
        )
    for code in sorted(set(f.met)):
        agency, dataset, _ = SOURCES[code]
        con.execute(
            "insert into marts.services_involved values (?, ?, ?, 1, 2, ?, ?, true)",
            [f.family_id, agency, dataset, dt.date(2015, 9, 1), dt.date(2016, 5, 1)],
        )
    if rank is None:
        return
    flags = [code in f.met for code in range(1, 7)] + [None] * 4
    con.execute(
        "insert into marts.eligible_families values "
        f"(?, ?, ?, {', '.join('?' for _ in flags)}, ?, ?, 2, 'FF2015', ?, [], [])",
        [f.family_id, household, f.uprn, *flags, len(f.met), sorted(f.met), AS_AT],
    )
    con.execute(
        "insert into marts.family_priority values (?, ?, ?, ?, 1.0, ?, '2015/16', 'FF2015', ?, ?)",
        [f.family_id, household, f.uprn, len(f.met), f.cost, AS_AT, rank],
    )
