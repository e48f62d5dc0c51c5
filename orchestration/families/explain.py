"""Why a family is or is not eligible, in words a keyworker, a manager or the family can
check: each criterion, its indicators, their sources and dates, and the records behind them.

Reads the marts only (read-only connection); prints person ids and record ids, never names.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


class FamilyNotFound(LookupError):
    """No family with that id in marts.families (the message says what to try)."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _open(db: Path | None) -> duckdb.DuckDBPyConnection:
    """The published night (what users are served; never waits on a running night), or the
    file `db` read-only when one is named (tests, a copy kept for audit)."""
    if db is None:
        from orchestration.published import open_published

        return open_published()
    if not Path(db).exists():
        raise FileNotFoundError(f"{db}: no such warehouse file")
    return duckdb.connect(str(db), read_only=True)


def explain_family(family_id: str, db: Path | None = None) -> str:
    """The explanation of one family as plain text."""
    with _open(db) as con:
        family = _rows(con, "select * from marts.families where family_id = ?", [family_id])
        if not family:
            hint = _rows(
                con,
                "select family_id from marts.families where family_id ilike ? limit 5",
                [f"%{family_id}%"],
            )
            suggestion = (
                f" Did you mean: {', '.join(r['family_id'] for r in hint)}?" if hint else ""
            )
            raise FamilyNotFound(
                f"no family {family_id!r} in marts.families.{suggestion} Family ids look like "
                "FAM-<UPRN>; see data/outputs/eligible_families.csv."
            )
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
        eligible = _rows(
            con, "select * from marts.eligible_families where family_id = ?", [family_id]
        )
        priority = _rows(
            con, "select * from marts.family_priority where family_id = ?", [family_id]
        )
        services = _rows(
            con,
            "select * from marts.services_involved where family_id = ? order by source_dataset",
            [family_id],
        )
        rule_set = criteria[0]["rule_set_version"] if criteria else None
        needed_rows = _rows(
            con,
            "select min_criteria from reference.rule_sets where rule_set_version = ?",
            [rule_set],
        )
    met = [c for c in criteria if c["is_met"]]
    needed = needed_rows[0]["min_criteria"] if needed_rows else "?"
    lines = [
        f"Family {family_id} (household {family['household_id']}, UPRN {family['uprn']})",
        f"As at {family['as_at_date']}, rule set {rule_set}: "
        f"{family['member_count']} member(s), {family['dependent_child_count']} dependent "
        f"child(ren), absent parent(s): {', '.join(family['absent_parent_person_ids']) or 'none'}",
    ]
    inferred = family.get("members_placed_by_inference") or []
    if inferred:
        # Placement by inference is the likeliest mistake in a household: say so.
        lines.append("Placed here by inference (check before acting): " + "; ".join(inferred))
    if eligible:
        rank = f", priority rank {priority[0]['priority_rank']}" if priority else ""
        cost = (
            f"; estimated annual cost to public services GBP "
            f"{priority[0]['estimated_annual_cost_gbp']:,.0f} ({priority[0]['cost_price_year']} "
            "prices)"
            if priority
            else ""
        )
        lines.append(
            f"ELIGIBLE: {len(met)} of {len(criteria)} criteria met (at least {needed} "
            f"needed){rank}{cost}."
        )
    else:
        lines.append(
            f"NOT ELIGIBLE: {len(met)} of {len(criteria)} criteria met (at least {needed} needed)."
        )
    lines.append("")
    for criterion in criteria:
        mark = "MET" if criterion["is_met"] else "not met"
        lines.append(
            f"Criterion {criterion['criterion_code']}: {criterion['criterion_name']} [{mark}]"
        )
        hits = [e for e in events if e["criterion_code"] == criterion["criterion_code"]]
        if not hits:
            lines.append("  no qualifying record for any household member")
        for hit in hits:
            who = "absent parent" if hit["is_absent_parent"] else "household member"
            lines.append(
                f"  {hit['indicator_code']} {who} {hit['person_id']}: source "
                f"{hit['source_dataset']}, latest {hit['event_on']}, legal gateways "
                f"{hit['legal_gateways']}"
            )
            lines.append(f"     why: {hit['reason']}")
            lines.append(f"     records: {', '.join(hit['evidence_record_ids'])}")
        if criterion["is_met_by_absent_parent"]:
            supplied = sorted(
                f"{hit['indicator_code']} from {hit['person_id']}"
                for hit in hits
                if hit["is_absent_parent"]
            )
            lines.append(
                "  counted through the absent parent: the one problem an absent parent "
                f"supplies ({', '.join(supplied)})"
            )
        elif not criterion["is_met"] and hits:
            lines.append("  not counted: " + criterion["reason"].split(":")[0])
    if services:
        lines.append("")
        lines.append("Services involved (records of household members):")
        for service in services:
            current = "current" if service["is_current"] else "past"
            lines.append(
                f"  {service['source_dataset']}: {service['record_count']} record(s), "
                f"{service['first_contact_on']} to {service['last_contact_on']} ({current})"
            )
    lines.append("")
    lines.append(
        "Advisory only: a person decides. Record ids can be looked up in each agency's system."
    )
    return "\n".join(lines)
