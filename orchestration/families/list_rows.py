"""The eligible list's rows, as every reader shows them: the nightly CSV and XLSX, the web
list page and its exports all read them here, from the published night.

A row: family id, UPRN, priority, criteria met by name, estimated annual cost, services
involved now, what changed since the last published list, criteria that could not be
assessed, as-at date and rule set. Identifiers only (family id, UPRN), never a name.
Filtering, sorting and paging happen in DuckDB, so a page costs the same at 200,000
households as at 400; exports stream in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from orchestration.families import readable_names
from orchestration.families.list_changes import CHANGES, NO_PREVIOUS

SORTS = {
    "priority": "priority_rank nulls last, family_id",
    "criteria": "criteria_count desc, priority_rank nulls last, family_id",
    "cost": "estimated_annual_cost_gbp desc nulls last, family_id",
    "change": "change_order, priority_rank nulls last, family_id",
    "family": "family_id",
}
PAGE_SIZE = 50
BATCH = 10_000


@dataclass(frozen=True)
class ListQuery:
    criterion: str = ""  # a criterion code the family must meet
    min_criteria: int = 0
    change: str = ""  # new, changed, unchanged (since the last list)
    sort: str = "priority"
    page: int = 1
    scope: frozenset[str] | None = None  # None: every family; else only these


@dataclass(frozen=True)
class ListHeader:
    """What the whole list speaks for: shown above it on the page and in every export."""

    as_at_date: object
    rule_set_version: str
    rule_set_name: str
    min_criteria: int | None
    criteria_total: int
    criteria: dict[int, str]  # code -> name, for this rule set
    compared_with: dict | None  # the last published list (published_at, as_at, rule set)
    changes: dict[str, int]  # new, changed, unchanged, left, first list -> families

    def comparison_text(self) -> str:
        if not self.compared_with:
            return (
                "No earlier published list to compare with: this is the first one, so no "
                "family is marked new; changes are shown from the next night."
            )
        c = self.compared_with
        parts = ", ".join(f"{self.changes.get(k, 0)} {k}" for k in CHANGES if k != NO_PREVIOUS)
        return (
            f"Compared with the list published {c['published_at']} (as at {c['as_at_date']}, "
            f"rule set {c['rule_set_version']}): {parts}."
        )


def _has_changes(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'changes' and table_name = 'since_last_list'"
        ).fetchone()[0]
    )


def list_header(con: duckdb.DuckDBPyConnection) -> ListHeader:
    """The list's as-at date, rule set, criteria names and the comparison with the last list."""
    as_at, version = con.execute(
        "select max(as_at_date), max(rule_set_version) from marts.family_criteria"
    ).fetchone()
    rule_set = con.execute(
        "select rule_set_name, min_criteria, headline_count from reference.rule_sets "
        "where rule_set_version = ?",
        [version],
    ).fetchone() or (version, None, None)
    criteria = dict(
        con.execute(
            "select distinct criterion_code, criterion_name from marts.family_criteria order by 1"
        ).fetchall()
    )
    compared_with, changes = None, {}
    if _has_changes(con):
        rows = con.execute(
            "select published_at, as_at_date, rule_set_version from changes.compared_with"
        ).fetchall()
        if rows:
            compared_with = dict(
                zip(("published_at", "as_at_date", "rule_set_version"), rows[0], strict=True)
            )
        changes = dict(
            con.execute(
                "select change, count(*) from changes.since_last_list group by 1"
            ).fetchall()
        )
    return ListHeader(
        as_at_date=as_at,
        rule_set_version=version or "",
        rule_set_name=rule_set[0] or version or "",
        min_criteria=rule_set[1],
        criteria_total=rule_set[2] or len(criteria),
        criteria=criteria,
        compared_with=compared_with,
        changes=changes,
    )


def _where(query: ListQuery) -> tuple[str, list]:
    clauses, params = ["true"], []
    if query.criterion:
        clauses.append("list_contains(e.criteria_met, try_cast(? as integer))")
        params.append(query.criterion)
    if query.min_criteria:
        clauses.append("e.criteria_count >= ?")
        params.append(query.min_criteria)
    if query.change:
        clauses.append("c.change = ?")
        params.append(query.change)
    if query.scope is not None:
        clauses.append("list_contains(?::varchar[], e.family_id)")
        params.append(sorted(query.scope))
    return " and ".join(clauses), params


