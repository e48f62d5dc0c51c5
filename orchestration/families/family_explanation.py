"""Why a family is or is not eligible, as structured data: what `families explain` prints
and the web application's family page shows (one reading of the published night for both).

Each criterion lists its indicators once, each with its description, window, sources and
legal gateways named once, then the people it was found for and what their records say.
Person ids and record ids only; never a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from orchestration.families import readable_names
from orchestration.families.list_rows import family_change

# indicator_events.reason is '<indicator description>: <details> [window A to B]' (or
# '[open on D]'); the description and window are said once per indicator instead.
_WINDOW = re.compile(r"\s*\[(window [^\]]*|open on [^\]]*)\]\s*$")


@dataclass
class Finding:
    """One person's hit on an indicator."""

    person_id: str
    is_absent_parent: bool
    details: list[str]
    first_event_on: object
    event_on: object
    record_count: int
    evidence_record_ids: list[str]


@dataclass
class Indicator:
    code: str
    description: str
    window: str
    sources: list[str]
    gateways: list[str]
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Criterion:
    code: int
    name: str
    is_met: bool
    is_met_by_absent_parent: bool
    is_assessed: bool
    unavailable_sources: list[str]
    not_counted_why: str
    indicators: list[Indicator]


@dataclass
class Member:
    person_id: str
    age_years: int | None
    role: str
    placed_by_inference: str  # how, when no record of theirs placed them here alone; or ''


@dataclass
class FamilyExplanation:
    family: dict
    rule_set: dict  # rule_set_version, rule_set_name, min_criteria
    members: list[Member]
    criteria: list[Criterion]
    eligible: bool
    priority: dict | None
    services: list[dict]
    change: dict | None  # since the last published list (list_rows.family_change)

    @property
    def met_count(self) -> int:
        return sum(1 for c in self.criteria if c.is_met)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def family_explanation(con: duckdb.DuckDBPyConnection, family_id: str) -> FamilyExplanation | None:
    """The family's explanation from the published night open on `con`; None if no such
    family."""
    family = _rows(con, "select * from marts.families where family_id = ?", [family_id])
    if not family:
        return None
    family = family[0]
    criteria = _rows(
        con,
        "select * from marts.family_criteria where family_id = ? order by criterion_code",
        [family_id],
    )
    events = _rows(
        con,
        "select * from marts.indicator_events where family_id = ? "
        "order by criterion_code, indicator_code, is_absent_parent, person_id",
        [family_id],
    )
    version = criteria[0]["rule_set_version"] if criteria else None
    rule_set = _rows(
        con,
        "select rule_set_version, rule_set_name, min_criteria from reference.rule_sets "
        "where rule_set_version = ?",
        [version],
    )
    descriptions = dict(
        con.execute(
            "select indicator_code, description from reference.indicator_catalogue "
            "where rule_set_version = ?",
            [version],
        ).fetchall()
    )
    eligible = con.execute(
        "select count(*) from marts.eligible_families where family_id = ?", [family_id]
    ).fetchone()[0]
    priority = _rows(con, "select * from marts.family_priority where family_id = ?", [family_id])
    services = _rows(
        con,
        "select * from marts.services_involved where family_id = ? "
        "order by is_current desc, last_contact_on desc, source_dataset",
        [family_id],
    )
    for service in services:
        service["source_name"] = readable_names.source_name(service["source_dataset"])
    return FamilyExplanation(
        family=family,
        rule_set=rule_set[0]
        if rule_set
        else {"rule_set_version": version, "rule_set_name": version, "min_criteria": None},
        members=members_of(family),
        criteria=[_criterion(c, events, descriptions) for c in criteria],
        eligible=bool(eligible),
        priority=priority[0] if priority else None,
        services=services,
        change=family_change(con, family_id),
    )


def _criterion(row: dict, events: list[dict], descriptions: dict[str, str]) -> Criterion:
    hits = [e for e in events if e["criterion_code"] == row["criterion_code"]]
    indicators: dict[str, Indicator] = {}
    for hit in hits:
        code = hit["indicator_code"]
        description = descriptions.get(code) or hit["reason"].split(":")[0]
        if code not in indicators:
            indicators[code] = Indicator(
                code=code,
                description=description,
                window=_window(hit),
                sources=[],
                gateways=readable_names.gateway_names(hit["legal_gateways"]),
            )
        indicator = indicators[code]
        for source in readable_names.source_names(hit["source_dataset"]):
            if source not in indicator.sources:
                indicator.sources.append(source)
        indicator.findings.append(
            Finding(
                person_id=hit["person_id"],
                is_absent_parent=bool(hit["is_absent_parent"]),
                details=_details(hit["reason"], description),
                first_event_on=hit["first_event_on"],
                event_on=hit["event_on"],
                record_count=int(hit["record_count"] or 0),
                evidence_record_ids=list(hit["evidence_record_ids"] or []),
            )
        )
    not_counted = ""
    if not row["is_met"] and hits:
        # family_criteria.reason is 'not counted: <why>: <the hits again>'; the why alone.
        not_counted = row["reason"].split(": ")[1] if ": " in row["reason"] else row["reason"]
    return Criterion(
        code=int(row["criterion_code"]),
        name=row["criterion_name"],
        is_met=bool(row["is_met"]),
        is_met_by_absent_parent=bool(row["is_met_by_absent_parent"]),
        is_assessed=row.get("is_assessed") is not False,
        unavailable_sources=readable_names.source_names(row.get("unavailable_sources") or []),
        not_counted_why=not_counted,
        indicators=list(indicators.values()),
    )


def _window(hit: dict) -> str:
    if hit.get("window_kind") == "current":
        return f"open on {hit['as_at_date']}"
    return f"{hit['window_started_on']} to {hit['as_at_date']}"


def _details(reason: str, description: str) -> list[str]:
    """What the person's records say, each said once (a snapshot source re-sends the same
    claim or tenancy every extract, which read as one reason three times)."""
    text = _WINDOW.sub("", reason or "")
    if description and text.startswith(description + ": "):
        text = text[len(description) + 2 :]
    return list(dict.fromkeys(part.strip() for part in text.split("; ") if part.strip()))


def members_of(family: dict) -> list[Member]:
    """Members (with their age on the as-at date and role), then absent parents."""
    children = set(family.get("dependent_child_person_ids") or [])
    ages = dict(
        zip(family.get("person_ids") or [], family.get("member_age_years") or [], strict=False)
    )
    inferred = {
        entry.split(": ", 1)[0]: entry.split(": ", 1)[1] if ": " in entry else "by inference"
        for entry in family.get("members_placed_by_inference") or []
    }
    members = []
    for person in family.get("person_ids") or []:
        age = ages.get(person)
        if person in children:
            role = "dependent child"
        elif age is None:
            role = "member, age unknown"
        else:
            role = "adult" if age >= 18 else "child, not dependent"
        members.append(Member(person, age, role, inferred.get(person, "")))
    for person in family.get("absent_parent_person_ids") or []:
        members.append(Member(person, None, "absent parent (lives elsewhere)", ""))
    return members
