"""What the pages show, read from the published night (never the warehouse).

Every function takes a read-only connection from `orchestration.published.open_published()`
and returns plain dicts; filtering, sorting and paging happen in DuckDB so a page costs the
same at 200,000 households as at 400.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from orchestration.web.reference import gateway_names, source_name

SORTS = {
    "priority": "priority_rank nulls last, family_id",
    "criteria": "criteria_count desc, priority_rank nulls last, family_id",
    "cost": "estimated_annual_cost_gbp desc nulls last, family_id",
    "family": "family_id",
}
PAGE_SIZE = 50


@contextlib.contextmanager
def published() -> Iterator[duckdb.DuckDBPyConnection]:
    from orchestration.published import open_published

    con = open_published()
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def criterion_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select distinct criterion_code, criterion_name from marts.family_criteria order by 1"
    ).fetchall()
    return {str(code): name for code, name in rows}


@dataclass(frozen=True)
class ListQuery:
    criterion: str = ""  # a criterion code the family must meet
    min_criteria: int = 0
    sort: str = "priority"
    page: int = 1
    scope: frozenset[str] | None = None  # None: every family; else only these


def _where(query: ListQuery) -> tuple[str, list]:
    clauses, params = ["true"], []
    if query.criterion:
        clauses.append("list_contains(e.criteria_met, try_cast(? as integer))")
        params.append(query.criterion)
    if query.min_criteria:
        clauses.append("e.criteria_count >= ?")
        params.append(query.min_criteria)
    if query.scope is not None:
        clauses.append("list_contains(?::varchar[], e.family_id)")
        params.append(sorted(query.scope))
    return " and ".join(clauses), params


def eligible_list(
    con: duckdb.DuckDBPyConnection, query: ListQuery, limit: int | None = PAGE_SIZE
) -> tuple[int, list[dict]]:
    """(total matching, one page of rows) of the eligible list, with criteria named and the
    services involved. `limit=None` returns every matching row (exports)."""
    where, params = _where(query)
    total = con.execute(
        f"select count(*) from marts.eligible_families e where {where}", params
    ).fetchone()[0]
    paging = ""
    if limit is not None:
        paging = f"limit {int(limit)} offset {max(0, query.page - 1) * int(limit)}"
    rows = _rows(
        con,
        f"""
        with page as (
            select e.family_id, e.uprn, e.criteria_met, e.criteria_count, e.min_criteria,
                   e.rule_set_version, e.as_at_date, p.priority_rank,
                   p.estimated_annual_cost_gbp, p.cost_price_year
            from marts.eligible_families e
            left join marts.family_priority p using (family_id)
            where {where}
            order by {SORTS.get(query.sort, SORTS["priority"])}
            {paging}
        )
        select page.*, (
            select string_agg(distinct s.agency, ', ' order by s.agency)
            from marts.services_involved s
            where s.family_id = page.family_id and s.is_current
        ) as current_services
        from page
        order by {SORTS.get(query.sort, SORTS["priority"])}
        """,
        params,
    )
    names = criterion_names(con)
    for row in rows:
        row["criteria_named"] = [
            f"{code}: {names.get(str(code), 'criterion ' + str(code))}"
            for code in (row["criteria_met"] or [])
        ]
    return total, rows


def family_exists(con: duckdb.DuckDBPyConnection, family_id: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from marts.families where family_id = ?", [family_id]
        ).fetchone()[0]
    )


def family_detail(con: duckdb.DuckDBPyConnection, family_id: str) -> dict | None:
    """A family's members, criteria with their evidence, priority and services (the web's
    `families explain`: the same marts, with readable source and gateway names)."""
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
        "order by criterion_code, indicator_code, person_id",
        [family_id],
    )
    for event in events:
        event["source_name"] = source_name(event["source_dataset"])
        event["gateway_names"] = gateway_names(event["legal_gateways"])
    for criterion in criteria:
        code = criterion["criterion_code"]
        criterion["events"] = [e for e in events if e["criterion_code"] == code]
    eligible = _rows(con, "select * from marts.eligible_families where family_id = ?", [family_id])
    priority = _rows(con, "select * from marts.family_priority where family_id = ?", [family_id])
    services = _rows(
        con,
        "select * from marts.services_involved where family_id = ? order by source_dataset",
        [family_id],
    )
    for service in services:
        service["source_name"] = source_name(service["source_dataset"])
    return {
        "family": family,
        "members": _members(family),
        "criteria": criteria,
        "met_count": sum(1 for c in criteria if c["is_met"]),
        "eligible": eligible[0] if eligible else None,
        "priority": priority[0] if priority else None,
        "services": services,
    }


def _members(family: dict) -> list[dict]:
    children = set(family.get("dependent_child_person_ids") or [])
    absent = set(family.get("absent_parent_person_ids") or [])
    inferred = " ".join(family.get("members_placed_by_inference") or [])
    people = list(family.get("person_ids") or []) + sorted(absent)
    return [
        {
            "person_id": person,
            "role": "absent parent"
            if person in absent
            else ("dependent child" if person in children else "adult or older child"),
            "placed_by_inference": person in inferred,
        }
        for person in dict.fromkeys(people)
    ]


def review_queue(con: duckdb.DuckDBPyConnection, exclude: set[tuple[str, str]]) -> list[dict]:
    """Queued pairs minus pairs decided here since the night, those whose decision can
    change a family's eligibility first (review_impact.py says how), then the most
    uncertain."""
    from orchestration.web.review_impact import scored_queue

    rows = scored_queue(con)
    return [r for r in rows if (r["record_id_l"], r["record_id_r"]) not in exclude]


def queued_pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict | None:
    """One queued pair side by side: per compared field both records' values (when the
    night carries them), the level reached and its Bayes factor; or None if the pair is not
    in the published queue (a decision on it is refused)."""
    from orchestration.web.review_records import review_records

    left, right = sorted((left, right))
    rows = _rows(
        con,
        "select * from linkage.review_queue where record_id_l = ? and record_id_r = ?",
        [left, right],
    )
    if not rows:
        return None
    pair = rows[0]
    evidence = pair.get("evidence")
    evidence = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
    records = review_records(con, [left, right])
    record_l, record_r = records.get(left, {}), records.get(right, {})
    pair["has_values"] = bool(records)
    pair["fields"] = [
        {
            "field": name,
            "value_l": record_l.get(name),
            "value_r": record_r.get(name),
            "level": part.get("level"),
            "bayes_factor": part.get("bayes_factor"),
        }
        for name, part in evidence.items()
    ]
    pair["person_l"], pair["person_r"] = record_l.get("person_id"), record_r.get("person_id")
    pair["source_l"] = source_name(left.split(":")[0])
    pair["source_r"] = source_name(right.split(":")[0])
    return pair