def _changes_join(con: duckdb.DuckDBPyConnection) -> str:
    if _has_changes(con):
        return "left join changes.since_last_list c using (family_id)"
    # A night published before changes were recorded: nothing to say about them.
    return (
        "left join (select null::varchar as family_id, null::varchar as change, "
        "null::integer[] as previous_criteria_met) c using (family_id)"
    )


def count_rows(con: duckdb.DuckDBPyConnection, query: ListQuery) -> int:
    where, params = _where(query)
    return con.execute(
        f"select count(*) from marts.eligible_families e {_changes_join(con)} where {where}",
        params,
    ).fetchone()[0]


def list_rows(
    con: duckdb.DuckDBPyConnection, query: ListQuery, limit: int | None = None
) -> Iterator[dict]:
    """The list's rows matching `query`, in its sort order: one page of `limit` rows, or
    (limit None) every row, fetched in batches."""
    where, params = _where(query)
    order = SORTS.get(query.sort, SORTS["priority"])
    # Read before the rows: a second statement on the connection would end their cursor.
    criteria = dict(
        con.execute(
            "select distinct criterion_code, criterion_name from marts.family_criteria"
        ).fetchall()
    )
    changes_join = _changes_join(con)
    paging = ""
    if limit is not None:
        paging = f"limit {int(limit)} offset {max(0, query.page - 1) * int(limit)}"
    cursor = con.execute(
        f"""
        with services as (
            select family_id, list(distinct agency order by agency) as agencies
            from marts.services_involved where is_current group by 1
        )
        select e.family_id, e.uprn, p.priority_rank, e.criteria_count, e.criteria_met,
               p.estimated_annual_cost_gbp, p.cost_price_year, s.agencies,
               e.criteria_not_assessed, e.unavailable_sources, e.as_at_date,
               e.rule_set_version, c.change, c.previous_criteria_met,
               case c.change when 'new' then 0 when 'changed' then 1 else 2 end as change_order
        from marts.eligible_families e
        left join marts.family_priority p using (family_id)
        left join services s using (family_id)
        {changes_join}
        where {where}
        order by {order}
        {paging}
        """,
        params,
    )
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(BATCH):
        for values in batch:
            yield _readable(dict(zip(names, values, strict=True)), criteria)


def _readable(row: dict, criteria: dict[int, str]) -> dict:
    met = list(row.pop("criteria_met") or [])
    row["criteria"] = [f"{code} {criteria.get(code, '')}".strip() for code in met]
    row["services_now"] = sorted(readable_names.agency_name(a) for a in row.pop("agencies") or [])
    row["unavailable_sources"] = readable_names.source_names(row["unavailable_sources"] or [])
    row["criteria_not_assessed"] = [str(c) for c in row["criteria_not_assessed"] or []]
    row["since_last_list"] = row.pop("change") or ""
    row["what_changed"] = what_changed(
        row.pop("previous_criteria_met"), met, row["since_last_list"]
    )
    row.pop("change_order")
    return row


def what_changed(before: list | None, now: list, change: str) -> str:
    """'now also meets 4; no longer meets 2' for a changed family; '' otherwise."""
    if change != "changed":
        return ""
    before, now = set(before or []), set(now)
    parts = []
    if now - before:
        parts.append("now also meets " + ", ".join(str(c) for c in sorted(now - before)))
    if before - now:
        parts.append("no longer meets " + ", ".join(str(c) for c in sorted(before - now)))
    return "; ".join(parts)


def left_rows(con: duckdb.DuckDBPyConnection, scope: frozenset[str] | None = None) -> list[dict]:
    """Families on the last published list and not on this one, with the reason where this
    night can tell it (no longer meets the criteria, now part of another family, no longer a
    family, no household at the address)."""
    if not _has_changes(con):
        return []
    clause, params = "", []
    if scope is not None:
        clause, params = "and list_contains(?::varchar[], family_id)", [sorted(scope)]
    cursor = con.execute(
        "select family_id, uprn, previous_criteria_count, previous_criteria_met, left_reason "
        f"from changes.since_last_list where change = 'left' {clause} order by family_id",
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def family_change(con: duckdb.DuckDBPyConnection, family_id: str) -> dict | None:
    """The family's entry in the changes since the last list (None if it has none)."""
    if not _has_changes(con):
        return None
    cursor = con.execute(
        "select change, criteria_met, previous_criteria_met, left_reason "
        "from changes.since_last_list where family_id = ?",
        [family_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    change, met, before, reason = row
    return {
        "change": change,
        "what_changed": what_changed(before, list(met or []), change),
        "left_reason": reason,
    }
